#include "docdb/storage/dup_key.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/path.h"

namespace tactus::docdb::storage::internal {
namespace {

std::string DoubleText(double d) {
  if (std::isnan(d)) return "nan.0";
  if (std::isinf(d)) return d > 0 ? "inf.0" : "-inf.0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, end);
  // MongoDB keeps a double recognisable as one: 1.0, not 1.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string ContainerText(const bson_value_t& value, bool is_array) {
  bson_t doc;
  if (!bson_init_static(&doc, value.value.v_doc.data, value.value.v_doc.data_len)) return "?";
  bson_iter_t it;
  bson_iter_init(&it, &doc);
  std::string out = is_array ? "[" : "{";
  bool first = true;
  while (bson_iter_next(&it)) {
    out += first ? " " : ", ";
    first = false;
    if (!is_array) {
      out.append(bson_iter_key(&it), bson_iter_key_len(&it));
      out += ": ";
    }
    out += ValueForMessage(*bson_iter_value(&it));
  }
  out += first ? (is_array ? "]" : "}") : (is_array ? " ]" : " }");
  return out;
}

// The value of one key field that produced `*key`'s next bytes; consumes them.
bson_value_t TakeFieldValue(const bson_t* doc, const query::IndexKeyField& field,
                            std::string_view* key) {
  std::vector<query::PathHit> hits;
  query::FindPath(doc, query::SplitPath(field.path), query::TerminalArrays::kElementsOnly, &hits);
  for (const query::PathHit& hit : hits) {
    bson_value_t v = hit.value;
    if (v.value_type == BSON_TYPE_ARRAY && !hit.expanded) v.value_type = BSON_TYPE_NULL;
    std::string encoded = query::EncodeKeyValue(v, field.descending);
    if (key->substr(0, encoded.size()) == encoded) {
      key->remove_prefix(encoded.size());
      if (v.value_type == BSON_TYPE_EOD) v.value_type = BSON_TYPE_NULL;
      return v;
    }
  }
  bson_value_t null_value{};
  null_value.value_type = BSON_TYPE_NULL;
  return null_value;
}

}  // namespace

std::string ValueForMessage(const bson_value_t& value) {
  switch (value.value_type) {
    case BSON_TYPE_INT32:
      return std::to_string(value.value.v_int32);
    case BSON_TYPE_INT64:
      return std::to_string(value.value.v_int64);
    case BSON_TYPE_DOUBLE:
      return DoubleText(value.value.v_double);
    case BSON_TYPE_UTF8:
      return "\"" + std::string(value.value.v_utf8.str, value.value.v_utf8.len) + "\"";
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      return "null";
    case BSON_TYPE_BOOL:
      return value.value.v_bool ? "true" : "false";
    case BSON_TYPE_OID: {
      char hex[25];
      bson_oid_to_string(&value.value.v_oid, hex);
      return "ObjectId('" + std::string(hex) + "')";
    }
    case BSON_TYPE_DATE_TIME:
      return "new Date(" + std::to_string(value.value.v_datetime) + ")";
    case BSON_TYPE_DOCUMENT:
      return ContainerText(value, false);
    case BSON_TYPE_ARRAY:
      return ContainerText(value, true);
    default: {
      // Rare types: relaxed Extended JSON is unambiguous and readable.
      bson_t wrapper = BSON_INITIALIZER;
      bson_append_value(&wrapper, "v", 1, &value);
      std::string json = ToJson(&wrapper);
      bson_destroy(&wrapper);
      // {"v" : X } -> X
      std::size_t colon = json.find(':');
      if (colon != std::string::npos && json.size() > colon + 3) {
        return json.substr(colon + 2, json.size() - colon - 4);
      }
      return json;
    }
  }
}

DbError DuplicateKeyError(const std::string& ns, const CompiledIndex& index, const bson_t* doc,
                          std::string_view key) {
  BsonPtr key_value = NewBson();
  std::string shown;
  for (const query::IndexKeyField& field : index.pattern.fields) {
    bson_value_t v = TakeFieldValue(doc, field, &key);
    bson_append_value(key_value.get(), field.path.data(), static_cast<int>(field.path.size()), &v);
    shown += shown.empty() ? "{ " : ", ";
    shown += field.path + ": " + ValueForMessage(v);
  }
  shown += " }";
  DbError error = MakeError(kDuplicateKey, "E11000 duplicate key error collection: " + ns +
                                               " index: " + index.name + " dup key: " + shown);
  const std::uint8_t* pattern = bson_get_data(index.key.get());
  error.key_pattern.assign(pattern, pattern + index.key->len);
  const std::uint8_t* value = bson_get_data(key_value.get());
  error.key_value.assign(value, value + key_value->len);
  return error;
}

}  // namespace tactus::docdb::storage::internal
