// Arithmetic expressions: $add $subtract $multiply $divide $mod $abs $ceil $floor $round $trunc
// $pow $sqrt $exp $ln $log $log10. Integers widen int32 -> int64 -> double on overflow, as
// MongoDB does; null or missing operands give null. Decimal128 operands are refused (BadValue).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "docdb/query/compare.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/number.h"

namespace tactus::docdb::query::internal {
namespace {

bool IsInt(const bson_value_t& v) {
  return v.value_type == BSON_TYPE_INT32 || v.value_type == BSON_TYPE_INT64;
}
std::int64_t IntOf(const bson_value_t& v) {
  return v.value_type == BSON_TYPE_INT32 ? v.value.v_int32 : v.value.v_int64;
}

// Accumulates integers exactly, widening int32 -> int64 -> double as MongoDB does.
struct Accumulator {
  bool is_double = false;
  bool is_long = false;
  std::int64_t i = 0;
  double d = 0;

  void Combine(const bson_value_t& v, bool multiply) {
    if (!is_double && IsInt(v)) {
      std::int64_t r;
      bool overflow = multiply ? __builtin_mul_overflow(i, IntOf(v), &r)
                               : __builtin_add_overflow(i, IntOf(v), &r);
      if (!overflow) {
        i = r;
        is_long = is_long || v.value_type == BSON_TYPE_INT64 ||
                  r > std::numeric_limits<std::int32_t>::max() ||
                  r < std::numeric_limits<std::int32_t>::min();
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
    if (is_double) return DoubleValue(d);
    if (!is_long) return Int32Value(static_cast<std::int32_t>(i));
    return Int64Value(i);
  }
};

DbError DecimalUnsupported(const std::string& op) {
  return MakeError(kBadValue, op + " does not support decimal128 operands");
}

std::int64_t DateFromDouble(double ms) {
  if (!(std::fabs(ms) < 9.2e18)) {
    return ms < 0 ? std::numeric_limits<std::int64_t>::min()
                  : std::numeric_limits<std::int64_t>::max();
  }
  return std::llround(ms);
}

bool AnyNullish(const std::vector<Value>& values) {
  for (const Value& v : values) {
    if (v.nullish()) return true;
  }
  return false;
}

DbResult<Value> AddOrMultiply(const ExprNode& node, EvalContext& ctx, bool add) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  Accumulator acc;
  acc.i = add ? 0 : 1;
  bool has_date = false;
  std::int64_t date_ms = 0;
  for (const Value& v : values) {
    bson_type_t t = v.type();
    if (add && t == BSON_TYPE_DATE_TIME) {
      if (has_date) return MakeError(16612, "only one date allowed in an $add expression");
      has_date = true;
      date_ms = v.v.value.v_datetime;
      continue;
    }
    if (t == BSON_TYPE_DECIMAL128) return DecimalUnsupported(node.name());
    if (!IsNumberType(t)) {
      return MakeError(add ? 16554 : 16555, node.name() + " only supports numeric" +
                                                (add ? " or date" : "") + " types, not " +
                                                TypeName(v));
    }
    acc.Combine(v.v, !add);
  }
  if (!has_date) return acc.Result();
  if (!acc.is_double) {
    std::int64_t r;
    if (!__builtin_add_overflow(date_ms, acc.i, &r)) return DateValue(r);
  }
  return DateValue(DateFromDouble(static_cast<double>(date_ms) + NumberAsDouble(acc.Result().v)));
}

DbResult<Value> Add(const ExprNode& node, EvalContext& ctx) {
  return AddOrMultiply(node, ctx, true);
}
DbResult<Value> Multiply(const ExprNode& node, EvalContext& ctx) {
  return AddOrMultiply(node, ctx, false);
}

DbResult<Value> Subtract(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  const Value& a = values[0];
  const Value& b = values[1];
  bson_type_t ta = a.type(), tb = b.type();
  if (ta == BSON_TYPE_DECIMAL128 || tb == BSON_TYPE_DECIMAL128)
    return DecimalUnsupported("$subtract");
  if (ta == BSON_TYPE_DATE_TIME && tb == BSON_TYPE_DATE_TIME) {
    return Int64Value(static_cast<std::int64_t>(static_cast<std::uint64_t>(a.v.value.v_datetime) -
                                                static_cast<std::uint64_t>(b.v.value.v_datetime)));
  }
  if (ta == BSON_TYPE_DATE_TIME && IsNumberType(tb)) {
    if (IsInt(b.v)) {
      std::int64_t r;
      if (!__builtin_sub_overflow(a.v.value.v_datetime, IntOf(b.v), &r)) return DateValue(r);
    }
    return DateValue(DateFromDouble(static_cast<double>(a.v.value.v_datetime) - AsDouble(b)));
  }
  if (!IsNumberType(ta) || !IsNumberType(tb)) {
    return MakeError(16556, "cant $subtract a " + TypeName(b) + " from a " + TypeName(a));
  }
  if (IsInt(a.v) && IsInt(b.v)) {
    std::int64_t r;
    if (!__builtin_sub_overflow(IntOf(a.v), IntOf(b.v), &r)) {
      if (ta == BSON_TYPE_INT64 || tb == BSON_TYPE_INT64) return Int64Value(r);
      return IntValue(r);
    }
  }
  return DoubleValue(AsDouble(a) - AsDouble(b));
}

DbResult<Value> Divide(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  const Value& a = values[0];
  const Value& b = values[1];
  if (a.type() == BSON_TYPE_DECIMAL128 || b.type() == BSON_TYPE_DECIMAL128) {
    return DecimalUnsupported("$divide");
  }
  if (!IsNumeric(a) || !IsNumeric(b)) {
    return MakeError(
        16609, "$divide only supports numeric types, not " + TypeName(a) + " and " + TypeName(b));
  }
  double divisor = AsDouble(b);
  if (divisor == 0) return MakeError(kBadValue, "can't $divide by zero");
  return DoubleValue(AsDouble(a) / divisor);
}

DbResult<Value> Mod(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  const Value& a = values[0];
  const Value& b = values[1];
  if (a.type() == BSON_TYPE_DECIMAL128 || b.type() == BSON_TYPE_DECIMAL128) {
    return DecimalUnsupported("$mod");
  }
  if (!IsNumeric(a) || !IsNumeric(b)) {
    return MakeError(
        16611, "$mod only supports numeric types, not " + TypeName(a) + " and " + TypeName(b));
  }
  if (IsInt(a.v) && IsInt(b.v)) {
    std::int64_t divisor = IntOf(b.v);
    if (divisor == 0) return MakeError(16610, "can't $mod by zero");
    std::int64_t dividend = IntOf(a.v);
    std::int64_t r = divisor == -1 ? 0 : dividend % divisor;
    if (a.type() == BSON_TYPE_INT64 || b.type() == BSON_TYPE_INT64) return Int64Value(r);
    return Int32Value(static_cast<std::int32_t>(r));
  }
  double divisor = AsDouble(b);
  if (divisor == 0) return MakeError(16610, "can't $mod by zero");
  return DoubleValue(std::fmod(AsDouble(a), divisor));
}

// Evaluates the single numeric argument of a unary math operator: null when null/missing,
// error 28765 for other types.
DbResult<Value> NumericArg(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (v.value().nullish()) return NullValue();
  if (v.value().type() == BSON_TYPE_DECIMAL128) return DecimalUnsupported(node.name());
  if (!IsNumeric(v.value())) {
    return MakeError(28765,
                     node.name() + " only supports numeric types, not " + TypeName(v.value()));
  }
  return v;
}

DbResult<Value> Abs(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  const bson_value_t& x = v.value().v;
  if (x.value_type == BSON_TYPE_INT32) {
    if (x.value.v_int32 == std::numeric_limits<std::int32_t>::min()) {
      return Int64Value(-static_cast<std::int64_t>(x.value.v_int32));
    }
    return Int32Value(std::abs(x.value.v_int32));
  }
  if (x.value_type == BSON_TYPE_INT64) {
    if (x.value.v_int64 == std::numeric_limits<std::int64_t>::min()) {
      return MakeError(28680, "can't take $abs of long long min");
    }
    return Int64Value(std::abs(x.value.v_int64));
  }
  return DoubleValue(std::fabs(x.value.v_double));
}

template <double (*F)(double)>
DbResult<Value> IntegralPreserving(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  if (IsInt(v.value().v)) return v;
  return DoubleValue(F(v.value().v.value.v_double));
}

double RoundHalfEven(double x) { return std::nearbyint(x); }

// $round and $trunc: [number, place] with place an integer in [-20, 100).
DbResult<Value> RoundOrTrunc(const ExprNode& node, EvalContext& ctx, bool round) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  std::int64_t place = 0;
  if (node.args.size() > 1) {
    auto p = EvalArg(node, 1, ctx);
    if (!p.ok()) return p.error();
    if (p.value().nullish()) return NullValue();
    if (!IsIntegral(p.value())) {
      return MakeError(51082, node.name() + " requires \"place\" argument to be an integer");
    }
    place = AsInt64(p.value());
    if (place < -20 || place >= 100) {
      return MakeError(51083, "cannot apply " + node.name() + " with precision value " +
                                  std::to_string(place) + " value must be in [-20, 100)");
    }
  }
  auto apply = [&](double x) {
    if (!std::isfinite(x)) return x;
    double scale = std::pow(10.0, static_cast<double>(place));
    double scaled = x * scale;
    if (!std::isfinite(scaled)) return x;
    double r = round ? RoundHalfEven(scaled) : std::trunc(scaled);
    return r / scale;
  };
  const bson_value_t& x = v.value().v;
  if (IsInt(x)) {
    if (place >= 0) return v;
    std::int64_t i = IntOf(x);
    double r = apply(static_cast<double>(i));
    if (x.value_type == BSON_TYPE_INT32) return Int32Value(static_cast<std::int32_t>(r));
    return Int64Value(static_cast<std::int64_t>(r));
  }
  return DoubleValue(apply(x.value.v_double));
}

DbResult<Value> Round(const ExprNode& node, EvalContext& ctx) {
  return RoundOrTrunc(node, ctx, true);
}
DbResult<Value> Trunc(const ExprNode& node, EvalContext& ctx) {
  return RoundOrTrunc(node, ctx, false);
}

DbResult<Value> Sqrt(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  double x = AsDouble(v.value());
  if (x < 0) return MakeError(28714, "$sqrt's argument must be greater than or equal to 0");
  return DoubleValue(std::sqrt(x));
}

DbResult<Value> Exp(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  return DoubleValue(std::exp(AsDouble(v.value())));
}

DbResult<Value> Ln(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  double x = AsDouble(v.value());
  if (!(x > 0))
    return MakeError(28766,
                     "$ln's argument must be a positive number, but is " + Render(v.value()));
  return DoubleValue(std::log(x));
}

DbResult<Value> Log10(const ExprNode& node, EvalContext& ctx) {
  auto v = NumericArg(node, ctx);
  if (!v.ok() || v.value().nullish()) return v;
  double x = AsDouble(v.value());
  if (!(x > 0)) {
    return MakeError(28761,
                     "$log10's argument must be a positive number, but is " + Render(v.value()));
  }
  return DoubleValue(std::log10(x));
}

DbResult<Value> Log(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  if (!IsNumeric(values[0])) {
    return MakeError(28756, "$log's argument must be numeric, not " + TypeName(values[0]));
  }
  if (!IsNumeric(values[1])) {
    return MakeError(28757, "$log's base must be numeric, not " + TypeName(values[1]));
  }
  double x = AsDouble(values[0]), base = AsDouble(values[1]);
  if (!(x > 0)) {
    return MakeError(28758,
                     "$log's argument must be a positive number, but is " + Render(values[0]));
  }
  if (!(base > 0) || base == 1) {
    return MakeError(
        28759, "$log's base must be a positive number not equal to 1, but is " + Render(values[1]));
  }
  return DoubleValue(std::log(x) / std::log(base));
}

DbResult<Value> Pow(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  const Value& base = values[0];
  const Value& exp = values[1];
  if (!IsNumeric(base))
    return MakeError(28762, "$pow's base must be numeric, not " + TypeName(base));
  if (!IsNumeric(exp))
    return MakeError(28763, "$pow's exponent must be numeric, not " + TypeName(exp));
  if (AsDouble(base) == 0 && AsDouble(exp) < 0) {
    return MakeError(28764, "$pow cannot take a base of 0 and a negative exponent");
  }
  if (IsInt(base.v) && IsInt(exp.v) && IntOf(exp.v) >= 0) {
    std::int64_t b = IntOf(base.v), e = IntOf(exp.v), r = 1;
    bool overflow = false;
    for (std::int64_t k = 0; k < e && !overflow; ++k) {
      overflow = __builtin_mul_overflow(r, b, &r);
      if (b == 0 || b == 1) break;
      if (b == -1) {
        r = (e % 2 == 0) ? 1 : -1;
        break;
      }
    }
    if (b == 0) r = e == 0 ? 1 : 0;
    if (!overflow) {
      bool is_long = base.type() == BSON_TYPE_INT64 || exp.type() == BSON_TYPE_INT64;
      return is_long ? Int64Value(r) : IntValue(r);
    }
  }
  return DoubleValue(std::pow(AsDouble(base), AsDouble(exp)));
}

// $sum, $avg, $min and $max as expressions (not accumulators): over the elements of a single
// array argument, or over the arguments themselves. Non-numbers are ignored by $sum and $avg,
// null and missing by $min and $max.
template <typename Fn>
DbResult<Value> OverOperands(const ExprNode& node, EvalContext& ctx, Fn&& fn) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  std::vector<bson_value_t> operands;
  if (values.size() == 1 && values[0].is_array()) {
    operands = ArrayElements(values[0].v);  // views into values[0], which outlives them
  } else {
    for (const auto& v : values) operands.push_back(v.v);
  }
  return fn(operands);
}

DbResult<Value> SumOrAvg(const ExprNode& node, EvalContext& ctx, bool average) {
  return OverOperands(node, ctx, [&](const std::vector<bson_value_t>& operands) -> DbResult<Value> {
    std::int64_t int_sum = 0;
    double double_sum = 0;
    bool as_double = false, any_long = false;
    std::int64_t count = 0;
    for (const auto& v : operands) {
      if (v.value_type == BSON_TYPE_DECIMAL128) {
        return DecimalUnsupported(average ? "$avg" : "$sum");
      }
      if (!IsNumberType(v.value_type)) continue;
      ++count;
      any_long |= v.value_type == BSON_TYPE_INT64;
      if (!as_double && IsInt(v) && !__builtin_add_overflow(int_sum, IntOf(v), &int_sum)) {
        continue;
      }
      if (!as_double) {
        as_double = true;
        double_sum = static_cast<double>(int_sum);
        if (IsInt(v)) {  // the integer sum overflowed: continue in double
          double_sum += static_cast<double>(IntOf(v));
          continue;
        }
      }
      double_sum += NumberAsDouble(v);
    }
    if (average) {
      if (count == 0) return NullValue();
      double total = as_double ? double_sum : static_cast<double>(int_sum);
      return DoubleValue(total / static_cast<double>(count));
    }
    if (as_double) return DoubleValue(double_sum);
    return any_long ? Int64Value(int_sum) : IntValue(int_sum);
  });
}

DbResult<Value> MinOrMax(const ExprNode& node, EvalContext& ctx, bool max) {
  return OverOperands(node, ctx, [&](const std::vector<bson_value_t>& operands) -> DbResult<Value> {
    const bson_value_t* best = nullptr;
    for (const auto& v : operands) {
      if (v.value_type == BSON_TYPE_NULL || v.value_type == BSON_TYPE_UNDEFINED ||
          v.value_type == BSON_TYPE_EOD) {
        continue;
      }
      if (!best || (max ? CompareValues(v, *best) > 0 : CompareValues(v, *best) < 0)) best = &v;
    }
    return best ? OwnedCopy(*best) : NullValue();
  });
}

DbResult<Value> SumExpr(const ExprNode& node, EvalContext& ctx) {
  return SumOrAvg(node, ctx, false);
}
DbResult<Value> AvgExpr(const ExprNode& node, EvalContext& ctx) {
  return SumOrAvg(node, ctx, true);
}
DbResult<Value> MinExpr(const ExprNode& node, EvalContext& ctx) {
  return MinOrMax(node, ctx, false);
}
DbResult<Value> MaxExpr(const ExprNode& node, EvalContext& ctx) {
  return MinOrMax(node, ctx, true);
}

constexpr OpDef kOps[] = {
    {"$add", 0, -1, Add},
    {"$multiply", 0, -1, Multiply},
    {"$subtract", 2, 2, Subtract},
    {"$divide", 2, 2, Divide},
    {"$mod", 2, 2, Mod},
    {"$abs", 1, 1, Abs},
    {"$ceil", 1, 1, IntegralPreserving<std::ceil>},
    {"$floor", 1, 1, IntegralPreserving<std::floor>},
    {"$round", 1, 2, Round},
    {"$trunc", 1, 2, Trunc},
    {"$pow", 2, 2, Pow},
    {"$sqrt", 1, 1, Sqrt},
    {"$exp", 1, 1, Exp},
    {"$ln", 1, 1, Ln},
    {"$log", 2, 2, Log},
    {"$log10", 1, 1, Log10},
    {"$sum", 1, -1, SumExpr},
    {"$avg", 1, -1, AvgExpr},
    {"$min", 1, -1, MinExpr},
    {"$max", 1, -1, MaxExpr},
};

}  // namespace

std::span<const OpDef> ArithmeticOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
