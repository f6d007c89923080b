// The durable runner: STANDARD executions on MongoDB (docs/serve.md).
//
// Every step (one event applied to one execution) commits the execution's new journal entry,
// history events, status and follow-up work in one transaction, so a crash at any instant loses
// and repeats nothing. Work is claimed with leases, so several processes can share one MongoDB.
//
// Thread-safe: every public method may be called from any thread. Internally, executions are
// sharded by ARN over `shards` runner threads, which alone touch the in-memory executions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "mongo/mongo.h"
#include "tasks/dispatcher.h"

namespace tactus::runtime {

namespace json = boost::json;

struct DurableOptions {
  std::string database = "tactus";
  int shards = 4;
  // How long a claim on a work item lasts without its owner finishing it.
  common::TimeMs lease_ms = 30000;
  // How often the store is polled for due work that nobody holds.
  common::TimeMs poll_ms = 200;
  // Executions kept in memory per shard; others are rebuilt from their journal when needed.
  std::size_t cache_per_shard = 2048;
  // Threads that perform blocking tasks (TaskDispatcher::Blocking: HTTP calls, other
  // deployments), so a slow endpoint holds one of them, not a runner thread.
  int task_threads = 16;
  // The audit trail's database (docs/auth.md): each step also writes its transitions and the
  // data its MongoDB tasks touched to the audit outbox, in the step's transaction. Empty: off.
  std::string audit_database;
  // This process's name in leases; empty = a random one.
  std::string owner;
  // Checks MongoDB tasks that run inside a step's transaction against the execution's role
  // before they touch anything (docs/auth.md, "Execution roles"); null: unchecked. Tasks the
  // dispatchers perform are checked by the dispatchers (they receive the role in TaskRequest).
  // Must outlive the runner.
  tasks::TaskAuthorizer* authorizer = nullptr;
};

// Chooses the integration for an execution's tasks: the state machine's name and the mock test
// case it was started with (empty for none). The returned dispatcher must outlive the runner.
using DispatcherFor =
    std::function<tasks::TaskDispatcher&(const std::string& machine, const std::string& test_case)>;

// What StartExecution needs; the caller has validated names, ARNs and input.
struct NewExecution {
  std::string execution_arn;
  std::string name;
  std::string state_machine_arn;
  std::string state_machine_name;
  std::int64_t revision = 0;
  std::string role_arn;
  std::string input;  // JSON text
  std::string test_case;
};

struct StartOutcome {
  common::TimeMs start_date = 0;
  // The execution existed already with the same input (StartExecution is idempotent by name).
  bool existed = false;
};

// Why a call failed, in the API's vocabulary (AWS's error names).
struct RunnerError {
  std::string code;  // "ExecutionAlreadyExists", "TaskDoesNotExist", ...
  std::string message;
};

template <typename T>
using RunnerResult = std::variant<T, RunnerError>;

// "<arn>#<n as 10 digits>": the keys of journal entries, history events and state machine
// revisions, which sort by n within one ARN (docs/serve.md).
std::string SeqKey(const std::string& arn, std::int64_t n);

class DurableRunner {
 public:
  // `pool`, the dispatchers and `clock` must outlive the runner.
  DurableRunner(mongo::Pool& pool, DispatcherFor dispatchers, const common::Clock& clock,
                DurableOptions options);
  ~DurableRunner();

  // Checks or creates the schema (docs/serve.md) and starts the runner threads.
  common::Status Open();
  // Stops claiming work, finishes the steps in hand, and releases this process's leases so
  // another process takes over at once. Idempotent.
  void Shutdown();

  // Creates the execution and runs its first step in one transaction.
  RunnerResult<StartOutcome> StartExecution(const NewExecution& request);
  // Ends a running execution ABORTED (waits until the step has committed).
  RunnerResult<common::TimeMs> StopExecution(const std::string& execution_arn,
                                             const std::string& error, const std::string& cause);
  // Delivers a callback or activity result: the token is consumed in the same transaction.
  RunnerResult<bool> SendTaskSuccess(const std::string& token, json::value output);
  RunnerResult<bool> SendTaskFailure(const std::string& token, const std::string& error,
                                     const std::string& cause);
  RunnerResult<bool> SendTaskHeartbeat(const std::string& token);

  // Claims the oldest unclaimed task of an activity for `worker`, if any: {token, input text}.
  RunnerResult<std::optional<std::pair<std::string, std::string>>> ClaimActivityTask(
      const std::string& activity_arn, const std::string& worker);
  // Registers `wake` to be called (once) when this process queues a task for an activity.
  void OnActivityTask(const std::string& activity_arn, std::function<void()> wake);

  const DurableOptions& options() const { return options_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  DurableOptions options_;
};

}  // namespace tactus::runtime
