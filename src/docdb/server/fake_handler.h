// Test support: a RequestHandler that answers hello/isMaster with BuildHelloReply and every
// other command with {ok: 1, echo: <command name>, db, connectionId, seq}, where seq counts the
// requests of the connection (kept in ConnectionContext::user).
//
// Special commands: {throw: 1} throws; {null: 1} returns nullptr; {sleep: <ms>} sleeps first;
// {big: <n>} adds a string field `big` of n bytes to the reply.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "docdb/server/request_handler.h"

namespace tactus::docdb::server::testing {

class FakeHandler : public RequestHandler {
 public:
  BsonPtr Handle(const wire::Request& request, ConnectionContext& connection) override;
  void OnDisconnect(ConnectionContext& connection) override;

  int calls() const { return calls_.load(); }
  int disconnects() const { return disconnects_.load(); }
  // Requests that arrived as the OP_QUERY handshake.
  int query_handshakes() const { return query_handshakes_.load(); }
  std::string last_command() const;
  std::string last_peer() const;

 private:
  std::atomic<int> calls_{0};
  std::atomic<int> disconnects_{0};
  std::atomic<int> query_handshakes_{0};
  mutable std::mutex mu_;
  std::string last_command_;
  std::string last_peer_;
};

}  // namespace tactus::docdb::server::testing
