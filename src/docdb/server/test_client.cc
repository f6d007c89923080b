#include "docdb/server/test_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "docdb/wire/byte_order.h"
#include "docdb/wire/crc32c.h"

namespace tactus::docdb::server::testing {
namespace {

void Put32(std::string* out, std::uint32_t v) { wire::AppendLe32(out, v); }

std::int32_t Get32(const std::string& s, std::size_t offset) {
  return wire::LoadLeInt32(reinterpret_cast<const std::uint8_t*>(s.data()) + offset);
}

void PatchLength(std::string* out) {
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(out->data()),
                  static_cast<std::uint32_t>(out->size()));
}

}  // namespace

RawClient RawClient::Tcp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return RawClient(-1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return RawClient(fd);
}

RawClient RawClient::Unix(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return RawClient(-1);
  }
  return RawClient(fd);
}

RawClient::RawClient(RawClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RawClient& RawClient::operator=(RawClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

bool RawClient::Send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawClient::ReadExactly(char* out, std::size_t n, int timeout_ms) {
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready <= 0) return false;
    const ssize_t r = recv(fd_, out + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

std::optional<std::string> RawClient::ReadMessage(int timeout_ms) {
  std::string message(16, '\0');
  if (!ReadExactly(message.data(), 16, timeout_ms)) return std::nullopt;
  const std::int32_t length = Get32(message, 0);
  if (length < 16) return std::nullopt;
  message.resize(static_cast<std::size_t>(length));
  if (!ReadExactly(message.data() + 16, message.size() - 16, timeout_ms)) return std::nullopt;
  return message;
}

bool RawClient::WaitClosed(int timeout_ms) {
  char buf[4096];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    const ssize_t r = recv(fd_, buf, sizeof buf, 0);
    if (r == 0) return true;
    if (r < 0) return errno == ECONNRESET;
  }
}

bool RawClient::Silent(int ms) {
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, ms) == 0;
}

std::string MakeOpMsg(std::int32_t request_id, const bson_t* body, std::uint32_t flags) {
  std::string out;
  Put32(&out, 0);
  Put32(&out, static_cast<std::uint32_t>(request_id));
  Put32(&out, 0);
  Put32(&out, 2013);
  Put32(&out, flags);
  out.push_back('\0');
  out.append(reinterpret_cast<const char*>(bson_get_data(body)), body->len);
  const bool checksum = (flags & 1u) != 0;
  if (checksum) Put32(&out, 0);
  PatchLength(&out);
  if (checksum) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(out.data());
    wire::StoreLe32(bytes + out.size() - 4, wire::Crc32c(bytes, out.size() - 4));
  }
  return out;
}

std::string MakeOpQuery(std::int32_t request_id, const std::string& ns, const bson_t* query) {
  std::string out;
  Put32(&out, 0);
  Put32(&out, static_cast<std::uint32_t>(request_id));
  Put32(&out, 0);
  Put32(&out, 2004);
  Put32(&out, 0);
  out.append(ns);
  out.push_back('\0');
  Put32(&out, 0);
  Put32(&out, 0xFFFFFFFFu);
  out.append(reinterpret_cast<const char*>(bson_get_data(query)), query->len);
  PatchLength(&out);
  return out;
}

ParsedReply ParseReply(const std::string& bytes) {
  ParsedReply reply;
  if (bytes.size() < 20) return reply;
  reply.length = Get32(bytes, 0);
  reply.request_id = Get32(bytes, 4);
  reply.response_to = Get32(bytes, 8);
  reply.op_code = Get32(bytes, 12);
  reply.flags = static_cast<std::uint32_t>(Get32(bytes, 16));
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t doc_at = 0;
  std::size_t end = bytes.size();
  if (reply.op_code == 2013) {
    if (reply.flags & 1u) {
      end -= 4;
      reply.checksum_ok = wire::LoadLe32(data + end) == wire::Crc32c(data, end);
    }
    if (bytes.size() < 21 || bytes[20] != 0) return reply;
    doc_at = 21;
  } else if (reply.op_code == 1) {
    if (bytes.size() < 36) return reply;
    reply.number_returned = Get32(bytes, 32);
    doc_at = 36;
  } else {
    return reply;
  }
  if (end < doc_at + 5) return reply;
  const auto doc_len = static_cast<std::size_t>(Get32(bytes, doc_at));
  if (doc_len > end - doc_at) return reply;
  reply.doc = BsonFromBytes(data + doc_at, doc_len);
  return reply;
}

std::string Field(const bson_t* doc, const char* key) {
  bson_iter_t it;
  if (doc == nullptr || !bson_iter_init_find(&it, doc, key)) return "";
  bson_t wrapper = BSON_INITIALIZER;
  bson_append_value(&wrapper, "v", 1, bson_iter_value(&it));
  std::string json = ToJson(&wrapper);
  bson_destroy(&wrapper);
  // {"v" : X } -> X
  const std::size_t colon = json.find(':');
  std::string value = json.substr(colon + 2, json.size() - colon - 4);
  return value;
}

}  // namespace tactus::docdb::server::testing
