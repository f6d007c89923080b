#include "docdb/query/index_keys.h"

#include <algorithm>
#include <optional>

#include "docdb/bson_util.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/number.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {
namespace {

// The shortest prefix of `parts` that reaches an array in `doc`; empty when none does. Two key
// fields may both reach arrays only through the same array (MongoDB's parallel-array rule).
std::string FirstArrayPrefix(const bson_t* doc, const std::vector<std::string>& parts) {
  std::vector<std::string> prefix;
  std::vector<PathHit> hits;
  std::string joined;
  for (const std::string& part : parts) {
    prefix.push_back(part);
    joined += (joined.empty() ? "" : ".") + part;
    hits.clear();
    FindPath(doc, prefix, TerminalArrays::kKeep, &hits);
    for (const PathHit& hit : hits) {
      if (hit.value.value_type == BSON_TYPE_ARRAY) return joined;
    }
  }
  return {};
}

}  // namespace

DbResult<IndexKeyPattern> IndexKeyPattern::Parse(const bson_t* key, bool sparse) {
  IndexKeyPattern pattern;
  pattern.sparse = sparse;
  bson_iter_t it;
  if (!bson_iter_init(&it, key)) return MakeError(kBadValue, "index key pattern is not valid BSON");
  while (bson_iter_next(&it)) {
    std::string path(bson_iter_key(&it), bson_iter_key_len(&it));
    for (const std::string& part : SplitPath(path)) {
      if (part.empty() || part[0] == '$') {
        return MakeError(kBadValue, "index key path '" + path + "' has an empty or '$' component");
      }
    }
    if (path.empty()) return MakeError(kBadValue, "index key path may not be empty");
    bson_value_t v = *bson_iter_value(&it);
    if (v.value_type == BSON_TYPE_UTF8) {
      return MakeError(kBadValue, "index type '" + std::string(v.value.v_utf8.str) +
                                      "' is not supported; use 1 or -1");
    }
    if (!IsNumberType(v.value_type)) {
      return MakeError(kBadValue, "index key direction for '" + path + "' must be 1 or -1");
    }
    double direction = NumberAsDouble(v);
    if (!(direction > 0) && !(direction < 0)) {
      return MakeError(kBadValue, "index key direction for '" + path + "' must be 1 or -1");
    }
    pattern.fields.push_back(IndexKeyField{std::move(path), direction < 0});
  }
  if (pattern.fields.empty()) return MakeError(kBadValue, "index key pattern must not be empty");
  return pattern;
}

namespace {

// The one key of `doc` when every field of `pattern` is a top-level name holding a value that
// is not an array (the common case, without the path walk below); nullopt otherwise.
std::optional<std::string> SingleTopLevelKey(const bson_t* doc, const IndexKeyPattern& pattern) {
  std::string key;
  for (const IndexKeyField& field : pattern.fields) {
    bson_iter_t it;
    if (field.path.empty() || field.path.find('.') != std::string::npos ||
        !FindField(doc, field.path, &it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      return std::nullopt;
    }
    key += EncodeKeyValue(*bson_iter_value(&it), field.descending);
  }
  return key;
}

}  // namespace

DbResult<std::vector<std::string>> KeysForDocument(const bson_t* doc,
                                                   const IndexKeyPattern& pattern) {
  if (std::optional<std::string> key = SingleTopLevelKey(doc, pattern)) {
    return std::vector<std::string>{std::move(*key)};
  }
  // Per field: the encodings of the values it reaches.
  std::vector<std::vector<std::string>> per_field;
  std::vector<PathHit> hits;
  bool all_missing = true;
  const IndexKeyField* array_field = nullptr;
  std::string array_prefix;
  for (const IndexKeyField& field : pattern.fields) {
    hits.clear();
    std::vector<std::string> parts = SplitPath(field.path);
    FindPath(doc, parts, TerminalArrays::kElementsOnly, &hits);
    std::vector<std::string> encoded;
    for (const PathHit& hit : hits) {
      if (!hit.missing()) all_missing = false;
      bson_value_t v = hit.value;
      if (v.value_type == BSON_TYPE_ARRAY && !hit.expanded) v.value_type = BSON_TYPE_NULL;
      encoded.push_back(EncodeKeyValue(v, field.descending));
    }
    std::string prefix = FirstArrayPrefix(doc, parts);
    if (!prefix.empty()) {
      if (array_field != nullptr && prefix != array_prefix) {
        return MakeError(kCannotIndexParallelArrays, "cannot index parallel arrays [" + field.path +
                                                         "] [" + array_field->path + "]");
      }
      array_field = &field;
      array_prefix = std::move(prefix);
    }
    std::sort(encoded.begin(), encoded.end());
    encoded.erase(std::unique(encoded.begin(), encoded.end()), encoded.end());
    per_field.push_back(std::move(encoded));
  }
  std::vector<std::string> keys;
  if (pattern.sparse && all_missing) return keys;
  keys.emplace_back();
  for (const auto& options : per_field) {
    std::vector<std::string> next;
    next.reserve(keys.size() * options.size());
    for (const std::string& prefix : keys) {
      for (const std::string& option : options) next.push_back(prefix + option);
    }
    keys = std::move(next);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace tactus::docdb::query
