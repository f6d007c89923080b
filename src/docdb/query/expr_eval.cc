// Evaluation of the expression tree's structural nodes and the helpers every operator family
// shares (truthiness, comparison, field paths, numbers, type names).
#include <cmath>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/query/compare.h"
#include "docdb/query/expr.h"
#include "docdb/query/deadline.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/number.h"

namespace tactus::docdb::query {

EvalContext::EvalContext(int slot_count, std::int64_t now_ms)
    : vars_(static_cast<std::size_t>(std::max(slot_count, kFirstUserSlot))), now_ms_(now_ms) {
  vars_[kNowSlot] = DateValue(now_ms);
}

void EvalContext::SetRoot(const bson_value_t& doc) {
  vars_[kRootSlot] = ViewValue(doc);
  vars_[kCurrentSlot] = vars_[kRootSlot];
}

void EvalContext::SetRoot(const bson_t* doc) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(doc));
  v.value.v_doc.data_len = doc->len;
  SetRoot(v);
}

namespace internal {

Value LookupPath(const bson_value_t& cur, const std::vector<std::string>& parts, std::size_t i) {
  if (i == parts.size()) return ViewValue(cur);
  if (cur.value_type == BSON_TYPE_DOCUMENT) {
    bson_t doc;
    bson_iter_t it;
    if (bson_init_static(&doc, cur.value.v_doc.data, cur.value.v_doc.data_len) &&
        bson_iter_init_find_w_len(&it, &doc, parts[i].data(), static_cast<int>(parts[i].size()))) {
      return LookupPath(*bson_iter_value(&it), parts, i + 1);
    }
    return MissingValue();
  }
  if (cur.value_type != BSON_TYPE_ARRAY) return MissingValue();
  ArrayBuilder out;
  ForEachElement(cur, [&](std::string_view, const bson_value_t& element) {
    if (element.value_type == BSON_TYPE_DOCUMENT || element.value_type == BSON_TYPE_ARRAY) {
      Value r = LookupPath(element, parts, i);
      if (!r.missing()) out.Append(r.v);
    }
    return true;
  });
  return out.Finish();
}

DbResult<Value> ExprNode::Evaluate(EvalContext& ctx) const {
  switch (kind) {
    case Kind::kLiteral:
      return literal;
    case Kind::kVariable: {
      const Value& base = ctx.slot(var);
      if (path.empty()) return base;
      Value found = LookupPath(base.v, path, 0);
      // A view into a value with storage must keep that storage alive.
      if (!found.storage) found.storage = base.storage;
      return found;
    }
    case Kind::kOperator:
      if (auto in_time = CheckDeadline(); !in_time.ok()) return in_time.error();
      return op->eval(*this, ctx);
    case Kind::kObject: {
      BsonPtr out = NewBson();
      for (std::size_t i = 0; i < args.size(); ++i) {
        auto v = args[i]->Evaluate(ctx);
        if (!v.ok()) return v.error();
        AppendValue(out.get(), keys[i], v.value().v);
      }
      return DocumentValueOf(std::move(out));
    }
    case Kind::kArray: {
      ArrayBuilder out;
      for (const auto& arg : args) {
        auto v = arg->Evaluate(ctx);
        if (!v.ok()) return v.error();
        out.Append(v.value().missing() ? NullValue().v : v.value().v);
      }
      return out.Finish();
    }
  }
  return MissingValue();
}

DbResult<Done> EvalArgs(const ExprNode& node, EvalContext& ctx, std::vector<Value>* out) {
  out->clear();
  out->reserve(node.args.size());
  for (const auto& arg : node.args) {
    if (!arg) {
      out->push_back(MissingValue());
      continue;
    }
    auto v = arg->Evaluate(ctx);
    if (!v.ok()) return v.error();
    out->push_back(std::move(v).value());
  }
  return Done{};
}

DbResult<Value> EvalArg(const ExprNode& node, std::size_t i, EvalContext& ctx) {
  if (i >= node.args.size() || !node.args[i]) return MissingValue();
  return node.args[i]->Evaluate(ctx);
}

bool Truthy(const Value& v) {
  if (v.nullish()) return false;
  switch (v.v.value_type) {
    case BSON_TYPE_BOOL:
      return v.v.value.v_bool;
    case BSON_TYPE_INT32:
      return v.v.value.v_int32 != 0;
    case BSON_TYPE_INT64:
      return v.v.value.v_int64 != 0;
    case BSON_TYPE_DOUBLE:
      return v.v.value.v_double != 0;
    case BSON_TYPE_DECIMAL128: {
      DecimalNumber n = ToDecimalNumber(v.v);
      return !(n.kind == DecimalNumber::Kind::kFinite && n.digits.empty());
    }
    default:
      return true;
  }
}

int CompareExpr(const Value& a, const Value& b) {
  if (a.missing() || b.missing()) {
    if (a.missing() && b.missing()) return 0;
    const Value& present = a.missing() ? b : a;
    int missing_vs_present = present.v.value_type == BSON_TYPE_MINKEY ? 1 : -1;
    return a.missing() ? missing_vs_present : -missing_vs_present;
  }
  return CompareValues(a.v, b.v);
}

std::string TypeName(const Value& v) {
  if (v.missing()) return "missing";
  return BsonTypeName(v.v.value_type);
}

bool IsNumeric(const Value& v) { return IsNumberType(v.v.value_type); }

bool IsIntegral(const Value& v) {
  switch (v.v.value_type) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
      return true;
    case BSON_TYPE_DOUBLE: {
      double d = v.v.value.v_double;
      return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18;
    }
    case BSON_TYPE_DECIMAL128: {
      double d = NumberAsDouble(v.v);
      return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18;
    }
    default:
      return false;
  }
}

double AsDouble(const Value& v) { return NumberAsDouble(v.v); }

std::int64_t AsInt64(const Value& v) {
  switch (v.v.value_type) {
    case BSON_TYPE_INT32:
      return v.v.value.v_int32;
    case BSON_TYPE_INT64:
      return v.v.value.v_int64;
    default:
      return static_cast<std::int64_t>(NumberAsDouble(v.v));
  }
}

std::string Render(const Value& v) {
  if (v.missing()) return "missing";
  BsonPtr holder = NewBson();
  bson_append_value(holder.get(), "v", 1, &v.v);
  std::string json = ToJson(holder.get());
  // {"v" : X} -> X
  std::size_t colon = json.find(':');
  if (colon == std::string::npos || json.size() < colon + 4) return json;
  return json.substr(colon + 2, json.size() - colon - 4);
}

}  // namespace internal

bool IsTruthy(const Value& v) { return internal::Truthy(v); }
std::string RenderValue(const Value& v) { return internal::Render(v); }

}  // namespace tactus::docdb::query
