// Starting executions. Concurrent StartExecution calls are committed together: one starter
// thread takes every request waiting and commits their first steps in one transaction, so many
// executions share one commit (one fsync) — group commit at the level of executions. A batch
// that fails as a whole (a duplicate name among them, ...) is redone one execution at a time,
// which sorts out which request gets which answer.
#include <future>

#include "runtime/runner_internal.h"

namespace tactus::runtime {

using mongo::BsonPtr;
using mongo::DbStatus;

namespace {

RunnerError Internal(const std::string& what) { return {"InternalFailure", what}; }

}  // namespace

std::unique_ptr<Loaded> DurableRunner::Impl::NewLoaded(const PendingStart& p, common::TimeMs now,
                                                       const RandomKey& key) {
  auto x = std::make_unique<Loaded>();
  const NewExecution& r = p.request;
  x->arn = r.execution_arn;
  x->name = r.name;
  x->sm_arn = r.state_machine_arn;
  x->sm_name = r.state_machine_name;
  x->test_case = r.test_case;
  x->input_text = r.input;
  x->revision = r.revision;
  x->role_arn = r.role_arn;
  x->start_date = now;
  x->machine = p.machine;
  x->key = key;
  x->random = std::make_unique<KeyedRandom>(key);
  engine::ExecutionInfo info;
  info.execution_arn = x->arn;
  info.execution_name = x->name;
  info.state_machine_arn = x->sm_arn;
  info.state_machine_name = x->sm_name;
  info.role_arn = r.role_arn;
  info.start_time = now;
  info.input = p.input;
  x->exec =
      std::make_unique<engine::Execution>(x->machine, std::move(info), *x->random, kDurableOptions);
  x->may_have_follow_ups = false;
  return x;
}

RunnerResult<StartOutcome> DurableRunner::StartExecution(const NewExecution& request) {
  Impl& r = *impl_;
  auto pending = std::make_unique<PendingStart>();
  pending->request = request;
  {
    mongo::Client client = r.pool.Acquire();
    auto machine = r.Machine(client, request.state_machine_arn, request.revision);
    if (!machine.ok()) return Internal(machine.status().message());
    pending->machine = *machine;
  }
  auto input = common::ParseJson(request.input);
  if (!input.ok()) return RunnerError{"InvalidExecutionInput", input.status().message()};
  pending->input = std::move(*input);
  // The engine's work happens here, in parallel across callers; the starter thread only writes.
  pending->now = r.clock.Now();
  pending->x = r.NewLoaded(*pending, pending->now, NewRandomKey());
  pending->actions = Apply(*pending->x, StartEvent{}, pending->now);
  pending->history = r.HistoryDocs(*pending->x, &pending->audit);
  auto result = pending->done.get_future();
  {
    std::lock_guard lock(r.starts_mu);
    if (r.starts_stop) return RunnerError{"ServiceUnavailable", "the server is stopping"};
    r.starts.push_back(std::move(pending));
  }
  r.starts_cv.notify_one();
  return result.get();
}

void DurableRunner::Impl::StartLoop() {
  mongo::Client client = pool.Acquire();
  std::unique_lock lock(starts_mu);
  while (true) {
    starts_cv.wait(lock, [&] { return starts_stop || !starts.empty(); });
    if (starts.empty()) return;
    std::vector<std::unique_ptr<PendingStart>> batch;
    while (!starts.empty() && batch.size() < kMaxStartBatch) {
      batch.push_back(std::move(starts.front()));
      starts.pop_front();
    }
    lock.unlock();
    if (!StartBatch(client, batch)) {
      for (auto& p : batch) p->done.set_value(StartOne(client, *p));
    }
    lock.lock();
  }
}

// After a commit: executions still running go to their shards (before their work, so the
// shard finds them in memory), then the follow-up work is scheduled.
void DurableRunner::Impl::Adopt(std::unique_ptr<Loaded> x) {
  if (x->exec->status() != engine::ExecutionStatus::kRunning) return;
  Shard& shard = ShardFor(x->arn);
  {
    std::lock_guard lock(shard.mu);
    shard.queue.emplace_back(std::move(x));
  }
  shard.cv.notify_one();
}

bool DurableRunner::Impl::StartBatch(mongo::Client& client,
                                     std::vector<std::unique_ptr<PendingStart>>& batch_of_starts) {
  auto session = client.StartSession();
  if (!session.ok() || !(*session)->Begin().ok()) return false;
  // One batch (one round trip with bulkWrite): the history first, so that the transaction's
  // first statement writes and takes the store's write lock before reading anything. The start
  // itself has no journal entry: the execution document's startDate says when it happened
  // (docs/serve.md).
  mongo::WriteBatch batch;
  AfterCommit after;
  for (auto& p : batch_of_starts) {
    for (const auto& doc : p->history) batch.Insert(options.database, kHistory, doc.get());
  }
  for (auto& p : batch_of_starts) WriteFollowUps(batch, *p->x, p->actions, p->now, &after);
  std::vector<audit::Record> records;
  // After the follow-ups, which they reflect (the mock invocation counts); together, so that a
  // server without bulkWrite gets them in one insert.
  for (auto& p : batch_of_starts) {
    BsonPtr doc = ExecutionDoc(p->request, p->now, p->x->key, std::nullopt);
    BsonPtr state = ExecutionUpdate(*p->x, p->now);
    bson_concat(doc.get(), state.get());
    batch.Insert(options.database, kExecutions, doc.get());
    records.insert(records.end(), p->audit.begin(), p->audit.end());
  }
  if (audit_outbox && records.size() > 1) {
    // One record for the steps this transaction commits together (a start writes only its
    // transition record).
    common::TimeMs last = 0;
    for (const auto& r : records) last = std::max(last, r.time);
    records = {audit::Record::Transitions(last, options.owner, records)};
  }
  if (audit_outbox) audit_outbox->AddTo(batch, records);
  DbStatus st = batch.Execute(client, session->get());
  if (st.ok()) st = (*session)->Commit();
  if (!st.ok()) {
    (*session)->Abort();
    return false;  // redone one by one
  }
  for (auto& p : batch_of_starts) {
    p->x->v = 1;
    common::TimeMs start = p->now;
    Adopt(std::move(p->x));
    p->done.set_value(StartOutcome{start, false});
  }
  Schedule(std::move(after));
  return true;
}

RunnerResult<StartOutcome> DurableRunner::Impl::StartOne(mongo::Client& client, PendingStart& p) {
  auto* executions = Coll(client, kExecutions);
  const NewExecution& request = p.request;
  RandomKey key = NewRandomKey();
  for (int attempt = 0; attempt < kMaxStepAttempts; ++attempt) {
    common::TimeMs now = clock.Now();
    auto x = NewLoaded(p, now, key);
    auto session = client.StartSession();
    if (!session.ok()) return Internal(session.status().message());
    if (auto st = (*session)->Begin(); !st.ok()) return Internal(st.message());
    std::vector<engine::Action> actions = Apply(*x, StartEvent{}, now);
    AfterCommit after;
    // The journal entry is the first write; a second start of the same execution fails on it
    // or on the document.
    mongo::WriteBatch batch;
    WriteStep(batch, *x, StartEvent{}, actions, now, &after);
    BsonPtr doc = ExecutionDoc(request, now, key, std::nullopt);
    BsonPtr state = ExecutionUpdate(*x, now);
    bson_concat(doc.get(), state.get());
    batch.Insert(options.database, kExecutions, doc.get());
    DbStatus st = batch.Execute(client, session->get());
    if (st.duplicate_key()) {
      (*session)->Abort();
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(request.execution_arn.c_str())));
      auto existing = mongo::FindOne(executions, filter.get(), nullptr, nullptr);
      if (!existing.ok() || !existing->has_value()) continue;
      const bson_t* e = existing->value().get();
      // AWS: the same name and input while the execution runs is the same start.
      if (mongo::GetString(e, "status") == "RUNNING" &&
          mongo::GetString(e, "input") == request.input &&
          mongo::GetString(e, "sm") == request.state_machine_arn) {
        return StartOutcome{mongo::GetDateMs(e, "startDate"), true};
      }
      return RunnerError{"ExecutionAlreadyExists",
                         "Execution Already Exists: '" + request.execution_arn + "'"};
    }
    if (st.ok()) st = (*session)->Commit();
    if (!st.ok()) {
      if (st.transient()) continue;
      return Internal(st.message());
    }
    x->v = 1;
    Adopt(std::move(x));
    Schedule(std::move(after));
    return StartOutcome{now, false};
  }
  return RunnerError{"ServiceUnavailable", "too many conflicting writers; try again"};
}

}  // namespace tactus::runtime
