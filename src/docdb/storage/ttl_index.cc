// collMod of a TTL index's expireAfterSeconds (docs/docdb.md, "TTL indexes").
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {

using internal::Stmt;

DbResult<double> Txn::SetExpireAfterSeconds(const CollectionInfo& coll, const std::string& name,
                                            double seconds) {
  TACTUS_STORAGE_TRY(impl_->CheckWritable());
  if (!(seconds >= 0) || seconds > internal::kMaxExpireAfterSeconds) {
    return MakeError(kInvalidOptions, "expireAfterSeconds must be between 0 and 2147483647");
  }
  std::int64_t index_id = 0;
  BsonPtr spec;
  {
    DbResult<Stmt> find =
        impl_->conn->Prepare("SELECT id, spec FROM indexes WHERE coll_id = ?1 AND name = ?2");
    if (!find.ok()) return find.error();
    find.value().BindInt(1, coll.id);
    find.value().BindText(2, name);
    DbResult<bool> row = find.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value())
      return MakeError(kIndexNotFound, "cannot find index " + name + " for ns " + Namespace(coll));
    index_id = find.value().ColumnInt(0);
    std::string_view bytes = find.value().ColumnBlob(1);
    spec = BsonFromBytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (!spec) return MakeError(kInternalError, "stored index spec " + name + " is corrupt");
  }
  bson_iter_t it;
  if (!bson_iter_init_find(&it, spec.get(), "expireAfterSeconds")) {
    return MakeError(kInvalidOptions, "index " + name +
                                          " is not a TTL index (it has no expireAfterSeconds); "
                                          "create a TTL index instead");
  }
  double old_seconds = bson_iter_as_double(&it);
  BsonPtr updated = NewBson();
  bson_iter_init(&it, spec.get());
  while (bson_iter_next(&it)) {
    if (std::string_view(bson_iter_key(&it)) == "expireAfterSeconds") {
      if (seconds == static_cast<double>(static_cast<std::int64_t>(seconds))) {
        BSON_APPEND_INT64(updated.get(), "expireAfterSeconds", static_cast<std::int64_t>(seconds));
      } else {
        BSON_APPEND_DOUBLE(updated.get(), "expireAfterSeconds", seconds);
      }
    } else {
      bson_append_iter(updated.get(), nullptr, 0, &it);
    }
  }
  DbResult<Stmt> put = impl_->conn->Prepare("UPDATE indexes SET spec = ?1 WHERE id = ?2");
  if (!put.ok()) return put.error();
  put.value().BindBlob(1, BsonBytes(updated.get()));
  put.value().BindInt(2, index_id);
  TACTUS_STORAGE_TRY(put.value().Run());
  impl_->CatalogChanged();
  return old_seconds;
}

}  // namespace tactus::docdb::storage
