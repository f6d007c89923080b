// Filter evaluation: boolean operators, existence tests and comparisons (==, <, =~, in, nin,
// subsetof, size, ...) with Jayway's semantics. Recursion follows the parsed filter's nesting,
// which the parser bounds.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/jsonpath_internal.h"
#include "common/json.h"

namespace tactus::asl::jsonpath_internal {
namespace {

bool IsNumeric(const json::value& v) { return common::IsNumber(v); }

long double NumberOf(const json::value& v) {
  // long double holds every int64, uint64 and double exactly on the platforms Tactus runs on.
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

// <0, 0, >0 for ordered pairs (two numbers or two strings); nullopt otherwise.
std::optional<int> Order(const json::value& a, const json::value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    const long double x = NumberOf(a);
    const long double y = NumberOf(b);
    if (x != x || y != y) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

bool ArrayHas(const json::array& arr, const json::value& v) {
  for (const json::value& item : arr) {
    if (common::JsonEquals(item, v)) return true;
  }
  return false;
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool Matches(const std::regex& re, const json::value& v) {
  if (v.is_string()) {
    const json::string& s = v.get_string();
    return std::regex_match(s.begin(), s.end(), re);
  }
  if (IsNumeric(v) || v.is_bool()) return std::regex_match(common::SerializeJson(v), re);
  return false;
}

// Both operands present (and neither a regex unless op is kMatch).
bool Compare(CompareOp op, const Operand& lhs_op, const Operand& rhs_op, const json::value& a,
             const json::value& b) {
  switch (op) {
    case CompareOp::kEq:
      return common::JsonEquals(a, b);
    case CompareOp::kNe:
      return !common::JsonEquals(a, b);
    case CompareOp::kLt: {
      auto o = Order(a, b);
      return o && *o < 0;
    }
    case CompareOp::kLe: {
      auto o = Order(a, b);
      return o && *o <= 0;
    }
    case CompareOp::kGt: {
      auto o = Order(a, b);
      return o && *o > 0;
    }
    case CompareOp::kGe: {
      auto o = Order(a, b);
      return o && *o >= 0;
    }
    case CompareOp::kMatch:
      return lhs_op.regex ? Matches(*lhs_op.regex, b) : Matches(*rhs_op.regex, a);
    case CompareOp::kIn:
      return b.is_array() && ArrayHas(b.get_array(), a);
    case CompareOp::kNin:
      return !(b.is_array() && ArrayHas(b.get_array(), a));
    case CompareOp::kSubsetOf:
    case CompareOp::kAnyOf:
    case CompareOp::kNoneOf: {
      if (!a.is_array() || !b.is_array()) return false;
      std::size_t found = 0;
      for (const json::value& item : a.get_array()) found += ArrayHas(b.get_array(), item);
      if (op == CompareOp::kSubsetOf) return found == a.get_array().size();
      if (op == CompareOp::kAnyOf) return found > 0;
      return found == 0;
    }
    case CompareOp::kContains:
      if (a.is_string() && b.is_string()) {
        return std::string_view(a.get_string()).find(std::string_view(b.get_string())) !=
               std::string_view::npos;
      }
      return a.is_array() && ArrayHas(a.get_array(), b);
    case CompareOp::kSize: {
      std::int64_t n = 0;
      if (!common::AsInt64(b, &n)) return false;
      if (a.is_array()) return static_cast<std::int64_t>(a.get_array().size()) == n;
      if (a.is_string()) return static_cast<std::int64_t>(CodePoints(a.get_string())) == n;
      return false;
    }
    case CompareOp::kEmpty:
      if (!b.is_bool()) return false;
      if (a.is_array()) return a.get_array().empty() == b.get_bool();
      if (a.is_string()) return a.get_string().empty() == b.get_bool();
      return false;
  }
  return false;
}

}  // namespace

bool Selector::Resolve(const Operand& op, const json::value& current, OperandValue* out) {
  if (op.kind != OperandKind::kPath) {
    out->value = &op.literal;
    return true;
  }
  const json::value& start = op.path.absolute ? doc_root_ : current;
  const std::vector<Segment>& segs = op.path.segments;
  if (op.path.simple) {
    const json::value* node = &start;
    for (const Segment& seg : segs) {
      node = SimpleChild(seg, *node);
      if (!node) return false;
    }
    out->value = node;
    return true;
  }
  NodeList matches;
  Run(segs, segs.size(), start, &matches);
  json::array arr;
  arr.reserve(matches.size());
  for (const json::value* m : matches) arr.push_back(*m);
  out->owned = std::move(arr);
  out->value = &out->owned;
  return true;
}

bool Selector::Exists(const SubPath& path, const json::value& current) {
  const json::value& start = path.absolute ? doc_root_ : current;
  if (path.simple) {
    const json::value* node = &start;
    for (const Segment& seg : path.segments) {
      node = SimpleChild(seg, *node);
      if (!node) return false;
    }
    return true;
  }
  NodeList matches;
  Run(path.segments, path.segments.size(), start, &matches);
  return !matches.empty();
}

bool Selector::Test(const Filter& f, const json::value& current) {
  if (!Spend()) return false;
  switch (f.kind) {
    case FilterKind::kOr:
      for (const auto& c : f.children) {
        if (Test(*c, current)) return true;
      }
      return false;
    case FilterKind::kAnd:
      for (const auto& c : f.children) {
        if (!Test(*c, current)) return false;
      }
      return true;
    case FilterKind::kNot:
      return !Test(*f.children[0], current);
    case FilterKind::kConstant:
      return f.constant;
    case FilterKind::kExists:
      return Exists(f.lhs.path, current);
    case FilterKind::kCompare: {
      OperandValue a;
      OperandValue b;
      const bool has_a = Resolve(f.lhs, current, &a);
      const bool has_b = Resolve(f.rhs, current, &b);
      if (!has_a || !has_b) {
        // Jayway: a missing value equals nothing, so only the negated operators hold.
        return f.op == CompareOp::kNe || f.op == CompareOp::kNin;
      }
      return Compare(f.op, f.lhs, f.rhs, *a.value, *b.value);
    }
  }
  return false;
}

}  // namespace tactus::asl::jsonpath_internal
