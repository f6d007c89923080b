#include "docdb/agg/accumulators.h"

#include <set>
#include <string>
#include <vector>

#include "docdb/query/compare.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/number.h"

namespace tactus::docdb::agg::internal {
namespace {

using query::Value;

int CompareWithMissing(const Value& a, const Value& b) {
  if (a.missing() || b.missing()) return a.missing() == b.missing() ? 0 : (a.missing() ? -1 : 1);
  return query::CompareValues(a.v, b.v);
}

// Sums exactly while integers fit (int32 -> int64), then in double, as MongoDB's $sum.
class Sum : public AccState {
 public:
  DbResult<Done> Add(const Value& v) override {
    switch (v.type()) {
      case BSON_TYPE_INT32:
      case BSON_TYPE_INT64: {
        std::int64_t x = v.type() == BSON_TYPE_INT32 ? v.v.value.v_int32 : v.v.value.v_int64;
        if (v.type() == BSON_TYPE_INT64) is_long_ = true;
        if (!is_double_ && !__builtin_add_overflow(i_, x, &i_)) break;
        ToDouble();
        d_ += static_cast<double>(x);
        break;
      }
      case BSON_TYPE_DOUBLE:
      case BSON_TYPE_DECIMAL128:
        ToDouble();
        d_ += query::NumberAsDouble(v.v);
        break;
      default:
        break;  // non-numbers are ignored
    }
    return Done{};
  }
  Value Result() const override {
    if (is_double_) return query::DoubleValue(d_);
    if (!is_long_ && i_ >= INT32_MIN && i_ <= INT32_MAX)
      return query::Int32Value(static_cast<std::int32_t>(i_));
    return query::Int64Value(i_);
  }
  Value Partial() const override { return Result(); }
  DbResult<Done> Merge(const bson_value_t& p) override { return Add(query::ViewValue(p)); }

 private:
  void ToDouble() {
    if (!is_double_) {
      is_double_ = true;
      d_ = static_cast<double>(i_);
    }
  }
  bool is_double_ = false, is_long_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
};

class Avg : public AccState {
 public:
  DbResult<Done> Add(const Value& v) override {
    if (query::IsNumberType(v.type())) {
      sum_ += query::NumberAsDouble(v.v);
      ++n_;
    }
    return Done{};
  }
  Value Result() const override {
    return n_ == 0 ? query::NullValue() : query::DoubleValue(sum_ / n_);
  }
  Value Partial() const override {
    BsonPtr doc = NewBson();
    BSON_APPEND_DOUBLE(doc.get(), "s", sum_);
    BSON_APPEND_INT64(doc.get(), "n", n_);
    return query::DocumentValueOf(std::move(doc));
  }
  DbResult<Done> Merge(const bson_value_t& p) override {
    bson_t doc;
    bson_iter_t it;
    query::ViewDocument(p, &doc);
    if (bson_iter_init_find(&it, &doc, "s")) sum_ += bson_iter_double(&it);
    if (bson_iter_init_find(&it, &doc, "n")) n_ += bson_iter_int64(&it);
    return Done{};
  }

 private:
  double sum_ = 0;
  std::int64_t n_ = 0;
};

class MinMax : public AccState {
 public:
  explicit MinMax(bool is_max) : is_max_(is_max) {}
  DbResult<Done> Add(const Value& v) override {
    if (v.nullish()) return Done{};  // $min/$max ignore null and missing
    if (best_.missing() ||
        ((CompareWithMissing(v, best_) > 0) == is_max_ && CompareWithMissing(v, best_) != 0)) {
      best_ = query::OwnedCopy(v.v);
    }
    return Done{};
  }
  Value Result() const override { return best_.missing() ? query::NullValue() : best_; }
  std::int64_t bytes() const override { return 32 + (best_.storage ? 64 : 0); }
  Value Partial() const override { return Result(); }
  DbResult<Done> Merge(const bson_value_t& p) override { return Add(query::ViewValue(p)); }

 private:
  bool is_max_;
  Value best_;
};

class FirstLast : public AccState {
 public:
  explicit FirstLast(bool first) : first_(first) {}
  DbResult<Done> Add(const Value& v) override {
    if (first_ && has_) return Done{};
    has_ = true;
    value_ = v.missing() ? query::NullValue() : query::OwnedCopy(v.v);
    return Done{};
  }
  Value Result() const override { return has_ ? value_ : query::NullValue(); }
  Value Partial() const override {
    query::ArrayBuilder b;
    if (has_) b.Append(value_);
    return b.Finish();
  }
  DbResult<Done> Merge(const bson_value_t& p) override {
    auto elements = query::ArrayElements(p);
    if (!elements.empty()) return Add(query::ViewValue(elements[0]));
    return Done{};
  }

 private:
  bool first_, has_ = false;
  Value value_;
};

class Push : public AccState {
 public:
  explicit Push(bool set) : set_(set) {}
  DbResult<Done> Add(const Value& v) override {
    if (v.missing()) return Done{};
    if (set_ && !keys_.insert(query::EncodeKeyValue(v.v)).second) return Done{};
    values_.push_back(query::OwnedCopy(v.v));
    bytes_ += 48 + (v.type() == BSON_TYPE_UTF8 ? v.v.value.v_utf8.len : 0) +
              ((v.is_array() || v.is_document()) ? v.v.value.v_doc.data_len : 0);
    return Done{};
  }
  Value Result() const override {
    query::ArrayBuilder b;
    for (const Value& v : values_) b.Append(v);
    return b.Finish();
  }
  std::int64_t bytes() const override { return bytes_; }
  Value Partial() const override { return Result(); }
  DbResult<Done> Merge(const bson_value_t& p) override {
    for (const bson_value_t& e : query::ArrayElements(p)) {
      if (auto r = Add(query::ViewValue(e)); !r.ok()) return r;
    }
    return Done{};
  }

 private:
  bool set_;
  std::vector<Value> values_;
  std::set<std::string> keys_;
  std::int64_t bytes_ = 32;
};

class MergeObjects : public AccState {
 public:
  DbResult<Done> Add(const Value& v) override {
    if (v.nullish()) return Done{};
    if (!v.is_document()) {
      return MakeError(40400, "$mergeObjects requires object inputs, but input is of type " +
                                  std::string(BsonTypeName(v.type())));
    }
    BsonPtr merged = NewBson();
    bson_t incoming;
    query::ViewDocument(v.v, &incoming);
    bson_iter_t it;
    bson_iter_init(&it, doc_.get());
    while (bson_iter_next(&it)) {
      if (!bson_has_field(&incoming, bson_iter_key(&it)))
        bson_append_iter(merged.get(), nullptr, 0, &it);
    }
    bson_concat(merged.get(), &incoming);
    doc_ = std::move(merged);
    return Done{};
  }
  Value Result() const override { return query::DocumentValueOf(CopyBson(doc_.get())); }
  std::int64_t bytes() const override { return 32 + doc_->len; }
  Value Partial() const override { return Result(); }
  DbResult<Done> Merge(const bson_value_t& p) override { return Add(query::ViewValue(p)); }

 private:
  BsonPtr doc_ = NewBson();
};

}  // namespace

DbResult<AccKind> ParseAccumulator(std::string_view name) {
  static const std::pair<const char*, AccKind> kNames[] = {
      {"$sum", AccKind::kSum},
      {"$avg", AccKind::kAvg},
      {"$min", AccKind::kMin},
      {"$max", AccKind::kMax},
      {"$first", AccKind::kFirst},
      {"$last", AccKind::kLast},
      {"$push", AccKind::kPush},
      {"$addToSet", AccKind::kAddToSet},
      {"$mergeObjects", AccKind::kMergeObjects},
      {"$count", AccKind::kSum}};
  for (const auto& [n, k] : kNames) {
    if (name == n) return k;
  }
  return MakeError(15952, "unknown group operator '" + std::string(name) + "'");
}

std::unique_ptr<AccState> NewAccState(AccKind kind) {
  switch (kind) {
    case AccKind::kSum:
      return std::make_unique<Sum>();
    case AccKind::kAvg:
      return std::make_unique<Avg>();
    case AccKind::kMin:
      return std::make_unique<MinMax>(false);
    case AccKind::kMax:
      return std::make_unique<MinMax>(true);
    case AccKind::kFirst:
      return std::make_unique<FirstLast>(true);
    case AccKind::kLast:
      return std::make_unique<FirstLast>(false);
    case AccKind::kPush:
      return std::make_unique<Push>(false);
    case AccKind::kAddToSet:
      return std::make_unique<Push>(true);
    case AccKind::kMergeObjects:
      return std::make_unique<MergeObjects>();
  }
  return std::make_unique<Sum>();
}

}  // namespace tactus::docdb::agg::internal
