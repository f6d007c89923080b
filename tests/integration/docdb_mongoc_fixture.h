// Shared by the libmongoc integration tests of the embedded store: a per-suite EmbeddedServer
// fixture and small helpers. The driver's global init lives in docdb_mongoc_crud_test.cc.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "docdb/embedded_server.h"
#include "mongoc_util.h"

extern char** environ;

namespace tactus::docdb {

using mongoc_util::ApmCallbacksPtr;
using mongoc_util::BsonPtr;
using mongoc_util::ClientPtr;
using mongoc_util::CollectionPtr;
using mongoc_util::Connect;
using mongoc_util::CursorPtr;
using mongoc_util::DatabasePtr;
using mongoc_util::DrainIds;
using mongoc_util::DrainJson;
using mongoc_util::FindAndModifyOptsPtr;
using mongoc_util::GetInt;
using mongoc_util::GetJson;
using mongoc_util::GetString;
using mongoc_util::Json;
using mongoc_util::Lookup;
using mongoc_util::PooledClient;
using mongoc_util::PoolPtr;
using mongoc_util::Reply;
using mongoc_util::SessionPtr;
using mongoc_util::ToJson;
using mongoc_util::UriPtr;

inline std::string MakeTempDir() {
  char dir_template[] = "/tmp/docdb-mongoc-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return "";
  return dir_template;
}

inline std::vector<int64_t> Range(int64_t begin, int64_t end) {
  std::vector<int64_t> out(static_cast<std::size_t>(end - begin));
  std::iota(out.begin(), out.end(), begin);
  return out;
}

// One EmbeddedServer per test suite (TCP, port 0, non-durable for speed) and a client per test
// that works in a database named after the test.
class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    EmbeddedServer::Options options;
    options.dbpath = dir_;
    options.port = 0;
    options.durable = false;
    auto started = EmbeddedServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
  }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = Connect(Uri());
    ASSERT_NE(client_, nullptr);
    db_name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  static std::string Uri() {
    return "mongodb://127.0.0.1:" + std::to_string(server_->port()) +
           "/?directConnection=true&serverSelectionTimeoutMS=5000";
  }

  CollectionPtr Collection(const char* name, mongoc_client_t* client = nullptr) {
    return CollectionPtr(
        mongoc_client_get_collection(client ? client : client_.get(), db_name_.c_str(), name));
  }
  DatabasePtr Database() {
    return DatabasePtr(mongoc_client_get_database(client_.get(), db_name_.c_str()));
  }

  // Runs a command on the test database; the reply lands in `reply`.
  bool RunCommand(const std::string& json, Reply* reply, bson_error_t* error) {
    auto db = Database();
    return mongoc_database_command_simple(db.get(), Json(json).get(), nullptr, reply->out(), error);
  }

  // Runs `command` on admin (with `opts`, e.g. a session's); the reply lands in `reply`.
  bool RunOnAdmin(const bson_t* command, Reply* reply, bson_error_t* error,
                  const bson_t* opts = nullptr) {
    return mongoc_client_command_with_opts(client_.get(), "admin", command, nullptr, opts,
                                           reply->out(), error);
  }

  // The `count` command (mongoc_collection_count_documents needs aggregate, not implemented).
  int64_t Count(const char* collection, const std::string& filter = "{}") {
    auto command =
        Json(R"({"count": ")" + std::string(collection) + R"(", "query": )" + filter + "}");
    auto db = Database();
    Reply reply;
    bson_error_t error;
    if (!mongoc_database_command_simple(db.get(), command.get(), nullptr, reply.out(), &error)) {
      ADD_FAILURE() << "count failed: " << error.message;
      return -1;
    }
    return GetInt(reply.get(), "n").value_or(-1);
  }

  CursorPtr Find(mongoc_collection_t* coll, const std::string& filter,
                 const std::string& opts = "{}") {
    return CursorPtr(
        mongoc_collection_find_with_opts(coll, Json(filter).get(), Json(opts).get(), nullptr));
  }

  void InsertMany(mongoc_collection_t* coll, const std::vector<BsonPtr>& docs) {
    std::vector<const bson_t*> raw;
    for (const auto& d : docs) raw.push_back(d.get());
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(
        mongoc_collection_insert_many(coll, raw.data(), raw.size(), nullptr, reply.out(), &error))
        << error.message;
  }

  // Documents {_id: i, <extra fields>} for i in [0, n), inserted with insert_many.
  void InsertNumbered(mongoc_collection_t* coll, int n, const std::string& extra = "") {
    std::vector<BsonPtr> docs;
    for (int i = 0; i < n; ++i) {
      docs.push_back(Json(R"({"_id": )" + std::to_string(i) + extra + "}"));
    }
    InsertMany(coll, docs);
  }

  static inline std::string dir_;
  static inline std::unique_ptr<EmbeddedServer> server_;
  ClientPtr client_;
  std::string db_name_;
};

}  // namespace tactus::docdb
