#include "docdb/storage/index_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

#include "docdb/query/compare.h"

namespace tactus::docdb::storage::internal {
namespace {

// A direction as MongoDB prints it in generated names: 1, -1, 1.5, "hashed".
std::string DirectionText(const bson_iter_t& it) {
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT32:
      return std::to_string(bson_iter_int32(&it));
    case BSON_TYPE_INT64:
      return std::to_string(bson_iter_int64(&it));
    case BSON_TYPE_DOUBLE: {
      double d = bson_iter_double(&it);
      if (std::trunc(d) == d && std::fabs(d) < 1e15) return std::to_string(std::llround(d));
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      return std::string(buf, end);
    }
    case BSON_TYPE_UTF8:
      return bson_iter_utf8(&it, nullptr);
    default: {
      bson_t wrapper = BSON_INITIALIZER;
      bson_append_value(&wrapper, "v", 1, bson_iter_value(const_cast<bson_iter_t*>(&it)));
      std::string json = ToJson(&wrapper);
      bson_destroy(&wrapper);
      return json;
    }
  }
}

bool IsNumber(bson_type_t t) {
  return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_DOUBLE ||
         t == BSON_TYPE_DECIMAL128;
}

bool FlagOf(const bson_t* spec, const char* field) {
  bson_iter_t it;
  return bson_iter_init_find(&it, spec, field) && bson_iter_as_bool(&it);
}

// Whether `field` is absent from both or present in both with equal values.
bool SameOptionalValue(const bson_t* a, const bson_t* b, const char* field) {
  bson_iter_t ia, ib;
  bool has_a = bson_iter_init_find(&ia, a, field);
  bool has_b = bson_iter_init_find(&ib, b, field);
  if (has_a != has_b) return false;
  return !has_a || query::CompareIters(ia, ib) == 0;
}

DbError InvalidField(std::string_view field, const bson_t* spec) {
  return MakeError(kInvalidIndexSpecificationOption,
                   "The field '" + std::string(field) +
                       "' is not valid for an index specification. Specification: " + ToJson(spec));
}

}  // namespace

std::string DefaultIndexName(const bson_t* key) {
  std::string name;
  bson_iter_t it;
  if (!bson_iter_init(&it, key)) return name;
  while (bson_iter_next(&it)) {
    if (!name.empty()) name += '_';
    name.append(bson_iter_key(&it), bson_iter_key_len(&it));
    name += '_';
    name += DirectionText(it);
  }
  return name;
}

DbResult<BsonPtr> NormalizeIndexSpec(const bson_t* spec) {
  bson_iter_t it;
  if (!bson_iter_init(&it, spec)) return MakeError(kFailedToParse, "index spec is not valid BSON");
  bson_t key;
  bool has_key = false, unique = false, sparse = false, hidden = false;
  std::string name;
  bool has_name = false;
  std::optional<bson_value_t> partial, expire;
  while (bson_iter_next(&it)) {
    std::string_view field(bson_iter_key(&it), bson_iter_key_len(&it));
    bson_type_t type = bson_iter_type(&it);
    if (field == "key") {
      if (type != BSON_TYPE_DOCUMENT) {
        return MakeError(kTypeMismatch, "The 'key' field must be an object: " + ToJson(spec));
      }
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      if (!bson_init_static(&key, data, len)) return MakeError(kFailedToParse, "bad key pattern");
      has_key = true;
    } else if (field == "name") {
      if (type != BSON_TYPE_UTF8) {
        return MakeError(kTypeMismatch, "The 'name' field must be a string: " + ToJson(spec));
      }
      std::uint32_t len = 0;
      const char* s = bson_iter_utf8(&it, &len);
      name.assign(s, len);
      has_name = true;
    } else if (field == "v") {
      if (!IsNumber(type)) return MakeError(kTypeMismatch, "index version must be a number");
      double v = bson_iter_as_double(&it);
      if (v != 1 && v != 2) {
        return MakeError(kBadValue, "Invalid index specification " + ToJson(spec) +
                                        "; cause: index version must be 1 or 2");
      }
    } else if (field == "unique") {
      unique = bson_iter_as_bool(&it);
    } else if (field == "sparse") {
      sparse = bson_iter_as_bool(&it);
    } else if (field == "hidden") {
      hidden = bson_iter_as_bool(&it);
    } else if (field == "partialFilterExpression") {
      if (type != BSON_TYPE_DOCUMENT) {
        return MakeError(kTypeMismatch, "The field 'partialFilterExpression' must be an object");
      }
      partial = *bson_iter_value(&it);
    } else if (field == "expireAfterSeconds") {
      if (!IsNumber(type)) {
        return MakeError(kTypeMismatch, "TTL index 'expireAfterSeconds' option must be numeric");
      }
      double seconds = bson_iter_as_double(&it);
      if (!(seconds >= 0)) {
        return MakeError(kInvalidOptions,
                         "TTL index 'expireAfterSeconds' option must be a non-negative number");
      }
      if (seconds > kMaxExpireAfterSeconds) {
        return MakeError(kInvalidOptions,
                         "TTL index 'expireAfterSeconds' option must be at most 2147483647");
      }
      expire = *bson_iter_value(&it);
    } else if (field == "ns" || field == "background") {
      // Legacy fields drivers still send; MongoDB ignores them and so do we.
    } else {
      return InvalidField(field, spec);
    }
  }
  if (!has_key) {
    return MakeError(kFailedToParse,
                     "The 'key' field is a required property of an index specification");
  }
  DbResult<query::IndexKeyPattern> pattern = query::IndexKeyPattern::Parse(&key, sparse);
  if (!pattern.ok()) return pattern.error();
  if (expire) {
    bson_iter_t first;
    if (bson_count_keys(&key) != 1) {
      return MakeError(kCannotCreateIndex,
                       "TTL indexes are single-field indexes, compound indexes do not support TTL. "
                       "Index spec: " +
                           ToJson(spec));
    }
    if (bson_iter_init(&first, &key) && bson_iter_next(&first) &&
        std::string_view(bson_iter_key(&first)) == "_id") {
      return MakeError(kInvalidIndexSpecificationOption,
                       "The field 'expireAfterSeconds' is not valid for an _id index "
                       "specification. Specification: " +
                           ToJson(spec));
    }
  }
  if (has_name && name.empty()) return MakeError(kBadValue, "The index name cannot be empty");
  if (!has_name) name = DefaultIndexName(&key);
  if (partial) {
    bson_t filter;
    bson_init_static(&filter, partial->value.v_doc.data, partial->value.v_doc.data_len);
    DbResult<query::Matcher> matcher = query::Matcher::Compile(&filter);
    if (!matcher.ok()) return matcher.error();
  }

  BsonPtr out = NewBson();
  BSON_APPEND_INT32(out.get(), "v", 2);
  BSON_APPEND_DOCUMENT(out.get(), "key", &key);
  bson_append_utf8(out.get(), "name", 4, name.data(), static_cast<int>(name.size()));
  if (unique) BSON_APPEND_BOOL(out.get(), "unique", true);
  if (sparse) BSON_APPEND_BOOL(out.get(), "sparse", true);
  if (hidden) BSON_APPEND_BOOL(out.get(), "hidden", true);
  if (partial) BSON_APPEND_VALUE(out.get(), "partialFilterExpression", &*partial);
  if (expire) BSON_APPEND_VALUE(out.get(), "expireAfterSeconds", &*expire);
  return out;
}

BsonPtr IdIndexSpec() {
  BsonPtr spec = NewBson();
  BSON_APPEND_INT32(spec.get(), "v", 2);
  bson_t key;
  BSON_APPEND_DOCUMENT_BEGIN(spec.get(), "key", &key);
  BSON_APPEND_INT32(&key, "_id", 1);
  bson_append_document_end(spec.get(), &key);
  BSON_APPEND_UTF8(spec.get(), "name", kIdIndexName);
  return spec;
}

bool SameKeyPattern(const bson_t* a, const bson_t* b) { return SameOptionalValue(a, b, "key"); }

bool SameOptions(const bson_t* a, const bson_t* b) {
  return FlagOf(a, "unique") == FlagOf(b, "unique") && FlagOf(a, "sparse") == FlagOf(b, "sparse") &&
         FlagOf(a, "hidden") == FlagOf(b, "hidden") &&
         SameOptionalValue(a, b, "partialFilterExpression") &&
         SameOptionalValue(a, b, "expireAfterSeconds");
}

bool SameSignature(const bson_t* a, const bson_t* b) {
  return SameOptionalValue(a, b, "partialFilterExpression");
}

DbResult<std::shared_ptr<const CompiledIndex>> CompileIndex(std::int64_t id, const bson_t* spec) {
  auto index = std::make_shared<CompiledIndex>();
  index->id = id;
  index->spec = CopyBson(spec);
  bson_iter_t it;
  if (bson_iter_init_find(&it, spec, "name") && BSON_ITER_HOLDS_UTF8(&it)) {
    index->name = bson_iter_utf8(&it, nullptr);
  }
  if (!bson_iter_init_find(&it, spec, "key") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return MakeError(kInternalError, "stored index spec has no key pattern: " + ToJson(spec));
  }
  std::uint32_t len = 0;
  const std::uint8_t* data = nullptr;
  bson_iter_document(&it, &len, &data);
  index->key = BsonPtr(bson_new_from_data(data, len));
  DbResult<query::IndexKeyPattern> pattern =
      query::IndexKeyPattern::Parse(index->key.get(), FlagOf(spec, "sparse"));
  if (!pattern.ok()) return pattern.error();
  index->pattern = std::move(pattern).value();
  index->unique = FlagOf(spec, "unique");
  index->is_id = index->name == kIdIndexName;
  bson_iter_t field;
  if (bson_iter_init(&field, index->key.get())) {
    while (bson_iter_next(&field)) {
      std::string_view path = bson_iter_key(&field);
      std::string top(path.substr(0, path.find('.')));
      if (std::find(index->key_fields.begin(), index->key_fields.end(), top) ==
          index->key_fields.end()) {
        index->key_fields.push_back(std::move(top));
      }
    }
  }
  if (bson_iter_init_find(&it, spec, "partialFilterExpression") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    index->key_fields.clear();
    bson_iter_document(&it, &len, &data);
    bson_t filter;
    bson_init_static(&filter, data, len);
    DbResult<query::Matcher> matcher = query::Matcher::Compile(&filter);
    if (!matcher.ok()) return matcher.error();
    index->partial = std::move(matcher).value();
  }
  return std::shared_ptr<const CompiledIndex>(std::move(index));
}

namespace {

// The bytes of the value `it` is on (after its type byte and name).
std::string_view ValueBytes(const bson_iter_t& it) {
  const char* raw = reinterpret_cast<const char*>(it.raw);
  const std::size_t name = it.off + 1;
  const std::size_t value = name + std::strlen(raw + name) + 1;
  return std::string_view(raw + value, it.next_off - value);
}

}  // namespace

bool KeysMayDiffer(const CompiledIndex& index, const bson_t* old_doc, const bson_t* new_doc) {
  if (index.key_fields.empty()) return true;  // a partial index (or no key pattern at all)
  for (const std::string& name : index.key_fields) {
    bson_iter_t a, b;
    const bool in_old = FindField(old_doc, name, &a);
    const bool in_new = FindField(new_doc, name, &b);
    if (in_old != in_new) return true;
    if (in_old && (bson_iter_type(&a) != bson_iter_type(&b) || ValueBytes(a) != ValueBytes(b))) {
      return true;
    }
  }
  return false;
}

DbResult<std::vector<std::string>> IndexKeysOf(const CompiledIndex& index, const bson_t* doc) {
  if (index.partial) {
    DbResult<bool> matches = index.partial->Matches(doc);
    if (!matches.ok()) return matches.error();
    if (!matches.value()) return std::vector<std::string>{};
  }
  return query::KeysForDocument(doc, index.pattern);
}

}  // namespace tactus::docdb::storage::internal
