// Parsing of client messages (docs/docdb.md, "Wire protocol"): the 16-byte header, OP_MSG with
// its sections and optional CRC-32C checksum, and the legacy OP_QUERY that drivers still use for
// the connection handshake.
//
// Everything here is pure: no I/O, no shared state; every function is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/wire/limits.h"

namespace tactus::docdb::wire {

enum class OpCode : std::int32_t {
  kReply = 1,
  kQuery = 2004,
  kCompressed = 2012,
  kMsg = 2013,
};

// OP_MSG flagBits. Bits 0-15 are "required": a receiver must reject any it does not know.
inline constexpr std::uint32_t kChecksumPresent = 1u << 0;
inline constexpr std::uint32_t kMoreToCome = 1u << 1;
inline constexpr std::uint32_t kExhaustAllowed = 1u << 16;

struct MessageHeader {
  std::int32_t message_length = 0;  // of the whole message, header included
  std::int32_t request_id = 0;
  std::int32_t response_to = 0;
  std::int32_t op_code = 0;  // raw: may name no OpCode
};

// One parsed client message. Owns its documents; movable, not copyable.
struct Request {
  std::int32_t request_id = 0;
  OpCode opcode = OpCode::kMsg;
  // OP_MSG flagBits, or OP_QUERY flags.
  std::uint32_t flags = 0;
  bool checksum_present = false;  // the reply must carry a checksum too
  bool more_to_come = false;      // the client expects no reply
  bool exhaust_allowed = false;
  // The database: the body's "$db" (OP_MSG) or the part of fullCollectionName before the
  // first '.' (OP_QUERY).
  std::string db;
  // The command. OP_MSG: the kind-0 body with every kind-1 document sequence appended as an
  // array field named by its identifier. OP_QUERY: the query document, unwrapped from
  // {$query: ...} when the driver wrapped it. Never null in a successfully parsed Request.
  BsonPtr command;
  // OP_QUERY only: the part of fullCollectionName after the first '.' ("$cmd" for commands)
  // and the query document exactly as sent.
  std::string collection;
  BsonPtr query;
};

// Decodes the header at `data` and checks that message_length is within
// [kHeaderBytes, kMaxMessageBytes]; the op code is not checked here.
// REQUIRES: at least kHeaderBytes readable bytes at `data`.
// Returns the header, or kBadValue naming the bad length.
DbResult<MessageHeader> ParseHeader(const std::uint8_t* data);

// Parses one complete message (`len` bytes, header included).
// Fails with kBadValue and a message saying what is wrong when: the header's length differs from
// `len` or is out of range; the op code is neither OP_MSG nor OP_QUERY; an OP_MSG sets an
// unknown required flag bit, has a checksum that does not match, has a section that overruns
// the message, an unknown section kind, no or several kind-0 sections, a sequence identifier
// that repeats or duplicates a body field, or no "$db" string; any document is invalid BSON,
// nested deeper than kMaxWireNestingDepth, or larger than kMaxBsonObjectSize +
// kBsonCommandOverhead (kLocation10334); an OP_QUERY's namespace has no '.'.
// On failure nothing is allocated that outlives the call.
DbResult<Request> ParseMessage(const std::uint8_t* data, std::size_t len);

// True for the legacy connection handshake: an OP_QUERY on "<db>.$cmd" whose command is
// hello, isMaster or ismaster. Every other OP_QUERY must be answered with
// BuildOpQueryUnsupportedReply (reply.h).
bool IsHandshake(const Request& request);

// The command's name: the first field's key of request.command; "" when it has none.
std::string CommandName(const Request& request);

}  // namespace tactus::docdb::wire
