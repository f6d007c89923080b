// Framing of server replies (docs/docdb.md, "Wire protocol"): OP_MSG for every command, OP_REPLY
// for the legacy OP_QUERY handshake and for the error MongoDB 6 gives every other OP_QUERY.
//
// Replies are returned as byte strings ready to write to the socket. Pure functions;
// thread-safe.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/wire/message.h"

namespace tactus::docdb::wire {

// OP_REPLY responseFlags.
inline constexpr std::int32_t kQueryFailure = 1 << 1;
inline constexpr std::int32_t kAwaitCapable = 1 << 3;

// The code of the reply to a non-handshake OP_QUERY (MongoDB 6's "UnsupportedOpQueryCommand").
inline constexpr std::int32_t kOpQueryUnsupportedCode = 5739101;

// An OP_MSG: header {length, request_id, response_to, OP_MSG}, flagBits 0 (kChecksumPresent
// when `with_checksum`), one kind-0 section holding `body`, then the CRC-32C of everything before
// it when `with_checksum`. Pass the request's checksum_present as `with_checksum`.
std::string BuildMsgReply(std::int32_t request_id, std::int32_t response_to, const bson_t& body,
                          bool with_checksum);

// An OP_REPLY carrying one document: responseFlags `response_flags`, cursorID 0,
// startingFrom 0, numberReturned 1. The handshake reply uses kAwaitCapable.
std::string BuildQueryReply(std::int32_t request_id, std::int32_t response_to,
                            const bson_t& document, std::int32_t response_flags = kAwaitCapable);

// The OP_REPLY for every OP_QUERY that is not the handshake (IsHandshake is false):
// {$err: "OP_QUERY is no longer supported. ...", code: 5739101, ok: 0} with kQueryFailure.
std::string BuildOpQueryUnsupportedReply(std::int32_t request_id, std::int32_t response_to);

// A command error body as drivers expect it: {ok: 0.0, errmsg, code, codeName} plus
// errorLabels when the error has labels and keyPattern/keyValue when it carries them.
BsonPtr ErrorBody(const DbError& error);

// The reply to a message that failed to parse, framed the way the client can read it: an
// OP_REPLY with kQueryFailure and {$err, code, ok: 0} when `header.op_code` is OP_QUERY, an
// OP_MSG with ErrorBody otherwise. The connection is to be closed after it is written.
std::string BuildParseErrorReply(std::int32_t request_id, const MessageHeader& header,
                                 const DbError& error);

}  // namespace tactus::docdb::wire
