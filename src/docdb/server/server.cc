// All of docdb's Asio code lives in this one translation unit, to keep builds fast.
#include "docdb/server/server.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
// How long a worker that has just answered waits for the same client's next request before
// handing the connection back to the network thread. A client that sends its next command at
// once (a driver's loop, a cursor's getMores) is served by the same worker without a hand-off.
constexpr auto kLinger = std::chrono::microseconds(500);
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

  std::atomic<bool> stopping_{false};
  // Workers waiting for their client's next request (Connection::NextRequestArrives), and how
  // many may: the others stay free for the rest of the connections.
  std::atomic<int> lingering_{0};
  int max_lingering_ = 1;

  // Network thread only.
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
      : live_(impl), impl_(impl), socket_(std::move(socket)), context_(std::move(context)) {
    boost::system::error_code ec;
    protocol_ = socket_.local_endpoint(ec).protocol();
  }

  std::int64_t id() const { return context_.id; }

  void ReadHeader() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->OnHeader(ec);
                     });
  }

  // Network thread. Closes the socket; pending operations complete with an error and end the
  // connection. A connection a worker has is left to it: it comes back within kLinger of its
  // command's end and then ends (stopping_).
  void Close() {
    if (worker_owned_) return;
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

  // Network thread: the worker owns the connection until it hands it back (HandBack).
  void Dispatch() {
    worker_owned_ = true;
    // The descriptor leaves the network thread's epoll set while the worker has it: otherwise
    // every request the worker reads itself would also wake the network thread.
    boost::system::error_code ec;
    fd_ = socket_.release(ec);
    if (ec) return Finish();
    asio::post(*impl_.pool_, [self = shared_from_this()] { self->Work(); });
  }

  // Worker thread. Runs the message; when the handler answers at once, writes the reply itself
  // and waits a little for the client's next request on the socket, running it in turn: a busy
  // client is served without a thread hand-off per request (docs/docdb.md, "Thread model").
  // Everything else goes back to the network thread: a reply the socket cannot take at once, a
  // reply the handler gives later, a quiet client.
  void Work() {
    while (true) {
      // The handler answers during ProcessMessage (kept in `slot`) or later on another thread
      // (handed straight back to the network thread).
      struct Slot {
        std::mutex mu;
        bool returned = false;
        std::optional<FramedReply> reply;
      };
      auto slot = std::make_shared<Slot>();
      ProcessMessage(message_.data(), message_.size(), impl_.next_request_id_.fetch_add(1),
                     impl_.handler_, context_,
                     [self = shared_from_this(), slot](FramedReply reply) {
                       {
                         std::lock_guard lock(slot->mu);
                         if (!slot->returned) {
                           slot->reply = std::move(reply);
                           return;
                         }
                       }
                       self->HandBack(std::move(reply.bytes), reply.close_after);
                     });
      FramedReply reply;
      {
        std::lock_guard lock(slot->mu);
        slot->returned = true;
        if (!slot->reply) return;  // deferred: the handler's callback hands the reply back
        reply = std::move(*slot->reply);
      }
      if (message_.capacity() > kKeepBufferBytes) std::vector<std::uint8_t>().swap(message_);
      const int fd = fd_;
      std::size_t sent = 0;
      while (sent < reply.bytes.size()) {
        const ssize_t n = ::send(fd, reply.bytes.data() + sent, reply.bytes.size() - sent,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      if (sent < reply.bytes.size()) {
        // A full socket buffer (or an error, which the network thread's write then reports).
        return HandBack(reply.bytes.substr(sent), reply.close_after);
      }
      if (reply.close_after || impl_.stopping_ || !NextRequestArrives(fd)) {
        return HandBack(std::string(), reply.close_after);
      }
    }
  }

  // Worker thread: waits up to kLinger for the client's next request and reads it into message_
  // when it arrives whole; false (nothing read) otherwise, or when enough other workers are
  // already waiting so.
  bool NextRequestArrives(int fd) {
    const int lingering = impl_.lingering_.fetch_add(1);
    struct Leave {
      std::atomic<int>& count;
      ~Leave() { count.fetch_sub(1); }
    } leave{impl_.lingering_};
    if (lingering >= impl_.max_lingering_) return false;
    pollfd p{fd, POLLIN, 0};
    timespec linger{0, std::chrono::duration_cast<std::chrono::nanoseconds>(kLinger).count()};
    if (::ppoll(&p, 1, &linger, nullptr) != 1 || (p.revents & POLLIN) == 0) return false;
    std::array<std::uint8_t, wire::kHeaderBytes> header{};
    if (::recv(fd, header.data(), header.size(), MSG_PEEK | MSG_DONTWAIT) !=
        static_cast<ssize_t>(header.size())) {
      return false;
    }
    auto parsed = wire::ParseHeader(header.data());
    if (!parsed.ok()) return false;  // the network thread's read closes the connection
    const auto length = static_cast<std::size_t>(parsed.value().message_length);
    int available = 0;
    if (::ioctl(fd, FIONREAD, &available) != 0 || static_cast<std::size_t>(available) < length) {
      return false;  // not all there yet: the network thread reads it as it comes
    }
    message_.resize(length);
    std::size_t got = 0;
    while (got < length) {
      const ssize_t n = ::recv(fd, message_.data() + got, length - got, MSG_DONTWAIT);
      if (n <= 0) {
        // Cannot happen after FIONREAD; the message is lost, so the connection ends.
        message_.clear();
        ::shutdown(fd, SHUT_RD);
        return false;
      }
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Any thread: the network thread takes the connection back, writes `reply` (nothing for an
  // empty one) and reads the next request, or ends the connection.
  void HandBack(std::string reply, bool close_after) {
    asio::post(impl_.io_, [self = shared_from_this(), reply = std::move(reply),
                           close_after]() mutable {
      self->worker_owned_ = false;
      boost::system::error_code ec;
      self->socket_.assign(self->protocol_, self->fd_, ec);
      if (ec) {
        ::close(self->fd_);
        return self->Finish();
      }
      self->OnProcessed(std::move(reply), close_after);
    });
  }

  // Network thread.
  void OnProcessed(std::string reply, bool close_after) {
    if (message_.capacity() > kKeepBufferBytes) {
      std::vector<std::uint8_t>().swap(message_);
    }
    if (impl_.stopping_ || (reply.empty() && close_after)) return Finish();
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
  // Network thread: a worker has the socket (Dispatch until HandBack); Stop leaves it alone.
  bool worker_owned_ = false;
  // The descriptor while a worker has it, released from socket_ (Dispatch, HandBack).
  int fd_ = -1;
  Socket::protocol_type protocol_{AF_UNSPEC, 0};
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
  max_lingering_ = std::max(1, options_.worker_threads / 2);
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
