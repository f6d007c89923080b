#include "docdb/bson_util.h"

namespace tactus::docdb {

BsonPtr BsonFromBytes(const std::uint8_t* data, std::size_t len) {
  bson_t view;
  if (!bson_init_static(&view, data, len)) return nullptr;
  std::size_t offset = 0;
  if (!bson_validate(&view, BSON_VALIDATE_UTF8_ALLOW_NULL, &offset)) return nullptr;
  return BsonPtr(bson_copy(&view));
}

const char* BsonTypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_DOUBLE:
      return "double";
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_DOCUMENT:
      return "object";
    case BSON_TYPE_ARRAY:
      return "array";
    case BSON_TYPE_BINARY:
      return "binData";
    case BSON_TYPE_UNDEFINED:
      return "undefined";
    case BSON_TYPE_OID:
      return "objectId";
    case BSON_TYPE_BOOL:
      return "bool";
    case BSON_TYPE_DATE_TIME:
      return "date";
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_REGEX:
      return "regex";
    case BSON_TYPE_DBPOINTER:
      return "dbPointer";
    case BSON_TYPE_CODE:
      return "javascript";
    case BSON_TYPE_SYMBOL:
      return "symbol";
    case BSON_TYPE_CODEWSCOPE:
      return "javascriptWithScope";
    case BSON_TYPE_INT32:
      return "int";
    case BSON_TYPE_TIMESTAMP:
      return "timestamp";
    case BSON_TYPE_INT64:
      return "long";
    case BSON_TYPE_DECIMAL128:
      return "decimal";
    case BSON_TYPE_MINKEY:
      return "minKey";
    case BSON_TYPE_MAXKEY:
      return "maxKey";
    default:
      return "missing";
  }
}

std::string ToJson(const bson_t* b) {
  std::size_t len = 0;
  char* s = bson_as_relaxed_extended_json(b, &len);
  if (!s) return "{}";
  std::string out(s, len);
  bson_free(s);
  return out;
}

}  // namespace tactus::docdb
