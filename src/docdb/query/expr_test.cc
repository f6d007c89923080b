#include "docdb/query/expr.h"

#include <gtest/gtest.h>

#include "docdb/query/matcher_test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::CompileError;
using testing::M;
using testing::MatchError;

TEST(ExprTest, ComparesFieldsOfTheSameDocument) {
  const char* doc = R"({"spent": 400, "budget": 300, "name": "x"})";
  EXPECT_TRUE(M(R"({"$expr": {"$gt": ["$spent", "$budget"]}})", doc));
  EXPECT_FALSE(M(R"({"$expr": {"$lt": ["$spent", "$budget"]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": ["$name", "x"]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$ne": ["$spent", 1]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$gte": ["$spent", 400.0]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$lte": ["$$ROOT.budget", 300]}})", doc));
  // No type brackets: any string is greater than any number.
  EXPECT_TRUE(M(R"({"$expr": {"$gt": ["$name", "$spent"]}})", doc));
  // Missing is not null in aggregation.
  EXPECT_FALSE(M(R"({"$expr": {"$eq": ["$nope", null]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$lt": ["$nope", null]}})", doc));
}

TEST(ExprTest, ArithmeticAndLogic) {
  const char* doc = R"({"a": 2, "b": 3, "c": 1.5, "d": {"$date": {"$numberLong": "1000"}}})";
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$add": ["$a", "$b"]}, 5]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$subtract": ["$b", "$a"]}, 1]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$multiply": ["$a", "$b", "$c"]}, 9]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$divide": ["$b", "$a"]}, 1.5]}})", doc));
  EXPECT_TRUE(
      M(R"({"$expr": {"$eq": [{"$add": ["$d", 500]}, {"$date": {"$numberLong": "1500"}}]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$subtract": ["$d", "$d"]}, 0]}})", doc));
  EXPECT_TRUE(
      M(R"({"$expr": {"$and": [{"$gt": ["$b", "$a"]}, {"$not": [{"$eq": ["$a", 0]}]}]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$or": [false, "$a"]}})", doc));
  EXPECT_FALSE(M(R"({"$expr": {"$add": ["$a", -2]}})", doc));          // 0 is falsy
  EXPECT_FALSE(M(R"({"$expr": {"$add": ["$a", "$missing"]}})", doc));  // null
  EXPECT_TRUE(
      M(R"({"$expr": {"$eq": [{"$add": [2147483647, 1]}, {"$numberLong": "2147483648"}]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"$literal": "$a"}, "$a"]}})", R"({"a": "$a"})"));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [{"x": "$a"}, {"x": 2}]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": {"$eq": [["$a", "$b"], [2, 3]]}})", doc));
  EXPECT_TRUE(M(R"({"$expr": true})", doc));
}

TEST(ExprTest, FieldPathsOverArraysCollectValues) {
  EXPECT_TRUE(
      M(R"({"$expr": {"$eq": ["$a.b", [1, 2]]}})", R"({"a": [{"b": 1}, {"c": 0}, {"b": 2}]})"));
}

TEST(ExprTest, NowIsTheTimeOfCompilation) {
  // A filter's $$NOW is fixed when the filter is compiled (once per command).
  EXPECT_TRUE(
      M(R"({"$expr": {"$lt": ["$d", "$$NOW"]}})", R"({"d": {"$date": "2001-01-01T00:00:00Z"}})"));
  EXPECT_FALSE(M(
      R"({"$expr": {"$lt": ["$d", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 30}}]}})",
      R"({"d": {"$date": "2999-01-01T00:00:00Z"}})"));
}

TEST(ExprTest, Errors) {
  EXPECT_EQ(CompileError(R"({"$expr": {"$foo": 1}})").code, kInvalidPipelineOperator);
  EXPECT_EQ(CompileError(R"({"$expr": {"$eq": [1]}})").message,
            "Expression $eq takes exactly 2 arguments. 1 were passed in.");
  EXPECT_EQ(CompileError(R"({"$expr": "$$nope"})").code, 17276);
  EXPECT_EQ(MatchError(R"({"$expr": {"$add": ["$a", 1]}})", R"({"a": "x"})").code, 16554);
  EXPECT_EQ(MatchError(R"({"$expr": {"$divide": [1, "$a"]}})", R"({"a": 0})").message,
            "can't $divide by zero");
  EXPECT_EQ(MatchError(R"({"$expr": {"$multiply": [1, "$a"]}})", R"({"a": true})").code, 16555);
}

}  // namespace
}  // namespace tactus::docdb::query
