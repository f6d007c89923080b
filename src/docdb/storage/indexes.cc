// Secondary indexes: listing, creation (validation, conflicts, building entries for existing
// documents) and dropping.
#include "docdb/storage/dup_key.h"
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::Connection;
using internal::Stmt;

std::string SpecName(const bson_t* spec) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, spec, "name") && BSON_ITER_HOLDS_UTF8(&it)) {
    return bson_iter_utf8(&it, nullptr);
  }
  return {};
}

// Whether `spec` may be created next to `existing`: kCreate, kExists (identical), or an error.
enum class Relation { kCreate, kExists };
DbResult<Relation> Compare(const bson_t* spec, const std::vector<IndexInfo>& existing) {
  std::string name = SpecName(spec);
  for (const IndexInfo& index : existing) {
    if (index.name != name) continue;
    if (!internal::SameKeyPattern(spec, index.spec.get())) {
      return MakeError(kIndexKeySpecsConflict,
                       "An existing index has the same name as the requested index. When index "
                       "names are not specified, they are auto generated and can cause "
                       "conflicts. Please refer to our documentation. Requested index: " +
                           ToJson(spec) + ", existing index: " + ToJson(index.spec.get()));
    }
    if (!internal::SameOptions(spec, index.spec.get())) {
      return MakeError(kIndexOptionsConflict,
                       "An equivalent index already exists with the same name but different "
                       "options. Requested index: " +
                           ToJson(spec) + ", existing index: " + ToJson(index.spec.get()));
    }
    return Relation::kExists;
  }
  for (const IndexInfo& index : existing) {
    if (!internal::SameKeyPattern(spec, index.spec.get()) ||
        !internal::SameSignature(spec, index.spec.get())) {
      continue;
    }
    if (internal::SameOptions(spec, index.spec.get())) {
      return MakeError(kIndexOptionsConflict,
                       "Index already exists with a different name: " + index.name);
    }
    return MakeError(kIndexOptionsConflict,
                     "An existing index has the same key pattern but different options. "
                     "Requested index: " +
                         ToJson(spec) + ", existing index: " + ToJson(index.spec.get()));
  }
  return Relation::kCreate;
}

// Inserts the index row and the entries of every existing document.
DbResult<Done> BuildIndex(Txn* txn, Connection* conn, const CollectionInfo& coll,
                          const bson_t* spec, Store::Impl* store) {
  std::string name = SpecName(spec);
  std::int64_t index_id = 0;
  {
    DbResult<Stmt> insert =
        conn->Prepare("INSERT INTO indexes (coll_id, name, spec) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.error();
    insert.value().BindInt(1, coll.id);
    insert.value().BindText(2, name);
    insert.value().BindBlob(3, BsonBytes(spec));
    TACTUS_STORAGE_TRY(insert.value().Run());
    index_id = sqlite3_last_insert_rowid(conn->db());
  }
  DbResult<std::shared_ptr<const internal::CompiledIndex>> compiled =
      store->Compile(index_id, BsonBytes(spec));
  if (!compiled.ok()) return compiled.error();
  const internal::CompiledIndex& index = *compiled.value();

  DbResult<Stmt> check = conn->Prepare(
      "SELECT 1 FROM index_entries WHERE index_id = ?1 AND key = ?2 AND id_key <> ?3 LIMIT 1");
  if (!check.ok()) return check.error();
  DbResult<Stmt> insert =
      conn->Prepare("INSERT INTO index_entries (index_id, key, id_key) VALUES (?1, ?2, ?3)");
  if (!insert.ok()) return insert.error();
  std::optional<DbError> failure;
  auto add = [&](const std::string& id_key, const bson_t* doc) -> DbResult<Done> {
    DbResult<std::vector<std::string>> keys = internal::IndexKeysOf(index, doc);
    if (!keys.ok()) return keys.error();
    for (const std::string& key : keys.value()) {
      if (index.unique) {
        Stmt& s = check.value();
        BindEntry(s, index_id, key, id_key);
        DbResult<bool> row = s.Step();
        if (!row.ok()) return row.error();
        if (row.value()) return internal::DuplicateKeyError(Namespace(coll), index, doc, key);
      }
      Stmt& s = insert.value();
      BindEntry(s, index_id, key, id_key);
      TACTUS_STORAGE_TRY(s.Run());
    }
    return Done{};
  };
  TACTUS_STORAGE_TRY(txn->ScanCollection(coll, KeyRange{}, false,
                                         [&](const std::string& id_key, const bson_t* doc) {
                                           DbResult<Done> added = add(id_key, doc);
                                           if (!added.ok()) failure = added.error();
                                           return added.ok();
                                         }));
  if (failure) return *failure;
  return Done{};
}

// The collection's index rows, the _id index first; NamespaceNotFound when it has none.
DbResult<std::shared_ptr<const SharedIndexes>> ReadIndexes(Connection* conn,
                                                           const CollectionInfo& coll) {
  DbResult<Stmt> stmt =
      conn->Prepare("SELECT id, name, spec FROM indexes WHERE coll_id = ?1 ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll.id);
  auto out = std::make_shared<SharedIndexes>();
  while (true) {
    DbResult<bool> row = stmt.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    IndexInfo info;
    info.id = stmt.value().ColumnInt(0);
    info.name = stmt.value().ColumnText(1);
    std::string_view spec = stmt.value().ColumnBlob(2);
    info.spec = BsonPtr(
        bson_new_from_data(reinterpret_cast<const std::uint8_t*>(spec.data()), spec.size()));
    if (!info.spec)
      return MakeError(kInternalError, "stored index spec of " + info.name + " is corrupt");
    bson_iter_t it;
    info.unique = info.name == internal::kIdIndexName ||
                  (bson_iter_init_find(&it, info.spec.get(), "unique") && bson_iter_as_bool(&it));
    info.sparse = bson_iter_init_find(&it, info.spec.get(), "sparse") && bson_iter_as_bool(&it);
    info.partial = bson_iter_init_find(&it, info.spec.get(), "partialFilterExpression");
    bson_iter_t key;
    if (bson_iter_init_find(&it, info.spec.get(), "key") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
        bson_iter_recurse(&it, &key) && bson_iter_next(&key)) {
      info.first_field = bson_iter_key(&key);
      info.first_descending = BSON_ITER_HOLDS_NUMBER(&key) && bson_iter_as_double(&key) < 0;
    }
    out->push_back(std::make_shared<const IndexInfo>(std::move(info)));
  }
  // Every collection has its _id index, so no rows means no collection.
  if (out->empty()) {
    return MakeError(kNamespaceNotFound, "ns does not exist: " + Namespace(coll));
  }
  return std::shared_ptr<const SharedIndexes>(std::move(out));
}

}  // namespace

DbResult<const IndexList*> Txn::Impl::Indexes(const CollectionInfo& coll) {
  auto it = indexes.find(coll.id);
  if (it != indexes.end()) return &it->second;
  DbResult<IndexList> list =
      CachedCatalog(&Store::Impl::CatalogCache::compiled, coll.id, [&]() -> DbResult<IndexList> {
        DbResult<std::shared_ptr<const SharedIndexes>> rows =
            CachedCatalog(&Store::Impl::CatalogCache::indexes, coll.id,
                          [&] { return ReadIndexes(conn.get(), coll); });
        if (!rows.ok()) return rows.error();
        IndexList compiled;
        for (const auto& row : *rows.value()) {
          auto index = store->Compile(row->id, BsonBytes(row->spec.get()));
          if (!index.ok()) return index.error();
          compiled.push_back(std::move(index).value());
        }
        return compiled;
      });
  if (!list.ok()) return list.error();
  return &indexes.emplace(coll.id, std::move(list).value()).first->second;
}

DbResult<std::vector<IndexInfo>> Txn::ListIndexes(const CollectionInfo& coll) {
  DbResult<std::shared_ptr<const SharedIndexes>> shared = ListIndexesShared(coll);
  if (!shared.ok()) return shared.error();
  std::vector<IndexInfo> out;
  for (const auto& index : *shared.value()) out.push_back(index->Copy());
  return out;
}

DbResult<std::shared_ptr<const SharedIndexes>> Txn::ListIndexesShared(const CollectionInfo& coll) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  return impl_->CachedCatalog(&Store::Impl::CatalogCache::indexes, coll.id,
                              [&] { return ReadIndexes(impl_->conn.get(), coll); });
}

DbResult<bool> Txn::CreateIndex(const CollectionInfo& coll, const bson_t* spec) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  DbResult<BsonPtr> normalized = internal::NormalizeIndexSpec(spec);
  if (!normalized.ok()) return normalized.error();
  DbResult<std::vector<IndexInfo>> existing = ListIndexes(coll);
  if (!existing.ok()) return existing.error();
  DbResult<Relation> relation = Compare(normalized.value().get(), existing.value());
  if (!relation.ok()) return relation.error();
  if (relation.value() == Relation::kExists) return false;

  // A savepoint makes a failed build (duplicate keys) vanish without ending the transaction.
  Connection* conn = impl_->conn.get();
  TACTUS_STORAGE_TRY(conn->Exec("SAVEPOINT create_index"));
  impl_->CatalogChanged();
  DbResult<Done> built = BuildIndex(this, conn, coll, normalized.value().get(), impl_->store);
  if (!built.ok()) {
    (void)conn->Exec("ROLLBACK TO create_index");
    (void)conn->Exec("RELEASE create_index");
    return built.error();
  }
  TACTUS_STORAGE_TRY(conn->Exec("RELEASE create_index"));
  return true;
}

DbResult<Done> Txn::DropIndex(const CollectionInfo& coll, const std::string& name) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  if (name == internal::kIdIndexName) {
    return MakeError(kInvalidOptions, "cannot drop _id index");
  }
  std::int64_t index_id = 0;
  {
    DbResult<Stmt> find =
        impl_->conn->Prepare("SELECT id FROM indexes WHERE coll_id = ?1 AND name = ?2");
    if (!find.ok()) return find.error();
    find.value().BindInt(1, coll.id);
    find.value().BindText(2, name);
    DbResult<bool> row = find.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) {
      return MakeError(kIndexNotFound, "index not found with name [" + name + "]");
    }
    index_id = find.value().ColumnInt(0);
  }
  impl_->CatalogChanged();
  for (const char* sql :
       {"DELETE FROM index_entries WHERE index_id = ?1", "DELETE FROM indexes WHERE id = ?1"}) {
    DbResult<Stmt> stmt = impl_->conn->Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt.value().BindInt(1, index_id);
    TACTUS_STORAGE_TRY(stmt.value().Run());
  }
  return Done{};
}

}  // namespace tactus::docdb::storage
