// $lookup (equality form as a hash join over the foreign collection, read once per run; pipeline
// form with `let`, run per input document over the foreign documents read once per run),
// $facet and $unionWith.
#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "docdb/agg/stage.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/path.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg::internal {
namespace {

using query::Value;

// The keys a path reaches for equality matching: array elements and the array itself, null for
// missing.
void KeysAt(const bson_t* doc, const std::vector<std::string>& path, bool with_arrays,
            std::vector<std::string>* out) {
  std::vector<query::PathHit> hits;
  query::FindPath(doc, path,
                  with_arrays ? query::TerminalArrays::kElementsThenArray
                              : query::TerminalArrays::kElementsOnly,
                  &hits);
  bool any = false;
  for (const auto& h : hits) {
    if (h.missing()) {
      out->push_back(query::EncodeKeyValue(query::NullValue().v));
    } else {
      out->push_back(query::EncodeKeyValue(h.value));
    }
    any = true;
  }
  if (!any) out->push_back(query::EncodeKeyValue(query::NullValue().v));
}

// Sets top-level field `as` of `doc` to `value` (replacing it in place when present).
BsonPtr WithField(const bson_t* doc, const std::string& as, const bson_value_t& value) {
  BsonPtr out = NewBson();
  bson_iter_t it;
  bson_iter_init(&it, doc);
  bool replaced = false;
  while (bson_iter_next(&it)) {
    if (as == bson_iter_key(&it)) {
      bson_append_value(out.get(), as.c_str(), static_cast<int>(as.size()), &value);
      replaced = true;
    } else {
      bson_append_iter(out.get(), nullptr, 0, &it);
    }
  }
  if (!replaced) bson_append_value(out.get(), as.c_str(), static_cast<int>(as.size()), &value);
  return out;
}

class LookupDef : public StageDef {
 public:
  std::string from, as;
  std::vector<std::string> local, foreign;              // equality form (both empty otherwise)
  std::vector<std::pair<int, query::Expression>> lets;  // slot, expression
  std::optional<Pipeline> pipeline;
  BsonPtr holder;

  class Run : public Stage {
   public:
    Run(const LookupDef& d, const RunContext& rc) : d_(d), rc_(rc) {}

    DbResult<bool> Push(const bson_t* doc) override {
      if (!loaded_) {
        if (!rc_.env) return MakeError(kInternalError, "$lookup has no collection access here");
        bson_t empty = BSON_INITIALIZER;
        auto docs = rc_.env->Read(rc_.options->db, d_.from, &empty);
        if (!docs.ok()) return docs.error();
        foreign_ = std::move(docs).value();
        std::int64_t bytes = 0;
        for (const auto& f : foreign_) bytes += HeldBytes(f.get());
        if (bytes > rc_.options->stage_memory_limit) {
          return MemoryLimitError("$lookup (foreign collection " + d_.from + ")",
                                  rc_.options->stage_memory_limit);
        }
        if (!d_.foreign.empty()) {
          for (std::size_t i = 0; i < foreign_.size(); ++i) {
            std::vector<std::string> keys;
            KeysAt(foreign_[i].get(), d_.foreign, true, &keys);
            std::sort(keys.begin(), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
            for (auto& k : keys) hash_[k].push_back(i);
          }
        }
        loaded_ = true;
      }
      std::vector<const bson_t*> candidates;
      if (!d_.local.empty()) {
        std::vector<std::string> keys;
        KeysAt(doc, d_.local, false, &keys);
        std::set<std::size_t> hits;
        for (const auto& k : keys) {
          auto found = hash_.find(k);
          if (found != hash_.end()) hits.insert(found->second.begin(), found->second.end());
        }
        for (std::size_t i : hits) candidates.push_back(foreign_[i].get());
      } else {
        for (const auto& f : foreign_) candidates.push_back(f.get());
      }
      query::ArrayBuilder matched;
      if (d_.pipeline) {
        rc_.ctx->SetRoot(doc);
        for (const auto& [slot, expr] : d_.lets) {
          auto v = expr.Evaluate(*rc_.ctx);
          if (!v.ok()) return v.error();
          // Owned: the input document changes before the sub-pipeline is done with it.
          rc_.ctx->slot(slot) = query::OwnedCopy(v.value().v);
        }
        auto results = d_.pipeline->RunOver(candidates, *rc_.options, *rc_.ctx, rc_.env);
        if (!results.ok()) return results.error();
        for (const auto& r : results.value()) matched.Append(DocValue(r.get()));
      } else {
        for (const bson_t* c : candidates) matched.Append(DocValue(c));
      }
      Value arr = matched.Finish();
      if (arr.v.value.v_doc.data_len > kMaxOutputDocumentBytes) {
        return MakeError(4568, "Total size of documents in " + d_.from +
                                   " matching pipeline's $lookup stage exceeds 16793600 bytes");
      }
      BsonPtr out = WithField(doc, d_.as, arr.v);
      return next_->Push(out.get());
    }

   private:
    const LookupDef& d_;
    RunContext rc_;
    bool loaded_ = false;
    std::vector<BsonPtr> foreign_;
    std::unordered_map<std::string, std::vector<std::size_t>> hash_;
  };

  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$lookup"; }
};

DbResult<std::shared_ptr<const StageDef>> ParseLookup(const bson_value_t& spec,
                                                      query::ExprScope& scope, int depth) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(kFailedToParse, "the $lookup specification must be an Object");
  }
  auto def = std::make_shared<LookupDef>();
  def->holder = BsonPtr(bson_new_from_data(spec.value.v_doc.data, spec.value.v_doc.data_len));
  std::optional<bson_value_t> let, pipeline;
  std::string local, foreign;
  bson_iter_t it;
  bson_iter_init(&it, def->holder.get());
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    auto string_field = [&](std::string* out) -> DbResult<Done> {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return MakeError(kFailedToParse, "$lookup argument '" + key + "' must be a string, found " +
                                             BsonTypeName(bson_iter_type(&it)));
      }
      *out = bson_iter_utf8(&it, nullptr);
      return Done{};
    };
    DbResult<Done> r = Done{};
    if (key == "from")
      r = string_field(&def->from);
    else if (key == "as")
      r = string_field(&def->as);
    else if (key == "localField")
      r = string_field(&local);
    else if (key == "foreignField")
      r = string_field(&foreign);
    else if (key == "let")
      let = *bson_iter_value(&it);
    else if (key == "pipeline")
      pipeline = *bson_iter_value(&it);
    else
      return MakeError(kFailedToParse, "unknown argument to $lookup: " + key);
    if (!r.ok()) return r.error();
  }
  if (def->from.empty())
    return MakeError(kFailedToParse, "must specify 'from' field for a $lookup");
  if (def->as.empty()) return MakeError(kFailedToParse, "must specify 'as' field for a $lookup");
  if (!bson_utf8_validate(def->as.data(), def->as.size(), false)) {
    return MakeError(kBadValue, "$lookup 'as' must be valid UTF-8");
  }
  if (def->as[0] == '$' || def->as.find('.') != std::string::npos) {
    return MakeError(kFailedToParse,
                     "$lookup 'as' must be a plain field name (dotted paths are not supported by "
                     "the embedded store)");
  }
  if (local.empty() != foreign.empty()) {
    return MakeError(
        kFailedToParse,
        "$lookup requires both or neither of 'localField' and 'foreignField' to be specified");
  }
  if (local.empty() && !pipeline) {
    return MakeError(kFailedToParse,
                     "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' "
                     "to be specified");
  }
  if (!local.empty()) {
    def->local = query::SplitPath(local);
    def->foreign = query::SplitPath(foreign);
  }
  if (let && !pipeline) {
    return MakeError(kFailedToParse, "$lookup with 'let' must also specify a 'pipeline'");
  }
  int defined = 0;
  if (let) {
    if (let->value_type != BSON_TYPE_DOCUMENT)
      return MakeError(kFailedToParse, "$lookup argument 'let' must be an object");
    DbResult<Done> status = Done{};
    std::vector<std::pair<std::string, query::Expression>> parsed;
    query::ForEachElement(*let, [&](std::string_view name, const bson_value_t& v) {
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
    for (auto& [name, e] : parsed) {
      def->lets.emplace_back(scope.Define(name), std::move(e));
      ++defined;
    }
  }
  if (pipeline) {
    auto p = Pipeline::ParseValue(*pipeline, scope, depth + 1);
    scope.Pop(defined);
    if (!p.ok()) return p.error();
    if (p.value().writes()) {
      return MakeError(51047, "$out and $merge are not allowed inside a $lookup pipeline");
    }
    def->pipeline = std::move(p).value();
  }
  return std::shared_ptr<const StageDef>(std::move(def));
}

// ---- $facet
class FacetDef : public StageDef {
 public:
  std::vector<std::pair<std::string, Pipeline>> facets;

  class Run : public Stage {
   public:
    Run(const FacetDef& d, const RunContext& rc) : d_(d), rc_(rc), results_(d.facets.size()) {
      for (std::size_t i = 0; i < d.facets.size(); ++i) {
        runs_.push_back(d.facets[i].second.Start(
            *rc.options, *rc.ctx, rc.env, [this, i](const bson_t* doc) -> DbResult<bool> {
              bytes_ += doc->len;
              if (bytes_ > static_cast<std::int64_t>(kMaxOutputDocumentBytes)) {
                return MakeError(4031700,
                                 "document constructed by $facet is larger than 16777216 bytes");
              }
              results_[i].push_back(CopyBson(doc));
              return true;
            }));
      }
    }
    DbResult<bool> Push(const bson_t* doc) override {
      for (auto& run : runs_) {
        auto r = run->Push(doc);
        if (!r.ok()) return r;
      }
      return true;
    }
    DbResult<Done> Finish() override {
      for (auto& run : runs_) {
        if (auto r = run->Finish(); !r.ok()) return r;
      }
      BsonPtr out = NewBson();
      for (std::size_t i = 0; i < d_.facets.size(); ++i) {
        query::ArrayBuilder b;
        for (const auto& doc : results_[i]) b.Append(DocValue(doc.get()));
        Value arr = b.Finish();
        query::AppendValue(out.get(), d_.facets[i].first, arr.v);
      }
      auto more = next_->Push(out.get());
      if (!more.ok()) return more.error();
      return next_->Finish();
    }

   private:
    const FacetDef& d_;
    RunContext rc_;
    std::vector<std::unique_ptr<Pipeline::Run>> runs_;
    std::vector<std::vector<BsonPtr>> results_;
    std::int64_t bytes_ = 0;
  };

  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$facet"; }
};

DbResult<std::shared_ptr<const StageDef>> ParseFacet(const bson_value_t& spec,
                                                     query::ExprScope& scope, int depth) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(15955, "the $facet specification must be a non-empty object");
  }
  auto def = std::make_shared<FacetDef>();
  DbResult<Done> status = Done{};
  query::ForEachElement(spec, [&](std::string_view name, const bson_value_t& v) {
    if (name.empty() || name[0] == '$' || name.find('.') != std::string_view::npos) {
      status = MakeError(
          40352, "$facet output field names must not be empty, start with '$' or contain '.'");
      return false;
    }
    auto p = Pipeline::ParseValue(v, scope, depth + 1);
    if (!p.ok()) {
      status = p.error();
      return false;
    }
    for (const std::string& stage : p.value().StageNames()) {
      if (stage == "$out" || stage == "$merge" || stage == "$facet") {
        status = MakeError(40600, stage + " is not allowed to be used within a $facet stage");
        return false;
      }
    }
    def->facets.emplace_back(std::string(name), std::move(p).value());
    return true;
  });
  if (!status.ok()) return status.error();
  if (def->facets.empty())
    return MakeError(40169, "the $facet specification must be a non-empty object");
  return std::shared_ptr<const StageDef>(std::move(def));
}

// ---- $unionWith: after the input, the documents of another collection (through a pipeline).
class UnionDef : public StageDef {
 public:
  std::string coll;
  std::optional<Pipeline> pipeline;

  class Run : public Stage {
   public:
    Run(const UnionDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* doc) override { return next_->Push(doc); }
    DbResult<Done> Finish() override {
      if (!rc_.env) return MakeError(kInternalError, "$unionWith has no collection access here");
      bson_t empty = BSON_INITIALIZER;
      auto docs = rc_.env->Read(rc_.options->db, d_.coll, &empty);
      if (!docs.ok()) return docs.error();
      std::vector<const bson_t*> input;
      for (const auto& d : docs.value()) input.push_back(d.get());
      std::vector<BsonPtr> out;
      if (d_.pipeline) {
        auto r = d_.pipeline->RunOver(input, *rc_.options, *rc_.ctx, rc_.env);
        if (!r.ok()) return r.error();
        out = std::move(r).value();
      } else {
        out = std::move(docs).value();
      }
      for (const auto& d : out) {
        auto more = next_->Push(d.get());
        if (!more.ok()) return more.error();
        if (!more.value()) break;
      }
      return next_->Finish();
    }

   private:
    const UnionDef& d_;
    RunContext rc_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$unionWith"; }
};

DbResult<std::shared_ptr<const StageDef>> ParseUnionWith(const bson_value_t& spec,
                                                         query::ExprScope& scope, int depth) {
  auto def = std::make_shared<UnionDef>();
  if (spec.value_type == BSON_TYPE_UTF8) {
    def->coll.assign(spec.value.v_utf8.str, spec.value.v_utf8.len);
    return std::shared_ptr<const StageDef>(std::move(def));
  }
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(kFailedToParse,
                     "the $unionWith stage specification must be an object or string");
  }
  DbResult<Done> status = Done{};
  query::ForEachElement(spec, [&](std::string_view key, const bson_value_t& v) {
    if (key == "coll" && v.value_type == BSON_TYPE_UTF8) {
      def->coll.assign(v.value.v_utf8.str, v.value.v_utf8.len);
    } else if (key == "pipeline") {
      auto p = Pipeline::ParseValue(v, scope, depth + 1);
      if (!p.ok()) {
        status = p.error();
        return false;
      }
      def->pipeline = std::move(p).value();
    } else {
      status = MakeError(kFailedToParse,
                         "unknown or malformed field in $unionWith: " + std::string(key));
      return false;
    }
    return true;
  });
  if (!status.ok()) return status.error();
  if (def->coll.empty()) return MakeError(kFailedToParse, "$unionWith requires 'coll'");
  return std::shared_ptr<const StageDef>(std::move(def));
}

}  // namespace

std::vector<StageEntry> LookupStages() {
  return {{"$lookup", ParseLookup}, {"$facet", ParseFacet}, {"$unionWith", ParseUnionWith}};
}

}  // namespace tactus::docdb::agg::internal
