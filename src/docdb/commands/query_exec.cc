#include "docdb/commands/query_exec.h"

#include <algorithm>
#include <set>

#include "docdb/query/key_encoding.h"

namespace tactus::docdb::commands {
namespace {

// The first key field and direction of an index spec ({key: {a: 1, ...}}).
bool FirstKeyField(const bson_t* spec, std::string* field, bool* descending) {
  bson_t key;
  if (!GetDocument(spec, "key", &key)) return false;
  bson_iter_t it;
  if (!bson_iter_init(&it, &key) || !bson_iter_next(&it)) return false;
  *field = bson_iter_key(&it);
  *descending = BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_double(&it) < 0;
  return true;
}

// Bounds a top-level filter condition puts on `field`, as an encoded key range of the
// (ascending) single-field encoding; false when the condition is not indexable.
bool BoundsFor(const bson_t* filter, const std::string& field, storage::KeyRange* range,
               bool* equality) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, filter, field.c_str())) return false;
  const bson_value_t* v = bson_iter_value(&it);
  auto indexable_scalar = [](bson_type_t t) {
    return t != BSON_TYPE_ARRAY && t != BSON_TYPE_DOCUMENT && t != BSON_TYPE_REGEX &&
           t != BSON_TYPE_NULL && t != BSON_TYPE_UNDEFINED;
  };
  if (v->value_type != BSON_TYPE_DOCUMENT) {
    if (!indexable_scalar(v->value_type)) return false;
    std::string key = query::EncodeKeyValue(*v);
    range->lower = key;
    range->upper = key;
    *equality = true;
    return true;
  }
  bson_t ops;
  if (!bson_init_static(&ops, v->value.v_doc.data, v->value.v_doc.data_len)) return false;
  bson_iter_t op;
  if (!bson_iter_init(&op, &ops)) return false;
  bool any = false;
  while (bson_iter_next(&op)) {
    std::string_view name = bson_iter_key(&op);
    const bson_value_t* bound = bson_iter_value(&op);
    if (name.empty() || name[0] != '$') return false;  // a literal subdocument
    if (!indexable_scalar(bound->value_type)) continue;
    std::string key = query::EncodeKeyValue(*bound);
    // Comparisons stay within their type bracket: bound the other side by the class.
    std::string class_start(1, static_cast<char>(key[0]));
    std::string class_end(1, static_cast<char>(key[0] + 1));
    if (name == "$eq") {
      range->lower = range->upper = key;
      *equality = true;
      return true;
    } else if (name == "$gt" || name == "$gte") {
      range->lower = key;
      range->lower_inclusive = true;  // $gt re-checked by the matcher
      if (!range->upper) range->upper = class_end, range->upper_inclusive = false;
      any = true;
    } else if (name == "$lt" || name == "$lte") {
      range->upper = key;
      range->upper_inclusive = true;
      if (!range->lower) range->lower = class_start;
      any = true;
    }
  }
  *equality = false;
  return any;
}

// Turns a range on the first field into a range over whole (possibly compound) keys.
storage::KeyRange WidenToPrefix(storage::KeyRange r, bool descending) {
  if (descending) {
    auto complement = [](std::string s) {
      for (char& c : s) c = static_cast<char>(~static_cast<unsigned char>(c));
      return s;
    };
    storage::KeyRange d;
    if (r.upper) d.lower = complement(*r.upper);
    if (r.lower) d.upper = complement(*r.lower);
    d.lower_inclusive = true;
    d.upper_inclusive = true;
    r = d;
  }
  // Keys of compound indexes continue after the first field; 0xFF sorts after any continuation.
  if (r.upper) {
    *r.upper += '\xFF';
    r.upper_inclusive = false;
  }
  r.lower_inclusive = true;
  return r;
}

bool SingleSortField(const bson_t* sort, std::string* field, bool* descending) {
  if (!sort) return false;
  bson_iter_t it;
  if (!bson_iter_init(&it, sort) || !bson_iter_next(&it)) return false;
  *field = bson_iter_key(&it);
  *descending = BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_double(&it) < 0;
  return !bson_iter_next(&it);
}

}  // namespace

std::string IdKey(const bson_t* doc) {
  bson_iter_t it;
  bool found = bson_iter_init_find(&it, doc, "_id");
  (void)found;
  return query::EncodeKeyValue(*bson_iter_value(&it));
}

std::string Plan::Describe() const {
  switch (kind) {
    case Kind::kCollectionScan:
      return "COLLSCAN";
    case Kind::kIdScan:
      return "IDHACK";
    case Kind::kIndexScan:
      return "IXSCAN";
  }
  return "COLLSCAN";
}

Plan ChoosePlan(storage::Txn& txn, const storage::CollectionInfo& coll, const bson_t* filter,
                const bson_t* sort) {
  Plan plan;
  bool equality = false;
  storage::KeyRange range;
  if (filter && BoundsFor(filter, "_id", &range, &equality)) {
    plan.kind = Plan::Kind::kIdScan;
    plan.range = range;
    if (range.upper) {
      *plan.range.upper += '\xFF';
      plan.range.upper_inclusive = false;
    }
    return plan;
  }
  auto indexes = txn.ListIndexes(coll);
  if (!indexes.ok()) return plan;
  std::optional<Plan> range_plan, sort_plan;
  std::string sort_field;
  bool sort_desc = false;
  bool single_sort = SingleSortField(sort, &sort_field, &sort_desc);
  for (auto& index : indexes.value()) {
    if (index.name == "_id_") {
      if (single_sort && sort_field == "_id" && !sort_plan) {
        Plan p;
        p.kind = Plan::Kind::kIdScan;
        p.reverse = sort_desc;
        p.provides_sort = true;
        sort_plan = std::move(p);
      }
      continue;
    }
    if (GetBool(index.spec.get(), "sparse", false) ||
        bson_has_field(index.spec.get(), "partialFilterExpression")) {
      continue;  // they omit documents, so they cannot answer every query
    }
    std::string field;
    bool descending = false;
    if (!FirstKeyField(index.spec.get(), &field, &descending)) continue;
    storage::KeyRange r;
    bool eq = false;
    // Range bounds on a descending field would need the class-range complemented exactly;
    // such an index answers equalities only (the matcher keeps results right either way).
    if (filter && BoundsFor(filter, field, &r, &eq) && (eq || !descending)) {
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.range = WidenToPrefix(r, descending);
      if (eq) {
        p.index = std::make_shared<storage::IndexInfo>(std::move(index));
        return p;
      }
      if (!range_plan) {
        p.index = std::make_shared<storage::IndexInfo>(std::move(index));
        range_plan = std::move(p);
      }
      continue;
    }
    if (single_sort && sort_field == field && !sort_plan) {
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.reverse = sort_desc != descending;
      p.provides_sort = true;
      p.index = std::make_shared<storage::IndexInfo>(std::move(index));
      sort_plan = std::move(p);
    }
  }
  if (range_plan) return std::move(*range_plan);
  if (sort_plan) return std::move(*sort_plan);
  return plan;
}

namespace {

// Runs `plan` and calls `on_match(id_key, doc, details)` for each document the matcher accepts,
// each document once, until it returns false.
template <typename OnMatch>
DbResult<Done> ScanMatching(storage::Txn& txn, const storage::CollectionInfo& coll,
                            const query::Matcher& matcher, const Plan& plan, OnMatch&& on_match) {
  std::set<std::string> seen;  // an index scan can meet a multikey document twice
  std::optional<DbError> error;
  auto visit = [&](const std::string& id_key, const bson_t* doc) {
    if (plan.kind == Plan::Kind::kIndexScan && !seen.insert(id_key).second) return true;
    query::MatchDetails details;
    auto m = matcher.Matches(doc, &details);
    if (!m.ok()) {
      error = m.error();
      return false;
    }
    return !m.value() || on_match(id_key, doc, details);
  };
  DbResult<Done> scanned = Done{};
  switch (plan.kind) {
    case Plan::Kind::kCollectionScan:
      scanned = txn.ScanCollection(coll, {}, false, visit);
      break;
    case Plan::Kind::kIdScan:
      scanned = txn.ScanCollection(coll, plan.range, plan.reverse, visit);
      break;
    case Plan::Kind::kIndexScan:
      scanned = txn.ScanIndex(coll, *plan.index, plan.range, plan.reverse, visit);
      break;
  }
  if (!scanned.ok()) return scanned.error();
  if (error) return *error;
  return Done{};
}

}  // namespace

DbResult<std::vector<MatchedDoc>> FindMatching(storage::Txn& txn,
                                               const storage::CollectionInfo& coll,
                                               const query::Matcher& matcher, const bson_t* sort,
                                               std::int64_t skip, std::int64_t limit,
                                               Plan* plan_out) {
  std::optional<query::SortSpec> sort_spec;
  if (sort && !bson_empty(sort)) {
    auto s = query::SortSpec::Compile(sort);
    if (!s.ok()) return s.error();
    sort_spec = std::move(s).value();
  }
  Plan plan = ChoosePlan(txn, coll, matcher.filter(), sort);
  if (plan_out) *plan_out = plan;
  bool in_order = !sort_spec || plan.provides_sort;
  // With the order given by the scan, stop as soon as skip + limit documents matched.
  std::size_t wanted = in_order && limit > 0 ? static_cast<std::size_t>(skip + limit) : 0;

  std::vector<MatchedDoc> out;
  auto scanned = ScanMatching(
      txn, coll, matcher, plan,
      [&](const std::string& id_key, const bson_t* doc, const query::MatchDetails& details) {
        out.push_back(MatchedDoc{id_key, CopyBson(doc), details});
        return wanted == 0 || out.size() < wanted;
      });
  if (!scanned.ok()) return scanned.error();

  if (!in_order) {
    std::vector<std::pair<std::string, std::size_t>> keys;
    keys.reserve(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      keys.emplace_back(sort_spec->KeyFor(out[i].doc.get()), i);
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<MatchedDoc> sorted;
    sorted.reserve(out.size());
    for (auto& [key, i] : keys) sorted.push_back(std::move(out[i]));
    out = std::move(sorted);
  }
  if (skip > 0) {
    out.erase(out.begin(), out.begin() + std::min<std::size_t>(out.size(), skip));
  }
  if (limit > 0 && out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
  return out;
}

DbResult<std::int64_t> CountMatching(storage::Txn& txn, const storage::CollectionInfo& coll,
                                     const query::Matcher& matcher, std::int64_t skip,
                                     std::int64_t limit) {
  Plan plan = ChoosePlan(txn, coll, matcher.filter(), nullptr);
  std::int64_t matched = 0;
  auto scanned = ScanMatching(txn, coll, matcher, plan,
                              [&](const std::string&, const bson_t*, const query::MatchDetails&) {
                                ++matched;
                                return limit == 0 || matched < skip + limit;
                              });
  if (!scanned.ok()) return scanned.error();
  std::int64_t n = std::max<std::int64_t>(0, matched - skip);
  return limit > 0 ? std::min(n, limit) : n;
}

}  // namespace tactus::docdb::commands
