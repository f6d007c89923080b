// Building blocks shared by the validator's translation units (validator*.cc). Not a public
// contract: include validator.h instead.
//
// Every Check* function reports problems found in `v` (which lives at JSON pointer `loc`) into
// `out` and never throws. Recursive checks take a `depth` and stop, with a diagnostic, past
// common::kMaxJsonDepth, so that a programmatically built value cannot exhaust the stack.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asl/validator.h"
#include "common/json.h"

namespace tactus::asl::validator_internal {

namespace json = boost::json;

inline constexpr std::string_view kSchema = "SCHEMA_VALIDATION_FAILED";
inline constexpr std::string_view kMissingTarget = "MISSING_TRANSITION_TARGET";
inline constexpr std::string_view kUnreachable = "UNREACHABLE_STATE";
inline constexpr std::string_view kNoTerminal = "NO_TERMINAL_STATE";
inline constexpr std::string_view kBadPath = "INVALID_JSON_PATH";
inline constexpr std::string_view kBadIntrinsic = "INVALID_INTRINSIC";
inline constexpr std::string_view kBadJson = "INVALID_JSON_DESCRIPTION";
inline constexpr std::string_view kUnsupportedLanguage = "UNSUPPORTED_QUERY_LANGUAGE";

// AWS's upper bound for second counts (TimeoutSeconds, IntervalSeconds, MaxAttempts, ...).
inline constexpr std::int64_t kMaxSeconds = 99999999;

using Diagnostics = std::vector<Diagnostic>;

void Report(Diagnostics& out, std::string_view code, std::string location, std::string message);

// `pointer` extended by one RFC 6901 token.
std::string Child(std::string_view pointer, std::string_view token);
std::string Child(std::string_view pointer, std::size_t index);

// Reports "<field> must be <wanted>" unless the type matches; returns whether it does.
bool ExpectString(Diagnostics& out, const json::value& v, const std::string& loc,
                  std::string_view field);
bool ExpectBool(Diagnostics& out, const json::value& v, const std::string& loc,
                std::string_view field);
bool ExpectObject(Diagnostics& out, const json::value& v, const std::string& loc,
                  std::string_view field);
// Also rejects an empty array.
bool ExpectNonEmptyArray(Diagnostics& out, const json::value& v, const std::string& loc,
                         std::string_view field);

// An integral number in [min, max].
void CheckInt(Diagnostics& out, const json::value& v, const std::string& loc,
              std::string_view field, std::int64_t min, std::int64_t max);
// Any number in [min, max].
void CheckNumber(Diagnostics& out, const json::value& v, const std::string& loc,
                 std::string_view field, double min, double max);
// A string holding an ISO-8601 date-time with offset (common::ParseIso8601).
void CheckTimestamp(Diagnostics& out, const json::value& v, const std::string& loc,
                    std::string_view field);

// A JSONPath string (null too when `allow_null`).
void CheckPath(Diagnostics& out, const json::value& v, const std::string& loc,
               std::string_view field, bool allow_null);
// A Reference Path rooted at "$" (ResultPath), or null.
void CheckResultPath(Diagnostics& out, const json::value& v, const std::string& loc,
                     std::string_view field);
// The string is a JSONPath or an intrinsic call (the value of a ".$" key, ErrorPath, ...).
void CheckPathOrIntrinsic(Diagnostics& out, std::string_view text, const std::string& loc,
                          std::string_view field);

// A payload template (Parameters, ResultSelector, ...): any JSON where every key ending in ".$"
// holds a path or intrinsic. `require_object` rejects non-object templates.
void CheckTemplate(Diagnostics& out, const json::value& v, const std::string& loc,
                   std::string_view field, bool require_object);
// An Assign block: an object of variable names to templates.
void CheckAssign(Diagnostics& out, const json::value& v, const std::string& loc);

// Choice state `Choices`, and Retry / Catch arrays (validator_rules.cc).
void CheckChoices(Diagnostics& out, const json::value& v, const std::string& loc);
void CheckRetry(Diagnostics& out, const json::value& v, const std::string& loc);
void CheckCatch(Diagnostics& out, const json::value& v, const std::string& loc);

// A state machine or sub-machine (validator.cc) and one state (validator_state.cc).
enum class MachineKind { kTop, kBranch, kItemProcessor, kIterator };
void CheckMachine(Diagnostics& out, const json::value& v, const std::string& loc, MachineKind kind,
                  int depth);
void CheckState(Diagnostics& out, std::string_view name, const json::value& v,
                const std::string& loc, int depth);
// The ProcessorConfig of a Map ItemProcessor.
void CheckProcessorConfig(Diagnostics& out, const json::value& v, const std::string& loc);

}  // namespace tactus::asl::validator_internal
