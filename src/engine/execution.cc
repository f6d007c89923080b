#include "engine/execution.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <optional>
#include <tuple>
#include <utility>

#include "engine/history.h"
#include "engine/resource.h"

namespace tactus::engine {

using asl::Failure;
using asl::State;
using asl::StateType;

const char* ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning: return "RUNNING";
    case ExecutionStatus::kSucceeded: return "SUCCEEDED";
    case ExecutionStatus::kFailed: return "FAILED";
    case ExecutionStatus::kTimedOut: return "TIMED_OUT";
    case ExecutionStatus::kAborted: return "ABORTED";
  }
  return "UNKNOWN";
}

namespace {

// One running (sub-)machine: the execution's root, a Parallel branch or a Map iteration.
struct Frame {
  enum class Phase { kEnter, kExecute, kWaitTask, kWaitTimer, kWaitRetry, kWaitChildren, kDone };

  std::int64_t id = 0;
  std::int64_t parent = 0;  // 0: the root
  bool silent = false;      // inside a distributed Map: events belong to a child execution
  std::size_t slot = 0;     // branch or item index within the parent
  const asl::StateMachine* machine = nullptr;
  json::object vars;

  Phase phase = Phase::kEnter;
  std::string pending_state;  // kEnter: the state to enter
  json::value pending_input;

  const State* state = nullptr;
  json::value input;      // the state's raw input
  json::value effective;  // after InputPath (Task: after Parameters too)
  std::int64_t entered_event_id = 0;
  std::int64_t entries = 0;  // states entered so far: identifies this entry for $$.State
  std::int64_t last_event_id = 0;
  common::TimeMs entered_time = 0;
  std::vector<std::int64_t> attempts;  // per retrier
  std::int64_t retry_count = 0;

  std::int64_t task_id = 0;
  std::int64_t timer_id = 0;
  std::int64_t timeout_timer = 0;
  std::int64_t heartbeat_timer = 0;
  std::int64_t heartbeat_seconds = 0;
  std::optional<std::string> task_token;
  ResourceKind resource_kind = ResourceKind::kService;

  // Parallel and Map
  std::vector<std::int64_t> children;
  std::vector<json::value> results;
  json::array items;
  std::size_t next_item = 0, running = 0, finished = 0, failures = 0;
  std::int64_t max_concurrency = 0;
  std::optional<std::int64_t> tolerated_count;
  std::optional<double> tolerated_percentage;
};

enum class TimerKind { kWait, kRetry, kTaskTimeout, kHeartbeat, kExecutionTimeout };

struct Timer {
  std::int64_t frame = 0;
  TimerKind kind = TimerKind::kWait;
};

}  // namespace

struct Execution::Impl {
  Impl(std::shared_ptr<const asl::StateMachine> m, ExecutionInfo i, common::Random& r)
      : machine(std::move(m)), info(std::move(i)), random(r) {}

  std::shared_ptr<const asl::StateMachine> machine;
  ExecutionInfo info;
  common::Random& random;

  ExecutionStatus status = ExecutionStatus::kRunning;
  json::value output;
  std::string error, cause;
  std::vector<json::value> history;
  // One arena for the whole history; events keep it alive after they are moved out.
  json::storage_ptr history_sp = json::make_shared_resource<json::monotonic_resource>();
  common::TimeMs now = 0;

  std::map<std::int64_t, Frame> frames;
  std::deque<std::int64_t> ready;
  std::map<std::int64_t, std::int64_t> tasks;  // task id -> frame id
  std::map<std::int64_t, Timer> timers;
  std::int64_t next_id = 1;
  std::int64_t execution_timer = 0;
  std::vector<Action> actions;
  json::value context;  // $$, updated in place before each evaluation
  std::tuple<std::int64_t, std::int64_t, std::int64_t, bool> context_key{-1, -1, -1, false};

  // ---- history ----
  std::int64_t Emit(Frame* f, std::string_view type, json::object details) {
    if (f && f->silent) return f->last_event_id;
    std::int64_t id = static_cast<std::int64_t>(history.size()) + 1;
    std::int64_t prev = f ? f->last_event_id : (history.empty() ? 0 : id - 1);
    history.push_back(MakeHistoryEvent(type, id, prev, now, std::move(details), history_sp));
    if (f) f->last_event_id = id;
    return id;
  }

  // ---- scopes ----
  asl::PathScope Scope(Frame& f, const json::value& doc) {
    // $$.State and $$.Task change only when another frame, state entry or attempt evaluates.
    auto key = std::make_tuple(f.id, f.entries, f.retry_count, f.task_token.has_value());
    if (key == context_key) return asl::PathScope{&doc, &context, &f.vars};
    context_key = key;
    auto& ctx = context.get_object();
    auto& st = ctx["State"].emplace_object();
    st["EnteredTime"] = common::FormatIso8601(f.entered_time);
    st["Name"] = f.state ? f.state->name : "";
    if (f.state && (f.state->type == StateType::kTask || f.state->type == StateType::kParallel ||
                    f.state->type == StateType::kMap)) {
      st["RetryCount"] = f.retry_count;
    }
    if (f.task_token) {
      ctx["Task"] = json::object{{"Token", *f.task_token}};
    } else {
      ctx.erase("Task");
    }
    return asl::PathScope{&doc, &context, &f.vars};
  }

  Failure RuntimeError(Frame& f, const std::string& what) {
    return Failure{asl::kStatesRuntime, "An error occurred while executing the state '" +
                                            f.state->name + "' (entered at the event id #" +
                                            std::to_string(f.entered_event_id) + "). " + what};
  }

  Failure NoResults(Frame& f, const asl::JsonPath& path) {
    return RuntimeError(f, "Invalid path '" + path.text() +
                               "' : No results for path: " + path.NormalizedText());
  }

  // InputPath / OutputPath. Takes the document by value: callers move what they no longer need.
  asl::Eval<json::value> Filter(Frame& f, const asl::FilterPath& fp, json::value doc) {
    if (fp.null) return json::value(json::object());
    if (!fp.path) return doc;
    auto v = fp.path->Evaluate(Scope(f, doc));
    if (!v) return NoResults(f, *fp.path);
    return std::move(*v);
  }

  asl::Eval<json::value> ApplyTemplate(Frame& f, const asl::PayloadTemplate& t,
                                       const json::value& doc) {
    auto r = t.Apply(Scope(f, doc), random);
    if (!r.ok() && r.failure().error == asl::kStatesRuntime) {
      return RuntimeError(f, r.failure().cause);
    }
    return r;
  }

  asl::Eval<json::value> ApplyResultPath(Frame& f, const asl::ResultPathSpec& rp,
                                         const json::value& input, json::value result) {
    if (rp.discard) return input;
    if (!rp.path) return result;
    json::value out = input;
    auto s = rp.path->Assign(&out, std::move(result));
    if (!s.ok()) {
      return Failure{asl::kStatesResultPathMatchFailure,
                     "Unable to apply ResultPath \"" + rp.path->text() + "\" to input \"" +
                         common::SerializeJson(input) + "\"."};
    }
    return out;
  }

  // Evaluates an Assign block; the values are applied by CommitAssign after the state's output
  // is computed, so every expression sees the variables as they were on entry.
  asl::Eval<json::object> EvaluateAssign(Frame& f, const std::optional<asl::PayloadTemplate>& t,
                                         const json::value& doc) {
    if (!t) return json::object();
    auto r = ApplyTemplate(f, *t, doc);
    if (!r.ok()) return r.failure();
    return std::move(r.value().as_object());
  }

  static void CommitAssign(Frame& f, json::object assigned) {
    for (auto& kv : assigned) f.vars[kv.key()] = std::move(kv.value());
  }

  // The error output Catch and tolerated Map failures pass on. AWS always writes both fields: a
  // failure without an error name has neither (null, null); one with a name but no cause has "".
  static json::value ErrorOutput(const Failure& failure) {
    if (failure.error.empty()) {
      return json::object{{"Error", nullptr},
                          {"Cause", failure.cause.empty() ? json::value() : json::value(failure.cause)}};
    }
    return json::object{{"Error", failure.error}, {"Cause", failure.cause}};
  }

  // "<Type>StateEntered" / "<Type>StateExited", built once.
  static const std::string& EventType(StateType type, bool entered) {
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

  Failure DataLimit(Frame& f) {
    return Failure{asl::kStatesDataLimitExceeded,
                   "The state/task '" + f.state->name +
                       "' returned a result with a size exceeding the maximum number of bytes "
                       "service limit."};
  }

  // ---- scheduling ----
  Frame& NewFrame(std::int64_t parent, std::size_t slot, const asl::StateMachine* m,
                  json::object vars) {
    std::int64_t id = next_id++;
    Frame& f = frames[id];
    f.id = id;
    f.parent = parent;
    f.slot = slot;
    f.machine = m;
    f.vars = std::move(vars);
    if (parent) {
      const Frame& p = frames.at(parent);
      f.silent = p.silent || (p.state && p.state->type == StateType::kMap && p.state->distributed);
    }
    return f;
  }

  void Schedule(Frame& f, std::string state, json::value input) {
    f.phase = Frame::Phase::kEnter;
    f.pending_state = std::move(state);
    f.pending_input = std::move(input);
    ready.push_front(f.id);
  }

  std::int64_t StartTimer(Frame& f, TimerKind kind, common::TimeMs due) {
    std::int64_t id = next_id++;
    timers[id] = Timer{f.id, kind};
    actions.push_back(engine::StartTimer{id, due});
    return id;
  }

  void CancelTimerIfAny(std::int64_t& id) {
    if (id == 0) return;
    if (timers.erase(id)) actions.push_back(CancelTimer{id});
    id = 0;
  }

  void Drain() {
    while (!ready.empty() && status == ExecutionStatus::kRunning) {
      if (history.size() >= kMaxHistoryEvents) return FailExecution(HistoryLimit());
      std::int64_t id = ready.front();
      ready.pop_front();
      auto it = frames.find(id);
      if (it == frames.end()) continue;
      Frame& f = it->second;
      if (f.phase == Frame::Phase::kEnter) {
        EnterState(f);
      } else if (f.phase == Frame::Phase::kExecute) {
        ExecuteState(f);
      }
    }
  }

  // ---- states ----
  void EnterState(Frame& f) {
    f.state = &f.machine->at(f.pending_state);
    f.input = std::move(f.pending_input);
    f.attempts.assign(f.state->retry.size(), 0);
    f.retry_count = 0;
    ++f.entries;
    f.entered_time = now;
    // Serialized once: for the history event and for the size limit.
    std::string input_text = common::SerializeJson(f.input);
    bool too_large = input_text.size() > kMaxPayloadBytes;
    f.entered_event_id = Emit(&f, EventType(f.state->type, true),
                              StateEnteredDetails(f.state->name, std::move(input_text), history_sp));
    if (too_large) return FrameFailed(f, DataLimit(f));
    ExecuteState(f);
  }

  void ExecuteState(Frame& f) {
    f.phase = Frame::Phase::kExecute;
    const State& s = *f.state;
    if (s.type == StateType::kFail) return ExecuteFail(f);
    auto effective = Filter(f, s.input_path, f.input);
    if (!effective.ok()) return HandleError(f, effective.failure());
    f.effective = std::move(effective).value();
    switch (s.type) {
      case StateType::kPass: return ExecutePass(f);
      case StateType::kTask: return ExecuteTask(f);
      case StateType::kChoice: return ExecuteChoice(f);
      case StateType::kWait: return ExecuteWait(f);
      case StateType::kSucceed: return ExecuteSucceed(f);
      case StateType::kParallel: return ExecuteParallel(f);
      case StateType::kMap: return ExecuteMap(f);
      case StateType::kFail: break;
    }
  }

  void ExecutePass(Frame& f) {
    const State& s = *f.state;
    json::value result;
    if (s.result) {
      result = *s.result;
    } else if (s.parameters) {
      auto r = ApplyTemplate(f, *s.parameters, f.effective);
      if (!r.ok()) return HandleError(f, r.failure());
      result = std::move(r).value();
    } else {
      result = std::move(f.effective);
    }
    FinishState(f, std::move(result));
  }

  // Result processing shared by Pass, Task, Parallel and Map: Assign, ResultPath, OutputPath,
  // then the transition.
  void FinishState(Frame& f, json::value result) {
    const State& s = *f.state;
    auto assigned = EvaluateAssign(f, s.assign, result);
    if (!assigned.ok()) return HandleError(f, assigned.failure());
    auto with_result = ApplyResultPath(f, s.result_path, f.input, std::move(result));
    if (!with_result.ok()) return HandleError(f, with_result.failure());
    auto out = Filter(f, s.output_path, std::move(with_result).value());
    if (!out.ok()) return HandleError(f, out.failure());
    ExitState(f, std::move(out).value(), std::move(assigned).value(), s.next);
  }

  // `caught`: the output is a Catch's; a failure now must not be caught again.
  void ExitState(Frame& f, json::value out, json::object assigned, const std::string& next,
                 bool caught = false) {
    std::string output_text = common::SerializeJson(out);
    if (output_text.size() > kMaxPayloadBytes) {
      return caught ? FrameFailed(f, DataLimit(f)) : HandleError(f, DataLimit(f));
    }
    Emit(&f, EventType(f.state->type, false),
         StateExitedDetails(f.state->name, std::move(output_text), assigned, history_sp));
    CommitAssign(f, std::move(assigned));
    if (next.empty()) return FrameSucceeded(f, std::move(out));
    Schedule(f, next, std::move(out));
  }

  void ExecuteChoice(Frame& f) {
    const State& s = *f.state;
    const std::string* next = nullptr;
    json::object assigned;
    for (const auto& rule : s.choices) {
      auto r = rule.Evaluate(Scope(f, f.effective));
      if (!r.ok()) return HandleError(f, RuntimeError(f, r.failure().cause));
      if (r.value()) {
        next = &rule.next;
        auto a = EvaluateAssign(f, rule.assign, f.effective);
        if (!a.ok()) return HandleError(f, a.failure());
        assigned = std::move(a).value();
        break;
      }
    }
    if (!next) {
      if (s.default_next.empty()) {
        return HandleError(f, Failure{asl::kStatesNoChoiceMatched,
                                      "No Matches!"});
      }
      next = &s.default_next;
    }
    auto state_assign = EvaluateAssign(f, s.assign, f.effective);
    if (!state_assign.ok()) return HandleError(f, state_assign.failure());
    for (auto& kv : state_assign.value()) assigned[kv.key()] = std::move(kv.value());
    auto out = Filter(f, s.output_path, f.effective);
    if (!out.ok()) return HandleError(f, out.failure());
    ExitState(f, std::move(out).value(), std::move(assigned), *next);
  }

  void ExecuteWait(Frame& f) {
    const State& s = *f.state;
    common::TimeMs due = now;
    std::int64_t seconds = 0;
    if (s.seconds) {
      if (!common::AsInt64(*s.seconds, &seconds)) seconds = 0;
      due = now + seconds * 1000;
    } else if (s.seconds_path) {
      auto v = s.seconds_path->Evaluate(Scope(f, f.effective));
      if (!v) {
        return HandleError(f, RuntimeError(f, "The SecondsPath parameter does not reference an "
                                              "input value: " + s.seconds_path->text()));
      }
      if (!common::AsInt64(*v, &seconds) || v->is_double()) {
        return HandleError(f, RuntimeError(f, "The SecondsPath parameter cannot be parsed as a "
                                              "long value: " + s.seconds_path->text() + " == " +
                                              Display(*v)));
      }
      if (seconds < 0) {
        return HandleError(f, RuntimeError(f, "The SecondsPath parameter references a negative "
                                              "value: " + s.seconds_path->text() + " == " +
                                              Display(*v)));
      }
      due = now + seconds * 1000;
    } else if (s.timestamp) {
      due = common::ParseIso8601(*s.timestamp).value_or(now);
    } else if (s.timestamp_path) {
      auto v = s.timestamp_path->Evaluate(Scope(f, f.effective));
      std::optional<common::TimeMs> t;
      if (v && v->is_string()) t = common::ParseIso8601(v->get_string());
      if (!t) {
        return HandleError(
            f, RuntimeError(f, "The TimestampPath parameter does not reference a valid ISO-8601 "
                               "extended offset date-time format string: " +
                               s.timestamp_path->text() + " == " + (v ? Display(*v) : "null")));
      }
      due = *t;
    }
    f.phase = Frame::Phase::kWaitTimer;
    f.timer_id = StartTimer(f, TimerKind::kWait, std::max(due, now));
  }

  // Values in AWS's messages: strings raw, everything else as JSON.
  static std::string Display(const json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : common::SerializeJson(v);
  }

  void FinishWait(Frame& f) {
    auto assigned = EvaluateAssign(f, f.state->assign, f.effective);
    if (!assigned.ok()) return HandleError(f, assigned.failure());
    auto out = Filter(f, f.state->output_path, f.effective);
    if (!out.ok()) return HandleError(f, out.failure());
    ExitState(f, std::move(out).value(), std::move(assigned).value(), f.state->next);
  }

  void ExecuteSucceed(Frame& f) {
    auto out = Filter(f, f.state->output_path, f.effective);
    if (!out.ok()) return HandleError(f, out.failure());
    ExitState(f, std::move(out).value(), {}, "");
  }

  void ExecuteFail(Frame& f) {
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
        HandleError(f, RuntimeError(f, "The JSONPath '" + dynamic->text() +
                                           "' specified for the field '" + field +
                                           "' could not be found in the input '" +
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
  std::optional<std::int64_t> ResolveSeconds(Frame& f, const asl::NumberOrPath& n,
                                             std::optional<Failure>* error) {
    if (n.literal) {
      std::int64_t v;
      if (common::AsInt64(*n.literal, &v)) return v;
      return std::nullopt;
    }
    if (!n.path) return std::nullopt;
    auto v = n.path->Evaluate(Scope(f, f.effective));
    if (!v) {
      *error = NoResults(f, *n.path);
      return std::nullopt;
    }
    std::int64_t seconds;
    if (!common::AsInt64(*v, &seconds) || seconds <= 0) {
      *error = RuntimeError(f, "The value of the field '" + n.path->text() +
                                   "' must be a positive integer: " + Display(*v));
      return std::nullopt;
    }
    return seconds;
  }

  void ExecuteTask(Frame& f) {
    const State& s = *f.state;
    f.resource_kind = ClassifyResource(s.resource);
    f.task_token.reset();
    if (IsCallbackResource(s.resource)) f.task_token = random.Uuid4() + random.Uuid4();
    json::value params = f.effective;
    if (s.parameters) {
      auto r = ApplyTemplate(f, *s.parameters, f.effective);
      if (!r.ok()) return HandleError(f, r.failure());
      params = std::move(r).value();
    }
    std::optional<Failure> error;
    auto timeout = ResolveSeconds(f, s.timeout_seconds, &error);
    if (error) return HandleError(f, *error);
    auto heartbeat = ResolveSeconds(f, s.heartbeat_seconds, &error);
    if (error) return HandleError(f, *error);
    json::value credentials;
    if (s.credentials) {
      auto r = ApplyTemplate(f, *s.credentials, f.effective);
      if (!r.ok()) return HandleError(f, r.failure());
      credentials = std::move(r).value();
    }

    Emit(&f, ScheduledEventType(f.resource_kind),
         TaskScheduledDetails(s.resource, params, timeout, heartbeat, history_sp));
    Emit(&f, StartedEventType(f.resource_kind), TaskStartedDetails(s.resource, history_sp));
    // The request was delivered; the result comes later (a callback or a job's completion).
    if (f.task_token || s.resource.ends_with(".sync") || s.resource.find(".sync:") != std::string::npos) {
      Emit(&f, "TaskSubmitted", TaskStartedDetails(s.resource, history_sp));
    }
    f.task_id = next_id++;
    tasks[f.task_id] = f.id;
    f.phase = Frame::Phase::kWaitTask;
    if (timeout) f.timeout_timer = StartTimer(f, TimerKind::kTaskTimeout, now + *timeout * 1000);
    f.heartbeat_seconds = heartbeat.value_or(0);
    if (heartbeat) {
      f.heartbeat_timer = StartTimer(f, TimerKind::kHeartbeat, now + *heartbeat * 1000);
    }
    actions.push_back(RunTask{f.task_id, s.name, s.resource, std::move(params), f.task_token,
                              timeout, heartbeat, std::move(credentials)});
  }

  void EndTaskWait(Frame& f) {
    tasks.erase(f.task_id);
    f.task_id = 0;
    CancelTimerIfAny(f.timeout_timer);
    CancelTimerIfAny(f.heartbeat_timer);
  }

  void OnTaskSucceeded(Frame& f, json::value result) {
    EndTaskWait(f);
    const State& s = *f.state;
    std::string result_text = common::SerializeJson(result);
    if (result_text.size() > kMaxPayloadBytes) {
      Failure failure = DataLimit(f);
      Emit(&f, FailedEventType(f.resource_kind),
           TaskFailedDetails(s.resource, failure.error, failure.cause, history_sp));
      return HandleError(f, failure);
    }
    Emit(&f, SucceededEventType(f.resource_kind),
         TaskSucceededDetails(s.resource, std::move(result_text), history_sp));
    if (s.result_selector) {
      auto r = ApplyTemplate(f, *s.result_selector, result);
      if (!r.ok()) return HandleError(f, r.failure());
      result = std::move(r).value();
    }
    FinishState(f, std::move(result));
  }

  void OnTaskFailed(Frame& f, Failure failure) {
    EndTaskWait(f);
    if (failure.error == asl::kStatesRuntime) failure = RuntimeError(f, failure.cause);
    bool timed_out = failure.error == asl::kStatesTimeout ||
                     failure.error == asl::kStatesHeartbeatTimeout;
    Emit(&f, timed_out ? TimedOutEventType(f.resource_kind) : FailedEventType(f.resource_kind),
         TaskFailedDetails(f.state->resource, failure.error, failure.cause, history_sp));
    HandleError(f, std::move(failure));
  }

  // ---- Parallel and Map ----
  void ExecuteParallel(Frame& f) {
    const State& s = *f.state;
    json::value input = f.effective;
    if (s.parameters) {
      auto r = ApplyTemplate(f, *s.parameters, f.effective);
      if (!r.ok()) return HandleError(f, r.failure());
      input = std::move(r).value();
    }
    Emit(&f, "ParallelStateStarted", {});
    f.children.clear();
    f.results.assign(s.branches.size(), json::value());
    f.finished = f.failures = 0;
    f.phase = Frame::Phase::kWaitChildren;
    std::vector<std::int64_t> started;
    for (std::size_t i = 0; i < s.branches.size(); ++i) {
      Frame& child = NewFrame(f.id, i, s.branches[i].get(), f.vars);
      child.last_event_id = f.last_event_id;
      child.pending_state = s.branches[i]->start_at;
      child.pending_input = input;
      f.children.push_back(child.id);
      started.push_back(child.id);
    }
    for (auto it = started.rbegin(); it != started.rend(); ++it) ready.push_front(*it);
    if (s.branches.empty()) CompleteChildren(f);
  }

  // AWS reads *Path numbers from numeric strings too ("1" is 1); anything else stays as is.
  static json::value NumberFromText(const json::value& v) {
    if (!v.is_string()) return v;
    auto parsed = common::ParseJson(v.get_string());
    if (parsed.ok() && common::IsNumber(*parsed)) return std::move(parsed).value();
    return v;
  }

  // Resolves MaxConcurrency(Path), ToleratedFailureCount(Path), ToleratedFailurePercentage(Path).
  std::optional<Failure> ResolveMapSettings(Frame& f) {
    const State& s = *f.state;
    auto resolve = [&](const asl::NumberOrPath& n, const char* field, bool is_float,
                       json::value* out) -> std::optional<Failure> {
      if (n.literal) {
        *out = *n.literal;
        return std::nullopt;
      }
      if (!n.path) return std::nullopt;
      auto v = n.path->Evaluate(Scope(f, f.effective));
      if (!v) return NoResults(f, *n.path);
      json::value number = NumberFromText(*v);
      std::int64_t i;
      bool valid = is_float ? common::IsNumber(number) : common::AsInt64(number, &i);
      if (!valid) {
        return RuntimeError(f, std::string("The ") + field + "Path field refers to value \"" +
                                   Display(*v) + "\" which is not a valid " +
                                   (is_float ? "float" : "integer") + ": " + n.path->text());
      }
      *out = std::move(number);
      return std::nullopt;
    };
    json::value mc, count, pct;
    if (auto e = resolve(s.max_concurrency, "MaxConcurrency", false, &mc)) return e;
    if (auto e = resolve(s.tolerated_failure_count, "ToleratedFailureCount", false, &count)) {
      return e;
    }
    if (auto e = resolve(s.tolerated_failure_percentage, "ToleratedFailurePercentage", true,
                         &pct)) {
      return e;
    }
    std::int64_t n = 0;
    f.max_concurrency = common::AsInt64(mc, &n) ? n : 0;
    if (f.max_concurrency < 0) return RuntimeError(f, "MaxConcurrency cannot be negative.");
    f.tolerated_count.reset();
    f.tolerated_percentage.reset();
    if (!count.is_null()) {
      if (!common::AsInt64(count, &n)) n = 0;
      if (n < 0) return RuntimeError(f, "ToleratedFailureCount cannot be negative.");
      f.tolerated_count = n;
    }
    if (!pct.is_null()) {
      double p = common::ToDouble(pct);
      if (p < 0 || p > 100) {
        return RuntimeError(f, "ToleratedFailurePercentage must be between 0 and 100.");
      }
      f.tolerated_percentage = p;
    }
    return std::nullopt;
  }

  void ExecuteMap(Frame& f) {
    const State& s = *f.state;
    json::value items_value = f.effective;
    if (s.items_path) {
      auto v = s.items_path->Evaluate(Scope(f, f.effective));
      if (!v) return HandleError(f, NoResults(f, *s.items_path));
      items_value = std::move(*v);
    }
    if (!items_value.is_array()) {
      return HandleError(f, RuntimeError(f, "Map state input must be an array, but was: " +
                                                common::SerializeJson(items_value)));
    }
    auto settings_error = ResolveMapSettings(f);
    // AWS has started the Map (and records so) before it reads the tolerated-failure settings,
    // but not before MaxConcurrency.
    if (settings_error && settings_error->cause.find("MaxConcurrency") != std::string::npos) {
      return HandleError(f, *settings_error);
    }
    Emit(&f, "MapStateStarted", MapStateStartedDetails(items_value.as_array().size(), history_sp));
    if (settings_error) return HandleError(f, *settings_error);
    if (s.distributed) Emit(&f, "MapRunStarted", {});
    f.items = std::move(items_value.as_array());
    f.children.clear();
    f.results.assign(f.items.size(), json::value());
    f.next_item = f.running = f.finished = f.failures = 0;
    f.phase = Frame::Phase::kWaitChildren;
    if (f.items.empty()) return CompleteChildren(f);
    PumpMap(f);
  }

  // Starts iterations while below MaxConcurrency. Iterations run when the ready queue reaches
  // them, so a long Map never recurses.
  void PumpMap(Frame& f) {
    const State& s = *f.state;
    std::vector<std::int64_t> started;
    while (f.next_item < f.items.size() &&
           (f.max_concurrency == 0 || f.running < static_cast<std::size_t>(f.max_concurrency))) {
      std::size_t index = f.next_item++;
      json::value input = f.items[index];
      if (s.parameters) {
        auto scope = Scope(f, f.effective);
        context.get_object()["Map"] = json::object{
            {"Item", json::object{{"Index", index}, {"Value", f.items[index]}}}};
        auto r = s.parameters->Apply(scope, random);
        context.get_object().erase("Map");
        if (!r.ok()) {
          Failure failure = r.failure();
          if (failure.error == asl::kStatesRuntime) failure = RuntimeError(f, failure.cause);
          AbortChildren(f);
          return HandleError(f, failure, EndOfChildren(f, false));
        }
        input = std::move(r).value();
      }
      Frame& child = NewFrame(f.id, index, s.iterator.get(), f.vars);
      ++f.running;
      child.last_event_id = f.last_event_id;
      Emit(&child, "MapIterationStarted", MapIterationDetails(s.name, index, history_sp));
      child.pending_state = s.iterator->start_at;
      child.pending_input = std::move(input);
      f.children.push_back(child.id);
      started.push_back(child.id);
    }
    for (auto it = started.rbegin(); it != started.rend(); ++it) ready.push_front(*it);
  }

  // With both limits set, exceeding either one fails the Map (AWS's rule for failure thresholds).
  bool ExceedsTolerance(const Frame& f) const {
    if (!f.tolerated_count && !f.tolerated_percentage) return true;
    if (f.tolerated_count && static_cast<std::int64_t>(f.failures) > *f.tolerated_count) {
      return true;
    }
    return f.tolerated_percentage &&
           100.0 * f.failures / f.items.size() > *f.tolerated_percentage;
  }

  void ChildDone(Frame& parent, std::size_t slot, const json::value* output,
                 const Failure* failure) {
    bool is_map = parent.state->type == StateType::kMap;
    ++parent.finished;
    if (is_map) --parent.running;
    if (failure) {
      if (is_map) {
        if (!parent.state->distributed) {
          Emit(&parent, "MapIterationFailed", MapIterationDetails(parent.state->name, slot, history_sp));
        }
        ++parent.failures;
        if (failure->error != asl::kStatesRuntime && !ExceedsTolerance(parent)) {
          parent.results[slot] = ErrorOutput(*failure);
        } else {
          AbortChildren(parent);
          bool tolerance_set = parent.tolerated_count || parent.tolerated_percentage;
          if (tolerance_set && failure->error != asl::kStatesRuntime) {
            return HandleError(parent,
                               Failure{asl::kStatesExceedToleratedFailureThreshold,
                                       "The specified tolerance threshold was exceeded"},
                               EndOfChildren(parent, false));
          }
          return HandleError(parent, *failure, EndOfChildren(parent, false));
        }
      } else {
        AbortChildren(parent);
        return HandleError(parent, *failure, EndOfChildren(parent, false));
      }
    } else {
      if (is_map && !parent.state->distributed) {
        Emit(&parent, "MapIterationSucceeded", MapIterationDetails(parent.state->name, slot, history_sp));
      }
      parent.results[slot] = *output;
    }
    std::size_t total = is_map ? parent.items.size() : parent.state->branches.size();
    if (parent.finished == total) return CompleteChildren(parent);
    if (is_map) PumpMap(parent);
  }

  void CompleteChildren(Frame& f) {
    for (auto id : f.children) frames.erase(id);
    f.children.clear();
    for (const auto& e : EndOfChildren(f, true)) Emit(&f, e, {});
    json::array results(std::make_move_iterator(f.results.begin()),
                        std::make_move_iterator(f.results.end()));
    f.results.clear();
    f.items.clear();
    json::value result(std::move(results));
    if (f.state->result_selector) {
      auto r = ApplyTemplate(f, *f.state->result_selector, result);
      if (!r.ok()) return HandleError(f, r.failure());
      result = std::move(r).value();
    }
    f.phase = Frame::Phase::kExecute;
    FinishState(f, std::move(result));
  }

  // Stops every descendant: their tasks and timers are cancelled and their frames dropped.
  void AbortChildren(Frame& f) {
    for (auto id : f.children) {
      auto it = frames.find(id);
      if (it == frames.end()) continue;
      Frame& child = it->second;
      AbortChildren(child);
      if (child.task_id) {
        actions.push_back(CancelTask{child.task_id});
        EndTaskWait(child);
      }
      CancelTimerIfAny(child.timer_id);
      frames.erase(it);
    }
    f.children.clear();
    std::erase_if(ready, [this](std::int64_t id) { return !frames.count(id); });
  }

  // ---- errors ----
  static bool Matches(const std::vector<std::string>& equals, const std::string& error) {
    for (const auto& e : equals) {
      if (e == error) return true;
      if (e == asl::kStatesAll && error != asl::kStatesRuntime) return true;
      if (e == asl::kStatesTaskFailed && error != asl::kStatesRuntime &&
          error != asl::kStatesTimeout && error.rfind("States.", 0) != 0) {
        return true;
      }
    }
    return false;
  }

  // Events that close a Parallel or Map state's children: "MapRunFailed MapStateFailed", ...
  std::vector<std::string> EndOfChildren(const Frame& f, bool succeeded) {
    const char* outcome = succeeded ? "Succeeded" : "Failed";
    if (f.state->type == StateType::kParallel) {
      // AWS's recorded histories show ParallelStateFailed but no ParallelStateSucceeded.
      if (succeeded) return {};
      return {"ParallelStateFailed"};
    }
    std::vector<std::string> events;
    if (f.state->distributed) events.push_back(std::string("MapRun") + outcome);
    events.push_back(std::string("MapState") + outcome);
    return events;
  }

  // `failed_events` are recorded only when the failure is not retried (AWS records a retried
  // Map or Parallel as simply starting again).
  void HandleError(Frame& f, Failure failure, const std::vector<std::string>& failed_events = {}) {
    const State& s = *f.state;
    if (failure.error != asl::kStatesRuntime) {
      for (std::size_t i = 0; i < s.retry.size(); ++i) {
        const auto& retrier = s.retry[i];
        if (!Matches(retrier.error_equals, failure.error)) continue;
        if (f.attempts[i] >= retrier.max_attempts) break;  // exhausted: go to Catch
        double delay = retrier.interval_seconds * std::pow(retrier.backoff_rate, f.attempts[i]);
        if (retrier.max_delay_seconds) {
          delay = std::min(delay, static_cast<double>(*retrier.max_delay_seconds));
        }
        if (retrier.jitter == asl::Jitter::kFull) delay *= random.NextDouble();
        ++f.attempts[i];
        ++f.retry_count;
        f.phase = Frame::Phase::kWaitRetry;
        f.timer_id = StartTimer(f, TimerKind::kRetry, now + static_cast<common::TimeMs>(delay * 1000));
        return;
      }
      for (const auto& e : failed_events) Emit(&f, e, {});
      for (const auto& catcher : s.catchers) {
        if (!Matches(catcher.error_equals, failure.error)) continue;
        json::value error_value = ErrorOutput(failure);
        auto assigned = EvaluateAssign(f, catcher.assign, error_value);
        if (!assigned.ok()) return FrameFailed(f, assigned.failure());
        auto out = ApplyResultPath(f, catcher.result_path, f.input, std::move(error_value));
        if (!out.ok()) return FrameFailed(f, out.failure());
        return ExitState(f, std::move(out).value(), std::move(assigned).value(), catcher.next,
                         /*caught=*/true);
      }
    }
    if (failure.error == asl::kStatesRuntime) {
      for (const auto& e : failed_events) Emit(&f, e, {});
    }
    FrameFailed(f, std::move(failure));
  }

  // ---- frame and execution ends ----
  void FrameSucceeded(Frame& f, json::value output) {
    f.phase = Frame::Phase::kDone;
    if (f.parent == 0) {
      status = ExecutionStatus::kSucceeded;
      Emit(&f, "ExecutionSucceeded", ExecutionSucceededDetails(output, history_sp));
      this->output = std::move(output);
      return Finish();
    }
    Frame& parent = frames.at(f.parent);
    parent.last_event_id = std::max(parent.last_event_id, f.last_event_id);
    ChildDone(parent, f.slot, &output, nullptr);
  }

  void FrameFailed(Frame& f, Failure failure) {
    f.phase = Frame::Phase::kDone;
    if (f.parent == 0) {
      status = ExecutionStatus::kFailed;
      Emit(&f, "ExecutionFailed", ErrorDetails(failure.error, failure.cause, history_sp));
      error = std::move(failure.error);
      cause = std::move(failure.cause);
      return Finish();
    }
    Frame& parent = frames.at(f.parent);
    parent.last_event_id = std::max(parent.last_event_id, f.last_event_id);
    ChildDone(parent, f.slot, nullptr, &failure);
  }

  // The execution ended: cancel whatever is still outstanding.
  void Finish() {
    for (const auto& [task, frame] : tasks) actions.push_back(CancelTask{task});
    for (const auto& [timer, t] : timers) actions.push_back(CancelTimer{timer});
    tasks.clear();
    timers.clear();
    ready.clear();
  }

  static Failure HistoryLimit() {
    return Failure{asl::kStatesRuntime,
                   "The execution reached the limit of " + std::to_string(kMaxHistoryEvents) +
                       " history events; a loop in the state machine may not end."};
  }

  // Ends the whole execution at once, whatever its branches are doing.
  void FailExecution(Failure failure) {
    status = ExecutionStatus::kFailed;
    Emit(nullptr, "ExecutionFailed", ErrorDetails(failure.error, failure.cause, history_sp));
    error = std::move(failure.error);
    cause = std::move(failure.cause);
    Finish();
  }

  void OnTimer(std::int64_t timer_id) {
    auto it = timers.find(timer_id);
    if (it == timers.end()) return;
    Timer t = it->second;
    timers.erase(it);
    if (t.kind == TimerKind::kExecutionTimeout) {
      status = ExecutionStatus::kTimedOut;
      // AWS reports neither an error nor a cause for an execution that timed out.
      Emit(nullptr, "ExecutionTimedOut", {});
      return Finish();
    }
    auto fit = frames.find(t.frame);
    if (fit == frames.end()) return;
    Frame& f = fit->second;
    switch (t.kind) {
      case TimerKind::kWait:
        f.timer_id = 0;
        return FinishWait(f);
      case TimerKind::kRetry:
        f.timer_id = 0;
        f.phase = Frame::Phase::kExecute;
        ready.push_front(f.id);
        return;
      case TimerKind::kTaskTimeout:
        f.timeout_timer = 0;
        if (f.task_id) actions.push_back(CancelTask{f.task_id});
        return OnTaskFailed(f, Failure{asl::kStatesTimeout, ""});
      case TimerKind::kHeartbeat:
        f.heartbeat_timer = 0;
        if (f.task_id) actions.push_back(CancelTask{f.task_id});
        return OnTaskFailed(f, Failure{asl::kStatesHeartbeatTimeout, ""});
      case TimerKind::kExecutionTimeout:
        break;
    }
  }

  Frame* TaskFrame(std::int64_t task_id) {
    auto it = tasks.find(task_id);
    if (it == tasks.end()) return nullptr;
    auto fit = frames.find(it->second);
    return fit == frames.end() ? nullptr : &fit->second;
  }

  void InitContext() {
    json::object execution{{"Id", info.execution_arn},
                           {"Input", info.input},
                           {"Name", info.execution_name},
                           {"RoleArn", info.role_arn},
                           {"StartTime", common::FormatIso8601(info.start_time)}};
    if (info.redrive_count) execution["RedriveCount"] = *info.redrive_count;
    context = json::object{
        {"Execution", std::move(execution)},
        {"State", json::object()},
        {"StateMachine",
         json::object{{"Id", info.state_machine_arn}, {"Name", info.state_machine_name}}}};
  }
};

Execution::Execution(std::shared_ptr<const asl::StateMachine> machine, ExecutionInfo info,
                     common::Random& random)
    : impl_(std::make_unique<Impl>(std::move(machine), std::move(info), random)) {}

Execution::~Execution() = default;

std::vector<Action> Execution::Start(common::TimeMs now) {
  Impl& x = *impl_;
  x.now = now;
  x.InitContext();
  x.Emit(nullptr, "ExecutionStarted", ExecutionStartedDetails(x.info.input, x.info.role_arn, x.history_sp));
  Frame& root = x.NewFrame(0, 0, x.machine.get(), {});
  root.last_event_id = 1;
  if (x.machine->timeout_seconds) {
    x.execution_timer = x.StartTimer(root, TimerKind::kExecutionTimeout,
                                     now + *x.machine->timeout_seconds * 1000);
  }
  if (common::JsonSize(x.info.input) > kMaxPayloadBytes) {
    x.status = ExecutionStatus::kFailed;
    x.error = asl::kStatesDataLimitExceeded;
    x.cause = "The execution input exceeds the maximum number of bytes service limit.";
    x.Emit(&root, "ExecutionFailed", ErrorDetails(x.error, x.cause, x.history_sp));
    x.Finish();
    return std::move(x.actions);
  }
  x.Schedule(root, x.machine->start_at, x.info.input);
  x.Drain();
  return std::move(x.actions);
}

std::vector<Action> Execution::Handle(const Event& event, common::TimeMs now) {
  Impl& x = *impl_;
  x.actions.clear();
  if (x.status != ExecutionStatus::kRunning) return {};
  x.now = std::max(x.now, now);
  if (x.history.size() >= kMaxHistoryEvents) {
    x.FailExecution(Impl::HistoryLimit());
    return std::move(x.actions);
  }
  if (const auto* ok = std::get_if<TaskSucceeded>(&event)) {
    if (Frame* f = x.TaskFrame(ok->task_id)) x.OnTaskSucceeded(*f, ok->output);
  } else if (const auto* failed = std::get_if<TaskFailed>(&event)) {
    if (Frame* f = x.TaskFrame(failed->task_id)) {
      x.OnTaskFailed(*f, Failure{failed->error, failed->cause});
    }
  } else if (const auto* beat = std::get_if<TaskHeartbeat>(&event)) {
    if (Frame* f = x.TaskFrame(beat->task_id); f && f->heartbeat_timer) {
      x.CancelTimerIfAny(f->heartbeat_timer);
      f->heartbeat_timer =
          x.StartTimer(*f, TimerKind::kHeartbeat, x.now + f->heartbeat_seconds * 1000);
    }
  } else if (const auto* timer = std::get_if<TimerFired>(&event)) {
    x.OnTimer(timer->timer_id);
  } else if (const auto* stop = std::get_if<StopRequested>(&event)) {
    x.status = ExecutionStatus::kAborted;
    x.error = stop->error;
    x.cause = stop->cause;
    x.Emit(nullptr, "ExecutionAborted", ErrorDetails(stop->error, stop->cause, x.history_sp));
    x.Finish();
  }
  x.Drain();
  return std::move(x.actions);
}

ExecutionStatus Execution::status() const { return impl_->status; }
const json::value& Execution::output() const { return impl_->output; }
const std::string& Execution::error() const { return impl_->error; }
const std::string& Execution::cause() const { return impl_->cause; }
const ExecutionInfo& Execution::info() const { return impl_->info; }
const std::vector<json::value>& Execution::history() const { return impl_->history; }

std::vector<json::value> Execution::ReleaseHistory() {
  assert(impl_->status != ExecutionStatus::kRunning);
  return std::move(impl_->history);
}

}  // namespace tactus::engine
