// The contract between the network server and the commands layer: the server owns connections
// and framing; a RequestHandler turns each parsed request into a reply document.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/wire/message.h"

namespace tactus::docdb::server {

// One client connection as the handler sees it. Owned by the server; lives from accept until
// OnDisconnect returns. The handler may read every field and use `user` freely; the server
// never touches `user`.
struct ConnectionContext {
  std::int64_t id = 0;   // unique per server, from 1; reported as hello's connectionId
  std::string peer;      // client address: "ip:port", or "unix:<socket path>"
  std::string local;     // the listener it came through: "ip:port", or the Unix socket path
  void* user = nullptr;  // the handler's per-connection state
};

// What the server calls for every request. Implemented by the commands layer.
//
// Threading: calls for one connection never overlap (a connection handles one request at a
// time, as MongoDB does) and each happens-after the previous one, so per-connection state in
// ConnectionContext::user needs no locking. Calls for different connections run concurrently
// on the worker pool: everything shared between connections must be thread-safe.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  // Called on a worker thread for every parsed OP_MSG and for the OP_QUERY handshake
  // (wire::IsHandshake). Returns the reply body: {ok: 1, ...} or the error fields
  // (wire::ErrorBody). The server frames it (OP_MSG, or OP_REPLY for the handshake) and sends
  // nothing when request.more_to_come. nullptr is a bug and is answered with InternalError.
  // May block (SQLite); blocks only its worker.
  virtual BsonPtr Handle(const wire::Request& request, ConnectionContext& connection) = 0;

  // What the server actually calls: the asynchronous form. Calls `reply` exactly once with the
  // reply body (as Handle returns it), on any thread, now or later: a handler may defer a
  // request without holding a worker (a change stream's awaitData getMore). `request` and
  // `connection` stay valid until `reply` is called; the connection handles nothing else
  // meanwhile. The default calls Handle.
  using ReplyFn = std::function<void(BsonPtr)>;
  virtual void HandleAsync(const wire::Request& request, ConnectionContext& connection,
                           ReplyFn reply) {
    reply(Handle(request, connection));
  }

  // Called once per connection, on a worker thread, after its socket closed and after its last
  // Handle returned; release `connection.user` here.
  virtual void OnDisconnect(ConnectionContext& connection) {}
};

}  // namespace tactus::docdb::server
