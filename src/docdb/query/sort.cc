#include "docdb/query/sort.h"

#include <cstring>

#include "docdb/query/compare.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/number.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {

DbResult<SortSpec> SortSpec::Compile(const bson_t* spec) {
  SortSpec out;
  bson_iter_t it;
  if (!bson_iter_init(&it, spec)) return MakeError(kBadValue, "malformed sort specification");
  while (bson_iter_next(&it)) {
    std::string path(bson_iter_key(&it), bson_iter_key_len(&it));
    bson_value_t v = *bson_iter_value(&it);
    double direction = IsNumberType(v.value_type) ? NumberAsDouble(v) : 0;
    if (direction != 1 && direction != -1) {
      return MakeError(kBadValue,
                       "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
    }
    Field field{SplitPath(path), direction < 0};
    if (field.path.empty()) return MakeError(kBadValue, "sort field names may not be empty");
    for (const std::string& part : field.path) {
      if (part.empty() || part[0] == '$') {
        return MakeError(kBadValue, "bad sort field name '" + path + "'");
      }
    }
    out.fields_.push_back(std::move(field));
  }
  return out;
}

std::string SortSpec::KeyFor(const bson_t* doc) const {
  std::string key;
  std::vector<PathHit> hits;
  for (const Field& field : fields_) {
    hits.clear();
    FindPath(doc, field.path, TerminalArrays::kElementsOnly, &hits);
    const bson_value_t* best = nullptr;
    bool best_empty_array = false;
    bool has_empty_array = false;
    for (const PathHit& hit : hits) {
      if (hit.value.value_type == BSON_TYPE_ARRAY && !hit.expanded) {
        has_empty_array = true;  // kElementsOnly yields an array itself only when it is empty
        continue;
      }
      if (best == nullptr) {
        best = &hit.value;
        continue;
      }
      int c = CompareValues(hit.value, *best);
      if (field.descending ? c > 0 : c < 0) best = &hit.value;
    }
    // The empty array is below null: it wins ascending and loses to anything descending.
    if (has_empty_array && (best == nullptr || !field.descending)) best_empty_array = true;
    if (best_empty_array) {
      key.push_back(
          static_cast<char>(field.descending ? ~kKeyClassEmptyArraySort : kKeyClassEmptyArraySort));
      continue;
    }
    AppendKeyValue(*best, field.descending, &key);
  }
  return key;
}

int SortSpec::Compare(const bson_t* a, const bson_t* b) const {
  std::string ka = KeyFor(a), kb = KeyFor(b);
  int c = ka.compare(kb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace tactus::docdb::query
