#include "docdb/commands/ttl_monitor.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "docdb/bson_util.h"

namespace tactus::docdb::commands {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;  // a fixed "now" for the fake clock

BsonPtr J(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << error.message;
  return BsonPtr(doc);
}

std::string Date(std::int64_t ms) {
  return R"({"$date": {"$numberLong": ")" + std::to_string(ms) + R"("}})";
}

class TtlMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docdb-ttl-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::Store::Options options;
    options.durable = false;
    auto store = storage::Store::Open(dir_, options);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  storage::CollectionInfo Collection(const std::string& name, const std::string& index_spec) {
    auto txn = store_->Begin(storage::TxnMode::kWrite);
    EXPECT_TRUE(txn.ok());
    auto coll = txn.value()->CreateCollection("app", name, nullptr, false);
    EXPECT_TRUE(coll.ok());
    auto created = txn.value()->CreateIndex(coll.value(), J(index_spec).get());
    EXPECT_TRUE(created.ok()) << created.error().message;
    EXPECT_TRUE(txn.value()->Commit().ok());
    return std::move(coll).value();
  }
  void Insert(const storage::CollectionInfo& coll, const std::vector<std::string>& docs) {
    auto txn = store_->Begin(storage::TxnMode::kWrite);
    ASSERT_TRUE(txn.ok());
    for (const auto& d : docs) {
      auto inserted = txn.value()->Insert(coll, J(d).get());
      ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    }
    ASSERT_TRUE(txn.value()->Commit().ok());
  }
  std::vector<std::string> Ids(const storage::CollectionInfo& coll) {
    std::vector<std::string> out;
    auto txn = store_->Begin(storage::TxnMode::kRead);
    EXPECT_TRUE(txn.ok());
    auto scanned = txn.value()->ScanCollection(coll, storage::KeyRange{}, false,
                                               [&](const std::string&, const bson_t* doc) {
                                                 bson_iter_t it;
                                                 bson_iter_init_find(&it, doc, "_id");
                                                 out.push_back(bson_iter_utf8(&it, nullptr));
                                                 return true;
                                               });
    EXPECT_TRUE(scanned.ok());
    return out;
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  common::VirtualClock clock_{kNow};
  TtlMetrics metrics_;
};

TEST_F(TtlMonitorTest, DeletesOnlyDocumentsWhoseDateIsOlderThanExpireAfterSeconds) {
  auto coll = Collection("sessions", R"({"key": {"at": 1}, "expireAfterSeconds": 3600})");
  Insert(coll, {
                   R"({"_id": "old", "at": )" + Date(kNow - 3601 * 1000) + "}",
                   R"({"_id": "edge", "at": )" + Date(kNow - 3600 * 1000) + "}",
                   R"({"_id": "new", "at": )" + Date(kNow - 10 * 1000) + "}",
                   R"({"_id": "future", "at": )" + Date(kNow + 3600 * 1000) + "}",
                   R"({"_id": "array_old", "at": [)" + Date(kNow) + ", " +
                       Date(kNow - 7200 * 1000) + "]}",
                   R"({"_id": "array_new", "at": [)" + Date(kNow) + ", " + Date(kNow - 1000) + "]}",
                   R"({"_id": "string", "at": "2001-01-01"})",
                   R"({"_id": "number", "at": 0})",
                   R"({"_id": "missing"})",
               });
  TtlMonitor monitor(*store_, clock_, metrics_, {});
  auto deleted = monitor.RunOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(deleted.value(), 2);
  EXPECT_EQ(Ids(coll), (std::vector<std::string>{"array_new", "edge", "future", "missing", "new",
                                                 "number", "string"}));
  EXPECT_EQ(metrics_.deleted_documents.load(), 2);
  EXPECT_EQ(metrics_.passes.load(), 1);

  // Time moves on: "edge" and "new" expire, "future" not yet.
  clock_.AdvanceTo(kNow + 3600 * 1000);
  ASSERT_TRUE(monitor.RunOnce().ok());
  EXPECT_EQ(Ids(coll), (std::vector<std::string>{"future", "missing", "number", "string"}));
  EXPECT_EQ(metrics_.passes.load(), 2);
}

TEST_F(TtlMonitorTest, DescendingIndexesAndSmallBatches) {
  auto coll = Collection("events", R"({"key": {"at": -1}, "expireAfterSeconds": 0})");
  std::vector<std::string> docs;
  for (int i = 0; i < 25; ++i) {
    docs.push_back(R"({"_id": "e)" + std::to_string(100 + i) + R"(", "at": )" +
                   Date(kNow - 1000 - i) + "}");
  }
  docs.push_back(R"({"_id": "keep", "at": )" + Date(kNow + 1) + "}");
  Insert(coll, docs);
  TtlMonitor monitor(*store_, clock_, metrics_, {.interval_ms = 1000, .batch_size = 4});
  auto deleted = monitor.RunOnce();
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted.value(), 25);
  EXPECT_EQ(Ids(coll), std::vector<std::string>{"keep"});
}

TEST_F(TtlMonitorTest, NonTtlIndexesAreIgnoredAndTheThreadRunsPasses) {
  auto coll = Collection("plain", R"({"key": {"at": 1}})");
  Insert(coll, {R"({"_id": "old", "at": )" + Date(0) + "}"});
  common::SystemClock system;
  TtlMonitor monitor(*store_, system, metrics_, {.interval_ms = 10, .batch_size = 10});
  monitor.Start();
  for (int i = 0; i < 500 && metrics_.passes.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  monitor.Stop();
  EXPECT_GE(metrics_.passes.load(), 2);
  EXPECT_EQ(Ids(coll), std::vector<std::string>{"old"});
}

}  // namespace
}  // namespace tactus::docdb::commands
