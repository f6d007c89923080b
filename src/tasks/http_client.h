// The HTTP client under the HTTP and Lambda tasks (internal to tasks/; docs/tasks.md, "HTTP
// tasks"): one request, one bounded response, on reused keep-alive connections. The only code
// that calls libcurl.
//
// Rules it enforces on every request: http and https only; TLS peer and host verification on;
// redirects are not followed (a 3xx is returned as is); the whole exchange must finish within
// the request's timeout, and connecting within kHttpConnectTimeoutSeconds of it; a response body
// larger than kMaxHttpResponseBytes, or a header section larger than kMaxHttpHeaderBytes, is
// abandoned (and its connection closed) as soon as the excess is known.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tactus::tasks::http_internal {

// The largest header section of a response kept: 64 KiB.
inline constexpr std::size_t kMaxHttpHeaderBytes = 64 * 1024;
// Idle connections (with their handles) kept for reuse; more are closed when returned.
inline constexpr std::size_t kMaxIdleHandles = 16;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD
  std::string url;     // absolute http:// or https:// URL
  Headers headers;     // sent in order; REQUIRES: no CR, LF or NUL in names or values
  std::optional<std::string> body;
  std::chrono::milliseconds timeout{60000};
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t max_body_bytes = 256 * 1024;
};

struct Response {
  int status = 0;
  std::string reason;  // the status line's reason phrase, or the standard one when it has none
  Headers headers;     // names as sent, in arrival order (of the final response)
  std::string body;
};

enum class Failure {
  kNone,
  kTimeout,   // no complete response within the timeout
  kConnect,   // could not resolve the host or connect to it
  kTooLarge,  // the body or the header section exceeded its limit
  kOther,     // TLS failure, connection reset, malformed response, ...
};

struct Exchange {
  Failure failure = Failure::kNone;
  std::string message;  // what went wrong, when failure != kNone
  Response response;    // when failure == kNone
};

// A pool of libcurl handles; each keeps its own connections alive between requests, so a
// thread that calls one host repeatedly reuses one connection.
//
// Thread-safe: Perform may run on any number of threads at once (one handle each).
class Client {
 public:
  Client();
  // REQUIRES: no Perform in progress.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs one request. Never throws; transport problems are reported in the Exchange.
  Exchange Perform(const Request& request);

  // Connections opened so far (reused ones are not counted again). For tests and metrics.
  std::size_t connections_opened() const { return connections_opened_.load(); }

 private:
  void* Acquire();
  void Release(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*, most recently used last
  std::atomic<std::size_t> connections_opened_{0};
};

// Checks that `url` is an absolute http:// or https:// URL with a host (no spaces, no control
// characters) and appends `query` (already percent-encoded; may be empty) to its query, after an
// '&' when it has one. Returns the URL, or "" with the reason in *error.
std::string BuildUrl(std::string_view url, std::string_view query, std::string* error);

// The standard reason phrase of an HTTP status code ("Not Found"), or "" for an unknown code.
std::string_view StandardReason(int status);

}  // namespace tactus::tasks::http_internal
