#include "docdb/commands/change_stream_token.h"

namespace tactus::docdb::commands {
namespace {

constexpr std::uint8_t kTokenVersion = 1;
constexpr std::size_t kTokenBytes = 10;
constexpr char kHex[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

DbError Invalid(const char* field, const std::string& why) {
  return MakeError(kInvalidResumeToken,
                   std::string("invalid resume token in '") + field + "': " + why +
                       "; pass a token from a change event's _id or a postBatchResumeToken");
}

}  // namespace

std::string EncodeResumeData(const ResumePosition& position) {
  std::uint8_t bytes[kTokenBytes];
  bytes[0] = kTokenVersion;
  auto seq = static_cast<std::uint64_t>(position.seq);
  for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  bytes[9] = position.invalidate ? 1 : 0;
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

void AppendResumeToken(bson_t* parent, const char* key, const ResumePosition& position) {
  bson_t token;
  bson_append_document_begin(parent, key, -1, &token);
  BSON_APPEND_UTF8(&token, "_data", EncodeResumeData(position).c_str());
  bson_append_document_end(parent, &token);
}

DbResult<ResumePosition> DecodeResumeToken(const bson_t* token, const char* field) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, token, "_data") || !BSON_ITER_HOLDS_UTF8(&it)) {
    return Invalid(field, "it has no string '_data'");
  }
  std::uint32_t len = 0;
  const char* hex = bson_iter_utf8(&it, &len);
  if (len != 2 * kTokenBytes) return Invalid(field, "'_data' has the wrong length");
  std::uint8_t bytes[kTokenBytes];
  for (std::size_t i = 0; i < kTokenBytes; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Invalid(field, "'_data' is not hexadecimal");
    bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  if (bytes[0] != kTokenVersion) return Invalid(field, "unknown token version");
  if (bytes[9] > 1) return Invalid(field, "unknown token kind");
  std::uint64_t seq = 0;
  for (int i = 0; i < 8; ++i) seq = seq << 8 | bytes[1 + i];
  if (seq > static_cast<std::uint64_t>(INT64_MAX)) return Invalid(field, "seq out of range");
  return ResumePosition{static_cast<std::int64_t>(seq), bytes[9] == 1};
}

}  // namespace tactus::docdb::commands
