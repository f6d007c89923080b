// Array semantics, with the MongoDB manual's "Query an Array" and "Query an Array of Embedded
// Documents" examples.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "docdb/query/matcher_test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::CompileError;
using testing::J;
using testing::M;
using Items = std::vector<std::string>;

const char* kInventory[] = {
    R"({"item": "journal", "qty": 25, "tags": ["blank", "red"], "dim_cm": [14, 21]})",
    R"({"item": "notebook", "qty": 50, "tags": ["red", "blank"], "dim_cm": [14, 21]})",
    R"({"item": "paper", "qty": 100, "tags": ["red", "blank", "plain"], "dim_cm": [14, 21]})",
    R"({"item": "planner", "qty": 75, "tags": ["blank", "red"], "dim_cm": [22.85, 30]})",
    R"({"item": "postcard", "qty": 45, "tags": ["blue"], "dim_cm": [10, 15.25]})",
};

const char* kStock[] = {
    R"({"item": "journal", "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]})",
    R"({"item": "notebook", "instock": [{"warehouse": "C", "qty": 5}]})",
    R"({"item": "paper", "instock": [{"warehouse": "A", "qty": 60}, {"warehouse": "B", "qty": 15}]})",
    R"({"item": "planner", "instock": [{"warehouse": "A", "qty": 40}, {"warehouse": "B", "qty": 5}]})",
    R"({"item": "postcard", "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]})",
};

template <std::size_t N>
Items Find(const char* filter, const char* (&docs)[N]) {
  Items out;
  for (const char* doc : docs) {
    if (!M(filter, doc)) continue;
    auto d = J(doc);
    bson_iter_t it;
    if (bson_iter_init_find(&it, d.get(), "item")) out.push_back(bson_iter_utf8(&it, nullptr));
  }
  return out;
}

TEST(MatcherArrayTest, ManualQueryAnArray) {
  EXPECT_EQ(Find(R"({"tags": ["red", "blank"]})", kInventory), (Items{"notebook"}));
  EXPECT_EQ(Find(R"({"tags": {"$all": ["red", "blank"]}})", kInventory),
            (Items{"journal", "notebook", "paper", "planner"}));
  EXPECT_EQ(Find(R"({"tags": "red"})", kInventory),
            (Items{"journal", "notebook", "paper", "planner"}));
  EXPECT_EQ(Find(R"({"dim_cm": {"$gt": 25}})", kInventory), (Items{"planner"}));
  EXPECT_EQ(Find(R"({"dim_cm": {"$gt": 15, "$lt": 20}})", kInventory),
            (Items{"journal", "notebook", "paper", "postcard"}));
  EXPECT_EQ(Find(R"({"dim_cm": {"$elemMatch": {"$gt": 22, "$lt": 30}}})", kInventory),
            (Items{"planner"}));
  EXPECT_EQ(Find(R"({"dim_cm.1": {"$gt": 25}})", kInventory), (Items{"planner"}));
  EXPECT_EQ(Find(R"({"tags": {"$size": 3}})", kInventory), (Items{"paper"}));
}

TEST(MatcherArrayTest, ManualQueryAnArrayOfEmbeddedDocuments) {
  EXPECT_EQ(Find(R"({"instock": {"warehouse": "A", "qty": 5}})", kStock), (Items{"journal"}));
  EXPECT_EQ(Find(R"({"instock": {"qty": 5, "warehouse": "A"}})", kStock), (Items{}));
  EXPECT_EQ(Find(R"({"instock.0.qty": {"$lte": 20}})", kStock),
            (Items{"journal", "notebook", "postcard"}));
  EXPECT_EQ(Find(R"({"instock.qty": {"$lte": 20}})", kStock),
            (Items{"journal", "notebook", "paper", "planner", "postcard"}));
  EXPECT_EQ(Find(R"({"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}})", kStock),
            (Items{"journal"}));
  EXPECT_EQ(Find(R"({"instock": {"$elemMatch": {"qty": {"$gt": 10, "$lte": 20}}}})", kStock),
            (Items{"journal", "paper", "postcard"}));
  EXPECT_EQ(Find(R"({"instock.qty": {"$gt": 10, "$lte": 20}})", kStock),
            (Items{"journal", "paper", "planner", "postcard"}));
  EXPECT_EQ(Find(R"({"instock.qty": 5, "instock.warehouse": "A"})", kStock),
            (Items{"journal", "planner"}));
}

TEST(MatcherArrayTest, WholeArrayAndNestedArrayEquality) {
  EXPECT_TRUE(M(R"({"a": [1, 2]})", R"({"a": [1, 2]})"));
  EXPECT_FALSE(M(R"({"a": [1, 2]})", R"({"a": [2, 1]})"));
  EXPECT_TRUE(M(R"({"a": [1, 2]})", R"({"a": [[1, 2], 3]})"));
  EXPECT_FALSE(M(R"({"a": 1})", R"({"a": [[1, 2], 3]})"));  // one level of expansion only
  EXPECT_TRUE(M(R"({"a": []})", R"({"a": []})"));
  EXPECT_TRUE(M(R"({"a": {"$gt": [1]}})", R"({"a": [2]})"));
}

TEST(MatcherArrayTest, ElemMatchForms) {
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"$gte": 80, "$lt": 85}}})", R"({"a": [82, 90]})"));
  EXPECT_FALSE(M(R"({"a": {"$elemMatch": {"$gte": 80, "$lt": 85}}})", R"({"a": [79, 90]})"));
  EXPECT_FALSE(M(R"({"a": {"$elemMatch": {"$gte": 80}}})", R"({"a": 82})"));  // not an array
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"b": 1, "c": {"$gt": 1}}}})",
                R"({"a": [{"b": 1, "c": 1}, {"b": 1, "c": 2}]})"));
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"$or": [{"b": 1}, {"c": 1}]}}})", R"({"a": [{"c": 1}]})"));
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"$not": {"$gt": 5}}}})", R"({"a": [9, 3]})"));
  EXPECT_TRUE(M(R"({"a.b": {"$elemMatch": {"c": 1}}})", R"({"a": [{"b": [{"c": 1}]}]})"));
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"$elemMatch": {"$eq": 1}}}})", R"({"a": [[0, 1]]})"));
  EXPECT_EQ(CompileError(R"({"a": {"$elemMatch": {"$expr": true}}})").code, kBadValue);
}

TEST(MatcherArrayTest, AllAndSize) {
  EXPECT_TRUE(M(R"({"a": {"$all": [1]}})", R"({"a": 1})"));
  EXPECT_FALSE(M(R"({"a": {"$all": []}})", R"({"a": [1]})"));
  EXPECT_TRUE(M(R"({"a": {"$all": [[1, 2]]}})", R"({"a": [1, 2]})"));
  EXPECT_TRUE(M(R"({"a": {"$all": [[1, 2]]}})", R"({"a": [[1, 2], 3]})"));
  EXPECT_TRUE(
      M(R"({"a": {"$all": [{"$regularExpression": {"pattern": "^x", "options": ""}}, "y"]}})",
        R"({"a": ["xa", "y"]})"));
  const char* doc =
      R"({"qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 100, "color": "blue"}, {"size": "L", "num": 100, "color": "green"}]})";
  EXPECT_TRUE(M(
      R"({"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}}, {"$elemMatch": {"num": 100, "color": "green"}}]}})",
      doc));
  EXPECT_FALSE(M(R"({"qty": {"$all": [{"$elemMatch": {"size": "XL"}}]}})", doc));
  EXPECT_EQ(CompileError(R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, 1]}})").message,
            "$all/$elemMatch has to be consistent");
  EXPECT_TRUE(M(R"({"a": {"$size": 0}})", R"({"a": []})"));
  EXPECT_FALSE(M(R"({"a": {"$size": 1}})", R"({"a": 1})"));
  EXPECT_TRUE(M(R"({"a.b": {"$size": 2}})", R"({"a": [{"b": [1]}, {"b": [1, 2]}]})"));
  EXPECT_TRUE(M(R"({"a": {"$size": 2.0}})", R"({"a": [1, 2]})"));
  EXPECT_EQ(CompileError(R"({"a": {"$size": 1.5}})").code, kBadValue);
}

TEST(MatcherArrayTest, MatchDetailsReportTheArrayPosition) {
  MatchDetails details;
  EXPECT_TRUE(M(R"({"a": 2})", R"({"a": [1, 2, 3]})", &details));
  EXPECT_EQ(details.array_position, 1);
  EXPECT_TRUE(M(R"({"a.b": {"$gt": 1}})", R"({"a": [{"b": 1}, {"b": 5}]})", &details));
  EXPECT_EQ(details.array_position, 1);
  EXPECT_TRUE(M(R"({"a": {"$elemMatch": {"x": 3}}})", R"({"a": [{"x": 1}, {"x": 2}, {"x": 3}]})",
                &details));
  EXPECT_EQ(details.array_position, 2);
  EXPECT_TRUE(M(R"({"a": 1})", R"({"a": 1})", &details));
  EXPECT_FALSE(details.array_position.has_value());
  EXPECT_TRUE(M(R"({"b": 1, "a": {"$ne": 5}})", R"({"a": [1, 2], "b": 1})", &details));
  EXPECT_FALSE(details.array_position.has_value());
}

}  // namespace
}  // namespace tactus::docdb::query
