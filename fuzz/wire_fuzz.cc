// Parses arbitrary bytes as a wire-protocol message and, when they parse, frames replies from
// the result. Catches crashes, sanitizer reports and stack exhaustion in docdb/wire.
//
// The input is tried three ways: as a whole message (header included), and as the body of an
// OP_MSG and of an OP_QUERY behind a header whose length is correct, so that random bytes reach
// the section and document parsers instead of stopping at the length check.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "docdb/wire/byte_order.h"
#include "docdb/wire/message.h"
#include "docdb/wire/reply.h"

namespace {

namespace wire = tactus::docdb::wire;

void Exercise(const std::uint8_t* data, std::size_t size) {
  if (size >= wire::kHeaderBytes) (void)wire::ParseHeader(data);
  auto parsed = wire::ParseMessage(data, size);
  if (!parsed.ok()) {
    if (size >= wire::kHeaderBytes) {
      auto header = wire::ParseHeader(data);
      if (header.ok()) (void)wire::BuildParseErrorReply(1, header.value(), parsed.error());
    }
    return;
  }
  const wire::Request& request = parsed.value();
  if (request.command == nullptr) __builtin_trap();  // a parsed request always has a command
  if (request.opcode == wire::OpCode::kMsg && request.db.empty()) __builtin_trap();
  (void)wire::CommandName(request);
  if (request.opcode == wire::OpCode::kQuery) {
    if (wire::IsHandshake(request)) {
      (void)wire::BuildQueryReply(2, request.request_id, *request.command);
    } else {
      (void)wire::BuildOpQueryUnsupportedReply(2, request.request_id);
    }
    return;
  }
  const std::string reply =
      wire::BuildMsgReply(2, request.request_id, *request.command, request.checksum_present);
  (void)wire::ParseMessage(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size());
}

void WithHeader(const std::uint8_t* data, std::size_t size, wire::OpCode op_code) {
  if (size > static_cast<std::size_t>(wire::kMaxMessageBytes) - wire::kHeaderBytes) return;
  std::vector<std::uint8_t> message(wire::kHeaderBytes + size);
  wire::StoreLe32(message.data(), static_cast<std::uint32_t>(message.size()));
  wire::StoreLe32(message.data() + 4, 1);
  wire::StoreLe32(message.data() + 8, 0);
  wire::StoreLe32(message.data() + 12, static_cast<std::uint32_t>(op_code));
  if (size > 0) std::copy(data, data + size, message.begin() + wire::kHeaderBytes);
  Exercise(message.data(), message.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Exercise(data, size);
  WithHeader(data, size, wire::OpCode::kMsg);
  WithHeader(data, size, wire::OpCode::kQuery);
  return 0;
}
