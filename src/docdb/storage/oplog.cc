// The oplog table (oplog.h): recording entries inside the writing transaction, reading them for
// change streams, trimming, and waking waiters after commits.
#include "docdb/storage/oplog.h"

#include <algorithm>
#include <chrono>

#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::MetaValue;
using internal::PutMeta;
using internal::Stmt;

constexpr const char* kOpNames[] = {"insert", "update", "replace",     "delete",
                                    "drop",   "rename", "dropDatabase"};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

BsonPtr BlobToBson(std::string_view bytes) {
  if (bytes.empty()) return NewBson();
  return BsonPtr(
      bson_new_from_data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

DbResult<OplogBounds> BoundsOf(internal::Connection* conn) {
  OplogBounds b;
  {
    // Trimming always keeps the newest entry, so the largest seq is the last one written.
    DbResult<Stmt> stmt = conn->Prepare("SELECT max(seq) FROM oplog");
    if (!stmt.ok()) return stmt.error();
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (row.value() && !stmt.value().ColumnIsNull(0)) b.last_seq = stmt.value().ColumnInt(0);
  }
  DbResult<std::string> seq = MetaValue(conn, "oplog_trimmed_seq");
  if (!seq.ok()) return seq.error();
  DbResult<std::string> ts = MetaValue(conn, "oplog_trimmed_ts");
  if (!ts.ok()) return ts.error();
  if (!seq.value().empty()) b.trimmed_seq = std::stoll(seq.value());
  if (!ts.value().empty()) b.trimmed_ts = std::stoull(ts.value());
  return b;
}

}  // namespace

namespace internal {

DbResult<std::string> MetaValue(Connection* conn, const char* key) {
  DbResult<Stmt> stmt = conn->Prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindText(1, key);
  DbResult<bool> row = stmt.value().Step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::string();
  return std::string(stmt.value().ColumnText(0));
}

DbResult<Done> PutMeta(Connection* conn, const char* key, const std::string& value) {
  DbResult<Stmt> stmt = conn->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindText(1, key);
  stmt.value().BindText(2, value);
  return stmt.value().Run();
}

}  // namespace internal

const char* OplogOpName(OplogOp op) { return kOpNames[static_cast<int>(op)]; }

bool ParseOplogOp(std::string_view name, OplogOp* out) {
  for (int i = 0; i < static_cast<int>(std::size(kOpNames)); ++i) {
    if (name == kOpNames[i]) {
      *out = static_cast<OplogOp>(i);
      return true;
    }
  }
  return false;
}

namespace {

// Inserts one oplog row; `retry`: its retryable-write record (BSON), or empty for none.
DbResult<std::int64_t> InsertOplogRow(internal::Connection* conn, const Txn::Impl::DeferredRow& row,
                                      std::string_view retry) {
  DbResult<Stmt> insert = conn->Prepare(
      "INSERT INTO oplog (ts, wall_ms, db, coll, op, entry, retry) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.error();
  insert.value().BindInt(1, static_cast<std::int64_t>(row.ts));
  insert.value().BindInt(2, row.wall_ms);
  insert.value().BindText(3, row.db);
  insert.value().BindText(4, row.coll);
  insert.value().BindText(5, row.op);
  insert.value().BindBlob(6, BsonBytes(row.entry.get()));
  if (!retry.empty()) insert.value().BindBlob(7, retry);
  TACTUS_STORAGE_TRY(insert.value().Run());
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(conn->db()));
}

}  // namespace

DbResult<Done> Txn::Impl::AppendOplogRow(const char* op, const std::string& db,
                                         const std::string& coll, BsonPtr body, bool notify,
                                         bool defer) {
  DbResult<std::int64_t> flushed = FlushOplog();
  if (!flushed.ok()) return flushed.error();
  // The cluster time follows the newest entry issued, so it increases with seq even when the
  // wall clock steps back: entries are appended under the write lock, by this process only.
  DeferredRow row;
  row.wall_ms = NowMs();
  const std::uint64_t now_ts = (static_cast<std::uint64_t>(row.wall_ms / 1000) << 32) | 1;
  std::uint64_t last_ts = store->last_issued_oplog_ts.load();
  do {
    row.ts = std::max(now_ts, last_ts + 1);
  } while (!store->last_issued_oplog_ts.compare_exchange_weak(last_ts, row.ts));
  row.db = db;
  row.coll = coll;
  row.op = op;
  row.entry = body ? std::move(body) : NewBson();
  // A rolled-back savepoint may take this entry back; its ts stays used (ts only increases).
  if (notify) wrote_oplog = true;
  if (defer) {
    deferred_row = std::move(row);
    return Done{};
  }
  DbResult<std::int64_t> seq = InsertOplogRow(conn.get(), row, {});
  if (!seq.ok()) return seq.error();
  return Done{};
}

DbResult<std::int64_t> Txn::Impl::FlushOplog(std::string_view retry) {
  if (!deferred_row) return std::int64_t{0};
  DbResult<std::int64_t> seq = InsertOplogRow(conn.get(), *deferred_row, retry);
  // Inserted, or failed with the statement (whose body or transaction then fails): not again.
  deferred_row.reset();
  return seq;
}

DbResult<Done> Txn::Impl::RecordChange(OplogOp op, const std::string& db, const std::string& coll,
                                       const bson_t* body) {
  return AppendOplogRow(OplogOpName(op), db, coll, body ? CopyBson(body) : nullptr, true, false);
}

DbResult<Done> Txn::Impl::RecordDocumentChange(OplogOp op, const CollectionInfo& coll,
                                               const bson_t* doc, const bson_t* full_document,
                                               const bson_t* updated_from) {
  // Room for a documentKey and an updateDescription without growing (a full document grows it).
  BsonPtr body(bson_sized_new(512));
  bson_iter_t id;
  if (bson_iter_init_find(&id, doc, "_id")) {
    bson_t key;
    BSON_APPEND_DOCUMENT_BEGIN(body.get(), "documentKey", &key);
    bson_append_iter(&key, "_id", 3, &id);
    bson_append_document_end(body.get(), &key);
  }
  if (full_document) BSON_APPEND_DOCUMENT(body.get(), "fullDocument", full_document);
  if (updated_from) AppendUpdateDescription(body.get(), "updateDescription", updated_from, doc);
  return AppendOplogRow(OplogOpName(op), coll.db, coll.name, std::move(body), true, true);
}

DbResult<OplogBounds> Txn::ReadOplogBounds() {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  TACTUS_STORAGE_TRY(impl_->FlushOplog());  // this transaction's own rows too
  return BoundsOf(impl_->conn.get());
}

DbResult<std::vector<OplogEntry>> Txn::ReadOplog(std::int64_t after_seq, std::size_t limit) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  TACTUS_STORAGE_TRY(impl_->FlushOplog());  // this transaction's own rows too
  DbResult<Stmt> stmt = impl_->conn->Prepare(
      "SELECT seq, ts, wall_ms, db, coll, op, entry FROM oplog "
      "WHERE seq > ?1 AND op <> 'retryableWrite' ORDER BY seq LIMIT ?2");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, after_seq);
  stmt.value().BindInt(2, static_cast<std::int64_t>(limit));
  std::vector<OplogEntry> out;
  while (true) {
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    const Stmt& s = stmt.value();
    OplogEntry e;
    e.seq = s.ColumnInt(0);
    e.ts = static_cast<std::uint64_t>(s.ColumnInt(1));
    e.wall_ms = s.ColumnInt(2);
    e.db = std::string(s.ColumnText(3));
    e.coll = std::string(s.ColumnText(4));
    if (!ParseOplogOp(s.ColumnText(5), &e.op)) {
      return MakeError(kInternalError, "oplog entry " + std::to_string(e.seq) +
                                           " has an unknown operation '" +
                                           std::string(s.ColumnText(5)) + "'");
    }
    e.body = BlobToBson(s.ColumnBlob(6));
    if (!e.body) {
      return MakeError(kInternalError, "oplog entry " + std::to_string(e.seq) + " is corrupt");
    }
    out.push_back(std::move(e));
  }
  return out;
}

DbResult<std::int64_t> Txn::OplogSeqBefore(std::uint64_t ts) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  TACTUS_STORAGE_TRY(impl_->FlushOplog());  // this transaction's own rows too
  // ts increases with seq: the scan from the oldest entry stops at the first match.
  DbResult<Stmt> stmt =
      impl_->conn->Prepare("SELECT seq FROM oplog WHERE ts >= ?1 ORDER BY seq LIMIT 1");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, static_cast<std::int64_t>(ts));
  DbResult<bool> row = stmt.value().Step();
  if (!row.ok()) return row.error();
  if (row.value()) return stmt.value().ColumnInt(0) - 1;
  DbResult<OplogBounds> bounds = BoundsOf(impl_->conn.get());
  if (!bounds.ok()) return bounds.error();
  return bounds.value().last_seq;
}

DbResult<std::int64_t> Store::TrimOplog(const OplogRetention& retention, std::int64_t now_ms,
                                        std::int64_t batch) {
  std::int64_t total = 0;
  while (true) {
    std::int64_t removed = 0;
    DbResult<Done> done = GroupWrite([&](Txn& txn) -> DbResult<Done> {
      internal::Connection* conn = txn.impl_->conn.get();
      removed = 0;
      // Retryable-write records outlive their oplog entries in the retryable_writes table.
      TACTUS_STORAGE_TRY(txn.impl_->FlushRetryableWrites());
      std::int64_t first = 0, last = 0;
      {
        DbResult<Stmt> stmt = conn->Prepare("SELECT min(seq), max(seq) FROM oplog");
        if (!stmt.ok()) return stmt.error();
        TACTUS_STORAGE_TRY(stmt.value().Step());
        if (stmt.value().ColumnIsNull(0)) return Done{};
        first = stmt.value().ColumnInt(0);
        last = stmt.value().ColumnInt(1);
      }
      // Remove seq <= cut; the newest entry always stays.
      std::int64_t cut = last - std::max<std::int64_t>(retention.max_entries, 1);
      {
        DbResult<Stmt> young =
            conn->Prepare("SELECT seq FROM oplog WHERE wall_ms >= ?1 ORDER BY seq LIMIT 1");
        if (!young.ok()) return young.error();
        young.value().BindInt(1, now_ms - retention.max_age_ms);
        DbResult<bool> row = young.value().Step();
        if (!row.ok()) return row.error();
        cut = std::max(cut, row.value() ? young.value().ColumnInt(0) - 1 : last - 1);
      }
      cut = std::min({cut, last - 1, first + batch - 1});
      if (cut < first) return Done{};
      std::uint64_t cut_ts = 0;
      {
        DbResult<Stmt> stmt = conn->Prepare("SELECT ts FROM oplog WHERE seq = ?1");
        if (!stmt.ok()) return stmt.error();
        stmt.value().BindInt(1, cut);
        DbResult<bool> row = stmt.value().Step();
        if (!row.ok()) return row.error();
        if (row.value()) cut_ts = static_cast<std::uint64_t>(stmt.value().ColumnInt(0));
      }
      DbResult<Stmt> del = conn->Prepare("DELETE FROM oplog WHERE seq <= ?1");
      if (!del.ok()) return del.error();
      del.value().BindInt(1, cut);
      TACTUS_STORAGE_TRY(del.value().Run());
      removed = sqlite3_changes(conn->db());
      TACTUS_STORAGE_TRY(PutMeta(conn, "oplog_trimmed_seq", std::to_string(cut)));
      return PutMeta(conn, "oplog_trimmed_ts", std::to_string(cut_ts));
    });
    if (!done.ok()) return done.error();
    total += removed;
    if (removed < batch) return total;
  }
}

void Store::Impl::NotifyOplog() {
  std::vector<std::function<void()>> listeners;
  {
    std::lock_guard lock(oplog_mu);
    ++oplog_version;
    listeners = oplog_listeners;
  }
  oplog_cv.notify_all();
  for (const auto& listener : listeners) listener();
}

std::uint64_t Store::OplogVersion() const {
  std::lock_guard lock(impl_->oplog_mu);
  return impl_->oplog_version;
}

std::uint64_t Store::WaitForOplog(std::uint64_t seen, std::int64_t deadline_ms) const {
  std::unique_lock lock(impl_->oplog_mu);
  auto deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms));
  impl_->oplog_cv.wait_until(lock, deadline, [&] { return impl_->oplog_version != seen; });
  return impl_->oplog_version;
}

void Store::AddOplogListener(std::function<void()> listener) {
  std::lock_guard lock(impl_->oplog_mu);
  impl_->oplog_listeners.push_back(std::move(listener));
}

}  // namespace tactus::docdb::storage
