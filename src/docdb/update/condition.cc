#include "docdb/update/condition.h"

#include <string>
#include <string_view>
#include <vector>

#include "docdb/update/field_path.h"

namespace tactus::docdb::update {
namespace {

// The values at a dotted path, with MongoDB's implicit traversal of arrays of documents.
void Resolve(const Node& node, const std::vector<std::string>& parts, std::size_t i,
             std::vector<const Node*>* out) {
  if (i == parts.size()) {
    out->push_back(&node);
    return;
  }
  if (node.is_document()) {
    if (const Node* kid = node.Find(parts[i])) Resolve(*kid, parts, i + 1, out);
  } else if (node.is_array()) {
    std::size_t index;
    if (ParseIndex(parts[i], &index) && index < node.kids.size()) {
      Resolve(node.kids[index], parts, i + 1, out);
    }
    for (const Node& kid : node.kids) {
      if (kid.is_document()) Resolve(kid, parts, i, out);
    }
  }
}

bool Equal(const Node& a, const Node& b) { return Compare(a, b) == 0; }

// A value or, when it is an array, one of its elements satisfies `pred`.
template <typename Pred>
bool AnyOf(const Node& v, Pred pred) {
  if (pred(v)) return true;
  if (v.is_array()) {
    for (const Node& kid : v.kids) {
      if (pred(kid)) return true;
    }
  }
  return false;
}

bool EqualsOrMissingNull(const std::vector<const Node*>& values, const Node& operand) {
  if (values.empty()) return operand.type == BSON_TYPE_NULL;
  for (const Node* v : values) {
    if (AnyOf(*v, [&](const Node& x) { return Equal(x, operand); })) return true;
  }
  return false;
}

bool In(const std::vector<const Node*>& values, const Node& array) {
  for (const Node& candidate : array.kids) {
    if (EqualsOrMissingNull(values, candidate)) return true;
  }
  return false;
}

bool CompareOp(const std::vector<const Node*>& values, std::string_view op, const Node& operand) {
  for (const Node* v : values) {
    bool hit = AnyOf(*v, [&](const Node& x) {
      if (TypeClass(x.type) != TypeClass(operand.type)) return false;
      int c = Compare(x, operand);
      if (op == "$gt") return c > 0;
      if (op == "$gte") return c >= 0;
      if (op == "$lt") return c < 0;
      return c <= 0;
    });
    if (hit) return true;
  }
  return false;
}

bool ElementMatches(const Node& element, const Node& condition) {
  if (IsOperatorDocument(condition)) return ValueMatches(&element, condition);
  return element.is_document() && Matches(element, condition);
}

bool OperatorsMatch(const std::vector<const Node*>& values, const Node& ops) {
  for (const Node& op : ops.kids) {
    const std::string& name = op.name;
    bool ok = true;
    if (name == "$eq") {
      ok = EqualsOrMissingNull(values, op);
    } else if (name == "$ne") {
      ok = !EqualsOrMissingNull(values, op);
    } else if (name == "$gt" || name == "$gte" || name == "$lt" || name == "$lte") {
      ok = CompareOp(values, name, op);
    } else if (name == "$in") {
      ok = In(values, op);
    } else if (name == "$nin") {
      ok = !In(values, op);
    } else if (name == "$exists") {
      bool want = op.is_number() ? Compare(op, MakeInt32("", 0)) != 0
                                 : !(op.type == BSON_TYPE_BOOL && !op.scalar.value().value.v_bool);
      ok = values.empty() != want;
    } else if (name == "$not") {
      ok = !OperatorsMatch(values, op);
    } else if (name == "$size") {
      ok = false;
      for (const Node* v : values) {
        if (v->is_array() && Equal(MakeInt64("", static_cast<std::int64_t>(v->kids.size())), op)) {
          ok = true;
        }
      }
    } else if (name == "$elemMatch") {
      ok = false;
      for (const Node* v : values) {
        if (!v->is_array()) continue;
        for (const Node& e : v->kids) {
          if (ElementMatches(e, op)) ok = true;
        }
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool IsKnownFieldOperator(std::string_view name) {
  for (std::string_view known : {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
                                 "$exists", "$not", "$size", "$elemMatch"}) {
    if (name == known) return true;
  }
  return false;
}

DbResult<Done> ValidateCondition(const Node& condition) {
  if (!IsOperatorDocument(condition)) return Done{};
  for (const Node& op : condition.kids) {
    if (!IsKnownFieldOperator(op.name)) return MakeError(kBadValue, "unknown operator: " + op.name);
    if ((op.name == "$in" || op.name == "$nin") && !op.is_array()) {
      return MakeError(kBadValue, op.name + " needs an array");
    }
    if (op.name == "$not") {
      if (!IsOperatorDocument(op)) return MakeError(kBadValue, "$not needs a document");
      auto r = ValidateCondition(op);
      if (!r.ok()) return r;
    }
    if (op.name == "$size" && !op.is_number()) {
      return MakeError(kBadValue, "$size needs a number");
    }
    if (op.name == "$elemMatch") {
      if (!op.is_document()) return MakeError(kBadValue, "$elemMatch needs an Object");
      auto r = IsOperatorDocument(op) ? ValidateCondition(op) : ValidateQuery(op);
      if (!r.ok()) return r;
    }
  }
  return Done{};
}

}  // namespace

bool IsOperatorDocument(const Node& n) {
  return n.is_document() && !n.kids.empty() && n.kids.front().name.starts_with("$");
}

DbResult<Done> ValidateQuery(const Node& query) {
  for (const Node& clause : query.kids) {
    if (clause.name == "$and" || clause.name == "$or" || clause.name == "$nor") {
      if (!clause.is_array() || clause.kids.empty()) {
        return MakeError(kBadValue, clause.name + " must be a nonempty array");
      }
      for (const Node& sub : clause.kids) {
        if (!sub.is_document()) {
          return MakeError(kBadValue, clause.name + "/$and/$or entries need to be full objects");
        }
        auto r = ValidateQuery(sub);
        if (!r.ok()) return r;
      }
    } else if (clause.name.starts_with("$")) {
      return MakeError(kBadValue, "unknown top level operator: " + clause.name);
    } else {
      auto r = ValidateCondition(clause);
      if (!r.ok()) return r;
    }
  }
  return Done{};
}

bool Matches(const Node& doc, const Node& query) {
  for (const Node& clause : query.kids) {
    if (clause.name == "$and" || clause.name == "$or" || clause.name == "$nor") {
      bool any = false, all = true;
      for (const Node& sub : clause.kids) {
        bool m = Matches(doc, sub);
        any = any || m;
        all = all && m;
      }
      bool ok = clause.name == "$and" ? all : (clause.name == "$or" ? any : !any);
      if (!ok) return false;
      continue;
    }
    std::vector<const Node*> values;
    Resolve(doc, SplitDotted(clause.name), 0, &values);
    bool ok = IsOperatorDocument(clause) ? OperatorsMatch(values, clause)
                                         : EqualsOrMissingNull(values, clause);
    if (!ok) return false;
  }
  return true;
}

bool ValueMatches(const Node* value, const Node& condition) {
  std::vector<const Node*> values;
  if (value) values.push_back(value);
  return IsOperatorDocument(condition) ? OperatorsMatch(values, condition)
                                       : EqualsOrMissingNull(values, condition);
}

}  // namespace tactus::docdb::update
