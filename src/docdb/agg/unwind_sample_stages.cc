// Stages that change how many documents flow: $unwind (one per array element), $sample (a
// random subset) and $documents (literal input for aggregate: 1).
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "docdb/agg/stage.h"
#include "docdb/query/path.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg::internal {
namespace {

// ---- $unwind
class UnwindDef : public StageDef {
 public:
  std::vector<std::string> path;
  std::string field;  // the top-level name of path (for rebuilding)
  std::string index_field;
  bool preserve = false;

  class Run : public Stage {
   public:
    explicit Run(const UnwindDef& d) : d_(d) {}
    DbResult<bool> Push(const bson_t* doc) override {
      bson_value_t root = DocValue(doc);
      query::Value v = LookupExact(root, 0);
      if (v.is_array()) {
        auto elements = query::ArrayElements(v.v);
        if (elements.empty()) return d_.preserve ? Emit(doc, nullptr, -1) : DbResult<bool>(true);
        for (std::size_t i = 0; i < elements.size(); ++i) {
          auto more = Emit(doc, &elements[i], static_cast<std::int64_t>(i));
          if (!more.ok() || !more.value()) return more;
        }
        return true;
      }
      if (v.nullish()) {
        if (!d_.preserve) return true;
        return Emit(doc, v.missing() ? nullptr : &v.v, -1, /*keep=*/true);
      }
      return Emit(doc, &v.v, -1, true);
    }

   private:
    // Exact dotted lookup (no array traversal in the middle of the path).
    query::Value LookupExact(const bson_value_t& cur, std::size_t i) {
      if (i == d_.path.size()) return query::ViewValue(cur);
      if (cur.value_type != BSON_TYPE_DOCUMENT) return query::MissingValue();
      bson_t doc;
      bson_iter_t it;
      query::ViewDocument(cur, &doc);
      if (!bson_iter_init_find_w_len(&it, &doc, d_.path[i].data(),
                                     static_cast<int>(d_.path[i].size()))) {
        return query::MissingValue();
      }
      return LookupExact(*bson_iter_value(&it), i + 1);
    }

    // Copies `in` with the value at path i.. replaced by `value` (nullptr: removed).
    void Rebuild(const bson_t* in, std::size_t i, const bson_value_t* value, bson_t* out) {
      bson_iter_t it;
      bson_iter_init(&it, in);
      while (bson_iter_next(&it)) {
        std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
        if (key != d_.path[i]) {
          bson_append_iter(out, nullptr, 0, &it);
          continue;
        }
        if (i + 1 == d_.path.size()) {
          if (value) bson_append_value(out, key.data(), static_cast<int>(key.size()), value);
          continue;
        }
        bson_t sub_in, sub_out;
        query::ViewDocument(*bson_iter_value(&it), &sub_in);
        bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &sub_out);
        Rebuild(&sub_in, i + 1, value, &sub_out);
        bson_append_document_end(out, &sub_out);
      }
    }

    DbResult<bool> Emit(const bson_t* doc, const bson_value_t* value, std::int64_t index,
                        bool keep = false) {
      BsonPtr out;
      if (keep) {
        out = CopyBson(doc);
      } else {
        out = NewBson();
        Rebuild(doc, 0, value, out.get());
      }
      if (!d_.index_field.empty()) {
        BsonPtr with = NewBson();
        bson_iter_t it;
        bson_iter_init(&it, out.get());
        while (bson_iter_next(&it)) {
          if (d_.index_field != bson_iter_key(&it)) bson_append_iter(with.get(), nullptr, 0, &it);
        }
        if (index >= 0)
          bson_append_int64(with.get(), d_.index_field.c_str(), -1, index);
        else
          bson_append_null(with.get(), d_.index_field.c_str(), -1);
        out = std::move(with);
      }
      return next_->Push(out.get());
    }

    const UnwindDef& d_;
  };
  std::unique_ptr<Stage> Make(const RunContext&) const override {
    return std::make_unique<Run>(*this);
  }
  std::string name() const override { return "$unwind"; }
};

DbResult<std::shared_ptr<const StageDef>> ParseUnwind(const bson_value_t& spec, query::ExprScope&,
                                                      int) {
  auto def = std::make_shared<UnwindDef>();
  std::string path;
  if (spec.value_type == BSON_TYPE_UTF8) {
    path.assign(spec.value.v_utf8.str, spec.value.v_utf8.len);
  } else if (spec.value_type == BSON_TYPE_DOCUMENT) {
    bson_t doc;
    bson_iter_t it;
    query::ViewDocument(spec, &doc);
    bson_iter_init(&it, &doc);
    while (bson_iter_next(&it)) {
      std::string key = bson_iter_key(&it);
      if (key == "path") {
        if (!BSON_ITER_HOLDS_UTF8(&it))
          return MakeError(28808, "expected a string as the path for $unwind stage");
        path = bson_iter_utf8(&it, nullptr);
      } else if (key == "includeArrayIndex") {
        if (!BSON_ITER_HOLDS_UTF8(&it))
          return MakeError(
              28810,
              "expected a non-empty string for the includeArrayIndex option to $unwind stage");
        def->index_field = bson_iter_utf8(&it, nullptr);
        if (def->index_field.empty() || def->index_field[0] == '$') {
          return MakeError(
              28822, "includeArrayIndex option to $unwind stage should not be prefixed with a '$'");
        }
        if (!bson_utf8_validate(def->index_field.data(), def->index_field.size(), false)) {
          return MakeError(kBadValue, "includeArrayIndex must be valid UTF-8");
        }
      } else if (key == "preserveNullAndEmptyArrays") {
        if (!BSON_ITER_HOLDS_BOOL(&it))
          return MakeError(
              28809,
              "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage");
        def->preserve = bson_iter_bool(&it);
      } else {
        return MakeError(28811, "unrecognized option to $unwind stage: " + key);
      }
    }
    if (path.empty()) return MakeError(28812, "no path specified to $unwind stage");
  } else {
    return MakeError(
        15981,
        std::string(
            "expected either a string or an object as specification for $unwind stage, got ") +
            BsonTypeName(spec.value_type));
  }
  if (path.size() < 2 || path[0] != '$') {
    return MakeError(28818, "path option to $unwind stage should be prefixed with a '$': " + path);
  }
  def->path = query::SplitPath(path.substr(1));
  for (const auto& p : def->path) {
    if (p.empty() || p[0] == '$') return MakeError(16410, "invalid $unwind path: " + path);
  }
  return std::shared_ptr<const StageDef>(std::move(def));
}

// ---- $sample: reservoir sampling of `size` documents (held in memory).
class SampleDef : public StageDef {
 public:
  explicit SampleDef(std::int64_t n) : n_(n) {}
  class Run : public Stage {
   public:
    Run(std::int64_t n, const RunContext& rc) : n_(n), rc_(rc), rng_(std::random_device{}()) {}
    DbResult<bool> Push(const bson_t* doc) override {
      ++seen_;
      if (static_cast<std::int64_t>(held_.size()) < n_) {
        bytes_ += HeldBytes(doc);
        if (bytes_ > rc_.options->stage_memory_limit)
          return MemoryLimitError("$sample", rc_.options->stage_memory_limit);
        held_.push_back(CopyBson(doc));
        return true;
      }
      std::uniform_int_distribution<std::int64_t> pick(0, seen_ - 1);
      std::int64_t j = pick(rng_);
      if (j < n_) held_[static_cast<std::size_t>(j)] = CopyBson(doc);
      return true;
    }
    DbResult<Done> Finish() override {
      std::shuffle(held_.begin(), held_.end(), rng_);
      for (const auto& d : held_) {
        auto more = next_->Push(d.get());
        if (!more.ok()) return more.error();
        if (!more.value()) break;
      }
      return next_->Finish();
    }

   private:
    std::int64_t n_;
    RunContext rc_;
    std::mt19937_64 rng_;
    std::int64_t seen_ = 0, bytes_ = 0;
    std::vector<BsonPtr> held_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(n_, rc);
  }
  std::string name() const override { return "$sample"; }

 private:
  std::int64_t n_;
};

DbResult<std::shared_ptr<const StageDef>> ParseSample(const bson_value_t& spec, query::ExprScope&,
                                                      int) {
  if (spec.value_type != BSON_TYPE_DOCUMENT)
    return MakeError(28745, "the $sample stage specification must be an object");
  bson_t doc;
  bson_iter_t it;
  query::ViewDocument(spec, &doc);
  std::optional<std::int64_t> size;
  bson_iter_init(&it, &doc);
  while (bson_iter_next(&it)) {
    if (std::string_view(bson_iter_key(&it)) != "size") {
      return MakeError(28748, std::string("unrecognized option to $sample: ") + bson_iter_key(&it));
    }
    if (!BSON_ITER_HOLDS_NUMBER(&it))
      return MakeError(28746, "size argument to $sample must be a number");
    size = bson_iter_as_int64(&it);
    if (*size < 0) return MakeError(28747, "size argument to $sample must not be negative");
  }
  if (!size) return MakeError(28749, "$sample stage must specify a size");
  return std::shared_ptr<const StageDef>(std::make_shared<SampleDef>(*size));
}

// ---- $documents: literal input documents (aggregate: 1); ignores its input.
class DocumentsDef : public StageDef {
 public:
  DocumentsDef(BsonPtr h, query::Expression e) : holder_(std::move(h)), expr_(std::move(e)) {}
  class Run : public Stage {
   public:
    Run(const DocumentsDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t*) override { return false; }
    DbResult<Done> Finish() override {
      bson_t empty = BSON_INITIALIZER;
      rc_.ctx->SetRoot(&empty);
      auto v = d_.expr_.Evaluate(*rc_.ctx);
      if (!v.ok()) return v.error();
      if (!v.value().is_array()) {
        return MakeError(
            5858203, "an array is expected for $documents, found " + query::RenderValue(v.value()));
      }
      for (const bson_value_t& e : query::ArrayElements(v.value().v)) {
        if (e.value_type != BSON_TYPE_DOCUMENT) {
          return MakeError(40228, "$documents elements must be objects");
        }
        bson_t doc;
        query::ViewDocument(e, &doc);
        auto more = next_->Push(&doc);
        if (!more.ok()) return more.error();
        if (!more.value()) break;
      }
      return next_->Finish();
    }

   private:
    const DocumentsDef& d_;
    RunContext rc_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$documents"; }

 private:
  BsonPtr holder_;
  query::Expression expr_;
};

DbResult<std::shared_ptr<const StageDef>> ParseDocuments(const bson_value_t& spec,
                                                         query::ExprScope& scope, int) {
  BsonPtr holder = NewBson();
  bson_append_value(holder.get(), "e", 1, &spec);
  bson_iter_t it;
  bson_iter_init_find(&it, holder.get(), "e");
  auto e = query::Expression::Parse(*bson_iter_value(&it), scope);
  if (!e.ok()) return e.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<DocumentsDef>(std::move(holder), std::move(e).value()));
}

}  // namespace

std::vector<StageEntry> UnwindSampleStages() {
  return {{"$unwind", ParseUnwind}, {"$sample", ParseSample}, {"$documents", ParseDocuments}};
}

}  // namespace tactus::docdb::agg::internal
