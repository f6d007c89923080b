#include "docdb/query/compare.h"

#include <gtest/gtest.h>

#include <vector>

#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::V;

int Cmp(const char* a, const char* b) {
  auto x = V(a), y = V(b);
  int c = CompareValues(x.value, y.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

TEST(CompareTest, TypeBracketsFollowMongoOrder) {
  const std::vector<const char*> ascending = {
      R"({"$minKey": 1})",
      "null",
      "1",
      R"("a")",
      R"({"a": 1})",
      "[1]",
      R"({"$binary": {"base64": "AA==", "subType": "00"}})",
      R"({"$oid": "000000000000000000000001"})",
      "false",
      R"({"$date": {"$numberLong": "0"}})",
      R"({"$timestamp": {"t": 1, "i": 1}})",
      R"({"$regularExpression": {"pattern": "a", "options": ""}})",
      R"({"$code": "x"})",
      R"({"$maxKey": 1})",
  };
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Cmp(ascending[i], ascending[j]), expected)
          << ascending[i] << " vs " << ascending[j];
    }
  }
}

TEST(CompareTest, NumbersCompareByValueAcrossTypes) {
  EXPECT_EQ(Cmp("1", R"({"$numberLong": "1"})"), 0);
  EXPECT_EQ(Cmp("1", "1.0"), 0);
  EXPECT_EQ(Cmp("1", R"({"$numberDecimal": "1.000"})"), 0);
  EXPECT_EQ(Cmp("1", "1.5"), -1);
  EXPECT_EQ(Cmp(R"({"$numberDecimal": "1.5"})", "1.5"), 0);
  EXPECT_EQ(Cmp(R"({"$numberDecimal": "0.1"})", "0.1"), -1);  // double 0.1 is above 1/10
  EXPECT_EQ(Cmp("-0.0", "0"), 0);
  EXPECT_EQ(Cmp(R"({"$numberLong": "9007199254740993"})", "9007199254740992.0"), 1);
  EXPECT_EQ(Cmp(R"({"$numberLong": "9223372036854775807"})", "9223372036854775808.0"), -1);
  EXPECT_EQ(Cmp(R"({"$numberLong": "-9223372036854775808"})", "-9223372036854775808.0"), 0);
  EXPECT_EQ(Cmp("2", "10"), -1);
  EXPECT_EQ(Cmp("-2", "-10"), 1);
}

TEST(CompareTest, NanIsEqualToNanAndBelowEveryNumber) {
  const char* nan = R"({"$numberDouble": "NaN"})";
  EXPECT_EQ(Cmp(nan, nan), 0);
  EXPECT_EQ(Cmp(nan, R"({"$numberDouble": "-Infinity"})"), -1);
  EXPECT_EQ(Cmp(nan, R"({"$numberDecimal": "NaN"})"), 0);
  EXPECT_EQ(Cmp(R"({"$numberDecimal": "-Infinity"})", R"({"$numberDouble": "-Infinity"})"), 0);
  EXPECT_EQ(Cmp(nan, "null"), 1);
  EXPECT_EQ(Cmp(R"({"$numberDouble": "Infinity"})", R"({"$numberLong": "9223372036854775807"})"),
            1);
}

TEST(CompareTest, StringsCompareByBytes) {
  EXPECT_EQ(Cmp(R"("a")", R"("b")"), -1);
  EXPECT_EQ(Cmp(R"("a")", R"("ab")"), -1);
  EXPECT_EQ(Cmp(R"("B")", R"("a")"), -1);  // simple binary collation
  EXPECT_EQ(Cmp(R"("é")", R"("z")"), 1);
  EXPECT_EQ(Cmp(R"({"$symbol": "a"})", R"("a")"), 0);
  EXPECT_EQ(Cmp(R"("")", R"("a")"), -1);
}

TEST(CompareTest, ObjectsCompareTypeThenNameThenValue) {
  EXPECT_EQ(Cmp(R"({"a": 1})", R"({"a": 2})"), -1);
  EXPECT_EQ(Cmp(R"({"a": 1})", R"({"b": 0})"), -1);
  EXPECT_EQ(Cmp(R"({"b": 1})", R"({"a": "x"})"), -1);  // number bracket before string
  EXPECT_EQ(Cmp(R"({"a": 1})", R"({"a": 1, "b": 1})"), -1);
  EXPECT_EQ(Cmp(R"({})", R"({"a": null})"), -1);
  EXPECT_EQ(Cmp(R"({"a": 1, "b": 2})", R"({"b": 2, "a": 1})"), -1);  // field order matters
  EXPECT_EQ(Cmp(R"({"a": {"x": 1}})", R"({"a": {"x": 1.0}})"), 0);
}

TEST(CompareTest, ArraysCompareElementWise) {
  EXPECT_EQ(Cmp("[1, 2]", "[1, 3]"), -1);
  EXPECT_EQ(Cmp("[1, 2]", "[1, 2, 0]"), -1);
  EXPECT_EQ(Cmp("[]", "[null]"), -1);
  EXPECT_EQ(Cmp("[2]", "[1, 5]"), 1);
  EXPECT_EQ(Cmp(R"(["a"])", "[1, 2]"), 1);
}

TEST(CompareTest, OtherBrackets) {
  // binData: length first, then subtype, then bytes.
  EXPECT_EQ(Cmp(R"({"$binary": {"base64": "AAAA", "subType": "00"}})",
                R"({"$binary": {"base64": "AA==", "subType": "05"}})"),
            1);
  EXPECT_EQ(Cmp(R"({"$binary": {"base64": "AQ==", "subType": "00"}})",
                R"({"$binary": {"base64": "AA==", "subType": "05"}})"),
            -1);
  EXPECT_EQ(Cmp(R"({"$timestamp": {"t": 1, "i": 5}})", R"({"$timestamp": {"t": 2, "i": 0}})"), -1);
  EXPECT_EQ(Cmp(R"({"$date": {"$numberLong": "-1"}})", R"({"$date": {"$numberLong": "1"}})"), -1);
  EXPECT_EQ(Cmp(R"({"$regularExpression": {"pattern": "a", "options": "i"}})",
                R"({"$regularExpression": {"pattern": "a", "options": ""}})"),
            1);
  EXPECT_EQ(Cmp("null", R"({"$undefined": true})"), 0);
}

TEST(CompareTest, IteratorsAndDocuments) {
  auto a = testing::J(R"({"x": 1, "y": [1, 2]})");
  auto b = testing::J(R"({"x": 1.0, "y": [1, 3]})");
  EXPECT_LT(CompareDocuments(a.get(), b.get()), 0);
  EXPECT_EQ(CompareDocuments(a.get(), a.get()), 0);
  bson_iter_t ia, ib;
  ASSERT_TRUE(bson_iter_init_find(&ia, a.get(), "x"));
  ASSERT_TRUE(bson_iter_init_find(&ib, b.get(), "x"));
  EXPECT_EQ(CompareIters(ia, ib), 0);
}

}  // namespace
}  // namespace tactus::docdb::query
