// Internal to the expr_*.cc files: the parsed form of an aggregation expression and the
// operator table each family file contributes to.
#pragma once

#include <bson/bson.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "docdb/error.h"
#include "docdb/query/expr.h"
#include "docdb/query/value.h"

namespace tactus::docdb::query::internal {

class ExprNode;
using EvalFn = DbResult<Value> (*)(const ExprNode& node, EvalContext& ctx);
// Parses an operator's operand into node.args (and node.slots/option/extra). When null, the
// operand is an array of positional arguments (or one argument) checked against the arity.
using ParseFn = DbResult<Done> (*)(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                                   int depth);

struct OpDef {
  const char* name;
  int min_args;
  int max_args;  // -1: any
  EvalFn eval;
  ParseFn parse = nullptr;
};

class ExprNode {
 public:
  enum class Kind { kLiteral, kVariable, kOperator, kObject, kArray };

  Kind kind = Kind::kLiteral;
  Value literal;                  // kLiteral
  int var = kCurrentSlot;         // kVariable: the slot ...
  std::vector<std::string> path;  // ... and the path below it
  const OpDef* op = nullptr;      // kOperator
  // Operands; named-argument operators keep a fixed position per name (nullptr when absent).
  std::vector<std::unique_ptr<ExprNode>> args;
  std::vector<std::string> keys;  // kObject
  std::vector<int> slots;         // variables bound by $let / $map / $filter / $reduce
  std::int64_t option = 0;        // operator-specific parse-time data
  std::shared_ptr<const void> extra;

  DbResult<Value> Evaluate(EvalContext& ctx) const;
  std::string name() const { return op ? op->name : ""; }
};

DbResult<std::unique_ptr<ExprNode>> ParseExprNode(const bson_value_t& spec, ExprScope& scope,
                                                  int depth);

// Parses a document operand {name: expr, ...} into node.args in the order of `names`. Unknown
// names fail with `code` "Unrecognized parameter to $op: x"; missing required ones with
// `code` "Missing 'x' parameter to $op".
DbResult<Done> ParseNamedArgs(ExprNode& node, const bson_value_t& operand,
                              std::initializer_list<const char*> names,
                              std::initializer_list<const char*> required, ExprScope& scope,
                              int depth, std::int32_t code = kFailedToParse);

// Evaluates every argument (absent named arguments give missing values).
DbResult<Done> EvalArgs(const ExprNode& node, EvalContext& ctx, std::vector<Value>* out);
// Evaluates argument i; missing when absent.
DbResult<Value> EvalArg(const ExprNode& node, std::size_t i, EvalContext& ctx);

bool Truthy(const Value& v);
// Aggregation comparison: full BSON order, no type brackets; missing sorts below null.
int CompareExpr(const Value& a, const Value& b);
// Aggregation field-path semantics from `cur`, starting at parts[i].
Value LookupPath(const bson_value_t& cur, const std::vector<std::string>& parts, std::size_t i);
// MongoDB's type name ("missing" for a missing value).
std::string TypeName(const Value& v);
// Number helpers.
bool IsNumeric(const Value& v);
bool IsIntegral(const Value& v);  // int32/int64, or a double with an integral value
double AsDouble(const Value& v);
std::int64_t AsInt64(const Value& v);
// MongoDB's coercion to string ($toString of numbers, dates, strings; null gives "").
DbResult<std::string> CoerceValueToString(const Value& v);
// A human-readable rendering for error messages.
std::string Render(const Value& v);

std::span<const OpDef> ArithmeticOps();
std::span<const OpDef> LogicOps();  // comparison, boolean, conditional, $let, $literal
std::span<const OpDef> StringOps();
std::span<const OpDef> RegexOps();
std::span<const OpDef> ArrayOps();
std::span<const OpDef> SetOps();
std::span<const OpDef> DateOps();
std::span<const OpDef> DateArithmeticOps();
std::span<const OpDef> TypeOps();
std::span<const OpDef> ObjectOps();

}  // namespace tactus::docdb::query::internal
