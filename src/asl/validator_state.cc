// One state: its type, allowed fields, field types and field combinations.
#include <algorithm>
#include <initializer_list>
#include <limits>
#include <string>

#include "asl/validator_internal.h"

namespace tactus::asl::validator_internal {
namespace {

struct StateType {
  std::string_view name;
  // Whether the state continues with exactly one of Next / End.
  bool transitions;
  std::initializer_list<std::string_view> fields;  // besides Type, Comment, QueryLanguage
};

const StateType kStateTypes[] = {
    {"Pass",
     true,
     {"InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Next", "End"}},
    {"Task",
     true,
     {"Resource", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry",
      "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
      "Credentials", "Assign", "Next", "End"}},
    {"Choice", false, {"Choices", "Default", "InputPath", "OutputPath", "Assign"}},
    {"Wait",
     true,
     {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Assign",
      "Next", "End"}},
    {"Succeed", false, {"InputPath", "OutputPath"}},
    {"Fail", false, {"Error", "ErrorPath", "Cause", "CausePath"}},
    {"Parallel",
     true,
     {"Branches", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry",
      "Catch", "Assign", "Next", "End"}},
    {"Map",
     true,
     {"ItemProcessor",
      "Iterator",
      "ItemsPath",
      "ItemSelector",
      "Parameters",
      "MaxConcurrency",
      "MaxConcurrencyPath",
      "ItemReader",
      "ItemBatcher",
      "ResultWriter",
      "ToleratedFailureCount",
      "ToleratedFailureCountPath",
      "ToleratedFailurePercentage",
      "ToleratedFailurePercentagePath",
      "Label",
      "InputPath",
      "OutputPath",
      "ResultPath",
      "ResultSelector",
      "Retry",
      "Catch",
      "Assign",
      "Next",
      "End"}},
};

// Fields that exist only in JSONata mode; named specifically because they are a common mix-up.
constexpr std::string_view kJsonataOnlyFields[] = {"Arguments", "Output", "Items", "Condition"};

const StateType* FindStateType(std::string_view name) {
  for (const StateType& type : kStateTypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

bool Allows(const StateType& type, std::string_view field) {
  if (field == "Type" || field == "Comment" || field == "QueryLanguage") return true;
  return std::find(type.fields.begin(), type.fields.end(), field) != type.fields.end();
}

void ReportUnsupportedField(Diagnostics& out, const StateType& type, std::string_view field,
                            const std::string& loc) {
  bool jsonata_only = std::find(std::begin(kJsonataOnlyFields), std::end(kJsonataOnlyFields),
                                field) != std::end(kJsonataOnlyFields);
  std::string message = "Field '" + std::string(field) + "' is not supported for state type " +
                        std::string(type.name) + ".";
  if (jsonata_only) {
    message += " It belongs to QueryLanguage JSONata, which Tactus does not support yet.";
  } else if ((field == "Next" || field == "End") && type.name == "Choice") {
    message += " A Choice state transitions through its Choices rules and 'Default'.";
  } else if (field == "Next" || field == "End") {
    message += " " + std::string(type.name) + " states end the execution or branch.";
  } else if (field == "Retry" || field == "Catch") {
    message += " Only Task, Parallel and Map states may have Retry and Catch.";
  } else {
    message += " Remove it or check its spelling.";
  }
  Report(out, kSchema, loc, std::move(message));
}

// A field whose text is a path (`*Path` fields other than ResultPath, ErrorPath, CausePath).
bool IsPlainPathField(std::string_view field) {
  return field == "InputPath" || field == "OutputPath" || field == "ItemsPath" ||
         field == "SecondsPath" || field == "TimestampPath" || field == "TimeoutSecondsPath" ||
         field == "HeartbeatSecondsPath" || field == "MaxConcurrencyPath" ||
         field == "ToleratedFailureCountPath" || field == "ToleratedFailurePercentagePath";
}

// Reports when more than one of `fields` is present; returns how many are.
int CountExclusive(Diagnostics& out, const json::object& state, const std::string& loc,
                   std::initializer_list<std::string_view> fields) {
  int present = 0;
  std::string names;
  for (std::string_view field : fields) {
    if (state.contains(field)) {
      ++present;
      names += (names.empty() ? "" : ", ") + std::string(field);
    }
  }
  if (present > 1) {
    std::string all;
    for (std::string_view field : fields) all += (all.empty() ? "" : ", ") + std::string(field);
    Report(out, kSchema, loc,
           "Only one of " + all + " may be set, but this state has " + names + ".");
  }
  return present;
}

void CheckField(Diagnostics& out, std::string_view field, const json::value& value,
                const std::string& loc, int depth) {
  if (IsPlainPathField(field)) {
    CheckPath(out, value, loc, field, /*allow_null=*/field == "InputPath" || field == "OutputPath");
  } else if (field == "Comment" || field == "Next" || field == "Default" || field == "Resource" ||
             field == "Error" || field == "Cause") {
    ExpectString(out, value, loc, field);
  } else if (field == "End") {
    ExpectBool(out, value, loc, field);
  } else if (field == "ResultPath") {
    CheckResultPath(out, value, loc, field);
  } else if (field == "ErrorPath" || field == "CausePath") {
    if (ExpectString(out, value, loc, field))
      CheckPathOrIntrinsic(out, value.get_string(), loc, field);
  } else if (field == "Parameters" || field == "ResultSelector" || field == "ItemSelector" ||
             field == "Credentials" || field == "ItemReader" || field == "ItemBatcher" ||
             field == "ResultWriter") {
    CheckTemplate(out, value, loc, field, /*require_object=*/true);
  } else if (field == "Assign") {
    CheckAssign(out, value, loc);
  } else if (field == "Retry") {
    CheckRetry(out, value, loc);
  } else if (field == "Catch") {
    CheckCatch(out, value, loc);
  } else if (field == "Choices") {
    CheckChoices(out, value, loc);
  } else if (field == "TimeoutSeconds" || field == "HeartbeatSeconds") {
    CheckInt(out, value, loc, field, 1, kMaxSeconds);
  } else if (field == "Seconds") {
    CheckInt(out, value, loc, field, 0, kMaxSeconds);
  } else if (field == "Timestamp") {
    CheckTimestamp(out, value, loc, field);
  } else if (field == "MaxConcurrency" || field == "ToleratedFailureCount") {
    CheckInt(out, value, loc, field, 0, std::numeric_limits<std::int32_t>::max());
  } else if (field == "ToleratedFailurePercentage") {
    CheckNumber(out, value, loc, field, 0, 100);
  } else if (field == "Label") {
    if (ExpectString(out, value, loc, field) && value.get_string().size() > 40) {
      Report(out, kSchema, loc, "'Label' must be at most 40 characters.");
    }
  } else if (field == "Branches") {
    if (!ExpectNonEmptyArray(out, value, loc, field)) return;
    const json::array& branches = value.get_array();
    for (std::size_t i = 0; i < branches.size(); ++i) {
      CheckMachine(out, branches[i], Child(loc, i), MachineKind::kBranch, depth + 1);
    }
  } else if (field == "ItemProcessor") {
    CheckMachine(out, value, loc, MachineKind::kItemProcessor, depth + 1);
  } else if (field == "Iterator") {
    CheckMachine(out, value, loc, MachineKind::kIterator, depth + 1);
  }
  // Result is any JSON; Type and QueryLanguage are checked by the caller.
}

void CheckTransition(Diagnostics& out, const StateType& type, const json::object& state,
                     const std::string& loc) {
  if (!type.transitions) return;
  bool has_next = state.contains("Next");
  const json::value* end = state.if_contains("End");
  bool ends = end != nullptr && end->is_bool() && end->get_bool();
  if (has_next && ends) {
    Report(out, kSchema, loc,
           "A " + std::string(type.name) +
               " state must have either 'Next' or \"End\": true, not both; remove one.");
  } else if (!has_next && !ends) {
    Report(out, kSchema, loc,
           "A " + std::string(type.name) +
               " state needs 'Next' (the following state) or \"End\": true.");
  }
}

void CheckRequired(Diagnostics& out, const json::object& state, const std::string& loc,
                   std::string_view field, std::string_view why) {
  if (!state.contains(field)) {
    Report(out, kSchema, loc,
           "Missing required field '" + std::string(field) + "': " + std::string(why) + ".");
  }
}

void CheckTypeSpecific(Diagnostics& out, const StateType& type, const json::object& state,
                       const std::string& loc) {
  std::string_view name = type.name;
  if (name == "Task") {
    CheckRequired(out, state, loc, "Resource", "a Task names the ARN or URI it invokes");
    CountExclusive(out, state, loc, {"TimeoutSeconds", "TimeoutSecondsPath"});
    CountExclusive(out, state, loc, {"HeartbeatSeconds", "HeartbeatSecondsPath"});
    std::int64_t timeout = 0, heartbeat = 0;
    const json::value* t = state.if_contains("TimeoutSeconds");
    const json::value* h = state.if_contains("HeartbeatSeconds");
    if (t != nullptr && h != nullptr && common::AsInt64(*t, &timeout) &&
        common::AsInt64(*h, &heartbeat) && heartbeat >= timeout) {
      Report(out, kSchema, Child(loc, "HeartbeatSeconds"),
             "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds' (" +
                 std::to_string(timeout) + ").");
    }
  } else if (name == "Choice") {
    CheckRequired(out, state, loc, "Choices", "a Choice state needs a non-empty array of rules");
  } else if (name == "Wait") {
    if (CountExclusive(out, state, loc, {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) ==
        0) {
      Report(out, kSchema, loc,
             "A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath.");
    }
  } else if (name == "Fail") {
    CountExclusive(out, state, loc, {"Error", "ErrorPath"});
    CountExclusive(out, state, loc, {"Cause", "CausePath"});
  } else if (name == "Parallel") {
    CheckRequired(out, state, loc, "Branches",
                  "a Parallel state needs a non-empty array of branches");
  } else if (name == "Map") {
    if (CountExclusive(out, state, loc, {"ItemProcessor", "Iterator"}) == 0) {
      Report(out, kSchema, loc,
             "A Map state needs 'ItemProcessor' (or the older 'Iterator'), the state machine run "
             "for each item.");
    }
    CountExclusive(out, state, loc, {"ItemSelector", "Parameters"});
    CountExclusive(out, state, loc, {"MaxConcurrency", "MaxConcurrencyPath"});
    CountExclusive(out, state, loc, {"ToleratedFailureCount", "ToleratedFailureCountPath"});
    CountExclusive(out, state, loc,
                   {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"});
  }
}

}  // namespace

void CheckProcessorConfig(Diagnostics& out, const json::value& v, const std::string& loc) {
  if (!ExpectObject(out, v, loc, "ProcessorConfig")) return;
  const json::object& config = v.get_object();
  for (const auto& [key, value] : config) {
    std::string child = Child(loc, key);
    if (key == "Mode") {
      if (ExpectString(out, value, child, key) && value.get_string() != "INLINE" &&
          value.get_string() != "DISTRIBUTED") {
        Report(out, kSchema, child, "'Mode' must be \"INLINE\" or \"DISTRIBUTED\".");
      }
    } else if (key == "ExecutionType") {
      if (ExpectString(out, value, child, key) && value.get_string() != "STANDARD" &&
          value.get_string() != "EXPRESS") {
        Report(out, kSchema, child, "'ExecutionType' must be \"STANDARD\" or \"EXPRESS\".");
      }
    } else {
      Report(out, kSchema, child,
             "Field '" + std::string(key) +
                 "' is not supported in ProcessorConfig; allowed: Mode, ExecutionType.");
    }
  }
  const json::value* mode = config.if_contains("Mode");
  if (mode != nullptr && mode->is_string() && mode->get_string() == "DISTRIBUTED" &&
      !config.contains("ExecutionType")) {
    Report(out, kSchema, loc,
           "A DISTRIBUTED ProcessorConfig needs 'ExecutionType' (\"STANDARD\" or \"EXPRESS\").");
  }
}

void CheckState(Diagnostics& out, std::string_view name, const json::value& v,
                const std::string& loc, int depth) {
  if (!v.is_object()) {
    Report(out, kSchema, loc,
           "State '" + std::string(name) + "' must be an object, but it is " +
               std::string(common::JsonKindName(v)) + ".");
    return;
  }
  const json::object& state = v.get_object();
  if (const json::value* language = state.if_contains("QueryLanguage")) {
    std::string language_loc = Child(loc, "QueryLanguage");
    if (language->is_string() && language->get_string() == "JSONata") {
      // The rest of a JSONata state follows other rules; checking it as JSONPath would only add
      // noise to the one diagnostic that matters.
      Report(out, kUnsupportedLanguage, language_loc,
             "QueryLanguage \"JSONata\" is not supported yet; rewrite this state in JSONPath "
             "(the default query language).");
      return;
    }
    if (!language->is_string() || language->get_string() != "JSONPath") {
      Report(out, kSchema, language_loc, "'QueryLanguage' must be \"JSONPath\" or \"JSONata\".");
    }
  }
  const json::value* type_value = state.if_contains("Type");
  if (type_value == nullptr) {
    Report(out, kSchema, loc,
           "State '" + std::string(name) +
               "' needs 'Type': one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map.");
    return;
  }
  if (!ExpectString(out, *type_value, Child(loc, "Type"), "Type")) return;
  const StateType* type = FindStateType(type_value->get_string());
  if (type == nullptr) {
    Report(out, kSchema, Child(loc, "Type"),
           "Unknown state type '" + std::string(type_value->get_string()) +
               "'; use one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map.");
    return;
  }
  for (const auto& [field, value] : state) {
    std::string field_loc = Child(loc, field);
    if (!Allows(*type, field)) {
      ReportUnsupportedField(out, *type, field, field_loc);
      continue;
    }
    CheckField(out, field, value, field_loc, depth);
  }
  CheckTransition(out, *type, state, loc);
  CheckTypeSpecific(out, *type, state, loc);
}

}  // namespace tactus::asl::validator_internal
