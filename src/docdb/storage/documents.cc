// Documents and their index entries: insert, replace, delete, point lookup by _id.
//
// Every write computes all index keys and checks every unique index before writing an entry,
// so a failed call leaves nothing behind without paying for a savepoint.
#include <algorithm>
#include <iterator>

#include "docdb/query/key_encoding.h"
#include "docdb/storage/dup_key.h"
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::CompiledIndex;
using internal::Connection;
using internal::Stmt;

using KeySets = std::vector<std::vector<std::string>>;

// The keys `doc` contributes to each index of `indexes` (none for the _id index).
DbResult<KeySets> KeysOf(const IndexList& indexes, const bson_t* doc) {
  KeySets keys(indexes.size());
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    if (indexes[i]->is_id) continue;
    DbResult<std::vector<std::string>> k = internal::IndexKeysOf(*indexes[i], doc);
    if (!k.ok()) return k.error();
    keys[i] = std::move(k).value();
  }
  return keys;
}

// DuplicateKey when a document other than `id_key` has one of `keys` in unique `index`.
DbResult<Done> CheckUnique(Connection* conn, const CollectionInfo& coll, const CompiledIndex& index,
                           const std::vector<std::string>& keys, const std::string& id_key,
                           const bson_t* doc) {
  if (!index.unique || keys.empty()) return Done{};
  DbResult<Stmt> stmt = conn->Prepare(
      "SELECT 1 FROM index_entries WHERE index_id = ?1 AND key = ?2 AND id_key <> ?3 LIMIT 1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = stmt.value();
  for (const std::string& key : keys) {
    s.Reset();
    s.BindInt(1, index.id);
    s.BindBlob(2, key);
    s.BindBlob(3, id_key);
    DbResult<bool> row = s.Step();
    if (!row.ok()) return row.error();
    if (row.value()) return internal::DuplicateKeyError(Namespace(coll), index, doc, key);
  }
  return Done{};
}

DbResult<Done> CheckAllUnique(Connection* conn, const CollectionInfo& coll,
                              const IndexList& indexes, const KeySets& keys,
                              const std::string& id_key, const bson_t* doc) {
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    TACTUS_STORAGE_TRY(CheckUnique(conn, coll, *indexes[i], keys[i], id_key, doc));
  }
  return Done{};
}

// Inserts (or deletes) the entries (index.id, key, id_key) for every key.
DbResult<Done> WriteEntries(Connection* conn, std::int64_t index_id,
                            const std::vector<std::string>& keys, const std::string& id_key,
                            bool insert) {
  if (keys.empty()) return Done{};
  DbResult<Stmt> stmt = conn->Prepare(
      insert ? "INSERT INTO index_entries (index_id, key, id_key) VALUES (?1, ?2, ?3)"
             : "DELETE FROM index_entries WHERE index_id = ?1 AND key = ?2 AND id_key = ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = stmt.value();
  for (const std::string& key : keys) {
    BindEntry(s, index_id, key, id_key);
    TACTUS_STORAGE_TRY(s.Run());
  }
  return Done{};
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

DbError NoSuchDocument(const CollectionInfo& coll) {
  return MakeError(kNoSuchKey, "no document with that _id in " + Namespace(coll));
}

}  // namespace

DbResult<Done> Txn::Insert(const CollectionInfo& coll, const bson_t* doc) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  std::optional<std::string> id_key = IdKeyOf(doc);
  if (!id_key) return MakeError(kBadValue, "cannot store a document without an _id");
  DbResult<const IndexList*> listed = impl_->Indexes(coll);
  if (!listed.ok()) return listed.error();
  const IndexList& indexes = *listed.value();
  DbResult<KeySets> keys = KeysOf(indexes, doc);
  if (!keys.ok()) return keys.error();
  Connection* conn = impl_->conn.get();

  {
    // The primary key enforces _id uniqueness; checking it first reports _id_ before any
    // secondary index, as MongoDB does.
    DbResult<Stmt> insert =
        conn->Prepare("INSERT INTO documents (coll_id, id_key, doc) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.error();
    insert.value().BindInt(1, coll.id);
    insert.value().BindBlob(2, *id_key);
    insert.value().BindBlob(3, BsonBytes(doc));
    DbResult<Done> inserted = insert.value().Run();
    if (!inserted.ok()) {
      if (sqlite3_extended_errcode(conn->db()) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return internal::DuplicateKeyError(Namespace(coll), *indexes.front(), doc, *id_key);
      }
      return inserted.error();
    }
  }
  DbResult<Done> unique = CheckAllUnique(conn, coll, indexes, keys.value(), *id_key, doc);
  if (!unique.ok()) {
    // Undo the document row so the failed insert leaves nothing.
    DbResult<Stmt> undo = conn->Prepare("DELETE FROM documents WHERE coll_id = ?1 AND id_key = ?2");
    if (!undo.ok()) return undo.error();
    undo.value().BindInt(1, coll.id);
    undo.value().BindBlob(2, *id_key);
    TACTUS_STORAGE_TRY(undo.value().Run());
    return unique.error();
  }
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    TACTUS_STORAGE_TRY(WriteEntries(conn, indexes[i]->id, keys.value()[i], *id_key, true));
  }
  return impl_->RecordDocumentChange(OplogOp::kInsert, coll, doc, doc, nullptr);
}

DbResult<Done> Txn::Replace(const CollectionInfo& coll, const std::string& id_key,
                            const bson_t* old_doc, const bson_t* new_doc, OplogOp as) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<const IndexList*> listed = impl_->Indexes(coll);
  if (!listed.ok()) return listed.error();
  const IndexList& indexes = *listed.value();
  KeySets removed(indexes.size()), added(indexes.size());
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    // An index none of whose fields changed keeps its entries: no keys to compute.
    if (indexes[i]->is_id || !internal::KeysMayDiffer(*indexes[i], old_doc, new_doc)) continue;
    DbResult<std::vector<std::string>> old_keys = internal::IndexKeysOf(*indexes[i], old_doc);
    if (!old_keys.ok()) return old_keys.error();
    DbResult<std::vector<std::string>> new_keys = internal::IndexKeysOf(*indexes[i], new_doc);
    if (!new_keys.ok()) return new_keys.error();
    removed[i] = Minus(old_keys.value(), new_keys.value());
    added[i] = Minus(new_keys.value(), old_keys.value());
  }
  Connection* conn = impl_->conn.get();
  TACTUS_STORAGE_TRY(CheckAllUnique(conn, coll, indexes, added, id_key, new_doc));
  {
    DbResult<Stmt> update =
        conn->Prepare("UPDATE documents SET doc = ?3 WHERE coll_id = ?1 AND id_key = ?2");
    if (!update.ok()) return update.error();
    update.value().BindInt(1, coll.id);
    update.value().BindBlob(2, id_key);
    update.value().BindBlob(3, BsonBytes(new_doc));
    TACTUS_STORAGE_TRY(update.value().Run());
    if (sqlite3_changes(conn->db()) == 0) return NoSuchDocument(coll);
  }
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    TACTUS_STORAGE_TRY(WriteEntries(conn, indexes[i]->id, removed[i], id_key, false));
    TACTUS_STORAGE_TRY(WriteEntries(conn, indexes[i]->id, added[i], id_key, true));
  }
  if (as == OplogOp::kReplace) {
    return impl_->RecordDocumentChange(OplogOp::kReplace, coll, new_doc, new_doc, nullptr);
  }
  return impl_->RecordDocumentChange(OplogOp::kUpdate, coll, new_doc, nullptr, old_doc);
}

DbResult<Done> Txn::Delete(const CollectionInfo& coll, const std::string& id_key,
                           const bson_t* old_doc) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<const IndexList*> listed = impl_->Indexes(coll);
  if (!listed.ok()) return listed.error();
  const IndexList& indexes = *listed.value();
  DbResult<KeySets> keys = KeysOf(indexes, old_doc);
  if (!keys.ok()) return keys.error();
  Connection* conn = impl_->conn.get();
  {
    DbResult<Stmt> del = conn->Prepare("DELETE FROM documents WHERE coll_id = ?1 AND id_key = ?2");
    if (!del.ok()) return del.error();
    del.value().BindInt(1, coll.id);
    del.value().BindBlob(2, id_key);
    TACTUS_STORAGE_TRY(del.value().Run());
    if (sqlite3_changes(conn->db()) == 0) return NoSuchDocument(coll);
  }
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    TACTUS_STORAGE_TRY(WriteEntries(conn, indexes[i]->id, keys.value()[i], id_key, false));
  }
  return impl_->RecordDocumentChange(OplogOp::kDelete, coll, old_doc, nullptr, nullptr);
}

DbResult<BsonPtr> Txn::FindById(const CollectionInfo& coll, const std::string& id_key) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> stmt =
      impl_->conn->Prepare("SELECT doc FROM documents WHERE coll_id = ?1 AND id_key = ?2");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll.id);
  stmt.value().BindBlob(2, id_key);
  DbResult<bool> row = stmt.value().Step();
  if (!row.ok()) return row.error();
  if (!row.value()) return BsonPtr();
  std::string_view bytes = stmt.value().ColumnBlob(0);
  return BsonPtr(
      bson_new_from_data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::string> IdKeyOf(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id")) return std::nullopt;
  return query::EncodeKeyValue(*bson_iter_value(&it));
}

}  // namespace tactus::docdb::storage
