// Execution of Parallel and Map states: ordering, concurrency and tolerated failures.
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

}  // namespace
}  // namespace tactus::engine
