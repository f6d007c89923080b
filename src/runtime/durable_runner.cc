// The durable runner's lifecycle, claims, timers and the calls that start or feed executions.
#include "runtime/durable_runner.h"

#include <chrono>
#include <cstdio>

#include "runtime/runner_internal.h"

namespace tactus::runtime {

using mongo::BsonPtr;
using mongo::DbStatus;

std::string SeqKey(const std::string& arn, std::int64_t n) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%010lld", static_cast<long long>(n));
  return arn + "#" + digits;
}

DurableRunner::DurableRunner(mongo::Pool& pool, DispatcherFor dispatchers,
                             const common::Clock& clock, DurableOptions options)
    : options_(options) {
  if (options_.owner.empty()) options_.owner = "tactus-" + NewToken(8);
  if (options_.shards < 1) options_.shards = 1;
  impl_ = std::make_unique<Impl>(pool, std::move(dispatchers), clock, options_);
  if (!options_.audit_database.empty()) impl_->audit_outbox.emplace(options_.audit_database);
}

DurableRunner::~DurableRunner() { Shutdown(); }

common::Status DurableRunner::Open() {
  if (auto st = impl_->EnsureSchema(); !st.ok()) return st;
  if (impl_->audit_outbox) {
    if (auto st = audit::EnsureSchema(impl_->pool, options_.audit_database); !st.ok()) return st;
  }
  for (int i = 0; i < options_.shards; ++i) {
    impl_->shards.push_back(std::make_unique<Shard>(*impl_));
  }
  for (auto& shard : impl_->shards) {
    shard->thread = std::thread([s = shard.get()] { s->Run(); });
  }
  for (int i = 0; i < std::max(1, options_.task_threads); ++i) {
    impl_->task_threads.emplace_back([this] { impl_->TaskLoop(); });
  }
  impl_->poller = std::thread([this] { impl_->PollLoop(); });
  impl_->starter = std::thread([this] { impl_->StartLoop(); });
  return common::Status::Ok();
}

void DurableRunner::Shutdown() {
  Impl& r = *impl_;
  {
    std::lock_guard lock(r.mu);
    if (r.stopping) return;
    r.stopping = true;
  }
  r.poller_cv.notify_all();
  if (r.poller.joinable()) r.poller.join();
  {
    std::lock_guard lock(r.starts_mu);
    r.starts_stop = true;
  }
  r.starts_cv.notify_all();
  if (r.starter.joinable()) r.starter.join();  // answers every start already queued
  // Tasks in flight finish and queue their results on the shards, which are still running;
  // tasks not begun are left to their leases (released below).
  {
    std::lock_guard lock(r.tasks_mu);
    r.tasks_stop = true;
  }
  r.tasks_cv.notify_all();
  for (auto& t : r.task_threads) t.join();
  r.task_threads.clear();
  for (auto& shard : r.shards) {
    {
      std::lock_guard lock(shard->mu);
      shard->stop = true;
    }
    shard->cv.notify_all();
  }
  for (auto& shard : r.shards) {
    if (shard->thread.joinable()) shard->thread.join();
  }
  if (r.shards.empty()) return;
  // Hand this process's claims back so another process takes them over at once.
  mongo::Client client = r.pool.Acquire();
  BsonPtr filter(BCON_NEW("owner", BCON_UTF8(options_.owner.c_str())));
  BsonPtr update(BCON_NEW("$set", "{", "lease", BCON_DATE_TIME(0), "}"));
  (void)mongo::UpdateMany(client.Collection(options_.database, kWork), filter.get(), update.get(),
                          nullptr);
}

common::Status DurableRunner::Impl::EnsureSchema() {
  mongo::Client client = pool.Acquire();
  auto* meta = client.Collection(options.database, kMeta);
  BsonPtr id(BCON_NEW("_id", BCON_UTF8("schema")));
  auto found = mongo::FindOne(meta, id.get(), nullptr, nullptr);
  if (!found.ok()) return found.status();
  if (found->has_value()) {
    std::int64_t version = mongo::GetInt(found->value().get(), "version", -1);
    if (version != kSchemaVersion) {
      return common::Status::FailedPrecondition(
          "database '" + options.database + "' holds Tactus schema version " +
          std::to_string(version) + "; this build reads version " +
          std::to_string(kSchemaVersion) + " (docs/serve.md)");
    }
  } else {
    BsonPtr doc(BCON_NEW("_id", BCON_UTF8("schema"), "version", BCON_INT64(kSchemaVersion)));
    DbStatus st = mongo::InsertOne(meta, doc.get(), nullptr);
    if (!st.ok() && !st.duplicate_key()) return st.ToStatus();
  }
  struct Index {
    const char* coll;
    BsonPtr keys;
    const char* name;
  };
  Index indexes[] = {
      {kWork, BsonPtr(BCON_NEW("due", BCON_INT32(1))), "due_1"},
      {kWork, BsonPtr(BCON_NEW("e", BCON_INT32(1))), "e_1"},
      {kActivityTasks,
       BsonPtr(BCON_NEW("activity", BCON_INT32(1), "claimed", BCON_INT32(1), "created",
                        BCON_INT32(1))),
       "activity_1_claimed_1_created_1"},
      {kExecutions, BsonPtr(BCON_NEW("sm", BCON_INT32(1), "startDate", BCON_INT32(-1))),
       "sm_1_startDate_-1"},
      {kTokens, BsonPtr(BCON_NEW("e", BCON_INT32(1))), "e_1"},
  };
  for (auto& index : indexes) {
    DbStatus st = mongo::CreateIndex(client.Collection(options.database, index.coll),
                                     index.keys.get(), index.name, false);
    if (!st.ok()) return st.ToStatus();
  }
  return common::Status::Ok();
}

bool DurableRunner::Impl::IsBlocking(const Loaded& x, const TaskWork& work) {
  return dispatchers(x.sm_name, x.test_case).Blocking(work.request.resource);
}

void DurableRunner::Impl::HandOff(BlockingTask task) {
  {
    std::lock_guard lock(tasks_mu);
    blocking.push_back(std::move(task));
  }
  tasks_cv.notify_one();
}

void DurableRunner::Impl::TaskLoop() {
  while (true) {
    BlockingTask task;
    {
      std::unique_lock lock(tasks_mu);
      tasks_cv.wait(lock, [&] { return tasks_stop || !blocking.empty(); });
      if (tasks_stop) {
        // Tasks not begun stay in the store; this process's leases on them are released.
        for (auto& left : blocking) Done(left.item.id);
        blocking.clear();
        return;
      }
      task = std::move(blocking.front());
      blocking.pop_front();
    }
    // The claim must outlast the call: the task's own timeout plus a lease, so that no other
    // process performs it again meanwhile. Lost claim = performed elsewhere: drop it.
    const std::int64_t timeout_s =
        task.work.request.timeout_seconds.value_or(kBlockingTaskDefaultSeconds);
    {
      mongo::Client client = pool.Acquire();
      common::TimeMs until = clock.Now() + timeout_s * 1000 + options.lease_ms;
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(task.item.id.c_str()), "owner",
                              BCON_UTF8(options.owner.c_str())));
      BsonPtr update(BCON_NEW("$set", "{", "lease", BCON_DATE_TIME(until), "}"));
      std::int64_t matched = 0;
      DbStatus st = mongo::UpdateOne(client.Collection(options.database, kWork), filter.get(),
                                     update.get(), nullptr, &matched);
      if (!st.ok() || matched == 0) {
        Done(task.item.id);
        continue;
      }
    }
    engine::Event event = RunTask(task.sm_name, task.test_case, task.work);
    Shard& shard = ShardFor(task.item.execution);
    {
      std::lock_guard lock(shard.mu);
      shard.queue.emplace_back(FinishedTask{std::move(task.item), std::move(event)});
    }
    shard.cv.notify_one();
  }
}

Shard& DurableRunner::Impl::ShardFor(const std::string& execution_arn) {
  return *shards[std::hash<std::string>{}(execution_arn) % shards.size()];
}

bool DurableRunner::Impl::Enqueue(WorkItem item) {
  {
    std::lock_guard lock(mu);
    // Stopping: nothing new is taken on (an execution that loops would otherwise keep its
    // shard busy forever); the item stays in the store and its lease is released at the end.
    if (stopping) return false;
    if (!queued.insert(item.id).second) return false;
  }
  Shard& shard = ShardFor(item.execution);
  {
    std::lock_guard lock(shard.mu);
    shard.queue.emplace_back(std::move(item));
  }
  shard.cv.notify_one();
  return true;
}

void DurableRunner::Impl::Done(const std::string& work_id) {
  std::lock_guard lock(mu);
  queued.erase(work_id);
}

void DurableRunner::Impl::Schedule(AfterCommit after) {
  for (auto& item : after.local) Enqueue(std::move(item));
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu);
    for (auto& item : after.timers) {
      common::TimeMs due = item.due;
      timers.emplace(due, std::move(item));
    }
    for (const auto& activity : after.activities) {
      auto [lo, hi] = activity_waiters.equal_range(activity);
      for (auto it = lo; it != hi; ++it) wake.push_back(std::move(it->second));
      activity_waiters.erase(lo, hi);
    }
  }
  if (!after.timers.empty()) poller_cv.notify_all();
  for (auto& w : wake) w();
}

void DurableRunner::Impl::PollLoop() {
  mongo::Client client = pool.Acquire();
  common::TimeMs next_poll = 0;
  std::unique_lock lock(mu);
  while (!stopping) {
    common::TimeMs now = clock.Now();
    std::vector<WorkItem> due;
    while (!timers.empty() && timers.begin()->first <= now) {
      due.push_back(std::move(timers.begin()->second));
      timers.erase(timers.begin());
    }
    if (!due.empty()) {
      lock.unlock();
      for (auto& item : due) Enqueue(std::move(item));
      lock.lock();
      continue;
    }
    if (now >= next_poll) {
      lock.unlock();
      int claimed = ClaimDue(client);
      lock.lock();
      // A full batch suggests more is waiting: poll again at once.
      next_poll = claimed >= 64 ? now : now + options.poll_ms;
      continue;
    }
    common::TimeMs wake = next_poll;
    if (!timers.empty()) wake = std::min(wake, timers.begin()->first);
    poller_cv.wait_for(lock, std::chrono::milliseconds(std::max<common::TimeMs>(1, wake - now)));
  }
}

int DurableRunner::Impl::ClaimDue(mongo::Client& client) {
  auto* work = client.Collection(options.database, kWork);
  common::TimeMs now = clock.Now();
  BsonPtr filter(BCON_NEW("due", "{", "$lte", BCON_DATE_TIME(now), "}", "lease", "{", "$lte",
                          BCON_DATE_TIME(now), "}"));
  BsonPtr opts(BCON_NEW("sort", "{", "due", BCON_INT32(1), "}", "limit", BCON_INT64(64)));
  std::vector<std::pair<WorkItem, common::TimeMs>> candidates;
  DbStatus st = mongo::Find(work, filter.get(), opts.get(), nullptr, [&](const bson_t* doc) {
    WorkItem item{mongo::GetString(doc, "_id"), mongo::GetString(doc, "e"),
                  mongo::GetString(doc, "k"), mongo::GetDateMs(doc, "due"),
                  mongo::GetString(doc, "body")};
    candidates.emplace_back(std::move(item), mongo::GetDateMs(doc, "lease"));
    return true;
  });
  if (!st.ok()) return 0;
  int claimed = 0;
  for (auto& [item, lease] : candidates) {
    {
      std::lock_guard lock(mu);
      if (queued.count(item.id)) continue;
    }
    BsonPtr cond(BCON_NEW("_id", BCON_UTF8(item.id.c_str()), "lease", BCON_DATE_TIME(lease)));
    BsonPtr set(BCON_NEW("$set", "{", "owner", BCON_UTF8(options.owner.c_str()), "lease",
                         BCON_DATE_TIME(now + options.lease_ms), "}"));
    std::int64_t matched = 0;
    if (!mongo::UpdateOne(work, cond.get(), set.get(), nullptr, &matched).ok() || !matched) {
      continue;
    }
    if (Enqueue(std::move(item))) ++claimed;
  }
  return claimed;
}

BsonPtr DurableRunner::Impl::WorkDoc(const WorkItem& item, common::TimeMs now, bool mine) {
  common::TimeMs lease = mine ? std::max(item.due, now) + options.lease_ms : 0;
  return BsonPtr(BCON_NEW("_id", BCON_UTF8(item.id.c_str()), "e",
                          BCON_UTF8(item.execution.c_str()), "k", BCON_UTF8(item.kind.c_str()),
                          "due", BCON_DATE_TIME(item.due), "owner",
                          BCON_UTF8(mine ? options.owner.c_str() : ""), "lease",
                          BCON_DATE_TIME(lease), "body", BCON_UTF8(item.body.c_str())));
}

}  // namespace tactus::runtime
