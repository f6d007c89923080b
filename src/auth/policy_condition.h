// One test of an IAM policy's Condition element: an operator applied to one context key and the
// policy's values for it, e.g. "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}.
//
// A statement's Condition block is the AND of its tests; the values listed for one key are ORed.
// The semantics (AWS's, see docs/auth.md "Policies"):
//   - A key is missing when the request has no entry for it or an entry with no values.
//   - Plain operators: true when some request value matches some policy value; the negated ones
//     (StringNotEquals, NotIpAddress, ArnNotLike, ...) are the exact opposite, so a missing key
//     makes a positive operator false and a negated one true.
//   - ...IfExists: true when the key is missing, otherwise the operator without the suffix.
//   - ForAnyValue: some request value matches (negated: some request value matches no policy
//     value); a missing key gives false. ForAllValues: every request value matches (negated: no
//     request value matches any policy value); a missing key gives true.
//   - Null: "true" tests that the key is missing, "false" that it is present.
//   - A request value that cannot be read as the operator's type (a number, a date, an IP address,
//     a boolean) matches no policy value.
//   - A policy value whose variable does not resolve matches no request value.
//
// Thread-safe: Condition is immutable after ParseCondition; all functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy_pattern.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::auth {

// Most values one condition key may list (a policy-author error past this, and a bound on the work
// one test costs).
inline constexpr std::size_t kMaxConditionValues = 100;

enum class ConditionType { kString, kNumeric, kDate, kBool, kIpAddress, kArn, kNull };

// The comparison of the operator with negation and the set qualifier taken off.
enum class Comparison {
  kEquals,            // String*, Numeric*, Date*, Bool, Arn* (ArnEquals matches as ArnLike)
  kEqualsIgnoreCase,  // StringEqualsIgnoreCase
  kLike,              // StringLike, ArnLike
  kLessThan,
  kLessThanEquals,
  kGreaterThan,
  kGreaterThanEquals,
  kInRange,  // IpAddress
  kIsNull,   // Null
};

enum class SetQualifier { kNone, kForAnyValue, kForAllValues };

struct IpRange {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
  int prefix_bits = 0;
};

struct ConditionValue {
  std::string text;         // as written (numbers and booleans as their JSON text)
  Pattern pattern;          // kString, kArn
  double number = 0;        // kNumeric
  std::int64_t millis = 0;  // kDate: milliseconds since 1970-01-01T00:00:00Z
  bool boolean = false;     // kBool, kNull
  IpRange range;            // kIpAddress
};

struct Condition {
  std::string operator_name;  // as written, e.g. "ForAllValues:StringNotEqualsIfExists"
  ConditionType type = ConditionType::kString;
  Comparison comparison = Comparison::kEquals;
  bool negated = false;
  bool if_exists = false;
  SetQualifier qualifier = SetQualifier::kNone;
  std::string key;        // as written
  std::string key_lower;  // for lookups (keys are case-insensitive)
  std::vector<ConditionValue> values;
};

// Builds one test from an operator name, a key and the policy's value(s) for it (a string, number
// or boolean, or a non-empty array of them, at most kMaxConditionValues). Variables are read in
// string and ARN values when `variables` (Version 2012-10-17). On failure InvalidArgument whose
// message starts with the JSON path of the fault below `path` (the path of the Condition element),
// e.g. "Statement[0].Condition.StringEqual: unknown condition operator" or
// "Statement[0].Condition.IpAddress.aws:SourceIp[1]: '10.0.0.0/33' is not an IP address or CIDR
// block".
common::Result<Condition> ParseCondition(std::string_view path, std::string_view operator_name,
                                         std::string_view key, const common::json::value& values,
                                         bool variables);

// Evaluates one test against the request's context keys (keys in lower case).
bool EvaluateCondition(const Condition& condition, const ContextValues& context);

// Readers shared with the parser of policy values and exposed for tests. Each returns false when
// `text` is not of the form.
//   number: optional sign, digits, optional fraction, optional exponent ("-1.5e3"), finite.
bool ParseConditionNumber(std::string_view text, double* out);
//   date: epoch seconds ("1700000000", optionally with a fraction) or ISO 8601
//   "YYYY-MM-DD[Thh:mm[:ss[.fff...]]][Z|+hh:mm|-hh:mm]" (no zone means UTC).
bool ParseConditionDate(std::string_view text, std::int64_t* millis);
//   IP address (IPv4 dotted quad or IPv6) with an optional "/bits" prefix length.
bool ParseIpRange(std::string_view text, IpRange* out);

}  // namespace tactus::auth
