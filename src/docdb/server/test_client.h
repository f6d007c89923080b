// Test support: a blocking raw-socket client and hand-built wire messages, so server tests
// check the bytes on the wire independently of wire/'s builders.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "docdb/bson_util.h"

namespace tactus::docdb::server::testing {

class RawClient {
 public:
  // Connected clients; fd() < 0 when the connection failed.
  static RawClient Tcp(int port);
  static RawClient Unix(const std::string& path);

  RawClient(RawClient&& other) noexcept;
  RawClient& operator=(RawClient&& other) noexcept;
  ~RawClient();

  int fd() const { return fd_; }
  bool Send(const std::string& bytes);
  // One whole message (header included); nullopt on EOF, error or after `timeout_ms`.
  std::optional<std::string> ReadMessage(int timeout_ms = 5000);
  // True when the server closes the connection (EOF or reset) within `timeout_ms`.
  bool WaitClosed(int timeout_ms = 5000);
  // True when nothing arrives for `ms` and the connection is still open.
  bool Silent(int ms);

 private:
  explicit RawClient(int fd) : fd_(fd) {}
  bool ReadExactly(char* out, std::size_t n, int timeout_ms);
  int fd_ = -1;
};

// OP_MSG with one kind-0 section; a valid CRC-32C is appended when flags has bit 0.
std::string MakeOpMsg(std::int32_t request_id, const bson_t* body, std::uint32_t flags = 0);
// OP_QUERY on `ns` with numberToReturn -1.
std::string MakeOpQuery(std::int32_t request_id, const std::string& ns, const bson_t* query);

struct ParsedReply {
  std::int32_t length = 0, request_id = 0, response_to = 0, op_code = 0;
  std::uint32_t flags = 0;           // OP_MSG flagBits or OP_REPLY responseFlags
  std::int32_t number_returned = 0;  // OP_REPLY only
  bool checksum_ok = true;           // OP_MSG with checksumPresent: does it verify
  BsonPtr doc;                       // the kind-0 body or the first OP_REPLY document
};
// Decodes an OP_MSG or OP_REPLY; doc is null when it cannot be found.
ParsedReply ParseReply(const std::string& bytes);

// The value of a top-level field as relaxed Extended JSON ("" when missing), for EXPECTs.
std::string Field(const bson_t* doc, const char* key);

}  // namespace tactus::docdb::server::testing
