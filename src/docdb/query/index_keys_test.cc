#include "docdb/query/index_keys.h"

#include <gtest/gtest.h>

#include "docdb/query/key_encoding.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::J;
using testing::V;

IndexKeyPattern Pattern(const char* json, bool sparse = false) {
  auto key = J(json);
  auto parsed = IndexKeyPattern::Parse(key.get(), sparse);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : IndexKeyPattern{};
}

std::vector<std::string> Keys(const char* doc, const IndexKeyPattern& pattern) {
  auto d = J(doc);
  auto keys = KeysForDocument(d.get(), pattern);
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  return keys.ok() ? keys.value() : std::vector<std::string>{};
}

std::string Enc(const char* json, bool desc = false) { return EncodeKeyValue(V(json).value, desc); }

// Top-level fields without arrays take a shortcut past the path walk; a dotted path one level
// down takes the walk. Both must give the same keys, for values of every type and compound keys.
TEST(IndexKeysTest, TopLevelShortcutAgreesWithThePathWalk) {
  const char* values[] = {"1",
                          "-2.5",
                          R"({"$numberLong": "7"})",
                          R"("text")",
                          "null",
                          "true",
                          R"({"x": 1, "y": [1, 2]})",
                          "{}",
                          R"({"$date": 5})",
                          R"({"$oid": "0123456789abcdef01234567"})",
                          R"({"$minKey": 1})",
                          R"({"$numberDecimal": "1.5"})",
                          R"({"$regularExpression": {"pattern": "a", "options": ""}})"};
  for (const char* a : values) {
    for (const char* b : values) {
      const std::string top = std::string(R"({"_id": 1, "a": )") + a + R"(, "b": )" + b + "}";
      const std::string nested = R"({"_id": 1, "n": )" + top + "}";
      for (bool desc : {false, true}) {
        const std::string order = desc ? "-1" : "1";
        auto shortcut = Pattern((R"({"a": 1, "b": )" + order + "}").c_str());
        auto walk = Pattern((R"({"n.a": 1, "n.b": )" + order + "}").c_str());
        EXPECT_EQ(Keys(top.c_str(), shortcut), Keys(nested.c_str(), walk)) << top;
      }
    }
  }
  // Where the shortcut does not apply (an array, a missing field) the walk decides, as before.
  EXPECT_EQ(Keys(R"({"a": [2, 1]})", Pattern(R"({"a": 1})")).size(), 2u);
  EXPECT_EQ(Keys(R"({"b": 1})", Pattern(R"({"a": 1})")), std::vector<std::string>{Enc("null")});
}

TEST(IndexKeysTest, ParsesPatterns) {
  auto p = Pattern(R"({"a": 1, "b.c": -1})");
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[1].path, "b.c");
  EXPECT_TRUE(p.fields[1].descending);
  for (const char* bad : {R"({})", R"({"a": 0})", R"({"a": "text"})", R"({"$a": 1})",
                          R"({"a..b": 1})", R"({"a": true})"}) {
    auto key = J(bad);
    EXPECT_FALSE(IndexKeyPattern::Parse(key.get(), false).ok()) << bad;
  }
}

TEST(IndexKeysTest, ScalarAndMissingFields) {
  auto p = Pattern(R"({"a": 1})");
  EXPECT_EQ(Keys(R"({"a": 5})", p), std::vector<std::string>{Enc("5")});
  EXPECT_EQ(Keys(R"({"b": 5})", p), std::vector<std::string>{Enc("null")});
  EXPECT_EQ(Keys(R"({"a": 5.0})", p), Keys(R"({"a": 5})", p));
}

TEST(IndexKeysTest, MultikeyOneKeyPerDistinctElement) {
  auto p = Pattern(R"({"a": 1})");
  auto keys = Keys(R"({"a": [3, 1, 3, [2]]})", p);
  std::vector<std::string> expected = {Enc("1"), Enc("3"), Enc("[2]")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(Keys(R"({"a": []})", p), std::vector<std::string>{Enc("null")});
}

TEST(IndexKeysTest, DottedPathsThroughArraysOfDocuments) {
  auto p = Pattern(R"({"a.b": 1})");
  auto keys = Keys(R"({"a": [{"b": 2}, {"b": [1, 2]}, {"c": 1}]})", p);
  std::vector<std::string> expected = {Enc("null"), Enc("1"), Enc("2")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys, expected);
}

TEST(IndexKeysTest, CompoundKeysWithDescendingFields) {
  auto p = Pattern(R"({"a": 1, "b": -1})");
  auto keys = Keys(R"({"a": [1, 2], "b": "x"})", p);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], Enc("1") + Enc(R"("x")", true));
  EXPECT_EQ(keys[1], Enc("2") + Enc(R"("x")", true));
}

TEST(IndexKeysTest, ParallelArraysAreRefused) {
  auto p = Pattern(R"({"a": 1, "b": 1})");
  auto d = J(R"({"a": [1, 2], "b": [3]})");
  auto keys = KeysForDocument(d.get(), p);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, kCannotIndexParallelArrays);
  // Two paths through the same array are not parallel.
  auto same = Pattern(R"({"a.x": 1, "a.y": 1})");
  EXPECT_EQ(Keys(R"({"a": [{"x": 1, "y": 2}]})", same).size(), 1u);
}

TEST(IndexKeysTest, SparseSkipsDocumentsMissingEveryField) {
  auto p = Pattern(R"({"a": 1, "b": 1})", /*sparse=*/true);
  EXPECT_TRUE(Keys(R"({"c": 1})", p).empty());
  EXPECT_EQ(Keys(R"({"b": 1})", p).size(), 1u);
  auto dense = Pattern(R"({"a": 1})");
  EXPECT_EQ(Keys(R"({"c": 1})", dense).size(), 1u);
}

}  // namespace
}  // namespace tactus::docdb::query
