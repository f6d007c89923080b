// Group commit: concurrent writers share one SQLite transaction and one fsync (docs/docdb.md,
// "Transactions and isolation"). The first caller to find no leader leads: it takes every queued
// body, runs each in a SAVEPOINT of one write transaction, commits, and wakes the others.
#include <sqlite3.h>

#include <exception>
#include <vector>

#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

// Bounds how long one batch holds the write lock when many writers queue.
constexpr std::size_t kMaxGroupSize = 64;

using Pending = Store::Impl::PendingWrite;

}  // namespace

DbResult<Done> Store::GroupWrite(const WriteBody& body) {
  Pending me;
  me.body = &body;
  std::unique_lock lock(impl_->group_mu);
  impl_->group_queue.push_back(&me);
  while (!me.result) {
    if (impl_->group_leader) {
      impl_->group_cv.wait(lock);
      continue;
    }
    impl_->group_leader = true;
    std::vector<Pending*> batch;
    while (!impl_->group_queue.empty() && batch.size() < kMaxGroupSize) {
      batch.push_back(impl_->group_queue.front());
      impl_->group_queue.pop_front();
    }
    lock.unlock();

    // Results are published under the lock: waiters read them only while holding it.
    std::vector<std::optional<DbResult<Done>>> results(batch.size());
    auto txn = Begin(TxnMode::kWrite);
    if (!txn.ok()) {
      for (auto& r : results) r = txn.error();
    } else {
      Txn::Impl& t = *txn.value()->impl_;
      // A body alone in its batch needs no savepoint (whose journal copies every page it
      // changes): when it fails, the whole transaction rolls back instead.
      const bool alone = batch.size() == 1;
      bool rolled_back = false;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        // SQLite may have rolled the whole transaction back under a body (a full disk, an I/O
        // error): then no later savepoint may silently open and commit a new one.
        if (sqlite3_get_autocommit(t.conn->db())) {
          for (std::size_t j = i; j < batch.size(); ++j) {
            results[j] = MakeError(kInternalError,
                                   "the write transaction was rolled back by "
                                   "SQLite after a storage error; retry");
          }
          break;
        }
        DbResult<Done> savepoint = alone ? Done{} : t.conn->Run("SAVEPOINT group_write");
        if (!savepoint.ok()) {
          results[i] = savepoint.error();
          continue;
        }
        const std::size_t records_before = t.pending_records.size();
        const std::optional<std::int64_t> flushed_before = t.pending_flushed_seq;
        DbResult<Done> r = MakeError(kInternalError, "");
        try {
          r = (*batch[i]->body)(*txn.value());
        } catch (const std::exception& e) {
          // A body that throws is a bug there; the other writers and the leader role must
          // not be lost with it.
          r = MakeError(kInternalError, std::string("a write failed: ") + e.what());
        }
        // The body's last oplog row goes in before its savepoint ends (alone: before COMMIT).
        if (r.ok() && !alone) {
          DbResult<std::int64_t> flushed = t.FlushOplog();
          if (!flushed.ok()) r = flushed.error();
        }
        if (!r.ok()) t.DropDeferredRow();
        if (alone) {
          if (!r.ok()) {
            txn.value()->Rollback();
            rolled_back = true;
          }
        } else {
          if (!r.ok()) {
            (void)t.conn->Run("ROLLBACK TO group_write");
            t.ForgetIndexes();  // the body's DDL, if any, is gone again
            // and its retryable-write records
            t.pending_records.resize(records_before);
            t.pending_flushed_seq = flushed_before;
          }
          if (!sqlite3_get_autocommit(t.conn->db())) (void)t.conn->Run("RELEASE group_write");
        }
        results[i] = std::move(r);
      }
      DbResult<Done> committed = rolled_back ? Done{} : txn.value()->Commit();
      if (!committed.ok()) {
        for (auto& r : results) {
          if (r->ok()) r = committed.error();
        }
      }
    }

    lock.lock();
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    impl_->group_leader = false;
    impl_->group_cv.notify_all();
  }
  return std::move(*me.result);
}

}  // namespace tactus::docdb::storage
