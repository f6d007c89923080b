// The Execution API and the interpreter's core: history, scopes, scheduling, errors, and how frames
// and the execution end. States are in states.cc, Parallel and Map in fanout.cc.
#include "engine/execution.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "engine/execution_impl.h"
#include "engine/history.h"

namespace tactus::engine {

using asl::Failure;
using asl::State;
using asl::StateType;

const char* ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning:
      return "RUNNING";
    case ExecutionStatus::kSucceeded:
      return "SUCCEEDED";
    case ExecutionStatus::kFailed:
      return "FAILED";
    case ExecutionStatus::kTimedOut:
      return "TIMED_OUT";
    case ExecutionStatus::kAborted:
      return "ABORTED";
  }
  return "UNKNOWN";
}

namespace {

bool Matches(const std::vector<std::string>& equals, const std::string& error) {
  for (const auto& e : equals) {
    if (e == error) return true;
    if (e == asl::kStatesAll && error != asl::kStatesRuntime) return true;
    // States.Timeout covers a missed heartbeat too (AWS: "ran longer than TimeoutSeconds, or
    // failed to send a heartbeat for longer than HeartbeatSeconds").
    if (e == asl::kStatesTimeout && error == asl::kStatesHeartbeatTimeout) return true;
    if (e == asl::kStatesTaskFailed && error != asl::kStatesRuntime &&
        error != asl::kStatesTimeout && error.rfind("States.", 0) != 0) {
      return true;
    }
  }
  return false;
}

Failure HistoryLimit() {
  return Failure{asl::kStatesRuntime,
                 "The execution reached the limit of " + std::to_string(kMaxHistoryEvents) +
                     " history events; a loop in the state machine may not end."};
}

}  // namespace

// ---- history and context ----
void Execution::Impl::InitContext() {
  json::object execution{{"Id", info.execution_arn},
                         {"Input", info.input},
                         {"Name", info.execution_name},
                         {"RoleArn", info.role_arn},
                         {"StartTime", common::FormatIso8601(info.start_time)}};
  if (info.redrive_count) execution["RedriveCount"] = *info.redrive_count;
  context = json::object{{"Execution", std::move(execution)},
                         {"State", json::object()},
                         {"StateMachine", json::object{{"Id", info.state_machine_arn},
                                                       {"Name", info.state_machine_name}}}};
}

asl::PathScope Execution::Impl::Scope(Frame& f, const json::value& doc) {
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

// ---- scheduling ----
Frame& Execution::Impl::NewFrame(std::int64_t parent, std::size_t slot, const asl::StateMachine* m,
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
    bool child_execution = p.state && p.state->type == StateType::kMap && p.state->distributed;
    f.silent = p.silent || child_execution;
    if (child_execution) {
      f.child_root = id;
    } else if (p.silent) {
      f.child_root = p.child_root;
    }
  }
  return f;
}

void Execution::Impl::Schedule(Frame& f, std::string state, json::value input) {
  f.phase = Frame::Phase::kEnter;
  f.pending_state = std::move(state);
  f.pending_input = std::move(input);
  ready.push_front(f.id);
}

std::int64_t Execution::Impl::StartTimer(Frame& f, TimerKind kind, common::TimeMs due) {
  std::int64_t id = next_id++;
  timers[id] = Timer{f.id, kind};
  actions.push_back(engine::StartTimer{id, due});
  return id;
}

void Execution::Impl::CancelTimerIfAny(std::int64_t& id) {
  if (id == 0) return;
  if (timers.erase(id)) actions.push_back(CancelTimer{id});
  id = 0;
}

void Execution::Impl::Drain() {
  while (!ready.empty() && status == ExecutionStatus::kRunning) {
    if (event_count >= static_cast<std::int64_t>(kMaxHistoryEvents)) {
      return FailExecution(HistoryLimit());
    }
    std::int64_t id = ready.front();
    ready.pop_front();
    auto it = frames.find(id);
    if (it == frames.end()) continue;
    Frame& f = it->second;
    if (f.silent && child_events[f.child_root] >= static_cast<std::int64_t>(kMaxHistoryEvents)) {
      FailChildExecution(f.child_root);
      continue;
    }
    if (f.phase == Frame::Phase::kEnter) {
      EnterState(f);
    } else if (f.phase == Frame::Phase::kExecute) {
      ExecuteState(f);
    }
  }
}

void Execution::Impl::FailChildExecution(std::int64_t root_id) {
  Frame& root = frames.at(root_id);
  AbortChildren(root);
  if (root.task_id) {
    actions.push_back(CancelTask{root.task_id});
    EndTaskWait(root);
  }
  CancelTimerIfAny(root.timer_id);
  child_events.erase(root_id);
  FrameFailed(root, HistoryLimit());
}

Frame* Execution::Impl::TaskFrame(std::int64_t task_id) {
  auto it = tasks.find(task_id);
  if (it == tasks.end()) return nullptr;
  auto fit = frames.find(it->second);
  return fit == frames.end() ? nullptr : &fit->second;
}

void Execution::Impl::OnTimer(std::int64_t timer_id) {
  auto it = timers.find(timer_id);
  if (it == timers.end()) return;
  Timer t = it->second;
  timers.erase(it);
  if (t.kind == TimerKind::kExecutionTimeout) {
    status = ExecutionStatus::kTimedOut;
    // AWS reports neither an error nor a cause for an execution that timed out.
    Emit(nullptr, "ExecutionTimedOut", [] { return json::object(); });
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

// ---- errors ----
Failure Execution::Impl::RuntimeError(Frame& f, const std::string& what) {
  std::string cause = "An error occurred while executing the state '" + f.state->name +
                      "' (entered at the event id #" + std::to_string(f.entered_event_id) + "). " +
                      what;
  // Causes quote inputs, which may be 256 KiB: keep them within AWS's cause limit.
  if (cause.size() > kMaxCauseBytes) {
    cause.resize(kMaxCauseBytes - 3);
    while (!cause.empty() && (static_cast<unsigned char>(cause.back()) & 0xC0) == 0x80) {
      cause.pop_back();  // never cut a UTF-8 sequence in half
    }
    if (!cause.empty() && static_cast<unsigned char>(cause.back()) >= 0xC0) cause.pop_back();
    cause += "...";
  }
  return Failure{asl::kStatesRuntime, std::move(cause)};
}

Failure Execution::Impl::NoResults(Frame& f, const asl::JsonPath& path) {
  return RuntimeError(
      f, "Invalid path '" + path.text() + "' : No results for path: " + path.NormalizedText());
}

// The error output Catch and tolerated Map failures pass on. AWS always writes both fields: a
// failure without an error name has neither (null, null); one with a name but no cause has "".
json::value Execution::Impl::ErrorOutput(const Failure& failure) {
  if (failure.error.empty()) {
    return json::object{
        {"Error", nullptr},
        {"Cause", failure.cause.empty() ? json::value() : json::value(failure.cause)}};
  }
  return json::object{{"Error", failure.error}, {"Cause", failure.cause}};
}

// `failed_events` are recorded only when the failure is not retried (AWS records a retried
// Map or Parallel as simply starting again).
void Execution::Impl::HandleError(Frame& f, Failure failure,
                                  const std::vector<std::string>& failed_events) {
  const State& s = *f.state;
  if (failure.error != asl::kStatesRuntime) {
    for (std::size_t i = 0; i < s.retry.size(); ++i) {
      const auto& retrier = s.retry[i];
      if (!Matches(retrier.error_equals, failure.error)) continue;
      if (f.attempts[i] >= retrier.max_attempts) break;  // exhausted: go to Catch
      // In double, clamped before converting: IntervalSeconds × BackoffRate^n overflows any
      // integer type after a few dozen attempts.
      double delay = retrier.interval_seconds * std::pow(retrier.backoff_rate, f.attempts[i]);
      double cap = static_cast<double>(retrier.max_delay_seconds.value_or(kMaxRetryDelaySeconds));
      delay = std::min(delay, std::min(cap, static_cast<double>(kMaxRetryDelaySeconds)));
      if (retrier.jitter == asl::Jitter::kFull) delay *= random.NextDouble();
      ++f.attempts[i];
      ++f.retry_count;
      f.phase = Frame::Phase::kWaitRetry;
      f.timer_id =
          StartTimer(f, TimerKind::kRetry, now + static_cast<common::TimeMs>(delay * 1000));
      return;
    }
    for (const auto& e : failed_events) Emit(&f, e, [] { return json::object(); });
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
    for (const auto& e : failed_events) Emit(&f, e, [] { return json::object(); });
  }
  FrameFailed(f, std::move(failure));
}

// ---- frame and execution ends ----
void Execution::Impl::FrameSucceeded(Frame& f, json::value output) {
  f.phase = Frame::Phase::kDone;
  if (f.parent == 0) {
    status = ExecutionStatus::kSucceeded;
    Emit(&f, "ExecutionSucceeded", [&] { return ExecutionSucceededDetails(output, history_sp); });
    this->output = std::move(output);
    return Finish();
  }
  Frame& parent = frames.at(f.parent);
  parent.last_event_id = std::max(parent.last_event_id, f.last_event_id);
  ReleasePayloads(f);
  ChildDone(parent, f.slot, &output, nullptr);
}

void Execution::Impl::FrameFailed(Frame& f, Failure failure) {
  f.phase = Frame::Phase::kDone;
  if (f.parent == 0) {
    status = ExecutionStatus::kFailed;
    Emit(&f, "ExecutionFailed",
         [&] { return ErrorDetails(failure.error, failure.cause, history_sp); });
    error = std::move(failure.error);
    cause = std::move(failure.cause);
    return Finish();
  }
  Frame& parent = frames.at(f.parent);
  parent.last_event_id = std::max(parent.last_event_id, f.last_event_id);
  ReleasePayloads(f);
  ChildDone(parent, f.slot, nullptr, &failure);
}

// A finished branch or iteration stays in `frames` until its Map or Parallel completes (callers
// up the stack still refer to it); its documents are not needed any more.
void Execution::Impl::ReleasePayloads(Frame& f) {
  f.vars = json::object();
  f.input = nullptr;
  f.effective = nullptr;
  f.pending_input = nullptr;
}

// The execution ended: cancel whatever is still outstanding.
void Execution::Impl::Finish() {
  for (const auto& [task, frame] : tasks) actions.push_back(CancelTask{task});
  for (const auto& [timer, t] : timers) actions.push_back(CancelTimer{timer});
  tasks.clear();
  timers.clear();
  ready.clear();
}

// Ends the whole execution at once, whatever its branches are doing.
void Execution::Impl::FailExecution(Failure failure) {
  status = ExecutionStatus::kFailed;
  Emit(nullptr, "ExecutionFailed",
       [&] { return ErrorDetails(failure.error, failure.cause, history_sp); });
  error = std::move(failure.error);
  cause = std::move(failure.cause);
  Finish();
}

Execution::Execution(std::shared_ptr<const asl::StateMachine> machine, ExecutionInfo info,
                     common::Random& random, ExecutionOptions options)
    : impl_(std::make_unique<Impl>(std::move(machine), std::move(info), random, options)) {}

Execution::~Execution() = default;

std::vector<Action> Execution::Start(common::TimeMs now) {
  Impl& x = *impl_;
  x.now = now;
  x.InitContext();
  x.Emit(nullptr, "ExecutionStarted",
         [&] { return ExecutionStartedDetails(x.info.input, x.info.role_arn, x.history_sp); });
  Frame& root = x.NewFrame(0, 0, x.machine.get(), {});
  root.last_event_id = 1;
  if (x.machine->timeout_seconds) {
    x.execution_timer =
        x.StartTimer(root, TimerKind::kExecutionTimeout, now + *x.machine->timeout_seconds * 1000);
  }
  if (common::JsonSize(x.info.input) > kMaxPayloadBytes) {
    x.status = ExecutionStatus::kFailed;
    x.error = asl::kStatesDataLimitExceeded;
    x.cause = "The execution input exceeds the maximum number of bytes service limit.";
    x.Emit(&root, "ExecutionFailed", [&] { return ErrorDetails(x.error, x.cause, x.history_sp); });
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
  if (x.event_count >= static_cast<std::int64_t>(kMaxHistoryEvents)) {
    x.FailExecution(HistoryLimit());
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
  } else if (const auto* started = std::get_if<TaskStarted>(&event)) {
    if (Frame* f = x.TaskFrame(started->task_id); f && f->awaiting_worker) {
      f->awaiting_worker = false;
      x.Emit(f, "ActivityStarted", [&] {
        json::object d(x.history_sp);
        if (!started->worker_name.empty()) d["workerName"] = started->worker_name;
        return d;
      });
    }
  } else if (const auto* timer = std::get_if<TimerFired>(&event)) {
    x.OnTimer(timer->timer_id);
  } else if (const auto* stop = std::get_if<StopRequested>(&event)) {
    x.status = ExecutionStatus::kAborted;
    x.error = stop->error;
    x.cause = stop->cause;
    x.Emit(nullptr, "ExecutionAborted",
           [&] { return ErrorDetails(stop->error, stop->cause, x.history_sp); });
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

json::value Execution::ReleaseOutput() {
  assert(impl_->status != ExecutionStatus::kRunning);
  return std::move(impl_->output);
}

std::vector<json::value> Execution::ReleaseHistory() {
  assert(impl_->status != ExecutionStatus::kRunning);
  return std::move(impl_->history);
}

std::vector<json::value> Execution::TakeHistory() {
  std::vector<json::value> taken = std::move(impl_->history);
  impl_->history.clear();
  // The events taken keep the old arena alive; new ones start a fresh one, so memory held by a
  // long-running execution does not grow with its history.
  impl_->history_sp = json::make_shared_resource<json::monotonic_resource>();
  return taken;
}

void Execution::set_record_history(bool record) { impl_->record_history = record; }

std::int64_t Execution::event_count() const { return impl_->event_count; }

}  // namespace tactus::engine
