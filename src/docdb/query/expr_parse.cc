#include <string>
#include <string_view>
#include <vector>

#include "docdb/query/expr.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {
namespace internal {

constexpr int kMaxExprDepth = 100;

namespace {

struct OperatorArity {
  const char* name;
  int min_args;
  int max_args;  // -1: any
};

constexpr OperatorArity kOperators[] = {
    {"$and", 0, -1}, {"$or", 0, -1},  {"$not", 1, 1},      {"$literal", 1, 1},   {"$eq", 2, 2},
    {"$ne", 2, 2},   {"$gt", 2, 2},   {"$gte", 2, 2},      {"$lt", 2, 2},        {"$lte", 2, 2},
    {"$cmp", 2, 2},  {"$add", 0, -1}, {"$subtract", 2, 2}, {"$multiply", 0, -1}, {"$divide", 2, 2},
};

DbResult<std::unique_ptr<ExprNode>> ParseNode(const bson_value_t& spec, int depth) {
  if (depth > kMaxExprDepth)
    return MakeError(kBadValue, "exceeded depth limit of 100 when parsing");
  auto node = std::make_unique<ExprNode>();
  if (spec.value_type == BSON_TYPE_UTF8 && spec.value.v_utf8.len > 0 &&
      spec.value.v_utf8.str[0] == '$') {
    std::string_view text(spec.value.v_utf8.str, spec.value.v_utf8.len);
    if (text.substr(0, 2) == "$$") {
      std::string_view var =
          text.substr(2, text.find('.') == std::string_view::npos ? std::string_view::npos
                                                                  : text.find('.') - 2);
      if (var != "ROOT" && var != "CURRENT") {
        return MakeError(17276, "Use of undefined variable: " + std::string(var));
      }
      std::size_t dot = text.find('.');
      node->kind = ExprNode::Kind::kPath;
      if (dot != std::string_view::npos) node->path = SplitPath(text.substr(dot + 1));
      return node;
    }
    node->kind = ExprNode::Kind::kPath;
    node->path = SplitPath(text.substr(1));
    for (const std::string& part : node->path) {
      if (part.empty() || part[0] == '$') {
        return MakeError(16872, "invalid field path '" + std::string(text) + "'");
      }
    }
    if (node->path.empty()) return MakeError(16872, "'$' by itself is not a valid FieldPath");
    return node;
  }
  if (spec.value_type == BSON_TYPE_ARRAY || spec.value_type == BSON_TYPE_DOCUMENT) {
    bson_t doc;
    bson_iter_t it;
    if (!bson_init_static(&doc, spec.value.v_doc.data, spec.value.v_doc.data_len) ||
        !bson_iter_init(&it, &doc)) {
      return MakeError(kBadValue, "malformed expression");
    }
    bool is_array = spec.value_type == BSON_TYPE_ARRAY;
    std::uint32_t count = bson_count_keys(&doc);
    bson_iter_t first = it;
    if (!is_array && count > 0 && bson_iter_next(&first) && bson_iter_key(&first)[0] == '$') {
      if (count != 1) {
        return MakeError(15983,
                         "an expression specification must contain exactly one field, the name "
                         "of the expression. Found " +
                             std::to_string(count) + " fields");
      }
      std::string name = bson_iter_key(&first);
      const OperatorArity* op = nullptr;
      for (const auto& candidate : kOperators) {
        if (name == candidate.name) op = &candidate;
      }
      if (op == nullptr) {
        return MakeError(kInvalidPipelineOperator, "Unrecognized expression '" + name + "'");
      }
      node->kind = ExprNode::Kind::kOperator;
      node->name = name;
      bson_value_t operand = *bson_iter_value(&first);
      if (name == "$literal") {
        auto literal = std::make_unique<ExprNode>();
        literal->literal = operand;
        node->args.push_back(std::move(literal));
        return node;
      }
      if (operand.value_type == BSON_TYPE_ARRAY) {
        bson_t args;
        bson_iter_t ai;
        if (bson_init_static(&args, operand.value.v_doc.data, operand.value.v_doc.data_len) &&
            bson_iter_init(&ai, &args)) {
          while (bson_iter_next(&ai)) {
            auto child = ParseNode(*bson_iter_value(&ai), depth + 1);
            if (!child.ok()) return child.error();
            node->args.push_back(std::move(child).value());
          }
        }
      } else {
        auto child = ParseNode(operand, depth + 1);
        if (!child.ok()) return child.error();
        node->args.push_back(std::move(child).value());
      }
      int n = static_cast<int>(node->args.size());
      if (n < op->min_args || (op->max_args >= 0 && n > op->max_args)) {
        std::string expected = op->min_args == op->max_args
                                   ? "exactly " + std::to_string(op->min_args)
                                   : "at least " + std::to_string(op->min_args);
        return MakeError(kExpressionArgumentCount, "Expression " + name + " takes " + expected +
                                                       " arguments. " + std::to_string(n) +
                                                       " were passed in.");
      }
      return node;
    }
    node->kind = is_array ? ExprNode::Kind::kArray : ExprNode::Kind::kObject;
    while (bson_iter_next(&it)) {
      if (!is_array) {
        std::string key = bson_iter_key(&it);
        if (key[0] == '$' || key.find('.') != std::string::npos) {
          return MakeError(16412,
                           "FieldPath field names may not start with '$' or contain '.': " + key);
        }
        node->keys.push_back(std::move(key));
      }
      auto child = ParseNode(*bson_iter_value(&it), depth + 1);
      if (!child.ok()) return child.error();
      node->args.push_back(std::move(child).value());
    }
    return node;
  }
  node->literal = spec;
  return node;
}

}  // namespace

DbResult<std::unique_ptr<ExprNode>> ParseExprNode(const bson_value_t& spec, int depth) {
  return ParseNode(spec, depth);
}

}  // namespace internal

Expression::Expression(std::shared_ptr<const internal::ExprNode> node) : node_(std::move(node)) {}

DbResult<Expression> Expression::Parse(const bson_value_t& spec, int depth) {
  auto node = internal::ParseExprNode(spec, depth);
  if (!node.ok()) return node.error();
  return Expression(std::shared_ptr<const internal::ExprNode>(std::move(node).value()));
}

}  // namespace tactus::docdb::query
