// The record of each session's last retryable write (docs/docdb.md, "Retryable writes").
//
// A record is written in the write's own transaction, in the `retry` column of the oplog row of
// the write's last change (or, for a write that changed nothing, of a row of its own, op
// "retryableWrite"): that row is written anyway, where a row of the retryable_writes table was
// one page more per write. The store keeps every committed record in memory (by
// lsid), so finding one reads nothing. TrimOplog copies the records into the retryable_writes
// table before their entries may go, and notes up to which seq it did in meta
// (retryable_flushed_seq); opening a store reads the table, then the entries after that seq.
#include "docdb/storage/oplog.h"
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {

using internal::Stmt;

namespace {

constexpr const char* kFlushedSeqKey = "retryable_flushed_seq";

BsonPtr ReplyOf(const std::string& bytes) {
  return BsonFromBytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

DbResult<BsonPtr> Txn::FindRetryableWrite(std::string_view lsid, std::int64_t txn_number) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  const std::string* reply = nullptr;
  for (auto it = impl_->pending_records.rbegin(); it != impl_->pending_records.rend(); ++it) {
    if (it->first == lsid) {
      if (it->second.txn_number == txn_number) reply = &it->second.reply;
      break;
    }
  }
  std::string committed;
  if (reply == nullptr) {
    std::lock_guard lock(impl_->store->retryable_mu);
    auto it = impl_->store->retryable.find(std::string(lsid));
    if (it == impl_->store->retryable.end() || it->second.txn_number != txn_number) {
      return BsonPtr();
    }
    committed = it->second.reply;
    reply = &committed;
  }
  BsonPtr out = ReplyOf(*reply);
  if (!out) return MakeError(kInternalError, "a recorded retryable-write reply is corrupt");
  return out;
}

DbResult<Done> Txn::RecordRetryableWrite(std::string_view lsid, std::int64_t txn_number,
                                         const bson_t* reply) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  BsonPtr body = NewBson();
  BSON_APPEND_BINARY(body.get(), "lsid", BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const std::uint8_t*>(lsid.data()),
                     static_cast<std::uint32_t>(lsid.size()));
  BSON_APPEND_INT64(body.get(), "txnNumber", txn_number);
  BSON_APPEND_DOCUMENT(body.get(), "reply", reply);
  const std::string_view record_bytes(reinterpret_cast<const char*>(bson_get_data(body.get())),
                                      body->len);
  // In the row of the write's last change when it made one, else in a row of its own.
  if (!impl_->deferred_row) {
    TACTUS_STORAGE_TRY(impl_->AppendOplogRow(kRetryableWriteOp, std::string(), std::string(),
                                             nullptr, false, true));
  }
  DbResult<std::int64_t> seq = impl_->FlushOplog(record_bytes);
  if (!seq.ok()) return seq.error();
  Store::Impl::RetryableRecord record;
  record.txn_number = txn_number;
  record.seq = seq.value();
  record.reply.assign(reinterpret_cast<const char*>(bson_get_data(reply)), reply->len);
  impl_->pending_records.emplace_back(std::string(lsid), std::move(record));
  return Done{};
}

DbResult<Done> Txn::Impl::FlushRetryableWrites() {
  TACTUS_STORAGE_TRY(CheckWritable());
  // Holding the write lock: every committed record is in the store's map, and none commits
  // meanwhile, so after this the table holds every record of an entry up to `through`.
  std::int64_t through = 0;
  {
    DbResult<Stmt> last = conn->Prepare("SELECT coalesce(max(seq), 0) FROM oplog");
    if (!last.ok()) return last.error();
    TACTUS_STORAGE_TRY(last.value().Step());
    through = last.value().ColumnInt(0);
  }
  std::vector<std::pair<std::string, Store::Impl::RetryableRecord>> fresh;
  std::int64_t flushed = 0;
  {
    std::lock_guard lock(store->retryable_mu);
    flushed = store->retryable_flushed_seq;
    for (const auto& [lsid, record] : store->retryable) {
      if (record.seq > flushed) fresh.emplace_back(lsid, record);
    }
  }
  if (through <= flushed) return Done{};
  // And this transaction's own, of the group-commit bodies before this one (later, they
  // replace the committed record of their session).
  for (const auto& pending : pending_records) fresh.push_back(pending);
  for (const auto& [lsid, record] : fresh) {
    DbResult<Stmt> put = conn->Prepare(
        "INSERT OR REPLACE INTO retryable_writes (lsid, txn_number, reply) VALUES (?1, ?2, ?3)");
    if (!put.ok()) return put.error();
    put.value().BindBlob(1, lsid);
    put.value().BindInt(2, record.txn_number);
    put.value().BindBlob(3, record.reply);
    TACTUS_STORAGE_TRY(put.value().Run());
  }
  TACTUS_STORAGE_TRY(internal::PutMeta(conn.get(), kFlushedSeqKey, std::to_string(through)));
  pending_flushed_seq = through;
  return Done{};
}

DbResult<Done> Store::Impl::LoadRetryableWrites(internal::Connection* conn) {
  std::lock_guard lock(retryable_mu);
  retryable.clear();
  {
    DbResult<Stmt> rows = conn->Prepare("SELECT lsid, txn_number, reply FROM retryable_writes");
    if (!rows.ok()) return rows.error();
    while (true) {
      DbResult<bool> row = rows.value().Step();
      if (!row.ok()) return row.error();
      if (!row.value()) break;
      RetryableRecord& record = retryable[std::string(rows.value().ColumnBlob(0))];
      record.txn_number = rows.value().ColumnInt(1);
      record.seq = 0;
      record.reply = std::string(rows.value().ColumnBlob(2));
    }
  }
  DbResult<std::string> flushed = internal::MetaValue(conn, kFlushedSeqKey);
  if (!flushed.ok()) return flushed.error();
  retryable_flushed_seq = flushed.value().empty() ? 0 : std::stoll(flushed.value());
  DbResult<Stmt> entries = conn->Prepare(
      "SELECT seq, retry FROM oplog WHERE seq > ?1 AND retry IS NOT NULL ORDER BY seq");
  if (!entries.ok()) return entries.error();
  entries.value().BindInt(1, retryable_flushed_seq);
  while (true) {
    DbResult<bool> row = entries.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    const std::int64_t seq = entries.value().ColumnInt(0);
    std::string_view bytes = entries.value().ColumnBlob(1);
    BsonPtr body = BsonFromBytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    bson_iter_t lsid, txn_number, reply;
    const std::uint8_t* lsid_data = nullptr;
    std::uint32_t lsid_len = 0;
    const std::uint8_t* reply_data = nullptr;
    std::uint32_t reply_len = 0;
    if (body && bson_iter_init_find(&lsid, body.get(), "lsid") && BSON_ITER_HOLDS_BINARY(&lsid) &&
        bson_iter_init_find(&txn_number, body.get(), "txnNumber") &&
        BSON_ITER_HOLDS_INT64(&txn_number) && bson_iter_init_find(&reply, body.get(), "reply") &&
        BSON_ITER_HOLDS_DOCUMENT(&reply)) {
      bson_iter_binary(&lsid, nullptr, &lsid_len, &lsid_data);
      bson_iter_document(&reply, &reply_len, &reply_data);
    }
    if (lsid_data == nullptr || reply_data == nullptr) {
      return MakeError(kInternalError, "oplog entry " + std::to_string(seq) +
                                           " is a corrupt retryable-write record");
    }
    RetryableRecord& record =
        retryable[std::string(reinterpret_cast<const char*>(lsid_data), lsid_len)];
    record.txn_number = bson_iter_int64(&txn_number);
    record.seq = seq;
    record.reply.assign(reinterpret_cast<const char*>(reply_data), reply_len);
  }
  return Done{};
}

}  // namespace tactus::docdb::storage
