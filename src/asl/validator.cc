// Entry points, state machines and sub-machines, and the reference checks (targets exist, every
// state is reachable, something terminates).
#include "asl/validator.h"

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "asl/validator_internal.h"

namespace tactus::asl {
namespace validator_internal {
namespace {

// AWS's limit on a definition's length (CreateStateMachine, ValidateStateMachineDefinition).
constexpr std::size_t kMaxDefinitionBytes = 1024 * 1024;
constexpr std::size_t kMaxStateNameLength = 80;

struct Edge {
  std::string target;
  std::string location;
};

// Transitions out of a state. Gathered leniently: malformed fields were reported by CheckState
// and simply contribute no edge, so one mistake does not cascade.
void CollectEdges(const json::object& state, const std::string& loc, std::vector<Edge>* edges) {
  for (std::string_view field : {"Next", "Default"}) {
    const json::value* target = state.if_contains(field);
    if (target != nullptr && target->is_string()) {
      edges->push_back({std::string(target->get_string()), Child(loc, field)});
    }
  }
  for (std::string_view list : {"Choices", "Catch"}) {
    const json::value* entries = state.if_contains(list);
    if (entries == nullptr || !entries->is_array()) continue;
    const json::array& array = entries->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const json::object* entry = array[i].if_object();
      const json::value* target = entry != nullptr ? entry->if_contains("Next") : nullptr;
      if (target != nullptr && target->is_string()) {
        edges->push_back(
            {std::string(target->get_string()), Child(Child(Child(loc, list), i), "Next")});
      }
    }
  }
}

bool IsTerminal(const json::object& state) {
  const json::value* type = state.if_contains("Type");
  if (type != nullptr && type->is_string() &&
      (type->get_string() == "Succeed" || type->get_string() == "Fail")) {
    return true;
  }
  const json::value* end = state.if_contains("End");
  return end != nullptr && end->is_bool() && end->get_bool();
}

std::size_t CodePoints(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool AllowsMachineField(MachineKind kind, std::string_view field) {
  if (field == "StartAt" || field == "States" || field == "Comment") return true;
  switch (kind) {
    case MachineKind::kTop:
      return field == "Version" || field == "TimeoutSeconds" || field == "QueryLanguage";
    case MachineKind::kItemProcessor:
    case MachineKind::kIterator:
      // AWS accepts ProcessorConfig in the legacy Iterator too.
      return field == "ProcessorConfig";
    case MachineKind::kBranch:
      return false;
  }
  return false;
}

std::string_view MachineName(MachineKind kind) {
  switch (kind) {
    case MachineKind::kTop:
      return "the top level of a state machine";
    case MachineKind::kBranch:
      return "a Parallel branch";
    case MachineKind::kItemProcessor:
      return "a Map ItemProcessor";
    case MachineKind::kIterator:
      return "a Map Iterator";
  }
  return "a state machine";
}

void CheckMachineField(Diagnostics& out, MachineKind kind, std::string_view field,
                       const json::value& value, const std::string& loc) {
  if (!AllowsMachineField(kind, field)) {
    Report(out, kSchema, loc,
           "Field '" + std::string(field) + "' is not supported at " +
               std::string(MachineName(kind)) + "; remove it or check its spelling.");
  } else if (field == "StartAt" || field == "Comment") {
    ExpectString(out, value, loc, field);
  } else if (field == "States") {
    if (ExpectObject(out, value, loc, field) && value.get_object().empty()) {
      Report(out, kSchema, loc, "'States' must contain at least one state.");
    }
  } else if (field == "Version") {
    if (!value.is_string() || value.get_string() != "1.0") {
      Report(out, kSchema, loc, "'Version' must be the string \"1.0\" (or be left out).");
    }
  } else if (field == "TimeoutSeconds") {
    CheckInt(out, value, loc, field, 1, kMaxSeconds);
  } else if (field == "QueryLanguage") {
    if (!value.is_string() || value.get_string() != "JSONPath") {
      Report(out, kSchema, loc, "'QueryLanguage' must be \"JSONPath\" or \"JSONata\".");
    }
  } else if (field == "ProcessorConfig") {
    CheckProcessorConfig(out, value, loc);
  }
}

// Reports every state that no path of transitions from StartAt reaches.
void CheckReachability(Diagnostics& out, const json::object& states, std::string_view start_at,
                       const std::unordered_map<std::string_view, std::vector<Edge>>& edges,
                       const std::string& states_loc) {
  std::unordered_set<std::string_view> reached{start_at};
  std::deque<std::string_view> queue{start_at};
  while (!queue.empty()) {
    std::string_view name = queue.front();
    queue.pop_front();
    auto it = edges.find(name);
    if (it == edges.end()) continue;
    for (const Edge& edge : it->second) {
      auto target = states.find(edge.target);
      if (target == states.end()) continue;
      std::string_view key = target->key();
      if (reached.insert(key).second) queue.push_back(key);
    }
  }
  for (const auto& [name, state] : states) {
    if (!reached.contains(std::string_view(name))) {
      Report(out, kUnreachable, Child(states_loc, name),
             "State '" + std::string(name) +
                 "' cannot be reached from StartAt; point a Next, Default or Catch at it, or "
                 "remove it.");
    }
  }
}

}  // namespace

void CheckMachine(Diagnostics& out, const json::value& v, const std::string& loc, MachineKind kind,
                  int depth) {
  if (depth > static_cast<int>(common::kMaxJsonDepth)) {
    Report(out, kSchema, loc, "State machines are nested too deeply; flatten the definition.");
    return;
  }
  if (!v.is_object()) {
    Report(out, kSchema, loc,
           std::string(kind == MachineKind::kTop ? "The definition" : "A sub-state machine") +
               " must be a JSON object with 'StartAt' and 'States', but it is " +
               std::string(common::JsonKindName(v)) + ".");
    return;
  }
  const json::object& machine = v.get_object();
  if (kind == MachineKind::kTop) {
    const json::value* language = machine.if_contains("QueryLanguage");
    if (language != nullptr && language->is_string() && language->get_string() == "JSONata") {
      // A JSONata definition follows other rules throughout; JSONPath checks would only add noise.
      Report(out, kUnsupportedLanguage, "/QueryLanguage",
             "QueryLanguage \"JSONata\" is not supported yet; write the definition in JSONPath "
             "(the default query language).");
      return;
    }
  }
  for (const auto& [field, value] : machine) {
    CheckMachineField(out, kind, field, value, Child(loc, field));
  }

  const json::value* start_value = machine.if_contains("StartAt");
  if (start_value == nullptr) {
    Report(out, kSchema, loc, "Missing required field 'StartAt': name the state to run first.");
  }
  const json::value* states_value = machine.if_contains("States");
  if (states_value == nullptr) {
    Report(out, kSchema, loc,
           "Missing required field 'States': an object mapping state names to states.");
  }
  if (states_value == nullptr || !states_value->is_object()) return;
  const json::object& states = states_value->get_object();
  std::string states_loc = Child(loc, "States");

  std::unordered_map<std::string_view, std::vector<Edge>> edges;
  bool has_terminal = false;
  for (const auto& [name, state] : states) {
    std::string state_loc = Child(states_loc, name);
    if (name.empty() || CodePoints(name) > kMaxStateNameLength) {
      Report(out, kSchema, state_loc,
             "State names must be 1 to 80 characters long; rename this state.");
    }
    CheckState(out, name, state, state_loc, depth);
    if (const json::object* fields = state.if_object()) {
      CollectEdges(*fields, state_loc, &edges[std::string_view(name)]);
      has_terminal = has_terminal || IsTerminal(*fields);
    }
  }

  for (const auto& [name, state] : states) {
    for (const Edge& edge : edges[std::string_view(name)]) {
      if (!states.contains(edge.target)) {
        Report(out, kMissingTarget, edge.location,
               "Transition target '" + edge.target + "' does not exist in " +
                   std::string(MachineName(kind)) +
                   "; a transition may only target a state of the same (sub-)machine. Check the "
                   "spelling or add the state.");
      }
    }
  }
  if (start_value == nullptr || !start_value->is_string()) return;
  std::string_view start_at = start_value->get_string();
  if (!states.contains(start_at)) {
    Report(out, kMissingTarget, Child(loc, "StartAt"),
           "StartAt names '" + std::string(start_at) + "', but there is no such state in " +
               std::string(MachineName(kind)) + ".");
    return;
  }
  CheckReachability(out, states, start_at, edges, states_loc);
  if (!has_terminal) {
    Report(out, kNoTerminal, states_loc,
           "No state ends the " +
               std::string(kind == MachineKind::kTop ? "execution" : "sub-state machine") +
               "; add \"End\": true, a Succeed state or a Fail state.");
  }
}

}  // namespace validator_internal

std::vector<Diagnostic> ValidateDefinition(const boost::json::value& definition) {
  validator_internal::Diagnostics out;
  validator_internal::CheckMachine(out, definition, "", validator_internal::MachineKind::kTop, 0);
  return out;
}

std::vector<Diagnostic> ValidateDefinitionText(std::string_view text) {
  using validator_internal::kBadJson;
  using validator_internal::kMaxDefinitionBytes;
  if (text.size() > kMaxDefinitionBytes) {
    return {Diagnostic{std::string(kBadJson), "",
                       "The definition is " + std::to_string(text.size()) +
                           " bytes; the limit is 1048576 (1 MiB). Move large constants into the "
                           "execution input."}};
  }
  auto parsed = common::ParseJson(text);
  if (!parsed.ok()) {
    return {Diagnostic{std::string(kBadJson), "",
                       "The definition is not valid JSON: " + parsed.status().message()}};
  }
  return ValidateDefinition(*parsed);
}

}  // namespace tactus::asl
