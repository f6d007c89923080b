#include "docdb/query/sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::J;

// Sorts documents (each with a distinct "n") by `spec`; returns the n values in order.
std::vector<int> SortedIds(const char* spec, const std::vector<const char*>& docs) {
  auto s = J(spec);
  auto sort = SortSpec::Compile(s.get());
  EXPECT_TRUE(sort.ok()) << spec;
  std::vector<std::pair<std::string, int>> keyed;
  for (const char* doc : docs) {
    auto d = J(doc);
    bson_iter_t it;
    EXPECT_TRUE(bson_iter_init_find(&it, d.get(), "n"));
    keyed.emplace_back(sort.value().KeyFor(d.get()), bson_iter_int32(&it));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<int> out;
  for (const auto& [key, n] : keyed) out.push_back(n);
  return out;
}

TEST(SortTest, AscendingAndDescendingAcrossTypes) {
  std::vector<const char*> docs = {R"({"n": 1, "a": "x"})", R"({"n": 2, "a": 5})",
                                   R"({"n": 3})",           R"({"n": 4, "a": null})",
                                   R"({"n": 5, "a": 2.5})", R"({"n": 6, "a": {"b": 1}})"};
  EXPECT_EQ(SortedIds(R"({"a": 1})", docs), (std::vector<int>{3, 4, 5, 2, 1, 6}));
  EXPECT_EQ(SortedIds(R"({"a": -1})", docs), (std::vector<int>{6, 1, 2, 5, 3, 4}));
}

TEST(SortTest, CompoundSpecs) {
  std::vector<const char*> docs = {R"({"n": 1, "a": 1, "b": 1})", R"({"n": 2, "a": 1, "b": 2})",
                                   R"({"n": 3, "a": 0, "b": 0})"};
  EXPECT_EQ(SortedIds(R"({"a": 1, "b": -1})", docs), (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(SortedIds(R"({"a": -1, "b": 1})", docs), (std::vector<int>{1, 2, 3}));
}

TEST(SortTest, ArraysSortByMinAscendingAndMaxDescending) {
  std::vector<const char*> docs = {R"({"n": 1, "a": [1, 10]})", R"({"n": 2, "a": [5, 6]})",
                                   R"({"n": 3, "a": 3})", R"({"n": 4, "a": []})", R"({"n": 5})"};
  EXPECT_EQ(SortedIds(R"({"a": 1})", docs), (std::vector<int>{4, 5, 1, 3, 2}));
  EXPECT_EQ(SortedIds(R"({"a": -1})", docs), (std::vector<int>{1, 2, 3, 5, 4}));
}

TEST(SortTest, DottedPathsThroughArrays) {
  std::vector<const char*> docs = {R"({"n": 1, "a": [{"b": 4}, {"b": 2}]})",
                                   R"({"n": 2, "a": [{"b": 3}]})", R"({"n": 3, "a": {"b": 1}})"};
  EXPECT_EQ(SortedIds(R"({"a.b": 1})", docs), (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(SortedIds(R"({"a.b": -1})", docs), (std::vector<int>{1, 2, 3}));
}

TEST(SortTest, CompareAndErrors) {
  auto s = J(R"({"a": 1})");
  auto sort = SortSpec::Compile(s.get());
  ASSERT_TRUE(sort.ok());
  auto x = J(R"({"a": 1})"), y = J(R"({"a": 1.0})"), z = J(R"({"a": 2})");
  EXPECT_EQ(sort.value().Compare(x.get(), y.get()), 0);
  EXPECT_LT(sort.value().Compare(x.get(), z.get()), 0);
  for (const char* bad : {R"({"a": 2})", R"({"a": "asc"})", R"({"a": {"$meta": "textScore"}})",
                          R"({"": 1})", R"({"$a": 1})"}) {
    auto b = J(bad);
    EXPECT_FALSE(SortSpec::Compile(b.get()).ok()) << bad;
  }
  auto empty = J("{}");
  EXPECT_TRUE(SortSpec::Compile(empty.get()).value().empty());
}

}  // namespace
}  // namespace tactus::docdb::query
