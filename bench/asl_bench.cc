// In-process interpreter benchmark: runs the reference workflows in bench/workflows through
// runtime::ExpressRunner (the runner behind `tactus run`), with a virtual clock and a fixed seed.
//
//   asl_bench [--workflows=DIR] [--only=NAME[,NAME...]] [google benchmark flags]
//
// For each workflow listed in DIR/manifest.json it registers
//   BM_Run/<name>    one execution per iteration; items/s = executions/s;
//                    us_per_transition = wall microseconds per state entered (nested included)
//   BM_Parse/<name>  asl::ParseStateMachine of the definition text (validation + compilation)
// The definition is parsed once, outside the timed loop; each iteration copies the input and
// runs one execution to completion (history included, as `tactus run` does).
//
// Before registering, every workflow is run once and checked: it must SUCCEED, and the number of
// *StateEntered events in its history must equal the manifest's "transitions".
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asl/model.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/json.h"
#include "engine/types.h"
#include "runtime/express_runner.h"
#include "tasks/dispatcher.h"

#ifndef TACTUS_BENCH_WORKFLOWS_DIR
#define TACTUS_BENCH_WORKFLOWS_DIR "bench/workflows"
#endif

namespace {

using namespace tactus;
namespace json = boost::json;

// The reference workflows have no Task states; a task reaching the dispatcher is a bench bug.
class FailingDispatcher final : public tasks::TaskDispatcher {
 public:
  tasks::TaskOutcome Invoke(const tasks::TaskRequest& request) override {
    return tasks::TaskOutcome::Failure("States.Runtime",
                                       "asl_bench: unexpected task in state " + request.state_name);
  }
};

// 2026-11-26T00:00:00Z: a fixed start time, so no run reads the wall clock.
constexpr common::TimeMs kStartTime = 1795651200000;
constexpr std::uint64_t kSeed = 42;

struct Workflow {
  std::string name;
  std::string definition_text;
  std::shared_ptr<const asl::StateMachine> machine;
  engine::ExecutionInfo info;  // template; copied per execution
  std::int64_t transitions = 0;
};

bool ReadText(const std::string& path, std::string* out) {
  auto content = common::ReadFile(path);
  if (!content.ok()) return false;
  *out = std::move(content).value();
  return true;
}

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "asl_bench: " << message << "\n";
  std::exit(2);
}

json::value LoadJson(const std::string& path) {
  std::string text;
  if (!ReadText(path, &text)) Die("cannot read " + path);
  auto parsed = common::ParseJson(text);
  if (!parsed.ok()) Die(path + ": " + parsed.status().message());
  return std::move(parsed).value();
}

engine::ExecutionInfo MakeInfo(const std::string& name, json::value input) {
  const std::string prefix = "arn:aws:states:us-east-1:111111111111:";
  engine::ExecutionInfo info;
  info.state_machine_name = name;
  info.state_machine_arn = prefix + "stateMachine:" + name;
  info.execution_name = "bench";
  info.execution_arn = prefix + "execution:" + name + ":bench";
  info.role_arn = "arn:aws:iam::111111111111:role/tactus-bench";
  info.start_time = kStartTime;
  info.input = std::move(input);
  return info;
}

runtime::RunResult RunOnce(const Workflow& w) {
  FailingDispatcher dispatcher;
  common::VirtualClock clock(kStartTime);
  runtime::ExpressRunner runner(dispatcher, clock);
  runtime::RunOptions options;
  options.virtual_time = true;
  options.seed = kSeed;
  return runner.Run(w.machine, w.info, options);
}

std::int64_t CountStatesEntered(const std::vector<json::value>& history) {
  std::int64_t n = 0;
  for (const auto& event : history) {
    const auto* type = event.as_object().if_contains("type");
    if (type && type->is_string() && type->as_string().ends_with("StateEntered")) ++n;
  }
  return n;
}

Workflow Load(const std::string& dir, const json::object& entry) {
  Workflow w;
  w.name = json::value_to<std::string>(entry.at("name"));
  const std::string base = dir + "/" + w.name;
  if (!ReadText(base + ".json", &w.definition_text)) Die("cannot read " + base + ".json");
  auto machine = asl::ParseStateMachine(w.definition_text);
  if (!machine.ok()) Die(base + ".json: " + machine.status().message());
  w.machine = std::move(machine).value();
  w.info = MakeInfo(w.name, LoadJson(base + ".input.json"));
  w.transitions = entry.at("transitions").to_number<std::int64_t>();

  runtime::RunResult check = RunOnce(w);
  if (check.status != engine::ExecutionStatus::kSucceeded) {
    Die(w.name + ": execution did not succeed: " + check.error + ": " + check.cause);
  }
  std::int64_t entered = CountStatesEntered(check.history);
  if (entered != w.transitions) {
    Die(w.name + ": manifest says " + std::to_string(w.transitions) + " transitions, history has " +
        std::to_string(entered) + " StateEntered events");
  }
  return w;
}

// `history`: record the execution history (as `tactus run --history` and standard executions
// do); without it, as express executions run (AWS keeps no history for them either).
void BM_Run(benchmark::State& state, const Workflow* w, bool history) {
  FailingDispatcher dispatcher;
  common::VirtualClock clock(kStartTime);
  runtime::ExpressRunner runner(dispatcher, clock);
  runtime::RunOptions options;
  options.virtual_time = true;
  options.seed = kSeed;
  options.record_history = history;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    runtime::RunResult result = runner.Run(w->machine, w->info, options);
    if (result.status != engine::ExecutionStatus::kSucceeded) {
      state.SkipWithError("execution did not succeed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  double elapsed_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  state.SetItemsProcessed(state.iterations());
  state.counters["transitions"] = static_cast<double>(w->transitions);
  // Wall µs per state transition (a plain number: Google Benchmark would print an inverted rate
  // with an "s" suffix).
  double total_transitions = static_cast<double>(state.iterations()) * w->transitions;
  state.counters["us_per_transition"] =
      total_transitions > 0 ? elapsed_us / total_transitions : 0.0;
}

void BM_Parse(benchmark::State& state, const Workflow* w) {
  for (auto _ : state) {
    auto machine = asl::ParseStateMachine(w->definition_text);
    benchmark::DoNotOptimize(machine);
  }
  state.SetItemsProcessed(state.iterations());
}

bool Selected(std::string_view only, std::string_view name) {
  if (only.empty()) return true;
  std::size_t start = 0;
  while (start <= only.size()) {
    std::size_t comma = only.find(',', start);
    if (comma == std::string_view::npos) comma = only.size();
    if (only.substr(start, comma - start) == name) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = TACTUS_BENCH_WORKFLOWS_DIR;
  std::string only;
  // Strip our flags before Google Benchmark sees argv.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i > 0 && arg.starts_with("--workflows=")) {
      dir = std::string(arg.substr(12));
    } else if (i > 0 && arg.starts_with("--only=")) {
      only = std::string(arg.substr(7));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;

  json::value manifest = LoadJson(dir + "/manifest.json");
  // Workflows live until exit: the registered benchmarks point at them.
  static std::vector<std::unique_ptr<Workflow>> workflows;
  for (const auto& entry : manifest.at("workflows").as_array()) {
    const auto& object = entry.as_object();
    if (!Selected(only, object.at("name").as_string())) continue;
    workflows.push_back(std::make_unique<Workflow>(Load(dir, object)));
  }
  if (workflows.empty()) Die("no workflows selected in " + dir + "/manifest.json");
  for (const auto& w : workflows) {
    benchmark::RegisterBenchmark(("BM_Run/" + w->name).c_str(), BM_Run, w.get(), true)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_RunNoHistory/" + w->name).c_str(), BM_Run, w.get(), false)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  for (const auto& w : workflows) {
    benchmark::RegisterBenchmark(("BM_Parse/" + w->name).c_str(), BM_Parse, w.get())
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
