// JSONPath filter expressions, and paths recorded against AWS.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "asl/jsonpath.h"
#include "asl/jsonpath_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// ----- Filters

TEST_F(JsonPathTest, FilterComparisons) {
  EXPECT_EQ(Eval("$.store.book[?(@.price < 10)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price <= 8.99)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price > 20)].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price >= 22.99)].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == 'reference')].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == \"reference\")].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category != 'fiction')].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price < $.expensive)].title", store_),
            R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price<10)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?( @.price<10 )].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(10 > @.price)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.title > 'R')].title", store_),
            R"(["Sayings","Sword","The Lord"])");
}

TEST_F(JsonPathTest, FilterExistenceAndLogic) {
  EXPECT_EQ(Eval("$.store.book[?(@.isbn)].title", store_), R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(!@.isbn)].title", store_), R"(["Sayings","Sword"])");
  EXPECT_EQ(Eval("$.store.book[?(!!@.isbn)].title", store_), R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.isbn && @.price < 10)].title", store_), R"(["Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price < 9 || @.price > 20)].title", store_),
            R"(["Sayings","Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == 'fiction' && (@.price < 9 || @.price > 20))]"
                 ".title",
                 store_),
            R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(!(@.price < 10))].title", store_), R"(["Sword","The Lord"])");
  // && binds tighter than ||.
  EXPECT_EQ(Eval("$.store.book[?(@.price > 20 || @.isbn && @.price < 10)].title", store_),
            R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(true)].price", store_), "[8.95,12.99,8.99,22.99]");
  EXPECT_EQ(Eval("$.store.book[?(false)].price", store_), "[]");
}

TEST(JsonPathEvalTest, FilterTypeRules) {
  json::value doc = Json(R"({"u": [
    {"id": 1, "v": 1}, {"id": 2, "v": 1.0}, {"id": 3, "v": "1"}, {"id": 4, "v": true},
    {"id": 5, "v": null}, {"id": 6}, {"id": 7, "v": [1]}, {"id": 8, "v": {"k": 1}}]})");
  EXPECT_EQ(Eval("$.u[?(@.v == 1)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v == 1.0)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v == '1')].id", doc), "[3]");
  EXPECT_EQ(Eval("$.u[?(@.v == true)].id", doc), "[4]");
  EXPECT_EQ(Eval("$.u[?(@.v == null)].id", doc), "[5]");
  EXPECT_EQ(Eval("$.u[?(@.v != 1)].id", doc), "[3,4,5,6,7,8]");
  EXPECT_EQ(Eval("$.u[?(@.v < 2)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v >= '1')].id", doc), "[3]");
  EXPECT_EQ(Eval("$.u[?(@.v)].id", doc), "[1,2,3,4,5,7,8]");  // null exists
  EXPECT_EQ(Eval("$.u[?(@.v == [1])].id", doc), "[7]");
  EXPECT_EQ(Eval("$.u[?(@.v == @.v)].id", doc), "[1,2,3,4,5,7,8]");
  EXPECT_EQ(Eval("$.u[?(@.v.k == 1)].id", doc), "[8]");
  EXPECT_EQ(Eval("$.u[?(@.v[0] == 1)].id", doc), "[7]");
  EXPECT_EQ(Eval("$.u[?(@['v'] == 1)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.id == -1)].id", doc), "[]");
  EXPECT_EQ(Eval("$.u[?(@.id > 1e0 && @.id < 2.5E0)].id", doc), "[2]");
  // Recorded from AWS.
  json::value users = Json(R"({"users": [{"year": 1997, "status": 0},
                                         {"year": 1998, "status": 1}]})");
  EXPECT_EQ(Eval("$.users[?(@.status == 0)]", users), R"([{"year":1997,"status":0}])");
}

TEST(JsonPathEvalTest, FilterOnObjectTestsTheObjectItself) {
  json::value doc = Json(R"({"o": {"a": 1, "b": {"a": 2}}, "s": "str"})");
  EXPECT_EQ(Eval("$.o[?(@.a == 1)]", doc), R"([{"a":1,"b":{"a":2}}])");
  EXPECT_EQ(Eval("$.o[?(@.a == 2)]", doc), "[]");
  EXPECT_EQ(Eval("$.s[?(@)]", doc), "[]");
  EXPECT_EQ(Eval("$.missing[?(@)]", doc), "[]");
  EXPECT_EQ(Eval("$[?(@.s)].s", doc), R"(["str"])");
}

TEST(JsonPathEvalTest, FilterRegex) {
  json::value doc = Json(R"({"p": [{"n": "Alice"}, {"n": "bob"}, {"n": "ALICE B"},
                                   {"n": 42}, {"n": true}, {"n": "a\nb"}]})");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /A.*/)].n", doc), R"(["Alice","ALICE B"])");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /alice/i)].n", doc), R"(["Alice"])");  // whole-string match
  EXPECT_EQ(Eval("$.p[?(@.n =~ /ali.*/i)].n", doc), R"(["Alice","ALICE B"])");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /\\d+/)].n", doc), "[42]");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /tr.e/)].n", doc), "[true]");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /a\\/b|bob/)].n", doc), R"(["bob"])");
  EXPECT_EQ(Eval("$.p[?(@.x =~ /.*/)].n", doc), "[]");
  EXPECT_EQ(Eval("$.p[?(/b.*/ =~ @.n)].n", doc), R"(["bob"])");
}

TEST(JsonPathEvalTest, FilterCollectionOperators) {
  json::value doc = Json(R"({"i": [
    {"k": "a", "t": ["x", "y"], "s": "hello"}, {"k": "b", "t": [], "s": ""},
    {"k": "c", "t": ["z"], "s": "héllo"}, {"k": 1, "t": "xy"}]})");
  EXPECT_EQ(Eval("$.i[?(@.k in ['a','c'])].k", doc), R"(["a","c"])");
  EXPECT_EQ(Eval("$.i[?(@.k in [1, 'b'])].k", doc), R"(["b",1])");
  EXPECT_EQ(Eval("$.i[?(@.k nin ['a','c'])].k", doc), R"(["b",1])");
  EXPECT_EQ(Eval("$.i[?(@.missing nin ['a'])].k", doc), R"(["a","b","c",1])");
  EXPECT_EQ(Eval("$.i[?(@.missing in ['a'])].k", doc), "[]");
  EXPECT_EQ(Eval("$.i[?(@.k in [])].k", doc), "[]");
  EXPECT_EQ(Eval("$.i[?(@.k in $.i[*].k)].k", doc), R"(["a","b","c",1])");
  EXPECT_EQ(Eval("$.i[?(@.t contains 'x')].k", doc), R"(["a",1])");
  EXPECT_EQ(Eval("$.i[?(@.t size 1)].k", doc), R"(["c"])");
  EXPECT_EQ(Eval("$.i[?(@.s size 5)].k", doc), R"(["a","c"])");
  EXPECT_EQ(Eval("$.i[?(@.t empty true)].k", doc), R"(["b"])");
  EXPECT_EQ(Eval("$.i[?(@.t subsetof ['x','y','z'])].k", doc), R"(["a","b","c"])");
  EXPECT_EQ(Eval("$.i[?(@.t anyof ['y','q'])].k", doc), R"(["a"])");
  EXPECT_EQ(Eval("$.i[?(@.t noneof ['y','q'])].k", doc), R"(["b","c"])");
}

TEST(JsonPathEvalTest, NestedFiltersAndIndefiniteOperands) {
  json::value doc = Json(R"({"o": [{"id": 1, "l": [{"q": 1}, {"q": 5}]},
                                   {"id": 2, "l": [{"q": 2}]}]})");
  EXPECT_EQ(Eval("$.o[?(@.l[?(@.q > 4)])].id", doc), "[1]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].z)].id", doc), "[]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q == [2])].id", doc), "[2]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q contains 5)].id", doc), "[1]");
  EXPECT_EQ(Eval("$.o[?($.o[0].id == @.id)].id", doc), "[1]");
}

TEST(JsonPathEvalTest, FilterStringEscapes) {
  json::value doc = Json(R"({"a": [{"s": "it's"}, {"s": "tab\there"}, {"s": "é"},
                     {"s": "x)]"}]})");
  EXPECT_EQ(Eval("$.a[?(@.s == 'it\\'s')].s", doc), R"(["it's"])");
  EXPECT_EQ(Eval("$.a[?(@.s == \"it's\")].s", doc), R"(["it's"])");
  EXPECT_EQ(Eval("$.a[?(@.s == 'tab\\there')].s", doc), R"(["tab\there"])");
  EXPECT_EQ(Eval("$.a[?(@.s == '\\u00e9')].s", doc), R"(["é"])");
  EXPECT_EQ(Eval("$.a[?(@.s == 'x)]')].s", doc), R"(["x)]"])");
}

// ----- Recorded AWS cases

TEST(JsonPathEvalTest, RecordedAwsCases) {
  json::value items;
  items.emplace_object()["items"] = json::array();
  for (int i = 0; i <= 10; ++i) {
    json::object item;
    item["item_key"] = i;
    items.as_object()["items"].as_array().push_back(std::move(item));
  }
  EXPECT_EQ(Eval("$.items[10]", items), R"({"item_key":10})");
  json::value empty = Json("{}");
  for (const char* path : {"$.items[1:].itemValue", "$.item.items[1:5]", "$.items[:1]",
                           "$.item.items[*]", "$.items[*].itemValue", "$.item.items[1:]"}) {
    EXPECT_EQ(Eval(path, empty), "[]") << path;
  }
  EXPECT_EQ(Eval("$.no.such.path", empty), "<none>");
}

}  // namespace
}  // namespace tactus::asl
