#include "docdb/embedded_server.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "docdb/commands/await_scheduler.h"
#include "docdb/commands/dispatcher.h"
#include "docdb/commands/ttl_monitor.h"
#include "docdb/server/message_path.h"
#include "docdb/server/server.h"
#include "docdb/wire/message.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb {
namespace {

// Connects the network server to the command dispatcher.
class DispatchingHandler final : public server::RequestHandler {
 public:
  DispatchingHandler(commands::Dispatcher& dispatcher, commands::AwaitScheduler& scheduler)
      : dispatcher_(dispatcher), scheduler_(scheduler) {}

  BsonPtr Handle(const wire::Request& request, server::ConnectionContext& connection) override {
    return dispatcher_.Run(request.db, request.command.get(), connection.id, connection.peer,
                           connection.local);
  }

  // A change stream's getMore with nothing to return yet is parked in the scheduler instead of
  // blocking this worker, and runs again after the next oplog commit or at its deadline.
  void HandleAsync(const wire::Request& request, server::ConnectionContext& connection,
                   ReplyFn reply) override {
    commands::AwaitRequest await;
    BsonPtr body = dispatcher_.Run(request.db, request.command.get(), connection.id,
                                   connection.peer, connection.local, &await);
    if (!await.wanted) return reply(std::move(body));
    scheduler_.Add(await.oplog_version, await.deadline_ms,
                   [this, &request, &connection, reply = std::move(reply)](bool stopping) {
                     if (stopping) {
                       return reply(commands::ErrorReply(
                           MakeError(91, "The store is shutting down; resume the change "
                                         "stream from its last token")));
                     }
                     HandleAsync(request, connection, reply);
                   });
  }

  void OnDisconnect(server::ConnectionContext& connection) override {
    dispatcher_.OnDisconnect(connection.id);
  }

 private:
  commands::Dispatcher& dispatcher_;
  commands::AwaitScheduler& scheduler_;
};

// Trims the oplog every interval until stopped.
class OplogTrimmer {
 public:
  OplogTrimmer(storage::Store& store, storage::OplogRetention retention, std::int64_t interval_ms)
      : store_(store), retention_(retention), interval_ms_(interval_ms) {
    if (interval_ms_ > 0) thread_ = std::thread([this] { Loop(); });
  }
  ~OplogTrimmer() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  DbResult<std::int64_t> TrimOnce() {
    std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return store_.TrimOplog(retention_, now);
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopped_; })) {
      lock.unlock();
      (void)TrimOnce();  // a failed pass (a busy lock) is retried at the next interval
      lock.lock();
    }
  }

  storage::Store& store_;
  storage::OplogRetention retention_;
  std::int64_t interval_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

struct EmbeddedServer::Impl {
  Options options;
  std::unique_ptr<storage::Store> store;
  common::SystemClock clock;
  commands::TtlMetrics ttl_metrics;
  std::unique_ptr<commands::Dispatcher> dispatcher;
  std::unique_ptr<commands::AwaitScheduler> await_scheduler;
  std::unique_ptr<DispatchingHandler> handler;
  std::unique_ptr<server::Server> server;
  // Last: destroyed (stopped) first, while the store is still open.
  std::unique_ptr<commands::TtlMonitor> ttl_monitor;
  std::unique_ptr<OplogTrimmer> oplog_trimmer;
};

common::Result<std::unique_ptr<EmbeddedServer>> EmbeddedServer::Start(const Options& options) {
  if (options.ttl_monitor_seconds < 0) {
    return common::Status::InvalidArgument("ttl_monitor_seconds must be >= 0 (0: no monitor)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  storage::Store::Options store_options;
  store_options.durable = options.durable;
  auto store = storage::Store::Open(options.dbpath, store_options);
  if (!store.ok()) {
    return common::Status::FailedPrecondition("cannot open the data directory '" + options.dbpath +
                                              "': " + store.error().message);
  }
  impl->store = std::move(store).value();
  commands::ServerInfo info;
  info.dbpath = options.dbpath;
  info.auth = options.auth;
  info.ttl = &impl->ttl_metrics;
  info.host = options.bind_ip + ":" + std::to_string(options.port);
  impl->dispatcher = std::make_unique<commands::Dispatcher>(*impl->store, info);
  if (options.oplog_max_entries < 1 || options.oplog_max_age_seconds < 1 ||
      options.oplog_trim_interval_ms < 0) {
    return common::Status::InvalidArgument(
        "oplog retention must keep at least 1 entry for at least 1 second, and the trim "
        "interval must be >= 0");
  }
  impl->await_scheduler = std::make_unique<commands::AwaitScheduler>(*impl->store);
  impl->handler = std::make_unique<DispatchingHandler>(*impl->dispatcher, *impl->await_scheduler);
  server::Server::Options server_options;
  server_options.bind_ip = options.bind_ip;
  server_options.port = options.port;
  server_options.unix_path = options.unix_path;
  server_options.worker_threads = options.worker_threads;
  impl->server = std::make_unique<server::Server>(server_options, *impl->handler);
  auto started = impl->server->Start();
  if (!started.ok()) return started;
  commands::TtlMonitor::Options ttl_options;
  if (options.ttl_monitor_seconds > 0) {
    ttl_options.interval_ms = static_cast<std::int64_t>(options.ttl_monitor_seconds) * 1000;
  }
  impl->ttl_monitor = std::make_unique<commands::TtlMonitor>(*impl->store, impl->clock,
                                                             impl->ttl_metrics, ttl_options);
  if (options.ttl_monitor_seconds > 0) impl->ttl_monitor->Start();
  storage::OplogRetention retention;
  retention.max_entries = options.oplog_max_entries;
  retention.max_age_ms = options.oplog_max_age_seconds * 1000;
  impl->oplog_trimmer = std::make_unique<OplogTrimmer>(*impl->store, retention,
                                                       options.oplog_trim_interval_ms);
  return std::unique_ptr<EmbeddedServer>(new EmbeddedServer(std::move(impl)));
}

EmbeddedServer::EmbeddedServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EmbeddedServer::~EmbeddedServer() { Stop(); }

int EmbeddedServer::port() const { return impl_->server->port(); }

std::string EmbeddedServer::uri() const {
  if (!impl_->options.unix_path.empty()) {
    std::string escaped;
    for (char c : impl_->options.unix_path) {
      if (c == '/') {
        escaped += "%2F";
      } else {
        escaped += c;
      }
    }
    return "mongodb://" + escaped;
  }
  return "mongodb://" + impl_->options.bind_ip + ":" + std::to_string(port()) +
         "/?directConnection=true";
}

void EmbeddedServer::Stop() {
  if (impl_->oplog_trimmer) impl_->oplog_trimmer->Stop();
  if (impl_->ttl_monitor) impl_->ttl_monitor->Stop();
  // Parked getMores answer (InterruptedAtShutdown) before the server waits for connections.
  if (impl_->await_scheduler) impl_->await_scheduler->Stop();
  if (impl_->server) impl_->server->Stop();
}

struct EmbeddedServer::InProcessClient::State {
  server::RequestHandler* handler = nullptr;
  server::ConnectionContext connection;
  std::int32_t next_reply_id = 1;
  std::mutex mu;
  std::condition_variable cv;
};

EmbeddedServer::InProcessClient::InProcessClient(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

EmbeddedServer::InProcessClient::~InProcessClient() {
  state_->handler->OnDisconnect(state_->connection);
}

std::string EmbeddedServer::InProcessClient::Call(const std::uint8_t* message, std::size_t len) {
  State& s = *state_;
  const auto header = wire::ParseHeader(message);
  if (!header.ok() || static_cast<std::size_t>(header.value().message_length) != len) {
    // What a socket connection does with a header it cannot frame: nothing, it closes.
    return {};
  }
  std::optional<std::string> reply;
  server::ProcessMessage(message, len, s.next_reply_id++, *s.handler, s.connection,
                         [&s, &reply](server::FramedReply framed) {
                           std::lock_guard lock(s.mu);
                           reply = std::move(framed.bytes);
                           s.cv.notify_one();
                         });
  std::unique_lock lock(s.mu);
  s.cv.wait(lock, [&reply] { return reply.has_value(); });
  return std::move(*reply);
}

std::unique_ptr<EmbeddedServer::InProcessClient> EmbeddedServer::ConnectInProcess() {
  auto state = std::make_unique<InProcessClient::State>();
  state->handler = impl_->handler.get();
  state->connection.id = impl_->server->NewConnectionId();
  state->connection.peer = "in-process";
  state->connection.local = "in-process";
  return std::unique_ptr<InProcessClient>(new InProcessClient(std::move(state)));
}

common::Result<std::int64_t> EmbeddedServer::RunTtlMonitorOnce() {
  auto deleted = impl_->ttl_monitor->RunOnce();
  if (!deleted.ok()) return common::Status::Internal("TTL pass failed: " + deleted.error().message);
  return deleted.value();
}

common::Result<std::int64_t> EmbeddedServer::TrimOplogOnce() {
  auto trimmed = impl_->oplog_trimmer->TrimOnce();
  if (!trimmed.ok()) return common::Status::Internal("oplog trim failed: " + trimmed.error().message);
  return trimmed.value();
}

}  // namespace tactus::docdb
