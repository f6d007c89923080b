// The users and roles tables (format version 2; docs/docdb.md, "Users and authentication").
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::Stmt;

const char* TableName(AuthTable t) { return t == AuthTable::kUsers ? "users" : "roles"; }

DbResult<BsonPtr> RecordOf(Stmt& stmt, int column) {
  std::string_view bytes = stmt.ColumnBlob(column);
  BsonPtr doc = BsonFromBytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!doc) return MakeError(kInternalError, "a stored user or role record is corrupt");
  return doc;
}

}  // namespace

DbResult<BsonPtr> Txn::FindAuthRecord(AuthTable table, const std::string& db,
                                      const std::string& name) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> find = impl_->conn->Prepare(std::string("SELECT record FROM ") + TableName(table) +
                                             " WHERE db = ?1 AND name = ?2");
  if (!find.ok()) return find.error();
  find.value().BindText(1, db);
  find.value().BindText(2, name);
  DbResult<bool> row = find.value().Step();
  if (!row.ok()) return row.error();
  if (!row.value()) return BsonPtr();
  return RecordOf(find.value(), 0);
}

DbResult<Done> Txn::PutAuthRecord(AuthTable table, const std::string& db, const std::string& name,
                                  const bson_t* record) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<Stmt> put =
      impl_->conn->Prepare(std::string("INSERT OR REPLACE INTO ") + TableName(table) +
                           " (db, name, record) VALUES (?1, ?2, ?3)");
  if (!put.ok()) return put.error();
  put.value().BindText(1, db);
  put.value().BindText(2, name);
  put.value().BindBlob(3, BsonBytes(record));
  return put.value().Run();
}

DbResult<bool> Txn::DeleteAuthRecord(AuthTable table, const std::string& db,
                                     const std::string& name) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<Stmt> del = impl_->conn->Prepare(std::string("DELETE FROM ") + TableName(table) +
                                            " WHERE db = ?1 AND name = ?2");
  if (!del.ok()) return del.error();
  del.value().BindText(1, db);
  del.value().BindText(2, name);
  TACTUS_STORAGE_TRY(del.value().Run());
  return sqlite3_changes(impl_->conn->db()) > 0;
}

DbResult<std::vector<BsonPtr>> Txn::ListAuthRecords(AuthTable table,
                                                    const std::optional<std::string>& db) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  std::string sql = std::string("SELECT record FROM ") + TableName(table) +
                    (db ? " WHERE db = ?1" : "") + " ORDER BY db, name";
  DbResult<Stmt> list = impl_->conn->Prepare(sql);
  if (!list.ok()) return list.error();
  if (db) list.value().BindText(1, *db);
  std::vector<BsonPtr> out;
  while (true) {
    DbResult<bool> row = list.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    auto record = RecordOf(list.value(), 0);
    if (!record.ok()) return record.error();
    out.push_back(std::move(record).value());
  }
  return out;
}

DbResult<std::int64_t> Txn::CountAuthRecords(AuthTable table) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> count =
      impl_->conn->Prepare(std::string("SELECT count(*) FROM ") + TableName(table));
  if (!count.ok()) return count.error();
  DbResult<bool> row = count.value().Step();
  if (!row.ok()) return row.error();
  return count.value().ColumnInt(0);
}

}  // namespace tactus::docdb::storage
