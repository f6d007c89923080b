// $sort: in memory up to the stage memory limit, then (with allowDiskUse) as sorted runs in a
// spill file merged at the end. A $sort followed by $limit keeps only the top k (a bounded heap).
#include <algorithm>
#include <queue>
#include <string>
#include <vector>

#include "docdb/agg/spill.h"
#include "docdb/agg/stage.h"
#include "docdb/query/sort.h"

namespace tactus::docdb::agg::internal {
namespace {

class SortDef : public StageDef {
 public:
  SortDef(BsonPtr spec, query::SortSpec sort, std::int64_t limit)
      : spec_(std::move(spec)), sort_(std::move(sort)), limit_(limit) {}

  struct Entry {
    std::string key;
    std::uint64_t seq;
    BsonPtr doc;
  };
  static bool Before(const Entry& a, const Entry& b) {
    int c = a.key.compare(b.key);
    return c != 0 ? c < 0 : a.seq < b.seq;
  }

  class Run : public Stage {
   public:
    Run(const SortDef& d, const RunContext& rc) : d_(d), rc_(rc) {}

    DbResult<bool> Push(const bson_t* doc) override {
      Entry e{d_.sort_.KeyFor(doc), seq_++, nullptr};
      if (d_.limit_ > 0) {
        // Top k: a max-heap of the k smallest.
        if (static_cast<std::int64_t>(held_.size()) == d_.limit_ && !Before(e, held_.front())) {
          return true;
        }
        e.doc = CopyBson(doc);
        bytes_ += HeldBytes(doc) + static_cast<std::int64_t>(e.key.size());
        held_.push_back(std::move(e));
        std::push_heap(held_.begin(), held_.end(), Before);
        if (static_cast<std::int64_t>(held_.size()) > d_.limit_) {
          std::pop_heap(held_.begin(), held_.end(), Before);
          bytes_ -= HeldBytes(held_.back().doc.get()) +
                    static_cast<std::int64_t>(held_.back().key.size());
          held_.pop_back();
        }
        if (bytes_ > rc_.options->stage_memory_limit) {
          return MemoryLimitError("$sort", rc_.options->stage_memory_limit);
        }
        return true;
      }
      e.doc = CopyBson(doc);
      bytes_ += HeldBytes(doc) + static_cast<std::int64_t>(e.key.size());
      held_.push_back(std::move(e));
      if (bytes_ > rc_.options->stage_memory_limit) {
        if (!rc_.options->allow_disk_use) {
          return MemoryLimitError("$sort", rc_.options->stage_memory_limit);
        }
        if (auto r = SpillRun(); !r.ok()) return r.error();
      }
      return true;
    }

    DbResult<Done> Finish() override {
      if (runs_.empty()) {
        std::sort(held_.begin(), held_.end(), Before);
        for (const Entry& e : held_) {
          auto more = next_->Push(e.doc.get());
          if (!more.ok()) return more.error();
          if (!more.value()) break;
        }
        held_.clear();
        return next_->Finish();
      }
      if (!held_.empty()) {
        if (auto r = SpillRun(); !r.ok()) return r.error();
      }
      auto merged = MergeRuns(
          *file_, runs_, [&](const std::string&, BsonPtr doc) { return next_->Push(doc.get()); });
      if (!merged.ok()) return merged.error();
      return next_->Finish();
    }

   private:
    DbResult<Done> SpillRun() {
      if (!file_) {
        auto f = SpillFile::Create(rc_.options->spill_dir);
        if (!f.ok()) return f.error();
        file_ = std::move(f).value();
      }
      std::sort(held_.begin(), held_.end(), Before);
      std::int64_t begin = file_->size();
      for (const Entry& e : held_) {
        if (auto r = file_->Append(e.key, e.doc.get()); !r.ok()) return r;
      }
      runs_.emplace_back(begin, file_->size());
      held_.clear();
      bytes_ = 0;
      return Done{};
    }

    const SortDef& d_;
    RunContext rc_;
    std::vector<Entry> held_;
    std::int64_t bytes_ = 0;
    std::uint64_t seq_ = 0;
    std::unique_ptr<SpillFile> file_;
    std::vector<std::pair<std::int64_t, std::int64_t>> runs_;
  };

  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$sort"; }
  const bson_t* sort_spec() const override { return spec_.get(); }
  std::shared_ptr<const StageDef> WithLimit(std::int64_t limit) const override {
    return std::make_shared<SortDef>(CopyBson(spec_.get()), sort_, limit);
  }

 private:
  BsonPtr spec_;
  query::SortSpec sort_;
  std::int64_t limit_;
};

DbResult<std::shared_ptr<const StageDef>> ParseSort(const bson_value_t& spec, query::ExprScope&,
                                                    int) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(15973, "the $sort key specification must be an object");
  }
  bson_t doc;
  bson_init_static(&doc, spec.value.v_doc.data, spec.value.v_doc.data_len);
  if (bson_empty(&doc)) return MakeError(15976, "$sort stage must have at least one sort key");
  auto sort = query::SortSpec::Compile(&doc);
  if (!sort.ok()) return sort.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<SortDef>(CopyBson(&doc), std::move(sort).value(), 0));
}

}  // namespace

std::vector<StageEntry> SortStages() { return {{"$sort", ParseSort}}; }

// Shared with group_stage.cc ($sortByCount, $bucket): a $sort stage from a spec.
DbResult<std::shared_ptr<const StageDef>> MakeSortDef(const bson_t* spec) {
  auto sort = query::SortSpec::Compile(spec);
  if (!sort.ok()) return sort.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<SortDef>(CopyBson(spec), std::move(sort).value(), 0));
}

}  // namespace tactus::docdb::agg::internal
