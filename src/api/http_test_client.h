// A blocking HTTP/1.1 client on POSIX sockets for tests of the API server: it sends raw bytes and
// reads responses (Content-Length bodies only), so tests can also send malformed input.
//
// Not thread-safe: one TestHttpConnection per thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tactus::api {

struct TestHttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// "POST <target> HTTP/1.1" with Host, Content-Length and the extra header lines ("Name: value").
std::string MakeRawRequest(std::string_view method, std::string_view target, std::string_view body,
                           const std::vector<std::string>& extra_headers = {});

class TestHttpConnection {
 public:
  // Connects to 127.0.0.1:port; ok() tells whether it worked.
  explicit TestHttpConnection(int port);
  ~TestHttpConnection();
  TestHttpConnection(const TestHttpConnection&) = delete;
  TestHttpConnection& operator=(const TestHttpConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  // Reads one response; nullopt when the peer closed, on a malformed response or on timeout.
  std::optional<TestHttpResponse> Read(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads a raw line-terminated block ending in "\r\n\r\n" (for "100 Continue").
  std::optional<std::string> ReadHead(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the peer closes the connection (read returns 0 or a reset) within `timeout`
  // without sending more bytes.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Close();

 private:
  // Appends at least one byte to buffer_; false on EOF, error or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tactus::api
