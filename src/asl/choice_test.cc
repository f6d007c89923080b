#include "asl/choice.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace tactus::asl {
namespace {

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " in " << text;
  return v.ok() ? v.value() : json::value();
}

// The input every rule below is evaluated against.
constexpr std::string_view kInput = R"({
  "s": "banana", "s_lo": "apple", "s_hi": "cherry", "s_same": "banana",
  "n": 5, "n_lo": 4, "n_hi": 6.5, "n_same": 5.0, "big": 9007199254740993,
  "b": true, "b_false": false,
  "t": "2024-05-01T10:00:00Z", "t_lo": "2024-05-01T09:59:59.999Z",
  "t_hi": "2024-05-01T12:00:00+01:00", "t_same": "2024-05-01T11:00:00+01:00",
  "nul": null, "obj": {"k": 1}, "arr": [1, 2]
})";

struct Case {
  std::string rule;
  bool expected;
};

// Evaluates `rule` (a non-top-level rule object) against `input`.
Eval<bool> Evaluate(std::string_view rule, std::string_view input = kInput) {
  auto compiled = ChoiceRule::Compile(J(rule), false);
  EXPECT_TRUE(compiled.ok()) << rule << ": " << compiled.status().ToString();
  if (!compiled.ok()) return Failure{"compile", compiled.status().message()};
  json::value doc = J(input);
  json::object vars = J(R"({"limit": 5, "name": "banana"})").as_object();
  return compiled->Evaluate(PathScope{&doc, nullptr, &vars});
}

void ExpectCases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto r = Evaluate(c.rule);
    ASSERT_TRUE(r.ok()) << r.failure().error << ": " << r.failure().cause;
    EXPECT_EQ(r.value(), c.expected);
  }
}

// The operator named in a rule object (the key other than "Variable").
std::string OperatorOf(const std::string& rule) {
  json::value parsed = J(rule);
  for (const auto& kv : parsed.as_object()) {
    if (kv.key() != "Variable") return std::string(kv.key());
  }
  return "";
}

const std::vector<Case>& AllOperatorCases() {
  static const std::vector<Case> cases = {
      // String comparisons, literal and *Path forms.
      {R"({"Variable": "$.s", "StringEquals": "banana"})", true},
      {R"({"Variable": "$.s", "StringEquals": "Banana"})", false},
      {R"({"Variable": "$.s", "StringEqualsPath": "$.s_same"})", true},
      {R"({"Variable": "$.s", "StringEqualsPath": "$.s_lo"})", false},
      {R"({"Variable": "$.s", "StringLessThan": "cherry"})", true},
      {R"({"Variable": "$.s", "StringLessThan": "banana"})", false},
      {R"({"Variable": "$.s", "StringLessThanPath": "$.s_hi"})", true},
      {R"({"Variable": "$.s", "StringLessThanPath": "$.s_lo"})", false},
      {R"({"Variable": "$.s", "StringGreaterThan": "apple"})", true},
      {R"({"Variable": "$.s", "StringGreaterThan": "banana"})", false},
      {R"({"Variable": "$.s", "StringGreaterThanPath": "$.s_lo"})", true},
      {R"({"Variable": "$.s", "StringGreaterThanPath": "$.s_hi"})", false},
      {R"({"Variable": "$.s", "StringLessThanEquals": "banana"})", true},
      {R"({"Variable": "$.s", "StringLessThanEquals": "apple"})", false},
      {R"({"Variable": "$.s", "StringLessThanEqualsPath": "$.s_same"})", true},
      {R"({"Variable": "$.s", "StringLessThanEqualsPath": "$.s_lo"})", false},
      {R"({"Variable": "$.s", "StringGreaterThanEquals": "banana"})", true},
      {R"({"Variable": "$.s", "StringGreaterThanEquals": "cherry"})", false},
      {R"({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.s_same"})", true},
      {R"({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.s_hi"})", false},
      {R"({"Variable": "$.s", "StringMatches": "b*n*a"})", true},
      {R"({"Variable": "$.s", "StringMatches": "b*x"})", false},
      // Numeric comparisons compare values: 5 == 5.0.
      {R"({"Variable": "$.n", "NumericEquals": 5})", true},
      {R"({"Variable": "$.n", "NumericEquals": 5.5})", false},
      {R"({"Variable": "$.n", "NumericEqualsPath": "$.n_same"})", true},
      {R"({"Variable": "$.n", "NumericEqualsPath": "$.n_lo"})", false},
      {R"({"Variable": "$.n", "NumericLessThan": 5.01})", true},
      {R"({"Variable": "$.n", "NumericLessThan": 5})", false},
      {R"({"Variable": "$.n", "NumericLessThanPath": "$.n_hi"})", true},
      {R"({"Variable": "$.n", "NumericLessThanPath": "$.n_lo"})", false},
      {R"({"Variable": "$.n", "NumericGreaterThan": 4.99})", true},
      {R"({"Variable": "$.n", "NumericGreaterThan": 5})", false},
      {R"({"Variable": "$.n", "NumericGreaterThanPath": "$.n_lo"})", true},
      {R"({"Variable": "$.n", "NumericGreaterThanPath": "$.n_hi"})", false},
      {R"({"Variable": "$.n", "NumericLessThanEquals": 5})", true},
      {R"({"Variable": "$.n", "NumericLessThanEquals": 4})", false},
      {R"({"Variable": "$.n", "NumericLessThanEqualsPath": "$.n_same"})", true},
      {R"({"Variable": "$.n", "NumericLessThanEqualsPath": "$.n_lo"})", false},
      {R"({"Variable": "$.n", "NumericGreaterThanEquals": 5})", true},
      {R"({"Variable": "$.n", "NumericGreaterThanEquals": 6})", false},
      {R"({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.n_same"})", true},
      {R"({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.n_hi"})", false},
      // Boolean.
      {R"({"Variable": "$.b", "BooleanEquals": true})", true},
      {R"({"Variable": "$.b", "BooleanEquals": false})", false},
      {R"({"Variable": "$.b_false", "BooleanEqualsPath": "$.b_false"})", true},
      {R"({"Variable": "$.b", "BooleanEqualsPath": "$.b_false"})", false},
      // Timestamps compare as instants, whatever their offsets.
      {R"({"Variable": "$.t", "TimestampEquals": "2024-05-01T11:00:00+01:00"})", true},
      {R"({"Variable": "$.t", "TimestampEquals": "2024-05-01T10:00:00.001Z"})", false},
      {R"({"Variable": "$.t", "TimestampEqualsPath": "$.t_same"})", true},
      {R"({"Variable": "$.t", "TimestampEqualsPath": "$.t_lo"})", false},
      {R"({"Variable": "$.t", "TimestampLessThan": "2024-05-01T10:00:00.001Z"})", true},
      {R"({"Variable": "$.t", "TimestampLessThan": "2024-05-01T10:00:00Z"})", false},
      {R"({"Variable": "$.t", "TimestampLessThanPath": "$.t_hi"})", true},
      {R"({"Variable": "$.t", "TimestampLessThanPath": "$.t_lo"})", false},
      {R"({"Variable": "$.t", "TimestampGreaterThan": "2024-05-01T09:00:00Z"})", true},
      {R"({"Variable": "$.t", "TimestampGreaterThan": "2024-05-01T10:00:00Z"})", false},
      {R"({"Variable": "$.t", "TimestampGreaterThanPath": "$.t_lo"})", true},
      {R"({"Variable": "$.t", "TimestampGreaterThanPath": "$.t_hi"})", false},
      {R"({"Variable": "$.t", "TimestampLessThanEquals": "2024-05-01T10:00:00Z"})", true},
      {R"({"Variable": "$.t", "TimestampLessThanEquals": "2024-05-01T09:59:59Z"})", false},
      {R"({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t_same"})", true},
      {R"({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t_lo"})", false},
      {R"({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-05-01T10:00:00Z"})", true},
      {R"({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-05-01T10:00:01Z"})", false},
      {R"({"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.t_same"})", true},
      {R"({"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.t_hi"})", false},
      // Type tests compare the outcome with their operand.
      {R"({"Variable": "$.nul", "IsNull": true})", true},
      {R"({"Variable": "$.s", "IsNull": true})", false},
      {R"({"Variable": "$.s", "IsPresent": true})", true},
      {R"({"Variable": "$.absent", "IsPresent": true})", false},
      {R"({"Variable": "$.n_hi", "IsNumeric": true})", true},
      {R"({"Variable": "$.s", "IsNumeric": true})", false},
      {R"({"Variable": "$.s", "IsString": true})", true},
      {R"({"Variable": "$.n", "IsString": true})", false},
      {R"({"Variable": "$.b_false", "IsBoolean": true})", true},
      {R"({"Variable": "$.nul", "IsBoolean": true})", false},
      {R"({"Variable": "$.t", "IsTimestamp": true})", true},
      {R"({"Variable": "$.s", "IsTimestamp": true})", false},
  };
  return cases;
}

TEST(ChoiceRuleTest, EveryOneOfThe39OperatorsHasATrueAndAFalseCase) {
  std::set<std::string> operators;
  for (const auto& c : AllOperatorCases()) operators.insert(OperatorOf(c.rule));
  EXPECT_EQ(operators.size(), 39u);
  ExpectCases(AllOperatorCases());
}

TEST(ChoiceRuleTest, IsOperatorsWithFalseOperandInvertTheTest) {
  ExpectCases({
      {R"({"Variable": "$.s", "IsNull": false})", true},
      {R"({"Variable": "$.nul", "IsNull": false})", false},
      {R"({"Variable": "$.absent", "IsPresent": false})", true},
      {R"({"Variable": "$.nul", "IsPresent": false})", false},
      {R"({"Variable": "$.s", "IsNumeric": false})", true},
      {R"({"Variable": "$.n", "IsString": false})", true},
      {R"({"Variable": "$.s", "IsBoolean": false})", true},
      {R"({"Variable": "$.s", "IsTimestamp": false})", true},
      {R"({"Variable": "$.t", "IsTimestamp": false})", false},
  });
}

TEST(ChoiceRuleTest, WrongTypeIsFalseNeverAnError) {
  ExpectCases({
      {R"({"Variable": "$.n", "StringEquals": "5"})", false},
      {R"({"Variable": "$.s", "NumericEquals": 5})", false},
      {R"({"Variable": "$.s", "NumericLessThan": 5})", false},
      {R"({"Variable": "$.n", "BooleanEquals": true})", false},
      {R"({"Variable": "$.s", "TimestampEquals": "2024-05-01T10:00:00Z"})", false},
      {R"({"Variable": "$.n", "TimestampLessThan": "2024-05-01T10:00:00Z"})", false},
      {R"({"Variable": "$.nul", "StringGreaterThan": ""})", false},
      {R"({"Variable": "$.obj", "StringMatches": "*"})", false},
      {R"({"Variable": "$.arr", "NumericGreaterThanEquals": 0})", false},
      // The *Path operand of the wrong type is false too.
      {R"({"Variable": "$.n", "NumericEqualsPath": "$.s"})", false},
      {R"({"Variable": "$.s", "StringEqualsPath": "$.n"})", false},
  });
}

TEST(ChoiceRuleTest, TimestampWithoutOffsetIsNotATimestamp) {
  auto is =
      Evaluate(R"({"Variable": "$.x", "IsTimestamp": true})", R"({"x": "2024-05-01T10:00:00"})");
  ASSERT_TRUE(is.ok());
  EXPECT_FALSE(is.value());
  auto r = Evaluate(R"({"Variable": "$.x", "TimestampEquals": "2024-05-01T10:00:00Z"})",
                    R"({"x": "2024-05-01T10:00:00"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value());
}

TEST(ChoiceRuleTest, NumbersCompareByValueAcrossIntegersAndDoubles) {
  ExpectCases({
      {R"({"Variable": "$.n_same", "NumericEquals": 5})", true},
      {R"({"Variable": "$.big", "NumericGreaterThan": 9007199254740992})", true},
      {R"({"Variable": "$.n", "NumericGreaterThan": -1.5})", true},
  });
}

TEST(ChoiceRuleTest, StringsCompareByCodePoint) {
  auto r = Evaluate(R"({"Variable": "$.a", "StringLessThan": "a"})", R"({"a": "Z"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value()) << "'Z' (U+005A) sorts before 'a' (U+0061)";
}

TEST(ChoiceRuleTest, StringMatchesWildcardsAndEscapes) {
  struct M {
    std::string text, pattern;
    bool expected;
  };
  const std::vector<M> cases = {
      {"log-2024.txt", "log-*.txt", true},
      {"log-2024.txt", "*.csv", false},
      {"anything", "*", true},
      {"", "*", true},
      {"", "", true},
      {"abc", "abc", true},
      {"abc", "ab", false},
      {"abc", "a*b*c", true},
      {"aXbYc", "a*b*c", true},
      {"a*c", R"(a\*c)", true},  // "\*" is a literal star
      {"abc", R"(a\*c)", false},
      {R"(a\c)", R"(a\\c)", true},  // "\\" is a literal backslash
      {R"(a\bc)", R"(a\\*)", true},
      {"mississippi", "*sip*", true},
      {"mississippi", "m*ss*pp*", true},
      {"mississippi", "m*ss*x*", false},
  };
  for (const auto& m : cases) {
    SCOPED_TRACE(m.text + " ~ " + m.pattern);
    json::object rule{{"Variable", "$.v"}, {"StringMatches", m.pattern}};
    json::object input{{"v", m.text}};
    auto r = Evaluate(common::SerializeJson(rule), common::SerializeJson(input));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), m.expected);
  }
}

TEST(ChoiceRuleTest, AndOrNotCombine) {
  ExpectCases({
      {R"({"And": [{"Variable": "$.n", "NumericEquals": 5},
                   {"Variable": "$.s", "StringEquals": "banana"}]})",
       true},
      {R"({"And": [{"Variable": "$.n", "NumericEquals": 5},
                   {"Variable": "$.s", "StringEquals": "kiwi"}]})",
       false},
      {R"({"Or": [{"Variable": "$.n", "NumericEquals": 0},
                  {"Variable": "$.s", "StringEquals": "banana"}]})",
       true},
      {R"({"Or": [{"Variable": "$.n", "NumericEquals": 0},
                  {"Variable": "$.s", "StringEquals": "kiwi"}]})",
       false},
      {R"({"Not": {"Variable": "$.n", "NumericEquals": 0}})", true},
      {R"({"Not": {"Variable": "$.n", "NumericEquals": 5}})", false},
      {R"({"Not": {"And": [{"Variable": "$.b", "BooleanEquals": true},
                           {"Or": [{"Variable": "$.absent", "IsPresent": true},
                                   {"Not": {"Variable": "$.nul", "IsNull": true}}]}]}})",
       true},
  });
}

TEST(ChoiceRuleTest, AndOrShortCircuitBeforeAMissingVariable) {
  ExpectCases({
      {R"({"And": [{"Variable": "$.absent", "IsPresent": true},
                   {"Variable": "$.absent", "StringEquals": "x"}]})",
       false},
      {R"({"Or": [{"Variable": "$.s", "IsPresent": true},
                  {"Variable": "$.absent", "StringEquals": "x"}]})",
       true},
  });
}

TEST(ChoiceRuleTest, MissingVariableIsARuntimeFailure) {
  auto r = Evaluate(R"({"Variable": "$.absent", "StringEquals": "x"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().error, kStatesRuntime);
  EXPECT_EQ(r.failure().cause,
            "Invalid path '$.absent': The choice state's condition path references an invalid "
            "value.");
}

TEST(ChoiceRuleTest, MissingVariableFailsEvenUnderNotAndIsNull) {
  auto r = Evaluate(R"({"Not": {"Variable": "$.absent", "IsNull": true}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().error, kStatesRuntime);
}

TEST(ChoiceRuleTest, MissingPathOperandIsARuntimeFailure) {
  auto r = Evaluate(R"({"Variable": "$.n", "NumericEqualsPath": "$.absent"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().error, kStatesRuntime);
  EXPECT_NE(r.failure().cause.find("'$.absent'"), std::string::npos) << r.failure().cause;
}

TEST(ChoiceRuleTest, VariablesAndNestedPathsCanBeCompared) {
  ExpectCases({
      {R"({"Variable": "$limit", "NumericEquals": 5})", true},
      {R"({"Variable": "$.s", "StringEqualsPath": "$name"})", true},
      {R"({"Variable": "$.obj.k", "NumericEquals": 1})", true},
      {R"({"Variable": "$.arr[1]", "NumericEquals": 2})", true},
  });
}

TEST(ChoiceRuleTest, TopLevelRuleKeepsNextAndAssign) {
  auto rule = ChoiceRule::Compile(
      J(R"({"Variable": "$.n", "NumericEquals": 5, "Next": "Five", "Assign": {"hit": true}})"),
      true);
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(rule->next, "Five");
  EXPECT_TRUE(rule->assign.has_value());
  EXPECT_EQ(rule->kind, ChoiceRule::Kind::kComparison);
  EXPECT_EQ(rule->op, ChoiceOp::kNumericEquals);
  EXPECT_EQ(rule->variable->text(), "$.n");
}

TEST(ChoiceRuleTest, CompileRefusesRulesWithoutOperatorOrVariable) {
  EXPECT_FALSE(ChoiceRule::Compile(J(R"({"Variable": "$.n"})"), false).ok());
  EXPECT_FALSE(ChoiceRule::Compile(J(R"({"NumericEquals": 1})"), false).ok());
  EXPECT_FALSE(ChoiceRule::Compile(J(R"({"Variable": "$.a[", "IsNull": true})"), false).ok());
  EXPECT_FALSE(ChoiceRule::Compile(J(R"({"And": {}})"), false).ok());
  EXPECT_FALSE(ChoiceRule::Compile(J("[]"), false).ok());
}

}  // namespace
}  // namespace tactus::asl
