// Execution history, the Context object and variables.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "asl/model.h"
#include "engine/execution.h"
#include "engine/test_util.h"

namespace tactus::engine {
namespace {

using namespace testing;  // NOLINT: test helpers

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

}  // namespace
}  // namespace tactus::engine
