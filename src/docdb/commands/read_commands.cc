// find, getMore, killCursors, count, distinct, explain.
#include <algorithm>
#include <deque>
#include <map>

#include "docdb/commands/aggregate_command.h"
#include "docdb/commands/change_stream.h"
#include "docdb/commands/cursors.h"
#include "docdb/commands/query_exec.h"
#include "docdb/commands/registry.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/path.h"
#include "docdb/query/projection.h"

namespace tactus::docdb::commands {
namespace {

// Points *out at a document-valued option of the command, or at an empty document when it is
// absent or null; TypeMismatch when it has another type. (bson_t values must not be copied, so
// the caller owns the storage.)
// `option` is the option's field, or nullptr when the command has none.
DbResult<Done> DocumentOptionAt(const bson_iter_t* option, const char* field, bson_t* out) {
  bson_init(out);
  if (option == nullptr || BSON_ITER_HOLDS_NULL(option)) return Done{};
  const std::uint8_t* data = nullptr;
  std::uint32_t len = 0;
  if (BSON_ITER_HOLDS_DOCUMENT(option)) bson_iter_document(option, &len, &data);
  if (data == nullptr || !bson_init_static(out, data, len)) return TypeError(field, "object");
  return Done{};
}

DbResult<Done> DocumentOption(const bson_t* command, const char* field, bson_t* out) {
  bson_iter_t it;
  return DocumentOptionAt(FindField(command, field, &it) ? &it : nullptr, field, out);
}

// Counts (skip, limit, batchSize) stay far from int64 overflow when added together.
constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;

// The count option `field` at `option` (nullptr when absent: 0).
DbResult<std::int64_t> NonNegativeAt(const bson_iter_t* option, const char* field) {
  if (option == nullptr) return std::int64_t{0};
  if (!BSON_ITER_HOLDS_NUMBER(option)) return TypeError(field, "long");
  std::int64_t v = bson_iter_as_int64(option);
  if (v > kMaxCount) {
    return MakeError(kBadValue, std::string("BSON field '") + field +
                                    "' value must be <= " + std::to_string(kMaxCount));
  }
  if (v < 0) {
    return MakeError(kBadValue, std::string("BSON field '") + field +
                                    "' value must be >= 0, "
                                    "actual value '" +
                                    std::to_string(v) + "'");
  }
  return v;
}

DbResult<std::int64_t> NonNegative(const bson_t* command, const char* field) {
  bson_iter_t it;
  return NonNegativeAt(FindField(command, field, &it) ? &it : nullptr, field);
}

DbResult<BsonPtr> Find(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  // The options, found in one pass over the command.
  enum { kFilter, kSort, kProjection, kSkip, kLimit, kSingleBatch, kBatchSize, kOptions };
  static constexpr std::string_view kNames[kOptions] = {
      "filter", "sort", "projection", "skip", "limit", "singleBatch", "batchSize"};
  FoundField options[kOptions];
  FindFields(ctx.command, kNames, options);
  auto option = [&](int i) { return options[i].get(); };
  bson_t filter;
  if (auto r = DocumentOptionAt(option(kFilter), "filter", &filter); !r.ok()) return r.error();
  bson_t sort;
  if (auto r = DocumentOptionAt(option(kSort), "sort", &sort); !r.ok()) return r.error();
  bson_t projection_doc;
  if (auto r = DocumentOptionAt(option(kProjection), "projection", &projection_doc); !r.ok())
    return r.error();
  auto skip = NonNegativeAt(option(kSkip), "skip");
  if (!skip.ok()) return skip.error();
  const std::int64_t limit_raw = Int64Or(option(kLimit), 0);
  if (limit_raw > kMaxCount || limit_raw < -kMaxCount) {
    return MakeError(kBadValue, "BSON field 'limit' is out of range");
  }
  bool single_batch = BoolOr(option(kSingleBatch), false) || limit_raw < 0;
  std::int64_t limit = limit_raw < 0 ? -limit_raw : limit_raw;
  const bool has_batch_size = options[kBatchSize].found;
  auto batch_size = NonNegativeAt(option(kBatchSize), "batchSize");
  if (!batch_size.ok()) return batch_size.error();

  auto matcher = Filter::Compile(&filter);
  if (!matcher.ok()) return matcher.error();
  std::optional<query::Projection> projection;
  if (!bson_empty(&projection_doc)) {
    auto p = query::Projection::Compile(&projection_doc);
    if (!p.ok()) return p.error();
    projection = std::move(p).value();
  }
  std::string ns = ctx.db + "." + name.value();
  // A point read or one index range: one statement, run without BEGIN (WithReadTxn).
  const bool one_statement = matcher.value().id_key || !MayScanSeveralRanges(&filter);
  auto body = [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    std::deque<BsonPtr> docs;
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (coll.value()) {
      auto matched = FindMatching(txn, *coll.value(), matcher.value(), &sort, skip.value(), limit);
      if (!matched.ok()) return matched.error();
      for (auto& m : matched.value()) {
        if (projection) {
          auto projected = projection->Apply(m.doc.get(), &m.details);
          if (!projected.ok()) return projected.error();
          docs.push_back(std::move(projected).value());
        } else {
          docs.push_back(std::move(m.doc));
        }
      }
    }
    std::int64_t first = has_batch_size ? batch_size.value() : kDefaultFirstBatch;
    std::vector<BsonPtr> batch;
    std::int64_t id = 0;
    if (single_batch) {
      CursorManager::TakeBatch(docs, first, &batch);
    } else {
      // batchSize: 0 asks for a cursor and no documents yet (MongoDB's semantics).
      id = ctx.cursors->Open(ns, std::move(docs), first, &batch, ctx.now_ms,
                             has_batch_size && first == 0);
    }
    ReplyBuilder r;
    AppendCursorReply(r.body(), ns, "firstBatch", batch, id);
    return r.Finish();
  };
  return WithReadTxn(ctx, body, one_statement);
}

DbResult<BsonPtr> GetMore(CommandContext& ctx) {
  bson_iter_t it;
  if (!FindField(ctx.command, "getMore", &it) || !BSON_ITER_HOLDS_INT64(&it)) {
    return TypeError("getMore", "long");
  }
  std::int64_t id = bson_iter_int64(&it);
  if (!FindField(ctx.command, "collection", &it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError("collection", "string");
  }
  std::string ns = ctx.db + "." + bson_iter_utf8(&it, nullptr);
  if (IsChangeStreamCursorId(id)) return ChangeStreamGetMore(ctx, id, ns);
  std::vector<BsonPtr> batch;
  std::int64_t next_id = 0;
  auto r = ctx.cursors->Next(id, ns, GetInt64(ctx.command, "batchSize", 0), &batch, &next_id,
                             ctx.now_ms);
  if (!r.ok()) return r.error();
  ReplyBuilder reply;
  AppendCursorReply(reply.body(), ns, "nextBatch", batch, next_id);
  return reply.Finish();
}

DbResult<BsonPtr> KillCursors(CommandContext& ctx) {
  bson_t ids;
  if (!GetArray(ctx.command, "cursors", &ids)) return TypeError("cursors", "array");
  ReplyBuilder r;
  bson_t killed, not_found, alive, unknown;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "cursorsKilled", &killed);
  int k = 0, n = 0;
  std::vector<std::int64_t> missing;
  bson_iter_t it;
  bson_iter_init(&it, &ids);
  while (bson_iter_next(&it)) {
    std::int64_t id = bson_iter_as_int64(&it);
    if (ctx.cursors->Kill(id) || (ctx.change_streams && ctx.change_streams->Kill(id))) {
      std::string key = std::to_string(k++);  // the macro evaluates its key twice
      BSON_APPEND_INT64(&killed, key.c_str(), id);
    } else {
      missing.push_back(id);
    }
  }
  bson_append_array_end(r.body(), &killed);
  BSON_APPEND_ARRAY_BEGIN(r.body(), "cursorsNotFound", &not_found);
  for (auto id : missing) {
    std::string key = std::to_string(n++);  // the macro evaluates its key twice
    BSON_APPEND_INT64(&not_found, key.c_str(), id);
  }
  bson_append_array_end(r.body(), &not_found);
  BSON_APPEND_ARRAY_BEGIN(r.body(), "cursorsAlive", &alive);
  bson_append_array_end(r.body(), &alive);
  BSON_APPEND_ARRAY_BEGIN(r.body(), "cursorsUnknown", &unknown);
  bson_append_array_end(r.body(), &unknown);
  return r.Finish();
}

DbResult<BsonPtr> Count(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  bson_t filter;
  if (auto r = DocumentOption(ctx.command, "query", &filter); !r.ok()) return r.error();
  auto skip = NonNegative(ctx.command, "skip");
  if (!skip.ok()) return skip.error();
  std::int64_t limit = GetInt64(ctx.command, "limit", 0);
  if (limit > kMaxCount || limit < -kMaxCount) {
    return MakeError(kBadValue, "BSON field 'limit' is out of range");
  }
  if (limit < 0) limit = -limit;
  auto matcher = query::Matcher::Compile(&filter);
  if (!matcher.ok()) return matcher.error();
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    std::int64_t n = 0;
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (coll.value() && bson_empty(&filter)) {
      // Counting a whole collection (estimatedDocumentCount) needs no document at all.
      auto size = txn.CollectionSize(*coll.value());
      if (!size.ok()) return size.error();
      n = std::max<std::int64_t>(0, size.value().second - skip.value());
      if (limit > 0) n = std::min(n, limit);
    } else if (coll.value()) {
      auto counted = CountMatching(txn, *coll.value(), matcher.value(), skip.value(), limit);
      if (!counted.ok()) return counted.error();
      n = counted.value();
    }
    ReplyBuilder r;
    BSON_APPEND_INT64(r.body(), "n", n);
    return r.Finish();
  });
}

DbResult<BsonPtr> Distinct(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  bson_iter_t it;
  if (!FindField(ctx.command, "key", &it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError("key", "string");
  }
  std::string key = bson_iter_utf8(&it, nullptr);
  bson_t filter;
  if (auto r = DocumentOption(ctx.command, "query", &filter); !r.ok()) return r.error();
  auto matcher = query::Matcher::Compile(&filter);
  if (!matcher.ok()) return matcher.error();
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    // Deduplicated by key encoding, whose byte order is MongoDB's comparison order (1 == 1.0).
    std::map<std::string, bson_value_t> values;  // owned copies
    auto add = [&](const bson_value_t& v) {
      auto [it, inserted] = values.try_emplace(query::EncodeKeyValue(v));
      if (inserted) bson_value_copy(&v, &it->second);
    };
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (coll.value()) {
      auto matched = FindMatching(txn, *coll.value(), matcher.value(), nullptr, 0, 0);
      if (!matched.ok()) return matched.error();
      std::vector<std::string> path = query::SplitPath(key);
      for (const auto& m : matched.value()) {
        // Arrays contribute their elements, as MongoDB's distinct does.
        std::vector<query::PathHit> hits;
        query::FindPath(m.doc.get(), path, query::TerminalArrays::kElementsOnly, &hits);
        for (const auto& hit : hits) {
          if (!hit.missing()) add(hit.value);
        }
      }
    }
    ReplyBuilder r;
    bson_t arr;
    BSON_APPEND_ARRAY_BEGIN(r.body(), "values", &arr);
    std::size_t i = 0;
    for (auto& [key, value] : values) {
      bson_append_value(&arr, std::to_string(i++).c_str(), -1, &value);
      bson_value_destroy(&value);
    }
    bson_append_array_end(r.body(), &arr);
    return r.Finish();
  });
}

DbResult<BsonPtr> Explain(CommandContext& ctx) {
  bson_t inner;
  if (!GetDocument(ctx.command, "explain", &inner)) return TypeError("explain", "object");
  bson_iter_t it;
  if (!bson_iter_init(&it, &inner) || !bson_iter_next(&it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return MakeError(kFailedToParse, "explain needs a command with a collection name");
  }
  std::string name = bson_iter_utf8(&it, nullptr);
  bson_t filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
  if (!GetDocument(&inner, "filter", &filter)) GetDocument(&inner, "query", &filter);
  GetDocument(&inner, "sort", &sort);
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    ReplyBuilder r;
    bson_t planner, winning;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "queryPlanner", &planner);
    BSON_APPEND_UTF8(&planner, "namespace", (ctx.db + "." + name).c_str());
    BSON_APPEND_DOCUMENT_BEGIN(&planner, "winningPlan", &winning);
    auto coll = txn.FindCollection(ctx.db, name);
    if (!coll.ok()) return coll.error();
    if (coll.value()) {
      Plan plan = ChoosePlan(txn, *coll.value(), &filter, &sort);
      BSON_APPEND_UTF8(&winning, "stage", plan.Describe().c_str());
      if (plan.index) {
        BSON_APPEND_UTF8(&winning, "indexName", plan.index->name.c_str());
        bson_t key;
        if (GetDocument(plan.index->spec.get(), "key", &key)) {
          BSON_APPEND_DOCUMENT(&winning, "keyPattern", &key);
        }
      } else if (!plan.IndexName().empty()) {
        BSON_APPEND_UTF8(&winning, "indexName", plan.IndexName().c_str());
        bson_t key;
        BSON_APPEND_DOCUMENT_BEGIN(&winning, "keyPattern", &key);
        BSON_APPEND_INT32(&key, "_id", 1);
        bson_append_document_end(&winning, &key);
      }
      if (plan.in_ranges) {
        // {field: {$in: number of distinct points}}
        bson_t bounds, field;
        BSON_APPEND_DOCUMENT_BEGIN(&winning, "indexBounds", &bounds);
        bson_append_document_begin(&bounds, plan.in_field.c_str(), -1, &field);
        BSON_APPEND_INT64(&field, "$in", static_cast<std::int64_t>(plan.in_ranges->size()));
        bson_append_document_end(&bounds, &field);
        bson_append_document_end(&winning, &bounds);
      }
      BSON_APPEND_UTF8(&winning, "direction", plan.reverse ? "backward" : "forward");
    } else {
      BSON_APPEND_UTF8(&winning, "stage", "EOF");
    }
    bson_append_document_end(&planner, &winning);
    bson_append_document_end(r.body(), &planner);
    return r.Finish();
  });
}

}  // namespace

void RegisterReadCommands(Registry& r) {
  r["find"] = {Find, true};
  r["getMore"] = {GetMore, true};
  r["killCursors"] = {KillCursors, true};
  r["count"] = {Count, false};
  r["distinct"] = {Distinct, true};
  r["explain"] = {Explain, false};
  RegisterAggregateCommands(r);
}

}  // namespace tactus::docdb::commands
