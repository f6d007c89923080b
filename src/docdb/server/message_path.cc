#include "docdb/server/message_path.h"

#include <atomic>
#include <exception>
#include <memory>
#include <utility>

#include "docdb/wire/message.h"
#include "docdb/wire/reply.h"

namespace tactus::docdb::server {
namespace {

BsonPtr InternalErrorBody(const std::string& message) {
  return wire::ErrorBody(MakeError(kInternalError, message));
}

FramedReply Frame(const wire::Request& request, std::int32_t reply_id, BsonPtr body) {
  if (body == nullptr) body = InternalErrorBody("the command handler returned no reply");
  FramedReply reply;
  if (request.opcode == wire::OpCode::kQuery) {
    reply.bytes = wire::BuildQueryReply(reply_id, request.request_id, *body);
  } else if (!request.more_to_come) {
    reply.bytes =
        wire::BuildMsgReply(reply_id, request.request_id, *body, request.checksum_present);
  }
  return reply;
}

}  // namespace

void ProcessMessage(const std::uint8_t* data, std::size_t len, std::int32_t reply_id,
                    RequestHandler& handler, ConnectionContext& connection,
                    std::function<void(FramedReply)> done) {
  auto parsed = wire::ParseMessage(data, len);
  if (!parsed.ok()) {
    // The caller read `len` bytes because the header announced them, so the header parses.
    return done(FramedReply{
        wire::BuildParseErrorReply(reply_id, wire::ParseHeader(data).value(), parsed.error()),
        true});
  }
  auto request = std::make_shared<wire::Request>(std::move(parsed).value());
  if (request->opcode == wire::OpCode::kQuery && !wire::IsHandshake(*request)) {
    return done(FramedReply{wire::BuildOpQueryUnsupportedReply(reply_id, request->request_id)});
  }
  // The request lives until the reply is framed; the reply is delivered exactly once, even
  // when a handler that throws had already replied.
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto reply = [once, request, reply_id, done = std::move(done)](BsonPtr body) {
    if (!once->exchange(true)) done(Frame(*request, reply_id, std::move(body)));
  };
  try {
    handler.HandleAsync(*request, connection, reply);
  } catch (const std::exception& e) {
    reply(InternalErrorBody(std::string("the command handler failed: ") + e.what()));
  }
}

}  // namespace tactus::docdb::server
