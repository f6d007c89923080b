#include "docdb/agg/shape.h"

#include <optional>
#include <string_view>

#include "docdb/query/path.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg {

struct Shape::Node {
  enum class Kind { kInclude, kExclude, kExpr, kNested } kind = Kind::kNested;
  std::optional<query::Expression> expr;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;  // in spec order
  bool has_expr = false;

  Node* Child(std::string_view name) const {
    for (const auto& [n, c] : children) {
      if (n == name) return c.get();
    }
    return nullptr;
  }
};

namespace {

using Node = Shape::Node;

bool IsExpressionObject(const bson_value_t& v) {
  if (v.value_type != BSON_TYPE_DOCUMENT) return false;
  bson_t doc;
  bson_iter_t it;
  bson_init_static(&doc, v.value.v_doc.data, v.value.v_doc.data_len);
  return bson_iter_init(&it, &doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$';
}

struct Builder {
  Shape::Mode mode;
  query::ExprScope& scope;
  int includes = 0, excludes = 0, exprs = 0;
  bool id_excluded = false, id_included = false;

  DbResult<Done> Add(Node* parent, std::string_view path, const bson_value_t& v, bool top) {
    if (path.empty()) return MakeError(40352, "FieldPath cannot be constructed with empty string");
    std::vector<std::string> parts = query::SplitPath(path);
    for (const auto& p : parts) {
      if (p.empty()) return MakeError(15998, "FieldPath field names may not be empty strings.");
      if (p[0] == '$') {
        return MakeError(16410,
                         "FieldPath field names may not start with '$'. Consider using "
                         "$getField or $setField.");
      }
    }
    Node* node = parent;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      Node* child = node->Child(parts[i]);
      if (child && child->kind != Node::Kind::kNested) {
        return MakeError(31250, "Path collision at " + std::string(path));
      }
      if (!child) {
        node->children.emplace_back(parts[i], std::make_unique<Node>());
        child = node->children.back().second.get();
      }
      node = child;
    }
    const std::string& leaf = parts.back();
    if (node->Child(leaf)) return MakeError(31250, "Path collision at " + std::string(path));
    auto fresh = std::make_unique<Node>();
    bool is_id = top && parts.size() == 1 && leaf == "_id";
    if (mode != Shape::Mode::kAddFields && v.value_type == BSON_TYPE_DOCUMENT &&
        !IsExpressionObject(v)) {
      // A nested spec: {a: {b: 1}}.
      bson_t sub;
      bson_iter_t it;
      bson_init_static(&sub, v.value.v_doc.data, v.value.v_doc.data_len);
      if (bson_empty(&sub)) {
        return MakeError(
            51270, "An empty sub-projection is not a valid value. Found empty object at path");
      }
      bson_iter_init(&it, &sub);
      fresh->kind = Node::Kind::kNested;
      Node* raw = fresh.get();
      node->children.emplace_back(leaf, std::move(fresh));
      while (bson_iter_next(&it)) {
        auto r = Add(raw, std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)),
                     *bson_iter_value(&it), false);
        if (!r.ok()) return r;
      }
      return Done{};
    }
    bool numeric_or_bool = v.value_type == BSON_TYPE_BOOL || v.value_type == BSON_TYPE_INT32 ||
                           v.value_type == BSON_TYPE_INT64 || v.value_type == BSON_TYPE_DOUBLE ||
                           v.value_type == BSON_TYPE_DECIMAL128;
    if (mode != Shape::Mode::kAddFields && numeric_or_bool) {
      bool include = v.value_type == BSON_TYPE_BOOL ? v.value.v_bool : bson_iter_as_bool_value(v);
      fresh->kind = include ? Node::Kind::kInclude : Node::Kind::kExclude;
      if (is_id) {
        id_excluded = !include;
        id_included = include;
      } else {
        (include ? includes : excludes)++;
      }
    } else {
      auto e = query::Expression::Parse(v, scope);
      if (!e.ok()) return e.error();
      fresh->kind = Node::Kind::kExpr;
      fresh->expr = std::move(e).value();
      if (!is_id)
        ++exprs;
      else
        ++exprs;
    }
    node->children.emplace_back(leaf, std::move(fresh));
    return Done{};
  }

  static bool bson_iter_as_bool_value(const bson_value_t& v) {
    switch (v.value_type) {
      case BSON_TYPE_INT32:
        return v.value.v_int32 != 0;
      case BSON_TYPE_INT64:
        return v.value.v_int64 != 0;
      case BSON_TYPE_DOUBLE:
        return v.value.v_double != 0;
      default:
        return true;
    }
  }
};

bool MarkExprs(Node* node) {
  bool any = node->kind == Node::Kind::kExpr;
  for (auto& [name, child] : node->children) any = MarkExprs(child.get()) || any;
  node->has_expr = any;
  return any;
}

DbResult<Done> ApplyNode(const Node& node, Shape::Mode mode, const bson_t* in, bson_t* out,
                         query::EvalContext& ctx);

// Applies `node` to an array's elements (recursively through nested arrays).
DbResult<Done> ApplyArray(const Node& node, Shape::Mode mode, const bson_value_t& array,
                          bson_t* out, query::EvalContext& ctx) {
  DbResult<Done> status = Done{};
  std::uint32_t n = 0;
  query::ForEachElement(array, [&](std::string_view, const bson_value_t& e) {
    std::string key = std::to_string(n);
    if (e.value_type == BSON_TYPE_DOCUMENT) {
      bson_t in, child;
      query::ViewDocument(e, &in);
      bson_append_document_begin(out, key.c_str(), -1, &child);
      status = ApplyNode(node, mode, &in, &child, ctx);
      bson_append_document_end(out, &child);
    } else if (e.value_type == BSON_TYPE_ARRAY) {
      bson_t child;
      bson_append_array_begin(out, key.c_str(), -1, &child);
      status = ApplyArray(node, mode, e, &child, ctx);
      bson_append_array_end(out, &child);
    } else if (mode == Shape::Mode::kInclusion && !node.has_expr) {
      return true;  // dropped
    } else if (mode == Shape::Mode::kExclusion) {
      bson_append_value(out, key.c_str(), -1, &e);
    } else {
      // Computed fields turn a scalar element into a document of the computed fields.
      bson_t empty = BSON_INITIALIZER, child;
      bson_append_document_begin(out, key.c_str(), -1, &child);
      status = ApplyNode(node, mode, &empty, &child, ctx);
      bson_append_document_end(out, &child);
    }
    ++n;
    return status.ok();
  });
  return status;
}

DbResult<Done> AppendComputed(const Node& child, std::string_view name, bson_t* out,
                              query::EvalContext& ctx) {
  auto v = child.expr->Evaluate(ctx);
  if (!v.ok()) return v.error();
  query::AppendValue(out, name, v.value().v);
  return Done{};
}

DbResult<Done> ApplyNode(const Node& node, Shape::Mode mode, const bson_t* in, bson_t* out,
                         query::EvalContext& ctx) {
  bson_iter_t it;
  std::vector<const Node*> seen;
  if (bson_iter_init(&it, in)) {
    while (bson_iter_next(&it)) {
      std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
      const Node* child = node.Child(key);
      const bson_value_t& v = *bson_iter_value(&it);
      if (!child) {
        if (mode != Shape::Mode::kInclusion)
          bson_append_value(out, key.data(), static_cast<int>(key.size()), &v);
        continue;
      }
      seen.push_back(child);
      switch (child->kind) {
        case Node::Kind::kInclude:
          bson_append_value(out, key.data(), static_cast<int>(key.size()), &v);
          break;
        case Node::Kind::kExclude:
          break;
        case Node::Kind::kExpr:
          if (mode == Shape::Mode::kAddFields) {
            auto r = AppendComputed(*child, key, out, ctx);
            if (!r.ok()) return r;
          } else {
            seen.pop_back();  // computed after the document's fields
          }
          break;
        case Node::Kind::kNested:
          if (v.value_type == BSON_TYPE_DOCUMENT) {
            bson_t sub_in, sub_out;
            query::ViewDocument(v, &sub_in);
            bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &sub_out);
            auto r = ApplyNode(*child, mode, &sub_in, &sub_out, ctx);
            bson_append_document_end(out, &sub_out);
            if (!r.ok()) return r;
          } else if (v.value_type == BSON_TYPE_ARRAY) {
            bson_t sub_out;
            bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub_out);
            auto r = ApplyArray(*child, mode, v, &sub_out, ctx);
            bson_append_array_end(out, &sub_out);
            if (!r.ok()) return r;
          } else if (mode == Shape::Mode::kExclusion) {
            bson_append_value(out, key.data(), static_cast<int>(key.size()), &v);
          } else if (child->has_expr) {
            seen.pop_back();  // replaced by the computed sub-document below
          }
          break;
      }
    }
  }
  if (mode == Shape::Mode::kExclusion) return Done{};
  for (const auto& [name, child] : node.children) {
    bool done = false;
    for (const Node* s : seen) done = done || s == child.get();
    if (done) continue;
    if (child->kind == Node::Kind::kExpr) {
      auto r = AppendComputed(*child, name, out, ctx);
      if (!r.ok()) return r;
    } else if (child->kind == Node::Kind::kNested && child->has_expr) {
      bson_t empty = BSON_INITIALIZER, sub_out;
      bson_append_document_begin(out, name.data(), static_cast<int>(name.size()), &sub_out);
      auto r = ApplyNode(*child, mode, &empty, &sub_out, ctx);
      bson_append_document_end(out, &sub_out);
      if (!r.ok()) return r;
    }
  }
  return Done{};
}

}  // namespace

DbResult<Shape> Shape::ParseProject(const bson_t* spec, query::ExprScope& scope) {
  if (bson_empty(spec)) {
    return MakeError(51272,
                     "Invalid $project :: caused by :: projection specification must have "
                     "at least one field");
  }
  auto root = std::make_shared<Node>();
  Builder b{Mode::kInclusion, scope};
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    auto r = b.Add(root.get(), std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)),
                   *bson_iter_value(&it), true);
    if (!r.ok()) return r.error();
  }
  if (b.excludes > 0 && (b.includes > 0 || b.exprs > 0)) {
    if (b.exprs > 0 && b.includes == 0) {
      return MakeError(31252,
                       "Invalid $project :: caused by :: Cannot use expression other than "
                       "$meta in exclusion projection");
    }
    return MakeError(31254,
                     "Invalid $project :: caused by :: Cannot do exclusion on field in "
                     "inclusion projection");
  }
  Shape shape;
  shape.mode_ = b.excludes > 0 || (b.includes == 0 && b.exprs == 0 && !b.id_included)
                    ? Mode::kExclusion
                    : Mode::kInclusion;
  if (shape.mode_ == Mode::kInclusion && !b.id_excluded && !root->Child("_id")) {
    auto id = std::make_unique<Node>();
    id->kind = Node::Kind::kInclude;
    root->children.insert(root->children.begin(), {"_id", std::move(id)});
  }
  MarkExprs(root.get());
  shape.root_ = std::move(root);
  return shape;
}

DbResult<Shape> Shape::ParseAddFields(const bson_t* spec, query::ExprScope& scope) {
  auto root = std::make_shared<Node>();
  Builder b{Mode::kAddFields, scope};
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    auto r = b.Add(root.get(), std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)),
                   *bson_iter_value(&it), true);
    if (!r.ok()) return r.error();
  }
  MarkExprs(root.get());
  Shape shape;
  shape.mode_ = Mode::kAddFields;
  shape.root_ = std::move(root);
  return shape;
}

DbResult<Shape> Shape::ParseUnset(const bson_value_t& spec) {
  std::vector<bson_value_t> paths;
  if (spec.value_type == BSON_TYPE_UTF8) {
    paths.push_back(spec);
  } else if (spec.value_type == BSON_TYPE_ARRAY) {
    paths = query::ArrayElements(spec);
  }
  if (paths.empty()) {
    return MakeError(31002,
                     "$unset specification must be a string or an array with at least one field");
  }
  auto root = std::make_shared<Node>();
  query::ExprScope unused(0);
  Builder b{Mode::kExclusion, unused};
  bson_value_t zero{};
  zero.value_type = BSON_TYPE_INT32;
  zero.value.v_int32 = 0;
  for (const bson_value_t& p : paths) {
    if (p.value_type != BSON_TYPE_UTF8) {
      return MakeError(31120,
                       "$unset specification must be a string or an array containing only "
                       "string values");
    }
    auto r =
        b.Add(root.get(), std::string_view(p.value.v_utf8.str, p.value.v_utf8.len), zero, true);
    if (!r.ok()) return r.error();
  }
  Shape shape;
  shape.mode_ = Mode::kExclusion;
  shape.root_ = std::move(root);
  return shape;
}

DbResult<BsonPtr> Shape::Apply(const bson_t* doc, query::EvalContext& ctx) const {
  BsonPtr out = NewBson();
  auto r = ApplyNode(*root_, mode_, doc, out.get(), ctx);
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace tactus::docdb::agg
