// What the server does with one whole client message between reading it and writing the reply,
// apart from any socket: parse it (wire/), answer protocol errors and legacy OP_QUERY itself,
// run the request through the RequestHandler, frame the reply. The network server (server.cc)
// calls it for every message read from a connection; in-process clients
// (EmbeddedServer::InProcessClient) call it without a socket, so both run the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "docdb/server/request_handler.h"

namespace tactus::docdb::server {

struct FramedReply {
  // The reply's bytes, ready to write; empty when the client expects none (moreToCome).
  std::string bytes;
  // The message could not be parsed: close the connection once `bytes` are written.
  bool close_after = false;
};

// Processes the message `data` (`len` bytes, header included; the caller has read exactly the
// length its header announces) from `connection`, framing the reply with `reply_id` as its
// requestID. Calls `done` exactly once, with the framed reply: during the call, or later from
// another thread when the handler defers the request (RequestHandler::HandleAsync). `data` need
// not outlive the call; `handler` and `connection` must stay valid until `done` is called.
// An exception escaping the handler becomes an InternalError reply.
void ProcessMessage(const std::uint8_t* data, std::size_t len, std::int32_t reply_id,
                    RequestHandler& handler, ConnectionContext& connection,
                    std::function<void(FramedReply)> done);

}  // namespace tactus::docdb::server
