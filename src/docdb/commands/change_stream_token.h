// Resume tokens of change streams: `{_data: "<hex>"}` (docs/docdb.md, "Change streams").
// Opaque to clients; the bytes are: version 0x01, the oplog seq (8 bytes, big-endian), and a
// kind (0: the event of that seq, or the position just after it; 1: the invalidate event that
// follows that seq). Hex is uppercase, so tokens of one kind sort by seq.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>

#include "docdb/error.h"

namespace tactus::docdb::commands {

inline constexpr std::int32_t kInvalidResumeToken = 260;
inline constexpr std::int32_t kChangeStreamHistoryLost = 286;
inline constexpr std::int32_t kChangeStreamFatalError = 280;

struct ResumePosition {
  std::int64_t seq = 0;     // events with a greater seq follow
  bool invalidate = false;  // the token of an invalidate event
  bool operator==(const ResumePosition&) const = default;
};

// The `_data` string.
std::string EncodeResumeData(const ResumePosition& position);
// Appends `key: {_data: ...}` to `parent`.
void AppendResumeToken(bson_t* parent, const char* key, const ResumePosition& position);
// Decodes a token document (`{_data: "<hex>"}`); InvalidResumeToken (260) naming the field
// when it is not one of ours.
DbResult<ResumePosition> DecodeResumeToken(const bson_t* token, const char* field);

}  // namespace tactus::docdb::commands
