// Exact values of BSON numbers (int32, int64, double, decimal128) in one canonical decimal form,
// so numbers of different types compare and encode by value: 1, 1L, 1.0 and 1.0m are one value.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>

namespace tactus::docdb::query {

// True for int32, int64, double and decimal128.
bool IsNumberType(bson_type_t type);

// A number as sign * 0.d1d2d3... * 10^exponent. NaN sorts below every number (MongoDB's order);
// -0 equals 0.
struct DecimalNumber {
  enum class Kind { kNaN, kNegativeInfinity, kFinite, kPositiveInfinity };
  Kind kind = Kind::kFinite;
  bool negative = false;  // false for zero
  // Significant digits '1'..'9' / '0' without leading or trailing zeros; empty for zero.
  std::string digits;
  std::int32_t exponent = 0;  // meaningless for zero
};

// The exact value of a number; every double has a finite decimal expansion.
// REQUIRES: IsNumberType(v.value_type).
DecimalNumber ToDecimalNumber(const bson_value_t& v);

// <0, 0, >0 as a is less than, equal to or greater than b (NaN == NaN, NaN < -Infinity).
int CompareDecimalNumbers(const DecimalNumber& a, const DecimalNumber& b);

// Compares two numbers of any numeric types by value, fast for the common type pairs.
// REQUIRES: both are numbers.
int CompareNumbers(const bson_value_t& a, const bson_value_t& b);

// The value as a double (decimal128 rounded); NaN stays NaN.
// REQUIRES: IsNumberType(v.value_type).
double NumberAsDouble(const bson_value_t& v);

}  // namespace tactus::docdb::query
