#include "docdb/agg/pipeline.h"

#include <map>
#include <string_view>

#include "docdb/agg/stage.h"

namespace tactus::docdb::agg {
namespace internal {

DbResult<query::Expression> ParseExpr(const bson_value_t& spec, query::ExprScope& scope) {
  return query::Expression::Parse(spec, scope);
}

DbError StageError(std::int32_t code, const std::string& message) {
  return MakeError(code, message);
}

bson_value_t DocValue(const bson_t* doc) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(doc));
  v.value.v_doc.data_len = doc->len;
  return v;
}

DbError MemoryLimitError(const std::string& stage, std::int64_t limit) {
  return MakeError(kQueryExceededMemoryLimitNoDiskUseAllowed,
                   "Exceeded memory limit for " + stage + ", but didn't allow external spilling;" +
                       " pass allowDiskUse:true to opt in (limit " + std::to_string(limit) +
                       " bytes)");
}

namespace {

class ChainStage : public Stage {
 public:
  explicit ChainStage(std::vector<std::unique_ptr<Stage>> parts) : parts_(std::move(parts)) {
    for (std::size_t i = 0; i + 1 < parts_.size(); ++i) parts_[i]->set_next(parts_[i + 1].get());
  }
  void set_next(Stage* next) override { parts_.back()->set_next(next); }
  DbResult<bool> Push(const bson_t* doc) override { return parts_.front()->Push(doc); }
  DbResult<Done> Finish() override { return parts_.front()->Finish(); }

 private:
  std::vector<std::unique_ptr<Stage>> parts_;
};

}  // namespace

std::unique_ptr<Stage> CompositeDef::Make(const RunContext& rc) const {
  std::vector<std::unique_ptr<Stage>> parts;
  for (const auto& p : parts_) parts.push_back(p->Make(rc));
  return std::make_unique<ChainStage>(std::move(parts));
}

namespace {

const std::map<std::string, StageParser, std::less<>>& StageTable() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, StageParser, std::less<>>();
    for (const auto& family :
         {BasicStages(), UnwindSampleStages(), SortStages(), GroupStages(), LookupStages(), WriteStages()}) {
      for (const StageEntry& e : family) (*t)[e.name] = e.parse;
    }
    return t;
  }();
  return *table;
}

// The sink as the last stage of the chain.
class SinkStage : public Stage {
 public:
  explicit SinkStage(Sink sink) : sink_(std::move(sink)) {}
  DbResult<bool> Push(const bson_t* doc) override { return sink_(doc); }
  DbResult<Done> Finish() override { return Done{}; }

 private:
  Sink sink_;
};

class ChainRun : public Pipeline::Run {
 public:
  ChainRun(std::vector<std::unique_ptr<Stage>> stages) : stages_(std::move(stages)) {
    for (std::size_t i = 0; i + 1 < stages_.size(); ++i) stages_[i]->set_next(stages_[i + 1].get());
  }
  DbResult<bool> Push(const bson_t* doc) override { return stages_.front()->Push(doc); }
  DbResult<Done> Finish() override { return stages_.front()->Finish(); }

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace
}  // namespace internal

Pipeline::Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

DbResult<Pipeline> Pipeline::ParseValue(const bson_value_t& stages, query::ExprScope& scope,
                                        int depth) {
  if (stages.value_type != BSON_TYPE_ARRAY) {
    return MakeError(kTypeMismatch,
                     std::string("'pipeline' option must be specified as an array, not ") +
                         BsonTypeName(stages.value_type));
  }
  bson_t arr;
  if (!bson_init_static(&arr, stages.value.v_doc.data, stages.value.v_doc.data_len)) {
    return MakeError(kInvalidBSON, "malformed pipeline");
  }
  return Parse(&arr, scope, depth);
}

DbResult<Pipeline> Pipeline::Parse(const bson_t* stages, query::ExprScope& scope, int depth) {
  if (depth > kMaxPipelineDepth) {
    return MakeError(kBadValue, "Maximum number of nested sub-pipelines exceeded. Limit is " +
                                    std::to_string(kMaxPipelineDepth));
  }
  Pipeline out;
  bson_iter_t it;
  if (!bson_iter_init(&it, stages)) return MakeError(kInvalidBSON, "malformed pipeline");
  const auto& table = internal::StageTable();
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return MakeError(kTypeMismatch, "Each element of the 'pipeline' array must be an object");
    }
    bson_t stage;
    const std::uint8_t* data;
    std::uint32_t len;
    bson_iter_document(&it, &len, &data);
    bson_init_static(&stage, data, len);
    bson_iter_t s;
    if (bson_count_keys(&stage) != 1 || !bson_iter_init(&s, &stage) || !bson_iter_next(&s)) {
      return MakeError(40323,
                       "A pipeline stage specification object must contain exactly one field.");
    }
    std::string_view name(bson_iter_key(&s), bson_iter_key_len(&s));
    auto found = table.find(name);
    if (found == table.end()) {
      return MakeError(40324, "Unrecognized pipeline stage name: '" + std::string(name) + "'");
    }
    auto def = found->second(*bson_iter_value(&s), scope, depth);
    if (!def.ok()) return def.error();
    out.stages_.push_back(std::move(def).value());
  }
  for (std::size_t i = 0; i + 1 < out.stages_.size(); ++i) {
    // $sort then $limit: the sort keeps only the top k.
    if (auto limited = out.stages_[i]->WithLimit(out.stages_[i + 1]->limit());
        limited && out.stages_[i + 1]->limit() > 0) {
      out.stages_[i] = std::move(limited);
    }
    std::string n = out.stages_[i]->name();
    if (n == "$out" || n == "$merge") {
      return MakeError(40601, n + " can only be the final stage in the pipeline");
    }
  }
  return out;
}

Pipeline::Prefix Pipeline::LeadingQuery() const {
  Prefix p;
  std::size_t i = 0;
  if (i < stages_.size() && stages_[i]->planner_filter()) {
    p.filter = stages_[i]->planner_filter();
    ++i;
  }
  if (i < stages_.size() && stages_[i]->sort_spec()) {
    p.sort = stages_[i]->sort_spec();
    ++i;
  }
  // $skip then $limit, or $limit alone (a $limit before a $skip changes the meaning).
  if (i < stages_.size() && stages_[i]->skip() > 0) {
    p.skip = stages_[i]->skip();
    ++i;
  }
  if (i < stages_.size() && stages_[i]->limit() > 0) {
    p.limit = stages_[i]->limit();
    ++i;
  }
  p.stages = i;
  return p;
}

Pipeline Pipeline::WithoutPrefix(std::size_t n) const {
  Pipeline out;
  out.stages_.assign(stages_.begin() + static_cast<std::ptrdiff_t>(std::min(n, stages_.size())),
                     stages_.end());
  return out;
}

bool Pipeline::writes() const {
  for (const auto& s : stages_) {
    if (s->writes()) return true;
  }
  return false;
}

bool Pipeline::ends_with_write() const { return !stages_.empty() && stages_.back()->writes(); }

bool Pipeline::empty() const { return stages_.empty(); }

std::vector<std::string> Pipeline::StageNames() const {
  std::vector<std::string> out;
  for (const auto& s : stages_) out.push_back(s->name());
  return out;
}

std::unique_ptr<Pipeline::Run> Pipeline::Start(const Options& options, query::EvalContext& ctx,
                                               Environment* env, Sink sink) const {
  internal::RunContext rc{&options, &ctx, env};
  std::vector<std::unique_ptr<internal::Stage>> chain;
  for (const auto& def : stages_) chain.push_back(def->Make(rc));
  chain.push_back(std::make_unique<internal::SinkStage>(std::move(sink)));
  return std::make_unique<internal::ChainRun>(std::move(chain));
}

DbResult<std::vector<BsonPtr>> Pipeline::RunOver(const std::vector<const bson_t*>& input,
                                                 const Options& options, query::EvalContext& ctx,
                                                 Environment* env) const {
  std::vector<BsonPtr> out;
  auto run = Start(options, ctx, env, [&](const bson_t* doc) -> DbResult<bool> {
    out.push_back(CopyBson(doc));
    return true;
  });
  for (const bson_t* doc : input) {
    auto more = run->Push(doc);
    if (!more.ok()) return more.error();
    if (!more.value()) break;
  }
  auto done = run->Finish();
  if (!done.ok()) return done.error();
  return out;
}

}  // namespace tactus::docdb::agg
