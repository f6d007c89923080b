#include "docdb/server/fake_handler.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "docdb/server/hello.h"

namespace tactus::docdb::server::testing {

BsonPtr FakeHandler::Handle(const wire::Request& request, ConnectionContext& connection) {
  ++calls_;
  if (request.opcode == wire::OpCode::kQuery) ++query_handshakes_;
  const std::string name = wire::CommandName(request);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_command_ = name;
    last_peer_ = connection.peer;
  }
  if (connection.user == nullptr) connection.user = new int(0);
  int& seq = *static_cast<int*>(connection.user);
  ++seq;

  if (name == "hello" || name == "isMaster" || name == "ismaster") {
    HelloInfo info;
    info.legacy = name != "hello";
    info.connection_id = connection.id;
    info.me = connection.local;
    info.local_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    return BuildHelloReply(info);
  }
  if (name == "throw") throw std::runtime_error("boom");
  if (name == "null") return nullptr;
  bson_iter_t it;
  if (name == "sleep" && bson_iter_init_find(&it, request.command.get(), "sleep")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(bson_iter_as_int64(&it)));
  }
  BsonPtr reply = NewBson();
  BSON_APPEND_DOUBLE(reply.get(), "ok", 1.0);
  BSON_APPEND_UTF8(reply.get(), "echo", name.c_str());
  BSON_APPEND_UTF8(reply.get(), "db", request.db.c_str());
  BSON_APPEND_INT64(reply.get(), "connectionId", connection.id);
  BSON_APPEND_INT32(reply.get(), "seq", seq);
  if (name == "big" && bson_iter_init_find(&it, request.command.get(), "big")) {
    const std::string big(static_cast<std::size_t>(bson_iter_as_int64(&it)), 'b');
    BSON_APPEND_UTF8(reply.get(), "big", big.c_str());
  }
  return reply;
}

void FakeHandler::OnDisconnect(ConnectionContext& connection) {
  delete static_cast<int*>(connection.user);
  connection.user = nullptr;
  ++disconnects_;
}

std::string FakeHandler::last_command() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_command_;
}

std::string FakeHandler::last_peer() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_peer_;
}

}  // namespace tactus::docdb::server::testing
