// The durable runner's insides (durable_runner.cc, runner_step.cc, runner_load.cc).
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "asl/model.h"
#include "audit/outbox.h"
#include "engine/execution.h"
#include "mongo/write_batch.h"
#include "runtime/durable_runner.h"
#include "runtime/journal.h"
#include "runtime/keyed_random.h"
#include "tasks/mongodb_task.h"

namespace tactus::runtime {

// Collection names (docs/serve.md).
inline constexpr const char* kStateMachines = "state_machines";
inline constexpr const char* kRevisions = "state_machine_revisions";
inline constexpr const char* kExecutions = "executions";
inline constexpr const char* kJournal = "journal";
inline constexpr const char* kHistory = "history";
inline constexpr const char* kWork = "work";
inline constexpr const char* kTokens = "task_tokens";
inline constexpr const char* kActivities = "activities";
inline constexpr const char* kActivityTasks = "activity_tasks";
inline constexpr const char* kMeta = "meta";
inline constexpr std::int64_t kSchemaVersion = 1;
// Attempts at one step before its work item is left for a later claim.
inline constexpr int kMaxStepAttempts = 8;
// When a step still conflicts after kMaxStepAttempts, its work item is tried again this much
// later (instead of when its lease runs out).
inline constexpr common::TimeMs kRetryLaterMs = 100;
// A blocking task without TimeoutSeconds is given this long before its claim may lapse (the
// HTTP integrations' own default bound is 60 s).
inline constexpr std::int64_t kBlockingTaskDefaultSeconds = 60;
// Attempts at delivering an event (StopExecution) that meets write conflicts.
inline constexpr int kMaxDeliverAttempts = 50;
// MongoDB's WriteConflict (112), or a transient transaction error.
inline bool IsWriteConflict(const mongo::DbStatus& st) { return st.code() == 112 || st.transient(); }
// At most this many StartExecution requests commit in one transaction.
inline constexpr std::size_t kMaxStartBatch = 128;
// Durable executions record ActivityStarted when a worker takes the task, with its name.
inline constexpr engine::ExecutionOptions kDurableOptions{true, true};

struct WorkItem {
  std::string id;
  std::string execution;
  std::string kind;  // start, timer, task, event
  common::TimeMs due = 0;
  std::string body;  // JSON text
};

struct ParentLink {
  std::string arn;
  std::int64_t task = 0;
  std::string mode;  // ".sync" or ".sync:2"
};

// One execution in memory.
struct Loaded {
  std::string arn;
  std::string name, sm_arn, sm_name, test_case, input_text;
  std::int64_t revision = 0;
  std::string role_arn;
  common::TimeMs start_date = 0;
  std::shared_ptr<const asl::StateMachine> machine;
  RandomKey key{};
  std::unique_ptr<KeyedRandom> random;
  std::unique_ptr<engine::Execution> exec;
  std::int64_t v = 0;  // journal entries committed
  common::TimeMs last_time = 0;
  std::map<std::string, std::int64_t> mock_counts;
  std::optional<ParentLink> parent;
  // False while the execution has certainly created no work item, token or activity task (a
  // new execution until its first follow-up): its end then has nothing to clean up.
  bool may_have_follow_ups = true;
};

// A unit of follow-up work created by a step, performed after its commit.
struct AfterCommit {
  std::vector<WorkItem> local;  // due now, claimed by this process
  std::vector<WorkItem> timers;
  std::set<std::string> activities;  // activities that got a task
};

struct Shard;

// A task performed by a task thread, and then its result, back to the execution's shard.
// A `task` work item's body, parsed once: the request for the dispatcher and the engine's id of
// the task.
struct TaskWork {
  std::int64_t id = 0;
  tasks::TaskRequest request;
};
// nullopt: the body is not a task work item's JSON object.
std::optional<TaskWork> ParseTaskWork(const WorkItem& item);

struct BlockingTask {
  WorkItem item;
  TaskWork work;
  std::string sm_name, test_case;
};
struct FinishedTask {
  WorkItem item;
  engine::Event event;
};

// A StartExecution call waiting for the starter thread.
struct PendingStart {
  NewExecution request;
  std::shared_ptr<const asl::StateMachine> machine;
  json::value input;
  std::promise<RunnerResult<StartOutcome>> done;
  // The first step, run by the caller's thread so that batches only write: the started
  // execution, its actions and its history documents.
  common::TimeMs now = 0;
  std::unique_ptr<Loaded> x;
  std::vector<engine::Action> actions;
  std::vector<mongo::BsonPtr> history;
  std::vector<audit::Record> audit;  // the first step's transition record (audit trail on)
};

struct DurableRunner::Impl {
  Impl(mongo::Pool& p, DispatcherFor d, const common::Clock& c, DurableOptions o)
      : pool(p), dispatchers(std::move(d)), clock(c), options(std::move(o)) {}

  mongo::Pool& pool;
  DispatcherFor dispatchers;
  const common::Clock& clock;
  DurableOptions options;
  std::vector<std::unique_ptr<Shard>> shards;
  std::thread poller;

  // StartExecution requests waiting for the starter thread (runner_start.cc).
  std::mutex starts_mu;
  std::condition_variable starts_cv;
  std::deque<std::unique_ptr<PendingStart>> starts;
  bool starts_stop = false;
  std::thread starter;
  void StartLoop();
  // Commits the first steps of `batch` in one transaction; false if it did not commit.
  bool StartBatch(mongo::Client& client, std::vector<std::unique_ptr<PendingStart>>& batch);
  RunnerResult<StartOutcome> StartOne(mongo::Client& client, PendingStart& p);
  std::unique_ptr<Loaded> NewLoaded(const PendingStart& p, common::TimeMs now,
                                    const RandomKey& key);
  void Adopt(std::unique_ptr<Loaded> x);
  // The history events recorded since the last call, as documents; with the audit trail on,
  // also the step's transition record in *audit.
  std::vector<mongo::BsonPtr> HistoryDocs(Loaded& x, std::vector<audit::Record>* audit);
  // The audit outbox, when the audit trail is on.
  std::optional<audit::AuditOutbox> audit_outbox;
  // Data records for what a step's MongoDB task touched.
  void AuditData(const Loaded& x, const std::vector<tasks::DataTouched>& touched,
                 common::TimeMs now, std::vector<audit::Record>* audit);
  mongoc_collection_t* Coll(mongo::Client& c, const char* name) {
    return c.Collection(options.database, name);
  }

  // Blocking tasks waiting for a task thread (`task_threads` of them).
  std::mutex tasks_mu;
  std::condition_variable tasks_cv;
  std::deque<BlockingTask> blocking;
  bool tasks_stop = false;
  std::vector<std::thread> task_threads;
  void TaskLoop();
  void HandOff(BlockingTask task);

  std::mutex mu;  // guards everything below
  std::condition_variable poller_cv;
  bool stopping = false;
  std::unordered_set<std::string> queued;  // work ids queued or running here
  std::multimap<common::TimeMs, WorkItem> timers;
  std::multimap<std::string, std::function<void()>> activity_waiters;

  // State machine definitions by "<arn>#<revision>".
  std::mutex machines_mu;
  std::unordered_map<std::string, std::shared_ptr<const asl::StateMachine>> machines;

  Shard& ShardFor(const std::string& execution_arn);
  // Queues `item` on its shard unless it is queued already. Returns false if it was.
  bool Enqueue(WorkItem item);
  void Done(const std::string& work_id);
  void Schedule(AfterCommit after);
  void PollLoop();
  // Claims due, unheld work items from the store; returns how many were claimed.
  int ClaimDue(mongo::Client& client);
  common::Status EnsureSchema();

  common::Result<std::shared_ptr<const asl::StateMachine>> Machine(mongo::Client& client,
                                                                   const std::string& sm_arn,
                                                                   std::int64_t revision);
  // Rebuilds an execution from the store (nullopt: it does not exist).
  common::Result<std::optional<std::unique_ptr<Loaded>>> Load(mongo::Client& client,
                                                              const std::string& arn);
  // Adds the writes of the follow-ups of `actions` (and of the execution's end) to `batch`.
  void WriteFollowUps(mongo::WriteBatch& batch, Loaded& x, std::vector<engine::Action>& actions,
                      common::TimeMs now, AfterCommit* after);
  // Adds journal + history + audit records + follow-ups of one applied event to `batch`, which
  // the caller executes in its transaction (one round trip where the server has bulkWrite).
  // `touched`: what the step's in-transaction MongoDB task touched (for the audit trail).
  void WriteStep(mongo::WriteBatch& batch, Loaded& x, const JournalEvent& event,
                 std::vector<engine::Action>& actions, common::TimeMs now, AfterCommit* after,
                 const std::vector<tasks::DataTouched>& touched = {});
  // The execution document's $set for its state after a step.
  mongo::BsonPtr ExecutionUpdate(Loaded& x, common::TimeMs now);
  mongo::BsonPtr WorkDoc(const WorkItem& item, common::TimeMs now, bool mine);
  // A new execution's document before its first step (v = 0).
  mongo::BsonPtr ExecutionDoc(const NewExecution& e, common::TimeMs now, const RandomKey& key,
                              const std::optional<ParentLink>& parent);
  // Performs a task work item through the dispatcher: the event that answers it.
  engine::Event RunTask(const std::string& sm_name, const std::string& test_case,
                        const TaskWork& work);
  // Whether a task work item goes to the task threads (see TaskDispatcher::Blocking).
  bool IsBlocking(const Loaded& x, const TaskWork& work);
  // Starts the child execution a `child` work item asks for (the item is consumed); false on a
  // transient failure, to be tried again.
  bool StartChild(mongo::Client& client, Loaded& parent, const WorkItem& item);
  // Inserts an event for an execution, claimed by this process, and queues it after commit.
  mongo::DbStatus DeliverEvent(mongo::Client& client, mongo::Session* session,
                               const std::string& arn, const std::string& work_id,
                               const std::string& body, AfterCommit* after);
};

// One runner thread and the executions it owns.
struct Shard {
  explicit Shard(DurableRunner::Impl& r) : runner(r) {}
  DurableRunner::Impl& runner;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::variant<WorkItem, std::unique_ptr<Loaded>, FinishedTask>> queue;
  bool stop = false;

  // Executions in memory, least recently used first.
  std::list<std::string> lru;
  std::unordered_map<std::string, std::pair<std::unique_ptr<Loaded>, std::list<std::string>::iterator>>
      cache;

  void Run();
  // Performs `item`; false when it was handed to a task thread (which queues its result here).
  // `finished`: the result of a task work item that a task thread performed.
  bool Process(mongo::Client& client, WorkItem& item,
               std::optional<engine::Event> finished = std::nullopt);
  // Applies one event; true when committed.
  enum class StepResult { kCommitted, kRetry, kGone };
  // A task performed inside the step's transaction (MongoDB tasks on Tactus's own deployment):
  // the event that answers it, or nullopt when the operation failed in a way that ends the
  // transaction (the step is then abandoned).
  // The task adds what it touched to *touched.
  using InTransactionTask = std::function<std::optional<engine::Event>(
      mongo::Session&, std::vector<tasks::DataTouched>* touched)>;
  // `event` is ignored when `task` is given: the task produces the event.
  StepResult Step(mongo::Client& client, Loaded& x, const JournalEvent& event,
                  const WorkItem& consumed, const InTransactionTask* task = nullptr);
  // The MongoDB task a `task` work item asks for, when it is one the step runs itself.
  static bool IsInTransactionTask(const Loaded& x, const TaskWork& work);
  Loaded* Cached(const std::string& arn);
  void Keep(std::unique_ptr<Loaded> x);
  void Evict(const std::string& arn);
};

// Applies an event to the in-memory execution at `now`.
std::vector<engine::Action> Apply(Loaded& x, const JournalEvent& event, common::TimeMs now);

}  // namespace tactus::runtime
