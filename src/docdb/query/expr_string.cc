// String expressions: $concat $substr $substrCP $substrBytes $toUpper $toLower $split $trim
// $ltrim $rtrim $strLenCP $strLenBytes $indexOfCP $indexOfBytes $replaceOne $replaceAll
// $strcasecmp. Case mapping is ASCII-only, as MongoDB's.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "docdb/query/expr_node.h"
#include "docdb/query/number.h"

namespace tactus::docdb::query::internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Byte offsets of each code point start, plus the end.
std::vector<std::size_t> CodePointOffsets(std::string_view s) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(s[i]))) out.push_back(i);
  }
  out.push_back(s.size());
  return out;
}

std::int64_t CodePointCount(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s) n += IsContinuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

// MongoDB's coercion to string for $substr*, $toUpper, $toLower and $strcasecmp.
DbResult<std::string> CoerceToString(const Value& v, const std::string& op) {
  if (v.nullish()) return std::string();
  switch (v.type()) {
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return std::string(v.v.value.v_utf8.str, v.v.value.v_utf8.len);
    case BSON_TYPE_INT32:
      return std::to_string(v.v.value.v_int32);
    case BSON_TYPE_INT64:
      return std::to_string(v.v.value.v_int64);
    case BSON_TYPE_DOUBLE: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.v.value.v_double);
      std::string s = buf;
      // Shortest representation that round-trips.
      for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, v.v.value.v_double);
        if (std::strtod(buf, nullptr) == v.v.value.v_double) return std::string(buf);
      }
      return s;
    }
    case BSON_TYPE_DATE_TIME: {
      std::int64_t ms = v.v.value.v_datetime;
      std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
      time_t t = static_cast<time_t>(secs);
      struct tm tm_utc;
      gmtime_r(&t, &tm_utc);
      char buf[48];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm_utc.tm_year + 1900,
                    tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec,
                    static_cast<int>(ms - secs * 1000));
      return std::string(buf);
    }
    default:
      return MakeError(16007, op + " can't convert from BSON type " + TypeName(v) + " to String");
  }
}

DbResult<Value> Concat(const ExprNode& node, EvalContext& ctx) {
  std::string out;
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  for (const Value& v : values) {
    if (v.nullish()) return NullValue();
    if (!v.is_string()) {
      return MakeError(16702, "$concat only supports strings, not " + TypeName(v));
    }
    out.append(v.str());
  }
  return StringValue(std::move(out));
}

// Reads an integral numeric argument for $substr* and $indexOf*.
DbResult<std::int64_t> IntArg(const Value& v, std::int32_t type_code, std::int32_t integral_code,
                              const std::string& what) {
  if (!IsNumeric(v)) {
    return MakeError(type_code,
                     what + " must be a numeric type (is BSON type " + TypeName(v) + ")");
  }
  if (!IsIntegral(v)) {
    return MakeError(integral_code, what + " must be an integral value, found " + Render(v));
  }
  return AsInt64(v);
}

DbResult<Value> SubstrCP(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  auto s = CoerceToString(values[0], "$substrCP");
  if (!s.ok()) return s.error();
  auto start = IntArg(values[1], 34450, 34451, "$substrCP: starting index");
  if (!start.ok()) return start.error();
  auto length = IntArg(values[2], 34452, 34453, "$substrCP: length");
  if (!length.ok()) return length.error();
  if (start.value() < 0)
    return MakeError(34455, "$substrCP: the starting index must be nonnegative integer.");
  if (length.value() < 0)
    return MakeError(34454, "$substrCP: length must be a nonnegative integer.");
  auto offsets = CodePointOffsets(s.value());
  std::int64_t count = static_cast<std::int64_t>(offsets.size()) - 1;
  std::int64_t from = std::min(start.value(), count);
  std::int64_t to = std::min(count, from + std::min(length.value(), count));
  return StringValue(s.value().substr(offsets[from], offsets[to] - offsets[from]));
}

DbResult<Value> SubstrBytes(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  auto s = CoerceToString(values[0], "$substrBytes");
  if (!s.ok()) return s.error();
  if (!IsNumeric(values[1])) {
    return MakeError(16034, "$substrBytes: starting index must be a numeric type (is BSON type " +
                                TypeName(values[1]) + ")");
  }
  if (!IsNumeric(values[2])) {
    return MakeError(16035, "$substrBytes: length must be a numeric type (is BSON type " +
                                TypeName(values[2]) + ")");
  }
  std::int64_t start = AsInt64(values[1]);
  std::int64_t length = AsInt64(values[2]);
  const std::string& str = s.value();
  if (start < 0 || static_cast<std::size_t>(start) >= str.size()) return StringValue("");
  std::size_t from = static_cast<std::size_t>(start);
  std::size_t n = length < 0
                      ? str.size() - from
                      : std::min<std::size_t>(static_cast<std::size_t>(length), str.size() - from);
  if (IsContinuation(static_cast<unsigned char>(str[from]))) {
    return MakeError(28656,
                     "$substrBytes: Invalid range, starting index is a UTF-8 continuation byte.");
  }
  if (from + n < str.size() && IsContinuation(static_cast<unsigned char>(str[from + n]))) {
    return MakeError(
        28657, "$substrBytes: Invalid range, ending index is in the middle of a UTF-8 character.");
  }
  return StringValue(str.substr(from, n));
}

template <bool kUpper>
DbResult<Value> ChangeCase(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  auto s = CoerceToString(v.value(), node.name());
  if (!s.ok()) return s.error();
  std::string out = std::move(s).value();
  for (char& c : out) {
    c = static_cast<char>(kUpper ? std::toupper(static_cast<unsigned char>(c))
                                 : std::tolower(static_cast<unsigned char>(c)));
  }
  return StringValue(std::move(out));
}

DbResult<Value> StrCaseCmp(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  auto a = CoerceToString(values[0], "$strcasecmp");
  if (!a.ok()) return a.error();
  auto b = CoerceToString(values[1], "$strcasecmp");
  if (!b.ok()) return b.error();
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  int c = lower(a.value()).compare(lower(b.value()));
  return Int32Value(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

DbResult<Value> Split(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (values[0].nullish()) return NullValue();
  if (!values[0].is_string()) {
    return MakeError(40085,
                     "$split requires an expression that evaluates to a string as a first "
                     "argument, found: " +
                         TypeName(values[0]));
  }
  if (!values[1].is_string()) {
    return MakeError(40086,
                     "$split requires an expression that evaluates to a string as a second "
                     "argument, found: " +
                         TypeName(values[1]));
  }
  std::string_view s = values[0].str(), sep = values[1].str();
  if (sep.empty()) return MakeError(40087, "$split requires a non-empty separator");
  ArrayBuilder out;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = s.find(sep, pos);
    Value part = StringValue(std::string(
        s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos)));
    out.Append(part);
    if (next == std::string_view::npos) break;
    pos = next + sep.size();
  }
  return out.Finish();
}

DbResult<Value> StrLen(const ExprNode& node, EvalContext& ctx, bool code_points) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (!v.value().is_string()) {
    return MakeError(code_points ? 34471 : 34473,
                     node.name() + " requires a string argument, found: " + TypeName(v.value()));
  }
  return IntValue(code_points ? CodePointCount(v.value().str())
                              : static_cast<std::int64_t>(v.value().str().size()));
}
DbResult<Value> StrLenCP(const ExprNode& n, EvalContext& c) { return StrLen(n, c, true); }
DbResult<Value> StrLenBytes(const ExprNode& n, EvalContext& c) { return StrLen(n, c, false); }

DbResult<Value> IndexOf(const ExprNode& node, EvalContext& ctx, bool code_points) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (values[0].nullish()) return NullValue();
  if (!values[0].is_string()) {
    return MakeError(40091, node.name() + " requires a string as the first argument, found: " +
                                TypeName(values[0]));
  }
  if (!values[1].is_string()) {
    return MakeError(40092, node.name() + " requires a string as the second argument, found: " +
                                TypeName(values[1]));
  }
  std::string_view s = values[0].str(), needle = values[1].str();
  std::vector<std::size_t> offsets;
  if (code_points) offsets = CodePointOffsets(s);
  std::int64_t units = code_points ? static_cast<std::int64_t>(offsets.size()) - 1
                                   : static_cast<std::int64_t>(s.size());
  std::int64_t start = 0, end = units;
  for (std::size_t i = 2; i < values.size(); ++i) {
    auto n = IntArg(values[i], 40096, 40096,
                    node.name() + " " + (i == 2 ? "starting" : "ending") + " index");
    if (!n.ok()) return n.error();
    if (n.value() < 0) {
      return MakeError(40097, node.name() + " requires a nonnegative " +
                                  (i == 2 ? "start" : "end") +
                                  " index, found: " + Render(values[i]));
    }
    (i == 2 ? start : end) = n.value();
  }
  end = std::min(end, units);
  if (start > end) return Int32Value(-1);
  auto byte_at = [&](std::int64_t unit) {
    return code_points ? offsets[static_cast<std::size_t>(unit)] : static_cast<std::size_t>(unit);
  };
  std::size_t hay_end = byte_at(end);
  for (std::int64_t unit = start; unit <= end; ++unit) {
    std::size_t b = byte_at(unit);
    if (b + needle.size() > hay_end) break;
    if (s.compare(b, needle.size(), needle) == 0) return IntValue(unit);
  }
  return Int32Value(-1);
}
DbResult<Value> IndexOfCP(const ExprNode& n, EvalContext& c) { return IndexOf(n, c, true); }
DbResult<Value> IndexOfBytes(const ExprNode& n, EvalContext& c) { return IndexOf(n, c, false); }

// $trim family: args input, chars; option: 1 left, 2 right, 3 both.
DbResult<Value> Trim(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (values[0].nullish()) return NullValue();
  if (!values[0].is_string()) {
    return MakeError(50699, node.name() + " requires its input to be a string, got " +
                                Render(values[0]) + " (of type " + TypeName(values[0]) +
                                ") instead.");
  }
  std::vector<std::string> chars;
  if (!values[1].missing()) {
    if (values[1].type() == BSON_TYPE_NULL) return NullValue();
    if (!values[1].is_string()) {
      return MakeError(50700, node.name() + " requires 'chars' to be a string, got " +
                                  Render(values[1]) + " (of type " + TypeName(values[1]) +
                                  ") instead.");
    }
    std::string_view c = values[1].str();
    auto offsets = CodePointOffsets(c);
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
      chars.emplace_back(c.substr(offsets[i], offsets[i + 1] - offsets[i]));
    }
  } else {
    chars = {std::string(1, '\0'),
             " ",
             "\t",
             "\n",
             "\v",
             "\f",
             "\r",
             "\xC2\xA0",
             "\xE1\x9A\x80",
             "\xE2\x80\xA8",
             "\xE2\x80\xA9",
             "\xE2\x80\xAF",
             "\xE2\x81\x9F",
             "\xE3\x80\x80"};
    for (unsigned c = 0x80; c <= 0x8A; ++c)
      chars.push_back(std::string("\xE2\x80") + static_cast<char>(c));
  }
  std::string_view s = values[0].str();
  auto offsets = CodePointOffsets(s);
  std::size_t first = 0, last = offsets.size() - 1;  // code point range [first, last)
  auto is_trimmed = [&](std::size_t cp) {
    std::string_view ch = s.substr(offsets[cp], offsets[cp + 1] - offsets[cp]);
    return std::find(chars.begin(), chars.end(), ch) != chars.end();
  };
  if (node.option & 1) {
    while (first < last && is_trimmed(first)) ++first;
  }
  if (node.option & 2) {
    while (last > first && is_trimmed(last - 1)) --last;
  }
  return StringValue(std::string(s.substr(offsets[first], offsets[last] - offsets[first])));
}

template <int kSide>
DbResult<Done> ParseTrim(ExprNode& node, const bson_value_t& operand, ExprScope& scope, int depth) {
  node.option = kSide;
  auto r = ParseNamedArgs(node, operand, {"input", "chars"}, {}, scope, depth, 50696);
  if (!r.ok()) return r;
  if (!node.args[0]) return MakeError(50695, node.name() + " requires an 'input' field");
  return Done{};
}

DbResult<Done> ParseReplace(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                            int depth) {
  return ParseNamedArgs(node, operand, {"input", "find", "replacement"},
                        {"input", "find", "replacement"}, scope, depth, 51750);
}

DbResult<Value> Replace(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  static const char* kNames[] = {"input", "find", "replacement"};
  for (int i = 0; i < 3; ++i) {
    if (!values[i].nullish() && !values[i].is_string()) {
      return MakeError(51746 - i, node.name() + " requires that '" + kNames[i] +
                                      "' be a string, found: " + Render(values[i]));
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (values[i].nullish()) return NullValue();
  }
  std::string_view s = values[0].str(), find = values[1].str(), with = values[2].str();
  bool all = node.option == 1;
  std::string out;
  if (find.empty()) {
    // An empty `find` matches before every code point and at the end.
    if (!all) return StringValue(std::string(with) + std::string(s));
    auto offsets = CodePointOffsets(s);
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
      out.append(with);
      out.append(s.substr(offsets[i], offsets[i + 1] - offsets[i]));
    }
    out.append(with);
    return StringValue(std::move(out));
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(find, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(with);
    pos = hit + find.size();
    if (!all) break;
  }
  out.append(s.substr(pos));
  return StringValue(std::move(out));
}

DbResult<Done> ParseReplaceAll(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                               int depth) {
  node.option = 1;
  return ParseReplace(node, operand, scope, depth);
}

constexpr OpDef kOps[] = {
    {"$concat", 0, -1, Concat},
    {"$substr", 3, 3, SubstrBytes},
    {"$substrBytes", 3, 3, SubstrBytes},
    {"$substrCP", 3, 3, SubstrCP},
    {"$toUpper", 1, 1, ChangeCase<true>},
    {"$toLower", 1, 1, ChangeCase<false>},
    {"$strcasecmp", 2, 2, StrCaseCmp},
    {"$split", 2, 2, Split},
    {"$strLenCP", 1, 1, StrLenCP},
    {"$strLenBytes", 1, 1, StrLenBytes},
    {"$indexOfCP", 2, 4, IndexOfCP},
    {"$indexOfBytes", 2, 4, IndexOfBytes},
    {"$trim", 1, 1, Trim, ParseTrim<3>},
    {"$ltrim", 1, 1, Trim, ParseTrim<1>},
    {"$rtrim", 1, 1, Trim, ParseTrim<2>},
    {"$replaceOne", 1, 1, Replace, ParseReplace},
    {"$replaceAll", 1, 1, Replace, ParseReplaceAll},
};

}  // namespace

std::span<const OpDef> StringOps() { return kOps; }

// Shared with expr_type.cc ($toString).
DbResult<std::string> CoerceValueToString(const Value& v) { return CoerceToString(v, "$toString"); }

}  // namespace tactus::docdb::query::internal
