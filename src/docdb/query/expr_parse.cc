// Parsing of aggregation expressions: field paths, variables, objects, arrays and the operator
// table built from every family's OpDefs.
#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "docdb/query/expr.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {

int ExprScope::Define(std::string_view name) {
  int slot = next_slot_++;
  visible_.emplace_back(std::string(name), slot);
  return slot;
}

int ExprScope::Find(std::string_view name) const {
  for (auto it = visible_.rbegin(); it != visible_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return -1;
}

void ExprScope::Pop(int count) {
  for (int i = 0; i < count && !visible_.empty(); ++i) visible_.pop_back();
}

DbResult<Done> ValidateVariableName(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return MakeError(kFailedToParse, "'" + std::string(name) + "' " + why);
  };
  if (name.empty()) return MakeError(kFailedToParse, "empty variable names are not allowed");
  unsigned char first = static_cast<unsigned char>(name[0]);
  if (!((first >= 'a' && first <= 'z') || first >= 0x80)) {
    return bad("starts with an invalid character for a user variable name");
  }
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || u >= 0x80)) {
      return bad("contains an invalid character for a variable name: '" + std::string(1, c) + "'");
    }
  }
  return Done{};
}

namespace internal {
namespace {

const std::unordered_map<std::string_view, const OpDef*>& OperatorTable() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, const OpDef*>();
    for (auto family : {ArithmeticOps(), LogicOps(), StringOps(), RegexOps(), ArrayOps(), SetOps(),
                        DateOps(), DateArithmeticOps(), TypeOps(), ObjectOps()}) {
      for (const OpDef& op : family) t->emplace(op.name, &op);
    }
    return t;
  }();
  return *table;
}

DbResult<Done> CheckPathParts(std::string_view text, const std::vector<std::string>& parts) {
  for (const std::string& part : parts) {
    if (part.empty()) {
      return MakeError(15998, "FieldPath field names may not be empty strings.");
    }
    if (part[0] == '$') {
      return MakeError(16410,
                       "FieldPath field names may not start with '$'. Consider using "
                       "$getField or $setField. (in '" +
                           std::string(text) + "')");
    }
  }
  return Done{};
}

DbResult<std::unique_ptr<ExprNode>> ParseString(std::string_view text, ExprScope& scope) {
  auto node = std::make_unique<ExprNode>();
  node->kind = ExprNode::Kind::kVariable;
  if (text.substr(0, 2) == "$$") {
    std::string_view rest = text.substr(2);
    std::size_t dot = rest.find('.');
    std::string_view var = rest.substr(0, dot);
    if (dot != std::string_view::npos) node->path = SplitPath(rest.substr(dot + 1));
    if (auto r = CheckPathParts(text, node->path); !r.ok()) return r.error();
    if (var == "ROOT") {
      node->var = kRootSlot;
    } else if (var == "CURRENT") {
      node->var = kCurrentSlot;
    } else if (var == "NOW") {
      node->var = kNowSlot;
    } else if (var == "REMOVE") {
      node->kind = ExprNode::Kind::kLiteral;  // missing
    } else {
      int slot = scope.Find(var);
      if (slot < 0) {
        if (auto r = ValidateVariableName(var); !r.ok()) return r.error();
        return MakeError(kUndefinedVariable, "Use of undefined variable: " + std::string(var));
      }
      node->var = slot;
    }
    return node;
  }
  if (text.size() == 1) return MakeError(16872, "'$' by itself is not a valid FieldPath");
  node->path = SplitPath(text.substr(1));
  if (auto r = CheckPathParts(text, node->path); !r.ok()) return r.error();
  return node;
}

DbResult<Done> ParsePositional(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                               int depth) {
  if (operand.value_type == BSON_TYPE_ARRAY) {
    for (const bson_value_t& element : ArrayElements(operand)) {
      auto child = ParseExprNode(element, scope, depth + 1);
      if (!child.ok()) return child.error();
      node.args.push_back(std::move(child).value());
    }
  } else {
    auto child = ParseExprNode(operand, scope, depth + 1);
    if (!child.ok()) return child.error();
    node.args.push_back(std::move(child).value());
  }
  const OpDef& op = *node.op;
  int n = static_cast<int>(node.args.size());
  if (n < op.min_args || (op.max_args >= 0 && n > op.max_args)) {
    std::string expected = op.min_args == op.max_args
                               ? "exactly " + std::to_string(op.min_args)
                               : (n < op.min_args ? "at least " + std::to_string(op.min_args)
                                                  : "at most " + std::to_string(op.max_args));
    return MakeError(kExpressionArgumentCount, std::string("Expression ") + op.name + " takes " +
                                                   expected + " arguments. " + std::to_string(n) +
                                                   " were passed in.");
  }
  return Done{};
}

DbResult<std::unique_ptr<ExprNode>> ParseContainer(const bson_value_t& spec, ExprScope& scope,
                                                   int depth) {
  auto node = std::make_unique<ExprNode>();
  bson_t doc;
  bson_iter_t it;
  if (!ViewDocument(spec, &doc) || !bson_iter_init(&it, &doc)) {
    return MakeError(kBadValue, "malformed expression");
  }
  bool is_array = spec.value_type == BSON_TYPE_ARRAY;
  bson_iter_t first = it;
  if (!is_array && bson_iter_next(&first) && bson_iter_key(&first)[0] == '$') {
    std::uint32_t count = bson_count_keys(&doc);
    if (count != 1) {
      return MakeError(15983,
                       "an expression specification must contain exactly one field, the name of "
                       "the expression. Found " +
                           std::to_string(count) + " fields");
    }
    std::string_view name(bson_iter_key(&first), bson_iter_key_len(&first));
    const auto& table = OperatorTable();
    auto found = table.find(name);
    if (found == table.end()) {
      return MakeError(kInvalidPipelineOperator,
                       "Unrecognized expression '" + std::string(name) + "'");
    }
    node->kind = ExprNode::Kind::kOperator;
    node->op = found->second;
    const bson_value_t& operand = *bson_iter_value(&first);
    auto parsed = node->op->parse ? node->op->parse(*node, operand, scope, depth)
                                  : ParsePositional(*node, operand, scope, depth);
    if (!parsed.ok()) return parsed.error();
    return node;
  }
  node->kind = is_array ? ExprNode::Kind::kArray : ExprNode::Kind::kObject;
  while (bson_iter_next(&it)) {
    if (!is_array) {
      std::string key(bson_iter_key(&it), bson_iter_key_len(&it));
      if (key.empty()) return MakeError(16410, "FieldPath field names may not be empty strings.");
      if (key[0] == '$' || key.find('.') != std::string::npos) {
        return MakeError(16412,
                         "FieldPath field names may not start with '$' or contain '.': " + key);
      }
      node->keys.push_back(std::move(key));
    }
    auto child = ParseExprNode(*bson_iter_value(&it), scope, depth + 1);
    if (!child.ok()) return child.error();
    node->args.push_back(std::move(child).value());
  }
  return node;
}

}  // namespace

DbResult<std::unique_ptr<ExprNode>> ParseExprNode(const bson_value_t& spec, ExprScope& scope,
                                                  int depth) {
  if (depth > kMaxExprDepth) {
    return MakeError(kBadValue, "exceeded depth limit of " + std::to_string(kMaxExprDepth) +
                                    " when parsing an expression");
  }
  if (spec.value_type == BSON_TYPE_UTF8 && spec.value.v_utf8.len > 0 &&
      spec.value.v_utf8.str[0] == '$') {
    return ParseString(std::string_view(spec.value.v_utf8.str, spec.value.v_utf8.len), scope);
  }
  if (spec.value_type == BSON_TYPE_ARRAY || spec.value_type == BSON_TYPE_DOCUMENT) {
    return ParseContainer(spec, scope, depth);
  }
  auto node = std::make_unique<ExprNode>();
  node->literal = ViewValue(spec);
  return node;
}

DbResult<Done> ParseNamedArgs(ExprNode& node, const bson_value_t& operand,
                              std::initializer_list<const char*> names,
                              std::initializer_list<const char*> required, ExprScope& scope,
                              int depth, std::int32_t code) {
  const std::string op = node.name();
  if (operand.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(code, op + " expects an object of named arguments but found " +
                               BsonTypeName(operand.value_type));
  }
  node.args.resize(names.size());
  bson_t doc;
  bson_iter_t it;
  if (!ViewDocument(operand, &doc) || !bson_iter_init(&it, &doc)) {
    return MakeError(kBadValue, "malformed expression");
  }
  while (bson_iter_next(&it)) {
    std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
    std::size_t i = 0;
    for (const char* name : names) {
      if (key == name) break;
      ++i;
    }
    if (i == names.size()) {
      return MakeError(code, "Unrecognized parameter to " + op + ": " + std::string(key));
    }
    auto child = ParseExprNode(*bson_iter_value(&it), scope, depth + 1);
    if (!child.ok()) return child.error();
    node.args[i] = std::move(child).value();
  }
  for (const char* name : required) {
    std::size_t i = 0;
    for (const char* n : names) {
      if (std::string_view(n) == name) break;
      ++i;
    }
    if (i < node.args.size() && !node.args[i]) {
      return MakeError(code, "Missing '" + std::string(name) + "' parameter to " + op);
    }
  }
  return Done{};
}

}  // namespace internal

Expression::Expression(std::shared_ptr<const internal::ExprNode> node, int slots,
                       std::int64_t now_ms)
    : node_(std::move(node)), slots_(slots), now_ms_(now_ms) {}

DbResult<Expression> Expression::Parse(const bson_value_t& spec, ExprScope& scope, int depth) {
  auto node = internal::ParseExprNode(spec, scope, depth);
  if (!node.ok()) return node.error();
  return Expression(std::shared_ptr<const internal::ExprNode>(std::move(node).value()),
                    scope.slot_count(), scope.now_ms());
}

DbResult<Expression> Expression::Parse(const bson_value_t& spec, int depth) {
  std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  ExprScope scope(now);
  auto parsed = Parse(spec, scope, depth);
  if (!parsed.ok()) return parsed.error();
  parsed.value().slots_ = scope.slot_count();
  return parsed;
}

DbResult<Value> Expression::Evaluate(EvalContext& ctx) const { return node_->Evaluate(ctx); }

DbResult<bool> Expression::EvaluateTruthy(const bson_value_t& root) const {
  EvalContext ctx(slots_, now_ms_);
  ctx.SetRoot(root);
  auto v = node_->Evaluate(ctx);
  if (!v.ok()) return v.error();
  return internal::Truthy(v.value());
}

const std::vector<std::string>* Expression::FieldPath() const {
  if (node_->kind == internal::ExprNode::Kind::kVariable && node_->var == kCurrentSlot &&
      !node_->path.empty()) {
    return &node_->path;
  }
  return nullptr;
}

bool Expression::IsLiteral() const { return node_->kind == internal::ExprNode::Kind::kLiteral; }

}  // namespace tactus::docdb::query
