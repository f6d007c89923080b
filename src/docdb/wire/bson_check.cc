#include "docdb/wire/bson_check.h"

#include <bson/bson.h>

#include <cstring>
#include <vector>

#include "docdb/wire/byte_order.h"

namespace tactus::docdb::wire {
namespace {

// True when none of the `n` bytes at `p` has its high bit set (ASCII, NUL included).
bool AllAscii(const std::uint8_t* p, std::size_t n) {
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    seen |= word;
  }
  for (; i < n; ++i) seen |= p[i];
  return (seen & 0x8080808080808080ULL) == 0;
}

// libbson's UTF-8 rule (bson_utf8_validate) for a field name of `n` bytes (no NUL among them):
// ASCII is decided here, anything else by libbson itself, so both agree exactly.
bool ValidFieldName(const std::uint8_t* p, std::size_t n) {
  return AllAscii(p, n) || bson_utf8_validate(reinterpret_cast<const char*>(p), n, false);
}

// Walks the element tree without recursion. `ends_` holds, per open document, the offset of its
// terminating zero byte; every length read is checked against the innermost one, so no read
// leaves the buffer.
//
// With `check_values`, it also checks, in the same walk, what libbson checks beyond the
// structure (its iterator, and bson_validate with BSON_VALIDATE_UTF8_ALLOW_NULL alone, which
// docdb used before): field names as UTF-8, booleans as 0 or 1, the inner length of old binary
// (subtype 2). Like MongoDB, and like that bson_validate, it leaves the text of string values
// unchecked. The bson_check fuzz target holds it to libbson's checks on any input.
class Walker {
 public:
  Walker(const std::uint8_t* data, std::size_t len, int max_depth, bool check_values)
      : data_(data), len_(len), max_depth_(max_depth), check_values_(check_values) {}

  std::string Run() {
    if (len_ < 5) return "document shorter than 5 bytes";
    if (LoadLe32(data_) != len_) return "document length does not match its size";
    if (data_[len_ - 1] != 0) return "document not terminated by a zero byte";
    ends_.Push(len_ - 1);
    pos_ = 4;
    while (!ends_.empty()) {
      const std::size_t end = ends_.back();
      if (pos_ == end) {
        ++pos_;
        ends_.Pop();
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
    ends_.Push(pos_ + n - 1);
    pos_ += 4;
    return "";
  }

  // Records why the current element's value is invalid; returns false.
  bool BadValue(const char* why) {
    bad_value_ = why;
    return false;
  }

  std::string Element(std::size_t end) {
    const std::size_t element = pos_;
    bad_value_ = nullptr;
    const std::uint8_t type = data_[pos_++];
    const std::size_t key = pos_;
    if (!SkipCString(end)) return "unterminated field name";
    if (check_values_ && !ValidFieldName(data_ + key, pos_ - 1 - key)) {
      return "field name at byte " + std::to_string(key) + " is not valid UTF-8";
    }
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
        ok = Skip(1, end) &&
             (!check_values_ || data_[pos_ - 1] <= 1 || BadValue("boolean is neither 0 nor 1"));
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
        // The old binary subtype repeats the data's length inside it.
        if (ok && check_values_ && data_[pos_ - n - 1] == BSON_SUBTYPE_BINARY_DEPRECATED) {
          ok = (n >= 4 && LoadLe32(data_ + pos_ - n) + 4 == n) ||
               BadValue("old binary (subtype 2) has a wrong inner length");
        }
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
    if (ok) return "";
    if (bad_value_ == nullptr) return "element overruns its document";
    return std::string(bad_value_) + " (the element at byte " + std::to_string(element) + ")";
  }

  const std::uint8_t* data_;
  std::size_t len_;
  int max_depth_;
  bool check_values_;
  const char* bad_value_ = nullptr;
  std::size_t pos_ = 0;
  // The ends of the open documents: inline for the usual few levels, on the heap beyond.
  class Ends {
   public:
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    std::size_t back() const { return size_ <= kInline ? inline_[size_ - 1] : deep_.back(); }
    void Push(std::size_t end) {
      if (size_ < kInline) {
        inline_[size_] = end;
      } else {
        deep_.push_back(end);
      }
      ++size_;
    }
    void Pop() {
      if (size_ > kInline) deep_.pop_back();
      --size_;
    }

   private:
    static constexpr std::size_t kInline = 16;
    std::size_t inline_[kInline];
    std::vector<std::size_t> deep_;
    std::size_t size_ = 0;
  };
  Ends ends_;
};

}  // namespace

std::string CheckBsonNesting(const std::uint8_t* data, std::size_t len, int max_depth) {
  return Walker(data, len, max_depth, false).Run();
}

std::string CheckWireBson(const std::uint8_t* data, std::size_t len, int max_depth) {
  return Walker(data, len, max_depth, true).Run();
}

}  // namespace tactus::docdb::wire
