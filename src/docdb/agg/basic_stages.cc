// Streaming stages: $match $project $addFields $set $unset $limit $skip $count $replaceRoot
// $replaceWith.
#include <cmath>
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
          {"$replaceWith", ParseReplaceRoot<true>}};
}

}  // namespace tactus::docdb::agg::internal
