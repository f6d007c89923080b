// The path walker: resolves each op's path in the document (positional parts included), asks
// the operator what to do with each target, and performs it.
#include <algorithm>
#include <string>
#include <vector>

#include "docdb/update/leaf.h"

namespace tactus::docdb::update {
namespace {

// MongoDB refuses to pad an array past this many elements ($set {"a.1500001": 1}).
constexpr std::size_t kMaxPaddingIndex = 1500000;

std::string Join(const std::string& prefix, const std::string& part) {
  return prefix.empty() ? part : prefix + "." + part;
}

// "a: 1" for messages; array elements carry no name, so the path's last part names them.
std::string DescribeAt(const Node& n, const std::string& path) {
  if (!n.name.empty() || path.empty()) return Describe(n);
  Node named = n;
  named.name = path.substr(path.rfind('.') + 1);
  return Describe(named);
}

class Walker {
 public:
  Walker(const CompiledUpdate& update, std::optional<std::size_t> positional, bool is_insert,
         std::int64_t now_ms, const Node& doc)
      : update_(update),
        positional_(positional),
        is_insert_(is_insert),
        now_ms_(now_ms),
        doc_(doc) {}

  DbResult<Done> Run(const Op& op, Node* doc) {
    if (op.kind == OpKind::kRename) return Rename(op, doc);
    return Visit(op, doc, 0, "");
  }

  // Fails with ConflictingUpdateOperators when two targets overlap (possible only through
  // positional parts; literal paths were checked when compiling).
  DbResult<Done> CheckTouched() {
    // With '.' as the lowest byte, a path sorts right before the paths below it.
    for (std::string& path : touched_) std::replace(path.begin(), path.end(), '.', '\x01');
    std::sort(touched_.begin(), touched_.end());
    for (std::string& path : touched_) std::replace(path.begin(), path.end(), '\x01', '.');
    for (std::size_t i = 1; i < touched_.size(); ++i) {
      const std::string& a = touched_[i - 1];
      const std::string& b = touched_[i];
      if (a == b || (b.starts_with(a) && b[a.size()] == '.')) {
        return MakeError(kConflictingUpdateOperators, "Update created a conflict at '" + a + "'");
      }
    }
    return Done{};
  }

 private:
  DbResult<Action> Leaf(const Op& op, const Node* current, const std::string& path) {
    LeafContext ctx{op, path, doc_, is_insert_, now_ms_};
    switch (op.kind) {
      case OpKind::kPush:
      case OpKind::kAddToSet:
      case OpKind::kPop:
      case OpKind::kPull:
      case OpKind::kPullAll:
        return ApplyArrayOp(ctx, current);
      default:
        return ApplyScalarOp(ctx, current);
    }
  }

  // The concrete name of part `i` ($ resolved); fails when `$` has no match.
  DbResult<std::string> PartName(const Component& part) {
    if (part.kind != ComponentKind::kPositional) return part.name;
    if (!positional_) {
      return MakeError(kBadValue,
                       "The positional operator did not find the match needed from the query.");
    }
    return std::to_string(*positional_);
  }

  // Whether $[] or $[id] selects `element`: arrayFilter `id` is matched against {id: element}.
  DbResult<bool> ElementSelected(const Component& part, const Node& element) {
    if (part.kind == ComponentKind::kAllPositional) return true;
    BsonPtr wrapper = NewBson();
    AppendNode(wrapper.get(), part.name, element);
    return update_.array_filters.at(part.name).Matches(wrapper.get());
  }

  // Places `value` as field `name` of `container`: in place when it exists, else appended (a
  // document) or at its index, padding with nulls (an array).
  DbResult<Done> Put(Node* container, const std::string& prefix, const std::string& name,
                     Node value) {
    value.name = container->is_array() ? std::string() : name;
    if (container->is_document()) {
      if (Node* existing = container->Find(name)) {
        *existing = std::move(value);
      } else {
        container->kids.push_back(std::move(value));
      }
      return Done{};
    }
    std::size_t index;
    if (!ParseIndex(name, &index)) {
      return MakeError(kPathNotViable, "Cannot create field '" + name + "' in element " + "{" +
                                           DescribeAt(*container, prefix) + "}");
    }
    if (index > kMaxPaddingIndex && index >= container->kids.size()) {
      return MakeError(kBadValue, "can't backfill array to larger than " +
                                      std::to_string(kMaxPaddingIndex) + " elements");
    }
    if (index >= container->kids.size()) container->kids.resize(index + 1, MakeNull());
    container->kids[index] = std::move(value);
    return Done{};
  }

  DbResult<Done> Remove(Node* container, const std::string& name) {
    if (container->is_document()) {
      auto& kids = container->kids;
      kids.erase(
          std::remove_if(kids.begin(), kids.end(), [&](const Node& k) { return k.name == name; }),
          kids.end());
    } else {
      std::size_t index;
      // $unset on an array element leaves a null, as MongoDB does.
      if (ParseIndex(name, &index) && index < container->kids.size()) {
        container->kids[index] = MakeNull();
      }
    }
    return Done{};
  }

  Node* Child(Node* container, const std::string& name) {
    if (container->is_document()) return container->Find(name);
    std::size_t index;
    if (ParseIndex(name, &index) && index < container->kids.size()) {
      return &container->kids[index];
    }
    return nullptr;
  }

  DbResult<Done> Visit(const Op& op, Node* container, std::size_t i, const std::string& prefix) {
    const Component& part = op.path.parts[i];
    if (part.kind == ComponentKind::kAllPositional || part.kind == ComponentKind::kFiltered) {
      if (!container->is_array()) {
        return MakeError(kBadValue, "Cannot apply array updates to non-array element " +
                                        DescribeAt(*container, prefix));
      }
      for (std::size_t k = 0; k < container->kids.size(); ++k) {
        auto selected = ElementSelected(part, container->kids[k]);
        if (!selected.ok()) return selected.error();
        if (!selected.value()) continue;
        auto r = VisitField(op, container, i, prefix, std::to_string(k));
        if (!r.ok()) return r;
      }
      return Done{};
    }
    auto name = PartName(part);
    if (!name.ok()) return name.error();
    return VisitField(op, container, i, prefix, name.value());
  }

  DbResult<Done> VisitField(const Op& op, Node* container, std::size_t i, const std::string& prefix,
                            const std::string& name) {
    std::string path = Join(prefix, name);
    Node* child = Child(container, name);
    bool last = i + 1 == op.path.parts.size();
    if (!last && child && child->is_container()) return Visit(op, child, i + 1, path);

    // The target is `child` (last part) or lies below a missing or scalar field.
    std::string full = path;
    for (std::size_t j = i + 1; j < op.path.parts.size(); ++j) {
      const Component& rest = op.path.parts[j];
      if (rest.kind == ComponentKind::kAllPositional || rest.kind == ComponentKind::kFiltered) {
        if (child) {
          return MakeError(kBadValue, "Cannot apply array updates to non-array element " +
                                          DescribeAt(*child, path));
        }
        return MakeError(kBadValue, "The path '" + path +
                                        "' must exist in the document in order to apply array "
                                        "updates.");
      }
      auto rest_name = PartName(rest);
      if (!rest_name.ok()) return rest_name.error();
      full = Join(full, rest_name.value());
    }
    auto action = Leaf(op, last ? child : nullptr, full);
    if (!action.ok()) return action.error();
    Action& a = action.value();
    if (a.kind == Action::Kind::kKeep) return Done{};
    touched_.push_back(full);
    if (a.kind == Action::Kind::kRemove) return last ? Remove(container, name) : Done{};

    if (last) return Put(container, prefix, name, std::move(a.value));
    if (child) {
      auto next = PartName(op.path.parts[i + 1]);
      return MakeError(kPathNotViable, "Cannot create field '" + next.value() + "' in element " +
                                           "{" + DescribeAt(*child, path) + "}");
    }
    // Build the missing documents from the leaf up.
    Node value = std::move(a.value);
    for (std::size_t j = op.path.parts.size() - 1; j > i; --j) {
      value.name = PartName(op.path.parts[j]).value();
      Node parent = MakeDocument();
      parent.kids.push_back(std::move(value));
      value = std::move(parent);
    }
    return Put(container, prefix, name, std::move(value));
  }

  // Resolves a literal path through documents only; nullptr when missing. Fails when a part
  // runs through an array ($rename cannot address array elements).
  DbResult<Node*> Locate(Node* doc, const FieldPath& path, const char* role) {
    Node* cur = doc;
    std::string prefix;
    for (const Component& part : path.parts) {
      if (cur->is_array()) {
        return MakeError(kBadValue, std::string("The ") + role +
                                        " field cannot be an array element, '" + path.dotted +
                                        "' in doc with " + Describe(*cur) +
                                        " has an array field called '" + prefix + "'");
      }
      if (!cur->is_document()) return static_cast<Node*>(nullptr);
      cur = cur->Find(part.name);
      if (!cur) return static_cast<Node*>(nullptr);
      prefix = Join(prefix, part.name);
    }
    return cur;
  }

  DbResult<Done> Rename(const Op& op, Node* doc) {
    auto source = Locate(doc, op.from, "source");
    if (!source.ok()) return source.error();
    if (!source.value()) return Done{};
    auto dest = Locate(doc, op.path, "destination");
    if (!dest.ok()) return dest.error();
    Node value = *source.value();
    // Remove the source from its parent document.
    Node* parent = doc;
    for (std::size_t j = 0; j + 1 < op.from.parts.size(); ++j) {
      parent = parent->Find(op.from.parts[j].name);
    }
    auto removed = Remove(parent, op.from.parts.back().name);
    if (!removed.ok()) return removed;
    touched_.push_back(op.from.dotted);
    Op set;
    set.kind = OpKind::kSet;
    set.op_name = "$rename";
    set.path = op.path;
    set.operand = std::move(value);
    return Visit(set, doc, 0, "");
  }

  const CompiledUpdate& update_;
  std::optional<std::size_t> positional_;
  bool is_insert_;
  std::int64_t now_ms_;
  const Node& doc_;
  std::vector<std::string> touched_;
};

}  // namespace

DbResult<Done> ApplyOps(const CompiledUpdate& update, Node* doc,
                        std::optional<std::size_t> positional, bool is_insert,
                        std::int64_t now_ms) {
  Walker walker(update, positional, is_insert, now_ms, *doc);
  for (const Op& op : update.ops) {
    auto r = walker.Run(op, doc);
    if (!r.ok()) return r;
  }
  return walker.CheckTouched();
}

}  // namespace tactus::docdb::update
