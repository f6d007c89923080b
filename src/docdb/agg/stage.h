// Internal to agg/: the parsed form of a stage (StageDef, immutable) and its run-time state
// (Stage, one per run). Each stage file registers its parsers in a StageParser table.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/query/expr.h"

namespace tactus::docdb::agg::internal {

struct RunContext {
  const Options* options = nullptr;
  query::EvalContext* ctx = nullptr;
  Environment* env = nullptr;
};

// One stage of a running pipeline: consumes documents, emits to the next stage.
class Stage {
 public:
  virtual ~Stage() = default;
  // `doc` is valid only during the call. Returns false once no more input is wanted.
  virtual DbResult<bool> Push(const bson_t* doc) = 0;
  // End of input: emit what was held back, then Finish the next stage.
  virtual DbResult<Done> Finish() { return next_->Finish(); }
  virtual void set_next(Stage* next) { next_ = next; }

 protected:
  Stage* next_ = nullptr;
};

class StageDef {
 public:
  virtual ~StageDef() = default;
  virtual std::unique_ptr<Stage> Make(const RunContext& rc) const = 0;
  virtual std::string name() const = 0;
  virtual bool writes() const { return false; }
  // For the query planner (Pipeline::LeadingQuery): a $match's filter when the planner may run
  // it, a $sort's spec, a $limit's or $skip's count.
  virtual const bson_t* planner_filter() const { return nullptr; }
  virtual const bson_t* sort_spec() const { return nullptr; }
  virtual std::int64_t limit() const { return 0; }
  virtual std::int64_t skip() const { return 0; }
  // A $sort's copy that keeps only the first `limit` documents (top-k); nullptr for others.
  virtual std::shared_ptr<const StageDef> WithLimit(std::int64_t) const { return nullptr; }
};

DbResult<std::shared_ptr<const StageDef>> MakeSortDef(const bson_t* spec);
// InvalidOptions (72) unless every stage may run in an update pipeline ($addFields, $set,
// $project, $unset, $replaceRoot, $replaceWith).
DbResult<Done> CheckUpdatePipeline(const Pipeline& pipeline, const std::string& context);

// Runs several stage definitions as one stage ($sortByCount = $group + $sort).
class CompositeDef : public StageDef {
 public:
  CompositeDef(std::string name, std::vector<std::shared_ptr<const StageDef>> parts)
      : name_(std::move(name)), parts_(std::move(parts)) {}
  std::unique_ptr<Stage> Make(const RunContext& rc) const override;
  std::string name() const override { return name_; }

 private:
  std::string name_;
  std::vector<std::shared_ptr<const StageDef>> parts_;
};

using StageParser = DbResult<std::shared_ptr<const StageDef>> (*)(const bson_value_t& spec,
                                                                  query::ExprScope& scope,
                                                                  int depth);
struct StageEntry {
  const char* name;
  StageParser parse;
};

// Parsers by family; defined in the stage files.
std::vector<StageEntry> BasicStages();  // $match $project $addFields $set $unset $limit $skip
                                        // $count $replaceRoot $replaceWith
std::vector<StageEntry> UnwindSampleStages();  // $unwind $sample $documents
std::vector<StageEntry> SortStages();          // $sort
std::vector<StageEntry> GroupStages();         // $group $sortByCount $bucket
std::vector<StageEntry> LookupStages();        // $lookup $facet $unionWith
std::vector<StageEntry> WriteStages();         // $out $merge

// Parses one expression from a stage spec (keeps views into `spec`).
DbResult<query::Expression> ParseExpr(const bson_value_t& spec, query::ExprScope& scope);

// Helpers to describe errors.
DbError StageError(std::int32_t code, const std::string& message);
// The whole document as a bson_value_t view.
bson_value_t DocValue(const bson_t* doc);

// Approximate memory of a held document.
inline std::int64_t HeldBytes(const bson_t* doc) {
  return static_cast<std::int64_t>(doc->len) + 64;
}

DbError MemoryLimitError(const std::string& stage, std::int64_t limit);

}  // namespace tactus::docdb::agg::internal
