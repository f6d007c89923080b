// Field-level checks: JSON types, ranges, paths, intrinsics and payload templates.
#include <cmath>
#include <cstdio>
#include <string>

#include "asl/intrinsics.h"
#include "asl/jsonpath.h"
#include "asl/validator_internal.h"
#include "common/clock.h"

namespace tactus::asl::validator_internal {

void Report(Diagnostics& out, std::string_view code, std::string location, std::string message) {
  out.push_back(Diagnostic{std::string(code), std::move(location), std::move(message)});
}

std::string Child(std::string_view pointer, std::string_view token) {
  std::string result(pointer);
  result += '/';
  result += common::JsonPointerEscape(token);
  return result;
}

std::string Child(std::string_view pointer, std::size_t index) {
  return Child(pointer, std::to_string(index));
}

namespace {

bool ExpectKind(Diagnostics& out, bool ok, const json::value& v, const std::string& loc,
                std::string_view field, std::string_view wanted) {
  if (!ok) {
    Report(out, kSchema, loc,
           "'" + std::string(field) + "' must be " + std::string(wanted) + ", but it is " +
               std::string(common::JsonKindName(v)) + ".");
  }
  return ok;
}

// Quotes user text in messages without letting a huge value flood them.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 120;
  if (text.size() <= kMaxQuoted) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuoted)) + "...'";
}

// Variable names in Assign: AWS accepts letters, digits and '_' (not leading with a digit);
// non-ASCII letters are allowed, so bytes >= 0x80 pass.
bool IsVariableName(std::string_view name) {
  if (name.empty() || name.size() > 80) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c >= 0x80;
    if (!ok) return false;
  }
  return true;
}

bool EndsWithDollar(std::string_view key) {
  return key.size() >= 2 && key.substr(key.size() - 2) == ".$";
}

void CheckTemplateAt(Diagnostics& out, const json::value& v, const std::string& loc,
                     std::string_view field, int depth) {
  if (depth > static_cast<int>(common::kMaxJsonDepth)) {
    Report(out, kSchema, loc,
           "'" + std::string(field) + "' is nested too deeply; flatten the template.");
    return;
  }
  if (const json::array* arr = v.if_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      CheckTemplateAt(out, (*arr)[i], Child(loc, i), field, depth + 1);
    }
    return;
  }
  const json::object* obj = v.if_object();
  if (obj == nullptr) return;
  for (const auto& [key, value] : *obj) {
    std::string child = Child(loc, key);
    if (!EndsWithDollar(key)) {
      CheckTemplateAt(out, value, child, field, depth + 1);
      continue;
    }
    const json::string* text = value.if_string();
    if (text == nullptr) {
      Report(out, kSchema, child,
             "The value of '" + std::string(key) + "' in " + std::string(field) +
                 " must be a string holding a JSONPath or an intrinsic function, but it is " +
                 std::string(common::JsonKindName(value)) +
                 "; drop the '.$' suffix for a literal value.");
      continue;
    }
    CheckPathOrIntrinsic(out, *text, child, field);
  }
}

}  // namespace

bool ExpectString(Diagnostics& out, const json::value& v, const std::string& loc,
                  std::string_view field) {
  return ExpectKind(out, v.is_string(), v, loc, field, "a string");
}

bool ExpectBool(Diagnostics& out, const json::value& v, const std::string& loc,
                std::string_view field) {
  return ExpectKind(out, v.is_bool(), v, loc, field, "a boolean");
}

bool ExpectObject(Diagnostics& out, const json::value& v, const std::string& loc,
                  std::string_view field) {
  return ExpectKind(out, v.is_object(), v, loc, field, "an object");
}

bool ExpectNonEmptyArray(Diagnostics& out, const json::value& v, const std::string& loc,
                         std::string_view field) {
  if (!ExpectKind(out, v.is_array(), v, loc, field, "an array")) return false;
  if (v.get_array().empty()) {
    Report(out, kSchema, loc, "'" + std::string(field) + "' must not be empty.");
    return false;
  }
  return true;
}

void CheckInt(Diagnostics& out, const json::value& v, const std::string& loc,
              std::string_view field, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  if (!common::AsInt64(v, &n) || n < min || n > max) {
    Report(out, kSchema, loc,
           "'" + std::string(field) + "' must be an integer between " + std::to_string(min) +
               " and " + std::to_string(max) + ".");
  }
}

void CheckNumber(Diagnostics& out, const json::value& v, const std::string& loc,
                 std::string_view field, double min, double max) {
  if (!common::IsNumber(v)) {
    ExpectKind(out, false, v, loc, field, "a number");
    return;
  }
  double d = common::ToDouble(v);
  if (!(d >= min && d <= max)) {
    char range[96];
    if (std::isinf(max)) {
      std::snprintf(range, sizeof(range), "at least %g", min);
    } else {
      std::snprintf(range, sizeof(range), "between %g and %g", min, max);
    }
    Report(out, kSchema, loc, "'" + std::string(field) + "' must be a number " + range + ".");
  }
}

void CheckTimestamp(Diagnostics& out, const json::value& v, const std::string& loc,
                    std::string_view field) {
  if (!ExpectString(out, v, loc, field)) return;
  if (!common::ParseIso8601(v.get_string())) {
    Report(out, kSchema, loc,
           "'" + std::string(field) + "' value " + Quote(v.get_string()) +
               " is not an ISO-8601 timestamp; write it like \"2024-05-01T10:00:00Z\" (the "
               "offset is required).");
  }
}

void CheckPath(Diagnostics& out, const json::value& v, const std::string& loc,
               std::string_view field, bool allow_null) {
  if (allow_null && v.is_null()) return;
  if (!v.is_string()) {
    ExpectKind(out, false, v, loc, field,
               allow_null ? "a JSONPath string or null" : "a JSONPath string");
    return;
  }
  auto parsed = JsonPath::Parse(v.get_string());
  if (!parsed.ok()) {
    Report(out, kBadPath, loc,
           "'" + std::string(field) + "' is not a valid JSONPath: " + parsed.status().message());
  }
}

void CheckResultPath(Diagnostics& out, const json::value& v, const std::string& loc,
                     std::string_view field) {
  if (v.is_null()) return;
  if (!v.is_string()) {
    ExpectKind(out, false, v, loc, field, "a reference path string or null");
    return;
  }
  auto parsed = JsonPath::Parse(v.get_string());
  if (!parsed.ok()) {
    Report(out, kBadPath, loc,
           "'" + std::string(field) + "' is not a valid JSONPath: " + parsed.status().message());
    return;
  }
  if (parsed->root() != PathRoot::kInput || !parsed->IsReferencePath()) {
    Report(out, kBadPath, loc,
           "'" + std::string(field) + "' value " + Quote(v.get_string()) +
               " must be a reference path: rooted at '$' and made only of field names and "
               "non-negative indices, like \"$.result\" or \"$.items[0]\".");
  }
}

void CheckPathOrIntrinsic(Diagnostics& out, std::string_view text, const std::string& loc,
                          std::string_view field) {
  if (IntrinsicCall::LooksLikeCall(text)) {
    auto call = IntrinsicCall::Parse(text);
    if (!call.ok()) {
      Report(
          out, kBadIntrinsic, loc,
          "Invalid intrinsic function in " + std::string(field) + ": " + call.status().message());
    }
    return;
  }
  if (text.empty() || text[0] != '$') {
    Report(out, kBadPath, loc,
           Quote(text) + " in " + std::string(field) +
               " is neither a JSONPath (starting with '$') nor an intrinsic function call "
               "(States.Name(...)); for a literal value drop the '.$' suffix from the key.");
    return;
  }
  auto path = JsonPath::Parse(text);
  if (!path.ok()) {
    Report(out, kBadPath, loc,
           "Invalid JSONPath in " + std::string(field) + ": " + path.status().message());
  }
}

void CheckTemplate(Diagnostics& out, const json::value& v, const std::string& loc,
                   std::string_view field, bool require_object) {
  if (require_object && !ExpectObject(out, v, loc, field)) return;
  CheckTemplateAt(out, v, loc, field, 0);
}

void CheckAssign(Diagnostics& out, const json::value& v, const std::string& loc) {
  if (!ExpectObject(out, v, loc, "Assign")) return;
  for (const auto& [key, value] : v.get_object()) {
    std::string_view name = key;
    if (EndsWithDollar(name)) name.remove_suffix(2);
    if (!IsVariableName(name)) {
      Report(out, kSchema, Child(loc, key),
             "Variable name " + Quote(name) +
                 " in Assign is invalid; use 1 to 80 letters, digits or underscores, not starting "
                 "with a digit.");
    }
  }
  CheckTemplateAt(out, v, loc, "Assign", 0);
}

}  // namespace tactus::asl::validator_internal
