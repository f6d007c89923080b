// The aggregation-expression subset $expr accepts in filters:
//   comparisons  $eq $ne $gt $gte $lt $lte $cmp  ([a, b]; full BSON order, no type brackets;
//                a missing value sorts below null and does not equal it)
//   logic        $and $or (arrays of expressions) $not ([e] or e)
//   arithmetic   $add $subtract $multiply $divide (int32 widens to int64 and then to double on
//                overflow; $divide returns a double; date + number and date - date/number as
//                MongoDB; null or missing operands give null)
//   values       "$a.b" field paths (over arrays they collect the values, as MongoDB's
//                aggregation does), "$$ROOT"/"$$CURRENT", $literal, literals, and objects and
//                arrays of expressions.
// Truthiness: false, null, missing, undefined and numeric zero are false; all else is true.
// Thread safety: immutable after Parse; Evaluate may run concurrently.
#pragma once

#include <bson/bson.h>

#include <memory>

#include "docdb/error.h"

namespace tactus::docdb::query {

inline constexpr std::int32_t kInvalidPipelineOperator = 168;
inline constexpr std::int32_t kExpressionArgumentCount = 16020;

namespace internal {
class ExprNode;
}

class Expression {
 public:
  // Parses an expression. InvalidPipelineOperator (168) "Unrecognized expression '$foo'",
  // 16020 "Expression $eq takes exactly 2 arguments. 1 were passed in.", BadValue (2) for
  // nesting deeper than 100 levels. REQUIRES: `spec` outlives the Expression (it keeps views).
  static DbResult<Expression> Parse(const bson_value_t& spec, int depth = 0);

  // Evaluates against the document `root` and returns the result's truthiness. Errors: 16554
  // "$add only supports numeric or date types, not string", 16555 / 16556 / 16609 for
  // $multiply / $subtract / $divide, BadValue (2) "can't $divide by zero" and for decimal128
  // arithmetic (not supported).
  DbResult<bool> EvaluateTruthy(const bson_value_t& root) const;

 private:
  explicit Expression(std::shared_ptr<const internal::ExprNode> node);
  std::shared_ptr<const internal::ExprNode> node_;
};

}  // namespace tactus::docdb::query
