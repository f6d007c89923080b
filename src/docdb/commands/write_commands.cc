// insert, update, delete and findAndModify, with MongoDB's per-statement write errors.
#include <bson/bson.h>

#include "docdb/commands/query_exec.h"
#include "docdb/commands/registry.h"
#include "docdb/commands/write_ops.h"
#include "docdb/query/projection.h"

namespace tactus::docdb::commands {
namespace {

struct WriteError {
  std::size_t index;
  DbError error;
};

void AppendWriteErrors(bson_t* reply, const std::vector<WriteError>& errors) {
  if (errors.empty()) return;
  bson_t arr;
  BSON_APPEND_ARRAY_BEGIN(reply, "writeErrors", &arr);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    bson_t e;
    BSON_APPEND_DOCUMENT_BEGIN(&arr, std::to_string(i).c_str(), &e);
    BSON_APPEND_INT32(&e, "index", static_cast<std::int32_t>(errors[i].index));
    AppendWriteError(&e, errors[i].error);
    bson_append_document_end(&arr, &e);
  }
  bson_append_array_end(reply, &arr);
}

DbResult<BsonPtr> Insert(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  auto docs = Statements(ctx.command, "documents");
  if (!docs.ok()) return docs.error();
  bool ordered = GetBool(ctx.command, "ordered", true);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = CollectionForWrite(txn, ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    std::int64_t n = 0;
    std::vector<WriteError> errors;
    for (std::size_t i = 0; i < docs.value().size(); ++i) {
      bson_t doc;
      docs.value()[i].View(&doc);
      auto inserted = InsertOne(txn, coll.value(), &doc);
      if (inserted.ok()) {
        ++n;
        continue;
      }
      if (!IsStatementError(inserted.error())) return inserted.error();
      errors.push_back({i, inserted.error()});
      if (ordered) break;
    }
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "n", static_cast<std::int32_t>(n));
    AppendWriteErrors(r.body(), errors);
    return r.Finish();
  });
}

DbResult<BsonPtr> Update(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  auto statements = Statements(ctx.command, "updates");
  if (!statements.ok()) return statements.error();
  bool ordered = GetBool(ctx.command, "ordered", true);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = CollectionForWrite(txn, ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    std::int64_t n = 0, modified = 0;
    std::vector<WriteError> errors;
    std::vector<std::pair<std::size_t, BsonPtr>> upserted;
    for (std::size_t i = 0; i < statements.value().size(); ++i) {
      bson_t st;
      statements.value()[i].View(&st);
      // The statement's fields, found in one pass.
      enum { kQ, kU, kArrayFilters, kMulti, kUpsert, kFields };
      static constexpr std::string_view kNames[kFields] = {"q", "u", "arrayFilters", "multi",
                                                           "upsert"};
      FoundField field[kFields];
      FindFields(&st, kNames, field);
      bson_t q = BSON_INITIALIZER, filters;
      DbResult<UpdateOutcome> outcome = MakeError(kFailedToParse, "");
      if (!DocumentAt(field[kQ].get(), &q)) {
        outcome = TypeError("q", "object");
      } else if (!field[kU].found) {
        outcome = MakeError(kFailedToParse,
                            "BSON field 'update.updates.u' is missing but a "
                            "required field");
      } else {
        bool has_filters = ArrayAt(field[kArrayFilters].get(), &filters);
        outcome = RunUpdate(ctx, txn, &coll.value(), &q, *bson_iter_value(&field[kU].iter),
                            has_filters ? &filters : nullptr, BoolOr(field[kMulti].get(), false),
                            BoolOr(field[kUpsert].get(), false), nullptr);
      }
      if (!outcome.ok()) {
        if (!IsStatementError(outcome.error())) return outcome.error();
        errors.push_back({i, outcome.error()});
        if (ordered) break;
        continue;
      }
      n += outcome.value().matched;
      modified += outcome.value().modified;
      if (outcome.value().upserted_id) {
        ++n;
        upserted.emplace_back(i, std::move(*outcome.value().upserted_id));
      }
    }
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "n", static_cast<std::int32_t>(n));
    BSON_APPEND_INT32(r.body(), "nModified", static_cast<std::int32_t>(modified));
    if (!upserted.empty()) {
      bson_t arr;
      BSON_APPEND_ARRAY_BEGIN(r.body(), "upserted", &arr);
      for (std::size_t k = 0; k < upserted.size(); ++k) {
        bson_t e;
        BSON_APPEND_DOCUMENT_BEGIN(&arr, std::to_string(k).c_str(), &e);
        BSON_APPEND_INT32(&e, "index", static_cast<std::int32_t>(upserted[k].first));
        bson_concat(&e, upserted[k].second.get());
        bson_append_document_end(&arr, &e);
      }
      bson_append_array_end(r.body(), &arr);
    }
    AppendWriteErrors(r.body(), errors);
    return r.Finish();
  });
}

DbResult<BsonPtr> Delete(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  auto statements = Statements(ctx.command, "deletes");
  if (!statements.ok()) return statements.error();
  bool ordered = GetBool(ctx.command, "ordered", true);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    std::int64_t n = 0;
    std::vector<WriteError> errors;
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    const storage::CollectionInfo* target = coll.value() ? &*coll.value() : nullptr;
    for (std::size_t i = 0; i < statements.value().size(); ++i) {
      bson_t st;
      statements.value()[i].View(&st);
      bson_t q;
      std::int64_t limit = GetInt64(&st, "limit", 0);
      DbResult<std::int64_t> deleted = std::int64_t{0};
      if (!GetDocument(&st, "q", &q)) {
        deleted = TypeError("q", "object");
      } else if (limit != 0 && limit != 1) {
        deleted =
            MakeError(kFailedToParse, "The limit field in delete objects must be 0 or 1. Got " +
                                          std::to_string(limit));
      } else {
        deleted = DeleteMatching(txn, target, &q, limit == 0);
      }
      if (deleted.ok()) {
        n += deleted.value();
        continue;
      }
      if (!IsStatementError(deleted.error())) return deleted.error();
      errors.push_back({i, deleted.error()});
      if (ordered) break;
    }
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "n", static_cast<std::int32_t>(n));
    AppendWriteErrors(r.body(), errors);
    return r.Finish();
  });
}

DbResult<BsonPtr> FindAndModify(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  // The options, found in one pass over the command.
  enum { kQuery, kSort, kFields, kArrayFilters, kRemove, kNew, kUpsert, kUpdate, kOptions };
  static constexpr std::string_view kNames[kOptions] = {"query",  "sort", "fields", "arrayFilters",
                                                        "remove", "new",  "upsert", "update"};
  FoundField option[kOptions];
  FindFields(ctx.command, kNames, option);
  bson_t q = BSON_INITIALIZER, sort = BSON_INITIALIZER, fields = BSON_INITIALIZER, filters;
  DocumentAt(option[kQuery].get(), &q);
  DocumentAt(option[kSort].get(), &sort);
  bool has_fields = DocumentAt(option[kFields].get(), &fields);
  bool has_filters = ArrayAt(option[kArrayFilters].get(), &filters);
  bool remove = BoolOr(option[kRemove].get(), false);
  bool return_new = BoolOr(option[kNew].get(), false);
  bool upsert = BoolOr(option[kUpsert].get(), false);
  bson_iter_t u = option[kUpdate].iter;  // when has_update
  bool has_update = option[kUpdate].found;
  if (remove == has_update) {
    return MakeError(kFailedToParse, "Either an update or remove=true must be specified");
  }
  if (remove && (upsert || return_new)) {
    return MakeError(kFailedToParse, "Cannot specify both an update and remove=true");
  }
  std::optional<query::Projection> projection;
  if (has_fields && !bson_empty(&fields)) {
    auto p = query::Projection::Compile(&fields);
    if (!p.ok()) return p.error();
    projection = std::move(p).value();
  }
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = CollectionForWrite(txn, ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    BsonPtr value;
    ReplyBuilder r;
    bson_t last;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "lastErrorObject", &last);
    if (remove) {
      auto matcher = Filter::Compile(&q);
      if (!matcher.ok()) return matcher.error();
      auto matched = FindMatching(txn, coll.value(), matcher.value(), &sort, 0, 1);
      if (!matched.ok()) return matched.error();
      if (!matched.value().empty()) {
        auto& m = matched.value()[0];
        auto deleted = txn.Delete(coll.value(), m.id_key, m.doc.get());
        if (!deleted.ok()) return deleted.error();
        value = std::move(m.doc);
      }
      BSON_APPEND_INT32(&last, "n", value ? 1 : 0);
    } else {
      auto outcome = RunUpdate(ctx, txn, &coll.value(), &q, *bson_iter_value(&u),
                               has_filters ? &filters : nullptr, false, upsert, &sort);
      if (!outcome.ok()) return outcome.error();
      bool inserted = outcome.value().upserted_id.has_value();
      value = return_new ? std::move(outcome.value().after) : std::move(outcome.value().before);
      BSON_APPEND_INT32(&last, "n", outcome.value().matched + (inserted ? 1 : 0) > 0 ? 1 : 0);
      BSON_APPEND_BOOL(&last, "updatedExisting", outcome.value().matched > 0);
      if (inserted) {
        bson_iter_t id;
        bson_iter_init_find(&id, outcome.value().upserted_id->get(), "_id");
        bson_append_iter(&last, "upserted", -1, &id);
      }
    }
    bson_append_document_end(r.body(), &last);
    if (value && projection) {
      auto projected = projection->Apply(value.get(), nullptr);
      if (!projected.ok()) return projected.error();
      value = std::move(projected).value();
    }
    if (value) {
      BSON_APPEND_DOCUMENT(r.body(), "value", value.get());
    } else {
      BSON_APPEND_NULL(r.body(), "value");
    }
    return r.Finish();
  });
}

}  // namespace

void RegisterWriteCommands(Registry& r) {
  r["insert"] = {Insert, true};
  r["update"] = {Update, true};
  r["delete"] = {Delete, true};
  r["findAndModify"] = {FindAndModify, true};
  r["findandmodify"] = {FindAndModify, true};
}

}  // namespace tactus::docdb::commands
