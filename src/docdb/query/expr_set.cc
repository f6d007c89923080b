// Set expressions: $setUnion $setIntersection $setDifference $setEquals $setIsSubset
// $anyElementTrue $allElementsTrue. Sets are arrays; duplicates compare by value (1 == 1.0);
// results keep the order of first appearance.
#include <set>
#include <string>
#include <vector>

#include "docdb/query/expr_node.h"
#include "docdb/query/key_encoding.h"

namespace tactus::docdb::query::internal {
namespace {

DbResult<Done> AllArrays(const ExprNode& node, const std::vector<Value>& values,
                         std::int32_t code) {
  for (const Value& v : values) {
    if (!v.is_array()) {
      return MakeError(code, "All operands of " + node.name() +
                                 " must be arrays. One argument is of type: " + TypeName(v));
    }
  }
  return Done{};
}

bool AnyNullish(const std::vector<Value>& values) {
  for (const Value& v : values) {
    if (v.nullish()) return true;
  }
  return false;
}

std::set<std::string> KeysOf(const Value& array) {
  std::set<std::string> out;
  ForEachElement(array.v, [&](std::string_view, const bson_value_t& e) {
    out.insert(EncodeKeyValue(e));
    return true;
  });
  return out;
}

DbResult<Value> SetUnion(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  if (auto r = AllArrays(node, values, 17043); !r.ok()) return r.error();
  std::set<std::string> seen;
  ArrayBuilder out;
  for (const Value& v : values) {
    ForEachElement(v.v, [&](std::string_view, const bson_value_t& e) {
      if (seen.insert(EncodeKeyValue(e)).second) out.Append(e);
      return true;
    });
  }
  return out.Finish();
}

DbResult<Value> SetIntersection(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  if (auto r = AllArrays(node, values, 17047); !r.ok()) return r.error();
  ArrayBuilder out;
  if (values.empty()) return out.Finish();
  std::vector<std::set<std::string>> others;
  for (std::size_t i = 1; i < values.size(); ++i) others.push_back(KeysOf(values[i]));
  std::set<std::string> seen;
  ForEachElement(values[0].v, [&](std::string_view, const bson_value_t& e) {
    std::string key = EncodeKeyValue(e);
    for (const auto& o : others) {
      if (!o.count(key)) return true;
    }
    if (seen.insert(key).second) out.Append(e);
    return true;
  });
  return out.Finish();
}

DbResult<Value> SetDifference(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (AnyNullish(values)) return NullValue();
  if (!values[0].is_array()) {
    return MakeError(17048,
                     "both operands of $setDifference must be arrays. First argument is of "
                     "type: " +
                         TypeName(values[0]));
  }
  if (!values[1].is_array()) {
    return MakeError(17049,
                     "both operands of $setDifference must be arrays. Second argument is of "
                     "type: " +
                         TypeName(values[1]));
  }
  auto exclude = KeysOf(values[1]);
  std::set<std::string> seen;
  ArrayBuilder out;
  ForEachElement(values[0].v, [&](std::string_view, const bson_value_t& e) {
    std::string key = EncodeKeyValue(e);
    if (!exclude.count(key) && seen.insert(key).second) out.Append(e);
    return true;
  });
  return out.Finish();
}

DbResult<Value> SetEquals(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (auto r = AllArrays(node, values, 17044); !r.ok()) return r.error();
  auto first = KeysOf(values[0]);
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (KeysOf(values[i]) != first) return BoolValue(false);
  }
  return BoolValue(true);
}

DbResult<Value> SetIsSubset(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  if (!values[0].is_array()) {
    return MakeError(17046,
                     "both operands of $setIsSubset must be arrays. First argument is of "
                     "type: " +
                         TypeName(values[0]));
  }
  if (!values[1].is_array()) {
    return MakeError(17042,
                     "both operands of $setIsSubset must be arrays. Second argument is of "
                     "type: " +
                         TypeName(values[1]));
  }
  auto super = KeysOf(values[1]);
  for (const std::string& k : KeysOf(values[0])) {
    if (!super.count(k)) return BoolValue(false);
  }
  return BoolValue(true);
}

template <bool kAny>
DbResult<Value> ElementsTrue(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (!v.value().is_array()) {
    return MakeError(kAny ? 17041 : 17040,
                     node.name() + "'s argument must be an array, but is " + TypeName(v.value()));
  }
  bool result = !kAny;
  ForEachElement(v.value().v, [&](std::string_view, const bson_value_t& e) {
    bool t = Truthy(ViewValue(e));
    if (kAny && t) result = true;
    if (!kAny && !t) result = false;
    return result == !kAny;
  });
  return BoolValue(result);
}

constexpr OpDef kOps[] = {
    {"$setUnion", 0, -1, SetUnion},
    {"$setIntersection", 0, -1, SetIntersection},
    {"$setDifference", 2, 2, SetDifference},
    {"$setEquals", 2, -1, SetEquals},
    {"$setIsSubset", 2, 2, SetIsSubset},
    {"$anyElementTrue", 1, 1, ElementsTrue<true>},
    {"$allElementsTrue", 1, 1, ElementsTrue<false>},
};

}  // namespace

std::span<const OpDef> SetOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
