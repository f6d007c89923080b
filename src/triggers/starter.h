// How schedules and triggers start executions: through the same StartExecution the API serves
// (validation, idempotency by name), handed in by `tactus serve` so that triggers/ does not
// depend on api/ (DESIGN.md).
#pragma once

#include <functional>
#include <string>

namespace tactus::triggers {

struct StartResult {
  enum class Code {
    kStarted,      // a new execution
    kExisted,      // the execution of that name was started already (with the same input)
    kRejected,     // will never start as asked (no such state machine, input refused, ...)
    kUnavailable,  // try again later (the store is unreachable, the server is stopping)
  };
  Code code = Code::kStarted;
  std::string execution_arn;
  std::string message;  // when rejected or unavailable
};

// Starts execution `name` of `state_machine_arn` with `input` (JSON text).
using Starter = std::function<StartResult(const std::string& state_machine_arn,
                                          const std::string& name, const std::string& input)>;

}  // namespace tactus::triggers
