// Differential: docdb's one-walk BSON validation (wire::CheckWireBson) against libbson, on any
// bytes. Two properties, either broken traps:
//   1. CheckWireBson accepts exactly what libbson's own checks accept when applied to every
//      element, nested ones included: bson_iter_next's (structure, booleans, old binary) and the
//      UTF-8 of every field name (`LibbsonAccepts`, after the structural walk that bounds the
//      depth);
//   2. whatever CheckWireBson accepts, bson_validate(BSON_VALIDATE_UTF8_ALLOW_NULL) accepts too.
// bson_validate itself is not the reference for (1): in libbson 1.23 a string value that is not
// UTF-8 ends its walk early with success, so the field names after it go unchecked.
// Each input is tried as it is and with its length prefix and last byte made consistent, so
// random bytes get past the first checks.
#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "docdb/wire/bson_check.h"
#include "docdb/wire/byte_order.h"

namespace {

namespace wire = tactus::docdb::wire;

constexpr int kDepth = 100;

bool ChildAccepted(const std::uint8_t* data, std::uint32_t len);

// Every element of `doc` through libbson's iterator, recursing into documents, arrays and
// code-with-scope scopes.
bool ElementsAccepted(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  while (bson_iter_next(&it)) {
    const char* key = bson_iter_key(&it);
    if (*key != '\0' && !bson_utf8_validate(key, std::strlen(key), false)) return false;
    std::uint32_t len = 0;
    const std::uint8_t* data = nullptr;
    switch (bson_iter_type(&it)) {
      case BSON_TYPE_DOCUMENT:
        bson_iter_document(&it, &len, &data);
        if (!ChildAccepted(data, len)) return false;
        break;
      case BSON_TYPE_ARRAY:
        bson_iter_array(&it, &len, &data);
        if (!ChildAccepted(data, len)) return false;
        break;
      case BSON_TYPE_CODEWSCOPE: {
        std::uint32_t code_len = 0;
        bson_iter_codewscope(&it, &code_len, &len, &data);
        if (!ChildAccepted(data, len)) return false;
        break;
      }
      default:
        break;
    }
  }
  return it.err_off == 0;
}

bool ChildAccepted(const std::uint8_t* data, std::uint32_t len) {
  bson_t child;
  return bson_init_static(&child, data, len) && ElementsAccepted(&child);
}

bool LibbsonAccepts(const std::uint8_t* data, std::size_t size) {
  if (!wire::CheckBsonNesting(data, size, kDepth).empty()) return false;
  bson_t view;
  return bson_init_static(&view, data, size) && ElementsAccepted(&view);
}

bool BsonValidateAccepts(const std::uint8_t* data, std::size_t size) {
  bson_t view;
  std::size_t offset = 0;
  return bson_init_static(&view, data, size) &&
         bson_validate(&view, BSON_VALIDATE_UTF8_ALLOW_NULL, &offset);
}

void Compare(const std::uint8_t* data, std::size_t size) {
  const bool ours = wire::CheckWireBson(data, size, kDepth).empty();
  if (ours != LibbsonAccepts(data, size)) __builtin_trap();
  if (ours && !BsonValidateAccepts(data, size)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  Compare(data, size);
  if (size >= 5) {
    std::vector<std::uint8_t> fixed(data, data + size);
    wire::StoreLe32(fixed.data(), static_cast<std::uint32_t>(size));
    fixed.back() = 0;
    Compare(fixed.data(), fixed.size());
  }
  return 0;
}
