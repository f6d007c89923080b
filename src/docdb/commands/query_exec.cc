#include "docdb/commands/query_exec.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "docdb/query/key_encoding.h"

namespace tactus::docdb::commands {
namespace {

// Bounds a top-level filter condition puts on `field`, as an encoded key range of the
// (ascending) single-field encoding; false when the condition is not indexable.
bool BoundsFor(const bson_t* filter, const std::string& field, storage::KeyRange* range,
               bool* equality) {
  bson_iter_t it;
  if (!FindField(filter, field, &it)) return false;
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

// Whether `values` (the operand of a `$in` on `field`) can be planned as points on an index
// whose first field is `field`, each value's key appended to *keys. Not with a regex (it is
// no point). Not null on a secondary index ({a: null} is not planned either: a missing field
// and an empty array also index as null) nor an array (an array field indexes its elements, so
// [1, 2] would need its elements' points too). `_id` is never missing nor an array (the _id
// equality plan relies on this too), so there a null is the null point; arrays still bail out.
bool AppendInKeys(const bson_value_t& values, bool is_id, std::vector<std::string>* keys) {
  if (values.value_type != BSON_TYPE_ARRAY) return false;
  bson_t array;
  bson_iter_t it;
  if (!bson_init_static(&array, values.value.v_doc.data, values.value.v_doc.data_len) ||
      !bson_iter_init(&it, &array)) {
    return false;
  }
  while (bson_iter_next(&it)) {
    const bson_value_t* v = bson_iter_value(&it);
    switch (v->value_type) {
      case BSON_TYPE_REGEX:
      case BSON_TYPE_ARRAY:
        return false;
      case BSON_TYPE_NULL:
      case BSON_TYPE_UNDEFINED:
        if (!is_id) return false;
        break;
      default:
        break;
    }
    keys->push_back(query::EncodeKeyValue(*v));
  }
  return true;
}

// The point keys of a `field: {$in: [...]}` condition at the top level of `filter` or under a
// top-level `$and` (the first one found: each is a superset of the result), sorted and
// deduplicated; false when there is none or it cannot be planned as points.
bool InPointsFor(const bson_t* filter, const std::string& field, std::vector<std::string>* keys,
                 int depth = 0) {
  bson_iter_t it;
  if (!bson_iter_init(&it, filter)) return false;
  bool is_id = field == "_id";
  while (bson_iter_next(&it)) {
    std::string_view name = bson_iter_key(&it);
    if (name == "$and" && BSON_ITER_HOLDS_ARRAY(&it) && depth < 8) {
      bson_iter_t clause;
      if (!bson_iter_recurse(&it, &clause)) continue;
      while (bson_iter_next(&clause)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&clause)) continue;
        const bson_value_t* v = bson_iter_value(&clause);
        bson_t sub;
        if (bson_init_static(&sub, v->value.v_doc.data, v->value.v_doc.data_len) &&
            InPointsFor(&sub, field, keys, depth + 1)) {
          return true;
        }
      }
      continue;
    }
    if (name != field || !BSON_ITER_HOLDS_DOCUMENT(&it)) continue;
    bson_iter_t op;
    if (!bson_iter_recurse(&it, &op)) continue;
    while (bson_iter_next(&op)) {
      std::string_view op_name = bson_iter_key(&op);
      if (op_name.empty() || op_name[0] != '$') break;  // a literal subdocument
      if (op_name != "$in") continue;
      keys->clear();
      if (!AppendInKeys(*bson_iter_value(&op), is_id, keys)) {
        keys->clear();
        break;
      }
      std::sort(keys->begin(), keys->end());
      keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
      return true;
    }
  }
  return false;
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

// One range per point key over whole (possibly compound) keys, in index order.
std::vector<storage::KeyRange> InRanges(const std::vector<std::string>& keys, bool descending) {
  std::vector<storage::KeyRange> ranges;
  ranges.reserve(keys.size());
  for (const std::string& key : keys) {
    storage::KeyRange point;
    point.lower = point.upper = key;
    ranges.push_back(WidenToPrefix(std::move(point), descending));
  }
  // Encodings are prefix-free, so the ranges are disjoint: ordering them by their lower bounds
  // orders them in the index (a descending field complemented reverses the keys' order).
  std::sort(
      ranges.begin(), ranges.end(),
      [](const storage::KeyRange& a, const storage::KeyRange& b) { return *a.lower < *b.lower; });
  return ranges;
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
  bool found = FindField(doc, "_id", &it);
  (void)found;
  return query::EncodeKeyValue(*bson_iter_value(&it));
}

std::string Plan::Describe() const {
  switch (kind) {
    case Kind::kCollectionScan:
      return "COLLSCAN";
    case Kind::kIdScan:
      return in_ranges ? "IXSCAN" : "IDHACK";
    case Kind::kIndexScan:
      return "IXSCAN";
  }
  return "COLLSCAN";
}

std::string Plan::IndexName() const {
  if (index) return index->name;
  if (kind == Kind::kIdScan && in_ranges) return "_id_";
  return "";
}

Plan ChoosePlan(storage::Txn& txn, const storage::CollectionInfo& coll, const bson_t* filter,
                const bson_t* sort) {
  Plan plan;
  bool equality = false;
  storage::KeyRange range;
  bool id_bounds = filter && BoundsFor(filter, "_id", &range, &equality);
  std::string sort_field;
  bool sort_desc = false;
  bool single_sort = SingleSortField(sort, &sort_field, &sort_desc);
  std::vector<std::string> in_keys;
  if (!equality && filter && InPointsFor(filter, "_id", &in_keys)) {
    plan.kind = Plan::Kind::kIdScan;
    plan.in_field = "_id";
    plan.in_ranges = InRanges(in_keys, false);
    if (single_sort && sort_field == "_id") {
      plan.reverse = sort_desc;
      plan.provides_sort = true;
    }
    return plan;
  }
  if (id_bounds) {
    plan.kind = Plan::Kind::kIdScan;
    plan.range = range;
    if (range.upper) {
      *plan.range.upper += '\xFF';
      plan.range.upper_inclusive = false;
    }
    // The scan is in _id order: a sort on _id needs no sort step, and a limit stops it early.
    if (single_sort && sort_field == "_id") {
      plan.reverse = sort_desc;
      plan.provides_sort = true;
    }
    return plan;
  }
  auto indexes = txn.ListIndexesShared(coll);
  if (!indexes.ok()) return plan;
  std::optional<Plan> in_plan, range_plan, sort_plan;
  for (const std::shared_ptr<const storage::IndexInfo>& shared : *indexes.value()) {
    const storage::IndexInfo& index = *shared;
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
    if (index.partial) continue;  // it omits documents, so it cannot answer every query
    // A sparse index omits the documents that have none of its fields. It answers a condition
    // on its first field that such a document cannot meet: an equality, a range or $in points
    // (all on non-null values, type-bracketed), never a sort alone.
    const bool sparse = index.sparse;
    const std::string& field = index.first_field;
    const bool descending = index.first_descending;
    if (field.empty()) continue;
    storage::KeyRange r;
    bool eq = false;
    bool bounded = filter && BoundsFor(filter, field, &r, &eq);
    // A union of points comes out in index order, but an array field is found at each of its
    // matching elements, not at the one its sort key is (its least or greatest element): so
    // the sort is left to FindMatching.
    if (!eq && !in_plan && filter && InPointsFor(filter, field, &in_keys)) {
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.in_field = field;
      p.in_ranges = InRanges(in_keys, descending);
      p.index = shared;
      in_plan = std::move(p);
      continue;  // it beats a range or sort plan on the same index
    }
    // Range bounds on a descending field would need the class-range complemented exactly;
    // such an index answers equalities only (the matcher keeps results right either way).
    if (bounded && (eq || !descending)) {
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.range = WidenToPrefix(r, descending);
      if (eq) {
        p.index = shared;
        return p;
      }
      if (!range_plan) {
        p.index = shared;
        range_plan = std::move(p);
      }
      continue;
    }
    if (single_sort && sort_field == field && !sort_plan && !sparse) {
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.reverse = sort_desc != descending;
      p.provides_sort = true;
      p.index = shared;
      sort_plan = std::move(p);
    }
  }
  if (in_plan) return std::move(*in_plan);
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
  if (plan.in_ranges && plan.kind != Plan::Kind::kCollectionScan) {
    bool stopped = false;
    auto visit_in = [&](const std::string& id_key, const bson_t* doc) {
      stopped = !visit(id_key, doc);
      return !stopped;
    };
    const auto& ranges = *plan.in_ranges;
    for (std::size_t i = 0; i < ranges.size() && !stopped; ++i) {
      const storage::KeyRange& r = ranges[plan.reverse ? ranges.size() - 1 - i : i];
      scanned = plan.kind == Plan::Kind::kIdScan
                    ? txn.ScanCollection(coll, r, plan.reverse, visit_in)
                    : txn.ScanIndex(coll, *plan.index, r, plan.reverse, visit_in);
      if (!scanned.ok()) return scanned.error();
    }
    if (error) return *error;
    return Done{};
  }
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

std::optional<std::string> IdHackKey(const bson_t* filter) {
  bson_iter_t it;
  if (!bson_iter_init(&it, filter) || !bson_iter_next(&it)) return std::nullopt;
  if (bson_iter_key_len(&it) != 3 || std::memcmp(bson_iter_key(&it), "_id", 3) != 0) {
    return std::nullopt;
  }
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_UTF8:
    case BSON_TYPE_BINARY:
    case BSON_TYPE_OID:
    case BSON_TYPE_BOOL:
    case BSON_TYPE_DATE_TIME:
    case BSON_TYPE_INT32:
    case BSON_TYPE_TIMESTAMP:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      break;
    default:
      return std::nullopt;
  }
  bson_iter_t value = it;
  if (bson_iter_next(&it)) return std::nullopt;  // more than one field
  return query::EncodeKeyValue(*bson_iter_value(&value));
}

bool MayScanSeveralRanges(const bson_t* filter) {
  bson_iter_t it;
  if (!bson_iter_init(&it, filter)) return true;
  while (bson_iter_next(&it)) {
    if (std::strcmp(bson_iter_key(&it), "$and") == 0) return true;
    bson_iter_t in;
    if (BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &in) &&
        bson_iter_find(&in, "$in")) {
      return true;
    }
  }
  return false;
}

DbResult<Filter> Filter::Compile(const bson_t* filter) {
  Filter out;
  out.id_key = IdHackKey(filter);
  if (out.id_key) return out;
  auto matcher = query::Matcher::Compile(filter);
  if (!matcher.ok()) return matcher.error();
  out.matcher = std::move(matcher).value();
  return out;
}

DbResult<std::vector<MatchedDoc>> FindMatching(storage::Txn& txn,
                                               const storage::CollectionInfo& coll,
                                               const Filter& filter, const bson_t* sort,
                                               std::int64_t skip, std::int64_t limit) {
  if (!filter.id_key) return FindMatching(txn, coll, *filter.matcher, sort, skip, limit);
  if (sort && !bson_empty(sort)) {
    auto s = query::SortSpec::Compile(sort);
    if (!s.ok()) return s.error();
  }
  std::vector<MatchedDoc> out;
  if (skip > 0) return out;
  auto doc = txn.FindById(coll, *filter.id_key);
  if (!doc.ok()) return doc.error();
  if (doc.value()) out.push_back(MatchedDoc{*filter.id_key, std::move(doc).value(), {}});
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
