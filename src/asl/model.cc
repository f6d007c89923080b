#include "asl/model.h"

#include <cassert>
#include <utility>

namespace tactus::asl {

std::string_view StateTypeName(StateType type) {
  switch (type) {
    case StateType::kPass:
      return "Pass";
    case StateType::kTask:
      return "Task";
    case StateType::kChoice:
      return "Choice";
    case StateType::kWait:
      return "Wait";
    case StateType::kSucceed:
      return "Succeed";
    case StateType::kFail:
      return "Fail";
    case StateType::kParallel:
      return "Parallel";
    case StateType::kMap:
      return "Map";
  }
  return "Unknown";
}

const State& StateMachine::at(std::string_view name) const {
  auto it = states.find(name);
  assert(it != states.end());
  return it->second;
}

namespace {

using common::Result;
using common::Status;

// Compile errors here are defects the validator should have caught; they still surface as a
// Status naming the field, never as a crash.
Status FieldError(const std::string& state, std::string_view field, const Status& s) {
  return Status::InvalidArgument("state '" + state + "', field '" + std::string(field) +
                                 "': " + s.message());
}

std::optional<std::string> GetString(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

Status CompilePath(const json::object& o, std::string_view key, const std::string& state,
                   std::optional<JsonPath>* out) {
  auto text = GetString(o, key);
  if (!text) return Status::Ok();
  auto p = JsonPath::Parse(*text);
  if (!p.ok()) return FieldError(state, key, p.status());
  *out = std::move(p).value();
  return Status::Ok();
}

Status CompileTemplate(const json::object& o, std::string_view key, const std::string& state,
                       std::optional<PayloadTemplate>* out) {
  const auto* v = o.if_contains(key);
  if (!v) return Status::Ok();
  auto t = PayloadTemplate::Compile(*v);
  if (!t.ok()) return FieldError(state, key, t.status());
  *out = std::move(t).value();
  return Status::Ok();
}

Status CompileFilterPath(const json::object& o, std::string_view key, const std::string& state,
                         FilterPath* out) {
  const auto* v = o.if_contains(key);
  if (!v) return Status::Ok();
  if (v->is_null()) {
    out->null = true;
    return Status::Ok();
  }
  return CompilePath(o, key, state, &out->path);
}

Status CompileResultPath(const json::object& o, const std::string& state, ResultPathSpec* out) {
  const auto* v = o.if_contains("ResultPath");
  if (!v) return Status::Ok();
  if (v->is_null()) {
    out->discard = true;
    return Status::Ok();
  }
  return CompilePath(o, "ResultPath", state, &out->path);
}

Status CompileNumber(const json::object& o, std::string_view key, const std::string& state,
                     NumberOrPath* out) {
  if (const auto* v = o.if_contains(key)) out->literal = *v;
  return CompilePath(o, std::string(key) + "Path", state, &out->path);
}

std::vector<std::string> Strings(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

std::int64_t Int(const json::object& o, std::string_view key, std::int64_t dflt) {
  const auto* v = o.if_contains(key);
  std::int64_t n;
  return v && common::AsInt64(*v, &n) ? n : dflt;
}

Result<std::shared_ptr<const StateMachine>> Compile(const json::object& def);

Status CompileRetryCatch(const json::object& o, State& s) {
  if (const auto* retry = o.if_contains("Retry"); retry && retry->is_array()) {
    for (const auto& r : retry->get_array()) {
      const auto& ro = r.get_object();
      Retrier retrier;
      retrier.error_equals = Strings(ro.if_contains("ErrorEquals"));
      retrier.interval_seconds = Int(ro, "IntervalSeconds", 1);
      retrier.max_attempts = Int(ro, "MaxAttempts", 3);
      if (const auto* b = ro.if_contains("BackoffRate"); b && common::IsNumber(*b)) {
        retrier.backoff_rate = common::ToDouble(*b);
      }
      if (ro.contains("MaxDelaySeconds")) retrier.max_delay_seconds = Int(ro, "MaxDelaySeconds", 0);
      if (GetString(ro, "JitterStrategy") == "FULL") retrier.jitter = Jitter::kFull;
      s.retry.push_back(std::move(retrier));
    }
  }
  if (const auto* catchers = o.if_contains("Catch"); catchers && catchers->is_array()) {
    for (const auto& c : catchers->get_array()) {
      const auto& co = c.get_object();
      Catcher catcher;
      catcher.error_equals = Strings(co.if_contains("ErrorEquals"));
      catcher.next = GetString(co, "Next").value_or("");
      if (auto st = CompileResultPath(co, s.name, &catcher.result_path); !st.ok()) return st;
      if (auto st = CompileTemplate(co, "Assign", s.name, &catcher.assign); !st.ok()) return st;
      s.catchers.push_back(std::move(catcher));
    }
  }
  return Status::Ok();
}

Status CompileDynamic(const json::object& o, std::string_view key, const std::string& state,
                      std::optional<DynamicValue>* out) {
  auto text = GetString(o, key);
  if (!text) return Status::Ok();
  auto d = DynamicValue::Compile(*text);
  if (!d.ok()) return FieldError(state, key, d.status());
  *out = std::move(d).value();
  return Status::Ok();
}

Result<State> CompileState(const std::string& name, const json::object& o) {
  State s;
  s.name = name;
  static const std::pair<std::string_view, StateType> kTypes[] = {
      {"Pass", StateType::kPass},         {"Task", StateType::kTask},
      {"Choice", StateType::kChoice},     {"Wait", StateType::kWait},
      {"Succeed", StateType::kSucceed},   {"Fail", StateType::kFail},
      {"Parallel", StateType::kParallel}, {"Map", StateType::kMap}};
  auto type = GetString(o, "Type").value_or("");
  bool known = false;
  for (const auto& [type_name, t] : kTypes) {
    if (type == type_name) {
      s.type = t;
      known = true;
    }
  }
  if (!known) return Status::InvalidArgument("state '" + name + "': unknown Type '" + type + "'");
  s.next = GetString(o, "Next").value_or("");
  if (const auto* end = o.if_contains("End"); end && end->is_bool()) s.end = end->get_bool();

  Status st;
  if (!(st = CompileFilterPath(o, "InputPath", name, &s.input_path)).ok()) return st;
  if (!(st = CompileFilterPath(o, "OutputPath", name, &s.output_path)).ok()) return st;
  if (!(st = CompileResultPath(o, name, &s.result_path)).ok()) return st;
  if (!(st = CompileTemplate(o, "Parameters", name, &s.parameters)).ok()) return st;
  if (!(st = CompileTemplate(o, "ItemSelector", name, &s.parameters)).ok()) return st;
  if (!(st = CompileTemplate(o, "ResultSelector", name, &s.result_selector)).ok()) return st;
  if (!(st = CompileTemplate(o, "Assign", name, &s.assign)).ok()) return st;
  if (const auto* result = o.if_contains("Result")) s.result = *result;
  if (!(st = CompileRetryCatch(o, s)).ok()) return st;

  switch (s.type) {
    case StateType::kTask:
      s.resource = GetString(o, "Resource").value_or("");
      if (!(st = CompileNumber(o, "TimeoutSeconds", name, &s.timeout_seconds)).ok()) return st;
      if (!(st = CompileNumber(o, "HeartbeatSeconds", name, &s.heartbeat_seconds)).ok()) return st;
      if (!(st = CompileTemplate(o, "Credentials", name, &s.credentials)).ok()) return st;
      break;
    case StateType::kChoice:
      if (const auto* choices = o.if_contains("Choices"); choices && choices->is_array()) {
        for (const auto& c : choices->get_array()) {
          auto rule = ChoiceRule::Compile(c, true);
          if (!rule.ok()) return FieldError(name, "Choices", rule.status());
          s.choices.push_back(std::move(rule).value());
        }
      }
      s.default_next = GetString(o, "Default").value_or("");
      break;
    case StateType::kWait:
      if (const auto* v = o.if_contains("Seconds")) s.seconds = *v;
      s.timestamp = GetString(o, "Timestamp");
      if (!(st = CompilePath(o, "SecondsPath", name, &s.seconds_path)).ok()) return st;
      if (!(st = CompilePath(o, "TimestampPath", name, &s.timestamp_path)).ok()) return st;
      break;
    case StateType::kFail:
      s.error = GetString(o, "Error");
      s.cause = GetString(o, "Cause");
      if (!(st = CompileDynamic(o, "ErrorPath", name, &s.error_path)).ok()) return st;
      if (!(st = CompileDynamic(o, "CausePath", name, &s.cause_path)).ok()) return st;
      break;
    case StateType::kParallel:
      if (const auto* branches = o.if_contains("Branches"); branches && branches->is_array()) {
        for (const auto& b : branches->get_array()) {
          if (!b.is_object()) return Status::InvalidArgument("state '" + name + "': bad branch");
          auto m = Compile(b.get_object());
          if (!m.ok()) return m.status();
          s.branches.push_back(std::move(m).value());
        }
      }
      break;
    case StateType::kMap: {
      const json::value* proc = o.if_contains("ItemProcessor");
      if (!proc) proc = o.if_contains("Iterator");
      if (!proc || !proc->is_object()) {
        return Status::InvalidArgument("state '" + name + "': Map needs ItemProcessor");
      }
      auto m = Compile(proc->get_object());
      if (!m.ok()) return m.status();
      s.iterator = std::move(m).value();
      if (const auto* config = proc->get_object().if_contains("ProcessorConfig");
          config && config->is_object()) {
        s.distributed = GetString(config->get_object(), "Mode") == "DISTRIBUTED";
      }
      if (!(st = CompilePath(o, "ItemsPath", name, &s.items_path)).ok()) return st;
      if (!(st = CompileNumber(o, "MaxConcurrency", name, &s.max_concurrency)).ok()) return st;
      if (!(st = CompileNumber(o, "ToleratedFailureCount", name, &s.tolerated_failure_count))
               .ok()) {
        return st;
      }
      if (!(st = CompileNumber(o, "ToleratedFailurePercentage", name,
                               &s.tolerated_failure_percentage))
               .ok()) {
        return st;
      }
      s.label = GetString(o, "Label").value_or("");
      break;
    }
    default:
      break;
  }
  return s;
}

Result<std::shared_ptr<const StateMachine>> Compile(const json::object& def) {
  auto machine = std::make_shared<StateMachine>();
  machine->start_at = GetString(def, "StartAt").value_or("");
  if (def.contains("TimeoutSeconds")) machine->timeout_seconds = Int(def, "TimeoutSeconds", 0);
  const auto* states = def.if_contains("States");
  if (!states || !states->is_object()) return Status::InvalidArgument("'States' must be an object");
  for (const auto& kv : states->get_object()) {
    if (!kv.value().is_object()) {
      return Status::InvalidArgument("state '" + std::string(kv.key()) + "' must be an object");
    }
    auto state = CompileState(std::string(kv.key()), kv.value().get_object());
    if (!state.ok()) return state.status();
    machine->states.emplace(std::string(kv.key()), std::move(state).value());
  }
  if (!machine->states.count(machine->start_at)) {
    return Status::InvalidArgument("StartAt '" + machine->start_at + "' names no state");
  }
  return std::shared_ptr<const StateMachine>(std::move(machine));
}

}  // namespace

Result<std::shared_ptr<const StateMachine>> BuildStateMachine(const json::value& definition) {
  auto diagnostics = ValidateDefinition(definition);
  if (!diagnostics.empty()) {
    std::string message;
    for (const auto& d : diagnostics) {
      if (!message.empty()) message += '\n';
      message += d.code + " at " + (d.location.empty() ? "/" : d.location) + ": " + d.message;
    }
    return Status::InvalidArgument(message);
  }
  return Compile(definition.get_object());
}

Result<std::shared_ptr<const StateMachine>> ParseStateMachine(std::string_view text) {
  auto json = common::ParseJson(text);
  if (!json.ok()) return Status::InvalidArgument("invalid JSON: " + json.status().message());
  return BuildStateMachine(*json);
}

}  // namespace tactus::asl
