// Static validation of a state machine definition, like AWS's ValidateStateMachineDefinition.
//
// Checks: structure (required and forbidden fields per state type, field types), references
// (StartAt/Next/Default targets exist; every state reachable; a terminal state exists in every
// branch), JSONPath and reference-path syntax, intrinsic-function syntax, Choice rules, Retry and
// Catch rules (States.ALL alone in its ErrorEquals and in the last retrier/catcher), field ranges
// (MaxAttempts >= 0, IntervalSeconds >= 1, BackoffRate >= 1, TimeoutSeconds > 0, ...), and Map and
// Parallel sub-machines recursively. `QueryLanguage: "JSONata"` is reported as not supported yet.
//
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace tactus::asl {

struct Diagnostic {
  // Stable machine-readable code, e.g. "SCHEMA_VALIDATION_FAILED", "MISSING_TRANSITION_TARGET",
  // "UNREACHABLE_STATE", "INVALID_JSON_PATH", "INVALID_INTRINSIC", "INVALID_JSON_DESCRIPTION",
  // "UNSUPPORTED_QUERY_LANGUAGE".
  std::string code;
  // RFC 6901 JSON pointer into the definition, e.g. "/States/Check/Choices/0/Next"; for a JSON
  // syntax error, "" (the message carries line and column).
  std::string location;
  // What is wrong and what to do about it.
  std::string message;
};

// Validates an already-parsed definition. Empty result means valid.
std::vector<Diagnostic> ValidateDefinition(const boost::json::value& definition);

// Parses `text` (reporting a JSON syntax error as one INVALID_JSON_DESCRIPTION diagnostic with line
// and column) and validates it.
std::vector<Diagnostic> ValidateDefinitionText(std::string_view text);

}  // namespace tactus::asl
