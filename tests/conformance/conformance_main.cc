// Runs every recorded AWS case in ../shared/conformance/asl/cases through the interpreter and
// compares results under NORMALIZATION.md. Prints per-category "N passed, M failed" and exits 1
// when a case fails that is not listed in known_failures.txt (a regression), so CI catches it.
//
// Usage: conformance_runner CASES_DIR KNOWN_FAILURES [--verbose] [--filter SUBSTRING]
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "asl/model.h"
#include "common/clock.h"
#include "common/file.h"
#include "runtime/express_runner.h"
#include "tasks/mock.h"
#include "tasks/unconfigured.h"
#include "tests/conformance/expect_match.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace tactus;

namespace {

// The exit code CTest reads as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
constexpr int kSkipped = 77;

// The case's mocks (state -> list of responses) in Step Functions Local's MockConfigFile format.
json::value ToMockConfig(const std::string& machine, const json::object& mocks) {
  json::object test_case, responses;
  for (const auto& [state, list] : mocks) {
    std::string name = std::string(state) + "Mocks";
    test_case[state] = name;
    json::object numbered;
    std::size_t i = 0;
    for (const auto& r : list.as_array()) {
      json::value response = r;
      if (auto* thr = response.as_object().if_contains("Throw"); thr && thr->is_object()) {
        auto& t = thr->as_object();
        if (t.contains("Error") && t["Error"].is_null()) t.erase("Error");
      }
      numbered[std::to_string(i++)] = std::move(response);
    }
    responses[name] = std::move(numbered);
  }
  return json::object{
      {"StateMachines",
       json::object{
           {machine, json::object{{"TestCases", json::object{{"conformance", test_case}}}}}}},
      {"MockedResponses", responses}};
}

struct Outcome {
  bool passed = false;
  std::string why;
  // Whether the recorded history event types were compared, and whether they matched.
  bool history_compared = false;
  bool history_matched = false;
  std::string history_diff;
};

// Informational (NORMALIZATION.md does not compare history): the sequence of event types.
void CompareHistory(const json::object& c, const runtime::RunResult& result, Outcome* o) {
  const auto* recorded = c.if_contains("history_types");
  if (!recorded || !recorded->is_array()) return;
  o->history_compared = true;
  std::vector<std::string> want, got;
  for (const auto& t : recorded->as_array()) want.emplace_back(t.as_string());
  for (const auto& e : result.history) got.emplace_back(e.at("type").as_string());
  o->history_matched = want == got;
  if (!o->history_matched) {
    std::size_t i = 0;
    while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
    o->history_diff = "event " + std::to_string(i + 1) + ": expected " +
                      (i < want.size() ? want[i] : "<end>") + ", got " +
                      (i < got.size() ? got[i] : "<end>");
  }
}

Outcome Failed(std::string why) {
  Outcome o;
  o.why = std::move(why);
  return o;
}

Outcome RunCase(const json::object& c) {
  const std::string machine_name = "ConformanceMachine";
  auto machine = asl::BuildStateMachine(c.at("definition"));
  if (!machine.ok()) return Failed("definition rejected: " + machine.status().message());

  json::object mocks;
  if (const auto* m = c.if_contains("mocks"); m && m->is_object()) mocks = m->as_object();
  auto config = tasks::MockConfig::Parse(ToMockConfig(machine_name, mocks));
  if (!config.ok()) return Failed("mock config: " + config.status().message());
  auto responses = config->TestCase(machine_name, "conformance");
  if (!responses.ok()) return Failed(responses.status().message());
  tasks::UnconfiguredDispatcher unconfigured;
  tasks::MockDispatcher dispatcher(machine_name, "conformance", std::move(responses).value(),
                                   unconfigured);

  engine::ExecutionInfo info;
  std::string exec_name = "conformance-execution";
  bool express = false;
  if (const auto* ctx = c.if_contains("context"); ctx && ctx->is_object()) {
    if (const auto* n = ctx->as_object().if_contains("execution_name"); n && n->is_string()) {
      exec_name = n->get_string();
    }
    if (const auto* t = ctx->as_object().if_contains("state_machine_type")) {
      express = t->is_string() && t->get_string() == "EXPRESS";
    }
  }
  const std::string prefix = "arn:aws:states:us-east-1:111111111111:";
  info.state_machine_name = machine_name;
  info.state_machine_arn = prefix + "stateMachine:" + machine_name;
  info.execution_name = exec_name;
  // Express executions have ARNs of their own shape: ...:express:<machine>:<name>:<id>.
  info.execution_arn = express ? prefix + "express:" + machine_name + ":" + exec_name +
                                     ":8d5e7b6c-1f0a-4b7e-9a3c-2f6d4e1b0a99"
                               : prefix + "execution:" + machine_name + ":" + exec_name;
  info.role_arn = "arn:aws:iam::111111111111:role/conformance";
  info.input = c.at("input");
  if (const auto* source = c.if_contains("source");
      source && source->is_string() &&
      source->get_string().find("test_express_sync") != json::string::npos) {
    info.redrive_count.reset();  // recorded through StartSyncExecution
  }

  common::SystemClock clock;
  runtime::ExpressRunner runner(dispatcher, clock);
  runtime::RunOptions options;
  options.virtual_time = true;
  options.seed = 42;
  auto result = runner.Run(std::move(machine).value(), std::move(info), options);
  Outcome outcome;
  CompareHistory(c, result, &outcome);
  auto fail = [&](std::string why) {
    outcome.why = std::move(why);
    return outcome;
  };

  const auto& expect = c.at("expect").as_object();
  std::vector<std::string> placeholders;
  if (const auto* p = c.if_contains("placeholders"); p && p->is_array()) {
    for (const auto& t : p->as_array()) placeholders.emplace_back(t.as_string());
  }
  conformance::ExpectMatcher matcher(placeholders);
  std::string status = engine::ExecutionStatusName(result.status);
  std::string expected_status(expect.at("status").as_string());
  std::string why;
  if (status != expected_status) {
    std::string detail = status == "SUCCEEDED" ? common::SerializeJson(result.output)
                                               : result.error + ": " + result.cause;
    return fail("status " + status + " (" + detail.substr(0, 400) + "), expected " +
                expected_status);
  }
  if (status == "SUCCEEDED") {
    if (!matcher.Match(expect.at("output"), result.output, &why)) return fail("output " + why);
    outcome.passed = true;
    return outcome;
  }
  json::value error(json::string(result.error)), cause(json::string(result.cause));
  const json::value null_value;
  const auto* e = expect.if_contains("error");
  const auto* ca = expect.if_contains("cause");
  if (!matcher.MatchError(e ? *e : null_value, &error, &why)) return fail("error " + why);
  if (!matcher.MatchError(ca ? *ca : null_value, &cause, &why)) return fail("cause " + why);
  outcome.passed = true;
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: conformance_runner CASES_DIR KNOWN_FAILURES [--verbose] [--filter S]\n";
    return 2;
  }
  fs::path dir = argv[1];
  bool verbose = false;
  std::string filter;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--verbose") verbose = true;
    if (a == "--filter" && i + 1 < argc) filter = argv[++i];
  }
  if (!fs::is_directory(dir)) {
    // ../shared is optional (the project builds and tests without it); CTest shows a skip.
    std::cout << "asl-conformance: " << dir << " not found; skipped\n";
    return kSkipped;
  }
  std::map<std::string, std::string> known;  // case name -> reason
  {
    std::ifstream in(argv[2]);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto space = line.find_first_of(" \t");
      std::size_t reason =
          space == std::string::npos ? space : line.find_first_not_of(" \t#", space);
      known[line.substr(0, space)] = reason == std::string::npos ? "" : line.substr(reason);
    }
  }

  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  std::map<std::string, std::pair<int, int>> per_category;
  int passed = 0, failed = 0, history_compared = 0, history_matched = 0;
  std::vector<std::string> regressions, fixed;
  for (const auto& file : files) {
    auto text = common::ReadFile(file.string());
    auto parsed = text.ok() ? common::ParseJson(*text) : text.status();
    if (!parsed.ok() || !parsed->is_object()) {
      std::cerr << file << ": unreadable case\n";
      regressions.push_back(file.string());
      continue;
    }
    const auto& c = parsed->as_object();
    const auto* name_field = c.if_contains("name");
    const auto* category_field = c.if_contains("category");
    if (!name_field || !name_field->is_string() || !category_field ||
        !category_field->is_string() || !c.contains("definition") || !c.contains("expect")) {
      std::cerr << file << ": not a conformance case (needs name, category, definition, expect)\n";
      regressions.push_back(file.string());
      continue;
    }
    std::string name(name_field->as_string());
    std::string category(category_field->as_string());
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    Outcome o = RunCase(c);
    auto& counts = per_category[category];
    if (o.passed && o.history_compared) {
      ++history_compared;
      if (o.history_matched) {
        ++history_matched;
      } else if (verbose) {
        std::cout << "HISTORY " << category << "/" << name << ": " << o.history_diff << "\n";
      }
    }
    bool is_known = known.count(name) > 0;
    if (o.passed) {
      ++passed;
      ++counts.first;
      if (is_known) fixed.push_back(name);
    } else {
      ++failed;
      ++counts.second;
      if (!is_known) regressions.push_back(name + ": " + o.why);
      if (verbose) std::cout << "FAIL " << category << "/" << name << ": " << o.why << "\n";
    }
  }

  std::cout << "\ncategory                          passed  failed\n";
  for (const auto& [category, counts] : per_category) {
    std::printf("%-32s %7d %7d\n", category.c_str(), counts.first, counts.second);
  }
  std::cout << "asl-conformance: " << passed << " passed, " << failed << " failed\n";
  std::cout << "history event types identical to AWS's (informational): " << history_matched
            << " of " << history_compared << " passing cases with a recorded history\n";
  for (const auto& f : fixed) {
    std::cout << "now passing (remove from known_failures.txt): " << f << "\n";
  }
  if (!regressions.empty()) {
    std::cout << "\nUnexpected failures (" << regressions.size() << "):\n";
    for (const auto& r : regressions) std::cout << "  " << r << "\n";
    return 1;
  }
  return 0;
}
