// UpsertSeed: the document an upsert starts from, built from the query's equality conditions.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "docdb/update/field_path.h"
#include "docdb/update/node.h"
#include "docdb/update/update.h"

namespace tactus::docdb::update {
namespace {

struct Equality {
  std::string path;
  std::vector<std::string> parts;
  Node value;
};

void Collect(const Node& query, std::vector<Equality>* out) {
  for (const Node& clause : query.kids) {
    if (clause.name == "$and" || (clause.name == "$or" && clause.kids.size() == 1)) {
      if (!clause.is_array()) continue;
      for (const Node& sub : clause.kids) {
        if (sub.is_document()) Collect(sub, out);
      }
      continue;
    }
    if (clause.name.starts_with("$")) continue;
    const Node* value = &clause;
    if (clause.is_document() && !clause.kids.empty() && clause.kids.front().name.starts_with("$")) {
      value = clause.Find("$eq");
      if (!value) continue;
    }
    if (value->type == BSON_TYPE_REGEX) continue;
    out->push_back({clause.name, SplitDotted(clause.name), *value});
  }
}

bool IsPrefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() > b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace

DbResult<BsonPtr> UpsertSeed(const bson_t* query) {
  std::vector<Equality> equalities;
  Collect(FromBson(query), &equalities);
  for (std::size_t i = 0; i < equalities.size(); ++i) {
    const Equality& e = equalities[i];
    for (const std::string& part : e.parts) {
      if (part.empty()) {
        return MakeError(kEmptyFieldName, "An empty update path is not valid: '" + e.path + "'");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      const Equality& prior = equalities[j];
      if (prior.parts == e.parts) {
        return MakeError(kNotSingleValueField, "cannot infer query fields to set, path '" + e.path +
                                                   "' is matched twice");
      }
      if (IsPrefix(prior.parts, e.parts) || IsPrefix(e.parts, prior.parts)) {
        return MakeError(kNotSingleValueField, "cannot infer query fields to set, both paths '" +
                                                   prior.path + "' and '" + e.path +
                                                   "' are matched");
      }
    }
  }
  Node seed = MakeDocument();
  for (Equality& e : equalities) {
    Node* cur = &seed;
    for (std::size_t k = 0; k + 1 < e.parts.size(); ++k) {
      Node* next = cur->Find(e.parts[k]);
      if (!next) {
        cur->kids.push_back(MakeDocument(e.parts[k]));
        next = &cur->kids.back();
      }
      cur = next;  // A document: prefixes of other paths are never equalities themselves.
    }
    e.value.name = e.parts.back();
    cur->kids.push_back(std::move(e.value));
  }
  for (std::size_t i = 1; i < seed.kids.size(); ++i) {
    if (seed.kids[i].name == "_id") {
      std::rotate(seed.kids.begin(), seed.kids.begin() + i, seed.kids.begin() + i + 1);
      break;
    }
  }
  return ToBson(seed);
}

}  // namespace tactus::docdb::update
