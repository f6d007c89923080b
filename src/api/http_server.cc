// All of the API's Beast and Asio code lives in this one translation unit, to keep builds fast.
//
// Threads: `io_threads` run one io_context; every connection owns a strand, so its state is only
// touched by one thread at a time. A complete request is handed to the worker pool; the
// handler's Responder posts the response back to the connection's strand. Nothing blocks on the
// I/O threads.
//
// Lifetime: the server's registry owns every open connection; handlers in flight own it too.
// Responders hold only a weak reference plus the server's Gate, so a Responder that outlives
// the connection or the whole server does nothing instead of touching freed memory.
#include "api/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "common/json.h"
#include "common/random.h"

namespace tactus::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using common::Result;
using common::Status;

namespace {

// After refusing a request (413, 431, 400) the server reads and discards what the client still
// sends for at most this long before closing, so the client reads the refusal instead of a reset.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// A failed accept (EMFILE, ...) is retried after this pause instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// Read buffers larger than this are released after a request, so idle connections stay small.
constexpr std::size_t kKeepBufferBytes = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local common::SystemRandom random;
  return random.Uuid4();
}

// An error made by the transport itself, in AWS's JSON error shape.
HttpResponse TransportError(int status, std::string_view code, std::string_view message) {
  boost::json::object body;
  body["__type"] = code;
  body["message"] = message;
  HttpResponse response;
  response.status = status;
  response.body = common::SerializeJson(body);
  response.headers.emplace_back("x-amzn-RequestId", NewRequestId());
  return response;
}

// Lets Responders reach the server only while it runs. Responders hold it shared; Stop closes it
// exclusively before the I/O context goes away.
struct Gate {
  std::shared_mutex mu;
  bool open = true;
};

}  // namespace

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  const std::string* value = FindHeader(name);
  return value == nullptr ? std::string_view() : std::string_view(*value);
}

class Connection;
class ResponseSlot;

class ServerCore {
 public:
  ServerCore(HttpServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        io_(options_.io_threads),
        acceptor_(asio::make_strand(io_)),
        retry_timer_(acceptor_.get_executor()) {}

  Status Listen();
  void Run();
  void Stop(std::chrono::milliseconds grace);
  int port() const { return port_; }
  std::size_t connection_count() {
    std::lock_guard<std::mutex> lock(connections_mu_);
    return connections_.size();
  }

 private:
  friend class Connection;

  void Accept();
  void Adopt(tcp::socket socket);
  void Forget(Connection* connection);
  // Worker pool: runs the handler for one request.
  void Dispatch(HttpRequest request, std::shared_ptr<ResponseSlot> slot);
  void RequestDone();
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  std::vector<std::shared_ptr<Connection>> Snapshot();

  const HttpServerOptions options_;
  const Handler handler_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::vector<std::thread> io_threads_;
  std::unique_ptr<asio::thread_pool> pool_;
  const std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  int port_ = -1;
  std::atomic<bool> stopping_{false};

  std::mutex stop_mu_;
  bool stopped_ = false;

  std::mutex connections_mu_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;

  // Requests handed to a handler whose response is not yet written.
  std::mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  std::size_t inflight_ = 0;
  // Connections Stop has asked to close if idle that have not looked yet (guarded as inflight_):
  // Stop waits for them too, so a request that completes just as the stop begins is answered.
  std::size_t unchecked_ = 0;
};

// One client connection. Every member function runs on the connection's strand, except
// PostResponse and PostStopIfIdle, which hop onto it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& server, tcp::socket socket, std::string remote_ip)
      : server_(server), stream_(std::move(socket)), remote_ip_(std::move(remote_ip)) {}

  void PostStart() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }
  void PostResponse(HttpResponse response) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), response = std::move(response)]() mutable {
                 self->WriteResponse(std::move(response));
               });
  }
  void PostStopIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::kReading) self->Finish();
      std::lock_guard<std::mutex> lock(self->server_.inflight_mu_);
      if (--self->server_.unchecked_ == 0) self->server_.inflight_cv_.notify_all();
    });
  }
  // REQUIRES: no thread runs the I/O context (Stop, after joining them).
  void CloseNow() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

 private:
  enum class Phase { kReading, kBusy, kClosed };

  void ReadRequest() {
    if (server_.stopping()) return Finish();
    phase_ = Phase::kReading;
    if (buffer_.capacity() > kKeepBufferBytes && buffer_.size() == 0) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    parser_->body_limit(server_.options_.max_body_bytes);
    stream_.expires_after(server_.options_.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return Dispatch();
    const auto& message = parser_->get();
    if (message.version() == 11 && EqualsIgnoreCase(message[http::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return self->Finish();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Refuse(413, "RequestEntityTooLargeException",
                    "The request body is larger than the limit of " +
                        std::to_string(server_.options_.max_body_bytes) + " bytes.");
    }
    if (ec == http::error::header_limit) {
      return Refuse(431, "RequestHeaderFieldsTooLarge",
                    "The request line and headers are larger than the limit of " +
                        std::to_string(kMaxHeaderBytes) + " bytes.");
    }
    // A client that went away (or timed out, or a stop) gets nothing: there is no one to read.
    if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message ||
        server_.stopping()) {
      return Finish();
    }
    Refuse(400, "MalformedHttpRequestException", "Malformed HTTP request: " + ec.message() + ".");
  }

  void Dispatch();

  void WriteResponse(HttpResponse response) {
    if (phase_ != Phase::kBusy) {
      server_.RequestDone();
      return;
    }
    const bool keep_alive = keep_alive_ && !server_.stopping();
    Write(std::move(response), keep_alive, [self = shared_from_this(), keep_alive](bool ok) {
      self->server_.RequestDone();
      if (!ok || !keep_alive) return self->Finish();
      self->ReadRequest();
    });
  }

  // Answers a request that will not reach the handler, then closes.
  void Refuse(int status, std::string_view code, std::string message) {
    phase_ = Phase::kBusy;
    version_ = 11;
    parser_.reset();
    Write(TransportError(status, code, message), false, [self = shared_from_this()](bool ok) {
      if (!ok) return self->Finish();
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      self->stream_.expires_after(kLingerTimeout);
      self->Drain();
    });
  }

  // Discards input until the client closes or kLingerTimeout passes.
  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->Finish();
                              self->Drain();
                            });
  }

  template <typename Done>
  void Write(HttpResponse response, bool keep_alive, Done done) {
    response_ = {};
    response_.version(version_);
    const int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
    response_.result(static_cast<unsigned>(status));
    if (!response.content_type.empty()) {
      response_.set(http::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) response_.insert(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), done = std::move(done)](
                          beast::error_code ec, std::size_t) mutable { done(!ec); });
  }

  void Finish() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_.Forget(this);
  }

  ServerCore& server_;
  beast::tcp_stream stream_;
  const std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> scratch_{};
  Phase phase_ = Phase::kReading;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

// The shared state of one request's Responder copies.
class ResponseSlot {
 public:
  ResponseSlot(std::shared_ptr<Gate> gate, std::weak_ptr<Connection> connection)
      : gate_(std::move(gate)), connection_(std::move(connection)) {}
  ~ResponseSlot() {
    if (!answered_.exchange(true)) {
      Deliver(TransportError(500, "InternalFailure", "The server did not answer the request."));
    }
  }
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;

  void Answer(HttpResponse response) {
    if (answered_.exchange(true)) return;
    Deliver(std::move(response));
  }

 private:
  void Deliver(HttpResponse response) {
    std::shared_lock<std::shared_mutex> lock(gate_->mu);
    if (!gate_->open) return;
    // The strong reference dies inside the lock, so a Connection never outlives the I/O context.
    if (auto connection = connection_.lock()) connection->PostResponse(std::move(response));
  }

  const std::shared_ptr<Gate> gate_;
  const std::weak_ptr<Connection> connection_;
  std::atomic<bool> answered_{false};
};

void Connection::Dispatch() {
  stream_.expires_never();
  phase_ = Phase::kBusy;
  auto& message = parser_->get();
  keep_alive_ = message.keep_alive();
  version_ = message.version();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.body = std::move(message.body());
  request.remote_ip = remote_ip_;
  request.version = static_cast<int>(version_);
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  parser_.reset();
  {
    std::lock_guard<std::mutex> lock(server_.inflight_mu_);
    ++server_.inflight_;
  }
  server_.Dispatch(std::move(request),
                   std::make_shared<ResponseSlot>(server_.gate_, weak_from_this()));
}

Status ServerCore::Listen() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return Status::InvalidArgument("HttpServerOptions.address: '" + options_.address +
                                   "' is not an IPv4 or IPv6 address");
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  const auto fail = [&](std::string_view what) {
    return Status::IoError("cannot " + std::string(what) + " " + options_.address + ":" +
                           std::to_string(options_.port) + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open a socket for");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("configure");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail("read the port of");
  return Status::Ok();
}

void ServerCore::Run() {
  pool_ = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(options_.worker_threads));
  work_.emplace(io_.get_executor());
  asio::post(acceptor_.get_executor(), [this] { Accept(); });
  for (int i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { io_.run(); });
}

void ServerCore::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping() || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors or similar: pause, then try again.
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    Adopt(std::move(socket));
    Accept();
  });
}

void ServerCore::Adopt(tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // small responses must not wait for Nagle
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  auto connection =
      std::make_shared<Connection>(*this, std::move(socket), remote.address().to_string());
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    connections_.emplace(connection.get(), connection);
  }
  connection->PostStart();
}

void ServerCore::Forget(Connection* connection) {
  std::shared_ptr<Connection> last;  // released outside the lock
  std::lock_guard<std::mutex> lock(connections_mu_);
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  last = std::move(it->second);
  connections_.erase(it);
}

std::vector<std::shared_ptr<Connection>> ServerCore::Snapshot() {
  std::lock_guard<std::mutex> lock(connections_mu_);
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (const auto& entry : connections_) all.push_back(entry.second);
  return all;
}

void ServerCore::Dispatch(HttpRequest request, std::shared_ptr<ResponseSlot> slot) {
  asio::post(*pool_, [this, request = std::move(request), slot = std::move(slot)]() mutable {
    Responder responder = [slot = std::move(slot)](HttpResponse response) {
      slot->Answer(std::move(response));
    };
    try {
      handler_(std::move(request), std::move(responder));
    } catch (...) {  // NOLINT: documented; the unanswered Responder turns into a 500
    }
  });
}

void ServerCore::RequestDone() {
  std::lock_guard<std::mutex> lock(inflight_mu_);
  if (--inflight_ == 0 && unchecked_ == 0) inflight_cv_.notify_all();
}

void ServerCore::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  stopping_.store(true);
  if (!io_threads_.empty()) {
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      retry_timer_.cancel();
    });
    const auto connections = Snapshot();
    {
      std::lock_guard<std::mutex> lock(inflight_mu_);
      unchecked_ = connections.size();
    }
    for (const auto& connection : connections) connection->PostStopIfIdle();
    std::unique_lock<std::mutex> lock(inflight_mu_);
    inflight_cv_.wait_until(lock, deadline, [this] { return inflight_ == 0 && unchecked_ == 0; });
  }
  {
    std::unique_lock<std::shared_mutex> lock(gate_->mu);
    gate_->open = false;
  }
  work_.reset();
  io_.stop();
  for (auto& thread : io_threads_) thread.join();
  io_threads_.clear();
  if (pool_) {
    pool_->stop();
    pool_->join();
  }
  beast::error_code ec;
  acceptor_.close(ec);
  for (const auto& connection : Snapshot()) connection->CloseNow();
  std::lock_guard<std::mutex> lock(connections_mu_);
  connections_.clear();
}

class HttpServer::Impl final : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, Handler handler) {
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("HttpServerOptions.port: " + std::to_string(options.port) +
                                   " is outside 0..65535");
  }
  if (options.io_threads < 1) {
    return Status::InvalidArgument("HttpServerOptions.io_threads: must be at least 1, got " +
                                   std::to_string(options.io_threads));
  }
  if (options.worker_threads < 1) {
    return Status::InvalidArgument("HttpServerOptions.worker_threads: must be at least 1, got " +
                                   std::to_string(options.worker_threads));
  }
  if (options.max_body_bytes == 0) {
    return Status::InvalidArgument("HttpServerOptions.max_body_bytes: must be at least 1");
  }
  if (options.idle_timeout.count() < 1) {
    return Status::InvalidArgument("HttpServerOptions.idle_timeout: must be at least 1 second");
  }
  if (!handler) return Status::InvalidArgument("HttpServer::Start: the handler is empty");
  auto impl = std::make_shared<Impl>(std::move(options), std::move(handler));
  if (Status status = impl->Listen(); !status.ok()) return status;
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(kDefaultStopGrace); }

std::size_t HttpServer::connection_count() const { return impl_->connection_count(); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

}  // namespace tactus::api
