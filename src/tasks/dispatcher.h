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
#include <string_view>

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
  // The execution the task belongs to (empty for express runs and tests).
  std::string execution_arn;
  // Stable across every redelivery of this one task (a crash before its result commits makes
  // the runtime invoke it again with the same key), distinct between tasks and their retries.
  // Integrations that cannot join the runtime's transaction use it to make repeats harmless.
  std::string idempotency_key;
  // Who the task acts as (docs/auth.md, "Execution roles"): the execution's role (its state
  // machine's roleArn), and the role the state's `Credentials.RoleArn` assumes for it (empty:
  // none).
  std::string role_arn;
  std::string credentials_role_arn;
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

// Decides whether a task's role may perform it, before anything is touched.
class TaskAuthorizer {
 public:
  virtual ~TaskAuthorizer() = default;
  // nullopt when allowed; otherwise the failure to record instead of performing the task
  // (States.Permissions and why). Must be thread-safe.
  virtual std::optional<TaskOutcome> Authorize(const TaskRequest& request) = 0;
};

// The role a state's evaluated `Credentials` field assumes ({"RoleArn": "..."}); "" when none.
inline std::string CredentialsRoleArn(const json::value& credentials) {
  const json::object* o = credentials.if_object();
  const json::value* arn = o ? o->if_contains("RoleArn") : nullptr;
  return arn && arn->is_string() ? std::string(arn->as_string()) : std::string();
}

class TaskDispatcher {
 public:
  virtual ~TaskDispatcher() = default;
  // Performs the task synchronously. Implementations must be callable repeatedly; thread safety
  // is per implementation.
  virtual TaskOutcome Invoke(const TaskRequest& request) = 0;
  // Whether Invoke may block for long on `resource` (network calls): the durable runtime then
  // invokes it on its task threads instead of the threads that step executions.
  virtual bool Blocking(std::string_view resource) const { return false; }
};

}  // namespace tactus::tasks
