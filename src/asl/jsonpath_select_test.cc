// JSONPath evaluation: definite and indefinite paths, deep scans and Select.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asl/jsonpath.h"
#include "asl/jsonpath_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// ----- Evaluate: definite paths

TEST_F(JsonPathTest, DefinitePathsReturnTheNodeOrNothing) {
  EXPECT_EQ(Eval("$", store_), common::SerializeJson(store_));
  EXPECT_EQ(Eval("$.expensive", store_), "10");
  EXPECT_EQ(Eval("$.store.bicycle.color", store_), "\"red\"");
  EXPECT_EQ(Eval("$['store']['bicycle']['color']", store_), "\"red\"");
  EXPECT_EQ(Eval("$[\"store\"].bicycle[\"price\"]", store_), "19.95");
  EXPECT_EQ(Eval("$.store.book[0].author", store_), "\"Nigel Rees\"");
  EXPECT_EQ(Eval("$.store.book[-1].author", store_), "\"J. R. R. Tolkien\"");
  EXPECT_EQ(Eval("$.store.book[-4].author", store_), "\"Nigel Rees\"");
  EXPECT_EQ(Eval("$.store.book[-5]", store_), "<none>");
  EXPECT_EQ(Eval("$.store.book[4]", store_), "<none>");
  EXPECT_EQ(Eval("$.NoSuchInputPath", store_), "<none>");
  EXPECT_EQ(Eval("$.store.bicycle.color.x", store_), "<none>");  // name on a string
  EXPECT_EQ(Eval("$.store[0]", store_), "<none>");               // index on an object
  EXPECT_EQ(Eval("$.store.book.author", store_), "<none>");      // name on an array
  EXPECT_EQ(Eval("$.a", Json("[1]")), "<none>");
  EXPECT_EQ(Eval("$[0]", Json("[7,8]")), "7");
}

TEST(JsonPathEvalTest, NamesWithSpecialCharacters) {
  json::value doc = Json(R"({"delivery-partner": 1, "a b": 2, "it's": 3, "ü": 4, "a$b": 5,
                             "x\\y": 6, "*": 7, "0": 8, "Test\\\"\"Name\"": "Value\"\\"})");
  EXPECT_EQ(Eval("$.delivery-partner", doc), "1");
  EXPECT_EQ(Eval("$['a b']", doc), "2");
  EXPECT_EQ(Eval("$['it\\'s']", doc), "3");
  EXPECT_EQ(Eval("$[\"it's\"]", doc), "3");
  EXPECT_EQ(Eval("$.ü", doc), "4");
  EXPECT_EQ(Eval("$['a$b']", doc), "5");
  EXPECT_EQ(Eval("$['x\\\\y']", doc), "6");
  EXPECT_EQ(Eval("$['*']", doc), "7");
  EXPECT_EQ(Eval("$.0", doc), "8");
  // Recorded from AWS: a backslash before a foreign quote stays literal.
  EXPECT_EQ(Eval(R"($['Test\""Name"'])", doc), R"("Value\"\\")");
}

// ----- Evaluate: indefinite paths

TEST_F(JsonPathTest, WildcardsAndUnions) {
  EXPECT_EQ(Eval("$.store.book[*].author", store_),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$.store.bicycle.*", store_), R"(["red",19.95])");
  EXPECT_EQ(Eval("$.store.bicycle[*]", store_), R"(["red",19.95])");
  EXPECT_EQ(Eval("$.expensive[*]", store_), "[]");
  EXPECT_EQ(Eval("$.missing[*]", store_), "[]");
  EXPECT_EQ(Eval("$.store.book[0,2].price", store_), "[8.95,8.99]");
  EXPECT_EQ(Eval("$.store.book[2,0].price", store_), "[8.99,8.95]");
  EXPECT_EQ(Eval("$.store.book[0,9,-1].price", store_), "[8.95,22.99]");
  EXPECT_EQ(Eval("$.store.book[0,0].price", store_), "[8.95,8.95]");
  EXPECT_EQ(Eval("$.store.bicycle['color','nope'].x", store_), "[]");
  EXPECT_EQ(Eval("$[*]", Json("[1,[2],{}]")), "[1,[2],{}]");
  EXPECT_EQ(Eval("$[*]", Json("3")), "[]");
}

TEST(JsonPathEvalTest, LeafNameUnionMergesLikeJayway) {
  json::value doc = Json(R"({"a": 1, "b": {"c": 2}, "d": 3, "arr": [{"a": 1}, 5, {"b": 2}]})");
  EXPECT_EQ(Eval("$['a','b']", doc), R"({"a":1,"b":{"c":2}})");
  EXPECT_EQ(Eval("$['a','zz']", doc), R"({"a":1})");
  EXPECT_EQ(Eval("$.d['a','b']", doc), "<none>");
  EXPECT_EQ(Eval("$.arr[*]['a','b']", doc), R"([{"a":1},{"b":2}])");
  // Not a leaf: the names are iterated.
  EXPECT_EQ(Eval("$['b','d'].c", doc), "[2]");
  // Select returns the member nodes themselves.
  std::vector<const json::value*> out;
  Path("$['a','d']").Select(doc, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], json::value(1));
  EXPECT_EQ(*out[1], json::value(3));
}

TEST(JsonPathEvalTest, Slices) {
  json::value doc = Json("{\"a\": [0, 1, 2, 3, 4, 5]}");
  EXPECT_EQ(Eval("$.a[1:3]", doc), "[1,2]");
  EXPECT_EQ(Eval("$.a[:2]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[-2:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$.a[4:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$.a[:-4]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[-100:2]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[3:100]", doc), "[3,4,5]");
  EXPECT_EQ(Eval("$.a[3:1]", doc), "[]");
  EXPECT_EQ(Eval("$.a[:]", doc), "[0,1,2,3,4,5]");
  EXPECT_EQ(Eval("$.a[::2]", doc), "[0,2,4]");
  EXPECT_EQ(Eval("$.a[1::2]", doc), "[1,3,5]");
  EXPECT_EQ(Eval("$.a[1:5:3]", doc), "[1,4]");
  EXPECT_EQ(Eval("$.a[::-1]", doc), "[5,4,3,2,1,0]");
  EXPECT_EQ(Eval("$.a[4:1:-2]", doc), "[4,2]");
  EXPECT_EQ(Eval("$.a[::9223372036854775807]", doc), "[0]");
  EXPECT_EQ(Eval("$.a[-9223372036854775808:]", doc), "[0,1,2,3,4,5]");
  EXPECT_EQ(Eval("$.a[::-9223372036854775807]", doc), "[5]");
  EXPECT_EQ(Eval("$.missing[1:]", doc), "[]");
  EXPECT_EQ(Eval("$[1:]", Json("{\"x\":1}")), "[]");
  EXPECT_EQ(Eval("$.a[1:].x", doc), "[]");
}

TEST_F(JsonPathTest, DeepScanVisitsNodesBeforeChildren) {
  EXPECT_EQ(Eval("$..author", store_),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$.store..price", store_), "[8.95,12.99,8.99,22.99,19.95]");
  EXPECT_EQ(Eval("$..book[2].title", store_), R"(["Moby Dick"])");
  EXPECT_EQ(Eval("$..book[-1:].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$..nothing", store_), "[]");

  json::value doc = Json(R"({"a": {"x": 1, "b": {"x": 2}}, "x": 3, "c": [{"x": 4}, [{"x": 5}]]})");
  EXPECT_EQ(Eval("$..x", doc), "[3,1,2,4,5]");
  EXPECT_EQ(Eval("$..*", Json(R"({"a": {"b": 1}, "c": [2, {"d": 3}]})")),
            R"([{"b":1},[2,{"d":3}],1,2,{"d":3},3])");
  EXPECT_EQ(Eval("$..[0]", doc), R"([{"x":4},{"x":5}])");
  EXPECT_EQ(Eval("$..['x','zz']", doc), "[3,1,2,4,5]");
  // The scan starts at the node itself, so the root object qualifies too.
  EXPECT_EQ(Eval("$.a..[?(@.x > 0)]", doc), R"([{"x":1,"b":{"x":2}},{"x":2}])");
  EXPECT_EQ(Eval("$.c..[?(@.x > 4)]", doc), R"([{"x":5}])");
  EXPECT_EQ(Eval("$.a..x", doc), "[1,2]");
}

TEST(JsonPathEvalTest, DeepScanOnVeryDeepDocuments) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "{\"n\":";
  text += "1";
  for (int i = 0; i < 500; ++i) text += "}";
  json::value doc = Json(text);
  std::optional<json::value> v = Path("$..n").Evaluate(doc);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->as_array().size(), 500u);

  // Built by hand, beyond ParseJson's depth limit.
  json::value deep = 1;
  for (int i = 0; i < 20000; ++i) {
    json::value wrapper = json::array();
    wrapper.as_array().push_back(std::move(deep));
    deep = std::move(wrapper);
  }
  std::vector<const json::value*> out;
  Path("$..[0]").Select(deep, &out);
  EXPECT_EQ(out.size(), 20000u);
  // Destroy iteratively: boost::json's destructor recurses.
  while (deep.is_array() && !deep.as_array().empty()) {
    json::value inner = std::move(deep.as_array()[0]);
    deep = std::move(inner);
  }
  v.reset();
}

TEST(JsonPathEvalTest, ExplosivePathsStopInsteadOfHanging) {
  json::value doc = Json(R"({"a": [[1, 2, [3, {"b": [4, 5]}]], {"c": {"d": [6, 7]}}]})");
  std::string path = "$";
  for (int i = 0; i < 12; ++i) path += "..*";
  std::vector<const json::value*> out;
  Path(path).Select(doc, &out);
  EXPECT_LE(out.size(), std::size_t{1} << 24);

  // 4^30 matches if nothing stopped it.
  std::string unions = "$";
  for (int i = 0; i < 30; ++i) unions += "[0,-1,0,-1]";
  json::value nested = Json(std::string(30, '[') + "1" + std::string(30, ']'));
  out.clear();
  Path(unions).Select(nested, &out);
  EXPECT_LT(out.size(), std::size_t{1} << 24);
}

// ----- Select

TEST_F(JsonPathTest, SelectBorrowsNodes) {
  std::vector<const json::value*> out;
  Path("$.store.book[*].price").Select(store_, &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], &store_.at("store").at("book").at(0).at("price"));
  out.clear();
  Path("$").Select(store_, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], &store_);
  out.clear();
  Path("$.nope").Select(store_, &out);
  EXPECT_TRUE(out.empty());
  // Select appends.
  Path("$.expensive").Select(store_, &out);
  Path("$.expensive").Select(store_, &out);
  EXPECT_EQ(out.size(), 2u);
}

}  // namespace
}  // namespace tactus::asl
