#include "docdb/query/path.h"

#include <gtest/gtest.h>

#include "docdb/bson_util.h"
#include "docdb/query/compare.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::J;
using testing::V;

// The hits as relaxed JSON, "<missing>" for missing ones, "@k" appended when a position is set.
std::vector<std::string> Hits(const char* doc, const char* path,
                              TerminalArrays mode = TerminalArrays::kElementsThenArray) {
  auto d = J(doc);
  std::vector<PathHit> hits;
  FindPath(d.get(), SplitPath(path), mode, &hits);
  std::vector<std::string> out;
  for (const PathHit& hit : hits) {
    std::string text = "<missing>";
    if (!hit.missing()) {
      auto holder = NewBson();
      bson_append_value(holder.get(), "v", 1, &hit.value);
      text = ToJson(holder.get());
      text = text.substr(8, text.size() - 10);  // strip { "v" : ... }
    }
    if (hit.array_position >= 0) text += "@" + std::to_string(hit.array_position);
    out.push_back(text);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(PathTest, SplitsAndParsesIndexes) {
  EXPECT_EQ(SplitPath("a.b.c"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(SplitPath("a..b"), (Strings{"a", "", "b"}));
  EXPECT_TRUE(SplitPath("").empty());
  EXPECT_EQ(ArrayIndexOf("0"), 0);
  EXPECT_EQ(ArrayIndexOf("12"), 12);
  EXPECT_EQ(ArrayIndexOf("01"), -1);
  EXPECT_EQ(ArrayIndexOf("-1"), -1);
  EXPECT_EQ(ArrayIndexOf("a"), -1);
}

TEST(PathTest, ObjectsAndMissingValues) {
  EXPECT_EQ(Hits(R"({"a": {"b": 1}})", "a.b"), (Strings{"1"}));
  EXPECT_EQ(Hits(R"({"a": {"b": 1}})", "a.c"), (Strings{"<missing>"}));
  EXPECT_EQ(Hits(R"({"a": 5})", "a.b"), (Strings{"<missing>"}));
  EXPECT_EQ(Hits(R"({})", "a"), (Strings{"<missing>"}));
}

TEST(PathTest, TerminalArraysExpand) {
  EXPECT_EQ(Hits(R"({"a": [1, [2]]})", "a"), (Strings{"1@0", "[ 2 ]@1", "[ 1, [ 2 ] ]"}));
  EXPECT_EQ(Hits(R"({"a": [1, 2]})", "a", TerminalArrays::kKeep), (Strings{"[ 1, 2 ]"}));
  EXPECT_EQ(Hits(R"({"a": [1, 2]})", "a", TerminalArrays::kElementsOnly), (Strings{"1@0", "2@1"}));
  EXPECT_EQ(Hits(R"({"a": []})", "a", TerminalArrays::kElementsOnly), (Strings{"[  ]"}));
}

TEST(PathTest, ArraysOfDocuments) {
  EXPECT_EQ(Hits(R"({"a": [{"b": 1}, {"b": [2, 3]}, {"c": 0}, 7]})", "a.b"),
            (Strings{"1@0", "2@1", "3@1", "[ 2, 3 ]@1", "<missing>@2"}));
  EXPECT_EQ(Hits(R"({"a": [1, 2]})", "a.b"), (Strings{"<missing>"}));
  // Arrays directly inside arrays are not entered mid-path.
  EXPECT_EQ(Hits(R"({"a": [[{"b": 1}]]})", "a.b"), (Strings{"<missing>"}));
}

TEST(PathTest, NumericComponents) {
  EXPECT_EQ(Hits(R"({"a": [5, 6]})", "a.1"), (Strings{"6@1"}));
  EXPECT_EQ(Hits(R"({"a": [{"b": 1}, {"b": 2}]})", "a.0.b"), (Strings{"1@0"}));
  EXPECT_EQ(Hits(R"({"a": {"0": "x"}})", "a.0"), (Strings{"\"x\""}));
  EXPECT_EQ(Hits(R"({"a": [5]})", "a.3"), (Strings{"<missing>"}));
}

TEST(PathTest, EmptyPathIsTheRootItself) {
  auto v = V("[1, 2]");
  std::vector<PathHit> hits;
  FindPath(v.value, {}, TerminalArrays::kElementsThenArray, &hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(CompareValues(hits[0].value, v.value), 0);
}

}  // namespace
}  // namespace tactus::docdb::query
