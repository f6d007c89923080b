// $push (with $each $position $sort $slice), $addToSet, $pop, $pull, $pullAll; examples from the
// MongoDB manual.
#include <gtest/gtest.h>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

TEST(UpdatePushTest, ValuesAndEach) {
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [44, 78, 38, 80]})", R"({"$push": {"scores": 89}})"),
            Canon(R"({"_id": 1, "scores": [44, 78, 38, 80, 89]})"));
  EXPECT_EQ(
      Upd(R"({"_id": 1, "scores": [44]})", R"({"$push": {"scores": {"$each": [90, 92, 85]}}})"),
      Canon(R"({"_id": 1, "scores": [44, 90, 92, 85]})"));
  EXPECT_EQ(Upd(R"({"_id": 1})", R"({"$push": {"a.b": [1]}})"),
            Canon(R"({"_id": 1, "a": {"b": [[1]]}})"));
  // A document without $each is a value.
  EXPECT_EQ(Upd(R"({"a": []})", R"({"$push": {"a": {"x": 1}}})"), Canon(R"({"a": [{"x": 1}]})"));
}

TEST(UpdatePushTest, SortAndSliceManualExample) {
  EXPECT_EQ(Upd(R"({"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
      {"wk": 3, "score": 5}, {"wk": 4, "score": 6}]})",
                R"({"$push": {"quizzes": {"$each": [{"wk": 5, "score": 8},
      {"wk": 6, "score": 7}, {"wk": 7, "score": 6}], "$sort": {"score": -1}, "$slice": 3}}})"),
            Canon(R"({"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
      {"wk": 5, "score": 8}]})"));
}

TEST(UpdatePushTest, Position) {
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [100]})",
                R"({"$push": {"scores": {"$each": [50, 60, 70], "$position": 0}}})"),
            Canon(R"({"_id": 1, "scores": [50, 60, 70, 100]})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [50, 60, 70, 100]})",
                R"({"$push": {"scores": {"$each": [20, 30], "$position": 2}}})"),
            Canon(R"({"_id": 1, "scores": [50, 60, 20, 30, 70, 100]})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [50, 60, 20, 30, 70, 100]})",
                R"({"$push": {"scores": {"$each": [90, 80], "$position": -2}}})"),
            Canon(R"({"_id": 1, "scores": [50, 60, 20, 30, 90, 80, 70, 100]})"));
  EXPECT_EQ(Upd(R"({"s": [1]})", R"({"$push": {"s": {"$each": [2], "$position": 99}}})"),
            Canon(R"({"s": [1, 2]})"));
  EXPECT_EQ(Upd(R"({"s": [1]})", R"({"$push": {"s": {"$each": [2], "$position": -99}}})"),
            Canon(R"({"s": [2, 1]})"));
}

TEST(UpdatePushTest, Slice) {
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [40, 50, 60]})",
                R"({"$push": {"scores": {"$each": [80, 78, 86], "$slice": -5}}})"),
            Canon(R"({"_id": 1, "scores": [50, 60, 80, 78, 86]})"));
  EXPECT_EQ(Upd(R"({"_id": 2, "scores": [89, 90]})",
                R"({"$push": {"scores": {"$each": [100, 20], "$slice": 3}}})"),
            Canon(R"({"_id": 2, "scores": [89, 90, 100]})"));
  EXPECT_EQ(Upd(R"({"_id": 3, "scores": [89, 70, 100, 20]})",
                R"({"$push": {"scores": {"$each": [], "$slice": 0}}})"),
            Canon(R"({"_id": 3, "scores": []})"));
}

TEST(UpdatePushTest, Sort) {
  EXPECT_EQ(Upd(R"({"_id": 1, "quizzes": [{"id": 1, "score": 6}, {"id": 2, "score": 9}]})",
                R"({"$push": {"quizzes": {"$each": [{"id": 3, "score": 8}, {"id": 4, "score": 7},
      {"id": 5, "score": 6}], "$sort": {"score": 1}}}})"),
            Canon(R"({"_id": 1, "quizzes": [{"id": 1, "score": 6}, {"id": 5, "score": 6},
      {"id": 4, "score": 7}, {"id": 3, "score": 8}, {"id": 2, "score": 9}]})"));
  EXPECT_EQ(Upd(R"({"_id": 2, "tests": [89, 70, 89, 50]})",
                R"({"$push": {"tests": {"$each": [40, 60], "$sort": 1}}})"),
            Canon(R"({"_id": 2, "tests": [40, 50, 60, 70, 89, 89]})"));
  EXPECT_EQ(Upd(R"({"_id": 3, "tests": [89, 70, 100, 20]})",
                R"({"$push": {"tests": {"$each": [], "$sort": -1}}})"),
            Canon(R"({"_id": 3, "tests": [100, 89, 70, 20]})"));
  EXPECT_EQ(Upd(R"({"a": [{"x": {"y": 2}}, {"x": {"y": 1}}, {"z": 1}]})",
                R"({"$push": {"a": {"$each": [], "$sort": {"x.y": 1}}}})"),
            Canon(R"({"a": [{"z": 1}, {"x": {"y": 1}}, {"x": {"y": 2}}]})"));
}

TEST(UpdatePushTest, Errors) {
  EXPECT_EQ(Upd(R"({"_id": 1, "a": 1})", R"({"$push": {"a": 2}})"),
            "error 14: The field 'a' must be an array but is of type int in document {_id: 1}");
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": 1}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$slice": "x"}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$slice": 1.5}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$position": "x"}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$sort": 2}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$sort": {}}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$sort": {"b": 0}}}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$push": {"a": {"$each": [1], "$foo": 1}}})"), kBadValue);
}

TEST(UpdateAddToSetTest, ManualExamples) {
  EXPECT_EQ(
      Upd(R"({"_id": 1, "letters": ["a", "b"]})", R"({"$addToSet": {"letters": ["c", "d"]}})"),
      Canon(R"({"_id": 1, "letters": ["a", "b", ["c", "d"]]})"));
  const char* doc = R"({"_id": 1, "tags": ["electronics", "camera"]})";
  EXPECT_EQ(Upd(doc, R"({"$addToSet": {"tags": "accessories"}})"),
            Canon(R"({"_id": 1, "tags": ["electronics", "camera", "accessories"]})"));
  EXPECT_EQ(Upd(doc, R"({"$addToSet": {"tags": "camera"}})"), Canon(doc));
  EXPECT_EQ(Upd(R"({"_id": 2, "tags": ["electronics", "supplies"]})",
                R"({"$addToSet": {"tags": {"$each": ["camera", "electronics", "accessories",
      "camera"]}}})"),
            Canon(R"({"_id": 2, "tags": ["electronics", "supplies", "camera", "accessories"]})"));
  // Numbers compare by value: 1.0 is already there.
  EXPECT_EQ(Upd(R"({"a": [1]})", R"({"$addToSet": {"a": 1.0}})"), Canon(R"({"a": [1]})"));
  EXPECT_EQ(Upd(R"({})", R"({"$addToSet": {"a": {"$each": [1, 1, 2]}}})"),
            Canon(R"({"a": [1, 2]})"));
}

TEST(UpdateAddToSetTest, Errors) {
  EXPECT_EQ(Code(R"({"a": 1})", R"({"$addToSet": {"a": 2}})"), kTypeMismatch);
  EXPECT_EQ(Code(R"({})", R"({"$addToSet": {"a": {"$each": 2}}})"), kTypeMismatch);
  EXPECT_EQ(Code(R"({})", R"({"$addToSet": {"a": {"$each": [2], "$slice": 1}}})"), kBadValue);
}

TEST(UpdatePopTest, FirstAndLast) {
  EXPECT_EQ(Upd(R"({"_id": 1, "scores": [8, 9, 10]})", R"({"$pop": {"scores": -1}})"),
            Canon(R"({"_id": 1, "scores": [9, 10]})"));
  EXPECT_EQ(Upd(R"({"_id": 10, "scores": [9, 10]})", R"({"$pop": {"scores": 1}})"),
            Canon(R"({"_id": 10, "scores": [9]})"));
  EXPECT_EQ(Upd(R"({"s": []})", R"({"$pop": {"s": 1, "t": 1}})"), Canon(R"({"s": []})"));
  EXPECT_EQ(Code(R"({"s": [1]})", R"({"$pop": {"s": 2}})"), kFailedToParse);
  EXPECT_EQ(Code(R"({"s": 1})", R"({"$pop": {"s": 1}})"), kTypeMismatch);
}

TEST(UpdatePullTest, ValuesAndConditions) {
  EXPECT_EQ(
      Upd(R"({"_id": 1, "fruits": ["apples", "pears", "oranges", "grapes", "bananas"],
      "vegetables": ["carrots", "celery", "squash", "carrots"]})",
          R"({"$pull": {"fruits": {"$in": ["apples", "oranges"]}, "vegetables": "carrots"}})"),
      Canon(R"({"_id": 1, "fruits": ["pears", "grapes", "bananas"],
      "vegetables": ["celery", "squash"]})"));
  EXPECT_EQ(
      Upd(R"({"_id": 1, "votes": [3, 5, 6, 7, 7, 8]})", R"({"$pull": {"votes": {"$gte": 6}}})"),
      Canon(R"({"_id": 1, "votes": [3, 5]})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]})",
                R"({"$pull": {"results": {"score": 8, "item": "B"}}})"),
            Canon(R"({"_id": 1, "results": [{"item": "A", "score": 5}]})"));
  EXPECT_EQ(
      Upd(R"({"_id": 1, "results": [
      {"item": "A", "score": 5, "answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]},
      {"item": "B", "score": 8, "answers": [{"q": 1, "a": 8}, {"q": 2, "a": 9}]}]})",
          R"({"$pull": {"results": {"answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}})"),
      Canon(R"({"_id": 1, "results": [
      {"item": "A", "score": 5, "answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]}]})"));
  // Equality of numbers across types; missing fields and non-arrays.
  EXPECT_EQ(Upd(R"({"a": [1, 2.0, {"$numberLong": "2"}]})", R"({"$pull": {"a": 2, "b": 1}})"),
            Canon(R"({"a": [1]})"));
  EXPECT_EQ(Upd(R"({"a": ["ab", "b", "ac", 3]})", R"({"$pull": {"a": {"$regex": "^a"}}})"),
            Canon(R"({"a": ["b", 3]})"));
  EXPECT_EQ(Upd(R"({"a": [1, "x", null, [2]]})", R"({"$pull": {"a": {"$type": "string"}}})"),
            Canon(R"({"a": [1, null, [2]]})"));
  // A query document only matches document elements.
  EXPECT_EQ(Upd(R"({"a": [1, {"b": 1}, {"b": 2}]})", R"({"$pull": {"a": {"b": {"$lt": 2}}}})"),
            Canon(R"({"a": [1, {"b": 2}]})"));
  EXPECT_EQ(Code(R"({"a": 1})", R"({"$pull": {"a": 1}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": [1]})", R"({"$pull": {"a": {"$foo": 1}}})"), kBadValue);
}

TEST(UpdatePullAllTest, ManualExample) {
  EXPECT_EQ(
      Upd(R"({"_id": 1, "scores": [0, 2, 5, 5, 1, 0]})", R"({"$pullAll": {"scores": [0, 5]}})"),
      Canon(R"({"_id": 1, "scores": [2, 1]})"));
  EXPECT_EQ(Code(R"({"a": [1]})", R"({"$pullAll": {"a": 1}})"), kBadValue);
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
