// The aggregate command: {aggregate: <collection> | 1, pipeline: [...], cursor: {batchSize},
// explain, allowDiskUse, let, maxTimeMS, ...}. A leading $match (and a $sort / $skip / $limit
// right after it) runs through the query planner (query_exec.h), so it uses indexes; the rest
// of the pipeline streams over the matching documents (agg/pipeline.h). Pipelines that end in
// $out or $merge run in a write transaction (group commit, or the session's transaction).
#include "docdb/commands/aggregate_command.h"

#include <deque>
#include <string>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/commands/agg_environment.h"
#include "docdb/commands/change_stream.h"
#include "docdb/commands/cursors.h"
#include "docdb/commands/query_exec.h"
#include "docdb/commands/registry.h"
#include "docdb/query/matcher.h"

namespace tactus::docdb::commands {
namespace {

std::int64_t g_stage_memory_limit_for_tests = 0;

constexpr std::int64_t kMaxBatchSize = std::int64_t{1} << 53;

struct Parsed {
  std::string coll;  // empty for aggregate: 1
  bool collectionless = false;
  bson_value_t pipeline_value{};
  bool explain = false;
  bool allow_disk_use = false;
  std::int64_t batch_size = kDefaultFirstBatch;
  bool has_batch_size = false;
  const bson_t* command = nullptr;
};

DbResult<Parsed> ParseCommand(const CommandContext& ctx) {
  Parsed p;
  p.command = ctx.command;
  bson_iter_t it;
  bson_iter_init_find(&it, ctx.command, "aggregate");
  if (BSON_ITER_HOLDS_UTF8(&it)) {
    p.coll = bson_iter_utf8(&it, nullptr);
    if (p.coll.empty()) return MakeError(kInvalidNamespace, "Invalid empty namespace specified");
  } else if (BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_int64(&it) == 1) {
    p.collectionless = true;
  } else {
    return MakeError(kFailedToParse,
                     "Invalid aggregate namespace: the 'aggregate' field must be "
                     "a collection name or 1");
  }
  if (!bson_iter_init_find(&it, ctx.command, "pipeline")) {
    return MakeError(40414, "BSON field 'aggregate.pipeline' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_ARRAY(&it)) {
    return MakeError(kTypeMismatch, "BSON field 'aggregate.pipeline' is the wrong type '" +
                                        std::string(BsonTypeName(bson_iter_type(&it))) +
                                        "', expected type 'array'");
  }
  p.pipeline_value = *bson_iter_value(&it);
  p.explain = GetBool(ctx.command, "explain", false);
  p.allow_disk_use = GetBool(ctx.command, "allowDiskUse", false);
  if (bson_iter_init_find(&it, ctx.command, "cursor")) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return TypeError("cursor", "object");
    bson_t cursor;
    GetDocument(ctx.command, "cursor", &cursor);
    bson_iter_t b;
    if (bson_iter_init_find(&b, &cursor, "batchSize")) {
      if (!BSON_ITER_HOLDS_NUMBER(&b)) return TypeError("cursor.batchSize", "long");
      std::int64_t n = bson_iter_as_int64(&b);
      if (n < 0 || n > kMaxBatchSize) {
        return MakeError(51024,
                         "BSON field 'batchSize' value must be >= 0 and <= 2^53, actual value '" +
                             std::to_string(n) + "'");
      }
      p.batch_size = n;
      p.has_batch_size = true;
    }
  } else if (!p.explain) {
    return MakeError(
        kFailedToParse,
        "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  if (bson_iter_init_find(&it, ctx.command, "maxTimeMS") && !BSON_ITER_HOLDS_NUMBER(&it)) {
    return TypeError("maxTimeMS", "int");
  }
  return p;
}

// Defines aggregate's `let` variables in `scope`; their values are set by SetLetValues.
struct LetVars {
  std::vector<std::pair<int, query::Expression>> vars;
};

DbResult<LetVars> ParseLet(const bson_t* command, query::ExprScope& scope) {
  LetVars out;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, command, "let")) return out;
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return TypeError("let", "object");
  bson_value_t let = *bson_iter_value(&it);
  DbResult<Done> status = Done{};
  std::vector<std::pair<std::string, query::Expression>> parsed;
  query::ForEachElement(let, [&](std::string_view name, const bson_value_t& v) {
    if (auto r = query::ValidateVariableName(name); !r.ok()) {
      status = r.error();
      return false;
    }
    auto e = query::Expression::Parse(v, scope);
    if (!e.ok()) {
      status = e.error();
      return false;
    }
    parsed.emplace_back(std::string(name), std::move(e).value());
    return true;
  });
  if (!status.ok()) return status.error();
  for (auto& [name, e] : parsed) out.vars.emplace_back(scope.Define(name), std::move(e));
  return out;
}

DbResult<Done> SetLetValues(const LetVars& let, query::EvalContext& ctx) {
  bson_t empty = BSON_INITIALIZER;
  for (const auto& [slot, expr] : let.vars) {
    ctx.SetRoot(&empty);
    auto v = expr.Evaluate(ctx);
    if (!v.ok()) return v.error();
    ctx.slot(slot) = query::OwnedCopy(v.value().v);
  }
  return Done{};
}

void AppendExplain(bson_t* body, const std::string& ns, const Plan* plan, const bson_t* command,
                   std::size_t prefix_stages) {
  bson_t planner, winning, stages;
  BSON_APPEND_UTF8(body, "explainVersion", "1");
  BSON_APPEND_DOCUMENT_BEGIN(body, "queryPlanner", &planner);
  BSON_APPEND_UTF8(&planner, "namespace", ns.c_str());
  BSON_APPEND_DOCUMENT_BEGIN(&planner, "winningPlan", &winning);
  BSON_APPEND_UTF8(&winning, "stage", plan ? plan->Describe().c_str() : "EOF");
  if (plan && !plan->IndexName().empty()) {
    BSON_APPEND_UTF8(&winning, "indexName", plan->IndexName().c_str());
  }
  if (plan && plan->in_ranges) {
    bson_t bounds, field;
    BSON_APPEND_DOCUMENT_BEGIN(&winning, "indexBounds", &bounds);
    bson_append_document_begin(&bounds, plan->in_field.c_str(), -1, &field);
    BSON_APPEND_INT64(&field, "$in", static_cast<std::int64_t>(plan->in_ranges->size()));
    bson_append_document_end(&bounds, &field);
    bson_append_document_end(&winning, &bounds);
  }
  bson_append_document_end(&planner, &winning);
  bson_append_document_end(body, &planner);
  // The stages that run after the planner, as given.
  BSON_APPEND_ARRAY_BEGIN(body, "stages", &stages);
  bson_t pipeline;
  std::size_t i = 0, n = 0;
  if (GetArray(command, "pipeline", &pipeline)) {
    bson_iter_t it;
    bson_iter_init(&it, &pipeline);
    while (bson_iter_next(&it)) {
      if (i++ < prefix_stages) continue;
      bson_append_iter(&stages, std::to_string(n++).c_str(), -1, &it);
    }
  }
  bson_append_array_end(body, &stages);
}

DbResult<BsonPtr> Aggregate(CommandContext& ctx) {
  if (StartsWithChangeStream(ctx.command)) return RunChangeStreamAggregate(ctx);
  auto parsed = ParseCommand(ctx);
  if (!parsed.ok()) return parsed.error();
  const Parsed& p = parsed.value();
  query::ExprScope scope(ctx.now_ms);
  auto let = ParseLet(ctx.command, scope);
  if (!let.ok()) return let.error();
  auto pipeline = agg::Pipeline::ParseValue(p.pipeline_value, scope);
  if (!pipeline.ok()) return pipeline.error();
  auto names = pipeline.value().StageNames();
  bool starts_with_documents = !names.empty() && names.front() == "$documents";
  if (p.collectionless && !starts_with_documents) {
    return MakeError(kInvalidNamespace,
                     "{aggregate: 1} is not valid for '" +
                         (names.empty() ? std::string("an empty pipeline") : names.front()) +
                         "'; a collection is required.");
  }
  for (std::size_t i = 1; i < names.size(); ++i) {
    if (names[i] == "$documents")
      return MakeError(40602, "$documents is only valid as the first stage in a pipeline");
  }
  bool writes = pipeline.value().writes();
  if (writes && p.explain) {
    // Explaining a write pipeline does not write.
  }
  std::string ns = ctx.db + "." + (p.collectionless ? "$cmd.aggregate" : p.coll);
  agg::Options options;
  options.db = ctx.db;
  options.allow_disk_use = p.allow_disk_use;
  options.now_ms = ctx.now_ms;
  if (g_stage_memory_limit_for_tests > 0)
    options.stage_memory_limit = g_stage_memory_limit_for_tests;
  auto body = [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    std::optional<storage::CollectionInfo> coll;
    if (!p.collectionless) {
      auto found = txn.FindCollection(ctx.db, p.coll);
      if (!found.ok()) return found.error();
      if (found.value()) coll = std::move(*found.value());
    }
    bson_t empty = BSON_INITIALIZER;
    agg::Pipeline::Prefix prefix =
        p.collectionless ? agg::Pipeline::Prefix{} : pipeline.value().LeadingQuery();
    if (coll && prefix.sort &&
        !ChoosePlan(txn, *coll, prefix.filter ? prefix.filter : &empty, prefix.sort)
             .provides_sort) {
      // Only an index-backed sort leaves the pipeline: an in-memory sort stays in $sort, which
      // enforces the memory limit (and spills with allowDiskUse).
      prefix = agg::Pipeline::Prefix{prefix.filter, nullptr, 0, 0, prefix.filter ? 1u : 0u};
    }
    agg::Pipeline rest = pipeline.value().WithoutPrefix(prefix.stages);
    auto matcher = query::Matcher::Compile(prefix.filter ? prefix.filter : &empty);
    if (!matcher.ok()) return matcher.error();
    if (p.explain) {
      ReplyBuilder r;
      std::optional<Plan> plan;
      if (coll) plan = ChoosePlan(txn, *coll, prefix.filter ? prefix.filter : &empty, prefix.sort);
      AppendExplain(r.body(), ns, plan ? &*plan : nullptr, ctx.command, prefix.stages);
      return r.Finish();
    }
    TxnEnvironment env(txn, ctx.txn != nullptr);
    query::EvalContext ectx(scope.slot_count(), ctx.now_ms);
    if (auto r = SetLetValues(let.value(), ectx); !r.ok()) return r.error();
    std::deque<BsonPtr> out;
    auto run = rest.Start(options, ectx, &env, [&](const bson_t* doc) -> DbResult<bool> {
      out.push_back(CopyBson(doc));
      return true;
    });
    if (coll) {
      if (prefix.stages > 0) {
        auto matched =
            FindMatching(txn, *coll, matcher.value(), prefix.sort, prefix.skip, prefix.limit);
        if (!matched.ok()) return matched.error();
        for (auto& m : matched.value()) {
          auto more = run->Push(m.doc.get());
          if (!more.ok()) return more.error();
          if (!more.value()) break;
        }
      } else {
        // A pipeline that writes reads its input first: $merge into the collection it reads
        // must not see its own inserts (the scan could otherwise run forever).
        std::vector<BsonPtr> held;
        DbResult<Done> failure = Done{};
        auto scanned = txn.ScanCollection(*coll, storage::KeyRange{}, false,
                                          [&](const std::string&, const bson_t* doc) {
                                            if (writes) {
                                              held.push_back(CopyBson(doc));
                                              return true;
                                            }
                                            auto more = run->Push(doc);
                                            if (!more.ok()) {
                                              failure = more.error();
                                              return false;
                                            }
                                            return more.value();
                                          });
        if (!failure.ok()) return failure.error();
        if (!scanned.ok()) return scanned.error();
        for (const auto& doc : held) {
          auto more = run->Push(doc.get());
          if (!more.ok()) return more.error();
          if (!more.value()) break;
        }
      }
    }
    if (auto r = run->Finish(); !r.ok()) return r.error();
    std::int64_t first = p.batch_size;
    std::vector<BsonPtr> batch;
    std::int64_t id = ctx.cursors->Open(ns, std::move(out), first, &batch, ctx.now_ms,
                                        p.has_batch_size && first == 0);
    ReplyBuilder r;
    AppendCursorReply(r.body(), ns, "firstBatch", batch, id);
    return r.Finish();
  };
  if (writes && !p.explain) return WithWriteTxn(ctx, body);
  return WithReadTxn(ctx, body);
}

}  // namespace

void SetStageMemoryLimitForTesting(std::int64_t bytes) { g_stage_memory_limit_for_tests = bytes; }

void RegisterAggregateCommands(Registry& r) { r["aggregate"] = {Aggregate, true}; }

}  // namespace tactus::docdb::commands
