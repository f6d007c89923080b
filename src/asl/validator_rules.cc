// Choice rules, Retry and Catch.
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "asl/validator_internal.h"

namespace tactus::asl::validator_internal {
namespace {

enum class Operand { kString, kNumber, kBoolean, kTimestamp, kPath };

struct Operator {
  std::string_view name;
  Operand operand;
};

// The 39 comparison operators of JSONPath-mode Choice rules, with the operand each expects.
constexpr std::array<Operator, 39> kOperators = {{
    {"StringEquals", Operand::kString},
    {"StringEqualsPath", Operand::kPath},
    {"StringLessThan", Operand::kString},
    {"StringLessThanPath", Operand::kPath},
    {"StringGreaterThan", Operand::kString},
    {"StringGreaterThanPath", Operand::kPath},
    {"StringLessThanEquals", Operand::kString},
    {"StringLessThanEqualsPath", Operand::kPath},
    {"StringGreaterThanEquals", Operand::kString},
    {"StringGreaterThanEqualsPath", Operand::kPath},
    {"StringMatches", Operand::kString},
    {"NumericEquals", Operand::kNumber},
    {"NumericEqualsPath", Operand::kPath},
    {"NumericLessThan", Operand::kNumber},
    {"NumericLessThanPath", Operand::kPath},
    {"NumericGreaterThan", Operand::kNumber},
    {"NumericGreaterThanPath", Operand::kPath},
    {"NumericLessThanEquals", Operand::kNumber},
    {"NumericLessThanEqualsPath", Operand::kPath},
    {"NumericGreaterThanEquals", Operand::kNumber},
    {"NumericGreaterThanEqualsPath", Operand::kPath},
    {"BooleanEquals", Operand::kBoolean},
    {"BooleanEqualsPath", Operand::kPath},
    {"TimestampEquals", Operand::kTimestamp},
    {"TimestampEqualsPath", Operand::kPath},
    {"TimestampLessThan", Operand::kTimestamp},
    {"TimestampLessThanPath", Operand::kPath},
    {"TimestampGreaterThan", Operand::kTimestamp},
    {"TimestampGreaterThanPath", Operand::kPath},
    {"TimestampLessThanEquals", Operand::kTimestamp},
    {"TimestampLessThanEqualsPath", Operand::kPath},
    {"TimestampGreaterThanEquals", Operand::kTimestamp},
    {"TimestampGreaterThanEqualsPath", Operand::kPath},
    {"IsNull", Operand::kBoolean},
    {"IsPresent", Operand::kBoolean},
    {"IsNumeric", Operand::kBoolean},
    {"IsString", Operand::kBoolean},
    {"IsBoolean", Operand::kBoolean},
    {"IsTimestamp", Operand::kBoolean},
}};

const Operator* FindOperator(std::string_view name) {
  for (const Operator& op : kOperators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

void CheckOperand(Diagnostics& out, const Operator& op, const json::value& v,
                  const std::string& loc) {
  switch (op.operand) {
    case Operand::kString:
      ExpectString(out, v, loc, op.name);
      break;
    case Operand::kNumber:
      if (!common::IsNumber(v)) {
        Report(out, kSchema, loc,
               "'" + std::string(op.name) + "' must be a number, but it is " +
                   std::string(common::JsonKindName(v)) + ".");
      }
      break;
    case Operand::kBoolean:
      ExpectBool(out, v, loc, op.name);
      break;
    case Operand::kTimestamp:
      CheckTimestamp(out, v, loc, op.name);
      break;
    case Operand::kPath:
      CheckPath(out, v, loc, op.name, /*allow_null=*/false);
      break;
  }
}

// `top_level` rules sit directly in Choices: they carry Next (and may carry Assign); rules
// nested in And/Or/Not only compare.
void CheckRule(Diagnostics& out, const json::value& v, const std::string& loc, bool top_level,
               int depth) {
  if (depth > static_cast<int>(common::kMaxJsonDepth)) {
    Report(out, kSchema, loc, "Choice rules are nested too deeply; simplify the condition.");
    return;
  }
  if (!v.is_object()) {
    Report(
        out, kSchema, loc,
        "A Choice rule must be an object, but it is " + std::string(common::JsonKindName(v)) + ".");
    return;
  }
  const json::object& rule = v.get_object();
  std::vector<std::string_view> combinators;
  std::vector<std::string_view> operators;
  for (const auto& [key, value] : rule) {
    std::string child = Child(loc, key);
    if (key == "And" || key == "Or") {
      combinators.push_back(key);
      if (!ExpectNonEmptyArray(out, value, child, key)) continue;
      const json::array& rules = value.get_array();
      for (std::size_t i = 0; i < rules.size(); ++i) {
        CheckRule(out, rules[i], Child(child, i), /*top_level=*/false, depth + 1);
      }
    } else if (key == "Not") {
      combinators.push_back(key);
      if (ExpectObject(out, value, child, key)) {
        CheckRule(out, value, child, /*top_level=*/false, depth + 1);
      }
    } else if (const Operator* op = FindOperator(key)) {
      operators.push_back(key);
      CheckOperand(out, *op, value, child);
    } else if (key == "Variable") {
      CheckPath(out, value, child, "Variable", /*allow_null=*/false);
    } else if (key == "Comment") {
      ExpectString(out, value, child, "Comment");
    } else if (key == "Next" && top_level) {
      ExpectString(out, value, child, "Next");
    } else if (key == "Assign" && top_level) {
      CheckAssign(out, value, child);
    } else if (key == "Next" || key == "Assign") {
      Report(out, kSchema, child,
             "A Choice rule nested in And/Or/Not must not have '" + std::string(key) +
                 "'; put it on the enclosing top-level rule.");
    } else if (key == "Condition") {
      Report(out, kSchema, child,
             "Field 'Condition' is only valid with QueryLanguage JSONata; in JSONPath use "
             "'Variable' with a comparison operator.");
    } else {
      Report(out, kSchema, child,
             "Field '" + std::string(key) +
                 "' is not supported in a Choice rule; use Variable with one comparison "
                 "operator (StringEquals, NumericLessThan, IsPresent, ...) or And/Or/Not.");
    }
  }

  bool has_variable = rule.contains("Variable");
  if (combinators.size() > 1 || (!combinators.empty() && (has_variable || !operators.empty()))) {
    Report(out, kSchema, loc,
           "A Choice rule must be either a comparison (Variable and one operator) or exactly one "
           "of And, Or, Not; this rule mixes them.");
  } else if (combinators.empty()) {
    if (!has_variable) {
      Report(out, kSchema, loc,
             "A Choice rule needs 'Variable' (the path to compare) and one comparison operator, "
             "or one of And, Or, Not.");
    }
    if (operators.empty()) {
      Report(out, kSchema, loc,
             "A Choice rule needs one comparison operator (StringEquals, NumericEquals, "
             "IsPresent, ...).");
    } else if (operators.size() > 1) {
      std::string names;
      for (std::string_view name : operators)
        names += (names.empty() ? "" : ", ") + std::string(name);
      Report(out, kSchema, loc,
             "A Choice rule may have only one comparison operator, but has " + names +
                 "; combine comparisons with And/Or.");
    }
  }
  if (top_level && !rule.contains("Next")) {
    Report(out, kSchema, loc,
           "A top-level Choice rule needs 'Next', the state to go to when the rule matches.");
  }
}

// Shared by retriers and catchers. `last` says whether this entry is the final one.
void CheckErrorEquals(Diagnostics& out, const json::object& entry, const std::string& loc,
                      std::string_view list_name, bool last) {
  const json::value* errors = entry.if_contains("ErrorEquals");
  if (errors == nullptr) {
    Report(out, kSchema, loc,
           "Each " + std::string(list_name) +
               " entry needs 'ErrorEquals', a non-empty array of error names such as "
               "[\"States.ALL\"].");
    return;
  }
  std::string errors_loc = Child(loc, "ErrorEquals");
  if (!ExpectNonEmptyArray(out, *errors, errors_loc, "ErrorEquals")) return;
  const json::array& names = errors->get_array();
  bool has_all = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].is_string()) {
      Report(out, kSchema, Child(errors_loc, i),
             "Error names in ErrorEquals must be strings, but this is " +
                 std::string(common::JsonKindName(names[i])) + ".");
    } else if (names[i].get_string() == "States.ALL") {
      has_all = true;
    }
  }
  if (has_all && names.size() > 1) {
    Report(out, kSchema, errors_loc,
           "'States.ALL' must appear alone in its ErrorEquals; remove the other error names.");
  }
  if (has_all && !last) {
    Report(out, kSchema, errors_loc,
           "An entry matching 'States.ALL' must be the last in " + std::string(list_name) +
               "; move it to the end.");
  }
}

}  // namespace

void CheckChoices(Diagnostics& out, const json::value& v, const std::string& loc) {
  if (!ExpectNonEmptyArray(out, v, loc, "Choices")) return;
  const json::array& rules = v.get_array();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    CheckRule(out, rules[i], Child(loc, i), /*top_level=*/true, 0);
  }
}

void CheckRetry(Diagnostics& out, const json::value& v, const std::string& loc) {
  if (!v.is_array()) {
    Report(out, kSchema, loc, "'Retry' must be an array of retriers.");
    return;
  }
  const json::array& retriers = v.get_array();
  for (std::size_t i = 0; i < retriers.size(); ++i) {
    std::string entry_loc = Child(loc, i);
    if (!ExpectObject(out, retriers[i], entry_loc, "Retry entry")) continue;
    const json::object& entry = retriers[i].get_object();
    CheckErrorEquals(out, entry, entry_loc, "Retry", i + 1 == retriers.size());
    for (const auto& [key, value] : entry) {
      std::string child = Child(entry_loc, key);
      if (key == "ErrorEquals") {
        continue;
      } else if (key == "IntervalSeconds") {
        CheckInt(out, value, child, key, 1, kMaxSeconds);
      } else if (key == "MaxAttempts") {
        CheckInt(out, value, child, key, 0, kMaxSeconds);
      } else if (key == "BackoffRate") {
        CheckNumber(out, value, child, key, 1.0, std::numeric_limits<double>::infinity());
      } else if (key == "MaxDelaySeconds") {
        // AWS caps the delay at one year (366 days).
        CheckInt(out, value, child, key, 1, 31622400);
      } else if (key == "JitterStrategy") {
        if (ExpectString(out, value, child, key) && value.get_string() != "FULL" &&
            value.get_string() != "NONE") {
          Report(out, kSchema, child, "'JitterStrategy' must be \"FULL\" or \"NONE\".");
        }
      } else if (key == "Comment") {
        ExpectString(out, value, child, key);
      } else {
        Report(out, kSchema, child,
               "Field '" + std::string(key) +
                   "' is not supported in a retrier; allowed: ErrorEquals, IntervalSeconds, "
                   "MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy, Comment.");
      }
    }
  }
}

void CheckCatch(Diagnostics& out, const json::value& v, const std::string& loc) {
  if (!v.is_array()) {
    Report(out, kSchema, loc, "'Catch' must be an array of catchers.");
    return;
  }
  const json::array& catchers = v.get_array();
  for (std::size_t i = 0; i < catchers.size(); ++i) {
    std::string entry_loc = Child(loc, i);
    if (!ExpectObject(out, catchers[i], entry_loc, "Catch entry")) continue;
    const json::object& entry = catchers[i].get_object();
    CheckErrorEquals(out, entry, entry_loc, "Catch", i + 1 == catchers.size());
    if (!entry.contains("Next")) {
      Report(out, kSchema, entry_loc,
             "Each Catch entry needs 'Next', the state to go to when it catches an error.");
    }
    for (const auto& [key, value] : entry) {
      std::string child = Child(entry_loc, key);
      if (key == "ErrorEquals") {
        continue;
      } else if (key == "Next") {
        ExpectString(out, value, child, key);
      } else if (key == "ResultPath") {
        CheckResultPath(out, value, child, key);
      } else if (key == "Assign") {
        CheckAssign(out, value, child);
      } else if (key == "Comment") {
        ExpectString(out, value, child, key);
      } else {
        Report(out, kSchema, child,
               "Field '" + std::string(key) +
                   "' is not supported in a catcher; allowed: ErrorEquals, Next, ResultPath, "
                   "Assign, Comment.");
      }
    }
  }
}

}  // namespace tactus::asl::validator_internal
