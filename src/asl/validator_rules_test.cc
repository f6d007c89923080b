// Validation of Choice rules, retriers and catchers.
#include <gtest/gtest.h>

#include <string>

#include "asl/validator.h"
#include "asl/validator_test_util.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

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

}  // namespace
}  // namespace tactus::asl
