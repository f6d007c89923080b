// The aggregation framework: a pipeline of stages parsed once per command and run over a stream
// of documents (docs/docdb.md, "Aggregation" lists the stages and their limits).
//
// Execution is push-based: the caller feeds documents (from a collection scan, the query
// planner, or nothing for `aggregate: 1`) into Run::Push and calls Run::Finish; results arrive in
// the sink. Blocking stages ($group, $sort, $bucket, $facet, $count, $sample) keep their state in
// memory up to a per-stage limit (Options::stage_memory_limit, default kStageMemoryLimitBytes);
// past it they fail with QueryExceededMemoryLimitNoDiskUseAllowed (292) unless allowDiskUse, in
// which case $sort and $group spill to temporary files (spill.h) and still answer exactly.
//
// Collections other than the input ($lookup's `from`, $out's and $merge's targets) are reached
// through an Environment the caller provides (commands/ implements it on a storage::Txn).
// Thread safety: a parsed Pipeline is immutable; each Run is used by one thread.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/query/expr.h"

namespace tactus::docdb::agg {

// Per-stage memory budget of $group and $sort (MongoDB's 100 MB default).
inline constexpr std::int64_t kStageMemoryLimitBytes = 100 * 1024 * 1024;
inline constexpr std::int32_t kQueryExceededMemoryLimitNoDiskUseAllowed = 292;
// Sub-pipelines ($lookup, $facet) may nest this deep.
inline constexpr int kMaxPipelineDepth = 20;
// $facet's output document must fit in one BSON document.
inline constexpr std::size_t kMaxOutputDocumentBytes = 16 * 1024 * 1024;

// Access to collections for $lookup, $out and $merge.
class Environment {
 public:
  virtual ~Environment() = default;
  // Documents of db.coll matching `filter` ({} for all; equality filters may use indexes), in
  // natural order. An absent collection has no documents.
  virtual DbResult<std::vector<BsonPtr>> Read(const std::string& db, const std::string& coll,
                                              const bson_t* filter) = 0;
  // Replaces the whole content of db.coll with `docs` (creating it; keeping its indexes), as one
  // atomic step of the surrounding write transaction.
  virtual DbResult<Done> ReplaceCollection(const std::string& db, const std::string& coll,
                                           const std::vector<BsonPtr>& docs) = 0;
  // Inserts one document (adding an ObjectId _id when it has none).
  virtual DbResult<Done> Insert(const std::string& db, const std::string& coll,
                                const bson_t* doc) = 0;
  // Replaces the document `old_doc` (found by Read) with `new_doc` (same _id).
  virtual DbResult<Done> Replace(const std::string& db, const std::string& coll,
                                 const bson_t* old_doc, const bson_t* new_doc) = 0;
  // True inside a multi-document transaction ($out is refused there).
  virtual bool in_transaction() const = 0;
};

struct Options {
  std::string db;  // the aggregate command's database
  bool allow_disk_use = false;
  std::int64_t stage_memory_limit = kStageMemoryLimitBytes;
  std::int64_t now_ms = 0;  // $$NOW
  // Directory for spill files; empty: the system's temporary directory.
  std::string spill_dir;
};

// Receives the pipeline's output; returns false to stop early.
using Sink = std::function<DbResult<bool>(const bson_t* doc)>;

namespace internal {
class StageDef;
}

class Pipeline {
 public:
  // Parses an array of stage documents. `scope` holds the command's variables (aggregate's
  // `let`, $lookup's `let`) and must be the one later runs use. Errors: 40324 "Unrecognized
  // pipeline stage name: '$foo'", 40323 "A pipeline stage specification object must contain
  // exactly one field.", 14 for a stage that is not a document, the stages' own codes, and the
  // expressions' (expr.h). `depth` counts nesting of sub-pipelines (kMaxPipelineDepth).
  static DbResult<Pipeline> Parse(const bson_t* stages, query::ExprScope& scope, int depth = 0);
  // The same for a bson array value.
  static DbResult<Pipeline> ParseValue(const bson_value_t& stages, query::ExprScope& scope,
                                       int depth = 0);

  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  // Leading stages the caller may run with the query planner instead: a first $match (its
  // filter), then a $sort and a $limit / $skip right after. Take() removes them.
  struct Prefix {
    const bson_t* filter = nullptr;  // nullptr: no leading $match
    const bson_t* sort = nullptr;    // nullptr: none
    std::int64_t skip = 0;
    std::int64_t limit = 0;  // 0: none
    std::size_t stages = 0;  // how many stages these cover
  };
  Prefix LeadingQuery() const;
  // A pipeline without its first `n` stages (sharing the parsed stages).
  Pipeline WithoutPrefix(std::size_t n) const;

  // True when some stage writes ($out, $merge): the run needs a write transaction.
  bool writes() const;
  // True when the pipeline ends in $out or $merge.
  bool ends_with_write() const;
  // Names of the stages, for explain.
  std::vector<std::string> StageNames() const;
  bool empty() const;

  class Run {
   public:
    virtual ~Run() = default;
    // Feeds one input document (valid during the call). Returns false once no more input is
    // needed (a $limit is satisfied); the caller may stop feeding.
    virtual DbResult<bool> Push(const bson_t* doc) = 0;
    // Ends the input; flushes blocking stages into the sink.
    virtual DbResult<Done> Finish() = 0;
  };
  // Starts a run writing to `sink`. `ctx` holds the variables (aggregate's `let` already set)
  // and must outlive the run; so must `env` (may be nullptr when no stage needs it).
  std::unique_ptr<Run> Start(const Options& options, query::EvalContext& ctx, Environment* env,
                             Sink sink) const;

  // Runs over `input` and collects the output (for sub-pipelines and tests).
  DbResult<std::vector<BsonPtr>> RunOver(const std::vector<const bson_t*>& input,
                                         const Options& options, query::EvalContext& ctx,
                                         Environment* env) const;

 private:
  Pipeline();
  std::vector<std::shared_ptr<const internal::StageDef>> stages_;
};

}  // namespace tactus::docdb::agg
