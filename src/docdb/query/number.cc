#include "docdb/query/number.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tactus::docdb::query {
namespace {

// Parses "[-]digits[.digits][(e|E)[+-]digits]", "NaN", "Infinity", "-Infinity": the output of
// printf("%e"), std::to_string and bson_decimal128_to_string.
DecimalNumber ParseDecimalText(std::string_view s) {
  DecimalNumber n;
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s == "NaN") {
    n.kind = DecimalNumber::Kind::kNaN;
    return n;
  }
  if (s == "Infinity" || s == "inf") {
    n.kind =
        negative ? DecimalNumber::Kind::kNegativeInfinity : DecimalNumber::Kind::kPositiveInfinity;
    return n;
  }
  std::string digits;
  std::int64_t point = 0;  // digits before the decimal point
  std::size_t i = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (!seen_point) ++point;
    } else if (c == '.') {
      seen_point = true;
    } else {
      break;
    }
  }
  std::int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exp = std::strtoll(std::string(s.substr(i + 1)).c_str(), nullptr, 10);
  }
  std::size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) return n;  // zero
  std::size_t last = digits.find_last_not_of('0');
  n.digits = digits.substr(lead, last - lead + 1);
  n.exponent = static_cast<std::int32_t>(point + exp - static_cast<std::int64_t>(lead));
  n.negative = negative;
  return n;
}

DecimalNumber FromInt64(std::int64_t v) {
  DecimalNumber n;
  if (v == 0) return n;
  std::uint64_t magnitude =
      v < 0 ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
  // The digits, most significant first, without the trailing zeros; the exponent counts them
  // all (as ParseDecimalText does for the same text).
  char buf[20];
  int len = 0;
  for (; magnitude != 0; magnitude /= 10) buf[len++] = static_cast<char>('0' + magnitude % 10);
  int first = 0;
  while (buf[first] == '0') ++first;  // the lowest digits: trailing zeros of the number
  n.digits.assign(buf + first, buf + len);
  std::reverse(n.digits.begin(), n.digits.end());
  n.exponent = len;
  n.negative = v < 0;
  return n;
}

DecimalNumber FromDouble(double d) {
  if (std::isnan(d)) return DecimalNumber{DecimalNumber::Kind::kNaN, false, {}, 0};
  if (std::isinf(d)) {
    return DecimalNumber{
        d < 0 ? DecimalNumber::Kind::kNegativeInfinity : DecimalNumber::Kind::kPositiveInfinity,
        false,
        {},
        0};
  }
  if (d == std::trunc(d) && std::fabs(d) < 9.2e18) return FromInt64(static_cast<std::int64_t>(d));
  // A double has at most 767 significant decimal digits; glibc's printf prints them exactly.
  char buf[800];
  std::snprintf(buf, sizeof buf, "%.767e", d);
  return ParseDecimalText(buf);
}

int KindRank(const DecimalNumber& n) {
  switch (n.kind) {
    case DecimalNumber::Kind::kNaN:
      return 0;
    case DecimalNumber::Kind::kNegativeInfinity:
      return 1;
    case DecimalNumber::Kind::kFinite:
      return n.digits.empty() ? 3 : (n.negative ? 2 : 4);
    case DecimalNumber::Kind::kPositiveInfinity:
      return 5;
  }
  return 0;
}

int CompareIntDouble(std::int64_t i, double d) {
  if (std::isnan(d)) return 1;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  auto t = static_cast<std::int64_t>(d);  // in range: truncation toward zero is exact
  if (i != t) return i < t ? -1 : 1;
  double t_as_double = static_cast<double>(t);
  if (d > t_as_double) return -1;
  if (d < t_as_double) return 1;
  return 0;
}

}  // namespace

bool IsNumberType(bson_type_t type) {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE ||
         type == BSON_TYPE_DECIMAL128;
}

DecimalNumber ToDecimalNumber(const bson_value_t& v) {
  switch (v.value_type) {
    case BSON_TYPE_INT32:
      return FromInt64(v.value.v_int32);
    case BSON_TYPE_INT64:
      return FromInt64(v.value.v_int64);
    case BSON_TYPE_DOUBLE:
      return FromDouble(v.value.v_double);
    case BSON_TYPE_DECIMAL128: {
      char buf[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&v.value.v_decimal128, buf);
      DecimalNumber n = ParseDecimalText(buf);
      if (n.kind == DecimalNumber::Kind::kNaN) n.negative = false;
      return n;
    }
    default:
      return DecimalNumber{};
  }
}

int CompareDecimalNumbers(const DecimalNumber& a, const DecimalNumber& b) {
  int ra = KindRank(a), rb = KindRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra != 2 && ra != 4) return 0;
  int magnitude = 0;
  if (a.exponent != b.exponent) {
    magnitude = a.exponent < b.exponent ? -1 : 1;
  } else {
    int c = a.digits.compare(b.digits);
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return a.negative ? -magnitude : magnitude;
}

int CompareNumbers(const bson_value_t& a, const bson_value_t& b) {
  auto is_int = [](bson_type_t t) { return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64; };
  auto as_int = [](const bson_value_t& v) {
    return v.value_type == BSON_TYPE_INT32 ? std::int64_t{v.value.v_int32} : v.value.v_int64;
  };
  if (is_int(a.value_type) && is_int(b.value_type)) {
    std::int64_t x = as_int(a), y = as_int(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.value_type == BSON_TYPE_DOUBLE && b.value_type == BSON_TYPE_DOUBLE) {
    double x = a.value.v_double, y = b.value.v_double;
    bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx && ny ? 0 : (nx ? -1 : 1);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (is_int(a.value_type) && b.value_type == BSON_TYPE_DOUBLE) {
    return CompareIntDouble(as_int(a), b.value.v_double);
  }
  if (a.value_type == BSON_TYPE_DOUBLE && is_int(b.value_type)) {
    return -CompareIntDouble(as_int(b), a.value.v_double);
  }
  return CompareDecimalNumbers(ToDecimalNumber(a), ToDecimalNumber(b));
}

double NumberAsDouble(const bson_value_t& v) {
  switch (v.value_type) {
    case BSON_TYPE_INT32:
      return v.value.v_int32;
    case BSON_TYPE_INT64:
      return static_cast<double>(v.value.v_int64);
    case BSON_TYPE_DOUBLE:
      return v.value.v_double;
    case BSON_TYPE_DECIMAL128: {
      char buf[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&v.value.v_decimal128, buf);
      std::string_view s(buf);
      if (s == "NaN" || s == "-NaN") return std::nan("");
      if (s == "Infinity") return HUGE_VAL;
      if (s == "-Infinity") return -HUGE_VAL;
      return std::strtod(buf, nullptr);
    }
    default:
      return 0;
  }
}

}  // namespace tactus::docdb::query
