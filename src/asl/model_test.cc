#include "asl/model.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/random.h"

namespace tactus::asl {
namespace {

std::shared_ptr<const StateMachine> MustParse(std::string_view text) {
  auto machine = ParseStateMachine(text);
  EXPECT_TRUE(machine.ok()) << machine.status().ToString();
  return machine.ok() ? machine.value() : nullptr;
}

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

// Applies a compiled template to `input` and returns the result (null on failure).
json::value ApplyTo(const std::optional<PayloadTemplate>& t, const json::value& input) {
  EXPECT_TRUE(t.has_value());
  if (!t) return nullptr;
  common::SeededRandom random(1);
  auto r = t->Apply(PathScope{&input, nullptr, nullptr}, random);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.failure().cause);
  return r.ok() ? r.value() : json::value();
}

constexpr std::string_view kEveryStateType = R"({
  "Comment": "one of each", "StartAt": "P", "TimeoutSeconds": 300,
  "States": {
    "P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.p", "Next": "T"},
    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "f", "Payload.$": "$"},
          "ResultSelector": {"body.$": "$.Payload"},
          "TimeoutSeconds": 30, "HeartbeatSecondsPath": "$.beat",
          "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2,
                     "MaxAttempts": 5, "BackoffRate": 1.5, "MaxDelaySeconds": 60,
                     "JitterStrategy": "FULL"},
                    {"ErrorEquals": ["States.ALL"]}],
          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "F"}],
          "Next": "C"},
    "C": {"Type": "Choice",
          "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "W"},
                      {"And": [{"Variable": "$.s", "IsPresent": true},
                               {"Not": {"Variable": "$.s", "StringEquals": "x"}}],
                       "Next": "Par"}],
          "Default": "S"},
    "W": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Par"},
    "Par": {"Type": "Parallel", "Next": "M",
            "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
                         {"StartAt": "B2", "States": {"B2": {"Type": "Succeed"}}}]},
    "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
          "ToleratedFailureCount": 1, "Label": "each",
          "ItemSelector": {"value.$": "$$.Map.Item.Value"},
          "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                            "States": {"I": {"Type": "Pass", "End": true}}},
          "Next": "S"},
    "S": {"Type": "Succeed"},
    "F": {"Type": "Fail", "Error": "Boom", "CausePath": "$.error.Cause"}
  }
})";

TEST(ModelTest, CompilesADefinitionWithEveryStateType) {
  auto m = MustParse(kEveryStateType);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->start_at, "P");
  EXPECT_EQ(m->timeout_seconds, 300);
  ASSERT_EQ(m->states.size(), 8u);
  EXPECT_EQ(m->at("P").type, StateType::kPass);
  EXPECT_EQ(m->at("T").type, StateType::kTask);
  EXPECT_EQ(m->at("C").type, StateType::kChoice);
  EXPECT_EQ(m->at("W").type, StateType::kWait);
  EXPECT_EQ(m->at("Par").type, StateType::kParallel);
  EXPECT_EQ(m->at("M").type, StateType::kMap);
  EXPECT_EQ(m->at("S").type, StateType::kSucceed);
  EXPECT_EQ(m->at("F").type, StateType::kFail);

  const State& pass = m->at("P");
  EXPECT_EQ(pass.next, "T");
  EXPECT_FALSE(pass.end);
  EXPECT_EQ(common::SerializeJson(*pass.result), R"({"x":1})");
  ASSERT_TRUE(pass.result_path.path.has_value());
  EXPECT_EQ(pass.result_path.path->text(), "$.p");

  const State& task = m->at("T");
  EXPECT_EQ(task.resource, "arn:aws:states:::lambda:invoke");
  EXPECT_EQ(common::SerializeJson(ApplyTo(task.parameters, J(R"({"a":1})"))),
            R"({"FunctionName":"f","Payload":{"a":1}})");
  EXPECT_EQ(common::SerializeJson(ApplyTo(task.result_selector, J(R"({"Payload":"r"})"))),
            R"({"body":"r"})");
  EXPECT_EQ(common::SerializeJson(*task.timeout_seconds.literal), "30");
  EXPECT_FALSE(task.timeout_seconds.path.has_value());
  ASSERT_TRUE(task.heartbeat_seconds.path.has_value());
  EXPECT_EQ(task.heartbeat_seconds.path->text(), "$.beat");
  ASSERT_EQ(task.retry.size(), 2u);
  EXPECT_EQ(task.retry[0].error_equals, std::vector<std::string>{"Lambda.ServiceException"});
  EXPECT_EQ(task.retry[0].interval_seconds, 2);
  EXPECT_EQ(task.retry[0].max_attempts, 5);
  EXPECT_DOUBLE_EQ(task.retry[0].backoff_rate, 1.5);
  EXPECT_EQ(task.retry[0].max_delay_seconds, 60);
  EXPECT_EQ(task.retry[0].jitter, Jitter::kFull);
  // AWS's defaults for an under-specified retrier.
  EXPECT_EQ(task.retry[1].interval_seconds, 1);
  EXPECT_EQ(task.retry[1].max_attempts, 3);
  EXPECT_DOUBLE_EQ(task.retry[1].backoff_rate, 2.0);
  EXPECT_FALSE(task.retry[1].max_delay_seconds.has_value());
  EXPECT_EQ(task.retry[1].jitter, Jitter::kNone);
  ASSERT_EQ(task.catchers.size(), 1u);
  EXPECT_EQ(task.catchers[0].next, "F");
  EXPECT_EQ(task.catchers[0].result_path.path->text(), "$.error");

  const State& choice = m->at("C");
  ASSERT_EQ(choice.choices.size(), 2u);
  EXPECT_EQ(choice.choices[0].next, "W");
  EXPECT_EQ(choice.choices[0].op, ChoiceOp::kNumericGreaterThan);
  EXPECT_EQ(choice.choices[1].kind, ChoiceRule::Kind::kAnd);
  EXPECT_EQ(choice.choices[1].children.size(), 2u);
  EXPECT_EQ(choice.default_next, "S");

  EXPECT_EQ(m->at("W").seconds_path->text(), "$.delay");
  EXPECT_FALSE(m->at("W").seconds.has_value());

  const State& par = m->at("Par");
  ASSERT_EQ(par.branches.size(), 2u);
  EXPECT_EQ(par.branches[0]->start_at, "B1");
  EXPECT_TRUE(par.branches[0]->at("B1").end);
  EXPECT_EQ(par.branches[1]->at("B2").type, StateType::kSucceed);

  const State& map = m->at("M");
  ASSERT_NE(map.iterator, nullptr);
  EXPECT_EQ(map.iterator->start_at, "I");
  EXPECT_EQ(map.items_path->text(), "$.items");
  EXPECT_EQ(common::SerializeJson(*map.max_concurrency.literal), "2");
  EXPECT_EQ(common::SerializeJson(*map.tolerated_failure_count.literal), "1");
  EXPECT_FALSE(map.tolerated_failure_percentage.present());
  EXPECT_EQ(map.label, "each");
  EXPECT_FALSE(map.distributed);

  const State& fail = m->at("F");
  EXPECT_EQ(fail.error, "Boom");
  EXPECT_FALSE(fail.cause.has_value());
  ASSERT_TRUE(fail.cause_path.has_value());
  EXPECT_EQ(fail.cause_path->text(), "$.error.Cause");
}

TEST(ModelTest, StateTypeNamesAreTheDefinitionsSpelling) {
  EXPECT_EQ(StateTypeName(StateType::kPass), "Pass");
  EXPECT_EQ(StateTypeName(StateType::kTask), "Task");
  EXPECT_EQ(StateTypeName(StateType::kChoice), "Choice");
  EXPECT_EQ(StateTypeName(StateType::kWait), "Wait");
  EXPECT_EQ(StateTypeName(StateType::kSucceed), "Succeed");
  EXPECT_EQ(StateTypeName(StateType::kFail), "Fail");
  EXPECT_EQ(StateTypeName(StateType::kParallel), "Parallel");
  EXPECT_EQ(StateTypeName(StateType::kMap), "Map");
}

TEST(ModelTest, MapWithItemProcessorAndItemSelector) {
  auto m = MustParse(R"({"StartAt": "M", "States": {"M": {
      "Type": "Map", "ItemSelector": {"v.$": "$$.Map.Item.Value", "fixed": 1},
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Inner", "States": {"Inner": {"Type": "Succeed"}}},
      "End": true}}})");
  ASSERT_NE(m, nullptr);
  const State& map = m->at("M");
  ASSERT_NE(map.iterator, nullptr);
  EXPECT_EQ(map.iterator->at("Inner").type, StateType::kSucceed);
  EXPECT_TRUE(map.distributed);
  ASSERT_TRUE(map.parameters.has_value()) << "ItemSelector compiles into parameters";
  json::value context = J(R"({"Map": {"Item": {"Value": 42}}})");
  json::value input = J("{}");
  common::SeededRandom random(1);
  auto r = map.parameters->Apply(PathScope{&input, &context, nullptr}, random);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(common::SerializeJson(r.value()), R"({"v":42,"fixed":1})");
}

TEST(ModelTest, MapWithLegacyIteratorAndParameters) {
  auto m = MustParse(R"({"StartAt": "M", "States": {"M": {
      "Type": "Map", "ItemsPath": "$.list", "Parameters": {"item.$": "$$.Map.Item.Value"},
      "Iterator": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}},
      "End": true}}})");
  ASSERT_NE(m, nullptr);
  const State& map = m->at("M");
  ASSERT_NE(map.iterator, nullptr);
  EXPECT_EQ(map.iterator->start_at, "Inner");
  EXPECT_FALSE(map.distributed);
  ASSERT_TRUE(map.parameters.has_value());
  json::value context = J(R"({"Map": {"Item": {"Value": "x"}}})");
  json::value input = J("{}");
  common::SeededRandom random(1);
  auto r = map.parameters->Apply(PathScope{&input, &context, nullptr}, random);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(common::SerializeJson(r.value()), R"({"item":"x"})");
}

TEST(ModelTest, ResultPathNullDiscardsAndAbsentMeansWholeInput) {
  auto m = MustParse(R"({"StartAt": "A", "States": {
      "A": {"Type": "Pass", "ResultPath": null, "InputPath": null, "OutputPath": null,
            "Next": "B"},
      "B": {"Type": "Pass", "Next": "C"},
      "C": {"Type": "Pass", "ResultPath": "$.r", "InputPath": "$.in", "OutputPath": "$.out",
            "End": true}}})");
  ASSERT_NE(m, nullptr);
  const State& a = m->at("A");
  EXPECT_TRUE(a.result_path.discard);
  EXPECT_FALSE(a.result_path.path.has_value());
  EXPECT_TRUE(a.input_path.null);
  EXPECT_TRUE(a.output_path.null);

  const State& b = m->at("B");
  EXPECT_FALSE(b.result_path.discard);
  EXPECT_FALSE(b.result_path.path.has_value());
  EXPECT_FALSE(b.input_path.null);
  EXPECT_FALSE(b.input_path.path.has_value());

  const State& c = m->at("C");
  EXPECT_FALSE(c.result_path.discard);
  EXPECT_EQ(c.result_path.path->text(), "$.r");
  EXPECT_EQ(c.input_path.path->text(), "$.in");
  EXPECT_EQ(c.output_path.path->text(), "$.out");
  EXPECT_TRUE(c.end);
}

TEST(ModelTest, CatcherResultPathNullDiscardsTheErrorOutput) {
  auto m = MustParse(R"({"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
            "Catch": [{"ErrorEquals": ["A"], "ResultPath": null, "Next": "Done"},
                      {"ErrorEquals": ["States.ALL"], "Next": "Done",
                       "Assign": {"failed": true}}]},
      "Done": {"Type": "Succeed"}}})");
  ASSERT_NE(m, nullptr);
  const auto& catchers = m->at("T").catchers;
  ASSERT_EQ(catchers.size(), 2u);
  EXPECT_TRUE(catchers[0].result_path.discard);
  EXPECT_FALSE(catchers[1].result_path.discard);
  EXPECT_FALSE(catchers[1].result_path.path.has_value());
  EXPECT_TRUE(catchers[1].assign.has_value());
}

TEST(ModelTest, WaitAndFailFieldsCompile) {
  auto m = MustParse(R"j({"StartAt": "A", "States": {
      "A": {"Type": "Wait", "Seconds": 5, "Next": "B"},
      "B": {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "Next": "C"},
      "C": {"Type": "Wait", "TimestampPath": "$.when", "Next": "D"},
      "D": {"Type": "Fail", "ErrorPath": "States.Format('E{}', $.n)", "Cause": "because"}}})j");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(common::SerializeJson(*m->at("A").seconds), "5");
  EXPECT_EQ(m->at("B").timestamp, "2030-01-01T00:00:00Z");
  EXPECT_EQ(m->at("C").timestamp_path->text(), "$.when");
  const State& d = m->at("D");
  EXPECT_EQ(d.cause, "because");
  ASSERT_TRUE(d.error_path.has_value());
  EXPECT_FALSE(d.error_path->IsPath());
}

TEST(ModelTest, RefusesInvalidDefinitionListingCodeAndPointer) {
  auto m = ParseStateMachine(R"({"StartAt": "A", "States": {
      "A": {"Type": "Pass", "Next": "Nowhere"}}})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("MISSING_TRANSITION_TARGET at /States/A/Next: "),
            std::string::npos)
      << m.status().message();
}

TEST(ModelTest, RefusalListsEveryDiagnosticOnItsOwnLine) {
  auto m = ParseStateMachine(R"({"StartAt": "A", "States": {
      "A": {"Type": "Pass", "Next": "Nowhere"},
      "B": {"Type": "Pass", "InputPath": "$.a[", "End": true}}})");
  ASSERT_FALSE(m.ok());
  const std::string& message = m.status().message();
  EXPECT_NE(message.find("MISSING_TRANSITION_TARGET at /States/A/Next: "), std::string::npos)
      << message;
  EXPECT_NE(message.find("at /States/B"), std::string::npos) << message;
  EXPECT_NE(message.find('\n'), std::string::npos) << message;
}

TEST(ModelTest, RefusesDefinitionWithoutStates) {
  auto m = BuildStateMachine(J(R"({"StartAt": "A"})"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("SCHEMA_VALIDATION_FAILED at "), std::string::npos)
      << m.status().message();
}

TEST(ModelTest, InvalidJsonReportsLineAndColumn) {
  auto m = ParseStateMachine("{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message().rfind("invalid JSON: line 3, column ", 0), 0u)
      << m.status().message();
}

TEST(ModelTest, BuiltMachineIsSharedAndImmutable) {
  auto m = MustParse(R"({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})");
  ASSERT_NE(m, nullptr);
  std::shared_ptr<const StateMachine> copy = m;
  EXPECT_EQ(&copy->at("A"), &m->at("A"));
  EXPECT_FALSE(m->timeout_seconds.has_value());
}

}  // namespace
}  // namespace tactus::asl
