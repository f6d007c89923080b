// `tactus executions ...` (docs/api.md, "CLI"): the arguments its subcommands share, and the
// subcommands that follow an execution over time (history, wait; executions_watch.cc).
#pragma once

#include <string>

#include "cli/api_client.h"
#include "cli/remote.h"

namespace tactus::cli {

struct ExecutionArgs {
  RemoteOptions remote;
  std::string target;  // a state machine (start, list) or an execution (the others), ARN or name
  std::string name, input, status, error, cause;
  double timeout_seconds = 0;  // wait: 0 waits for ever
};

// `executions history`: every event of every page, as a table or (--json) as one
// GetExecutionHistory answer.
int RunHistory(const ExecutionArgs& args);

// `executions wait`: polls DescribeExecution until the execution stops, with a progress line on
// stderr when it is a terminal; exit 0 for SUCCEEDED, 1 otherwise (or on timeout).
int RunWait(const ExecutionArgs& args);

// The result of a stopped execution (a DescribeExecution or StartSyncExecution answer): its
// output, pretty-printed, for SUCCEEDED; else the status, error and cause. Returns the exit code,
// 0 for SUCCEEDED and 1 otherwise. With --json prints the answer.
int PrintOutcome(const RemoteOptions& remote, const json::object& execution);

}  // namespace tactus::cli
