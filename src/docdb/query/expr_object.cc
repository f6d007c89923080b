// Object expressions: $mergeObjects $getField $setField $unsetField $objectToArray
// $arrayToObject.
#include <map>
#include <string>
#include <vector>

#include "docdb/query/expr_node.h"

namespace tactus::docdb::query::internal {
namespace {

DbResult<Value> MergeObjects(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  std::vector<std::string> order;
  std::map<std::string, bson_value_t> fields;
  for (const Value& v : values) {
    if (v.nullish()) continue;
    if (!v.is_document()) {
      return MakeError(40400, "$mergeObjects requires object inputs, but input " + Render(v) +
                                  " is of type " + TypeName(v));
    }
    ForEachElement(v.v, [&](std::string_view key, const bson_value_t& e) {
      auto [it, inserted] = fields.emplace(std::string(key), e);
      if (inserted)
        order.emplace_back(key);
      else
        it->second = e;
      return true;
    });
  }
  BsonPtr out = NewBson();
  for (const std::string& key : order) AppendValue(out.get(), key, fields[key]);
  return DocumentValueOf(std::move(out));
}

// $getField / $setField / $unsetField: args field, input, value. `field` must be a constant
// string (or {$literal: "..."}).
DbResult<Done> ParseFieldOp(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                            int depth) {
  std::string_view name = node.op->name;
  if (name == "$getField" && operand.value_type != BSON_TYPE_DOCUMENT) {
    auto field = std::make_unique<ExprNode>();
    field->literal = ViewValue(operand);
    node.args.push_back(std::move(field));
    node.args.emplace_back();
    node.args.emplace_back();
  } else {
    auto r = name == "$setField"
                 ? ParseNamedArgs(node, operand, {"field", "input", "value"},
                                  {"field", "input", "value"}, scope, depth, 4161100)
                 : ParseNamedArgs(node, operand, {"field", "input"},
                                  name == "$getField"
                                      ? std::initializer_list<const char*>{"field"}
                                      : std::initializer_list<const char*>{"field", "input"},
                                  scope, depth, 3041704);
    if (!r.ok()) return r;
    node.args.resize(3);
  }
  ExprNode* field = node.args[0].get();
  if (field->kind == ExprNode::Kind::kOperator && std::string_view(field->op->name) == "$literal") {
    field = field->args[0].get();
  }
  if (field->kind != ExprNode::Kind::kLiteral || !field->literal.is_string()) {
    return MakeError(5654602, node.name() +
                                  " requires 'field' to evaluate to a constant string, found " +
                                  Render(field->literal));
  }
  std::string_view field_name = field->literal.str();
  if (!bson_utf8_validate(field_name.data(), field_name.size(), false)) {
    return MakeError(kBadValue, node.name() + " requires 'field' to be valid UTF-8");
  }
  node.keys.emplace_back(field_name);
  return Done{};
}

DbResult<Value> GetField(const ExprNode& node, EvalContext& ctx) {
  Value input = ctx.slot(kCurrentSlot);
  if (node.args[1]) {
    auto v = node.args[1]->Evaluate(ctx);
    if (!v.ok()) return v.error();
    input = std::move(v).value();
  }
  if (input.nullish()) return NullValue();
  if (!input.is_document()) return MissingValue();
  bson_t doc;
  bson_iter_t it;
  ViewDocument(input.v, &doc);
  const std::string& key = node.keys[0];
  if (bson_iter_init_find_w_len(&it, &doc, key.data(), static_cast<int>(key.size()))) {
    return Value{*bson_iter_value(&it), input.storage};
  }
  return MissingValue();
}

DbResult<Value> SetField(const ExprNode& node, EvalContext& ctx) {
  auto input = EvalArg(node, 1, ctx);
  if (!input.ok()) return input.error();
  if (input.value().nullish()) return NullValue();
  if (!input.value().is_document()) {
    return MakeError(4161105, node.name() + " requires 'input' to evaluate to type Object");
  }
  Value value = MissingValue();
  if (node.args[2]) {
    auto v = node.args[2]->Evaluate(ctx);
    if (!v.ok()) return v.error();
    value = std::move(v).value();
  }
  const std::string& key = node.keys[0];
  BsonPtr out = NewBson();
  bool replaced = false;
  ForEachElement(input.value().v, [&](std::string_view k, const bson_value_t& e) {
    if (k == key) {
      replaced = true;
      AppendValue(out.get(), k, value.v);
    } else {
      AppendValue(out.get(), k, e);
    }
    return true;
  });
  if (!replaced) AppendValue(out.get(), key, value.v);
  return DocumentValueOf(std::move(out));
}

DbResult<Value> ObjectToArray(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (v.value().nullish()) return NullValue();
  if (!v.value().is_document()) {
    return MakeError(40390,
                     "$objectToArray requires a document input, found: " + TypeName(v.value()));
  }
  ArrayBuilder out;
  ForEachElement(v.value().v, [&](std::string_view key, const bson_value_t& e) {
    BsonPtr pair = NewBson();
    bson_append_utf8(pair.get(), "k", 1, key.data(), static_cast<int>(key.size()));
    bson_append_value(pair.get(), "v", 1, &e);
    bson_value_t pv{};
    pv.value_type = BSON_TYPE_DOCUMENT;
    pv.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(pair.get()));
    pv.value.v_doc.data_len = pair->len;
    out.Append(pv);
    return true;
  });
  return out.Finish();
}

DbResult<Value> ArrayToObject(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  if (v.value().nullish()) return NullValue();
  if (!v.value().is_array()) {
    return MakeError(40386,
                     "$arrayToObject requires an array input, found: " + TypeName(v.value()));
  }
  std::vector<std::string> order;
  std::map<std::string, bson_value_t> fields;
  DbResult<Done> status = Done{};
  auto put = [&](const bson_value_t& k, const bson_value_t& val) -> DbResult<Done> {
    if (k.value_type != BSON_TYPE_UTF8) {
      return MakeError(40394, "$arrayToObject requires keys of type string, found: " +
                                  std::string(BsonTypeName(k.value_type)));
    }
    std::string key(k.value.v_utf8.str, k.value.v_utf8.len);
    if (!bson_utf8_validate(key.data(), key.size(), false)) {
      return MakeError(kBadValue, "$arrayToObject keys must be valid UTF-8");
    }
    if (key.find('\0') != std::string::npos) {
      return MakeError(4940400, "Key field cannot contain an embedded null byte");
    }
    auto [it, inserted] = fields.emplace(key, val);
    if (inserted)
      order.push_back(key);
    else
      it->second = val;
    return Done{};
  };
  ForEachElement(v.value().v, [&](std::string_view, const bson_value_t& e) {
    if (e.value_type == BSON_TYPE_ARRAY) {
      auto kv = ArrayElements(e);
      if (kv.size() != 2) {
        status = MakeError(40397,
                           "$arrayToObject requires an array of size 2 arrays,found array "
                           "of size: " +
                               std::to_string(kv.size()));
        return false;
      }
      status = put(kv[0], kv[1]);
    } else if (e.value_type == BSON_TYPE_DOCUMENT) {
      bson_t doc;
      bson_iter_t k, val;
      ViewDocument(e, &doc);
      if (bson_count_keys(&doc) != 2 || !bson_iter_init_find(&k, &doc, "k") ||
          !bson_iter_init_find(&val, &doc, "v")) {
        status = MakeError(40392, "$arrayToObject requires an object keys of 'k' and 'v'");
        return false;
      }
      status = put(*bson_iter_value(&k), *bson_iter_value(&val));
    } else {
      status = MakeError(40398, "Unrecognised input type format for $arrayToObject: " +
                                    std::string(BsonTypeName(e.value_type)));
    }
    return status.ok();
  });
  if (!status.ok()) return status.error();
  BsonPtr out = NewBson();
  for (const std::string& key : order) AppendValue(out.get(), key, fields[key]);
  Value result = DocumentValueOf(std::move(out));
  // Keep the input alive: values are views into it until copied above (they are copied).
  return result;
}

constexpr OpDef kOps[] = {
    {"$mergeObjects", 0, -1, MergeObjects},      {"$getField", 1, 1, GetField, ParseFieldOp},
    {"$setField", 1, 1, SetField, ParseFieldOp}, {"$unsetField", 1, 1, SetField, ParseFieldOp},
    {"$objectToArray", 1, 1, ObjectToArray},     {"$arrayToObject", 1, 1, ArrayToObject},
};

}  // namespace

std::span<const OpDef> ObjectOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
