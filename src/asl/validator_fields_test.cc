// Validation of per-state fields, sub-machines, paths, payload templates and Assign.
#include <gtest/gtest.h>

#include <string>

#include "asl/validator.h"
#include "asl/validator_test_util.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

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

}  // namespace
}  // namespace tactus::asl
