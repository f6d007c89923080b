#include "engine/execution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "asl/model.h"
#include "common/random.h"
#include "engine/test_util.h"

namespace tactus::engine {
namespace {

using common::TimeMs;
using namespace testing;  // NOLINT: test helpers
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

constexpr std::string_view kOneTask = R"({"StartAt": "T", "States": {
  "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "End": true}}})";

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

// ---- Parallel and Map ----

TEST(ExecutionTest, ParallelOutputIsInBranchOrderWhateverTheCompletionOrder) {
  Driven run(R"({"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                      "End": true}}},
    {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                      "End": true}}}]}}})",
             R"({"x": 1})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].state_name, "A");
  EXPECT_EQ(tasks[1].state_name, "B");
  EXPECT_EQ(S(tasks[1].parameters), R"({"x":1})");
  (void)run.Succeed(tasks[1].task_id, "\"from B\"", kT0 + 10);
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);
  (void)run.Succeed(tasks[0].task_id, "\"from A\"", kT0 + 20);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"(["from A","from B"])");
  EXPECT_EQ(run.Count("ParallelStateStarted"), 1);
  EXPECT_EQ(run.Count("ParallelStateExited"), 1);
}

TEST(ExecutionTest, ParallelBranchFailureFailsTheStateAndCancelsTheOtherBranches) {
  Driven run(R"({"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                      "End": true}}},
    {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 100, "End": true}}}]}}})");
  auto actions = run.Start();
  auto task = All<RunTask>(actions).at(0);
  auto wait = All<StartTimer>(actions).at(0);
  auto failed = run.Fail(task.task_id, "Boom", "branch A", kT0 + 10);
  auto cancels = All<CancelTimer>(failed);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].timer_id, wait.timer_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "Boom");
  EXPECT_EQ(run.Count("ParallelStateFailed"), 1);
}

constexpr std::string_view kMapOfTasks = R"({"StartAt": "M", "States": {"M": {
  "Type": "Map", "ItemsPath": "$.items", %EXTRA%
  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
      "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"n.$": "$"}, "End": true}}},
  "End": true}}})";

std::string MapOfTasks(std::string_view extra) {
  std::string def(kMapOfTasks);
  def.replace(def.find("%EXTRA%"), 7, extra);
  return def;
}

TEST(ExecutionTest, MapOutputIsInItemOrderWhateverTheCompletionOrder) {
  Driven run(MapOfTasks(""), R"({"items": [10, 20, 30]})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(S(tasks[i].parameters), "{\"n\":" + std::to_string(10 * (i + 1)) + "}");
  }
  for (int i = 2; i >= 0; --i) {
    (void)run.Succeed(tasks[i].task_id, std::to_string(20 * (i + 1)), kT0 + 10 * (3 - i));
  }
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), "[20,40,60]");
  EXPECT_EQ(run.Details("MapStateStarted", "mapStateStartedEventDetails"), R"({"length":3})");
  EXPECT_EQ(run.Count("MapIterationStarted"), 3);
  EXPECT_EQ(run.Count("MapIterationSucceeded"), 3);
  EXPECT_EQ(run.Details("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
            R"({"name":"M","index":2})")
      << "the last item finished first";
  EXPECT_EQ(run.Count("MapStateSucceeded"), 1);
  EXPECT_EQ(run.Count("MapStateExited"), 1);
}

TEST(ExecutionTest, MapMaxConcurrencyOneRunsOneIterationAtATime) {
  Driven run(MapOfTasks(R"("MaxConcurrency": 1,)"), R"({"items": ["a", "b", "c"]})");
  auto tasks = All<RunTask>(run.Start());
  std::vector<std::string> seen;
  TimeMs now = kT0;
  while (run.status() == ExecutionStatus::kRunning) {
    ASSERT_EQ(tasks.size(), 1u) << "only one RunTask outstanding";
    seen.push_back(std::string(tasks[0].parameters.at("n").as_string()));
    now += 10;
    tasks = All<RunTask>(run.Succeed(tasks[0].task_id, "\"" + seen.back() + "!\"", now));
  }
  EXPECT_TRUE(tasks.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(run.output(), R"(["a!","b!","c!"])");
}

TEST(ExecutionTest, MapItemSelectorSeesTheItemAndItsIndex) {
  Driven run(R"({"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemsPath": "$.items",
    "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value",
                     "tag.$": "$.tag"},
    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
    "End": true}}})",
             R"({"items": ["x", "y"], "tag": "t"})");
  (void)run.Start();
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(),
            R"([{"index":0,"value":"x","tag":"t"},{"index":1,"value":"y","tag":"t"}])");
}

TEST(ExecutionTest, MapToleratedFailureCountKeepsGoingWithinTheTolerance) {
  Driven run(MapOfTasks(R"("ToleratedFailureCount": 1,)"), R"({"items": [1, 2, 3]})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 3u);
  (void)run.Succeed(tasks[0].task_id, "\"one\"", kT0 + 1);
  (void)run.Fail(tasks[1].task_id, "Bad.Item", "two is bad", kT0 + 2);
  EXPECT_EQ(run.status(), ExecutionStatus::kRunning);
  (void)run.Succeed(tasks[2].task_id, "\"three\"", kT0 + 3);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"(["one",{"Error":"Bad.Item","Cause":"two is bad"},"three"])");
  EXPECT_EQ(run.Count("MapIterationFailed"), 1);
}

TEST(ExecutionTest, MapWithCountAndPercentageFailsWhenEitherIsExceeded) {
  // 1 failure of 3 is within the count (2) but above the percentage (10%).
  Driven run(MapOfTasks(R"("ToleratedFailureCount": 2, "ToleratedFailurePercentage": 10,)"),
             R"({"items": [1, 2, 3]})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 3u);
  (void)run.Fail(tasks[0].task_id, "Bad.Item", "one is bad", kT0 + 1);
  ASSERT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.ExceedToleratedFailureThreshold");
}

TEST(ExecutionTest, MapBeyondToleratedFailureCountFailsAndCancelsTheRest) {
  Driven run(MapOfTasks(R"("ToleratedFailureCount": 1,)"), R"({"items": [1, 2, 3]})");
  auto tasks = All<RunTask>(run.Start());
  ASSERT_EQ(tasks.size(), 3u);
  (void)run.Fail(tasks[0].task_id, "Bad.Item", "one", kT0 + 1);
  auto actions = run.Fail(tasks[1].task_id, "Bad.Item", "two", kT0 + 2);
  auto cancels = All<CancelTask>(actions);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].task_id, tasks[2].task_id);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "States.ExceedToleratedFailureThreshold");
  EXPECT_EQ(run.execution().cause(), "The specified tolerance threshold was exceeded");
  EXPECT_EQ(run.Count("MapStateFailed"), 1);
}

TEST(ExecutionTest, MapWithoutToleranceFailsOnTheFirstFailure) {
  Driven run(MapOfTasks(""), R"({"items": [1, 2]})");
  auto tasks = All<RunTask>(run.Start());
  (void)run.Fail(tasks[1].task_id, "Bad.Item", "two", kT0 + 1);
  EXPECT_EQ(run.status(), ExecutionStatus::kFailed);
  EXPECT_EQ(run.execution().error(), "Bad.Item");
}

TEST(ExecutionTest, MapOverEmptyArraySucceedsWithEmptyArray) {
  Driven run(MapOfTasks(""), R"({"items": []})");
  EXPECT_TRUE(run.Start().empty());
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), "[]");
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

// ---- Variables ----

TEST(ExecutionTest, AssignedVariablesAreVisibleInLaterStates) {
  Driven run(R"j({"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Assign": {"count.$": "$.n", "label": "first"}, "Next": "B"},
    "B": {"Type": "Pass",
          "Parameters": {"c.$": "$count", "l.$": "$label", "next.$": "States.MathAdd($count, 1)"},
          "Assign": {"count.$": "States.MathAdd($count, 10)"}, "Next": "C"},
    "C": {"Type": "Pass", "Parameters": {"before.$": "$.c", "now.$": "$count"}, "End": true}}})j",
             R"({"n": 5})");
  (void)run.Start();
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"({"before":5,"now":15})");
  EXPECT_EQ(run.Details("PassStateExited", "stateExitedEventDetails", 0),
            R"({"name":"A","output":"{\"n\":5}","outputDetails":{"truncated":false},)"
            R"("assignedVariables":{"count":"5","label":"\"first\""},)"
            R"("assignedVariablesDetails":{"truncated":false}})");
}

TEST(ExecutionTest, VariablesFlowIntoTaskParametersAndChoiceRules) {
  Driven run(R"({"StartAt": "Set", "States": {
    "Set": {"Type": "Pass", "Assign": {"limit": 3}, "Next": "T"},
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"max.$": "$limit"}, "Assign": {"got.$": "$.Payload"}, "Next": "C"},
    "C": {"Type": "Choice",
          "Choices": [{"Variable": "$got", "NumericGreaterThanPath": "$limit", "Next": "Big"}],
          "Default": "Small"},
    "Big": {"Type": "Pass", "Result": "big", "End": true},
    "Small": {"Type": "Pass", "Result": "small", "End": true}}})");
  auto task = All<RunTask>(run.Start()).at(0);
  EXPECT_EQ(S(task.parameters), R"({"max":3})");
  (void)run.Succeed(task.task_id, R"({"Payload": 4})", kT0 + 1);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(), R"("big")");
}

// ---- History shape ----

TEST(ExecutionTest, HistoryIdsArePreviousPlusOneInASequentialRun) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "W"},
    "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
    "P": {"Type": "Pass", "End": true}}})");
  auto task = All<RunTask>(run.Start()).at(0);
  auto timer = All<StartTimer>(run.Succeed(task.task_id, "{}", kT0 + 500)).at(0);
  (void)run.Fire(timer.timer_id, timer.due);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  const auto& history = run.history();
  ASSERT_EQ(history.size(), 11u);
  for (std::size_t i = 0; i < history.size(); ++i) {
    SCOPED_TRACE(S(history[i]));
    EXPECT_EQ(history[i].at("id").as_int64(), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(history[i].at("previousEventId").as_int64(), static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(history.front().at("timestamp").as_double(), kT0 / 1000.0);
  EXPECT_EQ(history.back().at("timestamp").as_double(), (kT0 + 1500) / 1000.0);
}

TEST(ExecutionTest, HistoryEventsHaveAwsShapes) {
  Driven run(kOneTask, R"({"order": 7})");
  auto task = All<RunTask>(run.Start()).at(0);
  (void)run.Succeed(task.task_id, R"({"Payload": "ok"})", kT0 + 250);

  json::object started = run.Event("ExecutionStarted");
  EXPECT_EQ(started.at("id").as_int64(), 1);
  EXPECT_EQ(started.at("previousEventId").as_int64(), 0);
  EXPECT_EQ(started.at("timestamp").as_double(), 1714557600.0);
  EXPECT_EQ(S(started.at("executionStartedEventDetails")),
            R"({"input":"{\"order\":7}","inputDetails":{"truncated":false},)"
            R"("roleArn":"arn:aws:iam::123456789012:role/OrdersRole"})");
  EXPECT_EQ(run.Details("TaskStateEntered", "stateEnteredEventDetails"),
            R"({"name":"T","input":"{\"order\":7}","inputDetails":{"truncated":false}})");
  EXPECT_EQ(run.Details("TaskScheduled", "taskScheduledEventDetails"),
            R"({"resourceType":"lambda","resource":"invoke","region":"us-east-1",)"
            R"("parameters":"{\"FunctionName\":\"charge\",\"Payload\":{\"order\":7}}"})");
  EXPECT_EQ(run.Details("TaskStarted", "taskStartedEventDetails"),
            R"({"resourceType":"lambda","resource":"invoke"})");
  EXPECT_EQ(run.Details("ExecutionSucceeded", "executionSucceededEventDetails"),
            R"({"output":"{\"Payload\":\"ok\"}","outputDetails":{"truncated":false}})");
  EXPECT_EQ(run.Event("ExecutionSucceeded").at("timestamp").as_double(), 1714557600.25);
  // Every event carries exactly timestamp, type, id, previousEventId and at most one details.
  for (const auto& e : run.history()) {
    SCOPED_TRACE(S(e));
    EXPECT_LE(e.as_object().size(), 5u);
    EXPECT_TRUE(e.as_object().contains("timestamp"));
    EXPECT_TRUE(e.as_object().contains("previousEventId"));
  }
}

TEST(ExecutionTest, SdkIntegrationResourceSplitsIntoTypeAndName) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": true}}})");
  (void)run.Start();
  EXPECT_EQ(run.Details("TaskStarted", "taskStartedEventDetails"),
            R"({"resourceType":"aws-sdk:s3","resource":"getObject"})");
}

TEST(ExecutionTest, LambdaFunctionArnRecordsLambdaFunctionEvents) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
          "End": true}}})");
  auto task = All<RunTask>(run.Start()).at(0);
  (void)run.Succeed(task.task_id, "1", kT0);
  EXPECT_EQ(run.Types(), (std::vector<std::string>{
                             "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                             "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
                             "ExecutionSucceeded"}));
}

TEST(ExecutionTest, CallbackTaskGetsATokenVisibleAsContextTaskToken) {
  Driven run(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
          "End": true}}})");
  auto task = All<RunTask>(run.Start()).at(0);
  ASSERT_TRUE(task.task_token.has_value());
  EXPECT_FALSE(task.task_token->empty());
  EXPECT_EQ(std::string(task.parameters.at("MessageBody").at("token").as_string()),
            *task.task_token);
  EXPECT_EQ(run.Types().back(), "TaskSubmitted");
  std::string scheduled = run.Details("TaskScheduled", "taskScheduledEventDetails");
  EXPECT_NE(scheduled.find(R"("resourceType":"sqs","resource":"sendMessage.waitForTaskToken")"),
            std::string::npos)
      << scheduled;
  (void)run.Succeed(task.task_id, R"({"approved": true})", kT0 + 60000);
  EXPECT_EQ(run.status(), ExecutionStatus::kSucceeded);
}

TEST(ExecutionTest, ContextObjectShowsExecutionAndStateFacts) {
  Driven run(R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
    "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
    "start.$": "$$.Execution.StartTime", "state.$": "$$.State.Name",
    "entered.$": "$$.State.EnteredTime", "machine.$": "$$.StateMachine.Name"}, "End": true}}})",
             R"({"k": 1})");
  (void)run.Start(kT0 + 5);
  ASSERT_EQ(run.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(run.output(),
            R"({"id":"arn:aws:states:us-east-1:123456789012:execution:Orders:run-1",)"
            R"("name":"run-1","input":{"k":1},"start":"2024-05-01T10:00:00.000Z","state":"P",)"
            R"("entered":"2024-05-01T10:00:00.005Z","machine":"Orders"})");
}

// ---- Determinism ----

// The outside world of a live run on a virtual clock: each task answers after a latency that
// depends only on its request, timers fire when due. Everything fed to the engine is recorded.
}  // namespace
}  // namespace tactus::engine
