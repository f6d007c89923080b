#include "runtime/express_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tasks/mock.h"
#include "tasks/unconfigured.h"

namespace tactus::runtime {
namespace {

constexpr common::TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

std::string S(const json::value& v) { return common::SerializeJson(v); }

std::shared_ptr<const asl::StateMachine> Machine(std::string_view definition) {
  auto m = asl::ParseStateMachine(definition);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) return m.value();
  return asl::ParseStateMachine(R"({"StartAt": "X", "States": {"X": {"Type": "Succeed"}}})")
      .value();
}

engine::ExecutionInfo Info(std::string_view input, common::TimeMs start = kT0) {
  engine::ExecutionInfo info;
  info.execution_arn = "arn:aws:states:us-east-1:123456789012:express:M:run:run";
  info.execution_name = "run";
  info.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
  info.state_machine_name = "M";
  info.start_time = start;
  info.input = J(input);
  info.redrive_count.reset();
  return info;
}

// The timestamp (epoch seconds) of the first event of `type`, or -1.
double TimestampOf(const RunResult& result, std::string_view type) {
  for (const auto& e : result.history) {
    if (e.at("type").as_string() == type) return e.at("timestamp").as_double();
  }
  ADD_FAILURE() << "no " << type << " event";
  return -1;
}

std::vector<double> TimestampsOf(const RunResult& result, std::string_view type) {
  std::vector<double> out;
  for (const auto& e : result.history) {
    if (e.at("type").as_string() == type) out.push_back(e.at("timestamp").as_double());
  }
  return out;
}

constexpr std::string_view kWaitAnHour = R"({"StartAt": "W", "States": {
  "W": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
  "Done": {"Type": "Pass", "Result": "done", "End": true}}})";

TEST(ExpressRunnerTest, VirtualTimeJumpsOverAnHourLongWait) {
  tasks::UnconfiguredDispatcher dispatcher;
  common::SystemClock clock;
  ExpressRunner runner(dispatcher, clock);
  auto wall_start = std::chrono::steady_clock::now();
  RunResult result =
      runner.Run(Machine(kWaitAnHour), Info("{}"), {.virtual_time = true, .seed = 1});
  auto wall = std::chrono::steady_clock::now() - wall_start;

  EXPECT_LT(wall, std::chrono::seconds(5));
  ASSERT_EQ(result.status, engine::ExecutionStatus::kSucceeded);
  EXPECT_EQ(S(result.output), R"("done")");
  EXPECT_EQ(TimestampOf(result, "WaitStateEntered"), kT0 / 1000.0);
  EXPECT_EQ(TimestampOf(result, "WaitStateExited"), kT0 / 1000.0 + 3600);
  EXPECT_EQ(result.history.back().at("timestamp").as_double(), kT0 / 1000.0 + 3600);
}

TEST(ExpressRunnerTest, StartTimeComesFromTheClockWhenUnset) {
  tasks::UnconfiguredDispatcher dispatcher;
  common::VirtualClock clock(kT0 + 42000);
  ExpressRunner runner(dispatcher, clock);
  RunResult result = runner.Run(Machine(kWaitAnHour), Info("{}", 0), {.virtual_time = true});
  ASSERT_EQ(result.status, engine::ExecutionStatus::kSucceeded);
  EXPECT_EQ(TimestampOf(result, "ExecutionStarted"), (kT0 + 42000) / 1000.0);
  EXPECT_EQ(TimestampOf(result, "ExecutionSucceeded"), (kT0 + 42000) / 1000.0 + 3600);
}

TEST(ExpressRunnerTest, RealTimeWaitTakesItsSeconds) {
  tasks::UnconfiguredDispatcher dispatcher;
  common::SystemClock clock;
  ExpressRunner runner(dispatcher, clock);
  auto wall_start = std::chrono::steady_clock::now();
  RunResult result = runner.Run(
      Machine(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}})"),
      Info("{}", 0), {.virtual_time = false, .seed = 1});
  auto wall = std::chrono::steady_clock::now() - wall_start;
  ASSERT_EQ(result.status, engine::ExecutionStatus::kSucceeded);
  EXPECT_GE(wall, std::chrono::seconds(1));
  EXPECT_GE(TimestampOf(result, "WaitStateExited") - TimestampOf(result, "WaitStateEntered"), 1.0);
}

constexpr std::string_view kOrders = R"({"StartAt": "Charge", "States": {
  "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Retry": [{"ErrorEquals": ["Payment.Declined"], "IntervalSeconds": 1,
                        "MaxAttempts": 3}],
             "ResultSelector": {"charged.$": "$.charged"}, "ResultPath": "$.charge",
             "Next": "Ship"},
  "Ship": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}})";

constexpr std::string_view kMocks = R"({
  "StateMachines": {"Orders": {"TestCases": {
    "Flaky": {"Charge": "ChargeFlaky", "Ship": "ShipOk"},
    "Declined": {"Charge": "ChargeDeclined"}}}},
  "MockedResponses": {
    "ChargeFlaky": {"0-1": {"Throw": {"Error": "Payment.Declined", "Cause": "try later"}},
                    "2": {"Return": {"charged": 30}}},
    "ChargeDeclined": {"0-3": {"Throw": {"Error": "Payment.Declined", "Cause": "no"}}},
    "ShipOk": {"0": {"Return": {"shipped": true}}}}})";

RunResult RunOrders(const std::string& test_case, tasks::TaskDispatcher& fallback) {
  auto config = tasks::MockConfig::Parse(J(kMocks));
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  auto responses = config->TestCase("Orders", test_case);
  EXPECT_TRUE(responses.ok()) << responses.status().ToString();
  tasks::MockDispatcher mocks("Orders", test_case, responses.value(), fallback);
  common::SystemClock clock;
  ExpressRunner runner(mocks, clock);
  return runner.Run(Machine(kOrders), Info(R"({"order": 1})"), {.virtual_time = true, .seed = 3});
}

TEST(ExpressRunnerTest, MockedFailuresDriveRetryUntilTheMockedSuccess) {
  tasks::UnconfiguredDispatcher fallback;
  RunResult result = RunOrders("Flaky", fallback);
  ASSERT_EQ(result.status, engine::ExecutionStatus::kSucceeded) << result.error << result.cause;
  EXPECT_EQ(S(result.output), R"({"shipped":true})");
  // Three attempts at Charge: at 0 s, after 1 s, after 1 + 2 s (BackoffRate 2).
  std::vector<double> scheduled = TimestampsOf(result, "TaskScheduled");
  ASSERT_EQ(scheduled.size(), 4u);
  EXPECT_EQ(scheduled[0], kT0 / 1000.0);
  EXPECT_EQ(scheduled[1], kT0 / 1000.0 + 1);
  EXPECT_EQ(scheduled[2], kT0 / 1000.0 + 3);
  EXPECT_EQ(TimestampsOf(result, "TaskFailed").size(), 2u);
  // Ship saw Charge's merged result.
  bool found = false;
  for (const auto& e : result.history) {
    if (e.at("type").as_string() != "TaskStateEntered") continue;
    const auto& d = e.at("stateEnteredEventDetails").as_object();
    if (d.at("name").as_string() == "Ship") {
      found = true;
      EXPECT_EQ(d.at("input").as_string(), R"({"order":1,"charge":{"charged":30}})");
    }
  }
  EXPECT_TRUE(found);
}

TEST(ExpressRunnerTest, RetriesExhaustedByMocksFailTheExecution) {
  tasks::UnconfiguredDispatcher fallback;
  RunResult result = RunOrders("Declined", fallback);
  EXPECT_EQ(result.status, engine::ExecutionStatus::kFailed);
  EXPECT_EQ(result.error, "Payment.Declined");
  EXPECT_EQ(result.cause, "no");
  EXPECT_EQ(TimestampsOf(result, "TaskFailed").size(), 4u);
}

TEST(ExpressRunnerTest, UnmockedStateFailsWithStatesRuntime) {
  tasks::UnconfiguredDispatcher fallback;
  // "Declined" mocks only Charge: Ship goes to the fallback, which has no integration.
  auto config = tasks::MockConfig::Parse(J(kMocks));
  ASSERT_TRUE(config.ok());
  auto responses = config->TestCase("Orders", "Declined");
  ASSERT_TRUE(responses.ok());
  tasks::MockDispatcher mocks("Orders", "Declined", responses.value(), fallback);
  common::SystemClock clock;
  ExpressRunner runner(mocks, clock);
  RunResult result = runner.Run(Machine(R"({"StartAt": "Ship", "States": {"Ship": {"Type": "Task",
          "Resource": "arn:aws:states:::lambda:invoke", "End": true,
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
          "Caught": {"Type": "Succeed"}}})"),
                                Info("{}"), {.virtual_time = true, .seed = 1});
  EXPECT_EQ(result.status, engine::ExecutionStatus::kFailed) << "States.Runtime is not caught";
  EXPECT_EQ(result.error, "States.Runtime");
  EXPECT_NE(result.cause.find("no integration is configured"), std::string::npos) << result.cause;
}

TEST(ExpressRunnerTest, SameSeedAndStartGiveIdenticalHistories) {
  tasks::UnconfiguredDispatcher fallback;
  RunResult a = RunOrders("Flaky", fallback);
  RunResult b = RunOrders("Flaky", fallback);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) EXPECT_EQ(S(a.history[i]), S(b.history[i]));
}

TEST(ExpressRunnerTest, ResultToJsonShapes) {
  RunResult ok;
  ok.status = engine::ExecutionStatus::kSucceeded;
  ok.output = J(R"({"a": [1, 2]})");
  EXPECT_EQ(S(ResultToJson(ok)), R"({"status":"SUCCEEDED","output":{"a":[1,2]}})");

  RunResult failed;
  failed.status = engine::ExecutionStatus::kFailed;
  failed.error = "Payment.Declined";
  failed.cause = "no";
  EXPECT_EQ(S(ResultToJson(failed)),
            R"({"status":"FAILED","error":"Payment.Declined","cause":"no"})");

  RunResult timed_out;
  timed_out.status = engine::ExecutionStatus::kTimedOut;
  EXPECT_EQ(S(ResultToJson(timed_out)), R"({"status":"TIMED_OUT","error":null,"cause":null})");

  RunResult aborted;
  aborted.status = engine::ExecutionStatus::kAborted;
  aborted.error = "Stop";
  EXPECT_EQ(S(ResultToJson(aborted)), R"({"status":"ABORTED","error":"Stop","cause":null})");
}

TEST(ExpressRunnerTest, ExecutionTimeoutUnderVirtualTime) {
  tasks::UnconfiguredDispatcher dispatcher;
  common::SystemClock clock;
  ExpressRunner runner(dispatcher, clock);
  RunResult result = runner.Run(Machine(R"({"TimeoutSeconds": 10, "StartAt": "W", "States": {
      "W": {"Type": "Wait", "Seconds": 3600, "End": true}}})"),
                                Info("{}"), {.virtual_time = true, .seed = 1});
  EXPECT_EQ(result.status, engine::ExecutionStatus::kTimedOut);
  EXPECT_EQ(TimestampOf(result, "ExecutionTimedOut"), kT0 / 1000.0 + 10);
  EXPECT_EQ(S(ResultToJson(result)), R"({"status":"TIMED_OUT","error":null,"cause":null})");
}

}  // namespace
}  // namespace tactus::runtime
