// The record of each session's last retryable write (docs/docdb.md, "Retryable writes").
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {

using internal::Stmt;

DbResult<BsonPtr> Txn::FindRetryableWrite(std::string_view lsid, std::int64_t txn_number) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> find = impl_->conn->Prepare(
      "SELECT reply FROM retryable_writes WHERE lsid = ?1 AND txn_number = ?2");
  if (!find.ok()) return find.error();
  find.value().BindBlob(1, lsid);
  find.value().BindInt(2, txn_number);
  DbResult<bool> row = find.value().Step();
  if (!row.ok()) return row.error();
  if (!row.value()) return BsonPtr();
  std::string_view bytes = find.value().ColumnBlob(0);
  BsonPtr reply = BsonFromBytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!reply) return MakeError(kInternalError, "a recorded retryable-write reply is corrupt");
  return reply;
}

DbResult<Done> Txn::RecordRetryableWrite(std::string_view lsid, std::int64_t txn_number,
                                         const bson_t* reply) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<Stmt> put = impl_->conn->Prepare(
      "INSERT OR REPLACE INTO retryable_writes (lsid, txn_number, reply) VALUES (?1, ?2, ?3)");
  if (!put.ok()) return put.error();
  put.value().BindBlob(1, lsid);
  put.value().BindInt(2, txn_number);
  put.value().BindBlob(3, BsonBytes(reply));
  return put.value().Run();
}

}  // namespace tactus::docdb::storage
