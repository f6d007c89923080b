// Array expressions: $size $filter $map $reduce $in $arrayElemAt $slice $concatArrays $first
// $last $isArray $range $reverseArray $indexOfArray.
#include <optional>
#include <string>
#include <vector>

#include "docdb/query/deadline.h"
#include "docdb/query/expr_node.h"

namespace tactus::docdb::query::internal {
namespace {

DbResult<Value> Size(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (!v.value().is_array()) {
    return MakeError(
        17124, "The argument to $size must be an array. Type of argument: " + TypeName(v.value()));
  }
  bson_t doc;
  ViewDocument(v.value().v, &doc);
  return IntValue(bson_count_keys(&doc));
}

DbResult<Value> IsArray(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  return BoolValue(v.value().is_array());
}

// $map / $filter: args input, (in | cond), limit; slots[0] is the element variable.
DbResult<Done> ParseIterating(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                              int depth) {
  bool is_map = std::string_view(node.op->name) == "$map";
  const char* body_name = is_map ? "in" : "cond";
  if (operand.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(is_map ? 16878 : 28646,
                     node.name() + " only supports an object as its argument");
  }
  std::optional<bson_value_t> input, body, limit;
  std::string as = "this";
  DbResult<Done> status = Done{};
  ForEachElement(operand, [&](std::string_view key, const bson_value_t& v) {
    if (key == "input") {
      input = v;
    } else if (key == body_name) {
      body = v;
    } else if (key == "limit" && !is_map) {
      limit = v;
    } else if (key == "as") {
      if (v.value_type != BSON_TYPE_UTF8) {
        status = MakeError(kFailedToParse, node.name() + " 'as' must be a string");
        return false;
      }
      as = std::string(v.value.v_utf8.str, v.value.v_utf8.len);
    } else {
      status = MakeError(is_map ? 16879 : 28647,
                         "Unrecognized parameter to " + node.name() + ": " + std::string(key));
      return false;
    }
    return true;
  });
  if (!status.ok()) return status;
  if (!input)
    return MakeError(is_map ? 16880 : 28648, "Missing 'input' parameter to " + node.name());
  if (!body) {
    return MakeError(is_map ? 16882 : 28650,
                     "Missing '" + std::string(body_name) + "' parameter to " + node.name());
  }
  if (auto r = ValidateVariableName(as); !r.ok()) return r;
  auto in = ParseExprNode(*input, scope, depth + 1);
  if (!in.ok()) return in.error();
  node.args.push_back(std::move(in).value());
  node.slots.push_back(scope.Define(as));
  auto b = ParseExprNode(*body, scope, depth + 1);
  scope.Pop(1);
  if (!b.ok()) return b.error();
  node.args.push_back(std::move(b).value());
  if (limit) {
    auto l = ParseExprNode(*limit, scope, depth + 1);
    if (!l.ok()) return l.error();
    node.args.push_back(std::move(l).value());
  }
  return Done{};
}

DbResult<Value> MapOrFilter(const ExprNode& node, EvalContext& ctx) {
  bool is_map = std::string_view(node.op->name) == "$map";
  auto input = EvalArg(node, 0, ctx);
  if (!input.ok()) return input.error();
  if (input.value().nullish()) return NullValue();
  if (!input.value().is_array()) {
    return MakeError(is_map ? 16883 : 28651, "input to " + node.name() + " must be an array not " +
                                                 TypeName(input.value()));
  }
  std::int64_t limit = -1;
  if (node.args.size() > 2) {
    auto l = EvalArg(node, 2, ctx);
    if (!l.ok()) return l.error();
    if (!l.value().nullish()) {
      if (!IsIntegral(l.value()) || AsInt64(l.value()) > INT32_MAX) {
        return MakeError(327, "$filter: limit must be represented as a 32-bit integral value: " +
                                  Render(l.value()));
      }
      limit = AsInt64(l.value());
      if (limit < 1)
        return MakeError(327, "$filter: limit must be greater than 0: " + Render(l.value()));
    }
  }
  ArrayBuilder out;
  Value keep = input.value();
  Value saved = ctx.slot(node.slots[0]);
  DbResult<Done> status = Done{};
  ForEachElement(keep.v, [&](std::string_view, const bson_value_t& element) {
    if (auto in_time = CheckDeadline(); !in_time.ok()) {
      status = in_time.error();
      return false;
    }
    ctx.slot(node.slots[0]) = Value{element, keep.storage};
    auto r = node.args[1]->Evaluate(ctx);
    if (!r.ok()) {
      status = r.error();
      return false;
    }
    if (is_map) {
      out.Append(r.value().missing() ? NullValue().v : r.value().v);
    } else if (Truthy(r.value())) {
      out.Append(element);
      if (limit > 0 && out.size() >= limit) return false;
    }
    return true;
  });
  ctx.slot(node.slots[0]) = saved;
  if (!status.ok()) return status.error();
  return out.Finish();
}

// $reduce: args input, initialValue, in; slots value, this.
DbResult<Done> ParseReduce(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                           int depth) {
  if (operand.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(40075, "$reduce only supports an object as its argument");
  }
  std::optional<bson_value_t> input, initial, in;
  std::string unknown;
  ForEachElement(operand, [&](std::string_view key, const bson_value_t& v) {
    if (key == "input")
      input = v;
    else if (key == "initialValue")
      initial = v;
    else if (key == "in")
      in = v;
    else
      unknown = std::string(key);
    return unknown.empty();
  });
  if (!unknown.empty()) return MakeError(40076, "$reduce found an unknown argument: " + unknown);
  if (!input) return MakeError(40077, "$reduce requires 'input' to be specified");
  if (!initial) return MakeError(40078, "$reduce requires 'initialValue' to be specified");
  if (!in) return MakeError(40079, "$reduce requires 'in' to be specified");
  for (const bson_value_t* v : {&*input, &*initial}) {
    auto child = ParseExprNode(*v, scope, depth + 1);
    if (!child.ok()) return child.error();
    node.args.push_back(std::move(child).value());
  }
  node.slots.push_back(scope.Define("value"));
  node.slots.push_back(scope.Define("this"));
  auto body = ParseExprNode(*in, scope, depth + 1);
  scope.Pop(2);
  if (!body.ok()) return body.error();
  node.args.push_back(std::move(body).value());
  return Done{};
}

DbResult<Value> Reduce(const ExprNode& node, EvalContext& ctx) {
  auto input = EvalArg(node, 0, ctx);
  if (!input.ok()) return input.error();
  if (input.value().nullish()) return NullValue();
  if (!input.value().is_array()) {
    return MakeError(40080,
                     "$reduce requires that 'input' be an array, found: " + Render(input.value()));
  }
  auto acc = EvalArg(node, 1, ctx);
  if (!acc.ok()) return acc.error();
  Value value = std::move(acc).value();
  Value keep = input.value();
  Value saved_value = ctx.slot(node.slots[0]), saved_this = ctx.slot(node.slots[1]);
  DbResult<Done> status = Done{};
  ForEachElement(keep.v, [&](std::string_view, const bson_value_t& element) {
    if (auto in_time = CheckDeadline(); !in_time.ok()) {
      status = in_time.error();
      return false;
    }
    ctx.slot(node.slots[0]) = value;
    ctx.slot(node.slots[1]) = Value{element, keep.storage};
    auto r = node.args[2]->Evaluate(ctx);
    if (!r.ok()) {
      status = r.error();
      return false;
    }
    value = std::move(r).value();
    return true;
  });
  ctx.slot(node.slots[0]) = saved_value;
  ctx.slot(node.slots[1]) = saved_this;
  if (!status.ok()) return status.error();
  return value;
}

DbResult<Value> In(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (!values[1].is_array()) {
    return MakeError(40081,
                     "$in requires an array as a second argument, found: " + TypeName(values[1]));
  }
  bool found = false;
  ForEachElement(values[1].v, [&](std::string_view, const bson_value_t& e) {
    found = CompareExpr(values[0], ViewValue(e)) == 0;
    return !found;
  });
  return BoolValue(found);
}

DbResult<Value> ArrayElemAt(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (values[0].nullish() || values[1].nullish()) return NullValue();
  if (!values[0].is_array()) {
    return MakeError(
        28689, "$arrayElemAt's first argument must be an array, but is " + TypeName(values[0]));
  }
  if (!IsNumeric(values[1])) {
    return MakeError(28690, "$arrayElemAt's second argument must be a numeric value, but is " +
                                TypeName(values[1]));
  }
  if (!IsIntegral(values[1])) {
    return MakeError(28691,
                     "$arrayElemAt's second argument must be representable as a 32-bit "
                     "integer: " +
                         Render(values[1]));
  }
  auto elements = ArrayElements(values[0].v);
  std::int64_t i = AsInt64(values[1]);
  std::int64_t n = static_cast<std::int64_t>(elements.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return MissingValue();
  return Value{elements[static_cast<std::size_t>(i)], values[0].storage};
}

template <bool kFirst>
DbResult<Value> FirstLast(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (v.value().nullish()) return NullValue();
  if (!v.value().is_array()) {
    return MakeError(28689,
                     node.name() + "'s argument must be an array, but is " + TypeName(v.value()));
  }
  auto elements = ArrayElements(v.value().v);
  if (elements.empty()) return MissingValue();
  return Value{kFirst ? elements.front() : elements.back(), v.value().storage};
}

DbResult<Value> Slice(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  for (const Value& v : values) {
    if (v.nullish()) return NullValue();
  }
  if (!values[0].is_array()) {
    return MakeError(
        28724, "First argument to $slice must be an array, but is of type: " + TypeName(values[0]));
  }
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (!IsIntegral(values[i])) {
      return MakeError(i == 1 && values.size() == 3 ? 28725 : 28724 + static_cast<int>(i),
                       "Arguments to $slice must be 32-bit integers: " + Render(values[i]));
    }
  }
  auto elements = ArrayElements(values[0].v);
  std::int64_t n = static_cast<std::int64_t>(elements.size());
  std::int64_t from = 0, count = 0;
  if (values.size() == 2) {
    std::int64_t k = AsInt64(values[1]);
    if (k >= 0) {
      count = std::min(k, n);
    } else {
      from = std::max<std::int64_t>(0, n + k);
      count = n - from;
    }
  } else {
    std::int64_t pos = AsInt64(values[1]);
    count = AsInt64(values[2]);
    if (count <= 0) {
      return MakeError(28729, "Third argument to $slice must be positive: " + Render(values[2]));
    }
    from = pos >= 0 ? std::min(pos, n) : std::max<std::int64_t>(0, n + pos);
    count = std::min(count, n - from);
  }
  ArrayBuilder out;
  for (std::int64_t i = from; i < from + count; ++i)
    out.Append(elements[static_cast<std::size_t>(i)]);
  return out.Finish();
}

DbResult<Value> ConcatArrays(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  ArrayBuilder out;
  for (const Value& v : values) {
    if (v.nullish()) return NullValue();
    if (!v.is_array()) {
      return MakeError(28664, "$concatArrays only supports arrays, not " + TypeName(v));
    }
  }
  for (const Value& v : values) {
    ForEachElement(v.v, [&](std::string_view, const bson_value_t& e) {
      out.Append(e);
      return true;
    });
  }
  return out.Finish();
}

// Result arrays of $range are bounded so a single expression cannot exhaust memory.
constexpr std::int64_t kMaxRangeElements = 10'000'000;

DbResult<Value> Range(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  static const char* kWhat[] = {"starting value", "ending value", "step value"};
  std::int64_t nums[3] = {0, 0, 1};
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!IsNumeric(values[i])) {
      return MakeError(34443 + 2 * static_cast<int>(i),
                       std::string("$range requires a numeric ") + kWhat[i] +
                           ", found value of type: " + TypeName(values[i]));
    }
    if (!IsIntegral(values[i]) || AsInt64(values[i]) > INT32_MAX ||
        AsInt64(values[i]) < INT32_MIN) {
      return MakeError(
          34444 + 2 * static_cast<int>(i),
          std::string("$range requires a ") + kWhat[i] +
              " that can be represented as a 32-bit integer, found value: " + Render(values[i]));
    }
    nums[i] = AsInt64(values[i]);
  }
  if (nums[2] == 0) return MakeError(34449, "$range requires a non-zero step value");
  ArrayBuilder out;
  for (std::int64_t i = nums[0]; nums[2] > 0 ? i < nums[1] : i > nums[1]; i += nums[2]) {
    if (auto in_time = CheckDeadline(); !in_time.ok()) return in_time.error();
    if (out.size() >= kMaxRangeElements) {
      return MakeError(kExceededMemoryLimit, "$range would produce more than " +
                                                 std::to_string(kMaxRangeElements) + " elements");
    }
    out.Append(Int32Value(static_cast<std::int32_t>(i)));
  }
  return out.Finish();
}

DbResult<Value> ReverseArray(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (v.value().nullish()) return NullValue();
  if (!v.value().is_array()) {
    return MakeError(34435, "The argument to $reverseArray must be an array, but was of type: " +
                                TypeName(v.value()));
  }
  auto elements = ArrayElements(v.value().v);
  ArrayBuilder out;
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) out.Append(*it);
  return out.Finish();
}

DbResult<Value> IndexOfArray(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (values[0].nullish()) return NullValue();
  if (!values[0].is_array()) {
    return MakeError(40090, "$indexOfArray requires an array as a first argument, found: " +
                                TypeName(values[0]));
  }
  auto elements = ArrayElements(values[0].v);
  std::int64_t start = 0, end = static_cast<std::int64_t>(elements.size());
  for (std::size_t i = 2; i < values.size(); ++i) {
    if (!IsIntegral(values[i])) {
      return MakeError(40096, "$indexOfArray requires an integral " +
                                  std::string(i == 2 ? "starting" : "ending") +
                                  " index, found a value of type: " + TypeName(values[i]));
    }
    std::int64_t k = AsInt64(values[i]);
    if (k < 0) {
      return MakeError(40097, "$indexOfArray requires a nonnegative " +
                                  std::string(i == 2 ? "starting" : "ending") +
                                  " index, found: " + Render(values[i]));
    }
    (i == 2 ? start : end) = k;
  }
  end = std::min<std::int64_t>(end, static_cast<std::int64_t>(elements.size()));
  for (std::int64_t i = start; i < end; ++i) {
    if (CompareExpr(ViewValue(elements[static_cast<std::size_t>(i)]), values[1]) == 0) {
      return IntValue(i);
    }
  }
  return Int32Value(-1);
}

constexpr OpDef kOps[] = {
    {"$size", 1, 1, Size},
    {"$isArray", 1, 1, IsArray},
    {"$map", 1, 1, MapOrFilter, ParseIterating},
    {"$filter", 1, 1, MapOrFilter, ParseIterating},
    {"$reduce", 1, 1, Reduce, ParseReduce},
    {"$in", 2, 2, In},
    {"$arrayElemAt", 2, 2, ArrayElemAt},
    {"$first", 1, 1, FirstLast<true>},
    {"$last", 1, 1, FirstLast<false>},
    {"$slice", 2, 3, Slice},
    {"$concatArrays", 0, -1, ConcatArrays},
    {"$range", 2, 3, Range},
    {"$reverseArray", 1, 1, ReverseArray},
    {"$indexOfArray", 2, 4, IndexOfArray},
};

}  // namespace

std::span<const OpDef> ArrayOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
