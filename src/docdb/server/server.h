// The docdb network server: accepts MongoDB wire-protocol clients on TCP and/or a Unix socket,
// reads whole messages, parses them (wire/), runs each on a worker pool through a
// RequestHandler and writes the framed reply back (docs/docdb.md, "Thread model").
//
// One network thread runs every socket (no thread per connection: 10,000 idle connections cost
// only their sockets and a few hundred bytes each); `worker_threads` threads run the handler.
// Protocol rules it enforces:
// - a header whose length is < 16 or > wire::kMaxMessageBytes closes the connection at once;
// - a message that fails to parse gets an error reply (ok: 0, code 2, errmsg) framed for its
//   op code, then the connection closes; other connections are unaffected;
// - OP_MSG with moreToCome gets no reply; the OP_QUERY handshake gets an OP_REPLY; every other
//   OP_QUERY gets the "OP_QUERY is no longer supported" OP_REPLY without reaching the handler;
// - a reply carries a CRC-32C checksum when its request did.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "docdb/server/request_handler.h"

namespace tactus::docdb::server {

class Server {
 public:
  struct Options {
    std::string bind_ip = "127.0.0.1";
    int port = 27017;       // 0 = ephemeral (see port()); -1 = no TCP listener
    std::string unix_path;  // empty = no Unix socket
    int worker_threads = 4;
    // Connections beyond this are accepted and closed at once.
    std::size_t max_connections = 20000;
  };

  // REQUIRES: `handler` outlives the Server.
  Server(Options options, RequestHandler& handler);
  // Stops (see Stop).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Raises the RLIMIT_NOFILE soft limit to the hard limit, binds and listens, then starts the
  // network thread and the workers. The Unix socket: a stale socket file at unix_path is
  // removed first; the new one is made mode 0600 and removed again by Stop.
  // Returns OK, or: InvalidArgument for options naming no listener, a bad bind_ip, a Unix path
  // too long for sockaddr_un, or worker_threads < 1; IoError when binding or listening fails
  // (the port is taken, unix_path exists and is not a socket, ...), with nothing left running;
  // FailedPrecondition when called a second time.
  common::Status Start();

  // The bound TCP port (the real one when Options::port was 0); -1 before a successful Start
  // or when there is no TCP listener. Thread-safe.
  int port() const;

  // Connections currently open. Thread-safe; for tests and metrics.
  std::size_t connection_count() const;

  // A connection id no socket connection of this server has or will get, for a client that
  // reaches the handler without a socket (EmbeddedServer::InProcessClient). Thread-safe.
  std::int64_t NewConnectionId();

  // Stops accepting, closes every connection, waits for running Handle calls to return and for
  // every OnDisconnect, then joins all threads. Idempotent; a stopped server cannot restart.
  // REQUIRES: not called from a RequestHandler callback.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tactus::docdb::server
