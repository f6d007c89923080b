// Internal to matcher.cc / match_parse.cc: the compiled form of a filter, a tree of nodes.
// Values referenced by nodes are views into the Matcher's copy of the filter document.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docdb/error.h"
#include "docdb/query/expr.h"
#include "docdb/query/matcher.h"
#include "docdb/query/path.h"
#include "docdb/query/regex.h"
#include "docdb/query/type_alias.h"

namespace tactus::docdb::query::internal {

// Per-call state: where positional details go (null when they must not be recorded, e.g.
// under $not) and the first run-time error, which turns the whole match into that error.
struct MatchContext {
  MatchDetails* details = nullptr;
  std::optional<DbError> error;

  void Fail(DbError e) {
    if (!error) error = std::move(e);
  }
};

class MatchNode {
 public:
  virtual ~MatchNode() = default;
  // Whether `root` (the document, or an array element under $elemMatch) matches.
  virtual bool Matches(const bson_value_t& root, MatchContext* ctx) const = 0;
};
using NodePtr = std::unique_ptr<MatchNode>;

// A test of one value a path reaches (BSON_TYPE_EOD when missing). `*position` may be set to
// the matching element's index by tests that look inside arrays ($elemMatch).
class ValueTest {
 public:
  virtual ~ValueTest() = default;
  virtual bool Test(const bson_value_t& v, MatchContext* ctx, std::int32_t* position) const = 0;
};
using TestPtr = std::unique_ptr<ValueTest>;

enum class CompareOp { kEq, kLt, kLte, kGt, kGte };

// Matching's comparison: type-bracketed, MinKey/MaxKey operands compare across types, NaN is
// equal only to NaN, and a missing value equals null.
bool CompareForMatch(CompareOp op, const bson_value_t& v, const bson_value_t& rhs);

TestPtr MakeCompareTest(CompareOp op, const bson_value_t& rhs);
// $in: equality with any of `values` or a match of any of `regexes`. More than `sorted_min`
// values are sorted once and binary-searched instead of compared one by one (same results;
// tests pass other thresholds to compare the two).
inline constexpr std::size_t kInSortedMin = 16;
TestPtr MakeInTest(std::vector<bson_value_t> values, std::vector<Regex> regexes,
                   std::size_t sorted_min = kInSortedMin);
TestPtr MakeRegexTest(Regex regex);
TestPtr MakeExistsTest();
TestPtr MakeTypeTest(BsonTypeSet types);
TestPtr MakeModTest(std::int64_t divisor, std::int64_t remainder);
TestPtr MakeSizeTest(std::int64_t size);
// $elemMatch: some element of an array matches `sub` (object form: only object and array
// elements are candidates).
TestPtr MakeElemMatchTest(NodePtr sub, bool object_form);

// Applies `test` to the values `path` reaches; true when any passes.
NodePtr MakePathNode(std::vector<std::string> path, TerminalArrays mode, TestPtr test);
NodePtr MakeAndNode(std::vector<NodePtr> children);
NodePtr MakeOrNode(std::vector<NodePtr> children);
NodePtr MakeNotNode(NodePtr child);
NodePtr MakeConstantNode(bool result);
NodePtr MakeExprNode(Expression expression);

}  // namespace tactus::docdb::query::internal
