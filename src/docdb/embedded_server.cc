#include "docdb/embedded_server.h"

#include "common/clock.h"
#include "docdb/commands/dispatcher.h"
#include "docdb/commands/ttl_monitor.h"
#include "docdb/server/server.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb {
namespace {

// Connects the network server to the command dispatcher.
class DispatchingHandler final : public server::RequestHandler {
 public:
  explicit DispatchingHandler(commands::Dispatcher& dispatcher) : dispatcher_(dispatcher) {}

  BsonPtr Handle(const wire::Request& request, server::ConnectionContext& connection) override {
    return dispatcher_.Run(request.db, request.command.get(), connection.id, connection.peer,
                           connection.local);
  }

  void OnDisconnect(server::ConnectionContext& connection) override {
    dispatcher_.OnDisconnect(connection.id);
  }

 private:
  commands::Dispatcher& dispatcher_;
};

}  // namespace

struct EmbeddedServer::Impl {
  Options options;
  std::unique_ptr<storage::Store> store;
  common::SystemClock clock;
  commands::TtlMetrics ttl_metrics;
  std::unique_ptr<commands::Dispatcher> dispatcher;
  std::unique_ptr<DispatchingHandler> handler;
  std::unique_ptr<server::Server> server;
  // Last: destroyed (stopped) first, while the store is still open.
  std::unique_ptr<commands::TtlMonitor> ttl_monitor;
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
  impl->handler = std::make_unique<DispatchingHandler>(*impl->dispatcher);
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
  if (impl_->ttl_monitor) impl_->ttl_monitor->Stop();
  if (impl_->server) impl_->server->Stop();
}

common::Result<std::int64_t> EmbeddedServer::RunTtlMonitorOnce() {
  auto deleted = impl_->ttl_monitor->RunOnce();
  if (!deleted.ok()) return common::Status::Internal("TTL pass failed: " + deleted.error().message);
  return deleted.value();
}

}  // namespace tactus::docdb
