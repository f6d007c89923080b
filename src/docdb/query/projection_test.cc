#include "docdb/query/projection.h"

#include <gtest/gtest.h>

#include "docdb/query/compare.h"
#include "docdb/query/matcher_test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::J;

// Applies `spec` to `doc` and compares with `expected` (Extended JSON, field order matters).
void ExpectProjects(const char* spec, const char* doc, const char* expected,
                    const MatchDetails* details = nullptr) {
  auto s = J(spec);
  auto projection = Projection::Compile(s.get());
  ASSERT_TRUE(projection.ok()) << spec << ": " << projection.error().message;
  auto d = J(doc);
  auto out = projection.value().Apply(d.get(), details);
  ASSERT_TRUE(out.ok()) << spec << ": " << out.error().message;
  auto want = J(expected);
  EXPECT_EQ(CompareDocuments(out.value().get(), want.get()), 0)
      << spec << " on " << doc << " gave " << ToJson(out.value().get()) << ", want " << expected;
}

DbError CompileError(const char* spec) {
  auto s = J(spec);
  auto projection = Projection::Compile(s.get());
  return projection.ok() ? DbError{0, "", {}, {}, {}} : projection.error();
}

const char* kDoc = R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2, 3, 4, 5]})";

TEST(ProjectionTest, InclusionKeepsIdAndDocumentOrder) {
  ExpectProjects(R"({"e": 1, "a": 1})", kDoc, R"({"_id": 1, "a": 1, "e": [1, 2, 3, 4, 5]})");
  ExpectProjects(R"({"a": 1, "_id": 0})", kDoc, R"({"a": 1})");
  ExpectProjects(R"({"b.c": 1})", kDoc, R"({"_id": 1, "b": {"c": 2}})");
  ExpectProjects(R"({"b": {"d": true}})", kDoc, R"({"_id": 1, "b": {"d": 3}})");
  ExpectProjects(R"({"zz": 1})", kDoc, R"({"_id": 1})");
  ExpectProjects(R"({"_id": 1})", kDoc, R"({"_id": 1})");
  ExpectProjects(R"({"_id": true, "b.c": 0})", kDoc,
                 R"({"_id": 1, "a": 1, "b": {"d": 3}, "e": [1, 2, 3, 4, 5]})");
  ExpectProjects(R"({"a.x": 1})", kDoc, R"({"_id": 1})");
  ExpectProjects(R"({"b.x": 1})", kDoc, R"({"_id": 1, "b": {}})");
}

TEST(ProjectionTest, ExclusionRemovesPaths) {
  ExpectProjects(R"({"e": 0, "b.c": 0})", kDoc, R"({"_id": 1, "a": 1, "b": {"d": 3}})");
  ExpectProjects(R"({"_id": 0})", kDoc, R"({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2, 3, 4, 5]})");
  ExpectProjects("{}", kDoc, kDoc);
}

TEST(ProjectionTest, DottedPathsThroughArrays) {
  const char* doc = R"({"_id": 1, "a": [{"b": 1, "c": 2}, 5, {"c": 3}, [{"b": 4}]]})";
  ExpectProjects(R"({"a.b": 1, "_id": 0})", doc, R"({"a": [{"b": 1}, {}, [{"b": 4}]]})");
  ExpectProjects(R"({"a.b": 0})", doc, R"({"_id": 1, "a": [{"c": 2}, 5, {"c": 3}, [{}]]})");
}

TEST(ProjectionTest, Slice) {
  ExpectProjects(R"({"e": {"$slice": 2}})", kDoc,
                 R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]})");
  ExpectProjects(R"({"e": {"$slice": -2}, "_id": 0, "a": 0, "b": 0})", kDoc, R"({"e": [4, 5]})");
  ExpectProjects(R"({"e": {"$slice": [1, 2]}, "a": 1})", kDoc,
                 R"({"_id": 1, "a": 1, "e": [2, 3]})");
  ExpectProjects(R"({"e": {"$slice": [-2, 5]}, "a": 1})", kDoc,
                 R"({"_id": 1, "a": 1, "e": [4, 5]})");
  ExpectProjects(R"({"e": {"$slice": [10, 5]}, "a": 1})", kDoc, R"({"_id": 1, "a": 1, "e": []})");
  ExpectProjects(R"({"e": {"$slice": -10}, "_id": 0, "a": 0, "b": 0})", kDoc,
                 R"({"e": [1, 2, 3, 4, 5]})");
  ExpectProjects(R"({"a": {"$slice": 1}, "_id": 0, "b": 0, "e": 0})", kDoc, R"({"a": 1})");
  EXPECT_EQ(CompileError(R"({"e": {"$slice": [1, 0]}})").code, 28724);
  EXPECT_EQ(CompileError(R"({"e": {"$slice": "x"}})").code, 28724);
}

TEST(ProjectionTest, ElemMatch) {
  const char* doc =
      R"({"_id": 1, "zip": 63109, "students": [{"name": "john", "school": 102}, {"name": "jess", "school": 102}, {"name": "jeff", "school": 108}]})";
  ExpectProjects(R"({"students": {"$elemMatch": {"school": 102}}})", doc,
                 R"({"_id": 1, "students": [{"name": "john", "school": 102}]})");
  ExpectProjects(R"({"students": {"$elemMatch": {"school": 999}}})", doc, R"({"_id": 1})");
  EXPECT_EQ(CompileError(R"({"a.b": {"$elemMatch": {"x": 1}}})").code, 31275);
}

TEST(ProjectionTest, PositionalUsesMatchDetails) {
  const char* doc = R"({"_id": 1, "grades": [80, 85, 90], "x": 1})";
  MatchDetails details;
  details.array_position = 1;
  ExpectProjects(R"({"grades.$": 1})", doc, R"({"_id": 1, "grades": [85]})", &details);
  const char* nested = R"({"_id": 1, "a": [{"b": 1, "c": 1}, {"b": 2, "c": 2}]})";
  ExpectProjects(R"({"a.b.$": 1})", nested, R"({"_id": 1, "a": [{"b": 2}]})", &details);

  // End to end with the matcher.
  auto filter = J(R"({"grades": {"$gte": 90}})");
  auto matcher = Matcher::Compile(filter.get());
  ASSERT_TRUE(matcher.ok());
  auto d = J(doc);
  MatchDetails found;
  ASSERT_TRUE(matcher.value().Matches(d.get(), &found).value());
  ExpectProjects(R"({"grades.$": 1})", doc, R"({"_id": 1, "grades": [90]})", &found);

  auto spec = J(R"({"grades.$": 1})");
  auto projection = Projection::Compile(spec.get());
  ASSERT_TRUE(projection.ok());
  MatchDetails none;
  auto failed = projection.value().Apply(d.get(), &none);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, 51246);
  EXPECT_FALSE(projection.value().Apply(d.get(), nullptr).ok());
}

TEST(ProjectionTest, CompileErrors) {
  EXPECT_EQ(CompileError(R"({"a": 1, "b": 0})").code, 31254);
  EXPECT_EQ(CompileError(R"({"a": 0, "b": 1})").code, 31254);
  EXPECT_EQ(CompileError(R"({"a": 1, "_id": 0})").code, 0);
  EXPECT_EQ(CompileError(R"({"a": 0, "_id": 1})").code, 0);
  EXPECT_EQ(CompileError(R"({"a": 1, "a.b": 1})").code, 31250);
  EXPECT_EQ(CompileError(R"({"a.b": 1, "a": 1})").code, 31250);
  EXPECT_EQ(CompileError(R"({"a.$": 1, "b.$": 1})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"$a": 1})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a..b": 1})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a": "literal"})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a": {"$meta": "textScore"}})").code, kBadValue);
  EXPECT_EQ(CompileError(R"({"a": {}})").code, kBadValue);
}

}  // namespace
}  // namespace tactus::docdb::query
