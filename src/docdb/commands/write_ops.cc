#include "docdb/commands/write_ops.h"

#include <cassert>
#include <cstring>
#include <vector>

#include "docdb/commands/query_exec.h"
#include "docdb/update/update.h"

namespace tactus::docdb::commands {
namespace {

std::optional<std::size_t> Positional(const query::MatchDetails& d) {
  if (!d.array_position) return std::nullopt;
  return static_cast<std::size_t>(*d.array_position);
}

DbResult<update::Update> CompileUpdate(const bson_value_t& u, const bson_t* array_filters) {
  bool container = u.value_type == BSON_TYPE_ARRAY || u.value_type == BSON_TYPE_DOCUMENT;
  if (!container) return TypeError("u", "object");
  bson_t u_doc;
  if (!bson_init_static(&u_doc, u.value.v_doc.data, u.value.v_doc.data_len)) {
    return MakeError(kInvalidBSON, "u is not a valid BSON document");
  }
  if (u.value_type == BSON_TYPE_ARRAY) return update::Update::CompilePipeline(&u_doc);
  return update::Update::Compile(&u_doc, array_filters);
}

// The document an upsert inserts: the update applied to the query's equality fields.
DbResult<BsonPtr> UpsertDocument(CommandContext& ctx, const update::Update& compiled,
                                 const bson_t* q) {
  auto seed = update::UpsertSeed(q);
  if (!seed.ok()) return seed.error();
  DbResult<BsonPtr> doc = compiled.Apply(seed.value().get(), std::nullopt, true, ctx.now_ms);
  if (!doc.ok() || !compiled.is_replacement()) return doc;
  // The replacement keeps the query's _id when it has none of its own.
  bson_iter_t id;
  if (!bson_iter_init_find(&id, doc.value().get(), "_id") &&
      bson_iter_init_find(&id, seed.value().get(), "_id")) {
    BsonPtr with_id = NewBson();
    bson_append_iter(with_id.get(), "_id", 3, &id);
    bson_concat(with_id.get(), doc.value().get());
    return with_id;
  }
  return doc;
}

}  // namespace

bool IsStatementError(const DbError& e) {
  return e.code != kWriteConflict && e.code != kInternalError;
}

void AppendWriteError(bson_t* out, const DbError& error) {
  BSON_APPEND_INT32(out, "code", error.code);
  BSON_APPEND_UTF8(out, "codeName", CodeName(error.code));
  BSON_APPEND_UTF8(out, "errmsg", error.message.c_str());
  AppendDuplicateKeyInfo(out, error);
}

DbResult<std::vector<Statement>> Statements(const bson_t* command, const char* field) {
  bson_t arr;
  if (!GetArray(command, field, &arr)) return TypeError(field, "array");
  std::vector<Statement> out;
  bson_iter_t it;
  bson_iter_init(&it, &arr);
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return TypeError(std::string(field) + ".item", "object");
    Statement st;
    bson_iter_document(&it, &st.len, &st.data);
    bson_t probe;
    if (!bson_init_static(&probe, st.data, st.len)) {
      return MakeError(kInvalidBSON, std::string(field) + "." + bson_iter_key(&it) +
                                         " is not a valid BSON document");
    }
    out.push_back(st);
  }
  if (out.size() > kMaxWriteBatch) return BatchSizeError(out.size());
  return out;
}

DbError BatchSizeError(std::size_t n) {
  return MakeError(kInvalidLength, "Write batch sizes must be between 1 and " +
                                       std::to_string(kMaxWriteBatch) + ". Got " +
                                       std::to_string(n) + " operations.");
}

DbResult<storage::CollectionInfo> CollectionForWrite(storage::Txn& txn, const std::string& db,
                                                     const std::string& name) {
  auto found = txn.FindCollection(db, name);
  if (!found.ok()) return found.error();
  if (found.value()) return std::move(*found.value());
  return txn.CreateCollection(db, name, nullptr, false);
}

DbResult<Done> InsertOne(storage::Txn& txn, const storage::CollectionInfo& coll,
                         const bson_t* doc) {
  auto prepared = DocumentForStorage(doc);
  if (!prepared.ok()) return prepared.error();
  return txn.Insert(coll, prepared.value().get());
}

DbResult<std::int64_t> DeleteMatching(storage::Txn& txn, const storage::CollectionInfo* coll,
                                      const bson_t* filter, bool multi) {
  auto matcher = Filter::Compile(filter);
  if (!matcher.ok()) return matcher.error();
  if (coll == nullptr) return std::int64_t{0};
  auto matched = FindMatching(txn, *coll, matcher.value(), nullptr, 0, multi ? 0 : 1);
  if (!matched.ok()) return matched.error();
  std::int64_t n = 0;
  for (const auto& m : matched.value()) {
    auto deleted = txn.Delete(*coll, m.id_key, m.doc.get());
    if (!deleted.ok()) return deleted.error();
    ++n;
  }
  return n;
}

DbResult<UpdateOutcome> RunUpdate(CommandContext& ctx, storage::Txn& txn,
                                  const storage::CollectionInfo* coll, const bson_t* q,
                                  const bson_value_t& u, const bson_t* array_filters, bool multi,
                                  bool upsert, const bson_t* sort) {
  assert(coll != nullptr || !upsert);
  auto matcher = Filter::Compile(q);
  if (!matcher.ok()) return matcher.error();
  auto compiled = CompileUpdate(u, array_filters);
  if (!compiled.ok()) return compiled.error();
  if (multi && compiled.value().is_replacement()) {
    return MakeError(kFailedToParse, "multi update is not supported for replacement-style update");
  }
  std::vector<MatchedDoc> matched;
  if (coll != nullptr) {
    auto found = FindMatching(txn, *coll, matcher.value(), sort, 0, multi ? 0 : 1);
    if (!found.ok()) return found.error();
    matched = std::move(found).value();
  }
  UpdateOutcome out;
  for (auto& m : matched) {
    auto updated = compiled.value().Apply(m.doc.get(), Positional(m.details), false, ctx.now_ms);
    if (!updated.ok()) return updated.error();
    ++out.matched;
    bool changed =
        updated.value()->len != m.doc->len ||
        memcmp(bson_get_data(updated.value().get()), bson_get_data(m.doc.get()), m.doc->len) != 0;
    if (changed) {
      if (updated.value()->len > kMaxDocumentBytes) {
        return MakeError(kLocation10334, "Resulting document after update is larger than 16777216");
      }
      auto replaced = txn.Replace(*coll, m.id_key, m.doc.get(), updated.value().get(),
                                  compiled.value().is_replacement() ? storage::OplogOp::kReplace
                                                                    : storage::OplogOp::kUpdate);
      if (!replaced.ok()) return replaced.error();
      ++out.modified;
    }
    out.before = std::move(m.doc);
    out.after = std::move(updated).value();
  }
  if (out.matched == 0 && upsert) {
    auto doc = UpsertDocument(ctx, compiled.value(), q);
    if (!doc.ok()) return doc.error();
    auto prepared = DocumentForStorage(doc.value().get());
    if (!prepared.ok()) return prepared.error();
    auto inserted = txn.Insert(*coll, prepared.value().get());
    if (!inserted.ok()) return inserted.error();
    bson_iter_t id;
    bson_iter_init_find(&id, prepared.value().get(), "_id");
    BsonPtr id_doc = NewBson();
    bson_append_iter(id_doc.get(), "_id", 3, &id);
    out.upserted_id = std::move(id_doc);
    out.after = std::move(prepared).value();
  }
  return out;
}

}  // namespace tactus::docdb::commands
