// Tests only: an embedded store in a fresh temporary directory, with a driver pool on it.
// Start makes /tmp/<prefix>-XXXXXX, starts docdb::EmbeddedServer there (dbpath DIR/store,
// durable=false, no TTL monitor thread; a Unix socket DIR/store.sock, or TCP on an ephemeral
// port), opens a mongo::Pool on "<uri>/?directConnection=true" and waits until it answers.
// Destroying it closes the pool, stops the server and removes the directory.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "docdb/embedded_server.h"
#include "mongo/mongo.h"

namespace tactus::docdb::testing {

class TempStore {
 public:
  struct Options {
    std::string prefix = "tactus-store";  // the directory: /tmp/<prefix>-XXXXXX
    int worker_threads = 16;
    bool auth = false;
    bool tcp = false;    // true: TCP on 127.0.0.1 and an ephemeral port, no Unix socket
    int pool_size = 8;   // 0: no pool (pool() must not be called)
  };

  static common::Result<std::unique_ptr<TempStore>> Start(const Options& options);
  ~TempStore();
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  const std::string& dir() const { return dir_; }
  // The server's connection string (EmbeddedServer::uri), without options.
  std::string uri() const { return server_->uri(); }
  EmbeddedServer& server() { return *server_; }
  mongo::Pool& pool() { return *pool_; }

 private:
  TempStore() = default;
  std::string dir_;
  std::unique_ptr<EmbeddedServer> server_;
  std::unique_ptr<mongo::Pool> pool_;
};

}  // namespace tactus::docdb::testing
