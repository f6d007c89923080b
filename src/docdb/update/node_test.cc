#include "docdb/update/node.h"

#include <gtest/gtest.h>

#include <cstring>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

Node Value(std::string_view json) { return FromBson(Json(json).get()).kids.at(0); }

TEST(UpdateNodeTest, RoundTripIsByteIdentical) {
  BsonPtr doc = Json(R"({"a": 1, "b": {"c": [1, 2.5, {"$numberLong": "3"}, null, true]},
      "d": {"$date": {"$numberLong": "9"}}, "e": {"$oid": "0123456789abcdef01234567"},
      "f": {"$binary": {"base64": "AQI=", "subType": "00"}}, "g": {"$numberDecimal": "1.5"},
      "h": {"$regularExpression": {"pattern": "x", "options": "i"}}, "i": {"$minKey": 1}})");
  auto out = ToBson(FromBson(doc.get()));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.value()->len, doc->len);
  EXPECT_EQ(std::memcmp(bson_get_data(out.value().get()), bson_get_data(doc.get()), doc->len), 0);
}

TEST(UpdateNodeTest, CompareFollowsBsonOrder) {
  const char* ascending[] = {R"({"v": {"$minKey": 1}})",
                             R"({"v": null})",
                             R"({"v": {"$numberDouble": "NaN"}})",
                             R"({"v": -1.5})",
                             R"({"v": 1})",
                             R"({"v": {"$numberLong": "2"}})",
                             R"({"v": "a"})",
                             R"({"v": "ab"})",
                             R"({"v": "b"})",
                             R"({"v": {}})",
                             R"({"v": {"a": 1}})",
                             R"({"v": {"b": 0}})",
                             R"({"v": []})",
                             R"({"v": [1]})",
                             R"({"v": [1, 2]})",
                             R"({"v": {"$binary": {"base64": "AQ==", "subType": "00"}}})",
                             R"({"v": {"$oid": "0123456789abcdef01234567"}})",
                             R"({"v": false})",
                             R"({"v": true})",
                             R"({"v": {"$date": {"$numberLong": "-5"}}})",
                             R"({"v": {"$date": {"$numberLong": "5"}}})",
                             R"({"v": {"$timestamp": {"t": 1, "i": 2}}})",
                             R"({"v": {"$regularExpression": {"pattern": "a", "options": ""}}})",
                             R"({"v": {"$maxKey": 1}})"};
  for (std::size_t i = 1; i < std::size(ascending); ++i) {
    EXPECT_LT(Compare(Value(ascending[i - 1]), Value(ascending[i])), 0)
        << ascending[i - 1] << " < " << ascending[i];
    EXPECT_GT(Compare(Value(ascending[i]), Value(ascending[i - 1])), 0);
  }
  EXPECT_EQ(Compare(Value(R"({"v": 1})"), Value(R"({"v": 1.0})")), 0);
  EXPECT_EQ(Compare(Value(R"({"v": 1})"), Value(R"({"v": {"$numberDecimal": "1"}})")), 0);
  EXPECT_EQ(Compare(Value(R"({"v": {"$numberLong": "9007199254740993"}})"),
                    Value(R"({"v": 9007199254740992.0})")),
            1);
  EXPECT_FALSE(IdenticalValues(Value(R"({"v": 1})"), Value(R"({"v": 1.0})")));
  EXPECT_TRUE(IdenticalValues(Value(R"({"v": [1]})"), Value(R"({"w": [1]})")));
}

TEST(UpdateNodeTest, Describe) {
  EXPECT_EQ(Describe(Value(R"({"a": "x"})")), "a: \"x\"");
  EXPECT_EQ(Describe(Value(R"({"a": [1, 2]})")), "a: [ 1, 2 ]");
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
