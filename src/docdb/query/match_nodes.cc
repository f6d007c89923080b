#include "docdb/query/match_nodes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "docdb/query/compare.h"
#include "docdb/query/number.h"

namespace tactus::docdb::query::internal {
namespace {

class CompareTest : public ValueTest {
 public:
  CompareTest(CompareOp op, const bson_value_t& rhs) : op_(op), rhs_(rhs) {}
  bool Test(const bson_value_t& v, MatchContext*, std::int32_t*) const override {
    return CompareForMatch(op_, v, rhs_);
  }

 private:
  CompareOp op_;
  bson_value_t rhs_;
};

// The text of a string or symbol; false for other types.
bool TextOf(const bson_value_t& v, std::string_view* text) {
  if (v.value_type == BSON_TYPE_UTF8) {
    *text = std::string_view(v.value.v_utf8.str, v.value.v_utf8.len);
    return true;
  }
  if (v.value_type == BSON_TYPE_SYMBOL) {
    *text = std::string_view(v.value.v_symbol.symbol, v.value.v_symbol.len);
    return true;
  }
  return false;
}

bool RegexMatches(const Regex& regex, const bson_value_t& v, MatchContext* ctx) {
  std::string_view text;
  if (TextOf(v, &text)) {
    auto matched = regex.Match(text);
    if (!matched.ok()) {
      ctx->Fail(matched.error());
      return false;
    }
    return matched.value();
  }
  if (v.value_type == BSON_TYPE_REGEX) {
    const char* options = v.value.v_regex.options ? v.value.v_regex.options : "";
    return regex.pattern() == v.value.v_regex.regex && regex.options() == options;
  }
  return false;
}

// $in. Up to kInSortedMin values are tested one by one; a longer list is sorted once (by
// CompareValues) and binary-searched. Both agree with CompareForMatch(kEq, ...): for equality
// that is CompareValues(v, value) == 0 with a missing v read as null (brackets never compare
// equal; NaN equals only NaN in both).
class InTest : public ValueTest {
 public:
  InTest(std::vector<bson_value_t> values, std::vector<Regex> regexes, std::size_t sorted_min)
      : values_(std::move(values)), regexes_(std::move(regexes)) {
    if (values_.size() > sorted_min) {
      auto less = [](const bson_value_t& a, const bson_value_t& b) {
        return CompareValues(a, b) < 0;
      };
      std::sort(values_.begin(), values_.end(), less);
      values_.erase(std::unique(values_.begin(), values_.end(),
                                [](const bson_value_t& a, const bson_value_t& b) {
                                  return CompareValues(a, b) == 0;
                                }),
                    values_.end());
      sorted_ = true;
    }
  }
  bool Test(const bson_value_t& v, MatchContext* ctx, std::int32_t*) const override {
    if (sorted_) {
      bson_value_t null_value{};
      null_value.value_type = BSON_TYPE_NULL;
      const bson_value_t& probe = v.value_type == BSON_TYPE_EOD ? null_value : v;
      auto it = std::lower_bound(
          values_.begin(), values_.end(), probe,
          [](const bson_value_t& a, const bson_value_t& b) { return CompareValues(a, b) < 0; });
      if (it != values_.end() && CompareValues(*it, probe) == 0) return true;
    } else {
      for (const bson_value_t& value : values_) {
        if (CompareForMatch(CompareOp::kEq, v, value)) return true;
      }
    }
    for (const Regex& regex : regexes_) {
      if (RegexMatches(regex, v, ctx)) return true;
    }
    return false;
  }

 private:
  std::vector<bson_value_t> values_;
  std::vector<Regex> regexes_;
  bool sorted_ = false;
};

class RegexTest : public ValueTest {
 public:
  explicit RegexTest(Regex regex) : regex_(std::move(regex)) {}
  bool Test(const bson_value_t& v, MatchContext* ctx, std::int32_t*) const override {
    return RegexMatches(regex_, v, ctx);
  }

 private:
  Regex regex_;
};

class ExistsTest : public ValueTest {
 public:
  bool Test(const bson_value_t& v, MatchContext*, std::int32_t*) const override {
    return v.value_type != BSON_TYPE_EOD;
  }
};

class TypeTest : public ValueTest {
 public:
  explicit TypeTest(BsonTypeSet types) : types_(types) {}
  bool Test(const bson_value_t& v, MatchContext*, std::int32_t*) const override {
    return v.value_type != BSON_TYPE_EOD && TypeSetContains(types_, v.value_type);
  }

 private:
  BsonTypeSet types_;
};

class ModTest : public ValueTest {
 public:
  ModTest(std::int64_t divisor, std::int64_t remainder)
      : divisor_(divisor), remainder_(remainder) {}
  bool Test(const bson_value_t& v, MatchContext*, std::int32_t*) const override {
    if (!IsNumberType(v.value_type)) return false;
    std::int64_t x;
    if (v.value_type == BSON_TYPE_INT32) {
      x = v.value.v_int32;
    } else if (v.value_type == BSON_TYPE_INT64) {
      x = v.value.v_int64;
    } else {
      double d = NumberAsDouble(v);
      if (!std::isfinite(d)) return false;
      // Saturate like MongoDB's numberLong(); a plain cast would be undefined out of range.
      if (d >= 9223372036854775807.0) {
        x = std::numeric_limits<std::int64_t>::max();
      } else if (d <= -9223372036854775808.0) {
        x = std::numeric_limits<std::int64_t>::min();
      } else {
        x = static_cast<std::int64_t>(d);
      }
    }
    std::int64_t r = divisor_ == -1 ? 0 : x % divisor_;
    return r == remainder_;
  }

 private:
  std::int64_t divisor_, remainder_;
};

class SizeTest : public ValueTest {
 public:
  explicit SizeTest(std::int64_t size) : size_(size) {}
  bool Test(const bson_value_t& v, MatchContext*, std::int32_t*) const override {
    if (v.value_type != BSON_TYPE_ARRAY) return false;
    bson_t array;
    if (!bson_init_static(&array, v.value.v_doc.data, v.value.v_doc.data_len)) return false;
    return bson_count_keys(&array) == size_;
  }

 private:
  std::int64_t size_;
};

class ElemMatchTest : public ValueTest {
 public:
  ElemMatchTest(NodePtr sub, bool object_form) : sub_(std::move(sub)), object_form_(object_form) {}
  bool Test(const bson_value_t& v, MatchContext* ctx, std::int32_t* position) const override {
    if (v.value_type != BSON_TYPE_ARRAY) return false;
    bson_t array;
    bson_iter_t it;
    if (!bson_init_static(&array, v.value.v_doc.data, v.value.v_doc.data_len) ||
        !bson_iter_init(&it, &array)) {
      return false;
    }
    MatchDetails* saved = ctx->details;
    ctx->details = nullptr;
    bool matched = false;
    for (std::int32_t k = 0; !matched && bson_iter_next(&it); ++k) {
      bson_value_t element = *bson_iter_value(&it);
      if (object_form_ && element.value_type != BSON_TYPE_DOCUMENT &&
          element.value_type != BSON_TYPE_ARRAY) {
        continue;
      }
      if (sub_->Matches(element, ctx)) {
        matched = true;
        *position = k;
      }
    }
    ctx->details = saved;
    return matched;
  }

 private:
  NodePtr sub_;
  bool object_form_;
};

class PathNode : public MatchNode {
 public:
  PathNode(std::vector<std::string> path, TerminalArrays mode, TestPtr test)
      : path_(std::move(path)), mode_(mode), test_(std::move(test)) {}

  bool Matches(const bson_value_t& root, MatchContext* ctx) const override {
    std::vector<PathHit> hits;
    FindPath(root, path_, mode_, &hits);
    for (const PathHit& hit : hits) {
      std::int32_t position = -1;
      if (!test_->Test(hit.value, ctx, &position)) continue;
      if (hit.array_position >= 0) position = hit.array_position;
      if (ctx->details != nullptr && !ctx->details->array_position && position >= 0) {
        ctx->details->array_position = position;
      }
      return true;
    }
    return false;
  }

 private:
  std::vector<std::string> path_;
  TerminalArrays mode_;
  TestPtr test_;
};

class AndNode : public MatchNode {
 public:
  explicit AndNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Matches(const bson_value_t& root, MatchContext* ctx) const override {
    for (const NodePtr& child : children_) {
      if (!child->Matches(root, ctx)) return false;
    }
    return true;
  }

 private:
  std::vector<NodePtr> children_;
};

class OrNode : public MatchNode {
 public:
  explicit OrNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Matches(const bson_value_t& root, MatchContext* ctx) const override {
    for (const NodePtr& child : children_) {
      if (child->Matches(root, ctx)) return true;
      if (ctx->error) return false;
    }
    return false;
  }

 private:
  std::vector<NodePtr> children_;
};

class NotNode : public MatchNode {
 public:
  explicit NotNode(NodePtr child) : child_(std::move(child)) {}
  bool Matches(const bson_value_t& root, MatchContext* ctx) const override {
    MatchDetails* saved = ctx->details;
    ctx->details = nullptr;
    bool matched = child_->Matches(root, ctx);
    ctx->details = saved;
    return !matched && !ctx->error;
  }

 private:
  NodePtr child_;
};

class ConstantNode : public MatchNode {
 public:
  explicit ConstantNode(bool result) : result_(result) {}
  bool Matches(const bson_value_t&, MatchContext*) const override { return result_; }

 private:
  bool result_;
};

class ExprMatchNode : public MatchNode {
 public:
  explicit ExprMatchNode(Expression expression) : expression_(std::move(expression)) {}
  bool Matches(const bson_value_t& root, MatchContext* ctx) const override {
    auto truthy = expression_.EvaluateTruthy(root);
    if (!truthy.ok()) {
      ctx->Fail(truthy.error());
      return false;
    }
    return truthy.value();
  }

 private:
  Expression expression_;
};

}  // namespace

bool CompareForMatch(CompareOp op, const bson_value_t& v, const bson_value_t& rhs) {
  bool rhs_null = rhs.value_type == BSON_TYPE_NULL || rhs.value_type == BSON_TYPE_UNDEFINED;
  if (v.value_type == BSON_TYPE_EOD)
    return rhs_null && op != CompareOp::kLt && op != CompareOp::kGt;
  if (CanonicalTypeRank(v.value_type) != CanonicalTypeRank(rhs.value_type)) {
    if (rhs.value_type == BSON_TYPE_MAXKEY) return op == CompareOp::kLt || op == CompareOp::kLte;
    if (rhs.value_type == BSON_TYPE_MINKEY) return op == CompareOp::kGt || op == CompareOp::kGte;
    return false;
  }
  if (IsNumberType(v.value_type)) {
    bool v_nan = v.value_type == BSON_TYPE_DOUBLE       ? std::isnan(v.value.v_double)
                 : v.value_type == BSON_TYPE_DECIMAL128 ? std::isnan(NumberAsDouble(v))
                                                        : false;
    bool rhs_nan = rhs.value_type == BSON_TYPE_DOUBLE       ? std::isnan(rhs.value.v_double)
                   : rhs.value_type == BSON_TYPE_DECIMAL128 ? std::isnan(NumberAsDouble(rhs))
                                                            : false;
    if (v_nan || rhs_nan) {
      bool both = v_nan && rhs_nan;
      return both && op != CompareOp::kLt && op != CompareOp::kGt;
    }
  }
  int c = CompareValues(v, rhs);
  switch (op) {
    case CompareOp::kEq:
      return c == 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLte:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGte:
      return c >= 0;
  }
  return false;
}

TestPtr MakeCompareTest(CompareOp op, const bson_value_t& rhs) {
  return std::make_unique<CompareTest>(op, rhs);
}
TestPtr MakeInTest(std::vector<bson_value_t> values, std::vector<Regex> regexes,
                   std::size_t sorted_min) {
  return std::make_unique<InTest>(std::move(values), std::move(regexes), sorted_min);
}
TestPtr MakeRegexTest(Regex regex) { return std::make_unique<RegexTest>(std::move(regex)); }
TestPtr MakeExistsTest() { return std::make_unique<ExistsTest>(); }
TestPtr MakeTypeTest(BsonTypeSet types) { return std::make_unique<TypeTest>(types); }
TestPtr MakeModTest(std::int64_t divisor, std::int64_t remainder) {
  return std::make_unique<ModTest>(divisor, remainder);
}
TestPtr MakeSizeTest(std::int64_t size) { return std::make_unique<SizeTest>(size); }
TestPtr MakeElemMatchTest(NodePtr sub, bool object_form) {
  return std::make_unique<ElemMatchTest>(std::move(sub), object_form);
}
NodePtr MakePathNode(std::vector<std::string> path, TerminalArrays mode, TestPtr test) {
  return std::make_unique<PathNode>(std::move(path), mode, std::move(test));
}
NodePtr MakeAndNode(std::vector<NodePtr> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<AndNode>(std::move(children));
}
NodePtr MakeOrNode(std::vector<NodePtr> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<OrNode>(std::move(children));
}
NodePtr MakeNotNode(NodePtr child) { return std::make_unique<NotNode>(std::move(child)); }
NodePtr MakeConstantNode(bool result) { return std::make_unique<ConstantNode>(result); }
NodePtr MakeExprNode(Expression expression) {
  return std::make_unique<ExprMatchNode>(std::move(expression));
}

}  // namespace tactus::docdb::query::internal
