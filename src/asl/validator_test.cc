#include "asl/validator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tactus::asl {
namespace {

std::string Describe(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& d : diagnostics) {
    text += "  " + d.code + " at '" + d.location + "': " + d.message + "\n";
  }
  return text.empty() ? "  (none)\n" : text;
}

// True when some diagnostic has this code and location and a message containing `fragment`.
::testing::AssertionResult Has(const std::vector<Diagnostic>& diagnostics, std::string_view code,
                               std::string_view location, std::string_view fragment) {
  for (const Diagnostic& d : diagnostics) {
    if (d.code == code && d.location == location && d.message.find(fragment) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no " << code << " at '" << location << "' mentioning '" << fragment << "'; got:\n"
         << Describe(diagnostics);
}

::testing::AssertionResult Clean(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected no diagnostics; got:\n"
                                       << Describe(diagnostics);
}

std::vector<Diagnostic> Check(std::string_view text) { return ValidateDefinitionText(text); }

// A machine whose StartAt is "A" with the given States object.
std::vector<Diagnostic> CheckStates(const std::string& states) {
  return Check(R"({"StartAt": "A", "States": )" + states + "}");
}

// One state "A" (the given JSON object) that must stand alone.
std::vector<Diagnostic> CheckState(const std::string& state) {
  return CheckStates(R"({"A": )" + state + "}");
}

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

TEST(ValidatorTest, ChecksTaskFields) {
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A", "'Resource'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": 5, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Resource", "must be a string"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "TimeoutSeconds": 5,
                  "TimeoutSecondsPath": "$.t", "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of TimeoutSeconds"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "HeartbeatSeconds": 5,
                  "HeartbeatSecondsPath": "$.t", "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of HeartbeatSeconds"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "TimeoutSeconds": 5,
                  "HeartbeatSeconds": 5, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/HeartbeatSeconds", "smaller than"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "TimeoutSeconds": 0,
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/TimeoutSeconds", "between 1"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "Parameters": [1],
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Parameters", "must be an object"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "Credentials": "role",
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Credentials", "must be an object"));
}

TEST(ValidatorTest, ChecksWaitFields) {
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A", "exactly one of Seconds"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s",
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of Seconds"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "Seconds": -1, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Seconds", "between 0"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "Timestamp": "2024-13-01T00:00:00Z",
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Timestamp", "ISO-8601"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "Timestamp": "2024-01-01T00:00:00",
                  "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Timestamp", "offset is required"));
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Wait", "Timestamp": "2024-01-01T00:00:00.5+02:00",
                    "End": true})")));
}

TEST(ValidatorTest, ChecksFailFields) {
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of Error, ErrorPath"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Fail", "Cause": "C", "CausePath": "$.c"})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of Cause, CausePath"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Fail", "Error": 1})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A/Error", "must be a string"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Fail", "CausePath": "cause"})"), "INVALID_JSON_PATH",
                  "/States/A/CausePath", "neither a JSONPath"));
  EXPECT_TRUE(Clean(CheckState(R"j({"Type": "Fail", "Error": "E",
                    "CausePath": "States.Format('x {}', $.c)"})j")));
}

TEST(ValidatorTest, ChecksMapFields) {
  const std::string proc = R"({"StartAt": "X", "States": {"X": {"Type": "Succeed"}}})";
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A", "'ItemProcessor'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": )" + proc +
                             R"(, "Iterator": )" + proc + "}"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of ItemProcessor, Iterator"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": )" + proc +
                             R"(, "ItemSelector": {}, "Parameters": {}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of ItemSelector"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": )" + proc +
                             R"(, "ToleratedFailurePercentage": 101})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/ToleratedFailurePercentage",
                  "between 0 and 100"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": )" + proc +
                             R"(, "MaxConcurrency": -1})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/MaxConcurrency", "between 0"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "MaxConcurrency": 1,
                  "MaxConcurrencyPath": "$.m", "ItemProcessor": )" +
                             proc + "}"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A", "Only one of MaxConcurrency"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": {
                  "ProcessorConfig": {"Mode": "FAST"}, "StartAt": "X",
                  "States": {"X": {"Type": "Succeed"}}}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/ItemProcessor/ProcessorConfig/Mode",
                  "INLINE"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemProcessor": {
                  "ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "X",
                  "States": {"X": {"Type": "Succeed"}}}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/ItemProcessor/ProcessorConfig",
                  "ExecutionType"));
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Map", "End": true, "Iterator": {
                    "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "X",
                    "States": {"X": {"Type": "Succeed"}}}})")));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "Iterator": {
                  "Version": "1.0", "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Iterator/Version",
                  "not supported at a Map Iterator"));
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Map", "End": true, "Label": "L",
      "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                     "Parameters": {"Bucket.$": "$.b"}},
      "ItemBatcher": {"MaxItemsPerBatch": 2}, "ResultWriter": {"Resource": "r"},
      "ToleratedFailureCountPath": "$.c", "ItemProcessor": {"ProcessorConfig":
      {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "X",
      "States": {"X": {"Type": "Succeed"}}}})")));
}

TEST(ValidatorTest, ValidatesSubMachinesRecursivelyWithScopedNames) {
  auto nested = CheckStates(R"({"A": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "A"}}},
      {"StartAt": "Y", "States": {"Y": {"Type": "Map", "End": true, "ItemProcessor":
        {"StartAt": "Z", "States": {"Z": {"Type": "Pass", "Bogus": 1, "End": true}}}}}}]}})");
  EXPECT_TRUE(Has(nested, "MISSING_TRANSITION_TARGET", "/States/A/Branches/0/States/X/Next",
                  "'A' does not exist in a Parallel branch"));
  EXPECT_TRUE(Has(nested, "SCHEMA_VALIDATION_FAILED",
                  "/States/A/Branches/1/States/Y/ItemProcessor/States/Z/Bogus",
                  "Field 'Bogus' is not supported"));
  // The same name may be used in different scopes.
  EXPECT_TRUE(Clean(CheckStates(R"({"A": {"Type": "Parallel", "Next": "B", "Branches": [
      {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}]}, "B": {"Type": "Succeed"}})")));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Parallel", "End": true, "Branches": []})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Branches", "must not be empty"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Parallel", "End": true})"), "SCHEMA_VALIDATION_FAILED",
                  "/States/A", "'Branches'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Parallel", "End": true, "Branches": [
                  {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}, "Version": "1.0"}]})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Branches/0/Version",
                  "not supported at a Parallel branch"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Parallel", "End": true, "Branches": [3]})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Branches/0", "must be a JSON object"));
}

TEST(ValidatorTest, ChecksPathSyntax) {
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "InputPath": "$.a[", "End": true})"),
                  "INVALID_JSON_PATH", "/States/A/InputPath", "InputPath"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "OutputPath": "a.b", "End": true})"),
                  "INVALID_JSON_PATH", "/States/A/OutputPath", "OutputPath"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "InputPath": 4, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/InputPath", "JSONPath string or null"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "ResultPath": "$.a[*]", "End": true})"),
                  "INVALID_JSON_PATH", "/States/A/ResultPath", "reference path"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "ResultPath": "$$.Execution", "End": true})"),
                  "INVALID_JSON_PATH", "/States/A/ResultPath", "reference path"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "SecondsPath": "$..[", "End": true})"),
                  "INVALID_JSON_PATH", "/States/A/SecondsPath", "SecondsPath"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Wait", "SecondsPath": null, "End": true})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/SecondsPath", "JSONPath string"));
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Pass", "InputPath": null, "OutputPath": null,
                    "ResultPath": null, "End": true})")));
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Pass", "InputPath": "$$.Execution.Input",
                    "OutputPath": "$myVar.items[0]", "ResultPath": "$.a.b[2]", "End": true})")));
}

TEST(ValidatorTest, ChecksPayloadTemplates) {
  auto d = CheckState(R"j({"Type": "Pass", "End": true, "Parameters": {
      "ok.$": "$.x", "deep": {"bad.$": "$.a["}, "list": [{"i/x.$": "States.Nope(1)"}],
      "num.$": 5, "lit.$": "hello"}})j");
  EXPECT_TRUE(Has(d, "INVALID_JSON_PATH", "/States/A/Parameters/deep/bad.$", "Parameters"));
  EXPECT_TRUE(Has(d, "INVALID_INTRINSIC", "/States/A/Parameters/list/0/i~1x.$", "Parameters"));
  EXPECT_TRUE(Has(d, "SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/num.$", "must be a string"));
  EXPECT_TRUE(Has(d, "INVALID_JSON_PATH", "/States/A/Parameters/lit.$", "drop the '.$' suffix"));
  EXPECT_EQ(d.size(), 4u) << Describe(d);

  EXPECT_TRUE(Has(CheckState(R"({"Type": "Task", "Resource": "r", "End": true,
                  "ResultSelector": {"x.$": "States.Array("}})"),
                  "INVALID_INTRINSIC", "/States/A/ResultSelector/x.$", "ResultSelector"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Map", "End": true, "ItemSelector": {"v.$": "$$.["},
                  "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}})"),
                  "INVALID_JSON_PATH", "/States/A/ItemSelector/v.$", "ItemSelector"));
  // Keys without ".$" are literals whatever their value.
  EXPECT_TRUE(Clean(CheckState(R"({"Type": "Pass", "End": true,
                    "Parameters": {"x": "$.not.a.path[", "y": ["States.Nope("]}})")));
}

TEST(ValidatorTest, ChecksAssign) {
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": true, "Assign": {"1x": 1}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Assign/1x", "Variable name '1x'"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": true, "Assign": {"a-b.$": "$.x"}})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Assign/a-b.$", "Variable name"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": true, "Assign": {"v.$": "$.x["}})"),
                  "INVALID_JSON_PATH", "/States/A/Assign/v.$", "Assign"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": true, "Assign": {"v": {"w.$": "x"}}})"),
                  "INVALID_JSON_PATH", "/States/A/Assign/v/w.$", "Assign"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Pass", "End": true, "Assign": []})"),
                  "SCHEMA_VALIDATION_FAILED", "/States/A/Assign", "must be an object"));
  EXPECT_TRUE(Clean(CheckStates(R"({"A": {"Type": "Wait", "Seconds": 0, "Next": "B",
      "Assign": {"_v1": [1, {"k": null}], "x.$": "$$.State.Name"}},
      "B": {"Type": "Choice", "Assign": {"c": 1},
            "Choices": [{"Variable": "$x", "IsString": true, "Next": "C", "Assign": {"d": 2}}],
            "Default": "C"},
      "C": {"Type": "Succeed"}})")));
}

TEST(ValidatorTest, ChecksChoiceRules) {
  auto choice = [](const std::string& rules) {
    return CheckStates(R"({"A": {"Type": "Choice", "Default": "B", "Choices": )" + rules +
                       R"(}, "B": {"Type": "Succeed"}})");
  };
  const std::string at = "/States/A/Choices/0";
  EXPECT_TRUE(
      Has(choice("[]"), "SCHEMA_VALIDATION_FAILED", "/States/A/Choices", "must not be empty"));
  EXPECT_TRUE(Has(CheckState(R"({"Type": "Choice"})"), "SCHEMA_VALIDATION_FAILED", "/States/A",
                  "'Choices'"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "IsNull": true}])"), "SCHEMA_VALIDATION_FAILED",
                  at, "needs 'Next'"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "Next": "B"}])"), "SCHEMA_VALIDATION_FAILED", at,
                  "one comparison operator"));
  EXPECT_TRUE(Has(choice(R"([{"IsNull": true, "Next": "B"}])"), "SCHEMA_VALIDATION_FAILED", at,
                  "needs 'Variable'"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "IsNull": true, "IsString": true,
                  "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at, "IsNull, IsString"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "IsNull": true, "Not": {"Variable": "$.y",
                  "IsNull": true}, "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at, "mixes them"));
  EXPECT_TRUE(Has(choice(R"([{"And": [], "Next": "B"}])"), "SCHEMA_VALIDATION_FAILED", at + "/And",
                  "must not be empty"));
  EXPECT_TRUE(Has(choice(R"([{"Not": [], "Next": "B"}])"), "SCHEMA_VALIDATION_FAILED", at + "/Not",
                  "must be an object"));
  EXPECT_TRUE(Has(choice(R"([{"Or": [{"Variable": "$.x", "IsNull": true, "Next": "B"}],
                  "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/Or/0/Next", "must not have 'Next'"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "StringEquals": 5, "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/StringEquals", "must be a string"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "NumericEquals": "5", "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/NumericEquals", "must be a number"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "BooleanEquals": 1, "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/BooleanEquals", "must be a boolean"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "IsPresent": "yes", "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/IsPresent", "must be a boolean"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "TimestampEquals": "today", "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/TimestampEquals", "ISO-8601"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "StringEqualsPath": "x", "Next": "B"}])"),
                  "INVALID_JSON_PATH", at + "/StringEqualsPath", "StringEqualsPath"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x[", "IsNull": true, "Next": "B"}])"),
                  "INVALID_JSON_PATH", at + "/Variable", "Variable"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "StringEq": "a", "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/StringEq", "not supported in a Choice rule"));
  EXPECT_TRUE(Has(choice(R"([{"Condition": "{% true %}", "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/Condition", "JSONata"));
  EXPECT_TRUE(Has(choice("[7]"), "SCHEMA_VALIDATION_FAILED", at, "must be an object"));
  EXPECT_TRUE(Has(choice(R"([{"Variable": "$.x", "IsNull": true, "Next": "Nowhere"}])"),
                  "MISSING_TRANSITION_TARGET", at + "/Next", "'Nowhere'"));
}

TEST(ValidatorTest, AcceptsEveryChoiceOperator) {
  std::string rules;
  auto add = [&rules](const std::string& op, const std::string& operand) {
    rules += std::string(rules.empty() ? "" : ",") + R"({"Variable": "$.v", ")" + op +
             "\": " + operand + R"(, "Next": "B"})";
  };
  for (const char* family :
       {"Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"}) {
    add(std::string("String") + family, "\"s\"");
    add(std::string("Numeric") + family, "1.5");
    add(std::string("Timestamp") + family, "\"2024-01-01T00:00:00Z\"");
    for (const char* type : {"String", "Numeric", "Timestamp"}) {
      add(std::string(type) + family + "Path", "\"$.w\"");
    }
  }
  add("StringMatches", "\"a*b\"");
  add("BooleanEquals", "false");
  add("BooleanEqualsPath", "\"$.w\"");
  for (const char* is :
       {"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}) {
    add(is, "true");
  }
  EXPECT_TRUE(Clean(CheckStates(R"({"A": {"Type": "Choice", "Choices": [)" + rules +
                                R"(]}, "B": {"Type": "Succeed"}})")));
}

TEST(ValidatorTest, ChecksRetriers) {
  auto retry = [](const std::string& retriers) {
    return CheckState(R"({"Type": "Task", "Resource": "r", "End": true, "Retry": )" + retriers +
                      "}");
  };
  const std::string at = "/States/A/Retry/0";
  EXPECT_TRUE(Has(retry("{}"), "SCHEMA_VALIDATION_FAILED", "/States/A/Retry", "array"));
  EXPECT_TRUE(Has(retry("[{}]"), "SCHEMA_VALIDATION_FAILED", at, "'ErrorEquals'"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": []}])"), "SCHEMA_VALIDATION_FAILED",
                  at + "/ErrorEquals", "must not be empty"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": [1]}])"), "SCHEMA_VALIDATION_FAILED",
                  at + "/ErrorEquals/0", "must be strings"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["States.ALL", "E"]}])"), "SCHEMA_VALIDATION_FAILED",
                  at + "/ErrorEquals", "alone"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/ErrorEquals", "must be the last"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "IntervalSeconds": 0}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/IntervalSeconds", "between 1"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "MaxAttempts": -1}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/MaxAttempts", "between 0"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "BackoffRate": 0.5}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/BackoffRate", "at least 1"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "MaxDelaySeconds": 0}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/MaxDelaySeconds", "between 1"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/JitterStrategy", "FULL"));
  EXPECT_TRUE(Has(retry(R"([{"ErrorEquals": ["E"], "Next": "A"}])"), "SCHEMA_VALIDATION_FAILED",
                  at + "/Next", "not supported in a retrier"));
  EXPECT_TRUE(Has(retry("[3]"), "SCHEMA_VALIDATION_FAILED", at, "must be an object"));
}

TEST(ValidatorTest, ChecksCatchers) {
  auto catchers = [](const std::string& list) {
    return CheckStates(R"({"A": {"Type": "Task", "Resource": "r", "End": true, "Catch": )" + list +
                       R"(}, "B": {"Type": "Succeed"}})");
  };
  const std::string at = "/States/A/Catch/0";
  EXPECT_TRUE(
      Has(catchers(R"([{"ErrorEquals": ["E"]}])"), "SCHEMA_VALIDATION_FAILED", at, "needs 'Next'"));
  EXPECT_TRUE(Has(catchers(R"([{"ErrorEquals": ["E"], "Next": "Z"}, {"ErrorEquals": ["F"],
                  "Next": "B"}])"),
                  "MISSING_TRANSITION_TARGET", at + "/Next", "'Z'"));
  EXPECT_TRUE(Has(catchers(R"([{"ErrorEquals": ["States.ALL"], "Next": "B"},
                  {"ErrorEquals": ["E"], "Next": "B"}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/ErrorEquals", "must be the last in Catch"));
  EXPECT_TRUE(Has(catchers(R"([{"ErrorEquals": ["E"], "Next": "B", "ResultPath": "$[*]"}])"),
                  "INVALID_JSON_PATH", at + "/ResultPath", "reference path"));
  EXPECT_TRUE(Has(catchers(R"([{"ErrorEquals": ["E"], "Next": "B", "MaxAttempts": 1}])"),
                  "SCHEMA_VALIDATION_FAILED", at + "/MaxAttempts", "not supported in a catcher"));
  EXPECT_TRUE(Has(catchers(R"([{"ErrorEquals": ["E"], "Next": "B", "Assign": {"x.$": "$["}}])"),
                  "INVALID_JSON_PATH", at + "/Assign/x.$", "Assign"));
  EXPECT_TRUE(Clean(catchers(R"([{"ErrorEquals": ["E"], "Next": "B", "Comment": "c",
                    "ResultPath": null, "Assign": {"e.$": "$.Error"}}])")));
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

// Every definition AWS accepted (recorded conformance cases) must validate cleanly.
TEST(ValidatorTest, AcceptsEveryAwsAcceptedDefinition) {
  namespace fs = std::filesystem;
  const fs::path dir = TACTUS_CONFORMANCE_DIR;
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance cases at " << dir;
  int checked = 0;
  std::string failures;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto parsed = common::ParseJson(buffer.str());
    ASSERT_TRUE(parsed.ok()) << entry.path() << ": " << parsed.status().ToString();
    const boost::json::object* test_case = parsed->if_object();
    ASSERT_NE(test_case, nullptr) << entry.path();
    const boost::json::value* category = test_case->if_contains("category");
    const boost::json::value* definition = test_case->if_contains("definition");
    if (category == nullptr || definition == nullptr) continue;
    std::string_view name = category->is_string() ? std::string_view(category->get_string()) : "";
    if (name.ends_with("_jsonata")) continue;
    if (common::SerializeJson(*definition).find("\"JSONata\"") != std::string::npos) continue;
    ++checked;
    auto diagnostics = ValidateDefinition(*definition);
    if (!diagnostics.empty()) {
      failures += entry.path().filename().string() + ":\n" + Describe(diagnostics);
    }
  }
  EXPECT_GT(checked, 0);
  EXPECT_TRUE(failures.empty()) << failures;
}

}  // namespace
}  // namespace tactus::asl
