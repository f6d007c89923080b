// Comparison ($eq $ne $gt $gte $lt $lte $cmp), boolean ($and $or $not), conditional ($cond,
// $ifNull, $switch), $let and $literal.
#include <optional>
#include <string>
#include <vector>

#include "docdb/query/expr_node.h"

namespace tactus::docdb::query::internal {
namespace {

template <int kWhich>
DbResult<Value> Compare(const ExprNode& node, EvalContext& ctx) {
  auto a = node.args[0]->Evaluate(ctx);
  if (!a.ok()) return a.error();
  auto b = node.args[1]->Evaluate(ctx);
  if (!b.ok()) return b.error();
  int c = CompareExpr(a.value(), b.value());
  switch (kWhich) {
    case 0:
      return BoolValue(c == 0);
    case 1:
      return BoolValue(c != 0);
    case 2:
      return BoolValue(c > 0);
    case 3:
      return BoolValue(c >= 0);
    case 4:
      return BoolValue(c < 0);
    case 5:
      return BoolValue(c <= 0);
    default:
      return Int32Value(c < 0 ? -1 : (c > 0 ? 1 : 0));
  }
}

template <bool kIsAnd>
DbResult<Value> AndOr(const ExprNode& node, EvalContext& ctx) {
  for (const auto& arg : node.args) {
    auto v = arg->Evaluate(ctx);
    if (!v.ok()) return v.error();
    if (Truthy(v.value()) != kIsAnd) return BoolValue(!kIsAnd);
  }
  return BoolValue(kIsAnd);
}

DbResult<Value> Not(const ExprNode& node, EvalContext& ctx) {
  auto v = node.args[0]->Evaluate(ctx);
  if (!v.ok()) return v.error();
  return BoolValue(!Truthy(v.value()));
}

DbResult<Done> ParseLiteral(ExprNode& node, const bson_value_t& operand, ExprScope&, int) {
  auto literal = std::make_unique<ExprNode>();
  literal->literal = ViewValue(operand);
  node.args.push_back(std::move(literal));
  return Done{};
}

DbResult<Value> First(const ExprNode& node, EvalContext& ctx) {
  return node.args[0]->Evaluate(ctx);
}

DbResult<Done> ParseCond(ExprNode& node, const bson_value_t& operand, ExprScope& scope, int depth) {
  if (operand.value_type == BSON_TYPE_DOCUMENT) {
    auto r = ParseNamedArgs(node, operand, {"if", "then", "else"}, {}, scope, depth, 17083);
    if (!r.ok()) return r;
    static const char* kNames[] = {"if", "then", "else"};
    for (int i = 0; i < 3; ++i) {
      if (!node.args[i]) {
        return MakeError(17080 + i, std::string("Missing '") + kNames[i] + "' parameter to $cond");
      }
    }
    return Done{};
  }
  std::vector<bson_value_t> elements;
  if (operand.value_type == BSON_TYPE_ARRAY)
    elements = ArrayElements(operand);
  else
    elements.push_back(operand);
  if (elements.size() != 3) {
    return MakeError(kExpressionArgumentCount, "Expression $cond takes exactly 3 arguments. " +
                                                   std::to_string(elements.size()) +
                                                   " were passed in.");
  }
  for (const bson_value_t& e : elements) {
    auto child = ParseExprNode(e, scope, depth + 1);
    if (!child.ok()) return child.error();
    node.args.push_back(std::move(child).value());
  }
  return Done{};
}

DbResult<Value> Cond(const ExprNode& node, EvalContext& ctx) {
  auto c = node.args[0]->Evaluate(ctx);
  if (!c.ok()) return c.error();
  return node.args[Truthy(c.value()) ? 1 : 2]->Evaluate(ctx);
}

DbResult<Value> IfNull(const ExprNode& node, EvalContext& ctx) {
  for (std::size_t i = 0; i + 1 < node.args.size(); ++i) {
    auto v = node.args[i]->Evaluate(ctx);
    if (!v.ok()) return v.error();
    if (!v.value().nullish()) return v;
  }
  return node.args.back()->Evaluate(ctx);
}

// args: case0, then0, case1, then1, ..., [default]; option = the number of branches.
DbResult<Done> ParseSwitch(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                           int depth) {
  if (operand.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(40060, "$switch requires an object as an argument, found: " +
                                std::string(BsonTypeName(operand.value_type)));
  }
  std::unique_ptr<ExprNode> dflt;
  bool has_branches = false;
  bson_t doc;
  bson_iter_t it;
  ViewDocument(operand, &doc);
  bson_iter_init(&it, &doc);
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    const bson_value_t& v = *bson_iter_value(&it);
    if (key == "branches") {
      has_branches = true;
      if (v.value_type != BSON_TYPE_ARRAY) {
        return MakeError(40061, "$switch expected an array for 'branches', found: " +
                                    std::string(BsonTypeName(v.value_type)));
      }
      for (const bson_value_t& branch : ArrayElements(v)) {
        if (branch.value_type != BSON_TYPE_DOCUMENT) {
          return MakeError(40062, "$switch expected each branch to be an object, found: " +
                                      std::string(BsonTypeName(branch.value_type)));
        }
        ExprNode pair;
        pair.op = node.op;
        auto r = ParseNamedArgs(pair, branch, {"case", "then"}, {}, scope, depth, 40063);
        if (!r.ok()) return r;
        if (!pair.args[0])
          return MakeError(40064, "$switch requires each branch have a 'case' expression");
        if (!pair.args[1])
          return MakeError(40065, "$switch requires each branch have a 'then' expression.");
        node.args.push_back(std::move(pair.args[0]));
        node.args.push_back(std::move(pair.args[1]));
        ++node.option;
      }
    } else if (key == "default") {
      auto child = ParseExprNode(v, scope, depth + 1);
      if (!child.ok()) return child.error();
      dflt = std::move(child).value();
    } else {
      return MakeError(40067, "$switch found an unknown argument: " + key);
    }
  }
  if (!has_branches || node.option == 0) {
    return MakeError(40068, "$switch requires at least one branch.");
  }
  if (dflt) node.args.push_back(std::move(dflt));
  return Done{};
}

DbResult<Value> Switch(const ExprNode& node, EvalContext& ctx) {
  for (std::int64_t i = 0; i < node.option; ++i) {
    auto c = node.args[2 * i]->Evaluate(ctx);
    if (!c.ok()) return c.error();
    if (Truthy(c.value())) return node.args[2 * i + 1]->Evaluate(ctx);
  }
  if (node.args.size() > static_cast<std::size_t>(2 * node.option)) {
    return node.args.back()->Evaluate(ctx);
  }
  return MakeError(40066,
                   "$switch could not find a matching branch for an input, and no default was "
                   "specified.");
}

// args: the variables' expressions, then `in`; slots: the variables.
DbResult<Done> ParseLet(ExprNode& node, const bson_value_t& operand, ExprScope& scope, int depth) {
  if (operand.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(16874, "$let only supports an object as its argument");
  }
  std::optional<bson_value_t> vars, in;
  bson_t doc;
  bson_iter_t it;
  ViewDocument(operand, &doc);
  bson_iter_init(&it, &doc);
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    if (key == "vars") {
      vars = *bson_iter_value(&it);
    } else if (key == "in") {
      in = *bson_iter_value(&it);
    } else {
      return MakeError(16875, "Unrecognized parameter to $let: " + key);
    }
  }
  if (!vars) return MakeError(16876, "Missing 'vars' parameter to $let");
  if (!in) return MakeError(16877, "Missing 'in' parameter to $let");
  if (vars->value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(kFailedToParse, "invalid parameter: expected an object (vars)");
  }
  std::vector<std::string> names;
  bool failed = false;
  DbError error;
  ForEachElement(*vars, [&](std::string_view name, const bson_value_t& v) {
    if (auto r = ValidateVariableName(name); !r.ok()) {
      error = r.error();
      failed = true;
      return false;
    }
    auto child = ParseExprNode(v, scope, depth + 1);
    if (!child.ok()) {
      error = child.error();
      failed = true;
      return false;
    }
    node.args.push_back(std::move(child).value());
    names.emplace_back(name);
    return true;
  });
  if (failed) return error;
  for (const std::string& name : names) node.slots.push_back(scope.Define(name));
  auto body = ParseExprNode(*in, scope, depth + 1);
  scope.Pop(static_cast<int>(names.size()));
  if (!body.ok()) return body.error();
  node.args.push_back(std::move(body).value());
  return Done{};
}

DbResult<Value> Let(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  for (std::size_t i = 0; i < node.slots.size(); ++i) {
    auto v = node.args[i]->Evaluate(ctx);
    if (!v.ok()) return v.error();
    values.push_back(std::move(v).value());
  }
  for (std::size_t i = 0; i < node.slots.size(); ++i) ctx.slot(node.slots[i]) = values[i];
  return node.args.back()->Evaluate(ctx);
}

constexpr OpDef kOps[] = {
    {"$eq", 2, 2, Compare<0>},
    {"$ne", 2, 2, Compare<1>},
    {"$gt", 2, 2, Compare<2>},
    {"$gte", 2, 2, Compare<3>},
    {"$lt", 2, 2, Compare<4>},
    {"$lte", 2, 2, Compare<5>},
    {"$cmp", 2, 2, Compare<6>},
    {"$and", 0, -1, AndOr<true>},
    {"$or", 0, -1, AndOr<false>},
    {"$not", 1, 1, Not},
    {"$literal", 1, 1, First, ParseLiteral},
    {"$cond", 3, 3, Cond, ParseCond},
    {"$ifNull", 2, -1, IfNull},
    {"$switch", 1, 1, Switch, ParseSwitch},
    {"$let", 1, 1, Let, ParseLet},
};

}  // namespace

std::span<const OpDef> LogicOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
