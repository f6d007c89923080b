// The interpreter: one execution of a state machine, driven by events.
//
// An Execution holds the whole state of one run. Start() and Handle() each take the time at which
// the event happened, advance the execution as far as it can go without the outside world
// (Pass, Choice, input/output processing, Parallel and Map bookkeeping, Retry and Catch), append
// history events, and return the actions the runtime must perform. It never reads a clock, never
// sleeps and never performs I/O; randomness (retry jitter, task tokens, States.UUID) comes from the
// injected Random. Hence the same definition, info, seed and event sequence always produce the
// same history and the same result (engine/determinism_test.cc replays a recorded run to prove it).
//
// History events have exactly the shape of AWS's GetExecutionHistory (`timestamp` in epoch
// seconds, `type`, `id`, `previousEventId`, `<type>EventDetails`) and AWS's numbering.
//
// Limits: state input/output and task results above kMaxPayloadBytes fail with
// States.DataLimitExceeded; an execution that reaches kMaxHistoryEvents history events fails
// at its next step (so does each child execution of a distributed Map, with its own count).
//
// Not thread-safe: one thread drives an Execution at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "asl/model.h"
#include "common/random.h"
#include "engine/types.h"

namespace tactus::engine {

inline constexpr std::size_t kMaxPayloadBytes = 256 * 1024;
// AWS's limit on one execution's history; an execution that reaches it fails with
// States.Runtime, which also bounds a definition that loops forever.
inline constexpr std::size_t kMaxHistoryEvents = 25000;
// AWS's limit on an error cause; longer causes (quoting a large input) are cut with "...".
inline constexpr std::size_t kMaxCauseBytes = 32768;
// The longest wait, task timeout or heartbeat a value read at run time (SecondsPath,
// TimeoutSecondsPath, HeartbeatSecondsPath) may ask for: AWS's bound on the literal fields.
inline constexpr std::int64_t kMaxSeconds = 99999999;
// The longest retry delay, however IntervalSeconds and BackoffRate compound (one year, AWS's
// bound on MaxDelaySeconds).
inline constexpr std::int64_t kMaxRetryDelaySeconds = 31622400;

struct ExecutionOptions {
  // Keep history events. Without them event ids are still counted (AWS's error causes cite
  // them) and limits still apply, but history() stays empty: express executions, which AWS
  // gives no history either, run faster.
  bool record_history = true;
  // Record ActivityStarted when a worker takes an activity task (a TaskStarted event, which
  // names the worker), as AWS does. Off, it is recorded with ActivityScheduled: runs whose
  // dispatcher answers at once have no worker to wait for.
  bool activity_start_on_claim = false;
};

class Execution {
 public:
  // `machine` is shared. `random` must outlive the Execution.
  Execution(std::shared_ptr<const asl::StateMachine> machine, ExecutionInfo info,
            common::Random& random, ExecutionOptions options = {});
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Records ExecutionStarted and runs until every branch waits on a task or a timer, or the
  // execution ends. REQUIRES: called once, first.
  std::vector<Action> Start(common::TimeMs now);

  // Applies one event. Events for tasks or timers the engine no longer waits on (cancelled,
  // already finished) are ignored, so a runtime may deliver late or duplicate answers safely.
  std::vector<Action> Handle(const Event& event, common::TimeMs now);

  ExecutionStatus status() const;
  // REQUIRES: status() == kSucceeded
  const json::value& output() const;
  // Set when FAILED, TIMED_OUT or ABORTED (may be empty: AWS reports none in some cases).
  const std::string& error() const;
  const std::string& cause() const;
  const ExecutionInfo& info() const;

  // All history events so far, in order.
  const std::vector<json::value>& history() const;
  // Moves the history out (it is left empty). REQUIRES: status() != kRunning.
  std::vector<json::value> ReleaseHistory();
  // Moves out the events recorded since the last call, at any time: a durable runtime persists
  // each step's events and keeps none in memory.
  std::vector<json::value> TakeHistory();
  // Turns recording on or off from the next event on. A runtime that rebuilds an execution by
  // replaying its journal turns it off (those events are persisted already) and back on after.
  void set_record_history(bool record);
  // Events emitted so far, recorded or not: the id of the latest one.
  std::int64_t event_count() const;
  // Moves the output out (output() is null afterwards). REQUIRES: status() != kRunning.
  json::value ReleaseOutput();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tactus::engine
