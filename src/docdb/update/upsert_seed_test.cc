#include <gtest/gtest.h>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

std::string Seed(std::string_view query) {
  auto r = UpsertSeed(Json(query).get());
  if (!r.ok()) return ErrorText(r.error());
  return Canonical(r.value().get());
}

TEST(UpdateSeedTest, EqualityFields) {
  EXPECT_EQ(Seed(R"({"a": 1, "b.c": 2, "$and": [{"d": {"$eq": 3}}, {"e": {"$gt": 1}}]})"),
            Canon(R"({"a": 1, "b": {"c": 2}, "d": 3})"));
  EXPECT_EQ(Seed(R"({"x": 1, "_id": 7})"), Canon(R"({"_id": 7, "x": 1})"));
  EXPECT_EQ(Seed(R"({"a.b": 1, "a.c": 2})"), Canon(R"({"a": {"b": 1, "c": 2}})"));
  EXPECT_EQ(Seed(R"({"$or": [{"a": 1}]})"), Canon(R"({"a": 1})"));
  EXPECT_EQ(Seed(R"({"$or": [{"a": 1}, {"b": 1}]})"), Canon("{}"));
  EXPECT_EQ(Seed(R"({"a": {"$regularExpression": {"pattern": "x", "options": ""}}})"), Canon("{}"));
  EXPECT_EQ(Seed(R"({"a": {"b": 1}, "c": [1, 2]})"), Canon(R"({"a": {"b": 1}, "c": [1, 2]})"));
}

TEST(UpdateSeedTest, Conflicts) {
  EXPECT_EQ(Seed(R"({"a": 1, "$and": [{"a": 2}]})"),
            "error 54: cannot infer query fields to set, path 'a' is matched twice");
  EXPECT_EQ(Seed(R"({"a": {"b": 1}, "a.b": 1})"),
            "error 54: cannot infer query fields to set, both paths 'a' and 'a.b' are matched");
}

TEST(UpdateSeedTest, SeedThenUpdate) {
  auto seed = UpsertSeed(Json(R"({"_id": 1, "name": "x"})").get());
  ASSERT_TRUE(seed.ok());
  auto update = Update::Compile(
      Json(R"({"$set": {"qty": 5}, "$setOnInsert": {"created": true}})").get(), nullptr);
  ASSERT_TRUE(update.ok());
  auto doc = update.value().Apply(seed.value().get(), std::nullopt, true, 0);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Canonical(doc.value().get()),
            Canon(R"({"_id": 1, "name": "x", "created": true, "qty": 5})"));
  auto changed = Update::Compile(Json(R"({"$set": {"_id": 2}})").get(), nullptr);
  ASSERT_TRUE(changed.ok());
  auto bad = changed.value().Apply(seed.value().get(), std::nullopt, true, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, kImmutableField);
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
