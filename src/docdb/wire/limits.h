// The size limits of the wire protocol (docs/docdb.md, "Limits"). The hello reply advertises
// them; the parser and the server enforce them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tactus::docdb::wire {

// Every message starts with messageLength, requestID, responseTo, opCode (int32 each).
inline constexpr std::size_t kHeaderBytes = 16;
// The largest message (header included) the server reads; longer ones close the connection.
inline constexpr std::int32_t kMaxMessageBytes = 48'000'000;
// The largest document a client may store.
inline constexpr std::int32_t kMaxBsonObjectSize = 16 * 1024 * 1024;
// MongoDB lets a command document exceed kMaxBsonObjectSize by this much, so a command that
// carries one maximal document still fits.
inline constexpr std::int32_t kBsonCommandOverhead = 16 * 1024;
inline constexpr std::int32_t kMaxWriteBatchSize = 100'000;
// The deepest nesting of documents and arrays accepted on the wire (MongoDB's default). Stored
// documents have their own, lower limit, checked by the commands layer.
inline constexpr int kMaxWireNestingDepth = 200;

}  // namespace tactus::docdb::wire
