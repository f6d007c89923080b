// insert, update, delete and findAndModify, with MongoDB's per-statement write errors.
#include <bson/bson.h>

#include "docdb/commands/query_exec.h"
#include "docdb/commands/registry.h"
#include "docdb/query/projection.h"
#include "docdb/update/update.h"
#include "docdb/wire/bson_check.h"

namespace tactus::docdb::commands {
namespace {

inline constexpr std::size_t kMaxWriteBatch = 100000;

// A user-level error of one statement (reported in writeErrors while the others proceed), as
// opposed to a conflict or a storage failure, after which the whole command must roll back.
bool IsStatementError(const DbError& e) {
  return e.code != kWriteConflict && e.code != kInternalError;
}

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
    BSON_APPEND_INT32(&e, "code", errors[i].error.code);
    BSON_APPEND_UTF8(&e, "codeName", CodeName(errors[i].error.code));
    BSON_APPEND_UTF8(&e, "errmsg", errors[i].error.message.c_str());
    bson_t sub;
    const auto& kp = errors[i].error.key_pattern;
    const auto& kv = errors[i].error.key_value;
    if (!kp.empty() && bson_init_static(&sub, kp.data(), kp.size())) {
      BSON_APPEND_DOCUMENT(&e, "keyPattern", &sub);
    }
    if (!kv.empty() && bson_init_static(&sub, kv.data(), kv.size())) {
      BSON_APPEND_DOCUMENT(&e, "keyValue", &sub);
    }
    bson_append_document_end(&arr, &e);
  }
  bson_append_array_end(reply, &arr);
}

// One statement's document inside the command. bson_t structs must not be copied (a static
// bson_t points into itself), so statements are kept as byte ranges and viewed on use.
struct Statement {
  const std::uint8_t* data = nullptr;
  std::uint32_t len = 0;
  // REQUIRES: the bytes were checked by Statements().
  void View(bson_t* out) const { bson_init_static(out, data, len); }
};

// Statements of a write command: the array field `field`, as documents.
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
  if (out.size() > kMaxWriteBatch) {
    return MakeError(kInvalidOptions, "Write batch sizes must be between 1 and 100000. Got " +
                                          std::to_string(out.size()) + " operations.");
  }
  return out;
}

DbResult<storage::CollectionInfo> CollectionForWrite(CommandContext& ctx, storage::Txn& txn,
                                                     const std::string& name) {
  auto found = txn.FindCollection(ctx.db, name);
  if (!found.ok()) return found.error();
  if (found.value()) return std::move(*found.value());
  // Writes create the collection implicitly, as MongoDB does.
  return txn.CreateCollection(ctx.db, name, nullptr, false);
}

DbResult<BsonPtr> Insert(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  auto docs = Statements(ctx.command, "documents");
  if (!docs.ok()) return docs.error();
  bool ordered = GetBool(ctx.command, "ordered", true);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = CollectionForWrite(ctx, txn, name.value());
    if (!coll.ok()) return coll.error();
    std::int64_t n = 0;
    std::vector<WriteError> errors;
    for (std::size_t i = 0; i < docs.value().size(); ++i) {
      bson_t doc;
      docs.value()[i].View(&doc);
      auto prepared = DocumentForStorage(&doc);
      DbResult<Done> inserted = prepared.ok() ? txn.Insert(coll.value(), prepared.value().get())
                                              : DbResult<Done>(prepared.error());
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

struct UpdateOutcome {
  std::int64_t matched = 0, modified = 0;
  std::optional<BsonPtr> upserted_id;  // {_id: value} when an upsert inserted
  BsonPtr before, after;               // findAndModify: the affected document
};

std::optional<std::size_t> Positional(const query::MatchDetails& d) {
  if (!d.array_position) return std::nullopt;
  return static_cast<std::size_t>(*d.array_position);
}

// One update statement: q, u, upsert, multi, arrayFilters (and findAndModify's sort).
DbResult<UpdateOutcome> RunUpdate(CommandContext& ctx, storage::Txn& txn,
                                  const storage::CollectionInfo& coll, const bson_t* q,
                                  const bson_value_t& u, const bson_t* array_filters, bool multi,
                                  bool upsert, const bson_t* sort) {
  auto matcher = query::Matcher::Compile(q);
  if (!matcher.ok()) return matcher.error();
  DbResult<update::Update> compiled = MakeError(kFailedToParse, "");
  bson_t u_doc;
  bool container = u.value_type == BSON_TYPE_ARRAY || u.value_type == BSON_TYPE_DOCUMENT;
  if (!container) return TypeError("u", "object");
  if (!bson_init_static(&u_doc, u.value.v_doc.data, u.value.v_doc.data_len)) {
    return MakeError(kInvalidBSON, "u is not a valid BSON document");
  }
  if (u.value_type == BSON_TYPE_ARRAY) {
    compiled = update::Update::CompilePipeline(&u_doc);
  } else {
    compiled = update::Update::Compile(&u_doc, array_filters);
  }
  if (!compiled.ok()) return compiled.error();
  if (multi && compiled.value().is_replacement()) {
    return MakeError(kFailedToParse, "multi update is not supported for replacement-style update");
  }
  auto matched = FindMatching(txn, coll, matcher.value(), sort, 0, multi ? 0 : 1);
  if (!matched.ok()) return matched.error();
  UpdateOutcome out;
  for (auto& m : matched.value()) {
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
      auto replaced = txn.Replace(coll, m.id_key, m.doc.get(), updated.value().get(),
                                  compiled.value().is_replacement() ? storage::OplogOp::kReplace
                                                                    : storage::OplogOp::kUpdate);
      if (!replaced.ok()) return replaced.error();
      ++out.modified;
    }
    out.before = std::move(m.doc);
    out.after = std::move(updated).value();
  }
  if (out.matched == 0 && upsert) {
    auto seed = update::UpsertSeed(q);
    if (!seed.ok()) return seed.error();
    DbResult<BsonPtr> doc =
        compiled.value().Apply(seed.value().get(), std::nullopt, true, ctx.now_ms);
    if (!doc.ok()) return doc.error();
    if (compiled.value().is_replacement()) {
      // The replacement keeps the query's _id when it has none of its own.
      bson_iter_t id;
      if (!bson_iter_init_find(&id, doc.value().get(), "_id") &&
          bson_iter_init_find(&id, seed.value().get(), "_id")) {
        BsonPtr with_id = NewBson();
        bson_append_iter(with_id.get(), "_id", 3, &id);
        bson_concat(with_id.get(), doc.value().get());
        doc = std::move(with_id);
      }
    }
    auto prepared = DocumentForStorage(doc.value().get());
    if (!prepared.ok()) return prepared.error();
    auto inserted = txn.Insert(coll, prepared.value().get());
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

DbResult<BsonPtr> Update(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  auto statements = Statements(ctx.command, "updates");
  if (!statements.ok()) return statements.error();
  bool ordered = GetBool(ctx.command, "ordered", true);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = CollectionForWrite(ctx, txn, name.value());
    if (!coll.ok()) return coll.error();
    std::int64_t n = 0, modified = 0;
    std::vector<WriteError> errors;
    std::vector<std::pair<std::size_t, BsonPtr>> upserted;
    for (std::size_t i = 0; i < statements.value().size(); ++i) {
      bson_t st;
      statements.value()[i].View(&st);
      bson_t q = BSON_INITIALIZER, filters;
      bson_iter_t u;
      DbResult<UpdateOutcome> outcome = MakeError(kFailedToParse, "");
      if (!GetDocument(&st, "q", &q)) {
        outcome = TypeError("q", "object");
      } else if (!bson_iter_init_find(&u, &st, "u")) {
        outcome = MakeError(kFailedToParse,
                            "BSON field 'update.updates.u' is missing but a "
                            "required field");
      } else {
        bool has_filters = GetArray(&st, "arrayFilters", &filters);
        outcome = RunUpdate(ctx, txn, coll.value(), &q, *bson_iter_value(&u),
                            has_filters ? &filters : nullptr, GetBool(&st, "multi", false),
                            GetBool(&st, "upsert", false), nullptr);
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
    for (std::size_t i = 0; coll.value() && i < statements.value().size(); ++i) {
      bson_t st;
      statements.value()[i].View(&st);
      bson_t q;
      if (!GetDocument(&st, "q", &q)) {
        errors.push_back({i, TypeError("q", "object")});
        if (ordered) break;
        continue;
      }
      std::int64_t limit = GetInt64(&st, "limit", 0);
      if (limit != 0 && limit != 1) {
        errors.push_back({i, MakeError(kFailedToParse,
                                       "The limit field in delete objects must "
                                       "be 0 or 1. Got " +
                                           std::to_string(limit))});
        if (ordered) break;
        continue;
      }
      auto matcher = query::Matcher::Compile(&q);
      if (!matcher.ok()) {
        errors.push_back({i, matcher.error()});
        if (ordered) break;
        continue;
      }
      auto matched =
          FindMatching(txn, *coll.value(), matcher.value(), nullptr, 0, limit == 1 ? 1 : 0);
      if (!matched.ok()) return matched.error();
      for (const auto& m : matched.value()) {
        auto deleted = txn.Delete(*coll.value(), m.id_key, m.doc.get());
        if (!deleted.ok()) return deleted.error();
        ++n;
      }
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
  bson_t q = BSON_INITIALIZER, sort = BSON_INITIALIZER, fields = BSON_INITIALIZER, filters;
  GetDocument(ctx.command, "query", &q);
  GetDocument(ctx.command, "sort", &sort);
  bool has_fields = GetDocument(ctx.command, "fields", &fields);
  bool has_filters = GetArray(ctx.command, "arrayFilters", &filters);
  bool remove = GetBool(ctx.command, "remove", false);
  bool return_new = GetBool(ctx.command, "new", false);
  bool upsert = GetBool(ctx.command, "upsert", false);
  bson_iter_t u;
  bool has_update = bson_iter_init_find(&u, ctx.command, "update");
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
    auto coll = CollectionForWrite(ctx, txn, name.value());
    if (!coll.ok()) return coll.error();
    BsonPtr value;
    ReplyBuilder r;
    bson_t last;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "lastErrorObject", &last);
    if (remove) {
      auto matcher = query::Matcher::Compile(&q);
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
      auto outcome = RunUpdate(ctx, txn, coll.value(), &q, *bson_iter_value(&u),
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
