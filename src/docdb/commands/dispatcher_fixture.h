// Tests only: the dispatcher on a real store in a temporary directory, without a network, with
// readers of reply fields, as a driver would observe the replies (dispatcher_test.cc,
// bulk_write_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "docdb/commands/dispatcher.h"

namespace tactus::docdb::commands {

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "docdb-dispatch-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    storage::Store::Options options;
    options.durable = false;
    store_ = std::move(storage::Store::Open(dir_, options)).value();
    dispatcher_ = std::make_unique<Dispatcher>(*store_, ServerInfo{});
  }
  void TearDown() override {
    dispatcher_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs a command given as relaxed Extended JSON on database `db_` and returns the reply.
  BsonPtr Run(const std::string& json, std::int64_t connection = 1) {
    return RunOn(db_, json, connection);
  }
  BsonPtr RunOn(const std::string& db, const std::string& json, std::int64_t connection = 1) {
    bson_error_t error;
    BsonPtr command(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                       static_cast<ssize_t>(json.size()), &error));
    EXPECT_TRUE(command) << error.message << " in " << json;
    return dispatcher_->Run(db, command.get(), connection, "peer", "local");
  }

  static double Ok(const BsonPtr& reply) {
    bson_iter_t it;
    return bson_iter_init_find(&it, reply.get(), "ok") ? bson_iter_as_double(&it) : -1;
  }
  // The field at a dotted path ("cursor.firstBatch.0.n"); false when there is none.
  static bool Find(const BsonPtr& reply, const char* dotted, bson_iter_t* found) {
    bson_iter_t it;
    return bson_iter_init(&it, reply.get()) && bson_iter_find_descendant(&it, dotted, found);
  }
  static std::int64_t Int(const BsonPtr& reply, const char* dotted) {
    bson_iter_t found;
    return Find(reply, dotted, &found) ? bson_iter_as_int64(&found) : -1;
  }
  static std::string Str(const BsonPtr& reply, const char* dotted) {
    bson_iter_t found;
    if (!Find(reply, dotted, &found) || !BSON_ITER_HOLDS_UTF8(&found)) return "";
    return bson_iter_utf8(&found, nullptr);
  }
  // The BSON type at a dotted path; BSON_TYPE_EOD when there is no such field.
  static bson_type_t Type(const BsonPtr& reply, const char* dotted) {
    bson_iter_t found;
    return Find(reply, dotted, &found) ? bson_iter_type(&found) : BSON_TYPE_EOD;
  }

  std::string db_ = "db";
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

inline constexpr const char* kLsid =
    R"("lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}})";

}  // namespace tactus::docdb::commands
