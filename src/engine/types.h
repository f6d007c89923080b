// What flows into and out of the engine: events (things that happened outside it) and actions
// (things it wants done). Actions are data; the runtime performs them (DESIGN.md: "the engine
// decides; it does not act").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/clock.h"
#include "common/json.h"

namespace tactus::engine {

namespace json = boost::json;

// The static facts of one execution: what "$$.Execution" and "$$.StateMachine" show.
struct ExecutionInfo {
  std::string execution_arn;
  std::string execution_name;
  std::string state_machine_arn;
  std::string state_machine_name;
  std::string role_arn;
  common::TimeMs start_time = 0;
  json::value input;
  // $$.Execution.RedriveCount; absent for synchronous express executions, which AWS cannot
  // redrive and which therefore show no such field.
  std::optional<std::int64_t> redrive_count = 0;
};

// ---- Events ----
struct TaskSucceeded {
  std::int64_t task_id = 0;
  json::value output;
};
struct TaskFailed {
  std::int64_t task_id = 0;
  std::string error;
  std::string cause;
};
struct TaskHeartbeat {
  std::int64_t task_id = 0;
};
// A worker took an activity task (GetActivityTask): recorded as ActivityStarted when the
// execution runs with ExecutionOptions::activity_start_on_claim.
struct TaskStarted {
  std::int64_t task_id = 0;
  std::string worker_name;  // may be empty
};
struct TimerFired {
  std::int64_t timer_id = 0;
};
// StopExecution: the execution ends ABORTED.
struct StopRequested {
  std::string error;
  std::string cause;
};
using Event =
    std::variant<TaskSucceeded, TaskFailed, TaskHeartbeat, TimerFired, StopRequested, TaskStarted>;

// ---- Actions ----
// Invoke a task. The runtime answers with exactly one TaskSucceeded or TaskFailed carrying
// `task_id`, unless the engine cancels the task first.
struct RunTask {
  std::int64_t task_id = 0;
  std::string state_name;
  std::string resource;                   // as written in the definition
  json::value parameters;                 // the effective parameters
  std::optional<std::string> task_token;  // for .waitForTaskToken integrations
  std::optional<std::int64_t> timeout_seconds;
  std::optional<std::int64_t> heartbeat_seconds;
  json::value credentials;  // the evaluated Credentials field, or null
};
// Deliver TimerFired{timer_id} at or after `due`.
struct StartTimer {
  std::int64_t timer_id = 0;
  common::TimeMs due = 0;
};
struct CancelTask {
  std::int64_t task_id = 0;
};
struct CancelTimer {
  std::int64_t timer_id = 0;
};
using Action = std::variant<RunTask, StartTimer, CancelTask, CancelTimer>;

enum class ExecutionStatus { kRunning, kSucceeded, kFailed, kTimedOut, kAborted };

// "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED".
const char* ExecutionStatusName(ExecutionStatus status);

}  // namespace tactus::engine
