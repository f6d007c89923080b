// The catalog: databases and collections (rows of `collections`, with their _id index).
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::Stmt;

CollectionInfo CollectionFromRow(const Stmt& stmt, std::string db, std::string name,
                                 int options_column) {
  CollectionInfo info;
  info.id = stmt.ColumnInt(0);
  info.db = std::move(db);
  info.name = std::move(name);
  std::string_view options = stmt.ColumnBlob(options_column);
  info.options = options.empty()
                     ? NewBson()
                     : BsonPtr(bson_new_from_data(
                           reinterpret_cast<const std::uint8_t*>(options.data()), options.size()));
  if (!info.options) info.options = NewBson();
  return info;
}

}  // namespace

DbResult<bool> Txn::Impl::CollectionExists(std::int64_t coll_id) {
  DbResult<Stmt> stmt = conn->Prepare("SELECT 1 FROM collections WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll_id);
  return stmt.value().Step();
}

DbResult<Done> Txn::Impl::DropCollectionById(std::int64_t coll_id) {
  static constexpr const char* kStatements[] = {
      "DELETE FROM index_entries WHERE index_id IN (SELECT id FROM indexes WHERE coll_id = ?1)",
      "DELETE FROM indexes WHERE coll_id = ?1",
      "DELETE FROM documents WHERE coll_id = ?1",
      "DELETE FROM collections WHERE id = ?1",
  };
  CatalogChanged();
  for (const char* sql : kStatements) {
    DbResult<Stmt> stmt = conn->Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt.value().BindInt(1, coll_id);
    TACTUS_STORAGE_TRY(stmt.value().Run());
  }
  return Done{};
}

DbResult<std::optional<std::int64_t>> Txn::Impl::CacheVersion() {
  if (catalog_changed) return std::optional<std::int64_t>();
  // A write transaction holds the write lock and sees the latest commit, whose version the
  // store knows unless a change to the catalog committed since it last learned it.
  const bool latest = mode == TxnMode::kWrite;
  if (catalog_version < 0 && latest) catalog_version = store->committed_catalog_version;
  if (catalog_version < 0) {
    DbResult<Stmt> stmt = conn->Prepare(kCatalogVersionSql);
    if (!stmt.ok()) return stmt.error();
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) return MakeError(kInternalError, "meta has no catalog_version");
    catalog_version = stmt.value().ColumnInt(0);
    if (latest) store->committed_catalog_version = catalog_version;
  }
  return std::optional<std::int64_t>(catalog_version);
}

DbResult<std::optional<CollectionInfo>> Txn::FindCollection(const std::string& db,
                                                            const std::string& name) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  using Entry = std::shared_ptr<const CollectionInfo>;  // nullptr: no such collection
  std::string key = db;
  key += '\0';
  key += name;
  DbResult<Entry> entry =
      impl_->CachedCatalog(&Store::Impl::CatalogCache::collections, key, [&]() -> DbResult<Entry> {
        DbResult<Stmt> stmt =
            impl_->conn->Prepare("SELECT id, options FROM collections WHERE db = ?1 AND name = ?2");
        if (!stmt.ok()) return stmt.error();
        stmt.value().BindText(1, db);
        stmt.value().BindText(2, name);
        DbResult<bool> row = stmt.value().Step();
        if (!row.ok()) return row.error();
        if (!row.value()) return Entry();
        return Entry(
            std::make_shared<const CollectionInfo>(CollectionFromRow(stmt.value(), db, name, 1)));
      });
  if (!entry.ok()) return entry.error();
  if (!entry.value()) return std::optional<CollectionInfo>();
  const CollectionInfo& c = *entry.value();
  return std::optional<CollectionInfo>(
      CollectionInfo{c.id, c.db, c.name, CopyBson(c.options.get())});
}

DbResult<CollectionInfo> Txn::CreateCollection(const std::string& db, const std::string& name,
                                               const bson_t* options, bool must_not_exist) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  if (db.empty() || name.empty()) {
    return MakeError(kInvalidNamespace, "Invalid namespace specified '" + db + "." + name + "'");
  }
  DbResult<std::optional<CollectionInfo>> existing = FindCollection(db, name);
  if (!existing.ok()) return existing.error();
  if (existing.value()) {
    if (must_not_exist) {
      return MakeError(kNamespaceExists, "Collection " + db + "." + name + " already exists.");
    }
    return std::move(*existing.value());
  }
  BsonPtr empty = NewBson();
  const bson_t* stored = options != nullptr ? options : empty.get();
  CollectionInfo info;
  impl_->CatalogChanged();
  {
    DbResult<Stmt> insert =
        impl_->conn->Prepare("INSERT INTO collections (db, name, options) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.error();
    insert.value().BindText(1, db);
    insert.value().BindText(2, name);
    insert.value().BindBlob(3, BsonBytes(stored));
    TACTUS_STORAGE_TRY(insert.value().Run());
    info.id = sqlite3_last_insert_rowid(impl_->conn->db());
  }
  BsonPtr id_spec = internal::IdIndexSpec();
  DbResult<Stmt> index =
      impl_->conn->Prepare("INSERT INTO indexes (coll_id, name, spec) VALUES (?1, ?2, ?3)");
  if (!index.ok()) return index.error();
  index.value().BindInt(1, info.id);
  index.value().BindText(2, internal::kIdIndexName);
  index.value().BindBlob(3, BsonBytes(id_spec.get()));
  TACTUS_STORAGE_TRY(index.value().Run());
  info.db = db;
  info.name = name;
  info.options = CopyBson(stored);
  return info;
}

DbResult<Done> Txn::DropCollection(const CollectionInfo& coll) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<bool> exists = impl_->CollectionExists(coll.id);
  if (!exists.ok()) return exists.error();
  if (!exists.value()) return MakeError(kNamespaceNotFound, "ns not found: " + Namespace(coll));
  TACTUS_STORAGE_TRY(impl_->DropCollectionById(coll.id));
  return impl_->RecordChange(OplogOp::kDrop, coll.db, coll.name, nullptr);
}

DbResult<Done> Txn::DropDatabase(const std::string& db) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  std::vector<std::pair<std::int64_t, std::string>> ids;
  {
    DbResult<Stmt> stmt =
        impl_->conn->Prepare("SELECT id, name FROM collections WHERE db = ?1 ORDER BY name");
    if (!stmt.ok()) return stmt.error();
    stmt.value().BindText(1, db);
    while (true) {
      DbResult<bool> row = stmt.value().Step();
      if (!row.ok()) return row.error();
      if (!row.value()) break;
      ids.emplace_back(stmt.value().ColumnInt(0), std::string(stmt.value().ColumnText(1)));
    }
  }
  for (const auto& [id, name] : ids) {
    TACTUS_STORAGE_TRY(impl_->DropCollectionById(id));
    TACTUS_STORAGE_TRY(impl_->RecordChange(OplogOp::kDrop, db, name, nullptr));
  }
  if (ids.empty()) return Done{};
  return impl_->RecordChange(OplogOp::kDropDatabase, db, "", nullptr);
}

DbResult<Done> Txn::RenameCollection(const CollectionInfo& coll, const std::string& to_db,
                                     const std::string& to_name, bool drop_target) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  if (to_db.empty() || to_name.empty()) {
    return MakeError(kInvalidNamespace,
                     "Invalid target namespace: '" + to_db + "." + to_name + "'");
  }
  DbResult<bool> exists = impl_->CollectionExists(coll.id);
  if (!exists.ok()) return exists.error();
  if (!exists.value()) {
    return MakeError(kNamespaceNotFound,
                     "Source collection " + Namespace(coll) + " does not exist");
  }
  if (coll.db == to_db && coll.name == to_name) {
    return MakeError(kIllegalOperation, "Can't rename a collection to itself");
  }
  DbResult<std::optional<CollectionInfo>> target = FindCollection(to_db, to_name);
  if (!target.ok()) return target.error();
  if (target.value()) {
    if (!drop_target) return MakeError(kNamespaceExists, "target namespace exists");
    TACTUS_STORAGE_TRY(impl_->DropCollectionById(target.value()->id));
    TACTUS_STORAGE_TRY(impl_->RecordChange(OplogOp::kDrop, to_db, to_name, nullptr));
  }
  // Documents, indexes and entries hang off the collection id, so moving the catalog row
  // moves everything, also across databases.
  DbResult<Stmt> update =
      impl_->conn->Prepare("UPDATE collections SET db = ?1, name = ?2 WHERE id = ?3");
  if (!update.ok()) return update.error();
  update.value().BindText(1, to_db);
  update.value().BindText(2, to_name);
  update.value().BindInt(3, coll.id);
  TACTUS_STORAGE_TRY(update.value().Run());
  impl_->CatalogChanged();
  BsonPtr body = NewBson();
  bson_t to;
  BSON_APPEND_DOCUMENT_BEGIN(body.get(), "to", &to);
  BSON_APPEND_UTF8(&to, "db", to_db.c_str());
  BSON_APPEND_UTF8(&to, "coll", to_name.c_str());
  bson_append_document_end(body.get(), &to);
  return impl_->RecordChange(OplogOp::kRename, coll.db, coll.name, body.get());
}

DbResult<std::vector<CollectionInfo>> Txn::ListCollections(const std::string& db) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> stmt =
      impl_->conn->Prepare("SELECT id, name, options FROM collections WHERE db = ?1 ORDER BY name");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindText(1, db);
  std::vector<CollectionInfo> out;
  while (true) {
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    out.push_back(CollectionFromRow(stmt.value(), db, std::string(stmt.value().ColumnText(1)), 2));
  }
  return out;
}

DbResult<std::vector<std::string>> Txn::ListDatabases() {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> stmt = impl_->conn->Prepare("SELECT DISTINCT db FROM collections ORDER BY db");
  if (!stmt.ok()) return stmt.error();
  std::vector<std::string> out;
  while (true) {
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    out.emplace_back(stmt.value().ColumnText(0));
  }
  return out;
}

DbResult<std::pair<std::int64_t, std::int64_t>> Txn::CollectionSize(const CollectionInfo& coll) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  DbResult<Stmt> stmt = impl_->conn->Prepare(
      "SELECT coalesce(sum(length(doc)), 0), count(*) FROM documents WHERE coll_id = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll.id);
  TACTUS_STORAGE_TRY(stmt.value().Step());
  return std::make_pair(stmt.value().ColumnInt(0), stmt.value().ColumnInt(1));
}

}  // namespace tactus::docdb::storage
