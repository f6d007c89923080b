#include "docdb/bson_util.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

namespace tactus::docdb {
namespace internal {
namespace {

// At most this many free blocks per thread (16 KiB); beyond it blocks go back to malloc.
constexpr std::size_t kMaxCachedBsonBlocks = 128;

// Set once the thread's cache is destroyed (thread exit), for documents destroyed after it, as
// a static's are: a plain bool outlives every destructor of the thread.
thread_local bool t_cache_gone = false;

struct BlockCache {
  std::vector<bson_t*> free;
  ~BlockCache() {
    for (bson_t* b : free) std::free(b);
    t_cache_gone = true;
  }
};

BlockCache* ThreadBlocks() {
  thread_local BlockCache cache;
  return t_cache_gone ? nullptr : &cache;
}

}  // namespace

bson_t* AcquireBsonBlock() {
  BlockCache* cache = ThreadBlocks();
  if (cache != nullptr && !cache->free.empty()) {
    bson_t* b = cache->free.back();
    cache->free.pop_back();
    return b;
  }
  static_assert(sizeof(bson_t) == alignof(bson_t));
  void* block = std::aligned_alloc(alignof(bson_t), sizeof(bson_t));
  if (block == nullptr) throw std::bad_alloc();
  return static_cast<bson_t*>(block);
}

void ReleaseBsonBlock(bson_t* block) {
  BlockCache* cache = ThreadBlocks();
  if (cache != nullptr && cache->free.size() < kMaxCachedBsonBlocks) {
    if (cache->free.capacity() == 0) cache->free.reserve(kMaxCachedBsonBlocks);
    cache->free.push_back(block);
  } else {
    std::free(block);
  }
}

}  // namespace internal

BsonPtr BsonFromBytes(const std::uint8_t* data, std::size_t len) {
  bson_t view;
  if (!bson_init_static(&view, data, len)) return nullptr;
  std::size_t offset = 0;
  if (!bson_validate(&view, BSON_VALIDATE_UTF8_ALLOW_NULL, &offset)) return nullptr;
  return CopyBson(&view);
}

namespace {

// The size of the value of an element of `type` at data[pos..end), or -1 when it cannot be told
// (an unknown type) or would pass `end`.
std::int64_t ValueSize(std::uint8_t type, const std::uint8_t* data, std::size_t pos,
                       std::size_t end) {
  auto length_at = [&](std::size_t at) -> std::int64_t {
    if (end - at < 4) return -1;
    std::uint32_t n;
    std::memcpy(&n, data + at, 4);
    return BSON_UINT32_FROM_LE(n);
  };
  std::int64_t size = -1;
  switch (type) {
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_DATE_TIME:
    case BSON_TYPE_TIMESTAMP:
    case BSON_TYPE_INT64:
      size = 8;
      break;
    case BSON_TYPE_INT32:
      size = 4;
      break;
    case BSON_TYPE_BOOL:
      size = 1;
      break;
    case BSON_TYPE_OID:
      size = 12;
      break;
    case BSON_TYPE_DECIMAL128:
      size = 16;
      break;
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_NULL:
    case BSON_TYPE_MINKEY:
    case BSON_TYPE_MAXKEY:
      size = 0;
      break;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_CODE:
    case BSON_TYPE_SYMBOL: {
      const std::int64_t n = length_at(pos);
      size = n < 0 ? -1 : 4 + n;
      break;
    }
    case BSON_TYPE_BINARY: {
      const std::int64_t n = length_at(pos);
      size = n < 0 ? -1 : 5 + n;
      break;
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
    case BSON_TYPE_CODEWSCOPE:
      size = length_at(pos);
      break;
    default:  // regex, dbpointer: rare in commands; libbson steps over them
      return -1;
  }
  return size >= 0 && static_cast<std::uint64_t>(size) <= end - pos ? size : -1;
}

}  // namespace

namespace {

// The outcome of StepFields.
enum class Stepped { kEnd, kStopped, kStuck };

// Steps over the top-level elements of `doc`, calling visit(offset, name) for each (name is a
// view of the field name) until it returns false (kStopped); kEnd at the document's end, kStuck
// at an element it cannot step over (an unknown type, a length past the end).
template <typename Visit>
Stepped StepFields(const bson_t* doc, Visit&& visit) {
  const std::uint8_t* data = bson_get_data(doc);
  const std::size_t end = doc->len - 1;  // the document's terminating zero
  std::size_t pos = 4;
  while (pos < end) {
    const std::uint8_t type = data[pos];
    const std::size_t name = pos + 1;
    const void* zero = std::memchr(data + name, 0, end - name);
    if (zero == nullptr) return Stepped::kStuck;
    const std::size_t name_len = static_cast<const std::uint8_t*>(zero) - (data + name);
    const std::size_t value = name + name_len + 1;
    const std::int64_t size = ValueSize(type, data, value, end);
    if (size < 0) return Stepped::kStuck;
    if (!visit(pos, std::string_view(reinterpret_cast<const char*>(data + name), name_len))) {
      return Stepped::kStopped;
    }
    pos = value + static_cast<std::size_t>(size);
  }
  return pos == end ? Stepped::kEnd : Stepped::kStuck;
}

// libbson checks the element it sets `out` on, as bson_iter_next would.
bool IterAt(const bson_t* doc, std::size_t offset, std::string_view name, bson_iter_t* out) {
  return bson_iter_init_from_data_at_offset(out, bson_get_data(doc), doc->len,
                                            static_cast<std::uint32_t>(offset),
                                            static_cast<std::uint32_t>(name.size()));
}

}  // namespace

bool FindField(const bson_t* doc, std::string_view key, bson_iter_t* out) {
  bool found = false;
  const Stepped stepped = StepFields(doc, [&](std::size_t offset, std::string_view name) {
    if (name != key) return true;
    found = IterAt(doc, offset, name, out);
    return false;
  });
  if (stepped != Stepped::kStuck) return found;
  // Something it cannot step over: libbson decides.
  return bson_iter_init_find_w_len(out, doc, key.data(), static_cast<int>(key.size()));
}

void FindFields(const bson_t* doc, std::span<const std::string_view> names, FoundField* out) {
  if (names.size() > 64) throw std::invalid_argument("FindFields: more than 64 names");
  // Bit i of by_length[n]: names[i] has n characters (the last bucket: that many or more), so
  // a field is compared only with the names of its length.
  constexpr std::size_t kBuckets = 32;
  std::uint64_t by_length[kBuckets] = {};
  for (std::size_t i = 0; i < names.size(); ++i) {
    out[i].found = false;
    by_length[std::min(names[i].size(), kBuckets - 1)] |= std::uint64_t{1} << i;
  }
  // Bit i: names[i] is decided (its first field met), found or not (libbson may refuse it).
  std::uint64_t decided = 0;
  std::size_t left = names.size();
  const Stepped stepped = StepFields(doc, [&](std::size_t offset, std::string_view name) {
    std::uint64_t candidates = by_length[std::min(name.size(), kBuckets - 1)] & ~decided;
    while (candidates != 0) {
      const int i = std::countr_zero(candidates);
      candidates &= candidates - 1;
      if (names[i] != name) continue;
      decided |= std::uint64_t{1} << i;
      out[i].found = IterAt(doc, offset, name, &out[i].iter);
      --left;
    }
    return left > 0;
  });
  if (stepped != Stepped::kStuck) return;
  // FindField (libbson) decides for the names not met before the element it could not pass.
  for (std::size_t i = 0; i < names.size(); ++i) {
    if ((decided >> i & 1) == 0) out[i].found = FindField(doc, names[i], &out[i].iter);
  }
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
