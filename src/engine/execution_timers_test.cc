// Execution timers: task timeouts and heartbeats, execution timeout, stop, and Wait.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "asl/model.h"
#include "engine/execution.h"
#include "engine/test_util.h"

namespace tactus::engine {
namespace {

using namespace testing;  // NOLINT: test helpers

// ---- Timeouts and heartbeats ----

TEST(ExecutionTest, TaskFailedWithStatesTimeoutIsRecordedAsTaskTimedOut) {
  Driven run(kOneTask);
  auto tasks = All<RunTask>(run.Start());
  (void)run.Fail(tasks[0].task_id, "States.Timeout", "took too long", kT0 + 1000);
  EXPECT_EQ(run.Count("TaskFailed"), 0);
  EXPECT_EQ(run.Details("TaskTimedOut", "taskTimedOutEventDetails"),
            R"({"error":"States.Timeout","cause":"took too long","resourceType":"lambda",)"
            R"("resource":"invoke"})");
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.Timeout");
}

TEST(ExecutionTest, TimeoutSecondsFiresATimerThatFailsAndCancelsTheTask) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
          "End": true}}})");
  auto actions = run.Start();
  auto tasks = All<RunTask>(actions);
  auto timers = All<StartTimer>(actions);
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(tasks[0].timeout_seconds, 5);
  EXPECT_EQ(timers[0].due, kT0 + 5000);
  EXPECT_EQ(run.Details("TaskScheduled", "taskScheduledEventDetails"),
            R"({"resourceType":"lambda","resource":"invoke","region":"us-east-1",)"
            R"("parameters":"{}","timeoutInSeconds":5})");

  auto fired = run.Fire(timers[0].timer_id, kT0 + 5000);
  auto cancels = All<CancelTask>(fired);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].task_id, tasks[0].task_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.Timeout");
  EXPECT_EQ(run.Details("TaskTimedOut", "taskTimedOutEventDetails"),
            R"({"error":"States.Timeout","resourceType":"lambda","resource":"invoke"})");
  EXPECT_EQ(run.Event("TaskTimedOut").at("timestamp").as_double(), (kT0 + 5000) / 1000.0);

  // The task's late answer is ignored.
  std::size_t events = run.history().size();
  EXPECT_TRUE(run.Succeed(tasks[0].task_id, "1", kT0 + 6000).empty());
  EXPECT_EQ(run.history().size(), events);
}

TEST(ExecutionTest, TaskAnsweredInTimeCancelsItsTimeoutTimer) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
          "End": true}}})");
  auto actions = run.Start();
  auto timer = All<StartTimer>(actions).at(0);
  auto done = run.Succeed(All<RunTask>(actions).at(0).task_id, "1", kT0 + 10);
  auto cancels = All<CancelTimer>(done);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].timer_id, timer.timer_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_TRUE(run.Fire(timer.timer_id, kT0 + 5000).empty());
}

TEST(ExecutionTest, HeartbeatRestartsTheHeartbeatTimerAndItsExpiryFailsTheTask) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
          "TimeoutSeconds": 60, "HeartbeatSeconds": 10, "End": true}}})");
  auto actions = run.Start();
  auto task = All<RunTask>(actions).at(0);
  EXPECT_EQ(task.heartbeat_seconds, 10);
  auto timers = All<StartTimer>(actions);
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[0].due, kT0 + 60000);
  EXPECT_EQ(timers[1].due, kT0 + 10000);
  EXPECT_EQ(run.Types().back(), "ActivityStarted");

  auto beat = run.Handle(TaskHeartbeat{task.task_id}, kT0 + 4000);
  auto cancelled = All<CancelTimer>(beat);
  auto restarted = All<StartTimer>(beat);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].timer_id, timers[1].timer_id);
  ASSERT_EQ(restarted.size(), 1u);
  EXPECT_EQ(restarted[0].due, kT0 + 14000);

  // The old heartbeat timer no longer counts.
  EXPECT_TRUE(run.Fire(timers[1].timer_id, kT0 + 10000).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);

  auto expired = run.Fire(restarted[0].timer_id, kT0 + 14000);
  ASSERT_EQ(All<CancelTask>(expired).size(), 1u);
  ASSERT_EQ(All<CancelTimer>(expired).size(), 1u) << "the TimeoutSeconds timer is cancelled";
  EXPECT_EQ(All<CancelTimer>(expired)[0].timer_id, timers[0].timer_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.HeartbeatTimeout");
  EXPECT_EQ(run.Details("ActivityTimedOut", "activityTimedOutEventDetails"),
            R"({"error":"States.HeartbeatTimeout",)"
            R"("resource":"arn:aws:states:us-east-1:123456789012:activity:a"})");
}

TEST(ExecutionTest, StatesTimeoutCatchesAMissedHeartbeat) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
          "HeartbeatSeconds": 10, "Next": "Done",
          "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Caught"}]},
    "Caught": {"Type": "Pass", "End": true},
    "Done": {"Type": "Pass", "End": true}}})");
  auto timers = All<StartTimer>(run.Start());
  ASSERT_EQ(timers.size(), 1u);
  run.Fire(timers[0].timer_id, kT0 + 10000);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_NE(run.output().find(R"("Error":"States.HeartbeatTimeout")"), std::string::npos)
      << "the catcher gets the precise error: " << run.output();
}

TEST(ExecutionTest, ExecutionTimeoutSecondsEndsTimedOut) {
  Driven run(R"({"TimeoutSeconds": 60, "StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 120, "End": true}}})");
  auto timers = All<StartTimer>(run.Start());
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[0].due, kT0 + 60000);
  EXPECT_EQ(timers[1].due, kT0 + 120000);
  auto actions = run.Fire(timers[0].timer_id, kT0 + 60000);
  EXPECT_EQ(run.status(), ExecutionStatus::kTimedOut);
  EXPECT_EQ(run.execution().error(), "");
  EXPECT_EQ(run.execution().cause(), "");
  auto cancels = All<CancelTimer>(actions);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].timer_id, timers[1].timer_id);
  json::object last = run.history().back().as_object();
  EXPECT_EQ(last.at("type").as_string(), "ExecutionTimedOut");
  EXPECT_FALSE(last.contains("executionTimedOutEventDetails"));
  EXPECT_EQ(last.at("timestamp").as_double(), (kT0 + 60000) / 1000.0);
  EXPECT_STREQ(ExecutionStatusName(run.status()), "TIMED_OUT");
}

TEST(ExecutionTest, StopRequestedAbortsAndCancelsOutstandingWork) {
  Driven run(kOneTask);
  auto task = All<RunTask>(run.Start()).at(0);
  auto actions = run.Handle(StopRequested{"Manual", "user asked"}, kT0 + 100);
  auto cancels = All<CancelTask>(actions);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].task_id, task.task_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kAborted);
  EXPECT_STREQ(ExecutionStatusName(run.status()), "ABORTED");
  EXPECT_EQ(run.execution().error(), "Manual");
  EXPECT_EQ(run.execution().cause(), "user asked");
  EXPECT_EQ(run.Details("ExecutionAborted", "executionAbortedEventDetails"),
            R"({"error":"Manual","cause":"user asked"})");
  EXPECT_TRUE(run.Succeed(task.task_id, "1", kT0 + 200).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kAborted);
}

// ---- Wait ----

// Starts a one-Wait machine and returns its timer's due time (or -1 when it set none).
TimeMs WaitDue(std::string_view wait_fields, std::string_view input = "{}") {
  Driven run(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", )" + std::string(wait_fields) +
                 R"(, "End": true}}})",
             input);
  auto timers = All<StartTimer>(run.Start());
  return timers.size() == 1 ? timers[0].due : -1;
}

TEST(ExecutionTest, WaitTimerDueTimes) {
  EXPECT_EQ(WaitDue(R"("Seconds": 30)"), kT0 + 30000);
  EXPECT_EQ(WaitDue(R"("Seconds": 0)"), kT0);
  EXPECT_EQ(WaitDue(R"("Timestamp": "2024-05-01T11:00:00Z")"), kT0 + 3600000);
  EXPECT_EQ(WaitDue(R"("Timestamp": "2024-05-01T12:00:00.250+02:00")"), kT0 + 250);
  EXPECT_EQ(WaitDue(R"("Timestamp": "2020-01-01T00:00:00Z")"), kT0) << "a past time fires now";
  EXPECT_EQ(WaitDue(R"("SecondsPath": "$.s")", R"({"s": 7})"), kT0 + 7000);
  EXPECT_EQ(WaitDue(R"("TimestampPath": "$.when")", R"({"when": "2024-05-01T10:00:05Z"})"),
            kT0 + 5000);
}

TEST(ExecutionTest, WaitExitsWhenItsTimerFires) {
  Driven run(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}})",
             R"({"a": 1})");
  auto timer = All<StartTimer>(run.Start()).at(0);
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);
  (void)run.Fire(timer.timer_id, timer.due);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"a":1})");
  EXPECT_EQ(run.Event("WaitStateExited").at("timestamp").as_double(), (kT0 + 30000) / 1000.0);
}

// Runs a one-Wait machine that must fail at once; returns its cause.
std::string WaitFailure(std::string_view wait_fields, std::string_view input) {
  Driven run(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", )" + std::string(wait_fields) +
                 R"(, "End": true}}})",
             input);
  EXPECT_TRUE(run.Start().empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.Runtime");
  EXPECT_EQ(run.Types(),
            (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "ExecutionFailed"}));
  return run.execution().cause();
}

TEST(ExecutionTest, WaitSecondsPathAndTimestampPathErrorsUseAwsTexts) {
  const std::string prefix =
      "An error occurred while executing the state 'W' (entered at the event id #2). ";
  EXPECT_EQ(WaitFailure(R"("SecondsPath": "$.s")", "{}"),
            prefix + "The SecondsPath parameter does not reference an input value: $.s");
  EXPECT_EQ(WaitFailure(R"("SecondsPath": "$.s")", R"({"s": "abc"})"),
            prefix + "The SecondsPath parameter cannot be parsed as a long value: $.s == abc");
  EXPECT_EQ(WaitFailure(R"("SecondsPath": "$.s")", R"({"s": 1.5})"),
            prefix + "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5");
  EXPECT_EQ(WaitFailure(R"("SecondsPath": "$.s")", R"({"s": -1})"),
            prefix + "The SecondsPath parameter references a negative value: $.s == -1");
  EXPECT_EQ(WaitFailure(R"("TimestampPath": "$.when")", R"({"when": "tomorrow"})"),
            prefix +
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                "date-time format string: $.when == tomorrow");
}

}  // namespace
}  // namespace tactus::engine
