// All of docdb's Asio code lives in this one translation unit, to keep builds fast.
#include "docdb/server/server.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "docdb/server/message_path.h"
#include "docdb/wire/limits.h"
#include "docdb/wire/message.h"

namespace tactus::docdb::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using Socket = asio::generic::stream_protocol::socket;
using UnixProtocol = asio::local::stream_protocol;
using common::Status;

namespace {

// Buffers larger than this are released after each request, so idle connections stay small.
constexpr std::size_t kKeepBufferBytes = 64 * 1024;
// Message bodies are read in chunks of at most this size (see Connection::ReadBody).
constexpr std::size_t kReadChunkBytes = 1024 * 1024;
// A failed accept (EMFILE, ...) is retried after this pause instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// The soft RLIMIT_NOFILE when the hard limit is unlimited.
constexpr rlim_t kFallbackFileLimit = 1 << 20;

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? kFallbackFileLimit : limit.rlim_max;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    limit.rlim_cur = target;
    (void)setrlimit(RLIMIT_NOFILE, &limit);  // best effort: the old limit still works
  }
}

}  // namespace

class Connection;

class ServerCore {
 public:
  ServerCore(Server::Options options, RequestHandler& handler)
      : options_(std::move(options)), handler_(handler), retry_timer_(io_) {}

  Status Start();
  void Stop();
  int port() const { return port_.load(); }
  std::size_t connection_count() const {
    std::lock_guard<std::mutex> lock(live_mu_);
    return live_;
  }
  std::int64_t NewConnectionId() { return next_connection_id_.fetch_add(1); }

 private:
  friend class Connection;

  Status ListenTcp();
  Status ListenUnix();
  template <typename Acceptor>
  void Accept(Acceptor& acceptor);
  void Adopt(Socket socket, std::string peer, std::string local);
  void CloseAll();

  // Counts a Connection from construction to destruction, so Stop can wait for all of them.
  // Declared first in Connection, so it is destroyed after the socket.
  class LiveToken {
   public:
    explicit LiveToken(ServerCore& impl) : impl_(impl) {
      std::lock_guard<std::mutex> lock(impl_.live_mu_);
      ++impl_.live_;
    }
    ~LiveToken() {
      std::lock_guard<std::mutex> lock(impl_.live_mu_);
      if (--impl_.live_ == 0) impl_.live_cv_.notify_all();
    }
    LiveToken(const LiveToken&) = delete;
    LiveToken& operator=(const LiveToken&) = delete;

   private:
    ServerCore& impl_;
  };

  const Server::Options options_;
  RequestHandler& handler_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::thread io_thread_;
  std::optional<tcp::acceptor> tcp_;
  std::optional<UnixProtocol::acceptor> unix_;
  asio::steady_timer retry_timer_;
  std::string tcp_local_;
  std::atomic<int> port_{-1};
  std::atomic<std::int64_t> next_connection_id_{1};
  std::atomic<std::int32_t> next_request_id_{1};
  bool started_ = false;
  bool stopped_ = false;

  // Network thread only.
  bool stopping_ = false;
  std::unordered_map<std::int64_t, std::weak_ptr<Connection>> connections_;

  mutable std::mutex live_mu_;
  std::condition_variable live_cv_;
  std::size_t live_ = 0;
};

// One client. Its socket is used on the network thread only; the message buffer is handed to a
// worker and back through posts, so a connection is never touched by two threads at once.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& impl, Socket socket, ConnectionContext context)
      : live_(impl), impl_(impl), socket_(std::move(socket)), context_(std::move(context)) {}

  std::int64_t id() const { return context_.id; }

  void ReadHeader() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->OnHeader(ec);
                     });
  }

  // Closes the socket; pending operations complete with an error and end the connection.
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void OnHeader(boost::system::error_code ec) {
    if (ec || impl_.stopping_) return Finish();
    auto header = wire::ParseHeader(header_.data());
    if (!header.ok()) return Finish();  // unreadable length: nothing sensible to answer
    const auto length = static_cast<std::size_t>(header.value().message_length);
    message_.resize(wire::kHeaderBytes);
    std::memcpy(message_.data(), header_.data(), wire::kHeaderBytes);
    ReadBody(length);
  }

  // Reads the rest of a message of `length` bytes in chunks, growing the buffer only as bytes
  // arrive: a header that announces 48 MB and sends nothing costs nothing.
  void ReadBody(std::size_t length) {
    const std::size_t have = message_.size();
    if (have == length) return Dispatch();
    const std::size_t chunk = std::min(kReadChunkBytes, length - have);
    message_.resize(have + chunk);
    asio::async_read(
        socket_, asio::buffer(message_.data() + have, chunk),
        [self = shared_from_this(), length](boost::system::error_code ec, std::size_t) {
          if (ec || self->impl_.stopping_) return self->Finish();
          self->ReadBody(length);
        });
  }

  void Dispatch() {
    asio::post(*impl_.pool_, [self = shared_from_this()] { self->Process(); });
  }

  // Worker thread. The reply comes back to the network thread, from this worker or later from
  // whichever thread the handler answers on.
  void Process() {
    ProcessMessage(message_.data(), message_.size(), impl_.next_request_id_.fetch_add(1),
                   impl_.handler_, context_, [self = shared_from_this()](FramedReply reply) {
                     asio::post(self->impl_.io_, [self, reply = std::move(reply)]() mutable {
                       self->OnProcessed(std::move(reply.bytes), reply.close_after);
                     });
                   });
  }

  // Network thread.
  void OnProcessed(std::string reply, bool close_after) {
    if (message_.capacity() > kKeepBufferBytes) {
      std::vector<std::uint8_t>().swap(message_);
    }
    if (impl_.stopping_) return Finish();
    if (reply.empty()) return ReadHeader();  // moreToCome
    reply_ = std::move(reply);
    asio::async_write(
        socket_, asio::buffer(reply_),
        [self = shared_from_this(), close_after](boost::system::error_code ec, std::size_t) {
          std::string().swap(self->reply_);
          if (ec || close_after || self->impl_.stopping_) return self->Finish();
          self->ReadHeader();
        });
  }

  // Network thread. Ends the connection once: no Handle is running (the states that call
  // Finish are between requests), so OnDisconnect runs after the last one.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_both, ec);
    socket_.close(ec);
    impl_.connections_.erase(context_.id);
    asio::post(*impl_.pool_,
               [self = shared_from_this()] { self->impl_.handler_.OnDisconnect(self->context_); });
  }

  ServerCore::LiveToken live_;
  ServerCore& impl_;
  Socket socket_;
  ConnectionContext context_;
  std::array<std::uint8_t, wire::kHeaderBytes> header_{};
  std::vector<std::uint8_t> message_;
  std::string reply_;
  bool finished_ = false;
};

Status ServerCore::ListenTcp() {
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.bind_ip, ec);
  if (ec) return Status::InvalidArgument("bind_ip '" + options_.bind_ip + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  const std::string where = options_.bind_ip + ":" + std::to_string(options_.port);
  tcp_.emplace(io_);
  if (tcp_->open(endpoint.protocol(), ec) ||
      tcp_->set_option(asio::socket_base::reuse_address(true), ec) || tcp_->bind(endpoint, ec) ||
      tcp_->listen(asio::socket_base::max_listen_connections, ec)) {
    tcp_.reset();
    return Status::IoError("cannot listen on " + where + ": " + ec.message());
  }
  const tcp::endpoint bound = tcp_->local_endpoint(ec);
  port_ = bound.port();
  tcp_local_ = options_.bind_ip + ":" + std::to_string(bound.port());
  return Status::Ok();
}

Status ServerCore::ListenUnix() {
  const std::string& path = options_.unix_path;
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::InvalidArgument("unix socket path is too long (max " +
                                   std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                   " bytes): " + path);
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::IoError("cannot listen on " + path + ": it exists and is not a socket");
    }
    if (unlink(path.c_str()) != 0) {
      return Status::IoError("cannot remove the stale socket " + path + ": " +
                             std::strerror(errno));
    }
  }
  boost::system::error_code ec;
  unix_.emplace(io_);
  if (unix_->open(UnixProtocol(), ec) || unix_->bind(UnixProtocol::endpoint(path), ec)) {
    unix_.reset();
    return Status::IoError("cannot listen on " + path + ": " + ec.message());
  }
  if (chmod(path.c_str(), 0600) != 0 ||
      unix_->listen(asio::socket_base::max_listen_connections, ec)) {
    const std::string why = ec ? ec.message() : std::strerror(errno);
    unix_.reset();
    unlink(path.c_str());
    return Status::IoError("cannot listen on " + path + ": " + why);
  }
  return Status::Ok();
}

Status ServerCore::Start() {
  if (started_) return Status(common::StatusCode::kFailedPrecondition, "server already started");
  if (options_.port < 0 && options_.unix_path.empty()) {
    return Status::InvalidArgument("the server needs a TCP port or a Unix socket path");
  }
  if (options_.port > 65535) {
    return Status::InvalidArgument("port " + std::to_string(options_.port) + " is out of range");
  }
  if (options_.worker_threads < 1) return Status::InvalidArgument("worker_threads must be >= 1");
  RaiseFileLimit();
  if (options_.port >= 0) {
    Status status = ListenTcp();
    if (!status.ok()) return status;
  }
  if (!options_.unix_path.empty()) {
    Status status = ListenUnix();
    if (!status.ok()) {
      tcp_.reset();
      port_ = -1;
      return status;
    }
  }
  started_ = true;
  pool_ = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(options_.worker_threads));
  work_.emplace(io_.get_executor());
  asio::post(io_, [this] {
    if (tcp_) Accept(*tcp_);
    if (unix_) Accept(*unix_);
  });
  io_thread_ = std::thread([this] { io_.run(); });
  return Status::Ok();
}

template <typename Acceptor>
void ServerCore::Accept(Acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](boost::system::error_code ec,
                                          typename Acceptor::protocol_type::socket socket) {
    if (stopping_) return;
    if (ec) {
      // Usually EMFILE: pause, so the loop does not spin while descriptors are exhausted.
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([this, &acceptor](boost::system::error_code wait_ec) {
        if (!wait_ec && !stopping_) Accept(acceptor);
      });
      return;
    }
    boost::system::error_code peer_ec;
    const auto remote = socket.remote_endpoint(peer_ec);
    std::string peer, local;
    if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
      socket.set_option(tcp::no_delay(true), peer_ec);
      peer = remote.address().to_string() + ":" + std::to_string(remote.port());
      // The address this client actually reached (not a wildcard bind address such as
      // 0.0.0.0): hello reports it, and drivers that discover the set reconnect to it.
      const auto reached = socket.local_endpoint(peer_ec);
      local = peer_ec ? tcp_local_
                      : reached.address().to_string() + ":" + std::to_string(reached.port());
    } else {
      peer = "unix:" + options_.unix_path;
      local = options_.unix_path;
    }
    Adopt(Socket(std::move(socket)), std::move(peer), std::move(local));
    Accept(acceptor);
  });
}

void ServerCore::Adopt(Socket socket, std::string peer, std::string local) {
  if (connection_count() >= options_.max_connections) {
    boost::system::error_code ec;
    socket.close(ec);
    return;
  }
  ConnectionContext context;
  context.id = next_connection_id_.fetch_add(1);
  context.peer = std::move(peer);
  context.local = std::move(local);
  auto connection = std::make_shared<Connection>(*this, std::move(socket), std::move(context));
  connections_.emplace(connection->id(), connection);
  connection->ReadHeader();
}

void ServerCore::CloseAll() {
  stopping_ = true;
  boost::system::error_code ec;
  if (tcp_) tcp_->close(ec);
  if (unix_) unix_->close(ec);
  retry_timer_.cancel();
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) connection->Close();
  }
}

void ServerCore::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  std::promise<void> closed;
  asio::post(io_, [this, &closed] {
    CloseAll();
    closed.set_value();
  });
  // After CloseAll no connection is adopted, so the count below can only fall.
  closed.get_future().wait();
  {
    // Every connection ends: its pending read fails, or its running Handle returns and the
    // write is skipped; then OnDisconnect runs on the pool and the last reference goes.
    std::unique_lock<std::mutex> lock(live_mu_);
    live_cv_.wait(lock, [this] { return live_ == 0; });
  }
  work_.reset();
  io_.stop();
  io_thread_.join();
  pool_->join();
  tcp_.reset();
  unix_.reset();
  if (!options_.unix_path.empty()) unlink(options_.unix_path.c_str());
  port_ = -1;
}

class Server::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

Server::Server(Options options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }

int Server::port() const { return impl_->port(); }

std::size_t Server::connection_count() const { return impl_->connection_count(); }

std::int64_t Server::NewConnectionId() { return impl_->NewConnectionId(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace tactus::docdb::server
