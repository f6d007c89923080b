// Transactions: rollback, write-lock conflicts, snapshot isolation, connection reuse.
#include <chrono>
#include <future>
#include <thread>

#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::IdKey;
using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::int64_t Count(Store* store, const CollectionInfo& coll) {
  auto txn = Ok(store->Begin(TxnMode::kRead));
  return Ok(txn->CollectionSize(coll)).second;
}

void ExpectWriteConflict(const DbError& error) {
  EXPECT_EQ(error.code, kWriteConflict);
  EXPECT_EQ(error.message,
            "Write conflict during plan execution and yielding is disabled. :: Please retry your "
            "operation or multi-document transaction.");
  EXPECT_EQ(error.labels, std::vector<std::string>{"TransientTransactionError"});
}

TEST(TxnTest, RollbackLeavesNothing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1, "a": 1})").get()));
    Ok(txn->CreateIndex(coll, J(R"({"key": {"a": 1}})").get()));
    Ok(txn->CreateCollection("db", "d", nullptr, true));
    txn->Rollback();
    txn->Rollback();  // idempotent
  }
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 2})").get()));
    // Destroyed without Commit: rolled back.
  }
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CollectionSize(coll)).second, 0);
  EXPECT_EQ(Ok(txn->ListIndexes(coll)).size(), 1u);
  EXPECT_FALSE(Ok(txn->FindCollection("db", "d")).has_value());
  EXPECT_EQ(testing::CountRows(store->path(), "index_entries"), 0);
}

TEST(TxnTest, FailFastWriterGetsWriteConflictAtOnce) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  std::promise<void> locked, release;
  std::thread holder([&] {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1})").get()));
    locked.set_value();
    release.get_future().wait();
    Ok(txn->Commit());
  });
  locked.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  auto second = store->Begin(TxnMode::kWrite, /*fail_fast=*/true);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(second.ok());
  ExpectWriteConflict(second.error());
  EXPECT_LT(waited, std::chrono::milliseconds(1000));
  // Readers are not blocked by the writer and do not see its uncommitted insert.
  EXPECT_EQ(Count(store.get(), coll), 0);
  release.set_value();
  holder.join();
  EXPECT_EQ(Count(store.get(), coll), 1);
  // Once the lock is free, fail-fast writers proceed.
  auto third = Ok(store->Begin(TxnMode::kWrite, true));
  Ok(third->Commit());
}

TEST(TxnTest, PlainWritersWaitForTheLockThenGiveUp) {
  TempDir dir;
  Store::Options options;
  options.busy_timeout_ms = 300;
  auto store = OpenStore(dir.path(), options);
  auto holder = Ok(store->Begin(TxnMode::kWrite));
  auto start = std::chrono::steady_clock::now();
  std::future<bool> waiter = std::async(std::launch::async, [&] {
    auto txn = store->Begin(TxnMode::kWrite);
    if (!txn.ok()) ExpectWriteConflict(txn.error());
    return txn.ok();
  });
  EXPECT_FALSE(waiter.get());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));

  // A waiter that gets the lock before its timeout succeeds.
  waiter = std::async(std::launch::async, [&] { return store->Begin(TxnMode::kWrite).ok(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Ok(holder->Commit());
  EXPECT_TRUE(waiter.get());
}

TEST(TxnTest, AWriteTransactionEndedOnAnotherThreadLetsTheNextWriterIn) {
  // A multi-document transaction begins in one command and may end in another, on another
  // worker thread: the writers' gate must open whichever thread ends it.
  TempDir dir;
  Store::Options options;
  options.busy_timeout_ms = 300;
  auto store = OpenStore(dir.path(), options);
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  for (bool commit : {true, false}) {
    auto txn = std::async(std::launch::async, [&] { return store->Begin(TxnMode::kWrite); }).get();
    ASSERT_TRUE(txn.ok());
    auto held = store->Begin(TxnMode::kWrite, /*fail_fast=*/true);
    ASSERT_FALSE(held.ok());
    ExpectWriteConflict(held.error());
    std::async(std::launch::async, [&] {
      if (commit) {
        Ok(txn.value()->Insert(coll, J(R"({"_id": 1})").get()));
        Ok(txn.value()->Commit());
      } else {
        txn.value()->Rollback();
      }
    }).get();
    auto next = Ok(store->Begin(TxnMode::kWrite, /*fail_fast=*/true));
    Ok(next->Commit());
  }
  EXPECT_EQ(Count(store.get(), coll), 1);
}

TEST(TxnTest, SnapshotWriterLosesToAnEarlierCommitter) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  auto snapshot = Ok(store->Begin(TxnMode::kSnapshot));
  EXPECT_EQ(Ok(snapshot->CollectionSize(coll)).second, 0);  // the snapshot is taken
  {
    auto plain = Ok(store->Begin(TxnMode::kWrite));
    Ok(plain->Insert(coll, J(R"({"_id": 1})").get()));
    Ok(plain->Commit());
  }
  auto late = snapshot->Insert(coll, J(R"({"_id": 2})").get());
  ASSERT_FALSE(late.ok());
  ExpectWriteConflict(late.error());
}

TEST(TxnTest, SnapshotTransactionsReadTogetherAndTheFirstWriterWins) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  auto a = Ok(store->Begin(TxnMode::kSnapshot));
  auto b = Ok(store->Begin(TxnMode::kSnapshot));
  EXPECT_EQ(Ok(b->CollectionSize(coll)).second, 0);
  Ok(a->Insert(coll, J(R"({"_id": 1})").get()));
  EXPECT_EQ(Ok(b->CollectionSize(coll)).second, 0);  // b still reads its snapshot
  auto second = b->Insert(coll, J(R"({"_id": 2})").get());
  ASSERT_FALSE(second.ok());
  ExpectWriteConflict(second.error());
  Ok(a->Commit());
  EXPECT_EQ(Count(store.get(), coll), 1);
}

TEST(TxnTest, ReadSnapshotIgnoresLaterCommits) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1, "v": "old"})").get()));
    Ok(txn->Commit());
  }
  auto reader = Ok(store->Begin(TxnMode::kRead));
  {
    auto writer = Ok(store->Begin(TxnMode::kWrite));
    BsonPtr old_doc = Ok(writer->FindById(coll, IdKey(R"({"_id": 1})")));
    Ok(writer->Replace(coll, IdKey(R"({"_id": 1})"), old_doc.get(),
                       J(R"({"_id": 1, "v": "new"})").get()));
    Ok(writer->Insert(coll, J(R"({"_id": 2})").get()));
    Ok(writer->CreateCollection("db", "later", nullptr, true));
    Ok(writer->Commit());
  }
  EXPECT_EQ(ToJson(Ok(reader->FindById(coll, IdKey(R"({"_id": 1})"))).get()),
            R"({ "_id" : 1, "v" : "old" })");
  EXPECT_EQ(Ok(reader->CollectionSize(coll)).second, 1);
  EXPECT_FALSE(Ok(reader->FindCollection("db", "later")).has_value());
  Ok(reader->Commit());
  EXPECT_EQ(Count(store.get(), coll), 2);
}

TEST(TxnTest, ManyTransactionsReuseConnections) {
  TempDir dir;
  auto store = OpenStore(dir.path(), Store::Options{.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto txn = Ok(store->Begin(TxnMode::kWrite));
        BsonPtr doc = NewBson();
        BSON_APPEND_INT32(doc.get(), "_id", t * 1000 + i);
        Ok(txn->Insert(coll, doc.get()));
        Ok(txn->Commit());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Count(store.get(), coll), 200);
}

}  // namespace
}  // namespace tactus::docdb::storage
