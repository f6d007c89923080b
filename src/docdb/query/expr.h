// MongoDB's aggregation expression language, compiled once into a tree and evaluated over
// libbson values (docs/docdb.md, "Aggregation expressions", lists every operator).
//
//   values     literals, "$a.b" field paths (over arrays they collect the values of every
//              element, as MongoDB's aggregation does), "$$ROOT", "$$CURRENT", "$$NOW" (one
//              value per command: the ExprScope's now_ms), "$$REMOVE" (a missing value),
//              "$$var.path" for variables of $let/$map/$filter/$reduce and of aggregate's `let`,
//              $literal, and objects and arrays of expressions.
//   families   arithmetic, comparison, boolean, conditional, string, array, set, date (with
//              Olson time zones, tz.h), type conversion, object; one file each (expr_*.cc).
// Truthiness: false, null, missing, undefined and numeric zero are false; all else is true.
// Errors carry MongoDB's codes: 168 InvalidPipelineOperator "Unrecognized expression '$foo'",
// 16020 wrong argument count, 17276 undefined variable, 16554 bad $add operand, ... Parsing
// deeper than kMaxExprDepth levels is BadValue (2), so evaluation recursion is bounded too.
// Thread safety: a parsed Expression is immutable; Evaluate may run concurrently with distinct
// EvalContexts.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "docdb/error.h"
#include "docdb/query/value.h"

namespace tactus::docdb::query {

inline constexpr std::int32_t kInvalidPipelineOperator = 168;
inline constexpr std::int32_t kExpressionArgumentCount = 16020;
inline constexpr std::int32_t kUndefinedVariable = 17276;
// Nesting limit of expressions (and of the documents they are written in).
inline constexpr int kMaxExprDepth = 100;

// Variable slots every scope has.
inline constexpr int kRootSlot = 0;
inline constexpr int kCurrentSlot = 1;
inline constexpr int kNowSlot = 2;
inline constexpr int kFirstUserSlot = 3;

// Parse-time variables of one command: names in scope and the slot each occupies. Every
// expression of a command (a whole pipeline, sub-pipelines included) shares one scope, so one
// EvalContext of slot_count() slots evaluates all of them. Not thread-safe.
class ExprScope {
 public:
  explicit ExprScope(std::int64_t now_ms) : now_ms_(now_ms) {}
  // Brings `name` into scope in a new slot (shadowing an outer one) and returns the slot.
  int Define(std::string_view name);
  // The innermost slot named `name`; -1 when not in scope.
  int Find(std::string_view name) const;
  // Removes the `count` most recent definitions from scope (their slots stay allocated).
  void Pop(int count);
  int slot_count() const { return next_slot_; }
  std::int64_t now_ms() const { return now_ms_; }

 private:
  std::int64_t now_ms_;
  std::vector<std::pair<std::string, int>> visible_;
  int next_slot_ = kFirstUserSlot;
};

// The run-time variables. Cheap to reuse across documents: SetRoot for each.
class EvalContext {
 public:
  EvalContext(int slot_count, std::int64_t now_ms);
  // Sets $$ROOT and $$CURRENT to `doc` (a view: keep it alive while evaluating).
  void SetRoot(const bson_value_t& doc);
  void SetRoot(const bson_t* doc);
  Value& slot(int i) { return vars_[static_cast<std::size_t>(i)]; }
  std::int64_t now_ms() const { return now_ms_; }

 private:
  std::vector<Value> vars_;
  std::int64_t now_ms_;
};

// Validates a user variable name as MongoDB does: a lowercase letter or non-ASCII first
// character, then letters, digits and '_'. FailedToParse (9) naming it otherwise.
DbResult<Done> ValidateVariableName(std::string_view name);

// Aggregation truthiness (see above).
bool IsTruthy(const Value& v);
// A value as relaxed Extended JSON, for error messages ("missing" for a missing value).
std::string RenderValue(const Value& v);

namespace internal {
class ExprNode;
}

class Expression {
 public:
  // Parses `spec` in `scope`. REQUIRES: `spec` outlives the Expression (literals are views).
  static DbResult<Expression> Parse(const bson_value_t& spec, ExprScope& scope, int depth = 0);
  // Parses with a scope of its own whose $$NOW is the current time (filters' $expr).
  static DbResult<Expression> Parse(const bson_value_t& spec, int depth = 0);

  // Evaluates against the variables in `ctx` (SetRoot first). Missing results are
  // BSON_TYPE_EOD values.
  DbResult<Value> Evaluate(EvalContext& ctx) const;

  // For a standalone-parsed expression: evaluates against the document `root` and returns the
  // result's truthiness.
  DbResult<bool> EvaluateTruthy(const bson_value_t& root) const;

  // The path when the expression is a plain "$a.b" field path of $$CURRENT, else nullptr.
  const std::vector<std::string>* FieldPath() const;
  // True when the expression is a constant (a literal).
  bool IsLiteral() const;

 private:
  Expression(std::shared_ptr<const internal::ExprNode> node, int slots, std::int64_t now_ms);
  std::shared_ptr<const internal::ExprNode> node_;
  int slots_ = kFirstUserSlot;
  std::int64_t now_ms_ = 0;
};

}  // namespace tactus::docdb::query
