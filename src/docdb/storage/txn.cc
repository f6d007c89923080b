// Txn: the lifetime of one SQLite transaction, and the per-transaction index cache.
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {

using internal::Stmt;

Txn::Txn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Txn::~Txn() {
  Rollback();
  // A connection still inside a transaction (a failed ROLLBACK) must not be reused.
  if (sqlite3_get_autocommit(impl_->conn->db())) {
    impl_->store->Release(std::move(impl_->conn));
  }
}

TxnMode Txn::mode() const { return impl_->mode; }

DbResult<Done> Txn::Commit() {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  impl_->active = false;
  impl_->conn->ClearSnapshotCheck();
  impl_->ForgetIndexes();
  // Still holding the write lock: no write transaction may use the old version from here on.
  if (impl_->catalog_changed) impl_->store->committed_catalog_version = -1;
  DbResult<std::int64_t> flushed = impl_->FlushOplog();
  // A one-statement read (Store::BeginOptimisticRead) has no transaction to commit.
  const bool nothing_begun =
      impl_->mode == TxnMode::kRead && sqlite3_get_autocommit(impl_->conn->db());
  DbResult<Done> committed = !flushed.ok()   ? DbResult<Done>(flushed.error())
                             : nothing_begun ? DbResult<Done>(Done{})
                                             : impl_->conn->Run("COMMIT");
  if (!committed.ok() && !sqlite3_get_autocommit(impl_->conn->db())) {
    (void)impl_->conn->Exec("ROLLBACK");
  }
  // Published before the write lock goes, so the next writer finds them.
  if (committed.ok() && (!impl_->pending_records.empty() || impl_->pending_flushed_seq)) {
    std::lock_guard lock(impl_->store->retryable_mu);
    for (auto& [lsid, record] : impl_->pending_records) {
      impl_->store->retryable[lsid] = std::move(record);
    }
    if (impl_->pending_flushed_seq) {
      impl_->store->retryable_flushed_seq = *impl_->pending_flushed_seq;
    }
  }
  impl_->pending_records.clear();
  impl_->pending_flushed_seq.reset();
  impl_->ReleaseWriters();
  if (committed.ok() && impl_->wrote_oplog) impl_->store->NotifyOplog();
  impl_->wrote_oplog = false;
  return committed;
}

void Txn::Rollback() {
  if (!impl_->active) return;
  impl_->active = false;
  impl_->conn->ClearSnapshotCheck();
  impl_->ForgetIndexes();
  impl_->wrote_oplog = false;
  impl_->DropDeferredRow();
  impl_->pending_records.clear();
  impl_->pending_flushed_seq.reset();
  // SQLite may already have rolled back after an I/O error; ROLLBACK would then fail.
  if (!sqlite3_get_autocommit(impl_->conn->db())) (void)impl_->conn->Run("ROLLBACK");
  impl_->ReleaseWriters();
}

DbResult<Done> Txn::Impl::CheckActive() const {
  if (!active) return MakeError(kIllegalOperation, "the storage transaction has already ended");
  return Done{};
}

DbResult<Done> Txn::Impl::CheckWritable() const {
  TACTUS_STORAGE_TRY(CheckActive());
  if (mode == TxnMode::kRead) {
    return MakeError(kIllegalOperation, "cannot write in a read-only storage transaction");
  }
  return Done{};
}

}  // namespace tactus::docdb::storage
