// Range scans over `_id` (the documents table) and over secondary indexes (index_entries
// joined to documents), in either direction.
#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::Stmt;

// Appends the range predicates on `column` (parameters ?2 and ?3) and the ORDER BY.
void AppendRange(std::string* sql, const char* column, const KeyRange& range) {
  if (range.lower) {
    *sql += " AND ";
    *sql += column;
    *sql += range.lower_inclusive ? " >= ?2" : " > ?2";
  }
  if (range.upper) {
    *sql += " AND ";
    *sql += column;
    *sql += range.upper_inclusive ? " <= ?3" : " < ?3";
  }
}

void BindRange(Stmt* stmt, const KeyRange& range) {
  if (range.lower) stmt->BindBlob(2, *range.lower);
  if (range.upper) stmt->BindBlob(3, *range.upper);
}

// Steps `stmt` (columns: id_key, doc) and hands each row to `visit`.
DbResult<Done> VisitRows(Stmt* stmt, const Txn::Visitor& visit) {
  std::string id_key;
  while (true) {
    DbResult<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    if (!row.value()) return Done{};
    id_key.assign(stmt->ColumnBlob(0));
    std::string_view bytes = stmt->ColumnBlob(1);
    bson_t doc;
    if (!bson_init_static(&doc, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                          bytes.size())) {
      return MakeError(kInternalError, "a stored document is corrupt");
    }
    if (!visit(id_key, &doc)) return Done{};
  }
}

}  // namespace

KeyRange PrefixRange(const std::string& prefix) {
  KeyRange range;
  range.lower = prefix;
  range.lower_inclusive = true;
  std::string upper = prefix;
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
  if (!upper.empty()) {
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    range.upper = std::move(upper);
    range.upper_inclusive = false;
  }
  return range;
}

DbResult<Done> Txn::ScanCollection(const CollectionInfo& coll, const KeyRange& id_range,
                                   bool reverse, const Visitor& visit) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  std::string sql = "SELECT id_key, doc FROM documents WHERE coll_id = ?1";
  AppendRange(&sql, "id_key", id_range);
  sql += reverse ? " ORDER BY id_key DESC" : " ORDER BY id_key";
  DbResult<Stmt> stmt = impl_->conn->Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll.id);
  BindRange(&stmt.value(), id_range);
  return VisitRows(&stmt.value(), visit);
}

DbResult<Done> Txn::ScanIndex(const CollectionInfo& coll, const IndexInfo& index,
                              const KeyRange& range, bool reverse, const Visitor& visit) {
  TACTUS_STORAGE_TRY(impl_->CheckActive());
  if (index.name == internal::kIdIndexName) return ScanCollection(coll, range, reverse, visit);
  // CROSS JOIN pins index_entries as the outer loop, so rows come in primary-key order and
  // SQLite needs no sort.
  std::string sql =
      "SELECT e.id_key, d.doc FROM index_entries AS e CROSS JOIN documents AS d "
      "WHERE e.index_id = ?4 AND d.coll_id = ?1 AND d.id_key = e.id_key";
  AppendRange(&sql, "e.key", range);
  sql += reverse ? " ORDER BY e.key DESC, e.id_key DESC" : " ORDER BY e.key, e.id_key";
  DbResult<Stmt> stmt = impl_->conn->Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  stmt.value().BindInt(1, coll.id);
  stmt.value().BindInt(4, index.id);
  BindRange(&stmt.value(), range);
  return VisitRows(&stmt.value(), visit);
}

}  // namespace tactus::docdb::storage
