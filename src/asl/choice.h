// Choice rules: the 39 comparison operators with And, Or and Not.
//
// Semantics (as AWS): a comparison whose Variable holds a value of the wrong type is false, never
// an error (NumericEquals on a string is false; TimestampEquals on a non-timestamp is false).
// Numbers compare by value; strings by code point; timestamps as instants. StringMatches
// supports '*' wildcards with '\*' and '\\' escapes. Is* operators compare the test's outcome with
// their boolean operand. A Variable that selects nothing makes IsPresent false and every other
// operator fail with States.Runtime, as AWS does.
//
// Thread-safe: a compiled rule is immutable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asl/failure.h"
#include "asl/jsonpath.h"
#include "asl/payload.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::asl {

enum class ChoiceOp {
  kStringEquals,
  kStringLessThan,
  kStringGreaterThan,
  kStringLessThanEquals,
  kStringGreaterThanEquals,
  kStringMatches,
  kNumericEquals,
  kNumericLessThan,
  kNumericGreaterThan,
  kNumericLessThanEquals,
  kNumericGreaterThanEquals,
  kBooleanEquals,
  kTimestampEquals,
  kTimestampLessThan,
  kTimestampGreaterThan,
  kTimestampLessThanEquals,
  kTimestampGreaterThanEquals,
  kIsNull,
  kIsPresent,
  kIsNumeric,
  kIsString,
  kIsBoolean,
  kIsTimestamp,
};

struct ChoiceRule {
  enum class Kind { kComparison, kAnd, kOr, kNot } kind = Kind::kComparison;
  std::vector<ChoiceRule> children;  // And/Or: operands; Not: exactly one

  // kComparison
  std::optional<JsonPath> variable;
  ChoiceOp op = ChoiceOp::kStringEquals;
  json::value operand;                   // literal operand, when operand_path is empty
  std::optional<JsonPath> operand_path;  // the *Path forms

  // Top-level rules only.
  std::string next;
  std::optional<PayloadTemplate> assign;

  // Compiles a rule object (validated by asl/validator first). `top_level` rules need Next.
  static common::Result<ChoiceRule> Compile(const json::value& rule, bool top_level);

  // Evaluates against `scope` ($ is the state's effective input).
  Eval<bool> Evaluate(const PathScope& scope) const;
};

}  // namespace tactus::asl
