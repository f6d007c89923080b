// The immutable, validated model of a state machine definition (JSONPath mode).
//
// BuildStateMachine runs asl/validator first and refuses any definition with diagnostics, so the
// engine can rely on the invariants the validator checks (targets exist, required fields are
// present, paths parse). Everything that can be compiled (paths, templates, Choice rules) is
// compiled here, once.
//
// Thread-safe: a built StateMachine is immutable and shared between executions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/choice.h"
#include "asl/jsonpath.h"
#include "asl/payload.h"
#include "asl/validator.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::asl {

enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

// "Pass", "Task", ... as in the definition and in history event type names.
std::string_view StateTypeName(StateType type);

enum class Jitter { kNone, kFull };

struct Retrier {
  std::vector<std::string> error_equals;
  std::int64_t interval_seconds = 1;
  std::int64_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<std::int64_t> max_delay_seconds;
  Jitter jitter = Jitter::kNone;
};

// A Catcher's ResultPath: absent means "$"; JSON null means "discard the error output".
struct ResultPathSpec {
  bool discard = false;
  std::optional<JsonPath> path;  // nullopt with !discard means "$"
};

struct Catcher {
  std::vector<std::string> error_equals;
  std::string next;
  ResultPathSpec result_path;
  std::optional<PayloadTemplate> assign;
};

// An InputPath/OutputPath: absent means "$"; JSON null means "{}".
struct FilterPath {
  bool null = false;
  std::optional<JsonPath> path;
};

// A number given literally or through a *Path field.
struct NumberOrPath {
  std::optional<json::value> literal;
  std::optional<JsonPath> path;
  bool present() const { return literal.has_value() || path.has_value(); }
};

struct StateMachine;

struct State {
  std::string name;
  StateType type = StateType::kPass;
  std::string next;  // empty when End or terminal
  bool end = false;

  FilterPath input_path, output_path;
  ResultPathSpec result_path;
  std::optional<PayloadTemplate> parameters;  // Parameters (Map: ItemSelector/Parameters)
  std::optional<PayloadTemplate> result_selector;
  std::optional<PayloadTemplate> assign;
  std::optional<json::value> result;  // Pass

  // Task
  std::string resource;
  NumberOrPath timeout_seconds, heartbeat_seconds;
  std::optional<PayloadTemplate> credentials;

  std::vector<Retrier> retry;
  std::vector<Catcher> catchers;

  // Choice
  std::vector<ChoiceRule> choices;
  std::string default_next;

  // Wait
  std::optional<json::value> seconds;
  std::optional<JsonPath> seconds_path;
  std::optional<std::string> timestamp;
  std::optional<JsonPath> timestamp_path;

  // Fail: literal or dynamic (path or intrinsic) Error and Cause.
  std::optional<std::string> error, cause;
  std::optional<DynamicValue> error_path, cause_path;

  // Parallel
  std::vector<std::shared_ptr<const StateMachine>> branches;

  // Map
  std::shared_ptr<const StateMachine> iterator;
  std::optional<JsonPath> items_path;
  NumberOrPath max_concurrency, tolerated_failure_count, tolerated_failure_percentage;
  std::string label;
  // ItemProcessor.ProcessorConfig.Mode == "DISTRIBUTED": iterations run as child executions
  // whose events are not part of this execution's history (AWS records MapRun* events instead).
  bool distributed = false;
};

struct StateMachine {
  std::string start_at;
  std::optional<std::int64_t> timeout_seconds;
  std::map<std::string, State, std::less<>> states;

  // REQUIRES: the state exists (validated definitions only name existing states).
  const State& at(std::string_view name) const;
};

// Validates and compiles a definition. On failure returns InvalidArgument whose message lists
// the diagnostics ("<code> at <pointer>: <message>", one per line).
common::Result<std::shared_ptr<const StateMachine>> BuildStateMachine(
    const json::value& definition);

// Parses JSON text, then BuildStateMachine.
common::Result<std::shared_ptr<const StateMachine>> ParseStateMachine(std::string_view text);

}  // namespace tactus::asl
