// Private to the engine: the interpreter's state and its operations, shared by execution.cc (the
// API and the core: history, scopes, scheduling, errors, ends), states.cc (per-state execution and
// input/output processing) and fanout.cc (Parallel and Map).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "asl/model.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/random.h"
#include "engine/execution.h"
#include "engine/history.h"
#include "engine/resource.h"
#include "engine/types.h"

namespace tactus::engine {

// One running (sub-)machine: the execution's root, a Parallel branch or a Map iteration.
struct Frame {
  enum class Phase { kEnter, kExecute, kWaitTask, kWaitTimer, kWaitRetry, kWaitChildren, kDone };

  std::int64_t id = 0;
  std::int64_t parent = 0;      // 0: the root
  bool silent = false;          // inside a distributed Map: events belong to a child execution
  std::int64_t child_root = 0;  // silent frames: the root frame of their child execution
  std::size_t slot = 0;         // branch or item index within the parent
  const asl::StateMachine* machine = nullptr;
  json::object vars;

  Phase phase = Phase::kEnter;
  std::string pending_state;  // kEnter: the state to enter
  json::value pending_input;

  const asl::State* state = nullptr;
  json::value input;      // the state's raw input
  json::value effective;  // after InputPath; see Impl::Effective
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
  // An activity task no worker has taken yet (activity_start_on_claim).
  bool awaiting_worker = false;
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

struct Execution::Impl {
  Impl(std::shared_ptr<const asl::StateMachine> m, ExecutionInfo i, common::Random& r,
       ExecutionOptions options)
      : machine(std::move(m)),
        info(std::move(i)),
        random(r),
        record_history(options.record_history),
        activity_start_on_claim(options.activity_start_on_claim) {}

  // The serialized text of a payload when history keeps it, otherwise empty; *size gets its
  // serialized size either way (for the payload limit).
  std::string PayloadText(const json::value& v, std::size_t* size) const {
    if (!record_history) {
      *size = common::JsonSize(v);
      return {};
    }
    std::string text = common::SerializeJson(v);
    *size = text.size();
    return text;
  }

  std::shared_ptr<const asl::StateMachine> machine;
  ExecutionInfo info;
  common::Random& random;

  ExecutionStatus status = ExecutionStatus::kRunning;
  json::value output;
  std::string error, cause;
  bool record_history = true;
  bool activity_start_on_claim = false;
  std::int64_t event_count = 0;  // events emitted, recorded or not
  // Events of each child execution of a distributed Map, by the id of its root frame.
  std::map<std::int64_t, std::int64_t> child_events;
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

  // History and context (execution.cc).
  // Appends an event (when recording) and returns its id. `details` is a callable returning the
  // event's details object, so nothing is built when history is not recorded.
  template <typename Details>
  std::int64_t Emit(Frame* f, std::string_view type, Details&& details) {
    if (f && f->silent) {
      ++child_events[f->child_root];  // each child execution has its own history limit
      return f->last_event_id;
    }
    std::int64_t id = ++event_count;
    std::int64_t prev = f ? f->last_event_id : id - 1;
    if (record_history) {
      history.push_back(MakeHistoryEvent(type, id, prev, now, details(), history_sp));
    }
    if (f) f->last_event_id = id;
    return id;
  }
  void InitContext();
  asl::PathScope Scope(Frame& f, const json::value& doc);

  // Scheduling: frames, the ready queue, timers (execution.cc).
  Frame& NewFrame(std::int64_t parent, std::size_t slot, const asl::StateMachine* m,
                  json::object vars);
  void Schedule(Frame& f, std::string state, json::value input);
  std::int64_t StartTimer(Frame& f, TimerKind kind, common::TimeMs due);
  void CancelTimerIfAny(std::int64_t& id);
  void Drain();
  // Ends a distributed Map's child execution that reached its history limit.
  void FailChildExecution(std::int64_t root_id);
  Frame* TaskFrame(std::int64_t task_id);
  void OnTimer(std::int64_t timer_id);

  // Errors: building failures, Retry and Catch (execution.cc).
  asl::Failure RuntimeError(Frame& f, const std::string& what);
  asl::Failure NoResults(Frame& f, const asl::JsonPath& path);
  static json::value ErrorOutput(const asl::Failure& failure);
  void HandleError(Frame& f, asl::Failure failure,
                   const std::vector<std::string>& failed_events = {});

  // Frame and execution ends (execution.cc).
  void FrameSucceeded(Frame& f, json::value output);
  void FrameFailed(Frame& f, asl::Failure failure);
  void ReleasePayloads(Frame& f);
  void Finish();
  void FailExecution(asl::Failure failure);

  // Input and output processing (states.cc).
  asl::Eval<json::value> Filter(Frame& f, const asl::FilterPath& fp, json::value doc);
  asl::Eval<json::value> ApplyTemplate(Frame& f, const asl::PayloadTemplate& t,
                                       const json::value& doc);
  // The state's effective input: `input` itself unless an InputPath applies (no copy then).
  static const json::value& Effective(const Frame& f) {
    const asl::FilterPath& ip = f.state->input_path;
    return ip.path || ip.null ? f.effective : f.input;
  }
  asl::Eval<json::value> ApplyResultPath(Frame& f, const asl::ResultPathSpec& rp, json::value input,
                                         json::value result);
  asl::Eval<json::object> EvaluateAssign(Frame& f, const std::optional<asl::PayloadTemplate>& t,
                                         const json::value& doc);
  asl::Failure DataLimit(Frame& f);
  static std::string Display(const json::value& v);

  // Entering, executing and leaving states (states.cc).
  void EnterState(Frame& f);
  void ExecuteState(Frame& f);
  void ExecutePass(Frame& f);
  void FinishState(Frame& f, json::value result);
  void ExitState(Frame& f, json::value out, json::object assigned, const std::string& next,
                 bool caught = false);
  void ExecuteChoice(Frame& f);
  void ExecuteWait(Frame& f);
  void FinishWait(Frame& f);
  void ExecuteSucceed(Frame& f);
  void ExecuteFail(Frame& f);

  // Task and its outcomes (states.cc).
  std::optional<std::int64_t> ResolveSeconds(Frame& f, const asl::NumberOrPath& n,
                                             std::string_view field,
                                             std::optional<asl::Failure>* error);
  void ExecuteTask(Frame& f);
  void EndTaskWait(Frame& f);
  void OnTaskSucceeded(Frame& f, json::value result);
  void OnTaskFailed(Frame& f, asl::Failure failure);

  // Parallel and Map (fanout.cc).
  void ExecuteParallel(Frame& f);
  std::optional<asl::Failure> ResolveMapSettings(Frame& f, bool* before_start);
  void ExecuteMap(Frame& f);
  void PumpMap(Frame& f);
  bool ExceedsTolerance(const Frame& f) const;
  void ChildDone(Frame& parent, std::size_t slot, json::value* output, const asl::Failure* failure);
  void CompleteChildren(Frame& f);
  void AbortChildren(Frame& f);
  std::vector<std::string> EndOfChildren(const Frame& f, bool succeeded);
};

}  // namespace tactus::engine
