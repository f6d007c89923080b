#include "docdb/bson_util.h"

namespace tactus::docdb {

BsonPtr BsonFromBytes(const std::uint8_t* data, std::size_t len) {
  bson_t view;
  if (!bson_init_static(&view, data, len)) return nullptr;
  std::size_t offset = 0;
  if (!bson_validate(&view, BSON_VALIDATE_UTF8_ALLOW_NULL, &offset)) return nullptr;
  return BsonPtr(bson_copy(&view));
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
