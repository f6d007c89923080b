#include "docdb/testing/temp_store.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

namespace tactus::docdb::testing {

common::Result<std::unique_ptr<TempStore>> TempStore::Start(const Options& options) {
  std::string pattern = "/tmp/" + options.prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return common::Status::IoError("mkdtemp " + pattern + " failed");
  }
  std::unique_ptr<TempStore> store(new TempStore());
  store->dir_ = pattern;
  EmbeddedServer::Options server_options;
  server_options.dbpath = store->dir_ + "/store";
  if (options.tcp) {
    server_options.port = 0;
  } else {
    server_options.port = -1;
    server_options.unix_path = store->dir_ + "/store.sock";
  }
  server_options.durable = false;
  server_options.worker_threads = options.worker_threads;
  server_options.auth = options.auth;
  server_options.ttl_monitor_seconds = 0;
  auto server = EmbeddedServer::Start(server_options);
  if (!server.ok()) return server.status();
  store->server_ = std::move(*server);
  if (options.pool_size > 0) {
    auto pool = mongo::Pool::Open(store->server_->uri() + "/?directConnection=true",
                                  options.pool_size);
    if (!pool.ok()) return pool.status();
    store->pool_ = std::move(*pool);
    common::Status ready = store->pool_->WaitReady(10000);
    if (!ready.ok()) return ready;
  }
  return store;
}

TempStore::~TempStore() {
  pool_.reset();
  server_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace tactus::docdb::testing
