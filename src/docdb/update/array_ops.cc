// The operators that edit arrays: $push (with $each $position $sort $slice), $addToSet, $pop,
// $pull, $pullAll.
#include <algorithm>
#include <string>

#include "docdb/update/leaf.h"

namespace tactus::docdb::update {
namespace {

std::string LastPart(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// The value at `parts` inside `element`, or nullptr (sorting treats missing as null).
const Node* SortKey(const Node& element, const std::vector<std::string>& parts) {
  const Node* cur = &element;
  for (const std::string& part : parts) {
    if (!cur->is_document()) return nullptr;
    cur = cur->Find(part);
    if (!cur) return nullptr;
  }
  return cur;
}

void Sort(const PushSpec& spec, std::vector<Node>* items) {
  static const Node kNull = MakeNull();
  if (spec.sort == PushSpec::Sort::kWhole) {
    std::stable_sort(items->begin(), items->end(), [&](const Node& a, const Node& b) {
      return Compare(a, b) * spec.whole_direction < 0;
    });
    return;
  }
  std::stable_sort(items->begin(), items->end(), [&](const Node& a, const Node& b) {
    for (const auto& [parts, dir] : spec.sort_fields) {
      const Node* x = SortKey(a, parts);
      const Node* y = SortKey(b, parts);
      int c = Compare(x ? *x : kNull, y ? *y : kNull) * dir;
      if (c != 0) return c < 0;
    }
    return false;
  });
}

Node Push(const PushSpec& spec, Node array) {
  std::vector<Node>& items = array.kids;
  std::int64_t size = static_cast<std::int64_t>(items.size());
  std::int64_t at = size;
  if (spec.position) {
    at = *spec.position >= 0 ? std::min(*spec.position, size)
                             : std::max<std::int64_t>(0, size + *spec.position);
  }
  items.insert(items.begin() + at, spec.each.begin(), spec.each.end());
  if (spec.sort != PushSpec::Sort::kNone) Sort(spec, &items);
  if (spec.slice) {
    std::int64_t n = *spec.slice;
    std::int64_t len = static_cast<std::int64_t>(items.size());
    if (n >= 0 && n < len) {
      items.erase(items.begin() + n, items.end());
    } else if (n < 0 && -n < len) {
      items.erase(items.begin(), items.end() + n);
    }
  }
  for (Node& item : items) item.name.clear();
  return array;
}

bool Contains(const std::vector<Node>& items, const Node& v) {
  return std::any_of(items.begin(), items.end(),
                     [&](const Node& item) { return Compare(item, v) == 0; });
}

DbResult<bool> PullMatches(const Op& op, const Node& element) {
  if (!op.pull_matcher) return Compare(element, op.operand) == 0;
  BsonPtr doc;
  if (op.pull_wraps_element) {
    doc = NewBson();
    AppendNode(doc.get(), kWrapField, element);
  } else {
    if (!element.is_document()) return false;
    doc = ToBsonUnchecked(element);
  }
  return op.pull_matcher->Matches(doc.get());
}

}  // namespace

DbResult<Action> ApplyArrayOp(const LeafContext& ctx, const Node* current) {
  const Op& op = ctx.op;
  std::string name = LastPart(ctx.path);
  if (current && !current->is_array()) {
    switch (op.kind) {
      case OpKind::kPush:
        return MakeError(kTypeMismatch, "The field '" + ctx.path +
                                            "' must be an array but is of "
                                            "type " +
                                            BsonTypeName(current->type) + " in document " +
                                            ctx.DocId());
      case OpKind::kAddToSet:
        return MakeError(kTypeMismatch, "Cannot apply $addToSet to non-array field. Field named '" +
                                            name + "' has non-array type " +
                                            BsonTypeName(current->type));
      case OpKind::kPop:
        return MakeError(kTypeMismatch, "Path '" + ctx.path +
                                            "' contains an element of non-array type '" +
                                            BsonTypeName(current->type) + "'");
      default:
        return MakeError(kBadValue, "Cannot apply $pull to a non-array value");
    }
  }
  switch (op.kind) {
    case OpKind::kPush:
      return Action::Set(Push(op.push, current ? *current : MakeArray(name)));
    case OpKind::kAddToSet: {
      Node array = current ? *current : MakeArray(name);
      std::size_t before = array.kids.size();
      for (const Node& v : op.push.each) {
        if (!Contains(array.kids, v)) {
          array.kids.push_back(v);
          array.kids.back().name.clear();
        }
      }
      if (current && array.kids.size() == before) return Action::Keep();
      return Action::Set(std::move(array));
    }
    case OpKind::kPop: {
      if (!current || current->kids.empty()) return Action::Keep();
      Node array = *current;
      bool first = op.operand.scalar.value().value.v_int64 < 0;
      array.kids.erase(first ? array.kids.begin() : array.kids.end() - 1);
      return Action::Set(std::move(array));
    }
    case OpKind::kPull:
    case OpKind::kPullAll: {
      if (!current) return Action::Keep();
      Node array = MakeArray(current->name);
      for (const Node& e : current->kids) {
        bool pull = false;
        if (op.kind == OpKind::kPull) {
          auto m = PullMatches(op, e);
          if (!m.ok()) return m.error();
          pull = m.value();
        } else {
          pull = Contains(op.operand.kids, e);
        }
        if (!pull) array.kids.push_back(e);
      }
      if (array.kids.size() == current->kids.size()) return Action::Keep();
      return Action::Set(std::move(array));
    }
    default:
      return MakeError(kInternalError, "not an array update operator");
  }
}

}  // namespace tactus::docdb::update
