// $out (replace a collection atomically, in this or another database) and $merge (per document:
// whenMatched replace / keepExisting / merge / fail / pipeline, whenNotMatched insert / discard /
// fail). Both write through the Environment, i.e. the command's storage transaction.
#include <string>
#include <vector>

#include "docdb/agg/stage.h"
#include "docdb/query/path.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg::internal {
namespace {

inline constexpr std::int32_t kOperationNotSupportedInTransaction = 263;

struct Target {
  std::string db, coll;  // db empty: the command's
};

DbResult<Target> ParseTarget(const bson_value_t& v, const char* stage, const char* coll_field) {
  Target t;
  if (v.value_type == BSON_TYPE_UTF8) {
    t.coll.assign(v.value.v_utf8.str, v.value.v_utf8.len);
  } else if (v.value_type == BSON_TYPE_DOCUMENT) {
    DbResult<Done> status = Done{};
    query::ForEachElement(v, [&](std::string_view key, const bson_value_t& e) {
      if (e.value_type != BSON_TYPE_UTF8) {
        status = MakeError(kTypeMismatch,
                           std::string(stage) + " '" + std::string(key) + "' must be a string");
        return false;
      }
      std::string s(e.value.v_utf8.str, e.value.v_utf8.len);
      if (key == "db")
        t.db = s;
      else if (key == coll_field)
        t.coll = s;
      else
        status = MakeError(kFailedToParse,
                           std::string(stage) + " has an unknown field: " + std::string(key));
      return status.ok();
    });
    if (!status.ok()) return status.error();
  } else {
    return MakeError(kTypeMismatch, std::string(stage) + " expects a string or an object, found " +
                                        BsonTypeName(v.value_type));
  }
  if (t.coll.empty() || t.coll.find('$') != std::string::npos ||
      t.coll.find('\0') != std::string::npos) {
    return MakeError(kInvalidNamespace,
                     std::string("Invalid ") + stage + " target collection name: '" + t.coll + "'");
  }
  return t;
}

class OutDef : public StageDef {
 public:
  explicit OutDef(Target t) : t_(std::move(t)) {}
  class Run : public Stage {
   public:
    Run(const OutDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* doc) override {
      docs_.push_back(CopyBson(doc));
      return true;
    }
    DbResult<Done> Finish() override {
      if (!rc_.env) return MakeError(kInternalError, "$out has no collection access here");
      if (rc_.env->in_transaction()) {
        return MakeError(kOperationNotSupportedInTransaction,
                         "$out cannot be used in a transaction");
      }
      auto r = rc_.env->ReplaceCollection(d_.t_.db.empty() ? rc_.options->db : d_.t_.db, d_.t_.coll,
                                          docs_);
      if (!r.ok()) return r.error();
      return next_->Finish();
    }

   private:
    const OutDef& d_;
    RunContext rc_;
    std::vector<BsonPtr> docs_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$out"; }
  bool writes() const override { return true; }

 private:
  Target t_;
};

DbResult<std::shared_ptr<const StageDef>> ParseOut(const bson_value_t& spec, query::ExprScope&,
                                                   int) {
  auto t = ParseTarget(spec, "$out", "coll");
  if (!t.ok()) return t.error();
  return std::shared_ptr<const StageDef>(std::make_shared<OutDef>(std::move(t).value()));
}

class MergeDef : public StageDef {
 public:
  Target target;
  std::vector<std::string> on = {"_id"};
  enum class Matched {
    kReplace,
    kKeepExisting,
    kMerge,
    kFail,
    kPipeline
  } matched = Matched::kMerge;
  enum class NotMatched { kInsert, kDiscard, kFail } not_matched = NotMatched::kInsert;
  std::optional<Pipeline> pipeline;
  int new_slot = -1;
  std::vector<std::pair<int, query::Expression>> lets;
  BsonPtr holder;

  class Run : public Stage {
   public:
    Run(const MergeDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* in) override {
      if (!rc_.env) return MakeError(kInternalError, "$merge has no collection access here");
      const std::string& db = d_.target.db.empty() ? rc_.options->db : d_.target.db;
      BsonPtr doc = CopyBson(in);
      if (!bson_has_field(doc.get(), "_id")) {
        // Documents without _id get one, first, as inserts do.
        BsonPtr with = NewBson();
        bson_oid_t oid;
        bson_oid_init(&oid, nullptr);
        BSON_APPEND_OID(with.get(), "_id", &oid);
        bson_concat(with.get(), doc.get());
        doc = std::move(with);
      }
      BsonPtr filter = NewBson();
      for (const std::string& field : d_.on) {
        std::vector<query::PathHit> hits;
        query::FindPath(doc.get(), query::SplitPath(field), query::TerminalArrays::kKeep, &hits);
        if (hits.size() != 1 || hits[0].missing() || hits[0].value.value_type == BSON_TYPE_NULL ||
            hits[0].value.value_type == BSON_TYPE_UNDEFINED ||
            hits[0].value.value_type == BSON_TYPE_ARRAY) {
          return MakeError(51132, "$merge write error: 'on' field '" + field +
                                      "' cannot be missing, null, undefined or an array");
        }
        bson_append_value(filter.get(), field.c_str(), static_cast<int>(field.size()),
                          &hits[0].value);
      }
      auto existing = rc_.env->Read(db, d_.target.coll, filter.get());
      if (!existing.ok()) return existing.error();
      if (existing.value().empty()) {
        switch (d_.not_matched) {
          case NotMatched::kInsert: {
            auto r = rc_.env->Insert(db, d_.target.coll, doc.get());
            if (!r.ok()) return r.error();
            return true;
          }
          case NotMatched::kDiscard:
            return true;
          case NotMatched::kFail:
            return MakeError(13113,
                             "$merge could not find a matching document in the target "
                             "collection for at least one document in the source collection");
        }
      }
      const bson_t* old = existing.value().front().get();
      BsonPtr updated;
      switch (d_.matched) {
        case Matched::kKeepExisting:
          return true;
        case Matched::kFail:
          return MakeError(kDuplicateKey,
                           "$merge with whenMatched: fail found an existing document "
                           "with the same values for the 'on' field: " +
                               ToJson(filter.get()));
        case Matched::kReplace:
          updated = WithId(old, doc.get());
          break;
        case Matched::kMerge: {
          // Existing fields keep their place; new ones follow.
          updated = NewBson();
          bson_iter_t it, theirs;
          bson_iter_init(&it, old);
          while (bson_iter_next(&it)) {
            if (bson_iter_init_find(&theirs, doc.get(), bson_iter_key(&it))) {
              bson_append_iter(updated.get(), bson_iter_key(&it), -1, &theirs);
            } else {
              bson_append_iter(updated.get(), nullptr, 0, &it);
            }
          }
          bson_iter_init(&it, doc.get());
          while (bson_iter_next(&it)) {
            if (!bson_has_field(old, bson_iter_key(&it)))
              bson_append_iter(updated.get(), nullptr, 0, &it);
          }
          updated = WithId(old, updated.get());
          break;
        }
        case Matched::kPipeline: {
          rc_.ctx->slot(d_.new_slot) = query::DocumentValueOf(CopyBson(doc.get()));
          for (const auto& [slot, expr] : d_.lets) {
            rc_.ctx->SetRoot(doc.get());
            auto v = expr.Evaluate(*rc_.ctx);
            if (!v.ok()) return v.error();
            rc_.ctx->slot(slot) = query::OwnedCopy(v.value().v);
          }
          auto out = d_.pipeline->RunOver({old}, *rc_.options, *rc_.ctx, rc_.env);
          if (!out.ok()) return out.error();
          if (out.value().size() != 1) return true;
          updated = WithId(old, out.value().front().get());
          break;
        }
      }
      auto r = rc_.env->Replace(db, d_.target.coll, old, updated.get());
      if (!r.ok()) return r.error();
      return true;
    }

   private:
    // `doc` with the _id of `old`, first.
    static BsonPtr WithId(const bson_t* old, const bson_t* doc) {
      BsonPtr out = NewBson();
      bson_iter_t id;
      bson_iter_init_find(&id, old, "_id");
      bson_append_iter(out.get(), "_id", 3, &id);
      bson_iter_t it;
      bson_iter_init(&it, doc);
      while (bson_iter_next(&it)) {
        if (std::string_view(bson_iter_key(&it)) != "_id")
          bson_append_iter(out.get(), nullptr, 0, &it);
      }
      return out;
    }

    const MergeDef& d_;
    RunContext rc_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$merge"; }
  bool writes() const override { return true; }
};

DbResult<std::shared_ptr<const StageDef>> ParseMerge(const bson_value_t& spec,
                                                     query::ExprScope& scope, int depth) {
  auto def = std::make_shared<MergeDef>();
  if (spec.value_type == BSON_TYPE_UTF8) {
    auto t = ParseTarget(spec, "$merge", "coll");
    if (!t.ok()) return t.error();
    def->target = t.value();
    return std::shared_ptr<const StageDef>(std::move(def));
  }
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(51182, "$merge requires a string or object argument");
  }
  def->holder = BsonPtr(bson_new_from_data(spec.value.v_doc.data, spec.value.v_doc.data_len));
  std::optional<bson_value_t> into, let, when_matched_pipeline;
  bson_iter_t it;
  bson_iter_init(&it, def->holder.get());
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    const bson_value_t v = *bson_iter_value(&it);
    if (key == "into") {
      into = v;
    } else if (key == "on") {
      def->on.clear();
      std::vector<bson_value_t> fields;
      if (v.value_type == BSON_TYPE_UTF8)
        fields.push_back(v);
      else if (v.value_type == BSON_TYPE_ARRAY)
        fields = query::ArrayElements(v);
      if (fields.empty())
        return MakeError(51186, "$merge 'on' must be a string or a non-empty array of strings");
      for (const auto& f : fields) {
        if (f.value_type != BSON_TYPE_UTF8)
          return MakeError(51134, "$merge 'on' array elements must be strings");
        if (!bson_utf8_validate(f.value.v_utf8.str, f.value.v_utf8.len, false)) {
          return MakeError(kBadValue, "$merge 'on' fields must be valid UTF-8 without NUL bytes");
        }
        def->on.emplace_back(f.value.v_utf8.str, f.value.v_utf8.len);
      }
    } else if (key == "whenMatched") {
      if (v.value_type == BSON_TYPE_ARRAY) {
        def->matched = MergeDef::Matched::kPipeline;
        when_matched_pipeline = v;
      } else if (v.value_type == BSON_TYPE_UTF8) {
        std::string m(v.value.v_utf8.str, v.value.v_utf8.len);
        if (m == "replace")
          def->matched = MergeDef::Matched::kReplace;
        else if (m == "keepExisting")
          def->matched = MergeDef::Matched::kKeepExisting;
        else if (m == "merge")
          def->matched = MergeDef::Matched::kMerge;
        else if (m == "fail")
          def->matched = MergeDef::Matched::kFail;
        else
          return MakeError(kBadValue, "Enumeration value '" + m +
                                          "' for field 'whenMatched' is not a valid value.");
      } else {
        return MakeError(51191, "$merge 'whenMatched' must be a string or an array");
      }
    } else if (key == "whenNotMatched") {
      std::string m =
          v.value_type == BSON_TYPE_UTF8 ? std::string(v.value.v_utf8.str, v.value.v_utf8.len) : "";
      if (m == "insert")
        def->not_matched = MergeDef::NotMatched::kInsert;
      else if (m == "discard")
        def->not_matched = MergeDef::NotMatched::kDiscard;
      else if (m == "fail")
        def->not_matched = MergeDef::NotMatched::kFail;
      else
        return MakeError(kBadValue, "Enumeration value '" + m +
                                        "' for field 'whenNotMatched' is not a valid value.");
    } else if (key == "let") {
      let = v;
    } else {
      return MakeError(40415, "BSON field '$merge." + key + "' is an unknown field.");
    }
  }
  if (!into) return MakeError(40414, "BSON field '$merge.into' is missing but a required field");
  auto t = ParseTarget(*into, "$merge", "coll");
  if (!t.ok()) return t.error();
  def->target = t.value();
  if (let && def->matched != MergeDef::Matched::kPipeline) {
    return MakeError(51199, "Cannot use 'let' variables with 'whenMatched: " +
                                std::string("a non-pipeline mode") + "' mode");
  }
  if (def->matched == MergeDef::Matched::kPipeline) {
    int defined = 0;
    if (let) {
      if (let->value_type != BSON_TYPE_DOCUMENT)
        return MakeError(kTypeMismatch, "$merge 'let' must be an object");
      DbResult<Done> status = Done{};
      query::ForEachElement(*let, [&](std::string_view name, const bson_value_t& v) {
        auto e = query::Expression::Parse(v, scope);
        if (!e.ok()) {
          status = e.error();
          return false;
        }
        def->lets.emplace_back(scope.Define(name), std::move(e).value());
        ++defined;
        return true;
      });
      if (!status.ok()) return status.error();
    }
    def->new_slot = scope.Define("new");
    ++defined;
    auto p = Pipeline::ParseValue(*when_matched_pipeline, scope, depth + 1);
    scope.Pop(defined);
    if (!p.ok()) return p.error();
    if (auto r = CheckUpdatePipeline(p.value(), "$merge"); !r.ok()) return r.error();
    def->pipeline = std::move(p).value();
  }
  return std::shared_ptr<const StageDef>(std::move(def));
}

}  // namespace

DbResult<Done> CheckUpdatePipeline(const Pipeline& pipeline, const std::string& context) {
  for (const std::string& name : pipeline.StageNames()) {
    if (name != "$addFields" && name != "$set" && name != "$project" && name != "$unset" &&
        name != "$replaceRoot" && name != "$replaceWith") {
      return MakeError(72, name + " is not allowed to be used within an update (" + context +
                               "); use $addFields, $set, $project, $unset, $replaceRoot or "
                               "$replaceWith");
    }
  }
  return Done{};
}

std::vector<StageEntry> WriteStages() { return {{"$out", ParseOut}, {"$merge", ParseMerge}}; }

}  // namespace tactus::docdb::agg::internal
