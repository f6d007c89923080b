// Helpers shared by the engine's tests: definitions, execution facts, action filters and a
// hand-driven Execution.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/model.h"
#include "common/random.h"
#include "engine/execution.h"

namespace tactus::engine::testing {

using common::TimeMs;

inline constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z

inline json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " in " << text;
  return v.ok() ? v.value() : json::value();
}

inline std::string S(const json::value& v) { return common::SerializeJson(v); }

inline std::shared_ptr<const asl::StateMachine> Machine(std::string_view definition) {
  auto m = asl::ParseStateMachine(definition);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) return m.value();
  return asl::ParseStateMachine(R"({"StartAt": "X", "States": {"X": {"Type": "Succeed"}}})")
      .value();
}

inline ExecutionInfo Info(json::value input) {
  ExecutionInfo info;
  info.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1";
  info.execution_name = "run-1";
  info.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders";
  info.state_machine_name = "Orders";
  info.role_arn = "arn:aws:iam::123456789012:role/OrdersRole";
  info.start_time = kT0;
  info.input = std::move(input);
  return info;
}

template <typename T>
std::vector<T> All(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

// One execution driven by hand: the test is the runtime.
class Driven {
 public:
  explicit Driven(std::string_view definition, std::string_view input = "{}",
                  std::uint64_t seed = 1)
      : random_(seed), execution_(Machine(definition), Info(J(input)), random_) {}

  std::vector<Action> Start(TimeMs at = kT0) { return execution_.Start(at); }
  std::vector<Action> Handle(const Event& e, TimeMs at) { return execution_.Handle(e, at); }

  // Answers task `id` with `output` (JSON text).
  std::vector<Action> Succeed(std::int64_t id, std::string_view output, TimeMs at) {
    return Handle(TaskSucceeded{id, J(output)}, at);
  }
  std::vector<Action> Fail(std::int64_t id, std::string error, std::string cause, TimeMs at) {
    return Handle(TaskFailed{id, std::move(error), std::move(cause)}, at);
  }
  std::vector<Action> Fire(std::int64_t timer, TimeMs at) { return Handle(TimerFired{timer}, at); }

  const Execution& execution() const { return execution_; }
  ExecutionStatus status() const { return execution_.status(); }
  std::string output() const { return S(execution_.output()); }
  const std::vector<json::value>& history() const { return execution_.history(); }

  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const auto& e : history()) types.emplace_back(e.at("type").as_string());
    return types;
  }

  int Count(std::string_view type) const {
    auto types = Types();
    return static_cast<int>(std::count(types.begin(), types.end(), type));
  }

  // The n-th (0-based) history event of `type`; an empty object (and a test failure) if none.
  json::object Event(std::string_view type, int n = 0) const {
    for (const auto& e : history()) {
      if (e.at("type").as_string() == type && n-- == 0) return e.as_object();
    }
    ADD_FAILURE() << "no event " << type << " in history";
    return {};
  }

  // Details of the n-th event of `type`, as JSON text.
  std::string Details(std::string_view type, std::string_view key, int n = 0) const {
    json::object e = Event(type, n);
    const json::value* d = e.if_contains(key);
    return d ? S(*d) : "<no " + std::string(key) + ">";
  }

 private:
  common::SeededRandom random_;
  Execution execution_;
};

inline constexpr std::string_view kOneTask = R"({"StartAt": "T", "States": {
  "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "End": true}}})";

}  // namespace tactus::engine::testing
