// Execution of Task states: results, Retry, Catch and payload limits.
#include "engine/execution.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "asl/model.h"
#include "engine/test_util.h"

namespace tactus::engine {
namespace {

using namespace testing;  // NOLINT: test helpers

// ---- Task basics ----

TEST(ExecutionTest, StartEmitsRunTaskForATask) {
  Driven run(kOneTask, R"({"order": 7})");
  auto actions = run.Start();
  ASSERT_EQ(actions.size(), 1u);
  auto tasks = All<RunTask>(actions);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].state_name, "T");
  EXPECT_EQ(tasks[0].resource, "arn:aws:states:::lambda:invoke");
  EXPECT_EQ(S(tasks[0].parameters), R"({"FunctionName":"charge","Payload":{"order":7}})");
  EXPECT_FALSE(tasks[0].task_token.has_value());
  EXPECT_FALSE(tasks[0].timeout_seconds.has_value());
  EXPECT_FALSE(tasks[0].heartbeat_seconds.has_value());
  EXPECT_TRUE(tasks[0].credentials.is_null());
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);
  EXPECT_EQ(run.Types(), (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered",
                                                   "TaskScheduled", "TaskStarted"}));
}

TEST(ExecutionTest, TaskSucceededContinuesToTheNextStateAndEnds) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "P"},
    "P": {"Type": "Pass", "Parameters": {"got.$": "$.Payload"}, "End": true}}})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 1u);
  auto actions = run.Succeed(tasks[0].task_id, R"({"Payload": 42})", kT0 + 1500);
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"got":42})");
  EXPECT_EQ(run.Types(), (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered",
                                                   "TaskScheduled", "TaskStarted", "TaskSucceeded",
                                                   "TaskStateExited", "PassStateEntered",
                                                   "PassStateExited", "ExecutionSucceeded"}));
}

TEST(ExecutionTest, AnswersForUnknownOrFinishedTasksAreIgnored) {
  Driven run(kOneTask);
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(run.Succeed(tasks[0].task_id + 100, "1", kT0 + 1).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);
  EXPECT_EQ(run.Count("TaskSucceeded"), 0);
  EXPECT_TRUE(run.Succeed(tasks[0].task_id, "2", kT0 + 2).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  std::size_t events = run.history().size();
  // A duplicate answer after the end changes nothing.
  EXPECT_TRUE(run.Fail(tasks[0].task_id, "E", "C", kT0 + 3).empty());
  EXPECT_EQ(run.history().size(), events);
  EXPECT_EQ(run.output(), "2");
}

TEST(ExecutionTest, ResultSelectorThenResultPathThenOutputPath) {
  // ResultSelector sees the raw result ($.Payload exists only there); ResultPath merges into the
  // input ($.keep survives); OutputPath sees the merged document ($.r.v exists only there).
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "ResultSelector": {"v.$": "$.Payload.value"}, "ResultPath": "$.r",
          "OutputPath": "$.r", "Next": "Check"},
    "Check": {"Type": "Pass", "End": true}}})",
             R"({"keep": 1})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 1u);
  (void)run.Succeed(tasks[0].task_id, R"({"Payload": {"value": 7}, "StatusCode": 200})", kT0);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"v":7})");
  // The task's event records the raw result; the state's exit records the final output.
  EXPECT_EQ(run.Details("TaskSucceeded", "taskSucceededEventDetails"),
            R"({"resourceType":"lambda","resource":"invoke",)"
            R"("output":"{\"Payload\":{\"value\":7},\"StatusCode\":200}",)"
            R"("outputDetails":{"truncated":false}})");
  EXPECT_EQ(run.Details("TaskStateExited", "stateExitedEventDetails"),
            R"({"name":"T","output":"{\"v\":7}","outputDetails":{"truncated":false}})");
}

TEST(ExecutionTest, ResultPathMergesWithoutOutputPath) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "InputPath": "$.in", "ResultPath": "$.out.result", "End": true}}})",
             R"({"in": {"x": 1}, "other": true})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(S(tasks[0].parameters), R"({"x":1})");
  (void)run.Succeed(tasks[0].task_id, "\"done\"", kT0);
  EXPECT_EQ(run.output(), R"({"in":{"x":1},"other":true,"out":{"result":"done"}})");
}

// ---- Retry ----

TEST(ExecutionTest, RetryWaitsIntervalTimesBackoffCappedByMaxDelayThenReruns) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"attempt.$": "$$.State.RetryCount"},
          "Retry": [{"ErrorEquals": ["Custom.Error"], "IntervalSeconds": 2, "BackoffRate": 3,
                     "MaxAttempts": 3, "MaxDelaySeconds": 10}],
          "End": true}}})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(S(tasks[0].parameters), R"({"attempt":0})");

  // Delays: 2 s, 2*3 = 6 s, 2*9 = 18 s capped to 10 s.
  const TimeMs expected_delays[] = {2000, 6000, 10000};
  TimeMs now = kT0;
  std::int64_t task = tasks[0].task_id;
  for (int attempt = 0; attempt < 3; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    now += 100;
    auto actions = run.Fail(task, "Custom.Error", "flaky", now);
    ASSERT_EQ(actions.size(), 1u);
    auto timers = All<StartTimer>(actions);
    ASSERT_EQ(timers.size(), 1u);
    EXPECT_EQ(timers[0].due, now + expected_delays[attempt]);
    EXPECT_EQ(run.status(), ExecutionStatus::kRunning);

    now = timers[0].due;
    auto rerun = All<RunTask>(run.Fire(timers[0].timer_id, now));
    ASSERT_EQ(rerun.size(), 1u);
    EXPECT_NE(rerun[0].task_id, task) << "a retry is a new task";
    EXPECT_EQ(S(rerun[0].parameters), "{\"attempt\":" + std::to_string(attempt + 1) + "}");
    task = rerun[0].task_id;
  }
  // MaxAttempts exhausted: the error ends the execution.
  EXPECT_TRUE(run.Fail(task, "Custom.Error", "still flaky", now + 100).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "Custom.Error");
  EXPECT_EQ(run.execution().cause(), "still flaky");
  EXPECT_EQ(run.Count("TaskStateEntered"), 1);
  EXPECT_EQ(run.Count("TaskScheduled"), 4);
  EXPECT_EQ(run.Count("TaskFailed"), 4);
  EXPECT_EQ(run.Details("ExecutionFailed", "executionFailedEventDetails"),
            R"({"error":"Custom.Error","cause":"still flaky"})");
}

TEST(ExecutionTest, RetryOnlyMatchesListedErrors) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Retry": [{"ErrorEquals": ["Other.Error"]}], "End": true}}})");
  auto tasks = All<RunTask>(run.Start());
  EXPECT_TRUE(run.Fail(tasks[0].task_id, "Custom.Error", "no", kT0).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
}

TEST(ExecutionTest, RetryWithMaxAttemptsZeroNeverRetries) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], "End": true}}})");
  auto tasks = All<RunTask>(run.Start());
  EXPECT_TRUE(All<StartTimer>(run.Fail(tasks[0].task_id, "E", "C", kT0)).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
}

// ---- Catch ----

constexpr std::string_view kCatchAll = R"({"StartAt": "T", "States": {
  "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}],
        "End": true},
  "Handler": {"Type": "Pass", "End": true}}})";

TEST(ExecutionTest, CatchAfterRetriesAppliesResultPathToTheErrorOutput) {
  Driven run(kCatchAll, R"({"order": 7})");
  auto tasks = All<RunTask>(run.Start());
  auto timers = All<StartTimer>(run.Fail(tasks[0].task_id, "Oops", "first", kT0 + 10));
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].due, kT0 + 10 + 1000);
  tasks = All<RunTask>(run.Fire(timers[0].timer_id, timers[0].due));
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(run.Fail(tasks[0].task_id, "Oops", "it broke", timers[0].due + 10).empty());
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"order":7,"err":{"Error":"Oops","Cause":"it broke"}})");
  auto types = run.Types();
  EXPECT_EQ(std::vector<std::string>(types.end() - 5, types.end()),
            (std::vector<std::string>{"TaskFailed", "TaskStateExited", "PassStateEntered",
                                      "PassStateExited", "ExecutionSucceeded"}));
}

TEST(ExecutionTest, CatchWithoutResultPathReplacesTheInput) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
          "Catch": [{"ErrorEquals": ["Mine"], "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})",
             R"({"order": 7})");
  auto tasks = All<RunTask>(run.Start());
  (void)run.Fail(tasks[0].task_id, "Mine", "", kT0);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"Error":"Mine","Cause":""})");
}

TEST(ExecutionTest, StatesAllDoesNotCatchOrRetryStatesRuntime) {
  Driven run(kCatchAll);
  auto tasks = All<RunTask>(run.Start());
  auto actions = run.Fail(tasks[0].task_id, "States.Runtime", "the mock file is wrong", kT0 + 5);
  EXPECT_TRUE(All<StartTimer>(actions).empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.Runtime");
  EXPECT_EQ(run.execution().cause(),
            "An error occurred while executing the state 'T' (entered at the event id #2). "
            "the mock file is wrong");
  EXPECT_EQ(run.Count("PassStateEntered"), 0);
}

TEST(ExecutionTest, StatesTaskFailedCatchesTaskErrorsButNotTimeouts) {
  constexpr std::string_view kDef = R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
          "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})";
  {
    Driven run(kDef);
    auto tasks = All<RunTask>(run.Start());
    (void)run.Fail(tasks[0].task_id, "Lambda.Unknown", "x", kT0);
    EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  }
  {
    Driven run(kDef);
    auto tasks = All<RunTask>(run.Start());
    (void)run.Fail(tasks[0].task_id, "States.Timeout", "", kT0);
    EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
    EXPECT_EQ(run.execution().error(), "States.Timeout");
  }
}

// ---- Limits ----

TEST(ExecutionTest, TaskResultOver256KiBFailsWithDataLimitExceeded) {
  Driven run(kOneTask);
  auto task = All<RunTask>(run.Start()).at(0);
  // A JSON string's size counts its quotes: 262143 + 2 bytes > 256 KiB.
  json::value big(std::string(kMaxPayloadBytes - 1, 'x'));
  (void)run.Handle(TaskSucceeded{task.task_id, big}, kT0 + 1);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.DataLimitExceeded");
  EXPECT_EQ(run.execution().cause(),
            "The state/task 'T' returned a result with a size exceeding the maximum number of "
            "bytes service limit.");
  EXPECT_EQ(run.Count("TaskSucceeded"), 0);
  EXPECT_EQ(run.Count("TaskFailed"), 1);
}

TEST(ExecutionTest, TaskResultOfExactly256KiBIsAccepted) {
  Driven run(kOneTask);
  auto task = All<RunTask>(run.Start()).at(0);
  json::value exact(std::string(kMaxPayloadBytes - 2, 'x'));
  ASSERT_EQ(common::JsonSize(exact), kMaxPayloadBytes);
  (void)run.Handle(TaskSucceeded{task.task_id, exact}, kT0 + 1);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
}

TEST(ExecutionTest, DataLimitExceededCanBeCaught) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
          "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": null,
                     "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})",
             R"({"small": true})");
  auto task = All<RunTask>(run.Start()).at(0);
  (void)run.Handle(TaskSucceeded{task.task_id, json::value(std::string(300 * 1024, 'x'))}, kT0);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"small":true})");
}

}  // namespace
}  // namespace tactus::engine
