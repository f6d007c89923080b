// Validation of a definition's structure: syntax, top-level fields, state types, transitions,
// references and robustness.
#include "asl/validator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "asl/validator_test_util.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(ValidatorTest, AcceptsRichValidDefinition) {
  EXPECT_TRUE(Clean(Check(R"j({
    "Comment": "everything at once", "Version": "1.0", "TimeoutSeconds": 60,
    "QueryLanguage": "JSONPath", "StartAt": "Init",
    "States": {
      "Init": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.init",
               "Assign": {"count": 0, "name.$": "$.name", "up.$": "States.MathAdd($.n, 1)"},
               "Next": "Work"},
      "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": "f", "Payload.$": "$", "Ctx.$": "$$.Execution.Id",
                              "List": [{"v.$": "$myVar"}]},
               "ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.out",
               "TimeoutSeconds": 30, "HeartbeatSeconds": 10,
               "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2,
                          "MaxAttempts": 3, "BackoffRate": 2.0, "MaxDelaySeconds": 10,
                          "JitterStrategy": "FULL", "Comment": "transient"},
                         {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
               "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed",
                          "ResultPath": "$.error", "Assign": {"failed": true}}],
               "Next": "Decide"},
      "Decide": {"Type": "Choice", "Choices": [
                   {"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Fan"},
                   {"And": [{"Variable": "$.s", "IsPresent": true},
                            {"Not": {"Variable": "$.s", "StringMatches": "a*"}}],
                    "Assign": {"path": "and"}, "Next": "Loop"},
                   {"Variable": "$.t", "TimestampLessThanPath": "$.u", "Next": "Wait"}],
                 "Default": "Done"},
      "Wait": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "Done"},
      "Fan": {"Type": "Parallel", "Branches": [
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
                {"StartAt": "B1", "States": {"B1": {"Type": "Succeed"}}}],
              "Next": "Done"},
      "Loop": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
               "ItemSelector": {"item.$": "$$.Map.Item.Value"},
               "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Each",
                                 "States": {"Each": {"Type": "Pass", "End": true}}},
               "ToleratedFailurePercentage": 10, "Next": "Done"},
      "Done": {"Type": "Succeed"},
      "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error",
                 "CausePath": "States.Format('failed: {}', $.error.Cause)"}
    }})j")));
}

TEST(ValidatorTest, ReportsJsonSyntaxErrorsWithLineAndColumn) {
  auto diagnostics = Check("{\"StartAt\": \"A\",\n  \"States\": }");
  ASSERT_EQ(diagnostics.size(), 1u) << Describe(diagnostics);
  EXPECT_TRUE(Has(diagnostics, "INVALID_JSON_DESCRIPTION", "", "line 2"));
}

TEST(ValidatorTest, RejectsHugeAndDeepInputCleanly) {
  auto deep = Check(std::string(100000, '[') + std::string(100000, ']'));
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_EQ(deep[0].code, "INVALID_JSON_DESCRIPTION");

  std::string huge =
      R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": ")";
  huge += std::string(2 * 1024 * 1024, 'x') + "\"}}}";
  auto big = Check(huge);
  ASSERT_EQ(big.size(), 1u);
  EXPECT_TRUE(Has(big, "INVALID_JSON_DESCRIPTION", "", "1 MiB"));
}

TEST(ValidatorTest, RejectsNonObjectDefinitions) {
  for (const char* text : {"[]", "1", "null", "\"x\"", "true", "[{\"StartAt\": \"A\"}]"}) {
    EXPECT_TRUE(Has(Check(text), "SCHEMA_VALIDATION_FAILED", "", "must be a JSON object")) << text;
  }
}

TEST(ValidatorTest, ChecksTopLevelFields) {
  EXPECT_TRUE(Has(Check(R"({"States": {"A": {"Type": "Succeed"}}})"), "SCHEMA_VALIDATION_FAILED",
                  "", "'StartAt'"));
  EXPECT_TRUE(Has(Check(R"({"StartAt": "A"})"), "SCHEMA_VALIDATION_FAILED", "", "'States'"));
  EXPECT_TRUE(Has(Check(R"({"StartAt": "A", "States": {}})"), "SCHEMA_VALIDATION_FAILED", "/States",
                  "at least one state"));
  EXPECT_TRUE(Has(Check(R"({"StartAt": "A", "States": []})"), "SCHEMA_VALIDATION_FAILED", "/States",
                  "must be an object"));
  EXPECT_TRUE(Has(Check(R"({"StartAt": 1, "States": {"A": {"Type": "Succeed"}}})"),
                  "SCHEMA_VALIDATION_FAILED", "/StartAt", "must be a string"));
  const std::string a = R"("StartAt": "A", "States": {"A": {"Type": "Succeed"}})";
  EXPECT_TRUE(Has(Check("{" + a + R"(, "Extra": 1})"), "SCHEMA_VALIDATION_FAILED", "/Extra",
                  "Field 'Extra' is not supported"));
  EXPECT_TRUE(Has(Check("{" + a + R"(, "Version": "2.0"})"), "SCHEMA_VALIDATION_FAILED", "/Version",
                  "\"1.0\""));
  EXPECT_TRUE(Has(Check("{" + a + R"(, "TimeoutSeconds": 0})"), "SCHEMA_VALIDATION_FAILED",
                  "/TimeoutSeconds", "integer between 1"));
  EXPECT_TRUE(Has(Check("{" + a + R"(, "TimeoutSeconds": 1.5})"), "SCHEMA_VALIDATION_FAILED",
                  "/TimeoutSeconds", "integer"));
  EXPECT_TRUE(Has(Check("{" + a + R"(, "Comment": 7})"), "SCHEMA_VALIDATION_FAILED", "/Comment",
                  "must be a string"));
  EXPECT_TRUE(Has(Check("{" + a + R"(, "QueryLanguage": "XPath"})"), "SCHEMA_VALIDATION_FAILED",
                  "/QueryLanguage", "JSONPath"));
}

TEST(ValidatorTest, ReportsJsonataAsUnsupported) {
  auto top = Check(R"({"QueryLanguage": "JSONata", "StartAt": "A",
                       "States": {"A": {"Type": "Pass", "Output": "{% 1 %}", "End": true}}})");
  ASSERT_EQ(top.size(), 1u) << Describe(top);
  EXPECT_TRUE(Has(top, "UNSUPPORTED_QUERY_LANGUAGE", "/QueryLanguage", "not supported yet"));

  auto state = CheckStates(R"({"A": {"Type": "Pass", "Next": "B"},
      "B": {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "r",
            "Arguments": {"x": "{% $states.input %}"}, "End": true}})");
  ASSERT_EQ(state.size(), 1u) << Describe(state);
  EXPECT_TRUE(Has(state, "UNSUPPORTED_QUERY_LANGUAGE", "/States/B/QueryLanguage", "JSONata"));
}

TEST(ValidatorTest, ChecksStateTypesAndFields) {
  EXPECT_TRUE(
      Has(CheckState(R"({"End": true})"), "SCHEMA_VALIDATION_FAILED", "/States/A", "needs 'Type'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Sleep", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/Type", "Unknown state type 'Sleep'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": 3})"), "SCHEMA_VALIDATION_FAILED", "/States/A/Type",
                  "must be a string"));
  EXPECT_TRUE(Has(CheckState("[1]"), "SCHEMA_VALIDATION_FAILED", "/States/A", "must be an object"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "Foo": 1, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Foo",
                  "Field 'Foo' is not supported for state type Pass"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "Retry": [], "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Retry", "Only Task, Parallel and Map"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "Arguments": {}, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Arguments", "JSONata"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Fail", "InputPath": "$"})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/InputPath", "state type Fail"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Succeed", "Assign": {}})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/Assign", "state type Succeed"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "QueryLanguage": 1, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/QueryLanguage", "JSONPath"));
  std::string long_name(81, 'n');
  EXPECT_TRUE(Has(Check(R"({"StartAt": ")" + long_name + R"(", "States": {")" + long_name +
                        R"(": {"Type": "Succeed"}}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/" + long_name, "1 to 80 characters"));
  std::string ok_name(80, 'n');
  EXPECT_TRUE(Clean(Check(R"({"StartAt": ")" + ok_name + R"(", "States": {")" + ok_name +
                          R"(": {"Type": "Succeed"}}})")));
}

TEST(ValidatorTest, RequiresExactlyOneOfNextAndEnd) {
  EXPECT_TRUE(Has(CheckStates(R"({"A": {"Type": "Pass", "Next": "B", "End": true},
                                  "B": {"Type": "Succeed"}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "not both"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "Seconds": 1})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A", "needs 'Next'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "Iterator": {"StartAt": "X", "States":
                  {"X": {"Type": "Succeed"}}}, "End": false})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "needs 'Next'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": "yes"})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/End", "must be a boolean"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Succeed", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/End", "state type Succeed"));
  EXPECT_TRUE(Has(CheckStates(R"({"A": {"Type": "Choice", "Choices": [{"Variable": "$.x",
                  "IsNull": true, "Next": "B"}], "Next": "B"}, "B": {"Type": "Succeed"}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Next", "Choices rules and 'Default'"));
}

TEST(ValidatorTest, ChecksReferences) {
  EXPECT_TRUE(Has(Check(R"({"StartAt": "Z", "States": {"A": {"Type": "Succeed"}}})"),
                  "MISSING_TRANSITION_TARGET", "/StartAt", "'Z'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "Next": "Z"})"), "MISSING_TRANSITION_TARGET",
                  "/States/A/Next", "'Z' does not exist"));
  EXPECT_TRUE(Has(CheckStates(R"({"A": {"Type": "Choice", "Default": "Z", "Choices": [
                  {"Variable": "$.x", "IsNull": true, "Next": "B"}]}, "B": {"Type": "Succeed"}})"),
                  "MISSING_TRANSITION_TARGET", "/States/A/Default", "'Z'"));
  auto unreachable = CheckStates(R"({"A": {"Type": "Succeed"}, "Lost": {"Type": "Pass",
      "Next": "Lost2"}, "Lost2": {"Type": "Succeed"}})");
  EXPECT_TRUE(Has(unreachable, "UNREACHABLE_STATE", "/States/Lost", "cannot be reached"));
  EXPECT_TRUE(Has(unreachable, "UNREACHABLE_STATE", "/States/Lost2", "cannot be reached"));
  EXPECT_EQ(unreachable.size(), 2u) << Describe(unreachable);
  // Catch targets count as transitions.
  EXPECT_TRUE(Clean(CheckStates(R"({"A": {"Type": "Task", "Resource": "r", "End": true,
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]}, "H": {"Type": "Fail"}})")));
  EXPECT_TRUE(Has(CheckStates(R"({"A": {"Type": "Pass", "Next": "B"},
                  "B": {"Type": "Pass", "Next": "A"}})"),
                  "NO_TERMINAL_STATE", "/States", "\"End\": true"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Parallel", "End": true, "Branches": [{"StartAt": "X",
                  "States": {"X": {"Type": "Wait", "Seconds": 1, "Next": "X"}}}]})"),
                  "NO_TERMINAL_STATE", "/States/A/Branches/0/States", "sub-state machine"));
  // Escaping of names in pointers.
  EXPECT_TRUE(Has(Check(R"({"StartAt": "a/b~c", "States": {"a/b~c": {"Type": "Pass",
                  "Next": "nope"}, "ok": {"Type": "Succeed"}}})"),
                  "MISSING_TRANSITION_TARGET", "/States/a~1b~0c/Next", "'nope'"));
}

TEST(ValidatorTest, SurvivesArbitraryJson) {
  for (const char* text :
       {R"({"StartAt": null, "States": {"A": null}})", R"({"StartAt": "A", "States": {"A": {}}})",
        R"({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": {"x": 1}}}})",
        R"({"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": 5, "Next": 3}}})",
        R"({"StartAt": "A", "States": {"A": {"Type": "Task", "Catch": [null, {"Next": 1}],
             "Retry": [[]], "End": true}}})",
        R"({"StartAt": ["A"], "States": {"A": {"Type": "Parallel", "Branches": [{}, null, []],
             "End": true}}})",
        R"({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Not": {"Not": {
             "And": [null, [], {"Or": [{}]}]}}, "Next": "A"}]}}})",
        "{}", "[[[[]]]]", "-0.0", "\"\\u0000\""}) {
    auto diagnostics = Check(text);
    EXPECT_FALSE(diagnostics.empty()) << text;
    for (const Diagnostic& d : diagnostics) {
      EXPECT_FALSE(d.code.empty());
      EXPECT_FALSE(d.message.empty());
    }
  }
}

TEST(ValidatorTest, BoundsRecursionOnProgrammaticallyBuiltValues) {
  // ParseJson caps depth, but a caller may build a deeper value itself.
  boost::json::value machine = {{"StartAt", "P"}, {"States", boost::json::object{}}};
  boost::json::value* innermost = &machine;
  for (int i = 0; i < 1000; ++i) {
    boost::json::value child = {{"StartAt", "P"}, {"States", boost::json::object{}}};
    boost::json::object& state =
        (*innermost).as_object()["States"].as_object()["P"].emplace_object();
    state["Type"] = "Parallel";
    state["End"] = true;
    boost::json::array& branches = state["Branches"].emplace_array();
    branches.push_back(std::move(child));
    innermost = &branches.back();
  }
  auto diagnostics = ValidateDefinition(machine);
  EXPECT_TRUE(std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.message.find("nested too deeply") != std::string::npos;
  })) << Describe(diagnostics);
}

}  // namespace
}  // namespace tactus::asl
