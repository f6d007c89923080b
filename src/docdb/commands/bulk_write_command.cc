// bulkWrite (MongoDB 8.0): inserts, updates and deletes on collections of any databases in one
// command on admin, with one result per op (docs/docdb.md, "bulkWrite"). The whole request is
// checked first (bulk_write_request.h); then each op is one statement of write_ops.h, so it
// writes, fails and reaches change streams exactly as the insert, update and delete commands do.
#include <bson/bson.h>

#include <optional>
#include <string>
#include <vector>

#include "docdb/commands/bulk_write_request.h"
#include "docdb/commands/registry.h"
#include "docdb/commands/write_ops.h"

namespace tactus::docdb::commands {
namespace {

// The collection of each nsInfo entry, looked up when an op first needs it and kept once it
// exists (ops do not drop collections).
class Targets {
 public:
  Targets(storage::Txn& txn, const std::vector<BulkNamespace>& ns)
      : txn_(txn), ns_(ns), colls_(ns.size()) {}

  // nullptr when the collection does not exist and `create` is false.
  DbResult<const storage::CollectionInfo*> Get(std::size_t i, bool create) {
    if (colls_[i]) return &*colls_[i];
    if (create) {
      auto made = CollectionForWrite(txn_, ns_[i].db, ns_[i].coll);
      if (!made.ok()) return made.error();
      colls_[i] = std::move(made).value();
      return &*colls_[i];
    }
    auto found = txn_.FindCollection(ns_[i].db, ns_[i].coll);
    if (!found.ok()) return found.error();
    if (!found.value()) return nullptr;
    colls_[i] = std::move(*found.value());
    return &*colls_[i];
  }

 private:
  storage::Txn& txn_;
  const std::vector<BulkNamespace>& ns_;
  std::vector<std::optional<storage::CollectionInfo>> colls_;
};

struct OpResult {
  std::int64_t n = 0;        // inserted, matched (+1 for an upsert) or deleted
  std::int64_t matched = 0;  // update: matched documents, without the upsert
  std::int64_t modified = 0;
  std::optional<BsonPtr> upserted_id;  // {_id: value}
};

DbResult<OpResult> RunOp(CommandContext& ctx, storage::Txn& txn, Targets& targets,
                         const BulkOp& op) {
  bson_t doc;
  op.document.View(&doc);
  // Inserts and upserts create their collection; other ops find nothing in a missing one.
  auto coll = targets.Get(op.ns, op.kind == BulkOpKind::kInsert || op.upsert);
  if (!coll.ok()) return coll.error();
  OpResult out;
  if (op.kind == BulkOpKind::kInsert) {
    auto inserted = InsertOne(txn, *coll.value(), &doc);
    if (!inserted.ok()) return inserted.error();
    out.n = 1;
  } else if (op.kind == BulkOpKind::kDelete) {
    auto deleted = DeleteMatching(txn, coll.value(), &doc, op.multi);
    if (!deleted.ok()) return deleted.error();
    out.n = deleted.value();
  } else {
    bson_t filters, sort;
    if (op.array_filters.data != nullptr) op.array_filters.View(&filters);
    if (op.sort.data != nullptr) op.sort.View(&sort);
    auto updated = RunUpdate(ctx, txn, coll.value(), &doc, op.update_mods,
                             op.array_filters.data != nullptr ? &filters : nullptr, op.multi,
                             op.upsert, op.sort.data != nullptr ? &sort : nullptr);
    if (!updated.ok()) return updated.error();
    out.matched = updated.value().matched;
    out.modified = updated.value().modified;
    out.upserted_id = std::move(updated.value().upserted_id);
    out.n = out.matched + (out.upserted_id ? 1 : 0);
  }
  return out;
}

struct Summary {
  std::int64_t errors = 0, inserted = 0, matched = 0, modified = 0, upserted = 0, deleted = 0;
};

// One document of the results cursor: {ok, idx, code, codeName, errmsg, keyPattern, keyValue,
// n} for an error; {ok, idx, n, nModified (updates), upserted: {_id} (upserts)} otherwise.
void AppendResult(bson_t* batch, std::size_t position, std::size_t idx, BulkOpKind kind,
                  const DbResult<OpResult>& result) {
  bson_t item;
  BSON_APPEND_DOCUMENT_BEGIN(batch, std::to_string(position).c_str(), &item);
  BSON_APPEND_DOUBLE(&item, "ok", result.ok() ? 1.0 : 0.0);
  BSON_APPEND_INT32(&item, "idx", static_cast<std::int32_t>(idx));
  if (!result.ok()) {
    AppendWriteError(&item, result.error());
    BSON_APPEND_INT32(&item, "n", 0);
  } else {
    BSON_APPEND_INT32(&item, "n", static_cast<std::int32_t>(result.value().n));
    if (kind == BulkOpKind::kUpdate) {
      BSON_APPEND_INT32(&item, "nModified", static_cast<std::int32_t>(result.value().modified));
    }
    if (result.value().upserted_id) {
      BSON_APPEND_DOCUMENT(&item, "upserted", result.value().upserted_id->get());
    }
  }
  bson_append_document_end(batch, &item);
}

BsonPtr Reply(const Summary& s, const bson_t* batch) {
  ReplyBuilder r;
  bson_t cursor;
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "cursor", &cursor);
  BSON_APPEND_INT64(&cursor, "id", 0);
  BSON_APPEND_ARRAY(&cursor, "firstBatch", batch);
  BSON_APPEND_UTF8(&cursor, "ns", "admin.$cmd.bulkWrite");
  bson_append_document_end(r.body(), &cursor);
  BSON_APPEND_INT32(r.body(), "nErrors", static_cast<std::int32_t>(s.errors));
  BSON_APPEND_INT32(r.body(), "nInserted", static_cast<std::int32_t>(s.inserted));
  BSON_APPEND_INT32(r.body(), "nMatched", static_cast<std::int32_t>(s.matched));
  BSON_APPEND_INT32(r.body(), "nModified", static_cast<std::int32_t>(s.modified));
  BSON_APPEND_INT32(r.body(), "nUpserted", static_cast<std::int32_t>(s.upserted));
  BSON_APPEND_INT32(r.body(), "nDeleted", static_cast<std::int32_t>(s.deleted));
  return r.Finish();
}

DbResult<BsonPtr> BulkWrite(CommandContext& ctx) {
  if (ctx.db != "admin") {
    return MakeError(kUnauthorized, "bulkWrite may only be run against the admin database.");
  }
  auto parsed = ParseBulkWrite(ctx.command);
  if (!parsed.ok()) return parsed.error();
  const BulkWriteRequest& request = parsed.value();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    Targets targets(txn, request.ns_info);
    Summary summary;
    BsonPtr batch = NewBson();
    std::size_t listed = 0;
    for (std::size_t i = 0; i < request.ops.size(); ++i) {
      const BulkOp& op = request.ops[i];
      auto result = RunOp(ctx, txn, targets, op);
      if (!result.ok() && !IsStatementError(result.error())) return result.error();
      if (!result.ok()) {
        ++summary.errors;
      } else if (op.kind == BulkOpKind::kInsert) {
        summary.inserted += result.value().n;
      } else if (op.kind == BulkOpKind::kDelete) {
        summary.deleted += result.value().n;
      } else {
        summary.matched += result.value().matched;
        summary.modified += result.value().modified;
        summary.upserted += result.value().upserted_id ? 1 : 0;
      }
      if (!result.ok() || !request.errors_only) {
        AppendResult(batch.get(), listed++, i, op.kind, result);
      }
      // In a transaction the first error ends the command whether ordered or not, and the
      // transaction aborts (the dispatcher sees nErrors), as in MongoDB.
      if (!result.ok() && (request.ordered || ctx.txn != nullptr)) break;
    }
    return Reply(summary, batch.get());
  });
}

}  // namespace

void RegisterBulkWriteCommand(Registry& r) { r["bulkWrite"] = {BulkWrite, true}; }

}  // namespace tactus::docdb::commands
