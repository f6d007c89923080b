// The HTTP/1.1 server of `tactus serve` (docs/api.md, "Transport").
//
// Asynchronous I/O on `io_threads` threads serves any number of connections (a connection costs
// its socket and buffers, not a thread); each complete request is handed to the Handler on a pool
// of `worker_threads` threads, because handlers make blocking MongoDB calls. A handler answers
// through its Responder, at once or later from any thread: a long poll keeps the Responder and
// returns, so it holds no worker while it waits.
//
// Protocol rules it enforces:
// - keep-alive by default (HTTP/1.1) and for HTTP/1.0 clients that ask for it; requests on one
//   connection are answered one at a time, in order, so pipelined requests are safe;
// - a body larger than max_body_bytes (by Content-Length, or as chunks arrive) gets 413 and the
//   connection closes; a header section larger than kMaxHeaderBytes gets 431 and closes;
// - a request that is not valid HTTP/1.1 gets 400 and the connection closes;
// - "Expect: 100-continue" gets "100 Continue" before the body is read (unless the body is refused
//   by its Content-Length, which gets 413 without reading it);
// - a connection idle for idle_timeout between requests, or whose request does not arrive within
//   idle_timeout, is closed; writing a response must finish within kWriteTimeout.
// Errors the transport produces itself have a JSON body {"__type": "<Code>", "message": "..."}
// in the AWS JSON protocol's shape, so SDK clients report them readably.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tactus::api {

// The largest request body accepted by default: 1 MiB. AWS Step Functions takes payloads of up to
// 256 KiB (execution input, task output) inside JSON that escapes them, and definitions of up to
// 1 MB; 1 MiB covers both with the encoding's overhead.
inline constexpr std::size_t kDefaultMaxBodyBytes = 1024 * 1024;
// The largest request line plus header fields: 16 KiB (SigV4 headers with a session token are
// about 2 KiB).
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// A response must be written within this time, or the connection is closed.
inline constexpr std::chrono::seconds kWriteTimeout{60};
// How long Stop() lets requests in flight finish before closing their connections.
inline constexpr std::chrono::milliseconds kDefaultStopGrace{10000};

struct HttpRequest {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // path and query, e.g. "/?a=b"
  std::string body;
  std::string remote_ip;
  // In arrival order, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  // HTTP version: 11 for HTTP/1.1, 10 for HTTP/1.0.
  int version = 11;

  // The value of the first header called `name` (compared case-insensitively), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
  // As FindHeader, with "" for a missing header.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";  // empty: no Content-Type header
  std::string body;
  // Extra headers. Content-Length and Connection are set by the server; do not add them.
  std::vector<std::pair<std::string, std::string>> headers;
  // Who the handler found the caller to be when the request was not signed (an
  // AssumeRoleWithWebIdentity token's issuer and subject), for the audit record; never sent.
  std::string principal;
};

// Sends the response to a request. Call it exactly once, from any thread; later calls are
// ignored. If every copy is destroyed without a call, the client gets 500 InternalFailure, so a
// request is never left unanswered. Calling it after the server stopped does nothing.
using Responder = std::function<void(HttpResponse)>;
// Runs on a worker thread for each request. May answer before returning or keep the Responder.
// An exception escaping it answers 500 InternalFailure (unless it answered already).
using Handler = std::function<void(HttpRequest, Responder)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 8083;  // 0 = any free port (see HttpServer::port())
  int io_threads = 2;
  int worker_threads = 32;
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  // Between requests on a keep-alive connection, and for one request to arrive in full.
  std::chrono::seconds idle_timeout{75};
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. Returns the running server, or: InvalidArgument for
  // an address that is not an IP address, a port outside 0-65535, io_threads or worker_threads
  // < 1, max_body_bytes 0, idle_timeout < 1 s or an empty handler; IoError when binding or
  // listening fails (the port is taken, ...), with nothing left running.
  static common::Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                           Handler handler);

  // Stops (see Stop).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the real one when options.port was 0). Thread-safe.
  int port() const;

  // Connections open now. Thread-safe; for tests and metrics.
  std::size_t connection_count() const;

  // Graceful stop: stops accepting, closes idle connections at once, lets requests in flight be
  // answered (with "Connection: close") for up to `grace`, then closes every connection, waits for
  // handler calls that are running to return and joins all threads. Responders still held
  // afterwards do nothing when called. Idempotent.
  // REQUIRES: not called from a Handler or from a thread that a Handler blocks on.
  void Stop(std::chrono::milliseconds grace = kDefaultStopGrace);

  class Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace tactus::api
