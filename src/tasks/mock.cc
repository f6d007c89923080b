#include "tasks/mock.h"

#include <charconv>

#include "common/file.h"

namespace tactus::tasks {
namespace {

using common::Result;
using common::Status;

bool ParseIndex(std::string_view s, std::int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

Result<MockResponse> ParseResponse(std::string_view key, const json::value& v,
                                   const std::string& where) {
  MockResponse r;
  auto dash = key.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseIndex(key, &r.first)) {
      return Status::InvalidArgument(where + ": key must be an invocation number or a range 'a-b'");
    }
    r.last = r.first;
  } else if (!ParseIndex(key.substr(0, dash), &r.first) ||
             !ParseIndex(key.substr(dash + 1), &r.last) || r.last < r.first) {
    return Status::InvalidArgument(where + ": key must be an invocation number or a range 'a-b'");
  }
  if (!v.is_object()) return Status::InvalidArgument(where + ": must be an object");
  const auto& o = v.as_object();
  if (const auto* ret = o.if_contains("Return")) {
    r.value = *ret;
  } else if (const auto* thr = o.if_contains("Throw")) {
    if (!thr->is_object()) return Status::InvalidArgument(where + "/Throw: must be an object");
    r.is_throw = true;
    if (const auto* e = thr->as_object().if_contains("Error"); e && e->is_string()) {
      r.error = e->get_string();
    }
    if (const auto* c = thr->as_object().if_contains("Cause"); c && c->is_string()) {
      r.cause = c->get_string();
    }
  } else {
    return Status::InvalidArgument(where + ": needs 'Return' or 'Throw'");
  }
  return r;
}

}  // namespace

Result<MockConfig> MockConfig::Parse(const json::value& config) {
  if (!config.is_object()) return Status::InvalidArgument("mock config: must be a JSON object");
  MockConfig out;
  out.config_ = config.as_object();
  const auto* machines = out.config_.if_contains("StateMachines");
  if (!machines || !machines->is_object()) {
    return Status::InvalidArgument("mock config /StateMachines: required object");
  }
  const auto* responses = out.config_.if_contains("MockedResponses");
  if (responses && !responses->is_object()) {
    return Status::InvalidArgument("mock config /MockedResponses: must be an object");
  }
  if (responses) {
    for (const auto& [name, table] : responses->as_object()) {
      std::string where = "mock config /MockedResponses/" + common::JsonPointerEscape(name);
      if (!table.is_object()) return Status::InvalidArgument(where + ": must be an object");
      auto& list = out.responses_[std::string(name)];
      for (const auto& [key, v] : table.as_object()) {
        auto r = ParseResponse(key, v, where + "/" + common::JsonPointerEscape(key));
        if (!r.ok()) return r.status();
        list.push_back(std::move(r).value());
      }
    }
  }
  for (const auto& [machine, m] : machines->as_object()) {
    std::string where = "mock config /StateMachines/" + common::JsonPointerEscape(machine);
    const auto* cases = m.is_object() ? m.as_object().if_contains("TestCases") : nullptr;
    if (!cases || !cases->is_object()) {
      return Status::InvalidArgument(where + "/TestCases: required object");
    }
    for (const auto& [tc, states] : cases->as_object()) {
      std::string tc_where = where + "/TestCases/" + common::JsonPointerEscape(tc);
      if (!states.is_object()) return Status::InvalidArgument(tc_where + ": must be an object");
      for (const auto& [state, ref] : states.as_object()) {
        if (!ref.is_string() || !out.responses_.count(std::string(ref.get_string()))) {
          return Status::InvalidArgument(tc_where + "/" + common::JsonPointerEscape(state) +
                                         ": must name an entry of /MockedResponses");
        }
      }
    }
  }
  return out;
}

Result<MockConfig> MockConfig::Load(const std::string& path) {
  auto text = common::ReadFile(path);
  if (!text.ok()) return Status::IoError("mock config: " + text.status().message());
  auto json = common::ParseJson(*text);
  if (!json.ok()) {
    return Status::InvalidArgument("mock config '" + path + "': " + json.status().message());
  }
  return Parse(*json);
}

Result<std::map<std::string, std::vector<MockResponse>>> MockConfig::TestCase(
    const std::string& machine, const std::string& test_case) const {
  const auto& machines = config_.at("StateMachines").as_object();
  const auto* m = machines.if_contains(machine);
  if (!m) {
    std::string names;
    for (const auto& kv : machines) names += (names.empty() ? "" : ", ") + std::string(kv.key());
    return Status::NotFound("mock config has no state machine '" + machine + "' (it has: " + names +
                            "); pass --name to choose one");
  }
  const auto& cases = m->as_object().at("TestCases").as_object();
  const auto* tc = cases.if_contains(test_case);
  if (!tc) {
    std::string names;
    for (const auto& kv : cases) names += (names.empty() ? "" : ", ") + std::string(kv.key());
    return Status::NotFound("state machine '" + machine + "' has no test case '" + test_case +
                            "' in the mock config (it has: " + names + ")");
  }
  std::map<std::string, std::vector<MockResponse>> out;
  for (const auto& [state, ref] : tc->as_object()) {
    out[std::string(state)] = responses_.at(std::string(ref.get_string()));
  }
  return out;
}

MockDispatcher::MockDispatcher(std::string machine, std::string test_case,
                               std::map<std::string, std::vector<MockResponse>> responses,
                               TaskDispatcher& unmocked)
    : machine_(std::move(machine)),
      test_case_(std::move(test_case)),
      responses_(std::move(responses)),
      unmocked_(unmocked) {}

TaskOutcome MockDispatcher::Invoke(const TaskRequest& request) {
  auto it = responses_.find(request.state_name);
  if (it == responses_.end()) return unmocked_.Invoke(request);
  std::int64_t n;
  if (request.invocation) {
    n = *request.invocation;
  } else {
    std::lock_guard lock(mu_);
    n = invocations_[request.state_name]++;
  }
  for (const auto& r : it->second) {
    if (n < r.first || n > r.last) continue;
    if (r.is_throw) return TaskOutcome::Failure(r.error, r.cause);
    return TaskOutcome::Success(r.value);
  }
  return TaskOutcome::Failure("States.Runtime", "No mocked response for state '" +
                                                    request.state_name + "' (invocation " +
                                                    std::to_string(n) + ") in test case '" +
                                                    test_case_ + "' of state machine '" + machine_ +
                                                    "'; add one to the mock config file");
}

}  // namespace tactus::tasks
