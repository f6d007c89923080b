// JSONPath roots from a PathScope, normalized text, and Assign.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "asl/jsonpath.h"
#include "asl/jsonpath_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// ----- Evaluate(PathScope)

TEST(JsonPathScopeTest, PicksTheRoot) {
  json::value input = Json(R"({"a": "in"})");
  json::value context = Json(R"({"Execution": {"Id": "arn:x"}, "a": "ctx"})");
  json::object vars = Json(R"({"myVar": {"field": [10, 20]}, "n": null})").as_object();
  PathScope scope{&input, &context, &vars};

  auto eval = [&](std::string_view path) {
    std::optional<json::value> v = Path(path).Evaluate(scope);
    return v ? common::SerializeJson(*v) : "<none>";
  };
  EXPECT_EQ(eval("$.a"), "\"in\"");
  EXPECT_EQ(eval("$"), R"({"a":"in"})");
  EXPECT_EQ(eval("$$.a"), "\"ctx\"");
  EXPECT_EQ(eval("$$.Execution.Id"), "\"arn:x\"");
  EXPECT_EQ(eval("$$.Execution.Input.no_such_jsonpath"), "<none>");
  EXPECT_EQ(eval("$myVar.field[1]"), "20");
  EXPECT_EQ(eval("$myVar"), R"({"field":[10,20]})");
  EXPECT_EQ(eval("$myVar.field[*]"), "[10,20]");
  EXPECT_EQ(eval("$n"), "null");
  EXPECT_EQ(eval("$noSuchVar"), "<none>");
  EXPECT_EQ(eval("$noSuchVar.noSuchMember"), "<none>");
  EXPECT_EQ(eval("$noSuchVar[*]"), "<none>");  // missing root, even for indefinite paths

  PathScope empty;
  EXPECT_EQ(Path("$.a").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$$.a").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$v").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$[*]").Evaluate(empty), std::nullopt);
}

// ----- NormalizedText

TEST(JsonPathNormalizedTest, JaywayForm) {
  EXPECT_EQ(Path("$").NormalizedText(), "$");
  EXPECT_EQ(Path("$.a.b[0]").NormalizedText(), "$['a']['b'][0]");
  EXPECT_EQ(Path("$.NoSuchInputPath").NormalizedText(), "$['NoSuchInputPath']");
  EXPECT_EQ(Path("$[\"a\"][-1]").NormalizedText(), "$['a'][-1]");
  EXPECT_EQ(Path("$.a[*].b").NormalizedText(), "$['a'][*]['b']");
  EXPECT_EQ(Path("$.*").NormalizedText(), "$[*]");
  EXPECT_EQ(Path("$..name").NormalizedText(), "$..['name']");
  EXPECT_EQ(Path("$..*").NormalizedText(), "$..[*]");
  EXPECT_EQ(Path("$..[0]").NormalizedText(), "$..[0]");
  EXPECT_EQ(Path("$.a[0,2]").NormalizedText(), "$['a'][0,2]");
  EXPECT_EQ(Path("$[ 'a' , 'b' ]").NormalizedText(), "$['a','b']");
  EXPECT_EQ(Path("$.a[1:3]").NormalizedText(), "$['a'][1:3]");
  EXPECT_EQ(Path("$.a[:2]").NormalizedText(), "$['a'][:2]");
  EXPECT_EQ(Path("$.a[-2:]").NormalizedText(), "$['a'][-2:]");
  EXPECT_EQ(Path("$.a[::2]").NormalizedText(), "$['a'][::2]");
  EXPECT_EQ(Path("$.a[?(@.b < 1)].c").NormalizedText(), "$['a'][?]['c']");
  EXPECT_EQ(Path("$$.Execution.Input.x").NormalizedText(), "$['Execution']['Input']['x']");
  EXPECT_EQ(Path("$myVar.x[0]").NormalizedText(), "$myVar['x'][0]");
}

// ----- Assign

using common::Status;

std::string AssignResult(std::string_view doc_text, std::string_view path, std::string_view v) {
  json::value doc = Json(doc_text);
  Status s = Path(path).Assign(&doc, Json(v));
  if (!s.ok()) return "error: " + s.message() + " | doc: " + common::SerializeJson(doc);
  return common::SerializeJson(doc);
}

TEST(JsonPathAssignTest, StoresValues) {
  EXPECT_EQ(AssignResult(R"({"a":1})", "$", R"({"r":2})"), R"({"r":2})");
  EXPECT_EQ(AssignResult(R"("scalar")", "$", "[1]"), "[1]");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$.b", "2"), R"({"a":1,"b":2})");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$.a", "[3]"), R"({"a":[3]})");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$['a b']", "3"), R"({"a":1,"a b":3})");
  EXPECT_EQ(AssignResult(R"({"a":{"x":1}})", "$.a.y", "2"), R"({"a":{"x":1,"y":2}})");
  EXPECT_EQ(AssignResult(R"({"a":[1,{"b":2}]})", "$.a[1].c", "3"), R"({"a":[1,{"b":2,"c":3}]})");
  EXPECT_EQ(AssignResult(R"({"a":[1,2]})", "$.a[1]", "\"x\""), R"({"a":[1,"x"]})");
  EXPECT_EQ(AssignResult("[1,2]", "$[0]", "9"), "[9,2]");
}

TEST(JsonPathAssignTest, CreatesMissingIntermediateObjects) {
  EXPECT_EQ(AssignResult("{}", "$.a.b.c", "1"), R"({"a":{"b":{"c":1}}})");
  EXPECT_EQ(AssignResult(R"({"a":{}})", "$.a.b.c", "1"), R"({"a":{"b":{"c":1}}})");
  EXPECT_EQ(AssignResult(R"({"r":{"x":1}})", "$.r.merged", R"({"y":2})"),
            R"({"r":{"x":1,"merged":{"y":2}}})");
}

TEST(JsonPathAssignTest, FailsWithoutTouchingTheDocument) {
  EXPECT_EQ(AssignResult(R"({"a":"str"})", "$.a.b", "1"),
            "error: cannot assign to path '$.a.b': '$['a']' is a string, not an object | doc: "
            R"({"a":"str"})");
  EXPECT_EQ(AssignResult(R"({"a":null})", "$.a.b", "1"),
            "error: cannot assign to path '$.a.b': '$['a']' is null, not an object | doc: "
            R"({"a":null})");
  EXPECT_EQ(AssignResult("[1]", "$.x", "1"),
            "error: cannot assign to path '$.x': '$' is an array, not an object | doc: [1]");
  EXPECT_EQ(AssignResult("\"s\"", "$.x", "1"),
            "error: cannot assign to path '$.x': '$' is a string, not an object | doc: \"s\"");
  EXPECT_EQ(AssignResult(R"({"a":[1]})", "$.a[1]", "1"),
            "error: cannot assign to path '$.a[1]': '$['a']' is an array without index 1 | doc: "
            R"({"a":[1]})");
  EXPECT_EQ(AssignResult(R"({"a":{}})", "$.a[0]", "1"),
            "error: cannot assign to path '$.a[0]': '$['a']' is an object, not an array | doc: "
            R"({"a":{}})");
  EXPECT_EQ(AssignResult(R"({})", "$.a.b[0]", "1"),
            "error: cannot assign to path '$.a.b[0]': '$['a']' does not exist | doc: {}");
  EXPECT_EQ(AssignResult(R"({"x":{"y":1}})", "$.x.y.z", "1"),
            "error: cannot assign to path '$.x.y.z': '$['x']['y']' is a number, not an object | "
            R"(doc: {"x":{"y":1}})");
}

}  // namespace
}  // namespace tactus::asl
