// Internal to expr.cc / expr_parse.cc: the parsed form of an $expr expression.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::query::internal {

// A value produced by evaluation; `storage` owns built arrays and objects.
struct Value {
  bson_value_t v{};
  std::shared_ptr<bson_t> storage;

  bool missing() const { return v.value_type == BSON_TYPE_EOD; }
  bool nullish() const {
    return missing() || v.value_type == BSON_TYPE_NULL || v.value_type == BSON_TYPE_UNDEFINED;
  }
};

class ExprNode {
 public:
  enum class Kind { kLiteral, kPath, kOperator, kObject, kArray };

  Kind kind = Kind::kLiteral;
  bson_value_t literal{};
  std::vector<std::string> path;  // kPath: from the root
  std::string name;               // kOperator: "$add"; kObject: unused
  std::vector<std::string> keys;  // kObject
  std::vector<std::unique_ptr<ExprNode>> args;

  DbResult<Value> Evaluate(const bson_value_t& root) const;

 private:
  DbResult<Value> EvaluateOperator(const bson_value_t& root) const;
  DbResult<Value> Arithmetic(const std::vector<Value>& values) const;
};

// Parses one expression node; errors as documented on Expression::Parse.
DbResult<std::unique_ptr<ExprNode>> ParseExprNode(const bson_value_t& spec, int depth);

// Aggregation truthiness: false, null, missing, undefined and numeric zero are false.
bool Truthy(const Value& v);

}  // namespace tactus::docdb::query::internal
