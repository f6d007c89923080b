// Intrinsic calls: parsing, arity and syntax errors, bounds, and path arguments.
#include "asl/intrinsics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "asl/intrinsics_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// --- Parsing ---

TEST_F(IntrinsicsTest, LooksLikeCall) {
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("States.Format('x')"));
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("States.Nope()"));
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("  States.UUID()"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("$.States.Format"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("States."));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("States.(1)"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("states.Format('x')"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall(""));
}

TEST_F(IntrinsicsTest, TextIsTheCallersText) {
  auto call = IntrinsicCall::Parse(" States.Array( 1 ) ");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->text(), " States.Array( 1 ) ");
}

TEST_F(IntrinsicsTest, WhitespaceAroundArguments) {
  EXPECT_JSON(Ok("  States.Array( 1 ,\t'a' ,\n true,null , false )  "),
              R"([1,"a",true,null,false])");
  EXPECT_JSON(Ok("States.Array ()"), "[]");
}

TEST_F(IntrinsicsTest, LiteralNumbers) {
  EXPECT_JSON(Ok("States.Array(0, -1, 42, 1.5, -2.25, 1e3, 9223372036854775807)"),
              "[0,-1,42,1.5,-2.25,1000.0,9223372036854775807]");
  // Beyond int64 the number becomes a double, as JSON parsers do.
  EXPECT_TRUE(Ok("States.Array(9223372036854775808)").get_array()[0].is_double());
}

TEST_F(IntrinsicsTest, StringLiteralEscapes) {
  EXPECT_JSON(Ok(R"(States.Array('it\'s', 'a\\b', '\{\}', 'x\ny'))"),
              R"(["it's", "a\\b", "{}", "x\\ny"])");
  EXPECT_JSON(Ok("States.Array('', ' ', ',', ')', '$.a', 'States.UUID()')"),
              R"json(["", " ", ",", ")", "$.a", "States.UUID()"])json");
}

TEST_F(IntrinsicsTest, UnknownFunction) {
  EXPECT_NE(ParseError("States.Nope(1)").find("unknown function 'States.Nope'"), std::string::npos);
  EXPECT_NE(ParseError("States.array()").find("unknown function"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(States.Foo())").find("'States.Foo'"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArityIsCheckedAtParseTime) {
  const std::vector<std::string> bad = {"States.Format()",
                                        "States.StringToJson()",
                                        "States.StringToJson(1, 2)",
                                        "States.JsonToString()",
                                        "States.ArrayPartition($)",
                                        "States.ArrayContains($)",
                                        "States.ArrayRange(1, 2)",
                                        "States.ArrayGetItem($)",
                                        "States.ArrayLength($, 1)",
                                        "States.ArrayUnique()",
                                        "States.Base64Encode()",
                                        "States.Base64Decode('', '')",
                                        "States.Hash('a')",
                                        "States.JsonMerge($, $)",
                                        "States.MathRandom(1)",
                                        "States.MathRandom(1, 2, 3, 4)",
                                        "States.MathAdd(1)",
                                        "States.StringSplit('a')",
                                        "States.UUID(1)"};
  for (const auto& expr : bad) {
    EXPECT_NE(ParseError(expr).find("takes"), std::string::npos) << expr;
  }
  EXPECT_NE(ParseError("States.MathAdd(1)").find("States.MathAdd takes 2 arguments, got 1"),
            std::string::npos);
  EXPECT_NE(ParseError("States.MathRandom(1)").find("takes 2 or 3 arguments"), std::string::npos);
  EXPECT_NE(ParseError("States.Format()").find("takes at least 1 argument,"), std::string::npos);
}

TEST_F(IntrinsicsTest, SyntaxErrorsNameThePosition) {
  EXPECT_NE(ParseError("States.Array('abc").find("unterminated string literal"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1, 2").find("missing ')'"), std::string::npos);
  EXPECT_NE(
      ParseError("States.Array(1 2)").find("expected ',' or ')' but found '2' at position 15"),
      std::string::npos);
  EXPECT_NE(ParseError("States.Array(1) x").find("unexpected text after"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1,)").find("at position 15"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(,1)").find("unexpected character ','"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(yes)").find("unexpected word 'yes'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(True)").find("unexpected word 'True'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array").find("expected '('"), std::string::npos);
  EXPECT_NE(ParseError("$.a").find("starting with 'States.'"), std::string::npos);
  EXPECT_NE(ParseError("").find("starting with 'States.'"), std::string::npos);
  for (const char* number : {"1.", "-", "1e", "1.2.3", "01x", "1e+", "--1", ".5"}) {
    ParseError(std::string("States.Array(") + number + ")");
  }
  EXPECT_NE(ParseError("States.Array(1e999)").find("number out of range"), std::string::npos);
}

TEST_F(IntrinsicsTest, InvalidPathArgumentIsAParseError) {
  EXPECT_NE(ParseError("States.Array($.a[)").find("invalid JSONPath argument"), std::string::npos);
  EXPECT_NE(ParseError("States.Array($.a['x)").find("unterminated quote"), std::string::npos);
}

TEST_F(IntrinsicsTest, DeepMergeLiteralIsRejectedAtParseTime) {
  EXPECT_NE(ParseError("States.JsonMerge($.a, $.b, true)").find("deep merge"), std::string::npos);
}

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "States.Array(";
  s += "1";
  for (int i = 0; i < depth; ++i) s += ")";
  return s;
}

TEST_F(IntrinsicsTest, NestingUpToTenLevels) {
  json::value v = Ok(Nested(kMaxIntrinsicNesting));
  for (int i = 0; i < kMaxIntrinsicNesting; ++i) {
    ASSERT_TRUE(v.is_array());
    json::value inner = v.get_array()[0];
    v = inner;
  }
  EXPECT_JSON(v, "1");
  EXPECT_NE(ParseError(Nested(kMaxIntrinsicNesting + 1)).find("nest more than 10 levels"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, DocumentedExampleWithNineCalls) {
  input_ = J(R"({"ImageRecipe": {"Arn":
      "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/recipe.name/1.0.1"}})");
  EXPECT_JSON(Ok("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit("
                 "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), "
                 "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit("
                 "$.ImageRecipe.Arn, '/'), 2), '.'), 1))"),
              R"("1.0")");
}

TEST_F(IntrinsicsTest, HugeInputsAreBounded) {
  // Deep parentheses stop at the nesting limit instead of recursing.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "States.Array(";
  EXPECT_NE(ParseError(deep).find("nest more than"), std::string::npos);
  std::string parens = "States.Array(" + std::string(100000, '(') + ")";
  ParseError(parens);
  std::string brackets = "States.Array($" + std::string(100000, '[') + ")";
  ParseError(brackets);
  // A 100k-character literal and 30k arguments parse and evaluate in linear time.
  std::string big(100000, 'x');
  EXPECT_EQ(Ok("States.Format('" + big + "')").get_string().size(), big.size());
  std::string many = "States.Array(";
  for (int i = 0; i < 30000; ++i) many += "1,";
  many += "1)";
  EXPECT_EQ(Ok(many).get_array().size(), 30001u);
  // The error message quotes a bounded prefix of the text.
  EXPECT_LT(ParseError("States.Array(" + big).size(), 400u);
  EXPECT_LT(ParseError("States.Array($." + big + "[)").size(), 800u);
  EXPECT_LT(ParseError("States." + big + "()").size(), 400u);
}

// --- Path arguments ---

TEST_F(IntrinsicsTest, PathsIntoInputContextAndVariables) {
  input_ = J(R"({"a": {"b": [10, 20]}})");
  context_ = J(R"({"Execution": {"Name": "exec"}})");
  variables_["v"] = J(R"({"w": "x"})");
  EXPECT_JSON(Ok("States.Array($.a.b[1], $$.Execution.Name, $v.w, $v, $)"),
              R"([20, "exec", "x", {"w": "x"}, {"a": {"b": [10, 20]}}])");
}

TEST_F(IntrinsicsTest, PathsWithBracketsFiltersAndQuotedNames) {
  input_ =
      J(R"({"a": [{"x": 1}, {"x": 5}, {"x": 9}], "b c": "sp", "p)q": "paren", "n": {"x": 2}})");
  EXPECT_JSON(Ok("States.ArrayLength($.a[?(@.x > 1)])"), "2");
  EXPECT_JSON(Ok("States.Array($['b c'], $['p)q'], $.a[-1].x)"), R"(["sp","paren",9])");
  EXPECT_JSON(Ok("States.Array( $.a[0:2] , $..n.x )"), R"([[{"x":1},{"x":5}],[2]])");
  // An indefinite path that matches nothing yields an empty array, not an error.
  EXPECT_JSON(Ok("States.ArrayLength($.a[?(@.x > 100)])"), "0");
}

TEST_F(IntrinsicsTest, PathThatSelectsNothingIsARuntimeError) {
  input_ = J(R"({"a": 1})");
  EXPECT_EQ(Fails("States.Array($.missing)", kStatesRuntime),
            "The JsonPath argument for the field '$.missing' could not be found in the input "
            "'{\"a\":1}'");
  EXPECT_EQ(Fails("States.Format('{}', $$.Nope)", kStatesRuntime),
            "The JsonPath argument for the field '$$.Nope' could not be found in the input '{}'");
  EXPECT_EQ(Fails("States.Array($undefinedVar)", kStatesRuntime),
            "The JsonPath argument for the field '$undefinedVar' could not be found in the input "
            "'null'");
  // Inside a nested call too, and before the function runs.
  EXPECT_EQ(Fails("States.ArrayLength(States.Array($.a, $.b))", kStatesRuntime).substr(0, 52),
            "The JsonPath argument for the field '$.b' could not ");
}

TEST_F(IntrinsicsTest, NestedFailurePropagates) {
  EXPECT_NE(
      Fails("States.Array(States.ArrayGetItem(States.Array(), 0))").find("States.ArrayGetItem"),
      std::string::npos);
}

TEST_F(IntrinsicsTest, ParsedCallIsReusable) {
  auto call = IntrinsicCall::Parse("States.Format('{}!', $.x)");
  ASSERT_TRUE(call.ok());
  for (int i = 0; i < 3; ++i) {
    json::value in = json::object{{"x", i}};
    auto r = call->Evaluate(PathScope{&in, nullptr, nullptr}, random_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), json::value(std::to_string(i) + "!"));
  }
}

}  // namespace
}  // namespace tactus::asl
