// Intrinsic functions on strings, JSON and arrays, plus States.UUID.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "asl/intrinsics.h"
#include "asl/intrinsics_test_util.h"
#include "common/json.h"
#include "common/random.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// --- States.Format ---

TEST_F(IntrinsicsTest, FormatInsertsStringsRawAndOtherScalarsAsJson) {
  input_ = J(R"({"s": "q\"uote", "i": 7, "d": 2.5, "t": true, "n": null})");
  EXPECT_JSON(Ok("States.Format('{}|{}|{}|{}|{}|{}', $.s, $.i, $.d, $.t, $.n, false)"),
              R"("q\"uote|7|2.5|true|null|false")");
  EXPECT_JSON(Ok("States.Format('no placeholders')"), R"("no placeholders")");
  EXPECT_JSON(Ok("States.Format('{}{}', 'a', 'b')"), R"("ab")");
}

TEST_F(IntrinsicsTest, FormatEscapedBracesAreText) {
  EXPECT_JSON(Ok(R"(States.Format('\{\} {} \{x\}', 1))"), R"("{} 1 {x}")");
  EXPECT_JSON(Ok(R"(States.Format('a\\{}', 1))"), R"("a\\1")");
  EXPECT_JSON(Ok("States.Format('{ } {x} }{')"), R"("{ } {x} }{")");
}

TEST_F(IntrinsicsTest, FormatTemplateFromData) {
  input_ = J(R"({"t": "Hello, my name is {}.", "name": "Arnav"})");
  EXPECT_JSON(Ok("States.Format($.t, $.name)"), R"("Hello, my name is Arnav.")");
  EXPECT_NE(Fails("States.Format($.name, 1)").find("0 placeholder(s)"), std::string::npos);
}

TEST_F(IntrinsicsTest, FormatErrors) {
  input_ = J(R"({"o": {"a": 1}, "a": [1]})");
  EXPECT_EQ(Fails("States.Format('{} {}', 1)"),
            "Invalid arguments in States.Format: the template has 2 placeholder(s) '{}' but 1 "
            "value(s) were given; pass one value per placeholder");
  EXPECT_NE(Fails("States.Format('{}', 1, 2)").find("1 placeholder(s) '{}' but 2 value(s)"),
            std::string::npos);
  EXPECT_NE(Fails("States.Format('{}', $.o)").find("argument 2 is an object"), std::string::npos);
  EXPECT_NE(Fails("States.Format('{}', $.a)").find("argument 2 is an array"), std::string::npos);
  EXPECT_EQ(Fails("States.Format(1)"),
            "Invalid arguments in States.Format: argument 1 (the template) must be a string, "
            "got a number");
}

// --- JSON functions ---

TEST_F(IntrinsicsTest, StringToJson) {
  EXPECT_JSON(Ok(R"(States.StringToJson('{"a": [1, 2.5, "x"], "b": null}'))"),
              R"({"a":[1,2.5,"x"],"b":null})");
  EXPECT_JSON(Ok("States.StringToJson('\t\n ')"), "null");
  EXPECT_JSON(Ok("States.StringToJson('-0')"), "0");
  EXPECT_JSON(Ok(R"(States.StringToJson('"HelloWorld"'))"), R"("HelloWorld")");
  EXPECT_NE(Fails("States.StringToJson('{bad')").find("the string is not valid JSON"),
            std::string::npos);
  EXPECT_EQ(Fails("States.StringToJson(1)"),
            "Invalid arguments in States.StringToJson: argument 1 (the JSON text) must be a "
            "string, got a number");
}

TEST_F(IntrinsicsTest, JsonToStringIsCompact) {
  input_ = J(R"({"x": {"a": [1, 2.0, "s"], "b": {"c": null}}})");
  EXPECT_JSON(Ok("States.JsonToString($.x)"), R"("{\"a\":[1,2.0,\"s\"],\"b\":{\"c\":null}}")");
  EXPECT_JSON(Ok("States.JsonToString('s')"), R"("\"s\"")");
  EXPECT_JSON(Ok("States.JsonToString(null)"), R"("null")");
  EXPECT_JSON(Ok("States.StringToJson(States.JsonToString($.x))"),
              common::SerializeJson(input_.at("x")));
}

TEST_F(IntrinsicsTest, JsonMergeIsShallow) {
  // test_json_merge's input (recorded against AWS).
  input_ = J(R"({"fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
                  "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}})");
  EXPECT_TRUE(common::JsonEquals(Ok("States.JsonMerge($.fst, $.snd, false)"),
                                 J(R"({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})")));
}

TEST_F(IntrinsicsTest, JsonMergeErrors) {
  input_ = J(R"({"o": {}, "t": true})");
  EXPECT_EQ(Fails("States.JsonMerge($.o, $.o, $.t)"),
            "Invalid arguments in States.JsonMerge: deep merge (true) is not supported; pass "
            "false for a shallow merge");
  EXPECT_NE(Fails("States.JsonMerge($.o, $.o, 'false')").find("argument 3 (the deep-merge flag)"),
            std::string::npos);
  EXPECT_NE(Fails("States.JsonMerge(1, $.o, false)").find("argument 1"), std::string::npos);
  EXPECT_NE(Fails("States.JsonMerge($.o, States.Array(), false)").find("got an array"),
            std::string::npos);
}

// --- Arrays ---

TEST_F(IntrinsicsTest, ArrayBuildsFromAnyValues) {
  input_ = J(R"({"o": {"k": [1]}})");
  EXPECT_JSON(Ok("States.Array($.o, States.Array(), 'x', 1.5)"), R"([{"k":[1]},[],"x",1.5])");
}

TEST_F(IntrinsicsTest, ArrayPartition) {
  input_ = J(R"({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]})");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 4)"), "[[1,2,3,4],[5,6,7,8],[9]]");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 4.0)"), "[[1,2,3,4],[5,6,7,8],[9]]");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 9223372036854775807)"), "[[1,2,3,4,5,6,7,8,9]]");
  EXPECT_EQ(Fails("States.ArrayPartition($.a, 0)"),
            "Invalid arguments in States.ArrayPartition: argument 2 (the chunk size) must be a "
            "positive integer, got 0");
  EXPECT_NE(Fails("States.ArrayPartition($.a, -1)").find("positive integer"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition($.a, 1.5)").find("got 1.5"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition($.a, '2')").find("got \"2\""), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition('abc', 2)").find("must be an array, got a string"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayContainsUsesJsonEquality) {
  input_ = J(R"({"a": [1, "x", {"k": [1, 2]}, null]})");
  EXPECT_JSON(Ok("States.ArrayContains($.a, 1.0)"), "true");
  EXPECT_JSON(Ok(R"(States.ArrayContains($.a, States.StringToJson('{"k":[1,2]}')))"), "true");
  EXPECT_JSON(Ok("States.ArrayContains($.a, null)"), "true");
  EXPECT_JSON(Ok("States.ArrayContains($.a, '1')"), "false");
  EXPECT_JSON(Ok("States.ArrayContains($.a, true)"), "false");
  EXPECT_NE(Fails("States.ArrayContains('x', 'x')").find("must be an array"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayRange) {
  EXPECT_JSON(Ok("States.ArrayRange(1, 9, 2)"), "[1,3,5,7,9]");
  EXPECT_JSON(Ok("States.ArrayRange(10, 1, -3)"), "[10,7,4,1]");
  EXPECT_JSON(Ok("States.ArrayRange(5, 5, 1)"), "[5]");
  EXPECT_JSON(Ok("States.ArrayRange(5, 1, 1)"), "[]");
  EXPECT_JSON(Ok("States.ArrayRange(1, 5, -1)"), "[]");
  EXPECT_JSON(Ok("States.ArrayRange(-3, 3.0, 3)"), "[-3,0,3]");
  EXPECT_EQ(Ok("States.ArrayRange(0, 999, 1)").get_array().size(), 1000u);
  EXPECT_EQ(Fails("States.ArrayRange(0, 1000, 1)"),
            "Invalid arguments in States.ArrayRange: the range would hold 1001 items; at most "
            "1000 are allowed");
  EXPECT_NE(
      Fails("States.ArrayRange(-9223372036854775807, 9223372036854775807, 1)").find("at most 1000"),
      std::string::npos);
  EXPECT_EQ(Fails("States.ArrayRange(1, 2, 0)"),
            "Invalid arguments in States.ArrayRange: argument 3 (the step) must not be 0");
  EXPECT_NE(Fails("States.ArrayRange(1.5, 2, 1)").find("argument 1 (the start) must be an integer"),
            std::string::npos);
  EXPECT_NE(Fails("States.ArrayRange(1, 'x', 1)").find("argument 2 (the end)"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayGetItem) {
  input_ = J(R"({"a": [1, 2, 3]})");
  EXPECT_JSON(Ok("States.ArrayGetItem($.a, 0)"), "1");
  EXPECT_JSON(Ok("States.ArrayGetItem($.a, 2.0)"), "3");
  EXPECT_EQ(Fails("States.ArrayGetItem($.a, 3)"),
            "Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array "
            "of 3 item(s)");
  EXPECT_NE(Fails("States.ArrayGetItem($.a, -1)").find("non-negative integer, got -1"),
            std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem($.a, 0.5)").find("got 0.5"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem($.a, null)").find("got null"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem('abc', 0)").find("must be an array"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayLength) {
  EXPECT_JSON(Ok("States.ArrayLength(States.Array())"), "0");
  EXPECT_EQ(Fails("States.ArrayLength('abc')"),
            "Invalid arguments in States.ArrayLength: argument 1 (the array) must be an array, "
            "got a string");
}

TEST_F(IntrinsicsTest, ArrayUnique) {
  // test_array_unique's input (recorded against AWS).
  input_ = J(R"({"a": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld",
      "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2},
      {"a": 1, "b": 1}]})");
  EXPECT_JSON(Ok("States.ArrayUnique($.a)"),
              R"([null,true,false,1,1.1,0,"HelloWorld",[],[null],{"a":1,"b":2},{"a":1,"b":1}])");
  input_ = J(R"({"a": [1, 1.0, {"x": 1, "y": 2}, {"y": 2, "x": 1}, "1", [1, 2], [2, 1]]})");
  EXPECT_JSON(Ok("States.ArrayUnique($.a)"), R"([1,{"x":1,"y":2},"1",[1,2],[2,1]])");
  EXPECT_NE(Fails("States.ArrayUnique(1)").find("must be an array"), std::string::npos);
}

// --- Strings and UUIDs ---

TEST_F(IntrinsicsTest, StringSplitOnAnyDelimiterCharacter) {
  EXPECT_JSON(Ok("States.StringSplit('a€b∑c€€', '∑€')"), R"(["a","b","c"])");
  EXPECT_JSON(Ok("States.StringSplit('a b', '')"), R"(["a b"])");
  EXPECT_JSON(Ok("States.StringSplit('', ',')"), "[]");
  EXPECT_JSON(Ok("States.StringSplit('é', '\xc3')"), R"(["é"])");  // code points, not bytes
  EXPECT_NE(Fails("States.StringSplit(1, ',')").find("argument 1 (the string)"), std::string::npos);
  EXPECT_NE(Fails("States.StringSplit('a', 1)").find("argument 2 (the delimiters)"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, UuidIsVersion4FromTheInjectedRandom) {
  json::value a = Ok("States.UUID()");
  json::value b = Ok("States.UUID()");
  ASSERT_TRUE(a.is_string());
  EXPECT_TRUE(std::regex_match(std::string(a.get_string()),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << a;
  EXPECT_NE(a, b);
  common::SeededRandom r1(5), r2(5);
  auto call = IntrinsicCall::Parse("States.UUID()");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->Evaluate(PathScope{}, r1).value(), call->Evaluate(PathScope{}, r2).value());
}

}  // namespace
}  // namespace tactus::asl
