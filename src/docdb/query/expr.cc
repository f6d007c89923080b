#include "docdb/query/expr.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/query/compare.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/number.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {
namespace internal {

namespace {

Value Missing() { return Value{}; }

Value FromBson(std::shared_ptr<bson_t> b, bool array) {
  Value out;
  out.v.value_type = array ? BSON_TYPE_ARRAY : BSON_TYPE_DOCUMENT;
  out.v.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(b.get()));
  out.v.value.v_doc.data_len = b->len;
  out.storage = std::move(b);
  return out;
}

std::shared_ptr<bson_t> NewShared() { return std::shared_ptr<bson_t>(bson_new(), bson_destroy); }

void AppendIndexed(bson_t* array, std::uint32_t index, const bson_value_t& v) {
  char buf[16];
  const char* key = nullptr;
  std::size_t len = bson_uint32_to_string(index, &key, buf, sizeof buf);
  bson_append_value(array, key, static_cast<int>(len), &v);
}

Value MakeBool(bool b) {
  Value out;
  out.v.value_type = BSON_TYPE_BOOL;
  out.v.value.v_bool = b;
  return out;
}

Value MakeNull() {
  Value out;
  out.v.value_type = BSON_TYPE_NULL;
  return out;
}

// Aggregation field-path semantics: over an array, collect the path's values from every
// element (recursively for nested arrays), skipping elements where it is missing.
Value Lookup(const bson_value_t& cur, const std::vector<std::string>& parts, std::size_t i) {
  if (i == parts.size()) return Value{cur, nullptr};
  if (cur.value_type == BSON_TYPE_DOCUMENT) {
    bson_t doc;
    bson_iter_t it;
    if (bson_init_static(&doc, cur.value.v_doc.data, cur.value.v_doc.data_len) &&
        bson_iter_init_find_w_len(&it, &doc, parts[i].data(), static_cast<int>(parts[i].size()))) {
      return Lookup(*bson_iter_value(&it), parts, i + 1);
    }
    return Missing();
  }
  if (cur.value_type != BSON_TYPE_ARRAY) return Missing();
  auto out = NewShared();
  bson_t array;
  bson_iter_t it;
  std::uint32_t n = 0;
  if (bson_init_static(&array, cur.value.v_doc.data, cur.value.v_doc.data_len) &&
      bson_iter_init(&it, &array)) {
    while (bson_iter_next(&it)) {
      bson_value_t element = *bson_iter_value(&it);
      if (element.value_type != BSON_TYPE_DOCUMENT && element.value_type != BSON_TYPE_ARRAY) {
        continue;
      }
      Value r = Lookup(element, parts, i);
      if (!r.missing()) AppendIndexed(out.get(), n++, r.v);
    }
  }
  return FromBson(std::move(out), true);
}

}  // namespace

bool Truthy(const Value& v) {
  if (v.nullish()) return false;
  if (v.v.value_type == BSON_TYPE_BOOL) return v.v.value.v_bool;
  if (IsNumberType(v.v.value_type)) {
    DecimalNumber n = ToDecimalNumber(v.v);
    return !(n.kind == DecimalNumber::Kind::kFinite && n.digits.empty());
  }
  return true;
}

namespace {

int CompareExpr(const Value& a, const Value& b) {
  if (a.missing() || b.missing()) {
    if (a.missing() && b.missing()) return 0;
    const Value& present = a.missing() ? b : a;
    int missing_vs_present = present.v.value_type == BSON_TYPE_MINKEY ? 1 : -1;
    return a.missing() ? missing_vs_present : -missing_vs_present;
  }
  return CompareValues(a.v, b.v);
}

// Accumulates integers exactly, widening int32 -> int64 -> double as MongoDB does.
struct Accumulator {
  bool is_double = false;
  bool is_long = false;
  std::int64_t i = 0;
  double d = 0;

  static bool IsInt(const bson_value_t& v) {
    return v.value_type == BSON_TYPE_INT32 || v.value_type == BSON_TYPE_INT64;
  }
  static std::int64_t AsInt(const bson_value_t& v) {
    return v.value_type == BSON_TYPE_INT32 ? v.value.v_int32 : v.value.v_int64;
  }

  void Start(const bson_value_t& v) {
    if (IsInt(v)) {
      i = AsInt(v);
      is_long = v.value_type == BSON_TYPE_INT64;
    } else {
      is_double = true;
      d = NumberAsDouble(v);
    }
  }

  void Combine(const bson_value_t& v, bool multiply) {
    if (!is_double && IsInt(v)) {
      std::int64_t r;
      bool overflow = multiply ? __builtin_mul_overflow(i, AsInt(v), &r)
                               : __builtin_add_overflow(i, AsInt(v), &r);
      if (!overflow) {
        i = r;
        is_long = is_long || v.value_type == BSON_TYPE_INT64;
        return;
      }
    }
    if (!is_double) {
      is_double = true;
      d = static_cast<double>(i);
    }
    d = multiply ? d * NumberAsDouble(v) : d + NumberAsDouble(v);
  }

  Value Result() const {
    Value out;
    if (is_double) {
      out.v.value_type = BSON_TYPE_DOUBLE;
      out.v.value.v_double = d;
    } else if (!is_long && i >= std::numeric_limits<std::int32_t>::min() &&
               i <= std::numeric_limits<std::int32_t>::max()) {
      out.v.value_type = BSON_TYPE_INT32;
      out.v.value.v_int32 = static_cast<std::int32_t>(i);
    } else {
      out.v.value_type = BSON_TYPE_INT64;
      out.v.value.v_int64 = i;
    }
    return out;
  }
};

DbError DecimalUnsupported(const char* op) {
  return MakeError(kBadValue, std::string(op) + " does not support decimal128 operands");
}

std::int64_t DateFromDouble(double ms) {
  if (!(std::fabs(ms) < 9.2e18))
    return ms < 0 ? std::numeric_limits<std::int64_t>::min()
                  : std::numeric_limits<std::int64_t>::max();
  return std::llround(ms);
}

Value MakeDate(std::int64_t ms) {
  Value out;
  out.v.value_type = BSON_TYPE_DATE_TIME;
  out.v.value.v_datetime = ms;
  return out;
}

}  // namespace

DbResult<Value> ExprNode::Evaluate(const bson_value_t& root) const {
  switch (kind) {
    case Kind::kLiteral:
      return Value{literal, nullptr};
    case Kind::kPath:
      return Lookup(root, path, 0);
    case Kind::kOperator:
      return EvaluateOperator(root);
    case Kind::kObject: {
      auto out = NewShared();
      for (std::size_t i = 0; i < args.size(); ++i) {
        auto v = args[i]->Evaluate(root);
        if (!v.ok()) return v.error();
        if (v.value().missing()) continue;
        bson_append_value(out.get(), keys[i].data(), static_cast<int>(keys[i].size()),
                          &v.value().v);
      }
      return FromBson(std::move(out), false);
    }
    case Kind::kArray: {
      auto out = NewShared();
      for (std::size_t i = 0; i < args.size(); ++i) {
        auto v = args[i]->Evaluate(root);
        if (!v.ok()) return v.error();
        AppendIndexed(out.get(), static_cast<std::uint32_t>(i),
                      v.value().missing() ? MakeNull().v : v.value().v);
      }
      return FromBson(std::move(out), true);
    }
  }
  return Missing();
}

DbResult<Value> ExprNode::EvaluateOperator(const bson_value_t& root) const {
  if (name == "$and" || name == "$or") {
    bool is_and = name == "$and";
    for (const auto& arg : args) {
      auto v = arg->Evaluate(root);
      if (!v.ok()) return v.error();
      if (Truthy(v.value()) != is_and) return MakeBool(!is_and);
    }
    return MakeBool(is_and);
  }
  std::vector<Value> values;
  values.reserve(args.size());
  for (const auto& arg : args) {
    auto v = arg->Evaluate(root);
    if (!v.ok()) return v.error();
    values.push_back(std::move(v).value());
  }
  if (name == "$not") return MakeBool(!Truthy(values[0]));
  if (name == "$literal") return values[0];
  if (name == "$cmp" || name == "$eq" || name == "$ne" || name == "$gt" || name == "$gte" ||
      name == "$lt" || name == "$lte") {
    int c = CompareExpr(values[0], values[1]);
    if (name == "$cmp") {
      Value out;
      out.v.value_type = BSON_TYPE_INT32;
      out.v.value.v_int32 = c < 0 ? -1 : (c > 0 ? 1 : 0);
      return out;
    }
    if (name == "$eq") return MakeBool(c == 0);
    if (name == "$ne") return MakeBool(c != 0);
    if (name == "$gt") return MakeBool(c > 0);
    if (name == "$gte") return MakeBool(c >= 0);
    if (name == "$lt") return MakeBool(c < 0);
    return MakeBool(c <= 0);
  }
  return Arithmetic(values);
}

DbResult<Value> ExprNode::Arithmetic(const std::vector<Value>& values) const {
  for (const Value& v : values) {
    if (v.nullish()) return MakeNull();
  }
  const bson_type_t kDate = BSON_TYPE_DATE_TIME;
  if (name == "$add" || name == "$multiply") {
    bool add = name == "$add";
    Accumulator acc;
    acc.i = add ? 0 : 1;
    bool has_date = false;
    for (const Value& v : values) {
      bson_type_t t = v.v.value_type;
      if (add && t == kDate) {
        if (has_date) return MakeError(16612, "only one date allowed in an $add expression");
        has_date = true;
        continue;
      }
      if (t == BSON_TYPE_DECIMAL128) return DecimalUnsupported(name.c_str());
      if (!IsNumberType(t)) {
        return MakeError(add ? 16554 : 16555, name + " only supports numeric" +
                                                  (add ? " or date" : "") + " types, not " +
                                                  BsonTypeName(v.v.value_type));
      }
      acc.Combine(v.v, !add);
    }
    if (has_date) {
      std::int64_t ms = 0;
      for (const Value& v : values) {
        if (v.v.value_type == kDate) ms = v.v.value.v_datetime;
      }
      Value sum = acc.Result();
      double delta = NumberAsDouble(sum.v);
      if (sum.v.value_type != BSON_TYPE_DOUBLE) {
        std::int64_t r;
        std::int64_t d =
            sum.v.value_type == BSON_TYPE_INT32 ? sum.v.value.v_int32 : sum.v.value.v_int64;
        if (!__builtin_add_overflow(ms, d, &r)) return MakeDate(r);
      }
      return MakeDate(DateFromDouble(static_cast<double>(ms) + delta));
    }
    return acc.Result();
  }
  const Value& a = values[0];
  const Value& b = values[1];
  bson_type_t ta = a.v.value_type, tb = b.v.value_type;
  if (ta == BSON_TYPE_DECIMAL128 || tb == BSON_TYPE_DECIMAL128) {
    return DecimalUnsupported(name.c_str());
  }
  if (name == "$subtract") {
    if (ta == kDate && tb == kDate) {
      Value out;
      out.v.value_type = BSON_TYPE_INT64;
      out.v.value.v_int64 =
          static_cast<std::int64_t>(static_cast<std::uint64_t>(a.v.value.v_datetime) -
                                    static_cast<std::uint64_t>(b.v.value.v_datetime));
      return out;
    }
    if (ta == kDate && IsNumberType(tb)) {
      return MakeDate(
          DateFromDouble(static_cast<double>(a.v.value.v_datetime) - NumberAsDouble(b.v)));
    }
    if (!IsNumberType(ta) || !IsNumberType(tb)) {
      return MakeError(16556, std::string("cant $subtract a ") + BsonTypeName(b.v.value_type) +
                                  " from a " + BsonTypeName(a.v.value_type));
    }
    Accumulator acc;
    acc.Start(a.v);
    if (!acc.is_double && Accumulator::IsInt(b.v)) {
      std::int64_t r;
      if (!__builtin_sub_overflow(acc.i, Accumulator::AsInt(b.v), &r)) {
        acc.i = r;
        acc.is_long = acc.is_long || tb == BSON_TYPE_INT64;
        return acc.Result();
      }
    }
    Value out;
    out.v.value_type = BSON_TYPE_DOUBLE;
    out.v.value.v_double = NumberAsDouble(a.v) - NumberAsDouble(b.v);
    return out;
  }
  // $divide
  if (!IsNumberType(ta) || !IsNumberType(tb)) {
    return MakeError(16609, std::string("$divide only supports numeric types, not ") +
                                BsonTypeName(a.v.value_type) + " and " +
                                BsonTypeName(b.v.value_type));
  }
  double divisor = NumberAsDouble(b.v);
  if (divisor == 0) return MakeError(kBadValue, "can't $divide by zero");
  Value out;
  out.v.value_type = BSON_TYPE_DOUBLE;
  out.v.value.v_double = NumberAsDouble(a.v) / divisor;
  return out;
}

}  // namespace internal

DbResult<bool> Expression::EvaluateTruthy(const bson_value_t& root) const {
  auto v = node_->Evaluate(root);
  if (!v.ok()) return v.error();
  return internal::Truthy(v.value());
}

}  // namespace tactus::docdb::query
