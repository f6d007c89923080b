// Test support: a Server with a FakeHandler on an ephemeral TCP port and a Unix socket in a
// temporary directory, started for each test and stopped after it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "docdb/server/fake_handler.h"
#include "docdb/server/server.h"

namespace tactus::docdb::server::testing {

class ServerFixture : public ::testing::Test {
 protected:
  explicit ServerFixture(int worker_threads = 4) : worker_threads_(worker_threads) {}

  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "docdb-server-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    socket_path_ = dir_ + "/docdb.sock";
    Server::Options options;
    options.port = 0;
    options.unix_path = socket_path_;
    options.worker_threads = worker_threads_;
    server_ = std::make_unique<Server>(options, handler_);
    auto status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  const int worker_threads_;
  FakeHandler handler_;
  std::string dir_, socket_path_;
  std::unique_ptr<Server> server_;
};

}  // namespace tactus::docdb::server::testing
