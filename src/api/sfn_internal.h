// The Step Functions API's insides, shared by its action files.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "api/params.h"
#include "api/sfn_api.h"
#include "asl/model.h"
#include "runtime/express_runner.h"

namespace tactus::api {

using Params = json::object;
using Reply = ApiResult<json::object>;

// Collection names: the runtime's schema (docs/serve.md).
inline constexpr const char* kStateMachines = "state_machines";
inline constexpr const char* kRevisions = "state_machine_revisions";
inline constexpr const char* kExecutions = "executions";
inline constexpr const char* kHistory = "history";
inline constexpr const char* kActivities = "activities";

// How often waiting activity workers recheck the store for tasks queued by other processes.
inline constexpr int kActivityRecheckMs = 200;

// How long a state machine read for StartExecution is reused.
inline constexpr common::TimeMs kMachineCacheMs = 1000;

struct MachineInfo {
  std::string arn, name, type, role;
  std::int64_t revision = 0;
  std::shared_ptr<const asl::StateMachine> machine;
  common::TimeMs read_at = 0;
};

// One worker's GetActivityTask waiting for a task.
struct ActivityPoll {
  std::string activity, worker;
  common::TimeMs deadline = 0;
  StepFunctionsApi::ActionCallback respond;
};

struct StepFunctionsApi::Impl {
  Impl(mongo::Pool& p, runtime::DurableRunner& r, runtime::DispatcherFor d,
       const common::Clock& c, SfnOptions o)
      : pool(p), runner(r), dispatchers(std::move(d)), clock(c), options(std::move(o)) {}
  ~Impl();

  mongo::Pool& pool;
  runtime::DurableRunner& runner;
  runtime::DispatcherFor dispatchers;
  const common::Clock& clock;
  SfnOptions options;

  // Asynchronous EXPRESS executions run here, in memory.
  std::mutex express_mu;
  std::condition_variable express_cv;
  std::deque<std::function<void()>> express_queue;
  std::vector<std::thread> express_threads;
  bool express_stop = false;

  void RunExpressAsync(std::function<void()> job);

  // Waiting activity workers, rechecked by `poll_thread`.
  std::mutex polls_mu;
  std::condition_variable polls_cv;
  std::vector<std::shared_ptr<ActivityPoll>> polls;
  bool polls_stop = false;
  std::thread poll_thread;
  void PollLoop();
  // Answers every waiting poll (empty) and stops waiting for new ones. Idempotent.
  void StopPolls();
  // Answers the poll if a task is there or its time is up.
  bool TryAnswer(ActivityPoll& poll);

  mongoc_collection_t* Coll(mongo::Client& c, const char* name) {
    return c.Collection(options.database, name);
  }

  // Recently read state machines, for starting executions without a read each time. AWS's
  // contract allows it: executions started right after UpdateStateMachine may use the previous
  // definition. Entries live kMachineCacheMs; this process's Update/Delete drop them at once.
  std::mutex machines_mu;
  std::map<std::string, std::shared_ptr<const MachineInfo>> machines;
  ApiResult<std::shared_ptr<const MachineInfo>> LookupMachine(const std::string& arn);
  void ForgetMachine(const std::string& arn);

  // State machines (sfn_state_machines.cc).
  Reply CreateStateMachine(const Params& p);
  Reply DescribeStateMachine(const Params& p);
  Reply UpdateStateMachine(const Params& p);
  Reply DeleteStateMachine(const Params& p);
  Reply ListStateMachines(const Params& p);
  Reply ValidateStateMachineDefinition(const Params& p);
  Reply DescribeStateMachineForExecution(const Params& p);
  Reply TagResource(const Params& p);
  Reply UntagResource(const Params& p);
  Reply ListTagsForResource(const Params& p);
  // A page of `collection` in _id order (ListStateMachines, ListActivities): maxResults and
  // nextToken from `p`, each document turned into an item by `row`, under `list_key`.
  Reply ListById(const Params& p, const char* collection, const char* list_key,
                 const std::function<json::object(const bson_t*)>& row);
  // The state machine document, or StateMachineDoesNotExist.
  ApiResult<mongo::BsonPtr> FindStateMachine(mongo::Client& c, const std::string& arn);

  // Executions (sfn_executions.cc).
  // The members StartExecution and StartSyncExecution share, validated, and the machine.
  struct StartRequest {
    std::string sm_arn, machine_name, test_case, name, input;
    std::shared_ptr<const MachineInfo> machine;
  };
  ApiResult<StartRequest> ReadStartRequest(const Params& p);
  Reply StartExecution(const Params& p);
  Reply StartSyncExecution(const Params& p);
  Reply StopExecution(const Params& p);
  Reply DescribeExecution(const Params& p);
  Reply ListExecutions(const Params& p);
  Reply GetExecutionHistory(const Params& p);

  // Activities and tasks (sfn_activities.cc).
  Reply CreateActivity(const Params& p);
  Reply DescribeActivity(const Params& p);
  Reply ListActivities(const Params& p);
  Reply DeleteActivity(const Params& p);
  void GetActivityTask(const Params& p, ActionCallback respond);
  Reply SendTaskSuccess(const Params& p);
  Reply SendTaskFailure(const Params& p);
  Reply SendTaskHeartbeat(const Params& p);
};

// Epoch seconds, as AWS's JSON protocol writes timestamps.
inline double Seconds(common::TimeMs ms) { return static_cast<double>(ms) / 1000.0; }
// A runner error as the API reports it.
ApiError FromRunner(const runtime::RunnerError& e);
// An opaque pagination token for a resume key, and back (InvalidToken when malformed).
std::string EncodePageToken(const std::string& key);
ApiResult<std::string> DecodePageToken(const std::string& token);
// maxResults (0 or absent: the default).
ApiResult<std::int64_t> PageSize(const Params& p);
// A JSON text member's size and syntax check: `what` names the error (InvalidExecutionInput,
// InvalidOutput).
ApiResult<std::string> JsonTextMember(const Params& p, std::string_view name,
                                      std::string_view error_code, std::string fallback);

}  // namespace tactus::api
