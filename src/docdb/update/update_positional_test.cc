// The positional `$`, `$[]` and `$[<id>]` with arrayFilters; examples from the MongoDB manual.
#include <gtest/gtest.h>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

TEST(UpdatePositionalTest, Dollar) {
  EXPECT_EQ(Upd(R"({"_id": 1, "grades": [85, 80, 80]})", R"({"$set": {"grades.$": 82}})", Pos(1)),
            Canon(R"({"_id": 1, "grades": [85, 82, 80]})"));
  EXPECT_EQ(Upd(R"({"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8},
      {"grade": 85, "mean": 90, "std": 5}, {"grade": 85, "mean": 85, "std": 8}]})",
                R"({"$set": {"grades.$.std": 6}})", Pos(1)),
            Canon(R"({"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8},
      {"grade": 85, "mean": 90, "std": 6}, {"grade": 85, "mean": 85, "std": 8}]})"));
  EXPECT_EQ(Upd(R"({"a": [1, 2]})", R"({"$set": {"a.$": 5}})"),
            "error 2: The positional operator did not find the match needed from the query.");
  BsonPtr update = Json(R"({"$inc": {"a.$.b": 1}})");
  auto compiled = Update::Compile(update.get(), nullptr);
  ASSERT_TRUE(compiled.ok());
  EXPECT_TRUE(compiled.value().uses_positional());
}

TEST(UpdatePositionalTest, AllElements) {
  EXPECT_EQ(Upd(R"({"_id": 1, "grades": [85, 82, 80]})", R"({"$inc": {"grades.$[]": 10}})"),
            Canon(R"({"_id": 1, "grades": [95, 92, 90]})"));
  EXPECT_EQ(Upd(R"({"_id": 2, "grades": [{"grade": 80, "std": 8}, {"grade": 85, "std": 5}]})",
                R"({"$inc": {"grades.$[].std": -2}})"),
            Canon(R"({"_id": 2, "grades": [{"grade": 80, "std": 6}, {"grade": 85, "std": 3}]})"));
  EXPECT_EQ(Upd(R"({"a": [{"b": [1, 2]}, {"b": [3]}]})", R"({"$push": {"a.$[].b": 9}})"),
            Canon(R"({"a": [{"b": [1, 2, 9]}, {"b": [3, 9]}]})"));
  EXPECT_EQ(Upd(R"({"a": [1, 2]})", R"({"$unset": {"a.$[]": 1}})"),
            Canon(R"({"a": [null, null]})"));
  EXPECT_EQ(Upd(R"({"a": []})", R"({"$set": {"a.$[]": 1}})"), Canon(R"({"a": []})"));
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$set": {"a.$[]": 1}})"),
            "error 2: Cannot apply array updates to non-array element a: 1");
  EXPECT_EQ(Upd(R"({"_id": 3})", R"({"$set": {"grades.$[]": 1}})", Insert()),
            "error 2: The path 'grades' must exist in the document in order to apply array "
            "updates.");
  EXPECT_EQ(Upd(R"({"a": [1, {"b": 1}]})", R"({"$set": {"a.$[].b": 2}})"),
            "error 28: Cannot create field 'b' in element {0: 1}");
  EXPECT_EQ(Upd(R"({"a": [[1], 2]})", R"({"$set": {"a.$[].$[]": 0}})"),
            "error 2: Cannot apply array updates to non-array element 1: 2");
}

TEST(UpdatePositionalTest, Filtered) {
  EXPECT_EQ(
      Upd(R"({"_id": 3, "grades": [95, 110, 100]})", R"({"$set": {"grades.$[element]": 100}})",
          Filters(R"([{"element": {"$gte": 100}}])")),
      Canon(R"({"_id": 3, "grades": [95, 100, 100]})"));
  const char* docs = R"({"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 6},
      {"grade": 85, "mean": 90, "std": 4}, {"grade": 85, "mean": 85, "std": 6}]})";
  EXPECT_EQ(Upd(docs, R"({"$set": {"grades.$[elem].mean": 100}})",
                Filters(R"([{"elem.grade": {"$gte": 85}}])")),
            Canon(R"({"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 6},
      {"grade": 85, "mean": 100, "std": 4}, {"grade": 85, "mean": 100, "std": 6}]})"));
  EXPECT_EQ(Upd(docs, R"({"$inc": {"grades.$[elem].std": -1}})",
                Filters(R"([{"elem.grade": {"$gte": 80}, "elem.std": {"$gt": 5}}])")),
            Canon(R"({"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 5},
      {"grade": 85, "mean": 90, "std": 4}, {"grade": 85, "mean": 85, "std": 5}]})"));
  EXPECT_EQ(Upd(docs, R"({"$set": {"grades.$[e].std": 0}})",
                Filters(R"([{"$or": [{"e.mean": 75}, {"e.mean": 85}]}])")),
            Canon(R"({"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 0},
      {"grade": 85, "mean": 90, "std": 4}, {"grade": 85, "mean": 85, "std": 0}]})"));
}

TEST(UpdatePositionalTest, FiltersUseTheQueryMatcher) {
  EXPECT_EQ(Upd(R"({"a": ["apple", 1, "avocado", "kiwi"]})", R"({"$set": {"a.$[s]": "A"}})",
                Filters(R"([{"s": {"$regex": "^a"}}])")),
            Canon(R"({"a": ["A", 1, "A", "kiwi"]})"));
  EXPECT_EQ(Upd(R"({"a": ["x", 1, 2.5]})", R"({"$mul": {"a.$[n]": 2}})",
                Filters(R"([{"n": {"$type": "number"}}])")),
            Canon(R"({"a": ["x", 2, 5.0]})"));
  EXPECT_EQ(Upd(R"({"a": [{"t": [1, 5]}, {"t": [2]}]})", R"({"$set": {"a.$[e].hit": true}})",
                Filters(R"([{"e.t": {"$all": [1, 5]}}])")),
            Canon(R"({"a": [{"t": [1, 5], "hit": true}, {"t": [2]}]})"));
}

TEST(UpdatePositionalTest, NestedFilters) {
  EXPECT_EQ(Upd(R"({"_id": 1, "grades": [{"type": "quiz", "questions": [10, 8, 5]},
      {"type": "quiz", "questions": [8, 9, 6]}, {"type": "hw", "questions": [5, 4, 3]},
      {"type": "exam", "questions": [25, 10, 23, 0]}]})",
                R"({"$inc": {"grades.$[t].questions.$[score]": 2}})",
                Filters(R"([{"t.type": "quiz"}, {"score": {"$gte": 8}}])")),
            Canon(R"({"_id": 1, "grades": [{"type": "quiz", "questions": [12, 10, 5]},
      {"type": "quiz", "questions": [10, 11, 6]}, {"type": "hw", "questions": [5, 4, 3]},
      {"type": "exam", "questions": [25, 10, 23, 0]}]})"));
  EXPECT_EQ(Upd(R"({"a": [[1, 2], [3]]})", R"({"$inc": {"a.$[].$[x]": 10}})",
                Filters(R"([{"x": {"$in": [2, 3]}}])")),
            Canon(R"({"a": [[1, 12], [13]]})"));
}

TEST(UpdatePositionalTest, FilterErrors) {
  const char* doc = R"({"a": [1, 2]})";
  EXPECT_EQ(Upd(doc, R"({"$set": {"a.$[y]": 1}})", Filters(R"([{"x": 1}])")),
            "error 2: No array filter found for identifier 'y' in path 'a.$[y]'");
  EXPECT_EQ(Code(doc, R"({"$set": {"a.0": 1}})", Filters(R"([{"x": 1}])")), kFailedToParse);
  EXPECT_EQ(Code(doc, R"({"$set": {"a.$[X]": 1}})", Filters(R"([{"X": 1}])")), kBadValue);
  EXPECT_EQ(Code(doc, R"({"$set": {"a.$[x]": 1}})", Filters(R"([{"x": 1, "y": 2}])")),
            kFailedToParse);
  EXPECT_EQ(Code(doc, R"({"$set": {"a.$[x]": 1}})", Filters(R"([{"x": 1}, {"x": 2}])")),
            kFailedToParse);
  EXPECT_EQ(Code(doc, R"({"$set": {"a.$[x]": 1}})", Filters(R"([{}])")), kFailedToParse);
  EXPECT_EQ(Code(doc, R"({"$set": {"a.$[x]": 1}})", Filters(R"([{"x": {"$bad": 1}}])")), kBadValue);
  EXPECT_EQ(Code(doc, R"({"b": 1})", Filters(R"([{"x": 1}])")), kFailedToParse);
}

TEST(UpdatePositionalTest, RuntimeConflicts) {
  EXPECT_EQ(Upd(R"({"a": [1, 2]})", R"({"$set": {"a.$[]": 5, "a.$": 6}})", Pos(0)),
            "error 40: Update created a conflict at 'a.0'");
  EXPECT_EQ(Upd(R"({"a": [1, 2]})", R"({"$set": {"a.0": 5}, "$inc": {"a.$[x]": 1}})",
                Filters(R"([{"x": 2}])")),
            Canon(R"({"a": [5, 3]})"));
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
