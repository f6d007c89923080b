// Per-state execution: entering and leaving a state, input and output processing, and the
// states that do not fan out (Pass, Choice, Wait, Succeed, Fail, Task).
#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "engine/execution_impl.h"
#include "engine/history.h"
#include "engine/resource.h"

namespace tactus::engine {

using asl::Failure;
using asl::State;
using asl::StateType;

namespace {

void CommitAssign(Frame& f, json::object assigned) {
  for (auto& kv : assigned) f.vars[kv.key()] = std::move(kv.value());
}

// "<Type>StateEntered" / "<Type>StateExited", built once.
const std::string& EventType(StateType type, bool entered) {
  static const auto table = [] {
    std::array<std::array<std::string, 2>, static_cast<int>(StateType::kMap) + 1> t;
    for (std::size_t i = 0; i < t.size(); ++i) {
      std::string name(asl::StateTypeName(static_cast<StateType>(i)));
      t[i] = {name + "StateEntered", name + "StateExited"};
    }
    return t;
  }();
  return table[static_cast<std::size_t>(type)][entered ? 0 : 1];
}

}  // namespace

// ---- input and output processing ----
// InputPath / OutputPath. Takes the document by value: callers move what they no longer need.
asl::Eval<json::value> Execution::Impl::Filter(Frame& f, const asl::FilterPath& fp,
                                               json::value doc) {
  if (fp.null) return json::value(json::object());
  if (!fp.path) return doc;
  auto v = fp.path->Evaluate(Scope(f, doc));
  if (!v) return NoResults(f, *fp.path);
  return std::move(*v);
}

asl::Eval<json::value> Execution::Impl::ApplyTemplate(Frame& f, const asl::PayloadTemplate& t,
                                                      const json::value& doc) {
  auto r = t.Apply(Scope(f, doc), random);
  if (!r.ok() && r.failure().error == asl::kStatesRuntime) {
    return RuntimeError(f, r.failure().cause);
  }
  return r;
}

// Takes the input by value: callers move it when nothing needs it afterwards.
asl::Eval<json::value> Execution::Impl::ApplyResultPath(Frame& f, const asl::ResultPathSpec& rp,
                                                        json::value input, json::value result) {
  if (rp.discard) return input;
  if (!rp.path) return result;
  json::value out = std::move(input);
  auto s = rp.path->Assign(&out, std::move(result));
  if (!s.ok()) {
    return Failure{asl::kStatesResultPathMatchFailure, "Unable to apply ResultPath \"" +
                                                           rp.path->text() + "\" to input \"" +
                                                           common::SerializeJson(out) + "\"."};
  }
  return out;
}

// Evaluates an Assign block; the values are applied by CommitAssign after the state's output
// is computed, so every expression sees the variables as they were on entry.
asl::Eval<json::object> Execution::Impl::EvaluateAssign(
    Frame& f, const std::optional<asl::PayloadTemplate>& t, const json::value& doc) {
  if (!t) return json::object();
  auto r = ApplyTemplate(f, *t, doc);
  if (!r.ok()) return r.failure();
  return std::move(r.value().as_object());
}

Failure Execution::Impl::DataLimit(Frame& f) {
  return Failure{asl::kStatesDataLimitExceeded,
                 "The state/task '" + f.state->name +
                     "' returned a result with a size exceeding the maximum number of bytes "
                     "service limit."};
}

// Values in AWS's messages: strings raw, everything else as JSON.
std::string Execution::Impl::Display(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : common::SerializeJson(v);
}

// ---- states ----
void Execution::Impl::EnterState(Frame& f) {
  f.state = &f.machine->at(f.pending_state);
  f.input = std::move(f.pending_input);
  f.attempts.assign(f.state->retry.size(), 0);
  f.retry_count = 0;
  ++f.entries;
  f.entered_time = now;
  // Serialized once: for the history event and for the size limit.
  std::size_t input_size = 0;
  std::string input_text = PayloadText(f.input, &input_size);
  bool too_large = input_size > kMaxPayloadBytes;
  f.entered_event_id = Emit(&f, EventType(f.state->type, true), [&] {
    return StateEnteredDetails(f.state->name, std::move(input_text), history_sp);
  });
  if (too_large) return FrameFailed(f, DataLimit(f));
  ExecuteState(f);
}

void Execution::Impl::ExecuteState(Frame& f) {
  f.phase = Frame::Phase::kExecute;
  const State& s = *f.state;
  if (s.type == StateType::kFail) return ExecuteFail(f);
  if (s.input_path.path || s.input_path.null) {
    auto effective = Filter(f, s.input_path, f.input);
    if (!effective.ok()) return HandleError(f, effective.failure());
    f.effective = std::move(effective).value();
  }
  switch (s.type) {
    case StateType::kPass:
      return ExecutePass(f);
    case StateType::kTask:
      return ExecuteTask(f);
    case StateType::kChoice:
      return ExecuteChoice(f);
    case StateType::kWait:
      return ExecuteWait(f);
    case StateType::kSucceed:
      return ExecuteSucceed(f);
    case StateType::kParallel:
      return ExecuteParallel(f);
    case StateType::kMap:
      return ExecuteMap(f);
    case StateType::kFail:
      break;
  }
}

void Execution::Impl::ExecutePass(Frame& f) {
  const State& s = *f.state;
  json::value result;
  if (s.result) {
    result = *s.result;
  } else if (s.parameters) {
    auto r = ApplyTemplate(f, *s.parameters, Effective(f));
    if (!r.ok()) return HandleError(f, r.failure());
    result = std::move(r).value();
  } else {
    result = Effective(f);
  }
  FinishState(f, std::move(result));
}

// Result processing shared by Pass, Task, Parallel and Map: Assign, ResultPath, OutputPath,
// then the transition.
void Execution::Impl::FinishState(Frame& f, json::value result) {
  const State& s = *f.state;
  auto assigned = EvaluateAssign(f, s.assign, result);
  if (!assigned.ok()) return HandleError(f, assigned.failure());
  // Without Retry or Catch nothing reads the raw input again: move it instead of copying.
  bool input_needed_later = !s.retry.empty() || !s.catchers.empty();
  auto with_result = ApplyResultPath(
      f, s.result_path, input_needed_later ? f.input : std::move(f.input), std::move(result));
  if (!with_result.ok()) return HandleError(f, with_result.failure());
  auto out = Filter(f, s.output_path, std::move(with_result).value());
  if (!out.ok()) return HandleError(f, out.failure());
  ExitState(f, std::move(out).value(), std::move(assigned).value(), s.next);
}

// `caught`: the output is a Catch's; a failure now must not be caught again.
void Execution::Impl::ExitState(Frame& f, json::value out, json::object assigned,
                                const std::string& next, bool caught) {
  std::size_t output_size = 0;
  std::string output_text = PayloadText(out, &output_size);
  if (output_size > kMaxPayloadBytes) {
    return caught ? FrameFailed(f, DataLimit(f)) : HandleError(f, DataLimit(f));
  }
  Emit(&f, EventType(f.state->type, false), [&] {
    return StateExitedDetails(f.state->name, std::move(output_text), assigned, history_sp);
  });
  CommitAssign(f, std::move(assigned));
  if (next.empty()) return FrameSucceeded(f, std::move(out));
  Schedule(f, next, std::move(out));
}

void Execution::Impl::ExecuteChoice(Frame& f) {
  const State& s = *f.state;
  const std::string* next = nullptr;
  json::object assigned;
  for (const auto& rule : s.choices) {
    auto r = rule.Evaluate(Scope(f, Effective(f)));
    if (!r.ok()) return HandleError(f, RuntimeError(f, r.failure().cause));
    if (r.value()) {
      next = &rule.next;
      auto a = EvaluateAssign(f, rule.assign, Effective(f));
      if (!a.ok()) return HandleError(f, a.failure());
      assigned = std::move(a).value();
      break;
    }
  }
  if (!next) {
    if (s.default_next.empty()) {
      return HandleError(f, Failure{asl::kStatesNoChoiceMatched, "No Matches!"});
    }
    next = &s.default_next;
  }
  auto state_assign = EvaluateAssign(f, s.assign, Effective(f));
  if (!state_assign.ok()) return HandleError(f, state_assign.failure());
  for (auto& kv : state_assign.value()) assigned[kv.key()] = std::move(kv.value());
  auto out = Filter(f, s.output_path, Effective(f));
  if (!out.ok()) return HandleError(f, out.failure());
  ExitState(f, std::move(out).value(), std::move(assigned), *next);
}

void Execution::Impl::ExecuteWait(Frame& f) {
  const State& s = *f.state;
  common::TimeMs due = now;
  std::int64_t seconds = 0;
  if (s.seconds) {
    // The validator bounds the literal to [0, kMaxSeconds].
    if (!common::AsInt64(*s.seconds, &seconds)) seconds = 0;
    due = now + std::clamp<std::int64_t>(seconds, 0, kMaxSeconds) * 1000;
  } else if (s.seconds_path) {
    auto v = s.seconds_path->Evaluate(Scope(f, Effective(f)));
    if (!v) {
      return HandleError(f, RuntimeError(f,
                                         "The SecondsPath parameter does not reference an "
                                         "input value: " +
                                             s.seconds_path->text()));
    }
    if (!common::AsInt64(*v, &seconds) || v->is_double()) {
      return HandleError(f, RuntimeError(f,
                                         "The SecondsPath parameter cannot be parsed as a "
                                         "long value: " +
                                             s.seconds_path->text() + " == " + Display(*v)));
    }
    if (seconds < 0 || seconds > kMaxSeconds) {
      return HandleError(
          f, RuntimeError(f, std::string("The SecondsPath parameter references ") +
                                 (seconds < 0 ? "a negative value"
                                              : "a value above " + std::to_string(kMaxSeconds)) +
                                 ": " + s.seconds_path->text() + " == " + Display(*v)));
    }
    due = now + seconds * 1000;
  } else if (s.timestamp) {
    due = common::ParseIso8601(*s.timestamp).value_or(now);
  } else if (s.timestamp_path) {
    auto v = s.timestamp_path->Evaluate(Scope(f, Effective(f)));
    std::optional<common::TimeMs> t;
    if (v && v->is_string()) t = common::ParseIso8601(v->get_string());
    if (!t) {
      return HandleError(
          f, RuntimeError(f,
                          "The TimestampPath parameter does not reference a valid ISO-8601 "
                          "extended offset date-time format string: " +
                              s.timestamp_path->text() + " == " + (v ? Display(*v) : "null")));
    }
    due = *t;
  }
  f.phase = Frame::Phase::kWaitTimer;
  f.timer_id = StartTimer(f, TimerKind::kWait, std::max(due, now));
}

void Execution::Impl::FinishWait(Frame& f) {
  auto assigned = EvaluateAssign(f, f.state->assign, Effective(f));
  if (!assigned.ok()) return HandleError(f, assigned.failure());
  auto out = Filter(f, f.state->output_path, Effective(f));
  if (!out.ok()) return HandleError(f, out.failure());
  ExitState(f, std::move(out).value(), std::move(assigned).value(), f.state->next);
}

void Execution::Impl::ExecuteSucceed(Frame& f) {
  auto out = Filter(f, f.state->output_path, Effective(f));
  if (!out.ok()) return HandleError(f, out.failure());
  ExitState(f, std::move(out).value(), {}, "");
}

void Execution::Impl::ExecuteFail(Frame& f) {
  const State& s = *f.state;
  Failure failure;
  auto resolve = [&](const std::optional<std::string>& literal,
                     const std::optional<asl::DynamicValue>& dynamic, const char* field,
                     std::string* out) -> bool {
    if (literal) {
      *out = *literal;
      return true;
    }
    if (!dynamic) return true;
    auto r = dynamic->Evaluate(Scope(f, f.input), random);
    if (!r.ok()) {
      HandleError(f, r.failure());
      return false;
    }
    if (!r.value()) {
      HandleError(
          f, RuntimeError(f, "The JSONPath '" + dynamic->text() + "' specified for the field '" +
                                 field + "' could not be found in the input '" +
                                 common::SerializeJson(f.input) + "'"));
      return false;
    }
    *out = Display(*r.value());
    return true;
  };
  if (!resolve(s.error, s.error_path, "ErrorPath", &failure.error)) return;
  if (!resolve(s.cause, s.cause_path, "CausePath", &failure.cause)) return;
  FrameFailed(f, std::move(failure));
}

// ---- Task ----
std::optional<std::int64_t> Execution::Impl::ResolveSeconds(Frame& f, const asl::NumberOrPath& n,
                                                            std::string_view field,
                                                            std::optional<Failure>* error) {
  if (n.literal) {
    std::int64_t v;
    if (common::AsInt64(*n.literal, &v)) return v;
    return std::nullopt;
  }
  if (!n.path) return std::nullopt;
  auto v = n.path->Evaluate(Scope(f, Effective(f)));
  if (!v) {
    *error = NoResults(f, *n.path);
    return std::nullopt;
  }
  std::int64_t seconds;
  if (!common::AsInt64(*v, &seconds) || seconds <= 0 || seconds > kMaxSeconds) {
    *error = RuntimeError(f, "The " + std::string(field) + "Path field refers to value \"" +
                                 Display(*v) + "\" which is not an integer between 1 and " +
                                 std::to_string(kMaxSeconds) + ": " + n.path->text());
    return std::nullopt;
  }
  return seconds;
}

void Execution::Impl::ExecuteTask(Frame& f) {
  const State& s = *f.state;
  f.resource_kind = ClassifyResource(s.resource);
  f.task_token.reset();
  if (IsCallbackResource(s.resource)) f.task_token = random.Uuid4() + random.Uuid4();
  json::value params;
  if (s.parameters) {
    auto r = ApplyTemplate(f, *s.parameters, Effective(f));
    if (!r.ok()) return HandleError(f, r.failure());
    params = std::move(r).value();
  } else {
    params = Effective(f);
  }
  std::optional<Failure> error;
  auto timeout = ResolveSeconds(f, s.timeout_seconds, "TimeoutSeconds", &error);
  if (error) return HandleError(f, *error);
  auto heartbeat = ResolveSeconds(f, s.heartbeat_seconds, "HeartbeatSeconds", &error);
  if (error) return HandleError(f, *error);
  json::value credentials;
  if (s.credentials) {
    auto r = ApplyTemplate(f, *s.credentials, Effective(f));
    if (!r.ok()) return HandleError(f, r.failure());
    credentials = std::move(r).value();
  }

  Emit(&f, ScheduledEventType(f.resource_kind),
       [&] { return TaskScheduledDetails(s.resource, params, timeout, heartbeat, history_sp); });
  f.awaiting_worker = activity_start_on_claim && f.resource_kind == ResourceKind::kActivity;
  if (!f.awaiting_worker) {
    Emit(&f, StartedEventType(f.resource_kind),
         [&] { return TaskStartedDetails(s.resource, history_sp); });
  }
  // The request was delivered; the result comes later (a callback or a job's completion).
  if (f.task_token || s.resource.ends_with(".sync") ||
      s.resource.find(".sync:") != std::string::npos) {
    Emit(&f, "TaskSubmitted", [&] { return TaskStartedDetails(s.resource, history_sp); });
  }
  f.task_id = next_id++;
  tasks[f.task_id] = f.id;
  f.phase = Frame::Phase::kWaitTask;
  if (timeout) f.timeout_timer = StartTimer(f, TimerKind::kTaskTimeout, now + *timeout * 1000);
  f.heartbeat_seconds = heartbeat.value_or(0);
  if (heartbeat) {
    f.heartbeat_timer = StartTimer(f, TimerKind::kHeartbeat, now + *heartbeat * 1000);
  }
  actions.push_back(RunTask{f.task_id, s.name, s.resource, std::move(params), f.task_token, timeout,
                            heartbeat, std::move(credentials)});
}

void Execution::Impl::EndTaskWait(Frame& f) {
  tasks.erase(f.task_id);
  f.task_id = 0;
  CancelTimerIfAny(f.timeout_timer);
  CancelTimerIfAny(f.heartbeat_timer);
}

void Execution::Impl::OnTaskSucceeded(Frame& f, json::value result) {
  EndTaskWait(f);
  const State& s = *f.state;
  std::size_t result_size = 0;
  std::string result_text = PayloadText(result, &result_size);
  if (result_size > kMaxPayloadBytes) {
    Failure failure = DataLimit(f);
    Emit(&f, FailedEventType(f.resource_kind),
         [&] { return TaskFailedDetails(s.resource, failure.error, failure.cause, history_sp); });
    return HandleError(f, failure);
  }
  Emit(&f, SucceededEventType(f.resource_kind),
       [&] { return TaskSucceededDetails(s.resource, std::move(result_text), history_sp); });
  if (s.result_selector) {
    auto r = ApplyTemplate(f, *s.result_selector, result);
    if (!r.ok()) return HandleError(f, r.failure());
    result = std::move(r).value();
  }
  FinishState(f, std::move(result));
}

void Execution::Impl::OnTaskFailed(Frame& f, Failure failure) {
  EndTaskWait(f);
  if (failure.error == asl::kStatesRuntime) failure = RuntimeError(f, failure.cause);
  bool timed_out =
      failure.error == asl::kStatesTimeout || failure.error == asl::kStatesHeartbeatTimeout;
  Emit(&f, timed_out ? TimedOutEventType(f.resource_kind) : FailedEventType(f.resource_kind), [&] {
    return TaskFailedDetails(f.state->resource, failure.error, failure.cause, history_sp);
  });
  HandleError(f, std::move(failure));
}

}  // namespace tactus::engine
