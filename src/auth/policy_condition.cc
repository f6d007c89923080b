#include "auth/policy_condition.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace tactus::auth {

using common::Result;
using common::Status;
namespace json = common::json;

namespace {

struct OperatorSpec {
  std::string_view name;
  ConditionType type;
  Comparison comparison;
  bool negated;
};

constexpr OperatorSpec kOperators[] = {
    {"StringEquals", ConditionType::kString, Comparison::kEquals, false},
    {"StringNotEquals", ConditionType::kString, Comparison::kEquals, true},
    {"StringEqualsIgnoreCase", ConditionType::kString, Comparison::kEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", ConditionType::kString, Comparison::kEqualsIgnoreCase, true},
    {"StringLike", ConditionType::kString, Comparison::kLike, false},
    {"StringNotLike", ConditionType::kString, Comparison::kLike, true},
    {"NumericEquals", ConditionType::kNumeric, Comparison::kEquals, false},
    {"NumericNotEquals", ConditionType::kNumeric, Comparison::kEquals, true},
    {"NumericLessThan", ConditionType::kNumeric, Comparison::kLessThan, false},
    {"NumericLessThanEquals", ConditionType::kNumeric, Comparison::kLessThanEquals, false},
    {"NumericGreaterThan", ConditionType::kNumeric, Comparison::kGreaterThan, false},
    {"NumericGreaterThanEquals", ConditionType::kNumeric, Comparison::kGreaterThanEquals, false},
    {"DateEquals", ConditionType::kDate, Comparison::kEquals, false},
    {"DateNotEquals", ConditionType::kDate, Comparison::kEquals, true},
    {"DateLessThan", ConditionType::kDate, Comparison::kLessThan, false},
    {"DateLessThanEquals", ConditionType::kDate, Comparison::kLessThanEquals, false},
    {"DateGreaterThan", ConditionType::kDate, Comparison::kGreaterThan, false},
    {"DateGreaterThanEquals", ConditionType::kDate, Comparison::kGreaterThanEquals, false},
    {"Bool", ConditionType::kBool, Comparison::kEquals, false},
    {"IpAddress", ConditionType::kIpAddress, Comparison::kInRange, false},
    {"NotIpAddress", ConditionType::kIpAddress, Comparison::kInRange, true},
    {"ArnEquals", ConditionType::kArn, Comparison::kEquals, false},
    {"ArnLike", ConditionType::kArn, Comparison::kLike, false},
    {"ArnNotEquals", ConditionType::kArn, Comparison::kEquals, true},
    {"ArnNotLike", ConditionType::kArn, Comparison::kLike, true},
    {"Null", ConditionType::kNull, Comparison::kIsNull, false},
};

constexpr std::string_view kForAnyValue = "ForAnyValue:";
constexpr std::string_view kForAllValues = "ForAllValues:";
constexpr std::string_view kIfExists = "IfExists";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `digits` decimal digits at text[*pos]; advances *pos.
bool ReadFixed(std::string_view text, std::size_t* pos, int digits, int* out) {
  if (*pos + static_cast<std::size_t>(digits) > text.size()) return false;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[*pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  *pos += static_cast<std::size_t>(digits);
  *out = value;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ParseIso8601(std::string_view text, std::int64_t* millis) {
  std::size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0, fraction_ms = 0;
  if (!ReadFixed(text, &pos, 4, &year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadFixed(text, &pos, 2, &month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadFixed(text, &pos, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  std::int64_t offset_minutes = 0;
  if (pos < text.size() && text[pos] == 'T') {
    ++pos;
    if (!ReadFixed(text, &pos, 2, &hour) || pos >= text.size() || text[pos++] != ':' ||
        !ReadFixed(text, &pos, 2, &minute)) {
      return false;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadFixed(text, &pos, 2, &second)) return false;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int scale = 100, digits = 0;
        while (pos < text.size() && IsDigit(text[pos])) {
          fraction_ms += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
          ++digits;
        }
        if (digits == 0) return false;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return false;
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos++] == '-' ? -1 : 1;
      int oh, om;
      if (!ReadFixed(text, &pos, 2, &oh)) return false;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!ReadFixed(text, &pos, 2, &om) || oh > 23 || om > 59) return false;
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (pos != text.size()) return false;
  const std::int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                               second - offset_minutes * 60;
  *millis = seconds * 1000 + fraction_ms;
  return true;
}

// The request value as the condition's type, parsed once per request value.
struct Typed {
  bool ok = false;
  double number = 0;
  std::int64_t millis = 0;
  bool boolean = false;
  IpRange ip;
};

Typed ReadRequestValue(ConditionType type, std::string_view text) {
  Typed t;
  switch (type) {
    case ConditionType::kNumeric:
      t.ok = ParseConditionNumber(text, &t.number);
      break;
    case ConditionType::kDate:
      t.ok = ParseConditionDate(text, &t.millis);
      break;
    case ConditionType::kBool: {
      const std::string lower = AsciiLower(text);
      t.ok = lower == "true" || lower == "false";
      t.boolean = lower == "true";
      break;
    }
    case ConditionType::kIpAddress:
      t.ok = text.find('/') == std::string_view::npos && ParseIpRange(text, &t.ip);
      break;
    default:
      t.ok = true;
      break;
  }
  return t;
}

template <typename T>
bool Compare(Comparison comparison, const T& request, const T& policy) {
  switch (comparison) {
    case Comparison::kEquals:
      return request == policy;
    case Comparison::kLessThan:
      return request < policy;
    case Comparison::kLessThanEquals:
      return request <= policy;
    case Comparison::kGreaterThan:
      return request > policy;
    case Comparison::kGreaterThanEquals:
      return request >= policy;
    default:
      return false;
  }
}

bool InRange(const IpRange& address, const IpRange& range) {
  if (address.v6 != range.v6) return false;
  const int full = range.prefix_bits / 8;
  for (int i = 0; i < full; ++i) {
    if (address.bytes[i] != range.bytes[i]) return false;
  }
  const int rest = range.prefix_bits % 8;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (address.bytes[full] & mask) == (range.bytes[full] & mask);
}

// Splits an ARN (or ARN glob) into its six colon-separated parts; the last keeps its colons.
bool SplitArn(std::string_view arn, std::string_view parts[6]) {
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    parts[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  parts[5] = arn;
  return true;
}

bool ArnMatch(std::string_view glob, std::string_view arn) {
  std::string_view glob_parts[6], arn_parts[6];
  if (!SplitArn(glob, glob_parts) || !SplitArn(arn, arn_parts)) return false;
  for (int i = 0; i < 6; ++i) {
    if (!GlobMatch(glob_parts[i], arn_parts[i], false)) return false;
  }
  return true;
}

// One policy value, resolved for this request: the literal or glob form of string/ARN values.
struct Resolved {
  const ConditionValue* value;
  std::optional<std::string> text;
};

bool ValueMatches(const Condition& c, const Resolved& policy, std::string_view request,
                  const Typed& typed) {
  const ConditionValue& v = *policy.value;
  switch (c.type) {
    case ConditionType::kString:
      if (!policy.text) return false;
      if (c.comparison == Comparison::kLike) return GlobMatch(*policy.text, request, false);
      if (c.comparison == Comparison::kEqualsIgnoreCase) {
        return AsciiLower(*policy.text) == AsciiLower(request);
      }
      return *policy.text == request;
    case ConditionType::kArn:
      return policy.text && ArnMatch(*policy.text, request);
    case ConditionType::kNumeric:
      return typed.ok && Compare(c.comparison, typed.number, v.number);
    case ConditionType::kDate:
      return typed.ok && Compare(c.comparison, typed.millis, v.millis);
    case ConditionType::kBool:
      return typed.ok && typed.boolean == v.boolean;
    case ConditionType::kIpAddress:
      return typed.ok && InRange(typed.ip, v.range);
    case ConditionType::kNull:
      return false;
  }
  return false;
}

// The JSON text of a scalar condition value, or nullopt for null, arrays and objects.
std::optional<std::string> ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (common::IsNumber(v)) return common::SerializeJson(v);
  return std::nullopt;
}

Status ParseValue(const Condition& c, const std::string& path, const json::value& raw,
                  bool variables, ConditionValue* out) {
  std::optional<std::string> text = ScalarText(raw);
  if (!text) {
    return Status::InvalidArgument(path +
                                   ": a condition value must be a string, a number or a "
                                   "boolean, not " +
                                   std::string(common::JsonKindName(raw)));
  }
  out->text = *text;
  switch (c.type) {
    case ConditionType::kString:
    case ConditionType::kArn: {
      auto pattern = Pattern::Parse(*text, variables);
      if (!pattern.ok()) return Status::InvalidArgument(path + ": " + pattern.status().message());
      out->pattern = std::move(pattern).value();
      return Status::Ok();
    }
    case ConditionType::kNumeric:
      if (!ParseConditionNumber(*text, &out->number)) {
        return Status::InvalidArgument(path + ": '" + *text + "' is not a number");
      }
      return Status::Ok();
    case ConditionType::kDate:
      if (!ParseConditionDate(*text, &out->millis)) {
        return Status::InvalidArgument(
            path + ": '" + *text +
            "' is not a date (use ISO 8601, e.g. 2024-01-31T12:00:00Z, or epoch seconds)");
      }
      return Status::Ok();
    case ConditionType::kBool:
    case ConditionType::kNull: {
      const std::string lower = AsciiLower(*text);
      if (lower != "true" && lower != "false") {
        return Status::InvalidArgument(path + ": '" + *text + "' is not true or false");
      }
      out->boolean = lower == "true";
      return Status::Ok();
    }
    case ConditionType::kIpAddress:
      if (!ParseIpRange(*text, &out->range)) {
        return Status::InvalidArgument(path + ": '" + *text +
                                       "' is not an IP address or CIDR block");
      }
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

bool ParseConditionNumber(std::string_view text, double* out) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  const std::size_t digits_begin = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == digits_begin) return false;
  if (i < text.size() && text[i] == '.') {
    const std::size_t fraction_begin = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == fraction_begin) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent_begin = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == exponent_begin) return false;
  }
  if (i != text.size()) return false;
  std::string_view body = text;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || end != body.data() + body.size() || !std::isfinite(value)) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseConditionDate(std::string_view text, std::int64_t* millis) {
  // Epoch seconds: digits only, with an optional fraction. Up to 12 integer digits keeps every
  // value (about 31,000 years) far from int64 overflow in milliseconds.
  std::size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i > 0 && (i == text.size() || text[i] == '.')) {
    if (i > 12) return false;
    std::int64_t seconds = 0;
    for (std::size_t k = 0; k < i; ++k) seconds = seconds * 10 + (text[k] - '0');
    std::int64_t fraction_ms = 0;
    if (i < text.size()) {
      std::size_t k = i + 1;
      std::int64_t scale = 100;
      if (k == text.size()) return false;
      for (; k < text.size(); ++k) {
        if (!IsDigit(text[k])) return false;
        fraction_ms += (text[k] - '0') * scale;
        scale /= 10;
      }
    }
    *millis = seconds * 1000 + fraction_ms;
    return true;
  }
  return ParseIso8601(text, millis);
}

bool ParseIpRange(std::string_view text, IpRange* out) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  IpRange range;
  range.v6 = address.find(':') != std::string::npos;
  if (inet_pton(range.v6 ? AF_INET6 : AF_INET, address.c_str(), range.bytes.data()) != 1) {
    return false;
  }
  const int max_bits = range.v6 ? 128 : 32;
  range.prefix_bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return false;
    int value = 0;
    for (char c : bits) {
      if (!IsDigit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > max_bits) return false;
    range.prefix_bits = value;
  }
  *out = range;
  return true;
}

Result<Condition> ParseCondition(std::string_view path, std::string_view operator_name,
                                 std::string_view key, const json::value& values, bool variables) {
  const std::string op_path = std::string(path) + "." + std::string(operator_name);
  Condition c;
  c.operator_name = std::string(operator_name);
  std::string_view base = operator_name;
  if (base.starts_with(kForAnyValue)) {
    c.qualifier = SetQualifier::kForAnyValue;
    base.remove_prefix(kForAnyValue.size());
  } else if (base.starts_with(kForAllValues)) {
    c.qualifier = SetQualifier::kForAllValues;
    base.remove_prefix(kForAllValues.size());
  }
  if (base.ends_with(kIfExists)) {
    c.if_exists = true;
    base.remove_suffix(kIfExists.size());
  }
  const OperatorSpec* spec = nullptr;
  for (const OperatorSpec& candidate : kOperators) {
    if (candidate.name == base) spec = &candidate;
  }
  if (spec == nullptr) {
    return Status::InvalidArgument(op_path +
                                   ": unknown condition operator (see docs/auth.md for the list)");
  }
  if (spec->type == ConditionType::kNull && (c.if_exists || c.qualifier != SetQualifier::kNone)) {
    return Status::InvalidArgument(
        op_path +
        ": Null takes neither IfExists nor ForAnyValue:/ForAllValues: (it tests "
        "presence itself)");
  }
  c.type = spec->type;
  c.comparison = spec->comparison;
  c.negated = spec->negated;
  c.key = std::string(key);
  c.key_lower = AsciiLower(key);
  const std::string key_path = op_path + "." + c.key;
  if (key.empty()) return Status::InvalidArgument(op_path + ": a condition key must not be empty");
  if (values.is_array()) {
    const json::array& array = values.get_array();
    if (array.empty()) {
      return Status::InvalidArgument(key_path + ": list at least one value");
    }
    if (array.size() > kMaxConditionValues) {
      return Status::InvalidArgument(key_path + ": " + std::to_string(array.size()) +
                                     " values, more than the limit of " +
                                     std::to_string(kMaxConditionValues) + " per key");
    }
    for (std::size_t i = 0; i < array.size(); ++i) {
      ConditionValue value;
      Status s =
          ParseValue(c, key_path + "[" + std::to_string(i) + "]", array[i], variables, &value);
      if (!s.ok()) return s;
      c.values.push_back(std::move(value));
    }
  } else {
    ConditionValue value;
    Status s = ParseValue(c, key_path, values, variables, &value);
    if (!s.ok()) return s;
    c.values.push_back(std::move(value));
  }
  return c;
}

bool EvaluateCondition(const Condition& c, const ContextValues& context) {
  auto it = context.find(c.key_lower);
  const bool missing = it == context.end() || it->second.empty();
  if (c.type == ConditionType::kNull) {
    for (const ConditionValue& v : c.values) {
      if (v.boolean == missing) return true;
    }
    return false;
  }
  if (missing) {
    if (c.if_exists) return true;
    switch (c.qualifier) {
      case SetQualifier::kForAllValues:
        return true;
      case SetQualifier::kForAnyValue:
        return false;
      case SetQualifier::kNone:
        return c.negated;
    }
  }
  std::vector<Resolved> resolved;
  resolved.reserve(c.values.size());
  for (const ConditionValue& v : c.values) {
    Resolved r{&v, std::nullopt};
    if (c.type == ConditionType::kString || c.type == ConditionType::kArn) {
      const bool glob = c.type == ConditionType::kArn || c.comparison == Comparison::kLike;
      r.text = glob ? v.pattern.ResolveGlob(context) : v.pattern.ResolveLiteral(context);
    }
    resolved.push_back(std::move(r));
  }
  auto matches_some_value = [&](const std::string& request) {
    const Typed typed = ReadRequestValue(c.type, request);
    for (const Resolved& r : resolved) {
      if (ValueMatches(c, r, request, typed)) return true;
    }
    return false;
  };
  const std::vector<std::string>& request_values = it->second;
  switch (c.qualifier) {
    case SetQualifier::kNone: {
      bool any = false;
      for (const std::string& request : request_values) {
        if (matches_some_value(request)) {
          any = true;
          break;
        }
      }
      return any != c.negated;
    }
    case SetQualifier::kForAnyValue:
      for (const std::string& request : request_values) {
        if (matches_some_value(request) != c.negated) return true;
      }
      return false;
    case SetQualifier::kForAllValues:
      for (const std::string& request : request_values) {
        if (matches_some_value(request) == c.negated) return false;
      }
      return true;
  }
  return false;
}

}  // namespace tactus::auth
