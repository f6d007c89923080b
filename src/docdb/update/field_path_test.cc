#include "docdb/update/field_path.h"

#include <gtest/gtest.h>

namespace tactus::docdb::update {
namespace {

FieldPath P(std::string_view s) {
  auto r = ParseUpdatePath(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? r.value() : FieldPath{};
}

TEST(UpdateFieldPathTest, Parses) {
  FieldPath p = P("a.$.b.$[].c.$[x].0");
  ASSERT_EQ(p.parts.size(), 7u);
  EXPECT_EQ(p.parts[1].kind, ComponentKind::kPositional);
  EXPECT_EQ(p.parts[3].kind, ComponentKind::kAllPositional);
  EXPECT_EQ(p.parts[5].kind, ComponentKind::kFiltered);
  EXPECT_EQ(p.parts[5].name, "x");
  EXPECT_EQ(p.parts[6].name, "0");
  EXPECT_TRUE(p.HasArrayPositional());
  EXPECT_FALSE(P("a.b").HasPositional());
}

TEST(UpdateFieldPathTest, Indexes) {
  std::size_t i = 0;
  EXPECT_TRUE(ParseIndex("0", &i));
  EXPECT_TRUE(ParseIndex("12", &i));
  EXPECT_EQ(i, 12u);
  EXPECT_FALSE(ParseIndex("01", &i));
  EXPECT_FALSE(ParseIndex("-1", &i));
  EXPECT_FALSE(ParseIndex("1a", &i));
  EXPECT_FALSE(ParseIndex("", &i));
}

TEST(UpdateFieldPathTest, OrderAndConflicts) {
  EXPECT_LT(ComparePaths(P("a.9"), P("a.10")), 0);
  EXPECT_LT(ComparePaths(P("a"), P("a.b")), 0);
  EXPECT_LT(ComparePaths(P("a.b"), P("ab")), 0);
  EXPECT_EQ(ConflictAt(P("a.b"), P("a")), "a");
  EXPECT_EQ(ConflictAt(P("a.b"), P("a.b")), "a.b");
  EXPECT_EQ(ConflictAt(P("a.b"), P("a.bc")), std::nullopt);
}

}  // namespace
}  // namespace tactus::docdb::update
