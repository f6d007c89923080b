// The task dispatcher: how the runtime performs a Task state's work.
//
// An integration receives a TaskRequest (the resource ARN and the effective parameters) and
// answers with a TaskOutcome: the raw result, or an ASL error (Error, Cause) that the engine
// records and that Retry/Catch can match. An outcome whose error is States.Runtime cannot be
// caught: use it for configuration mistakes the workflow cannot handle (e.g. a missing mock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/json.h"

namespace tactus::tasks {

namespace json = boost::json;

struct TaskRequest {
  std::string state_name;
  std::string resource;
  json::value parameters;
  std::optional<std::string> task_token;
  std::optional<std::int64_t> timeout_seconds;
  std::optional<std::int64_t> heartbeat_seconds;
  // The how-manieth invocation of this state within its execution (from 0), when the runtime
  // keeps count durably; mocks then answer by it instead of counting in memory.
  std::optional<std::int64_t> invocation;
};

struct TaskOutcome {
  bool ok = true;
  json::value result;  // when ok
  std::string error;   // when !ok
  std::string cause;

  static TaskOutcome Success(json::value result) { return {true, std::move(result), "", ""}; }
  static TaskOutcome Failure(std::string error, std::string cause) {
    return {false, nullptr, std::move(error), std::move(cause)};
  }
};

class TaskDispatcher {
 public:
  virtual ~TaskDispatcher() = default;
  // Performs the task synchronously. Implementations must be callable repeatedly; thread safety
  // is per implementation.
  virtual TaskOutcome Invoke(const TaskRequest& request) = 0;
};

}  // namespace tactus::tasks
