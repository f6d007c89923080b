#include "docdb/wire/bson_check.h"

#include <bson/bson.h>

#include <cstring>
#include <vector>

#include "docdb/wire/byte_order.h"

namespace tactus::docdb::wire {
namespace {

// Walks the element tree without recursion. `ends_` holds, per open document, the offset of its
// terminating zero byte; every length read is checked against the innermost one, so no read
// leaves the buffer.
class Walker {
 public:
  Walker(const std::uint8_t* data, std::size_t len, int max_depth)
      : data_(data), len_(len), max_depth_(max_depth) {}

  std::string Run() {
    if (len_ < 5) return "document shorter than 5 bytes";
    if (LoadLe32(data_) != len_) return "document length does not match its size";
    if (data_[len_ - 1] != 0) return "document not terminated by a zero byte";
    ends_.push_back(len_ - 1);
    pos_ = 4;
    while (!ends_.empty()) {
      const std::size_t end = ends_.back();
      if (pos_ == end) {
        ++pos_;
        ends_.pop_back();
        continue;
      }
      if (pos_ > end) return "element overruns its document";
      std::string error = Element(end);
      if (!error.empty()) return error;
    }
    return pos_ == len_ ? "" : "trailing bytes after the document";
  }

 private:
  // Skips `n` bytes of the current document, or fails.
  bool Skip(std::size_t n, std::size_t end) {
    if (n > end - pos_) return false;
    pos_ += n;
    return true;
  }

  bool SkipCString(std::size_t end) {
    const void* zero = std::memchr(data_ + pos_, 0, end - pos_);
    if (zero == nullptr) return false;
    pos_ = static_cast<const std::uint8_t*>(zero) - data_ + 1;
    return true;
  }

  bool ReadLength(std::size_t end, std::uint32_t* out) {
    if (end - pos_ < 4) return false;
    *out = LoadLe32(data_ + pos_);
    return *out <= end - pos_;
  }

  // An int32-length-prefixed string including its zero terminator.
  bool SkipString(std::size_t end) {
    std::uint32_t n = 0;
    if (!ReadLength(end, &n) || n < 1 || n > end - pos_ - 4) return false;
    if (data_[pos_ + 4 + n - 1] != 0) return false;
    pos_ += 4 + n;
    return true;
  }

  // Opens a nested document at pos_ that must fit before `end`.
  std::string Open(std::size_t end) {
    std::uint32_t n = 0;
    if (!ReadLength(end, &n) || n < 5) return "bad nested document length";
    if (data_[pos_ + n - 1] != 0) return "nested document not terminated by a zero byte";
    if (static_cast<int>(ends_.size()) >= max_depth_) return "nesting deeper than allowed";
    ends_.push_back(pos_ + n - 1);
    pos_ += 4;
    return "";
  }

  std::string Element(std::size_t end) {
    const std::uint8_t type = data_[pos_++];
    if (!SkipCString(end)) return "unterminated field name";
    bool ok = true;
    switch (type) {
      case BSON_TYPE_DOUBLE:
      case BSON_TYPE_DATE_TIME:
      case BSON_TYPE_TIMESTAMP:
      case BSON_TYPE_INT64:
        ok = Skip(8, end);
        break;
      case BSON_TYPE_INT32:
        ok = Skip(4, end);
        break;
      case BSON_TYPE_BOOL:
        ok = Skip(1, end);
        break;
      case BSON_TYPE_OID:
        ok = Skip(12, end);
        break;
      case BSON_TYPE_DECIMAL128:
        ok = Skip(16, end);
        break;
      case BSON_TYPE_UNDEFINED:
      case BSON_TYPE_NULL:
      case BSON_TYPE_MINKEY:
      case BSON_TYPE_MAXKEY:
        break;
      case BSON_TYPE_UTF8:
      case BSON_TYPE_CODE:
      case BSON_TYPE_SYMBOL:
        ok = SkipString(end);
        break;
      case BSON_TYPE_DBPOINTER:
        ok = SkipString(end) && Skip(12, end);
        break;
      case BSON_TYPE_BINARY: {
        std::uint32_t n = 0;
        ok = ReadLength(end, &n) && Skip(4, end) && Skip(1, end) && Skip(n, end);
        break;
      }
      case BSON_TYPE_REGEX:
        ok = SkipCString(end) && SkipCString(end);
        break;
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY:
        return Open(end);
      case BSON_TYPE_CODEWSCOPE: {
        std::uint32_t total = 0;
        if (!ReadLength(end, &total) || total < 14) return "bad code-with-scope length";
        const std::size_t scope_end = pos_ + total;
        pos_ += 4;
        if (!SkipString(scope_end)) return "bad code-with-scope code";
        std::uint32_t scope_len = 0;
        if (!ReadLength(scope_end, &scope_len) || pos_ + scope_len != scope_end) {
          return "bad code-with-scope scope";
        }
        return Open(scope_end);
      }
      default:
        return "unknown element type " + std::to_string(type);
    }
    return ok ? "" : "element overruns its document";
  }

  const std::uint8_t* data_;
  std::size_t len_;
  int max_depth_;
  std::size_t pos_ = 0;
  std::vector<std::size_t> ends_;
};

}  // namespace

std::string CheckBsonNesting(const std::uint8_t* data, std::size_t len, int max_depth) {
  return Walker(data, len, max_depth).Run();
}

std::string CheckWireBson(const std::uint8_t* data, std::size_t len, int max_depth) {
  std::string error = Walker(data, len, max_depth).Run();
  if (!error.empty()) return error;
  bson_t view;
  if (!bson_init_static(&view, data, len)) return "invalid document";
  std::size_t offset = 0;
  // The same checks as BsonFromBytes (bson_util.h), so every part of docdb agrees on validity.
  if (!bson_validate(&view, BSON_VALIDATE_UTF8_ALLOW_NULL, &offset)) {
    return "invalid document (at byte " + std::to_string(offset) + ")";
  }
  return "";
}

}  // namespace tactus::docdb::wire
