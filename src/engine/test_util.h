// Helpers shared by the engine's tests: definitions, execution facts and action filters.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asl/model.h"
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

}  // namespace tactus::engine::testing
