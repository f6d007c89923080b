#include "asl/choice.h"

#include <array>
#include <string_view>
#include <utility>

#include "common/clock.h"

namespace tactus::asl {
namespace {

struct OpName {
  std::string_view name;
  ChoiceOp op;
};

constexpr std::array<OpName, 23> kOps = {{
    {"StringEquals", ChoiceOp::kStringEquals},
    {"StringLessThan", ChoiceOp::kStringLessThan},
    {"StringGreaterThan", ChoiceOp::kStringGreaterThan},
    {"StringLessThanEquals", ChoiceOp::kStringLessThanEquals},
    {"StringGreaterThanEquals", ChoiceOp::kStringGreaterThanEquals},
    {"StringMatches", ChoiceOp::kStringMatches},
    {"NumericEquals", ChoiceOp::kNumericEquals},
    {"NumericLessThan", ChoiceOp::kNumericLessThan},
    {"NumericGreaterThan", ChoiceOp::kNumericGreaterThan},
    {"NumericLessThanEquals", ChoiceOp::kNumericLessThanEquals},
    {"NumericGreaterThanEquals", ChoiceOp::kNumericGreaterThanEquals},
    {"BooleanEquals", ChoiceOp::kBooleanEquals},
    {"TimestampEquals", ChoiceOp::kTimestampEquals},
    {"TimestampLessThan", ChoiceOp::kTimestampLessThan},
    {"TimestampGreaterThan", ChoiceOp::kTimestampGreaterThan},
    {"TimestampLessThanEquals", ChoiceOp::kTimestampLessThanEquals},
    {"TimestampGreaterThanEquals", ChoiceOp::kTimestampGreaterThanEquals},
    {"IsNull", ChoiceOp::kIsNull},
    {"IsPresent", ChoiceOp::kIsPresent},
    {"IsNumeric", ChoiceOp::kIsNumeric},
    {"IsString", ChoiceOp::kIsString},
    {"IsBoolean", ChoiceOp::kIsBoolean},
    {"IsTimestamp", ChoiceOp::kIsTimestamp},
}};

// -1, 0, 1 as a < b, a == b, a > b.
template <typename T>
int Compare(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool Holds(ChoiceOp op, int cmp) {
  switch (op) {
    case ChoiceOp::kStringEquals:
    case ChoiceOp::kNumericEquals:
    case ChoiceOp::kTimestampEquals:
      return cmp == 0;
    case ChoiceOp::kStringLessThan:
    case ChoiceOp::kNumericLessThan:
    case ChoiceOp::kTimestampLessThan:
      return cmp < 0;
    case ChoiceOp::kStringGreaterThan:
    case ChoiceOp::kNumericGreaterThan:
    case ChoiceOp::kTimestampGreaterThan:
      return cmp > 0;
    case ChoiceOp::kStringLessThanEquals:
    case ChoiceOp::kNumericLessThanEquals:
    case ChoiceOp::kTimestampLessThanEquals:
      return cmp <= 0;
    default:
      return cmp >= 0;
  }
}

// '*' matches any run of characters; "\*" a literal star, "\\" a backslash.
bool WildcardMatch(std::string_view text, std::string_view pattern) {
  std::size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      char c = pattern[p];
      std::size_t width = 1;
      if (c == '\\' && p + 1 < pattern.size()) {
        c = pattern[p + 1];
        width = 2;
      }
      if (c == text[t]) {
        p += width;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<common::TimeMs> AsTimestamp(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  return common::ParseIso8601(v.get_string());
}

bool IsOp(ChoiceOp op, ChoiceOp lo, ChoiceOp hi) {
  return static_cast<int>(op) >= static_cast<int>(lo) &&
         static_cast<int>(op) <= static_cast<int>(hi);
}

bool Compare(ChoiceOp op, const json::value& value, const json::value& operand) {
  if (IsOp(op, ChoiceOp::kStringEquals, ChoiceOp::kStringGreaterThanEquals)) {
    if (!value.is_string() || !operand.is_string()) return false;
    std::string_view a = value.get_string(), b = operand.get_string();
    return Holds(op, Compare(a, b));
  }
  if (op == ChoiceOp::kStringMatches) {
    return value.is_string() && operand.is_string() &&
           WildcardMatch(value.get_string(), operand.get_string());
  }
  if (IsOp(op, ChoiceOp::kNumericEquals, ChoiceOp::kNumericGreaterThanEquals)) {
    if (!common::IsNumber(value) || !common::IsNumber(operand)) return false;
    std::int64_t ia, ib;
    if (common::AsInt64(value, &ia) && common::AsInt64(operand, &ib)) {
      return Holds(op, Compare(ia, ib));
    }
    return Holds(op, Compare(common::ToDouble(value), common::ToDouble(operand)));
  }
  if (op == ChoiceOp::kBooleanEquals) {
    return value.is_bool() && operand.is_bool() && value.get_bool() == operand.get_bool();
  }
  if (IsOp(op, ChoiceOp::kTimestampEquals, ChoiceOp::kTimestampGreaterThanEquals)) {
    auto a = AsTimestamp(value), b = AsTimestamp(operand);
    if (!a || !b) return false;
    return Holds(op, Compare(*a, *b));
  }
  bool want = operand.is_bool() && operand.get_bool();
  bool is = false;
  switch (op) {
    case ChoiceOp::kIsNull:
      is = value.is_null();
      break;
    case ChoiceOp::kIsNumeric:
      is = common::IsNumber(value);
      break;
    case ChoiceOp::kIsString:
      is = value.is_string();
      break;
    case ChoiceOp::kIsBoolean:
      is = value.is_bool();
      break;
    case ChoiceOp::kIsTimestamp:
      is = AsTimestamp(value).has_value();
      break;
    default:
      break;
  }
  return is == want;
}

common::Status ParsePath(const json::value& v, std::string_view field,
                         std::optional<JsonPath>* out) {
  if (!v.is_string()) {
    return common::Status::InvalidArgument("choice field '" + std::string(field) +
                                           "' must be a JSONPath string");
  }
  auto path = JsonPath::Parse(v.get_string());
  if (!path.ok()) return path.status();
  *out = std::move(path).value();
  return common::Status::Ok();
}

}  // namespace

common::Result<ChoiceRule> ChoiceRule::Compile(const json::value& v, bool top_level) {
  if (!v.is_object()) return common::Status::InvalidArgument("a choice rule must be an object");
  const auto& o = v.get_object();
  ChoiceRule rule;
  if (top_level) {
    if (const auto* next = o.if_contains("Next"); next && next->is_string()) {
      rule.next = next->get_string();
    }
    if (const auto* assign = o.if_contains("Assign")) {
      auto t = PayloadTemplate::Compile(*assign);
      if (!t.ok()) return t.status();
      rule.assign = std::move(t).value();
    }
  }
  for (const char* combinator : {"And", "Or"}) {
    if (const auto* list = o.if_contains(combinator)) {
      rule.kind = combinator[0] == 'A' ? Kind::kAnd : Kind::kOr;
      if (!list->is_array()) {
        return common::Status::InvalidArgument(std::string(combinator) + " must be an array");
      }
      for (const auto& child : list->get_array()) {
        auto c = Compile(child, false);
        if (!c.ok()) return c.status();
        rule.children.push_back(std::move(c).value());
      }
      return rule;
    }
  }
  if (const auto* inner = o.if_contains("Not")) {
    rule.kind = Kind::kNot;
    auto c = Compile(*inner, false);
    if (!c.ok()) return c.status();
    rule.children.push_back(std::move(c).value());
    return rule;
  }
  const auto* variable = o.if_contains("Variable");
  if (!variable) return common::Status::InvalidArgument("a choice rule needs 'Variable'");
  if (auto s = ParsePath(*variable, "Variable", &rule.variable); !s.ok()) return s;
  for (const auto& [name, op] : kOps) {
    if (const auto* operand = o.if_contains(name)) {
      rule.op = op;
      rule.operand = *operand;
      return rule;
    }
    std::string path_name = std::string(name) + "Path";
    if (const auto* operand = o.if_contains(path_name)) {
      rule.op = op;
      if (auto s = ParsePath(*operand, path_name, &rule.operand_path); !s.ok()) return s;
      return rule;
    }
  }
  return common::Status::InvalidArgument("a choice rule needs a comparison operator");
}

Eval<bool> ChoiceRule::Evaluate(const PathScope& scope) const {
  switch (kind) {
    case Kind::kAnd:
      for (const auto& c : children) {
        auto r = c.Evaluate(scope);
        if (!r.ok() || !r.value()) return r;
      }
      return true;
    case Kind::kOr:
      for (const auto& c : children) {
        auto r = c.Evaluate(scope);
        if (!r.ok() || r.value()) return r;
      }
      return false;
    case Kind::kNot: {
      auto r = children.front().Evaluate(scope);
      if (!r.ok()) return r;
      return !r.value();
    }
    case Kind::kComparison:
      break;
  }
  auto value = variable->Evaluate(scope);
  if (op == ChoiceOp::kIsPresent) {
    bool want = operand.is_bool() && operand.get_bool();
    return value.has_value() == want;
  }
  if (!value) {
    return Failure{kStatesRuntime, "Invalid path '" + variable->text() +
                                       "': The choice state's condition path references an "
                                       "invalid value."};
  }
  if (operand_path) {
    auto other = operand_path->Evaluate(scope);
    if (!other) {
      return Failure{kStatesRuntime, "Invalid path '" + operand_path->text() +
                                         "': The choice state's condition path references an "
                                         "invalid value."};
    }
    return Compare(op, *value, *other);
  }
  return Compare(op, *value, operand);
}

}  // namespace tactus::asl
