#include "asl/payload.h"

#include <gtest/gtest.h>

#include <string>

#include "common/random.h"

namespace tactus::asl {
namespace {

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

class PayloadTemplateTest : public ::testing::Test {
 protected:
  PayloadTemplateTest()
      : input_(J(R"({"name": "Ada", "n": 3, "items": [{"id": 1}, {"id": 2}, {"x": 0}],
                     "nested": {"deep": [10, 20]}})")),
        context_(J(R"({"Execution": {"Id": "arn:exec", "Name": "run-1"},
                       "State": {"Name": "S"}})")),
        variables_(J(R"({"greeting": "hi", "cfg": {"limit": 5}})").as_object()) {}

  PathScope Scope() const { return PathScope{&input_, &context_, &variables_}; }

  // Compiles and applies `tmpl`; returns the serialized result, or "FAIL <error>: <cause>".
  std::string Apply(std::string_view tmpl) {
    auto compiled = PayloadTemplate::Compile(J(tmpl));
    if (!compiled.ok()) return "COMPILE " + compiled.status().message();
    auto r = compiled->Apply(Scope(), random_);
    if (!r.ok()) return "FAIL " + r.failure().error + ": " + r.failure().cause;
    return common::SerializeJson(r.value());
  }

  json::value input_;
  json::value context_;
  json::object variables_;
  common::SeededRandom random_{7};
};

TEST_F(PayloadTemplateTest, CopiesLiteralsUnchanged) {
  EXPECT_EQ(Apply(R"({"a": 1, "b": "two", "c": [true, null, 2.5], "d": {"e": {}}})"),
            R"({"a":1,"b":"two","c":[true,null,2.5],"d":{"e":{}}})");
  EXPECT_EQ(Apply(R"("just a string")"), R"("just a string")");
  EXPECT_EQ(Apply("[1, 2, 3]"), "[1,2,3]");
  EXPECT_EQ(Apply("null"), "null");
}

TEST_F(PayloadTemplateTest, LiteralDollarValuesWithoutSuffixAreNotPaths) {
  EXPECT_EQ(Apply(R"({"a": "$.name", "b": "$$.Execution.Id"})"),
            R"({"a":"$.name","b":"$$.Execution.Id"})");
}

TEST_F(PayloadTemplateTest, DollarKeysSelectFromInput) {
  EXPECT_EQ(Apply(R"({"who.$": "$.name", "all.$": "$.nested", "first.$": "$.nested.deep[0]"})"),
            R"({"who":"Ada","all":{"deep":[10,20]},"first":10})");
}

TEST_F(PayloadTemplateTest, DollarAloneSelectsTheWholeInput) {
  EXPECT_EQ(Apply(R"({"in.$": "$"})"), "{\"in\":" + common::SerializeJson(input_) + "}");
}

TEST_F(PayloadTemplateTest, DoubleDollarSelectsFromContext) {
  EXPECT_EQ(Apply(R"({"id.$": "$$.Execution.Id", "state.$": "$$.State.Name"})"),
            R"({"id":"arn:exec","state":"S"})");
}

TEST_F(PayloadTemplateTest, VariableReferencesSelectFromVariables) {
  EXPECT_EQ(Apply(R"({"g.$": "$greeting", "limit.$": "$cfg.limit"})"), R"({"g":"hi","limit":5})");
}

TEST_F(PayloadTemplateTest, IntrinsicValuesAreEvaluated) {
  EXPECT_EQ(Apply(R"j({"msg.$": "States.Format('Hello, {}! n={}', $.name, $.n)",
                      "sum.$": "States.MathAdd($.n, 4)",
                      "arr.$": "States.Array($greeting, $$.Execution.Name)"})j"),
            R"({"msg":"Hello, Ada! n=3","sum":7,"arr":["hi","run-1"]})");
}

TEST_F(PayloadTemplateTest, NestedObjectsAndArraysAreResolvedAtEveryDepth) {
  EXPECT_EQ(Apply(R"({"outer": {"inner": {"n.$": "$.n", "lit": "x"}},
                      "list": [{"who.$": "$.name"}, 5, [{"g.$": "$greeting"}]]})"),
            R"({"outer":{"inner":{"n":3,"lit":"x"}},"list":[{"who":"Ada"},5,[{"g":"hi"}]]})");
}

TEST_F(PayloadTemplateTest, DefinitePathSelectingNothingFailsWithAwsText) {
  input_ = J(R"({"y": 1})");
  EXPECT_EQ(Apply(R"({"a.$": "$.x"})"),
            "FAIL States.Runtime: The JSONPath '$.x' specified for the field 'a.$' could not be "
            "found in the input '{\"y\":1}'");
}

TEST_F(PayloadTemplateTest, MissingPathFailureNamesTheNestedField) {
  EXPECT_EQ(Apply(R"({"outer": {"b.$": "$.missing.deeper"}})"),
            "FAIL States.Runtime: The JSONPath '$.missing.deeper' specified for the field 'b.$' "
            "could not be found in the input '" +
                common::SerializeJson(input_) + "'");
}

TEST_F(PayloadTemplateTest, UndefinedVariableFails) {
  std::string out = Apply(R"({"v.$": "$nope"})");
  EXPECT_EQ(out.rfind("FAIL States.Runtime: The JSONPath '$nope' specified for the field 'v.$'", 0),
            0u)
      << out;
}

TEST_F(PayloadTemplateTest, IndefinitePathYieldsAnArray) {
  EXPECT_EQ(Apply(R"({"ids.$": "$.items[*].id"})"), R"({"ids":[1,2]})");
  EXPECT_EQ(Apply(R"({"none.$": "$.items[*].missing"})"), R"({"none":[]})");
  EXPECT_EQ(Apply(R"({"found.$": "$..deep[1]"})"), R"({"found":[20]})");
}

TEST_F(PayloadTemplateTest, IntrinsicFailuresPassThrough) {
  std::string out = Apply(R"j({"x.$": "States.ArrayGetItem(States.Array(), 0)"})j");
  EXPECT_EQ(out.rfind("FAIL States.IntrinsicFailure: ", 0), 0u) << out;
}

TEST_F(PayloadTemplateTest, CompileRefusesBadPathNamingTheField) {
  auto t = PayloadTemplate::Compile(J(R"({"ok": 1, "bad.$": "$.a["})"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message().rfind("field 'bad.$': ", 0), 0u) << t.status().message();
}

TEST_F(PayloadTemplateTest, CompileRefusesBadIntrinsicNamingTheField) {
  auto t = PayloadTemplate::Compile(J(R"({"deep": {"f.$": "States.Format('x'"}})"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("field 'f.$': ", 0), 0u) << t.status().message();
}

TEST_F(PayloadTemplateTest, CompileRefusesNonStringDollarValue) {
  auto t = PayloadTemplate::Compile(J(R"({"n.$": 5})"));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("field 'n.$'"), std::string::npos) << t.status().message();
}

TEST_F(PayloadTemplateTest, ApplyingTwiceGivesTheSameResult) {
  auto t = PayloadTemplate::Compile(J(R"({"a.$": "$.n", "b": [1]})"));
  ASSERT_TRUE(t.ok());
  auto first = t->Apply(Scope(), random_);
  auto second = t->Apply(Scope(), random_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(common::SerializeJson(first.value()), common::SerializeJson(second.value()));
}

// ---- DynamicValue ----

class DynamicValueTest : public PayloadTemplateTest {};

TEST_F(DynamicValueTest, PathYieldsItsValue) {
  auto d = DynamicValue::Compile("$.nested.deep[1]");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->IsPath());
  EXPECT_EQ(d->text(), "$.nested.deep[1]");
  auto r = d->Evaluate(Scope(), random_);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value().has_value());
  EXPECT_EQ(common::SerializeJson(*r.value()), "20");
}

TEST_F(DynamicValueTest, PathSelectingNothingYieldsNulloptNotAFailure) {
  auto d = DynamicValue::Compile("$.absent");
  ASSERT_TRUE(d.ok());
  auto r = d->Evaluate(Scope(), random_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().has_value());
}

TEST_F(DynamicValueTest, ContextAndVariablePaths) {
  auto ctx = DynamicValue::Compile("$$.Execution.Name");
  auto var = DynamicValue::Compile("$cfg");
  ASSERT_TRUE(ctx.ok() && var.ok());
  auto a = ctx->Evaluate(Scope(), random_);
  auto b = var->Evaluate(Scope(), random_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(common::SerializeJson(*a.value()), R"("run-1")");
  EXPECT_EQ(common::SerializeJson(*b.value()), R"({"limit":5})");
}

TEST_F(DynamicValueTest, IntrinsicCallYieldsItsResult) {
  auto d = DynamicValue::Compile("States.Format('{}-{}', $.name, $greeting)");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->IsPath());
  auto r = d->Evaluate(Scope(), random_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(common::SerializeJson(*r.value()), R"("Ada-hi")");
}

TEST_F(DynamicValueTest, IntrinsicCallYieldsItsFailure) {
  auto d = DynamicValue::Compile("States.StringToJson('{not json')");
  ASSERT_TRUE(d.ok());
  auto r = d->Evaluate(Scope(), random_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().error, kStatesIntrinsicFailure);
}

TEST_F(DynamicValueTest, UuidComesFromTheInjectedRandom) {
  auto d = DynamicValue::Compile("States.UUID()");
  ASSERT_TRUE(d.ok());
  common::SeededRandom a(99), b(99);
  auto x = d->Evaluate(Scope(), a);
  auto y = d->Evaluate(Scope(), b);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(common::SerializeJson(*x.value()), common::SerializeJson(*y.value()));
}

TEST_F(DynamicValueTest, CompileRefusesBadText) {
  EXPECT_FALSE(DynamicValue::Compile("$.a[").ok());
  EXPECT_FALSE(DynamicValue::Compile("States.Format(").ok());
  EXPECT_FALSE(DynamicValue::Compile("not a path").ok());
}

}  // namespace
}  // namespace tactus::asl
