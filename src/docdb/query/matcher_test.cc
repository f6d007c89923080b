#include "docdb/query/matcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "docdb/query/matcher_test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::CompileError;
using testing::J;
using testing::M;
using testing::MatchError;
using testing::Ops;

TEST(MatcherTest, EmptyFilterMatchesEverything) {
  EXPECT_TRUE(M("{}", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"$comment": "x"})", "{}"));
}

TEST(MatcherTest, ImplicitEquality) {
  EXPECT_TRUE(M(R"({"a": 1})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": 1})", R"({"a": 1.0})"));
  EXPECT_TRUE(M(R"({"a": {"$numberLong": "1"}})", R"({"a": {"$numberDecimal": "1"}})"));
  EXPECT_FALSE(M(R"({"a": 1})", R"({"a": "1"})"));
  EXPECT_TRUE(M(R"({"a": {"b": 1}})", R"({"a": {"b": 1}})"));
  EXPECT_FALSE(M(R"({"a": {"b": 1}})", R"({"a": {"b": 1, "c": 2}})"));
  EXPECT_FALSE(M(R"({"a": {"b": 1, "c": 2}})", R"({"a": {"c": 2, "b": 1}})"));
  EXPECT_TRUE(M(R"({"a.b": 1})", R"({"a": {"b": 1}})"));
  EXPECT_TRUE(M(R"({"a": 1, "b": 2})", R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(M(R"({"a": 1, "b": 2})", R"({"a": 1, "b": 3})"));
}

TEST(MatcherTest, NullMatchesNullAndMissing) {
  EXPECT_TRUE(M(R"({"a": null})", R"({"a": null})"));
  EXPECT_TRUE(M(R"({"a": null})", R"({"b": 1})"));
  EXPECT_FALSE(M(R"({"a": null})", R"({"a": 0})"));
  EXPECT_TRUE(M(R"({"a.b": null})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$eq": null}})", R"({})"));
  EXPECT_FALSE(M(R"({"a": {"$ne": null}})", R"({})"));
  EXPECT_TRUE(M(R"({"a": {"$ne": null}})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$gte": null}})", R"({})"));
  EXPECT_FALSE(M(R"({"a": {"$gt": null}})", R"({})"));
  EXPECT_TRUE(M(R"({"a": {"$in": [null]}})", R"({})"));
  EXPECT_FALSE(M(R"({"a": null})", R"({"a": []})"));
}

TEST(MatcherTest, ComparisonsAreTypeBracketed) {
  EXPECT_TRUE(M(R"({"a": {"$gt": 5}})", R"({"a": 6})"));
  EXPECT_FALSE(M(R"({"a": {"$gt": 5}})", R"({"a": "6"})"));
  EXPECT_FALSE(M(R"({"a": {"$lt": 5}})", R"({"a": "6"})"));
  EXPECT_FALSE(M(R"({"a": {"$lt": 5}})", R"({"a": null})"));
  EXPECT_TRUE(M(R"({"a": {"$gte": 5, "$lte": 5}})", R"({"a": 5.0})"));
  EXPECT_TRUE(M(R"({"a": {"$lt": "b"}})", R"({"a": "a"})"));
  EXPECT_FALSE(M(R"({"a": {"$lt": "b"}})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$gt": {"$date": {"$numberLong": "0"}}}})",
                R"({"a": {"$date": {"$numberLong": "1"}}})"));
}

TEST(MatcherTest, MinKeyAndMaxKeyCompareAcrossTypes) {
  EXPECT_TRUE(M(R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": "x"})"));
  EXPECT_TRUE(M(R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": true})"));
  EXPECT_FALSE(M(R"({"a": {"$gt": {"$maxKey": 1}}})", R"({"a": true})"));
  EXPECT_TRUE(M(R"({"a": {"$lte": {"$maxKey": 1}}})", R"({"a": {"$maxKey": 1}})"));
}

TEST(MatcherTest, NaNEqualsOnlyNaN) {
  const char* doc = R"({"a": {"$numberDouble": "NaN"}})";
  EXPECT_TRUE(M(R"({"a": {"$numberDouble": "NaN"}})", doc));
  EXPECT_TRUE(M(R"({"a": {"$gte": {"$numberDouble": "NaN"}}})", doc));
  EXPECT_FALSE(M(R"({"a": {"$lt": 5}})", doc));
  EXPECT_FALSE(M(R"({"a": {"$gt": 5}})", doc));
  EXPECT_FALSE(M(R"({"a": {"$gt": {"$numberDouble": "NaN"}}})", R"({"a": 5})"));
}

TEST(MatcherTest, NeAndNinNegateOverTheWholePath) {
  EXPECT_TRUE(M(R"({"a": {"$ne": 1}})", R"({"a": 2})"));
  EXPECT_TRUE(M(R"({"a": {"$ne": 1}})", R"({})"));
  EXPECT_FALSE(M(R"({"a": {"$ne": 1}})", R"({"a": [1, 2]})"));
  EXPECT_TRUE(M(R"({"a": {"$nin": [1, 2]}})", R"({"a": 3})"));
  EXPECT_FALSE(M(R"({"a": {"$nin": [1, 2]}})", R"({"a": [3, 2]})"));
  EXPECT_TRUE(M(R"({"a": {"$nin": [1, 2]}})", R"({})"));
}

TEST(MatcherTest, In) {
  EXPECT_TRUE(M(R"({"a": {"$in": [1, "x"]}})", R"({"a": "x"})"));
  EXPECT_FALSE(M(R"({"a": {"$in": []}})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$in": [{"$regularExpression": {"pattern": "^b", "options": ""}}]}})",
                R"({"a": ["a", "bc"]})"));
  EXPECT_TRUE(M(R"({"a": {"$in": [[1, 2]]}})", R"({"a": [1, 2]})"));
  EXPECT_EQ(CompileError(R"({"a": {"$in": 1}})").message, "$in needs an array");
  EXPECT_EQ(CompileError(R"({"a": {"$in": [{"$gt": 1}]}})").message, "cannot nest $ under $in");
}

TEST(MatcherTest, Exists) {
  EXPECT_TRUE(M(R"({"a": {"$exists": true}})", R"({"a": null})"));
  EXPECT_FALSE(M(R"({"a": {"$exists": true}})", R"({"b": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$exists": false}})", R"({"b": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$exists": 0}})", R"({"b": 1})"));
  EXPECT_TRUE(M(R"({"a.b": {"$exists": true}})", R"({"a": [{"c": 1}, {"b": 2}]})"));
  EXPECT_FALSE(M(R"({"a.b": {"$exists": true}})", R"({"a": [{"c": 1}]})"));
}

TEST(MatcherTest, Type) {
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("string")"}}).get(), R"({"a": "x"})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", "2"}}).get(), R"({"a": "x"})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("number")"}}).get(), R"({"a": {"$numberLong": "5"}})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("number")"}}).get(), R"({"a": {"$numberDecimal": "5"}})"));
  EXPECT_FALSE(M(Ops("a", {{"$type", R"("number")"}}).get(), R"({"a": "5"})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"(["bool", "null"])"}}).get(), R"({"a": null})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("array")"}}).get(), R"({"a": []})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("int")"}}).get(), R"({"a": [1.5, 2]})"));
  EXPECT_FALSE(M(Ops("a", {{"$type", R"("null")"}}).get(), R"({})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", "-1"}}).get(), R"({"a": {"$minKey": 1}})"));
  EXPECT_TRUE(M(Ops("a", {{"$type", R"("maxKey")"}}).get(), R"({"a": {"$maxKey": 1}})"));
  EXPECT_EQ(CompileError(Ops("a", {{"$type", R"("foo")"}}).get()).message,
            "Unknown type name alias: foo");
  EXPECT_EQ(CompileError(Ops("a", {{"$type", "100"}}).get()).message,
            "Invalid numerical type code: 100");
  EXPECT_EQ(CompileError(Ops("a", {{"$type", "{}"}}).get()).code, kBadValue);
}

TEST(MatcherTest, Mod) {
  EXPECT_TRUE(M(R"({"a": {"$mod": [4, 0]}})", R"({"a": 8})"));
  EXPECT_TRUE(M(R"({"a": {"$mod": [4, 1]}})", R"({"a": 5.9})"));  // truncates
  EXPECT_TRUE(M(R"({"a": {"$mod": [4, -1]}})", R"({"a": -5})"));
  EXPECT_FALSE(M(R"({"a": {"$mod": [4, 0]}})", R"({"a": "8"})"));
  EXPECT_FALSE(M(R"({"a": {"$mod": [4, 0]}})", R"({"a": {"$numberDouble": "NaN"}})"));
  EXPECT_TRUE(
      M(R"({"a": {"$mod": [-1, 0]}})", R"({"a": {"$numberLong": "-9223372036854775808"}})"));
  EXPECT_TRUE(M(R"({"a": {"$mod": [4, 0]}})", R"({"a": [1, 12]})"));
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [0, 1]}})").message, "divisor cannot be 0");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [4]}})").message, "malformed mod, not enough elements");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [4, 1, 2]}})").message,
            "malformed mod, too many elements");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": 4}})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [{"$numberDouble": "NaN"}, 1]}})").code, kBadValue);
}

TEST(MatcherTest, RegexOperators) {
  EXPECT_TRUE(M(Ops("a", {{"$regex", R"("^ab")"}}).get(), R"({"a": "abc"})"));
  EXPECT_FALSE(M(Ops("a", {{"$regex", R"("^ab")"}}).get(), R"({"a": "ABC"})"));
  EXPECT_TRUE(
      M(Ops("a", {{"$regex", R"("^ab")"}, {"$options", R"("i")"}}).get(), R"({"a": "ABC"})"));
  EXPECT_TRUE(
      M(Ops("a", {{"$options", R"("i")"}, {"$regex", R"("^ab")"}}).get(), R"({"a": "ABC"})"));
  EXPECT_TRUE(M(R"({"a": {"$regularExpression": {"pattern": "b$", "options": "m"}}})",
                R"({"a": "ab\ncd"})"));
  EXPECT_TRUE(
      M(Ops("a", {{"$regex", R"({"$regularExpression": {"pattern": "x", "options": "i"}})"}}).get(),
        R"({"a": "X"})"));
  EXPECT_FALSE(M(Ops("a", {{"$regex", R"("1")"}}).get(), R"({"a": 1})"));
  EXPECT_TRUE(M(Ops("a", {{"$regex", R"("é")"}}).get(), R"({"a": "café"})"));
  EXPECT_TRUE(M(Ops("a", {{"$regex", R"("^.$")"}}).get(), R"({"a": "é"})"));  // UTF-8 aware
  EXPECT_TRUE(
      M(Ops("a", {{"$regex", R"("a.c")"}, {"$options", R"("s")"}}).get(), R"({"a": "a\nc"})"));
  EXPECT_TRUE(M(Ops("a", {{"$regex", R"("a c # comment")"}, {"$options", R"("x")"}}).get(),
                R"({"a": "ac"})"));
  // A regex value matches strings and equal regex values.
  EXPECT_TRUE(M(R"({"a": {"$regularExpression": {"pattern": "x", "options": ""}}})",
                R"({"a": {"$regularExpression": {"pattern": "x", "options": ""}}})"));
  // $eq with a regex is plain equality.
  EXPECT_FALSE(M(R"({"a": {"$eq": {"$regularExpression": {"pattern": "x", "options": ""}}}})",
                 R"({"a": "x"})"));
  EXPECT_TRUE(M(R"({"a": {"$not": {"$regularExpression": {"pattern": "^x", "options": ""}}}})",
                R"({"a": "yx"})"));
}

TEST(MatcherTest, RegexErrors) {
  EXPECT_EQ(CompileError(Ops("a", {{"$regex", R"("(")"}}).get()).code, kRegexMatchLimit);
  EXPECT_EQ(CompileError(Ops("a", {{"$regex", R"("a")"}, {"$options", R"("z")"}}).get()).code,
            51108);
  EXPECT_EQ(CompileError(Ops("a", {{"$options", R"("i")"}}).get()).message,
            "$options needs a $regex");
  EXPECT_EQ(CompileError(Ops("a", {{"$regex", "1"}}).get()).message, "$regex has to be a string");
  EXPECT_EQ(CompileError(
                Ops("a", {{"$regex", R"({"$regularExpression": {"pattern": "x", "options": "i"}})"},
                          {"$options", R"("m")"}})
                    .get())
                .message,
            "options set in both $regex and $options");
}

TEST(MatcherTest, PathologicalRegexFailsInsteadOfHanging) {
  std::string doc = R"({"a": ")" + std::string(40, 'a') + R"(!"})";
  auto start = std::chrono::steady_clock::now();
  DbError error = MatchError(Ops("a", {{"$regex", R"("^(a|a)*$")"}}).get(), doc.c_str());
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(error.code, kBadValue) << error.message;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  // The error also escapes through $or, $not and $elemMatch.
  EXPECT_EQ(
      MatchError(R"({"$or": [{"b": 1}, {"a": {"$not": {"$regex": "^(a|a)*$"}}}]})", doc.c_str())
          .code,
      kBadValue);
}

TEST(MatcherTest, LogicalOperators) {
  EXPECT_TRUE(M(R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(M(R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"b": 2})"));
  EXPECT_FALSE(M(R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"b": 3})"));
  EXPECT_TRUE(M(R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"b": 3})"));
  EXPECT_FALSE(M(R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a": {"$not": {"$gt": 5}}})", R"({"a": 3})"));
  EXPECT_TRUE(M(R"({"a": {"$not": {"$gt": 5}}})", R"({"a": "x"})"));
  EXPECT_TRUE(M(R"({"a": {"$not": {"$gt": 5}}})", R"({})"));
  EXPECT_FALSE(M(R"({"a": {"$not": {"$gt": 1, "$lt": 5}}})", R"({"a": 3})"));
  EXPECT_TRUE(M(R"({"$alwaysTrue": 1})", "{}"));
  EXPECT_FALSE(M(R"({"$alwaysFalse": 1})", "{}"));
}

TEST(MatcherTest, CompileErrorsUseMongoMessages) {
  EXPECT_EQ(CompileError(R"({"a": {"$foo": 1}})").message, "unknown operator: $foo");
  EXPECT_EQ(CompileError(R"({"a": {"$foo": 1}})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"$foo": 1})").message, "unknown top level operator: $foo");
  EXPECT_EQ(CompileError(R"({"a": {"$gt": 1, "b": 1}})").message, "unknown operator: b");
  EXPECT_EQ(CompileError(R"({"$and": []})").message, "$and/$or/$nor must be a nonempty array");
  EXPECT_EQ(CompileError(R"({"$or": {}})").message, "$and/$or/$nor must be a nonempty array");
  EXPECT_EQ(CompileError(R"({"$or": [1]})").message,
            "$or/$and/$nor entries need to be full objects");
  EXPECT_EQ(CompileError(R"({"a": {"$not": 1}})").message, "$not needs a regex or a document");
  EXPECT_EQ(CompileError(R"({"a": {"$not": {}}})").message, "$not cannot be empty");
  EXPECT_EQ(CompileError(R"({"a": {"$size": "x"}})").message, "$size needs a number");
  EXPECT_EQ(CompileError(R"({"a": {"$size": -1}})").message, "$size may not be negative");
  EXPECT_EQ(CompileError(R"({"a": {"$all": 1}})").message, "$all needs an array");
  EXPECT_EQ(CompileError(R"({"a": {"$elemMatch": 1}})").message, "$elemMatch needs an Object");
  EXPECT_EQ(
      CompileError(R"({"a": {"$ne": {"$regularExpression": {"pattern": "x", "options": ""}}}})")
          .message,
      "Can't have regex as arg to $ne.");
  EXPECT_EQ(CompileError(R"({"$where": "true"})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a": {"$near": [0, 0]}})").code, kBadValue);
}

TEST(MatcherTest, DeepNestingIsRefused) {
  BsonPtr filter = J(R"({"a": 1})");
  for (int i = 0; i < 150; ++i) {
    BsonPtr outer = NewBson();
    bson_t array;
    bson_append_array_begin(outer.get(), "$and", -1, &array);
    bson_append_document(&array, "0", -1, filter.get());
    bson_append_array_end(outer.get(), &array);
    filter = std::move(outer);
  }
  EXPECT_EQ(CompileError(filter.get()).message, "exceeded depth limit of 100 when parsing");
}

TEST(MatcherTest, DbRefDocumentsAreLiterals) {
  EXPECT_TRUE(M(R"({"a": {"$ref": "c", "$id": 1}})", R"({"a": {"$ref": "c", "$id": 1}})"));
}

TEST(MatcherTest, MatchersAreCopyableAndKeepTheirFilter) {
  auto f = J(R"({"a": {"$in": ["x", "y"]}})");
  auto compiled = Matcher::Compile(f.get());
  ASSERT_TRUE(compiled.ok());
  Matcher copy = compiled.value();
  f.reset();  // the matcher owns its copy
  auto d = J(R"({"a": "y"})");
  EXPECT_TRUE(copy.Matches(d.get()).value());
  EXPECT_TRUE(bson_has_field(copy.filter(), "a"));
}

}  // namespace
}  // namespace tactus::docdb::query
