// Streaming stages: $match $project $addFields $set $unset $limit $skip $count $replaceRoot
// $replaceWith $unwind $sample.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "docdb/agg/shape.h"
#include "docdb/agg/stage.h"
#include "docdb/query/matcher.h"
#include "docdb/query/number.h"
#include "docdb/query/path.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg::internal {
namespace {

DbResult<const bson_t*> SpecDocument(const bson_value_t& spec, const char* stage, bson_t* holder,
                                     std::int32_t code) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(code, std::string(stage) + " specification must be an object, not " +
                               BsonTypeName(spec.value_type));
  }
  bson_init_static(holder, spec.value.v_doc.data, spec.value.v_doc.data_len);
  return static_cast<const bson_t*>(holder);
}

// ---- $match: a Matcher, plus a top-level $expr compiled in the command's scope (so it sees
// the pipeline's variables, e.g. $lookup's `let`).
class MatchDef : public StageDef {
 public:
  BsonPtr filter;  // the whole filter
  BsonPtr rest;    // without $expr
  query::Matcher matcher;
  std::optional<query::Expression> expr;

  MatchDef(BsonPtr f, BsonPtr r, query::Matcher m)
      : filter(std::move(f)), rest(std::move(r)), matcher(std::move(m)) {}

  class Run : public Stage {
   public:
    Run(const MatchDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* doc) override {
      auto m = d_.matcher.Matches(doc);
      if (!m.ok()) return m.error();
      if (!m.value()) return true;
      if (d_.expr) {
        rc_.ctx->SetRoot(doc);
        auto v = d_.expr->Evaluate(*rc_.ctx);
        if (!v.ok()) return v.error();
        bool truthy = query::IsTruthy(v.value());
        if (!truthy) return true;
      }
      return next_->Push(doc);
    }

   private:
    const MatchDef& d_;
    RunContext rc_;
  };

  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$match"; }
  const bson_t* planner_filter() const override { return expr ? nullptr : filter.get(); }
};

DbResult<std::shared_ptr<const StageDef>> ParseMatch(const bson_value_t& spec,
                                                     query::ExprScope& scope, int) {
  bson_t holder;
  auto doc = SpecDocument(spec, "$match", &holder, 15959);
  if (!doc.ok()) return doc.error();
  BsonPtr rest = NewBson();
  std::optional<bson_value_t> expr_spec;
  bson_iter_t it;
  bson_iter_init(&it, doc.value());
  while (bson_iter_next(&it)) {
    if (std::string_view(bson_iter_key(&it)) == "$expr") {
      expr_spec = *bson_iter_value(&it);
    } else {
      bson_append_iter(rest.get(), nullptr, 0, &it);
    }
  }
  auto matcher = query::Matcher::Compile(rest.get());
  if (!matcher.ok()) return matcher.error();
  auto def = std::make_shared<MatchDef>(CopyBson(doc.value()), std::move(rest),
                                        std::move(matcher).value());
  if (expr_spec) {
    // Views into def->filter, which the def owns.
    bson_iter_t e;
    bson_iter_init_find(&e, def->filter.get(), "$expr");
    auto parsed = query::Expression::Parse(*bson_iter_value(&e), scope);
    if (!parsed.ok()) return parsed.error();
    def->expr = std::move(parsed).value();
  }
  return std::shared_ptr<const StageDef>(std::move(def));
}

// ---- $project / $addFields / $set / $unset
class ShapeDef : public StageDef {
 public:
  ShapeDef(std::string n, BsonPtr s, Shape sh)
      : name_(std::move(n)), spec_(std::move(s)), shape_(std::move(sh)) {}
  class Run : public Stage {
   public:
    Run(const ShapeDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* doc) override {
      rc_.ctx->SetRoot(doc);
      auto out = d_.shape_.Apply(doc, *rc_.ctx);
      if (!out.ok()) return out.error();
      return next_->Push(out.value().get());
    }

   private:
    const ShapeDef& d_;
    RunContext rc_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return name_; }
  // Owns the spec the shape's expressions view into.
  std::string name_;
  BsonPtr spec_;
  Shape shape_;
};

template <int kKind>  // 0 project, 1 addFields, 2 set
DbResult<std::shared_ptr<const StageDef>> ParseShape(const bson_value_t& spec,
                                                     query::ExprScope& scope, int) {
  static const char* kNames[] = {"$project", "$addFields", "$set"};
  bson_t holder;
  auto doc = SpecDocument(spec, kNames[kKind], &holder, kKind == 0 ? 15969 : 40272);
  if (!doc.ok()) return doc.error();
  BsonPtr owned = CopyBson(doc.value());
  auto shape = kKind == 0 ? Shape::ParseProject(owned.get(), scope)
                          : Shape::ParseAddFields(owned.get(), scope);
  if (!shape.ok()) return shape.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<ShapeDef>(kNames[kKind], std::move(owned), std::move(shape).value()));
}

DbResult<std::shared_ptr<const StageDef>> ParseUnset(const bson_value_t& spec, query::ExprScope&,
                                                     int) {
  auto shape = Shape::ParseUnset(spec);
  if (!shape.ok()) return shape.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<ShapeDef>("$unset", NewBson(), std::move(shape).value()));
}

// ---- $limit / $skip
DbResult<std::int64_t> PositiveCount(const bson_value_t& spec, const char* stage, bool allow_zero) {
  query::Value v = query::ViewValue(spec);
  bool integral = query::IsNumberType(spec.value_type) &&
                  query::NumberAsDouble(spec) == std::trunc(query::NumberAsDouble(spec));
  if (!integral) {
    return MakeError(kFailedToParse,
                     std::string("invalid argument to ") + stage + " stage: Expected an integer");
  }
  double d = query::NumberAsDouble(spec);
  if (d < 0 || (!allow_zero && d == 0) || d > 9.2e18) {
    return MakeError(kFailedToParse, std::string("invalid argument to ") + stage +
                                         " stage: Expected a " +
                                         (allow_zero ? "non-negative" : "positive") + " number");
  }
  return static_cast<std::int64_t>(d);
}

class LimitSkipDef : public StageDef {
 public:
  LimitSkipDef(bool is_limit, std::int64_t n) : is_limit_(is_limit), n_(n) {}
  class Run : public Stage {
   public:
    Run(bool is_limit, std::int64_t n) : is_limit_(is_limit), n_(n) {}
    DbResult<bool> Push(const bson_t* doc) override {
      if (is_limit_) {
        if (seen_ >= n_) return false;
        ++seen_;
        auto more = next_->Push(doc);
        if (!more.ok()) return more;
        return more.value() && seen_ < n_;
      }
      if (seen_ < n_) {
        ++seen_;
        return true;
      }
      return next_->Push(doc);
    }

   private:
    bool is_limit_;
    std::int64_t n_, seen_ = 0;
  };
  std::unique_ptr<Stage> Make(const RunContext&) const override {
    return std::make_unique<Run>(is_limit_, n_);
  }
  std::string name() const override { return is_limit_ ? "$limit" : "$skip"; }
  std::int64_t limit() const override { return is_limit_ ? n_ : 0; }
  std::int64_t skip() const override { return is_limit_ ? 0 : n_; }

 private:
  bool is_limit_;
  std::int64_t n_;
};

DbResult<std::shared_ptr<const StageDef>> ParseLimit(const bson_value_t& spec, query::ExprScope&,
                                                     int) {
  auto n = PositiveCount(spec, "$limit", false);
  if (!n.ok()) return MakeError(15958, "the limit must be positive");
  return std::shared_ptr<const StageDef>(std::make_shared<LimitSkipDef>(true, n.value()));
}

DbResult<std::shared_ptr<const StageDef>> ParseSkip(const bson_value_t& spec, query::ExprScope&,
                                                    int) {
  auto n = PositiveCount(spec, "$skip", true);
  if (!n.ok()) return MakeError(15956, "Argument to $skip must be a non-negative number");
  return std::shared_ptr<const StageDef>(std::make_shared<LimitSkipDef>(false, n.value()));
}

// ---- $count
class CountDef : public StageDef {
 public:
  explicit CountDef(std::string field) : field_(std::move(field)) {}
  class Run : public Stage {
   public:
    explicit Run(const std::string& field) : field_(field) {}
    DbResult<bool> Push(const bson_t*) override {
      ++n_;
      return true;
    }
    DbResult<Done> Finish() override {
      if (n_ > 0) {
        BsonPtr out = NewBson();
        if (n_ <= INT32_MAX)
          bson_append_int32(out.get(), field_.c_str(), -1, static_cast<std::int32_t>(n_));
        else
          bson_append_int64(out.get(), field_.c_str(), -1, n_);
        auto r = next_->Push(out.get());
        if (!r.ok()) return r.error();
      }
      return next_->Finish();
    }

   private:
    const std::string& field_;
    std::int64_t n_ = 0;
  };
  std::unique_ptr<Stage> Make(const RunContext&) const override {
    return std::make_unique<Run>(field_);
  }
  std::string name() const override { return "$count"; }

 private:
  std::string field_;
};

DbResult<std::shared_ptr<const StageDef>> ParseCount(const bson_value_t& spec, query::ExprScope&,
                                                     int) {
  if (spec.value_type != BSON_TYPE_UTF8) {
    return MakeError(40156, "the count field must be a non-empty string");
  }
  std::string field(spec.value.v_utf8.str, spec.value.v_utf8.len);
  if (field.empty()) return MakeError(40156, "the count field must be a non-empty string");
  if (!bson_utf8_validate(field.data(), field.size(), false)) {
    return MakeError(kBadValue, "the count field must be valid UTF-8");
  }
  if (field[0] == '$') return MakeError(40158, "the count field cannot be a $-prefixed path");
  if (field.find('.') != std::string::npos)
    return MakeError(40160, "the count field cannot contain '.'");
  return std::shared_ptr<const StageDef>(std::make_shared<CountDef>(field));
}

// ---- $replaceRoot / $replaceWith
class ReplaceRootDef : public StageDef {
 public:
  ReplaceRootDef(BsonPtr holder, query::Expression e)
      : holder_(std::move(holder)), expr_(std::move(e)) {}
  class Run : public Stage {
   public:
    Run(const ReplaceRootDef& d, const RunContext& rc) : d_(d), rc_(rc) {}
    DbResult<bool> Push(const bson_t* doc) override {
      rc_.ctx->SetRoot(doc);
      auto v = d_.expr_.Evaluate(*rc_.ctx);
      if (!v.ok()) return v.error();
      if (!v.value().is_document()) {
        return MakeError(
            40228,
            "'replacement document' must evaluate to an object, but resulting "
            "value was: " +
                (v.value().missing() ? std::string("MISSING") : query::RenderValue(v.value())) +
                ". Type of resulting value: '" +
                (v.value().missing() ? "missing" : BsonTypeName(v.value().type())) +
                "'. Input document: " + ToJson(doc));
      }
      bson_t out;
      query::ViewDocument(v.value().v, &out);
      return next_->Push(&out);
    }

   private:
    const ReplaceRootDef& d_;
    RunContext rc_;
  };
  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return "$replaceRoot"; }

 private:
  BsonPtr holder_;
  query::Expression expr_;
};

template <bool kWith>
DbResult<std::shared_ptr<const StageDef>> ParseReplaceRoot(const bson_value_t& spec,
                                                           query::ExprScope& scope, int) {
  BsonPtr holder = NewBson();
  bson_value_t expr_spec;
  if (kWith) {
    bson_append_value(holder.get(), "e", 1, &spec);
  } else {
    bson_t doc;
    auto d = SpecDocument(spec, "$replaceRoot", &doc, 40229);
    if (!d.ok()) return d.error();
    bson_iter_t it;
    if (!bson_iter_init_find(&it, d.value(), "newRoot")) {
      return MakeError(40231, "no newRoot specified for the $replaceRoot stage");
    }
    if (bson_count_keys(d.value()) != 1) {
      return MakeError(40415, "BSON field '$replaceRoot' has an unknown field");
    }
    bson_append_iter(holder.get(), "e", 1, &it);
  }
  bson_iter_t it;
  bson_iter_init_find(&it, holder.get(), "e");
  expr_spec = *bson_iter_value(&it);
  auto e = query::Expression::Parse(expr_spec, scope);
  if (!e.ok()) return e.error();
  return std::shared_ptr<const StageDef>(
      std::make_shared<ReplaceRootDef>(std::move(holder), std::move(e).value()));
}

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

std::vector<StageEntry> BasicStages() {
  return {{"$match", ParseMatch},
          {"$project", ParseShape<0>},
          {"$addFields", ParseShape<1>},
          {"$set", ParseShape<2>},
          {"$unset", ParseUnset},
          {"$limit", ParseLimit},
          {"$skip", ParseSkip},
          {"$count", ParseCount},
          {"$replaceRoot", ParseReplaceRoot<false>},
          {"$replaceWith", ParseReplaceRoot<true>},
          {"$unwind", ParseUnwind},
          {"$sample", ParseSample},
          {"$documents", ParseDocuments}};
}

}  // namespace tactus::docdb::agg::internal
