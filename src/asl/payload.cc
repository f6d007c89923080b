#include "asl/payload.h"

#include <optional>
#include <variant>
#include <vector>

#include "asl/intrinsics.h"

namespace tactus::asl {

struct DynamicValue::Impl {
  std::string text;
  std::variant<JsonPath, IntrinsicCall> expr;
};

common::Result<DynamicValue> DynamicValue::Compile(std::string_view text) {
  if (IntrinsicCall::LooksLikeCall(text)) {
    auto call = IntrinsicCall::Parse(text);
    if (!call.ok()) return call.status();
    return DynamicValue(std::make_shared<Impl>(Impl{std::string(text), std::move(call).value()}));
  }
  auto path = JsonPath::Parse(text);
  if (!path.ok()) return path.status();
  return DynamicValue(std::make_shared<Impl>(Impl{std::string(text), std::move(path).value()}));
}

const std::string& DynamicValue::text() const { return impl_->text; }

bool DynamicValue::IsPath() const { return std::holds_alternative<JsonPath>(impl_->expr); }

Eval<std::optional<json::value>> DynamicValue::Evaluate(const PathScope& scope,
                                                        common::Random& random) const {
  if (const auto* path = std::get_if<JsonPath>(&impl_->expr)) {
    return std::optional<json::value>(path->Evaluate(scope));
  }
  auto r = std::get<IntrinsicCall>(impl_->expr).Evaluate(scope, random);
  if (!r.ok()) return r.failure();
  return std::optional<json::value>(std::move(r).value());
}

// A compiled template node: a literal, a dynamic value, or an object/array of nodes.
struct PayloadTemplate::Node {
  struct Field {
    std::string key;    // output key (".$" stripped for dynamic fields)
    std::string field;  // the key as written, for error messages
    std::shared_ptr<const Node> node;
  };
  enum class Kind { kLiteral, kDynamic, kObject, kArray } kind = Kind::kLiteral;
  json::value literal;
  std::optional<DynamicValue> dynamic;
  std::vector<Field> fields;                       // kObject
  std::vector<std::shared_ptr<const Node>> items;  // kArray
};

namespace {

using Node = PayloadTemplate::Node;

bool HasDynamic(const json::value& v) {
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      if (kv.key().ends_with(".$") || HasDynamic(kv.value())) return true;
    }
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (HasDynamic(e)) return true;
    }
  }
  return false;
}

common::Result<std::shared_ptr<const Node>> CompileNode(const json::value& v) {
  auto node = std::make_shared<Node>();
  if (!HasDynamic(v)) {  // static subtrees are copied whole: cheaper to apply
    node->literal = v;
    return std::shared_ptr<const Node>(node);
  }
  if (v.is_array()) {
    node->kind = Node::Kind::kArray;
    for (const auto& e : v.get_array()) {
      auto child = CompileNode(e);
      if (!child.ok()) return child.status();
      node->items.push_back(std::move(child).value());
    }
    return std::shared_ptr<const Node>(node);
  }
  node->kind = Node::Kind::kObject;
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key());
    auto child = std::make_shared<Node>();
    if (key.ends_with(".$")) {
      if (!kv.value().is_string()) {
        return common::Status::InvalidArgument("field '" + key +
                                               "': the value of a field ending in "
                                               "'.$' must be a string holding a JSONPath or an "
                                               "intrinsic function");
      }
      auto dyn = DynamicValue::Compile(kv.value().get_string());
      if (!dyn.ok()) {
        return common::Status::InvalidArgument("field '" + key + "': " + dyn.status().message());
      }
      child->kind = Node::Kind::kDynamic;
      child->dynamic = std::move(dyn).value();
      node->fields.push_back({key.substr(0, key.size() - 2), key, std::move(child)});
    } else {
      auto compiled = CompileNode(kv.value());
      if (!compiled.ok()) return compiled.status();
      node->fields.push_back({key, key, std::move(compiled).value()});
    }
  }
  return std::shared_ptr<const Node>(node);
}

Eval<json::value> ApplyNode(const Node& node, const PathScope& scope, common::Random& random,
                            const std::string& field) {
  switch (node.kind) {
    case Node::Kind::kLiteral:
      return node.literal;
    case Node::Kind::kDynamic: {
      auto r = node.dynamic->Evaluate(scope, random);
      if (!r.ok()) return r.failure();
      if (!r.value()) {
        std::string input = scope.input ? common::SerializeJson(*scope.input) : "null";
        return Failure{kStatesRuntime, "The JSONPath '" + node.dynamic->text() +
                                           "' specified for the field '" + field +
                                           "' could not be found in the input '" + input + "'"};
      }
      return std::move(*r.value());
    }
    case Node::Kind::kArray: {
      json::array out;
      out.reserve(node.items.size());
      for (const auto& item : node.items) {
        auto r = ApplyNode(*item, scope, random, field);
        if (!r.ok()) return r.failure();
        out.push_back(std::move(r).value());
      }
      return json::value(std::move(out));
    }
    case Node::Kind::kObject: {
      json::object out;
      out.reserve(node.fields.size());
      for (const auto& f : node.fields) {
        auto r = ApplyNode(*f.node, scope, random, f.field);
        if (!r.ok()) return r.failure();
        out[f.key] = std::move(r).value();
      }
      return json::value(std::move(out));
    }
  }
  return json::value();
}

}  // namespace

common::Result<PayloadTemplate> PayloadTemplate::Compile(const json::value& tmpl) {
  auto root = CompileNode(tmpl);
  if (!root.ok()) return root.status();
  return PayloadTemplate(std::move(root).value());
}

Eval<json::value> PayloadTemplate::Apply(const PathScope& scope, common::Random& random) const {
  return ApplyNode(*root_, scope, random, "");
}

}  // namespace tactus::asl
