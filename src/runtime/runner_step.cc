// Steps: a runner thread applies events to executions and commits each step in one
// transaction (docs/serve.md).
#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "engine/resource.h"
#include "runtime/runner_internal.h"
#include "tasks/mongodb_task.h"

namespace tactus::runtime {

using mongo::BsonPtr;
using mongo::DbStatus;

namespace {

constexpr std::string_view kStartExecution = "arn:aws:states:::states:startExecution";

bool IsActivity(const std::string& resource) {
  return resource.rfind("arn:", 0) == 0 && resource.find(":activity:") != std::string::npos;
}

std::string Text(const json::value& v) { return common::SerializeJson(v); }

// The DescribeExecution-shaped output a `.sync` parent receives (`.sync:2`: JSON, not text).
json::object ChildOutput(const Loaded& x, common::TimeMs now, bool json_payloads) {
  json::object o;
  o["ExecutionArn"] = x.arn;
  o["StateMachineArn"] = x.sm_arn;
  o["Name"] = x.name;
  o["Status"] = engine::ExecutionStatusName(x.exec->status());
  o["StartDate"] = x.start_date;
  o["StopDate"] = now;
  auto input = common::ParseJson(x.input_text);
  if (json_payloads && input.ok()) {
    o["Input"] = *input;
  } else {
    o["Input"] = x.input_text;
  }
  o["InputDetails"] = json::object{{"Included", true}};
  if (x.exec->status() == engine::ExecutionStatus::kSucceeded) {
    if (json_payloads) {
      o["Output"] = x.exec->output();
    } else {
      o["Output"] = Text(x.exec->output());
    }
    o["OutputDetails"] = json::object{{"Included", true}};
  } else {
    if (!x.exec->error().empty()) o["Error"] = x.exec->error();
    if (!x.exec->cause().empty()) o["Cause"] = x.exec->cause();
  }
  return o;
}

// The step's transitions for the audit trail: each history event's type, the state it
// concerns and, for failures, the error and cause.
audit::Record TransitionRecord(const Loaded& x, const std::vector<json::value>& events,
                               const std::string& producer) {
  audit::TransitionRecord t;
  t.execution = x.arn;
  t.state_machine = x.sm_arn;
  for (const auto& e : events) {
    const json::object* o = e.if_object();
    if (!o) continue;
    audit::TransitionEvent te;
    if (auto* type = o->if_contains("type"); type && type->is_string()) {
      te.type = std::string(type->as_string());
    }
    for (const auto& member : *o) {
      const json::object* details = member.value().if_object();
      if (!details || !member.key().ends_with("EventDetails")) continue;
      if (auto* name = details->if_contains("name"); name && name->is_string()) {
        te.state = std::string(name->as_string());
      }
      if (auto* error = details->if_contains("error"); error && error->is_string()) {
        te.error = std::string(error->as_string());
      }
      if (auto* cause = details->if_contains("cause"); cause && cause->is_string()) {
        te.cause = std::string(cause->as_string());
      }
    }
    t.events.push_back(std::move(te));
  }
  return audit::Record::Transition(x.last_time, producer, t);
}

}  // namespace

void DurableRunner::Impl::AuditData(const Loaded& x,
                                    const std::vector<tasks::DataTouched>& touched,
                                    common::TimeMs now, std::vector<audit::Record>* audit) {
  for (const auto& t : touched) {
    audit::DataRecord d;
    d.execution = x.arn;
    d.ns = t.ns;
    d.operation = t.operation;
    d.role = x.role_arn;
    d.count = t.count;
    d.ids = t.ids;
    d.ids_truncated = t.ids_truncated;
    audit->push_back(audit::Record::Data(now, options.owner, d));
  }
}

BsonPtr DurableRunner::Impl::ExecutionUpdate(Loaded& x, common::TimeMs now) {
  BsonPtr set(bson_new());
  BSON_APPEND_INT64(set.get(), "v", x.v + 1);
  BSON_APPEND_INT64(set.get(), "events", x.exec->event_count());
  engine::ExecutionStatus status = x.exec->status();
  BSON_APPEND_UTF8(set.get(), "status", engine::ExecutionStatusName(status));
  if (!x.mock_counts.empty()) {
    json::object mocks;
    for (const auto& [state, n] : x.mock_counts) mocks[state] = n;
    BSON_APPEND_UTF8(set.get(), "mocks", Text(mocks).c_str());
  }
  if (status != engine::ExecutionStatus::kRunning) {
    BSON_APPEND_DATE_TIME(set.get(), "stopDate", now);
    if (status == engine::ExecutionStatus::kSucceeded) {
      BSON_APPEND_UTF8(set.get(), "output", Text(x.exec->output()).c_str());
    } else {
      BSON_APPEND_UTF8(set.get(), "error", x.exec->error().c_str());
      BSON_APPEND_UTF8(set.get(), "cause", x.exec->cause().c_str());
    }
  }
  return set;
}

std::vector<BsonPtr> DurableRunner::Impl::HistoryDocs(Loaded& x,
                                                     std::vector<audit::Record>* audit) {
  // One document per step: `_id` is keyed by the step's first event id, `j` holds the events
  // as a JSON array (docs/serve.md), so a step that records a dozen events writes one document.
  std::vector<BsonPtr> docs;
  std::vector<json::value> events = x.exec->TakeHistory();
  if (events.empty()) return docs;
  if (audit && audit_outbox) audit->push_back(TransitionRecord(x, events, options.owner));
  std::int64_t first = 0;
  common::AsInt64(events.front().as_object().at("id"), &first);
  std::string key = SeqKey(x.arn, first);
  json::array array(events.begin(), events.end());
  std::string text = Text(array);
  docs.push_back(BsonPtr(BCON_NEW("_id", BCON_UTF8(key.c_str()), "n",
                                  BCON_INT64(static_cast<std::int64_t>(events.size())), "j",
                                  BCON_UTF8(text.c_str()))));
  return docs;
}

void DurableRunner::Impl::WriteStep(mongo::WriteBatch& batch, Loaded& x,
                                    const JournalEvent& event,
                                    std::vector<engine::Action>& actions, common::TimeMs now,
                                    AfterCommit* after,
                                    const std::vector<tasks::DataTouched>& touched) {
  std::string key = SeqKey(x.arn, x.v);
  std::string ev = EncodeEvent(event);
  BsonPtr entry(BCON_NEW("_id", BCON_UTF8(key.c_str()), "t", BCON_DATE_TIME(now), "ev",
                         BCON_UTF8(ev.c_str())));
  batch.Insert(options.database, kJournal, entry.get());
  std::vector<audit::Record> records;
  for (const auto& doc : HistoryDocs(x, &records)) {
    batch.Insert(options.database, kHistory, doc.get());
  }
  if (audit_outbox) {
    AuditData(x, touched, now, &records);
    audit_outbox->AddTo(batch, records);
  }
  WriteFollowUps(batch, x, actions, now, after);
}

void DurableRunner::Impl::WriteFollowUps(mongo::WriteBatch& batch, Loaded& x,
                                         std::vector<engine::Action>& actions,
                                         common::TimeMs now, AfterCommit* after) {
  const std::string& db = options.database;
  auto add_work = [&](WorkItem item, bool local) {
    BsonPtr doc = WorkDoc(item, now, true);
    batch.Insert(db, kWork, doc.get());
    if (local && item.due <= now) {
      after->local.push_back(std::move(item));
    } else {
      after->timers.push_back(std::move(item));
    }
  };
  auto add_token = [&](const std::string& token, std::int64_t task, const std::string& activity) {
    BsonPtr doc(BCON_NEW("_id", BCON_UTF8(token.c_str()), "e", BCON_UTF8(x.arn.c_str()), "task",
                         BCON_INT64(task), "activity", BCON_UTF8(activity.c_str())));
    batch.Insert(db, kTokens, doc.get());
  };
  // A closed token is kept so that a late answer learns its task timed out (TaskTimedOut)
  // rather than that it never existed.
  BsonPtr close_token(BCON_NEW("$set", "{", "closed", BCON_BOOL(true), "}"));
  auto id_of = [&](const char* kind, std::int64_t n) {
    return x.arn + "#" + kind + "#" + std::to_string(n);
  };

  if (!actions.empty()) x.may_have_follow_ups = true;
  for (auto& action : actions) {
    if (auto* timer = std::get_if<engine::StartTimer>(&action)) {
      add_work({id_of("timer", timer->timer_id), x.arn, "timer", timer->due,
                std::to_string(timer->timer_id)},
               true);
    } else if (auto* cancel = std::get_if<engine::CancelTimer>(&action)) {
      std::string id = id_of("timer", cancel->timer_id);
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str())));
      batch.Delete(db, kWork, filter.get(), false);
    } else if (auto* cancel_task = std::get_if<engine::CancelTask>(&action)) {
      std::string id = id_of("task", cancel_task->task_id);
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str())));
      batch.Delete(db, kWork, filter.get(), false);
      BsonPtr of_task(BCON_NEW("e", BCON_UTF8(x.arn.c_str()), "task",
                               BCON_INT64(cancel_task->task_id)));
      batch.Update(db, kTokens, of_task.get(), close_token.get(), true);
      batch.Delete(db, kActivityTasks, of_task.get(), true);
    } else if (auto* task = std::get_if<engine::RunTask>(&action)) {
      if (task->task_token) add_token(*task->task_token, task->task_id, "");
      if (IsActivity(task->resource)) {
        std::string token = NewToken();
        std::string input = Text(task->parameters);
        BsonPtr doc(BCON_NEW("_id", BCON_UTF8(token.c_str()), "activity",
                             BCON_UTF8(task->resource.c_str()), "e", BCON_UTF8(x.arn.c_str()),
                             "task", BCON_INT64(task->task_id), "input", BCON_UTF8(input.c_str()),
                             "created", BCON_DATE_TIME(now), "claimed", BCON_BOOL(false)));
        batch.Insert(db, kActivityTasks, doc.get());
        add_token(token, task->task_id, task->resource);
        after->activities.insert(task->resource);
      } else if (task->resource.rfind(kStartExecution, 0) == 0) {
        // A nested execution: started by its own work item; the parent hears back at once
        // (fire and forget), when the child ends (.sync), or through the task token.
        std::string mode = task->resource.substr(kStartExecution.size());
        json::object body{{"task", task->task_id},
                          {"mode", mode},
                          {"params", task->parameters},
                          {"state", task->state_name}};
        if (std::string assumed = tasks::CredentialsRoleArn(task->credentials); !assumed.empty()) {
          body["credentials"] = assumed;
        }
        add_work({id_of("child", task->task_id), x.arn, "child", now, Text(body)}, true);
      } else {
        json::object body{{"task", task->task_id},
                          {"state", task->state_name},
                          {"resource", task->resource},
                          {"params", task->parameters},
                          {"invocation", x.mock_counts[task->state_name]++},
                          {"role", x.role_arn}};
        if (std::string assumed = tasks::CredentialsRoleArn(task->credentials); !assumed.empty()) {
          body["credentials"] = assumed;
        }
        if (task->task_token) body["token"] = *task->task_token;
        if (task->timeout_seconds) body["timeout"] = *task->timeout_seconds;
        if (task->heartbeat_seconds) body["heartbeat"] = *task->heartbeat_seconds;
        add_work({id_of("task", task->task_id), x.arn, "task", now, Text(body)}, true);
      }
    }
  }

  if (x.exec->status() == engine::ExecutionStatus::kRunning) return;
  // The end: nothing of this execution is pending any more. (An execution that ends in its
  // first step without an action never created anything to clean up.)
  if (x.may_have_follow_ups) {
    BsonPtr of_execution(BCON_NEW("e", BCON_UTF8(x.arn.c_str())));
    batch.Delete(db, kWork, of_execution.get(), true);
    batch.Update(db, kTokens, of_execution.get(), close_token.get(), true);
    batch.Delete(db, kActivityTasks, of_execution.get(), true);
  }
  if (!x.parent) return;
  json::object child = ChildOutput(x, now, x.parent->mode == ".sync:2");
  json::object event;
  if (x.exec->status() == engine::ExecutionStatus::kSucceeded) {
    event = {{"k", "ok"}, {"task", x.parent->task}, {"out", child}};
  } else {
    event = {{"k", "fail"},
             {"task", x.parent->task},
             {"error", "States.TaskFailed"},
             {"cause", Text(child)}};
  }
  WorkItem item{x.parent->arn + "#event#child-" + std::to_string(x.parent->task), x.parent->arn,
                "event", now, Text(event)};
  BsonPtr doc = WorkDoc(item, now, true);
  batch.Insert(db, kWork, doc.get());
  after->local.push_back(std::move(item));
}

Shard::StepResult Shard::Step(mongo::Client& client, Loaded& x, const JournalEvent& given,
                              const WorkItem& consumed, const InTransactionTask* task) {
  DurableRunner::Impl& r = runner;
  auto session = client.StartSession();
  if (!session.ok()) return StepResult::kRetry;
  if (!(*session)->Begin().ok()) return StepResult::kRetry;
  // The whole step is one batch (one round trip with bulkWrite): consume the work item, write
  // journal, history, audit records and follow-ups, and move the execution document on, last
  // so that it carries what the follow-ups changed (the mock invocation counts). A task that
  // runs inside the transaction needs the item consumed before it touches anything.
  mongo::WriteBatch batch;
  BsonPtr item_filter(BCON_NEW("_id", BCON_UTF8(consumed.id.c_str())));
  std::optional<std::size_t> consume;
  JournalEvent event = given;
  std::vector<tasks::DataTouched> touched;
  if (task) {
    std::int64_t deleted = 0;
    DbStatus st = mongo::DeleteOne(client.Collection(r.options.database, kWork),
                                   item_filter.get(), session->get(), &deleted);
    if (!st.ok()) return StepResult::kRetry;
    if (deleted == 0) return StepResult::kGone;  // consumed already, here or elsewhere
    std::optional<engine::Event> produced = (*task)(**session, &touched);
    if (!produced) return StepResult::kRetry;
    event = std::move(*produced);
  } else {
    consume = batch.Delete(r.options.database, kWork, item_filter.get(), false);
  }

  common::TimeMs now = std::max(r.clock.Now(), x.last_time);
  std::vector<engine::Action> actions = Apply(x, event, now);
  AfterCommit after;
  r.WriteStep(batch, x, event, actions, now, &after, touched);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(x.arn.c_str()), "v", BCON_INT64(x.v)));
  BsonPtr set = r.ExecutionUpdate(x, now);
  BsonPtr update(bson_new());
  BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
  std::size_t advance = batch.Update(r.options.database, kExecutions, filter.get(), update.get(),
                                     false);
  DbStatus st = batch.Execute(client, session->get());
  // Nothing to consume: the item went, here or elsewhere (the caller rebuilds the execution,
  // which this step moved on in memory).
  if (consume && batch.completed() > *consume && batch.n(*consume) == 0) return StepResult::kGone;
  if (st.ok() && batch.n(advance) == 0) return StepResult::kRetry;  // another step won: reload
  if (st.ok()) st = (*session)->Commit();
  if (!st.ok()) {
    if (!st.transient()) {
      common::Log(common::LogLevel::kWarning, "runtime", "step failed; retrying",
                  {{"execution", x.arn}, {"code", st.code()}, {"error", st.message()}});
    }
    return StepResult::kRetry;
  }
  ++x.v;
  r.Schedule(std::move(after));
  return StepResult::kCommitted;
}

bool Shard::IsInTransactionTask(const Loaded& x, const TaskWork& work) {
  // Executions started with a mock test case get every task from their mocks; a named
  // connection is another deployment, whose operation cannot join this transaction.
  return x.test_case.empty() && tasks::IsMongoDbResource(work.request.resource) &&
         !tasks::NamedConnection(&work.request.parameters);
}

bool Shard::Process(mongo::Client& client, WorkItem& item, std::optional<engine::Event> finished) {
  std::optional<engine::Event> task_outcome = std::move(finished);
  for (int attempt = 0; attempt < kMaxStepAttempts; ++attempt) {
    Loaded* x = Cached(item.execution);
    if (!x) {
      auto loaded = runner.Load(client, item.execution);
      if (!loaded.ok()) {
        common::Log(common::LogLevel::kError, "runtime", "cannot rebuild the execution",
                    {{"execution", item.execution}, {"error", loaded.status().ToString()}});
        return true;  // the item stays; its lease expires and it is tried again later
      }
      bool running = loaded->has_value() &&
                     (**loaded)->exec->status() == engine::ExecutionStatus::kRunning;
      if (!running) {
        // Work for an execution that is gone or has ended (an event that arrived after the
        // end, e.g. a child's result for a parent that was stopped): nothing will consume it.
        BsonPtr filter(BCON_NEW("_id", BCON_UTF8(item.id.c_str())));
        (void)mongo::DeleteOne(client.Collection(runner.options.database, kWork), filter.get(),
                               nullptr);
        return true;
      }
      Keep(std::move(**loaded));
      x = Cached(item.execution);
    }
    JournalEvent event{StartEvent{}};
    if (item.kind == "timer") {
      std::int64_t timer_id = 0;
      auto [end, ec] =
          std::from_chars(item.body.data(), item.body.data() + item.body.size(), timer_id);
      if (ec != std::errc() || end != item.body.data() + item.body.size()) {
        common::Log(common::LogLevel::kError, "runtime", "malformed timer work item; dropped",
                    {{"work", item.id}});
        return true;
      }
      event = engine::Event(engine::TimerFired{timer_id});
    } else if (item.kind == "event") {
      auto decoded = DecodeEvent(item.body);
      if (!decoded.ok()) return true;
      event = std::move(*decoded);
    } else if (item.kind == "task") {
      if (!task_outcome) {
        std::optional<TaskWork> work = ParseTaskWork(item);
        // An item written before work items carried the role runs as the execution's role.
        if (work && work->request.role_arn.empty()) work->request.role_arn = x->role_arn;
        if (!work) {
          task_outcome = engine::TaskFailed{0, "States.Runtime",
                                            "malformed task work item " + item.id};
        } else if (IsInTransactionTask(*x, *work)) {
          const TaskWork& task = *work;
          // Exactly once: the operation and the step that records its result commit together.
          InTransactionTask run =
              [&](mongo::Session& session,
                  std::vector<tasks::DataTouched>* touched) -> std::optional<engine::Event> {
            // Authorized before anything is touched: a denial is the task's failure.
            if (runner.options.authorizer) {
              tasks::TaskRequest request = task.request;
              request.role_arn = x->role_arn;
              if (auto denied = runner.options.authorizer->Authorize(request)) {
                return engine::TaskFailed{task.id, denied->error, denied->cause};
              }
            }
            auto r = tasks::RunMongoDbTask(client, &session, task.request.resource,
                                           task.request.parameters, x->arn);
            if (r.outcome.ok) *touched = std::move(r.touched);
            if (r.aborted_transaction) {
              // A refused operation is recorded as the task's failure, without the operation;
              // a write conflict is retried as a whole.
              if (!r.transient) {
                task_outcome = engine::TaskFailed{task.id, r.outcome.error, r.outcome.cause};
              }
              return std::nullopt;
            }
            // `.waitForTaskToken`: the operation commits; the result comes with the token.
            if (r.outcome.ok && engine::IsCallbackResource(task.request.resource)) {
              return engine::TaskStarted{task.id, ""};
            }
            if (r.outcome.ok) return engine::TaskSucceeded{task.id, std::move(r.outcome.result)};
            return engine::TaskFailed{task.id, r.outcome.error, r.outcome.cause};
          };
          StepResult result = Step(client, *x, event, item, &run);
          if (result == StepResult::kCommitted) {
            if (x->exec->status() != engine::ExecutionStatus::kRunning) Evict(item.execution);
            return true;
          }
          Evict(item.execution);
          if (result == StepResult::kGone) return true;
          continue;
        } else if (runner.IsBlocking(*x, *work)) {
          runner.HandOff({item, std::move(*work), x->sm_name, x->test_case});
          return false;
        } else {
          task_outcome = runner.RunTask(x->sm_name, x->test_case, *work);
        }
      }
      event = *task_outcome;
    } else if (item.kind == "child") {
      if (runner.StartChild(client, *x, item)) return true;
      continue;  // transient failure: try again
    } else if (item.kind != "start") {
      return true;
    }
    StepResult result = Step(client, *x, event, item);
    if (result == StepResult::kCommitted) {
      if (x->exec->status() != engine::ExecutionStatus::kRunning) Evict(item.execution);
      return true;
    }
    // The in-memory execution may have moved past what the store holds: rebuild it.
    Evict(item.execution);
    if (result == StepResult::kGone) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6)));
  }
  // Still conflicting: try again shortly rather than waiting for the lease to run out.
  WorkItem again = item;
  again.due = runner.clock.Now() + kRetryLaterMs;
  AfterCommit later;
  later.timers.push_back(std::move(again));
  runner.Schedule(std::move(later));
  return true;
}

void Shard::Run() {
  mongo::Client client = runner.pool.Acquire();
  while (true) {
    std::variant<WorkItem, std::unique_ptr<Loaded>, FinishedTask> job;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything in hand is done
      job = std::move(queue.front());
      queue.pop_front();
    }
    if (auto* adopt = std::get_if<std::unique_ptr<Loaded>>(&job)) {
      Keep(std::move(*adopt));
      continue;
    }
    if (auto* finished = std::get_if<FinishedTask>(&job)) {
      Process(client, finished->item, std::move(finished->event));
      runner.Done(finished->item.id);
      continue;
    }
    WorkItem& item = std::get<WorkItem>(job);
    if (Process(client, item)) runner.Done(item.id);
  }
}

}  // namespace tactus::runtime
