// The docdb side of docdb_bench: the embedded store, reached through libmongoc over loopback TCP
// (or its Unix socket with --unix). Declared in a header because main owns it and the
// idle-connection test needs its port.
#pragma once

#include <mongoc/mongoc.h>

#include <memory>
#include <string>

#include "common.h"
#include "docdb/embedded_server.h"

namespace docdb_bench {

class DocdbSide final : public Side {
 public:
  DocdbSide(const std::string& dir, bool durable, bool unix_socket);
  ~DocdbSide() override;
  const char* name() const override { return "docdb"; }
  int port() const { return server_->port(); }
  tactus::docdb::EmbeddedServer& server() { return *server_; }
  std::string tcp_uri() const {
    return "mongodb://127.0.0.1:" + std::to_string(port()) + "/?directConnection=true";
  }

  void Prepare(const std::string& coll, const char* index_field, int preload) override;
  std::unique_ptr<Worker> NewWorker(const std::string& coll) override;

 private:
  std::unique_ptr<tactus::docdb::EmbeddedServer> server_;
  mongoc_client_pool_t* pool_ = nullptr;
};

}  // namespace docdb_bench
