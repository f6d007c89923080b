// Owning handles and small helpers over libbson, shared by every part of docdb.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tactus::docdb {

namespace internal {
// The 128-byte, 128-aligned blocks that hold NewBson's and CopyBson's bson_t headers, kept per
// thread for reuse: bson_new asks malloc for an aligned block each time, and glibc's memalign is
// slow and fragments the heap (a request handler builds a dozen documents). A block is
// malloc-compatible (free() can release it), so a block that outlives its thread's cache or
// moves to another thread is still released correctly.
bson_t* AcquireBsonBlock();
void ReleaseBsonBlock(bson_t* block);
}  // namespace internal

// libbson's flag (bson-private.h, not installed) for a bson_t header that bson_destroy must not
// free: set by bson_init, bson_init_static and bson_copy_to, unset by the bson_new family.
constexpr std::uint32_t kBsonFlagStatic = 1u << 1;

// Destroys a document made by NewBson, CopyBson or libbson's bson_new family. A header that
// libbson marks static (not libbson's to free) came from the block cache and goes back to it.
struct BsonDeleter {
  void operator()(bson_t* b) const {
    const bool cached_block = (b->flags & kBsonFlagStatic) != 0;
    bson_destroy(b);
    if (cached_block) internal::ReleaseBsonBlock(b);
  }
};
// An owned, heap-allocated BSON document.
using BsonPtr = std::unique_ptr<bson_t, BsonDeleter>;

inline BsonPtr NewBson() {
  bson_t* b = internal::AcquireBsonBlock();
  bson_init(b);
  return BsonPtr(b);
}
inline BsonPtr CopyBson(const bson_t* src) {
  bson_t* b = internal::AcquireBsonBlock();
  bson_copy_to(src, b);
  return BsonPtr(b);
}

// Copies `len` bytes into a new document after checking that they are one well-formed BSON
// document (libbson validation of lengths and terminators, UTF-8 of keys). nullptr when not.
BsonPtr BsonFromBytes(const std::uint8_t* data, std::size_t len);

// A view over bytes that hold a BSON document; valid while the bytes are.
// REQUIRES: the bytes were validated (e.g. by BsonFromBytes or the wire parser).
inline bool BsonView(const std::uint8_t* data, std::size_t len, bson_t* out) {
  return bson_init_static(out, data, len);
}

// bson_iter_init_find, faster: finds the first top-level field named `key` (case-sensitive) by
// stepping over the raw elements, each value skipped by its type's size, where bson_iter_next
// also checks every element it passes. Commands look up a dozen options this way. On a
// well-formed document (a validated message, a document libbson built) its answer is
// bson_iter_init_find's; on a damaged one it never reads outside the document, and where it
// cannot step over an element (an unknown type, a length past the end) libbson decides. The
// element it returns is checked by libbson. `out` is left on the field, as bson_iter_init_find
// leaves it.
bool FindField(const bson_t* doc, std::string_view key, bson_iter_t* out);
// FindField for several names in one pass: for each i, out[i].found tells whether `doc` has a
// field named names[i], and out[i].iter is left on the first one. The same answers as FindField
// per name. At most 64 names.
struct FoundField {
  bool found = false;
  bson_iter_t iter;  // when found
  const bson_iter_t* get() const { return found ? &iter : nullptr; }
};
void FindFields(const bson_t* doc, std::span<const std::string_view> names, FoundField* out);
inline bool HasField(const bson_t* doc, std::string_view key) {
  bson_iter_t it;
  return FindField(doc, key, &it);
}

// MongoDB's alias of a BSON type, as $type and error messages spell it ("double", "string",
// "objectId", ...); "missing" for anything else.
const char* BsonTypeName(bson_type_t type);

// Relaxed Extended JSON v2, for logs, messages and tests.
std::string ToJson(const bson_t* b);

}  // namespace tactus::docdb
