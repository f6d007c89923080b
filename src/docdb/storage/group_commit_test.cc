// Group commit: concurrent writers share transactions; a failing body leaves nothing behind and
// does not disturb the others.
#include <atomic>
#include <thread>
#include <vector>

#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

TEST(GroupCommitTest, ConcurrentWritersAllCommit) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int id = t * kPerThread + i;
        auto done = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
          return txn.Insert(coll, J(R"({"_id": )" + std::to_string(id) + "}").get());
        });
        if (!done.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CollectionSize(coll)).second, kThreads * kPerThread);
}

TEST(GroupCommitTest, AFailingBodyLeavesNothingAndOthersCommit) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  auto failed = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
    Ok(txn.Insert(coll, J(R"({"_id": 1})").get()));
    Ok(txn.CreateIndex(coll, J(R"({"key": {"a": 1}})").get()));
    return MakeError(kBadValue, "the body gives up after writing");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, kBadValue);
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 2})").get()); }));
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CollectionSize(coll)).second, 1);
  EXPECT_FALSE(Ok(txn->FindById(coll, testing::IdKey(R"({"_id": 1})"))));
  EXPECT_EQ(Ok(txn->ListIndexes(coll)).size(), 1u);
}

TEST(GroupCommitTest, DuplicateKeyInOneBodyDoesNotAffectItsNeighbours) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 1})").get()); }));
  std::vector<std::thread> threads;
  std::atomic<int> duplicates = 0, inserted = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Thread 0 repeats _id 1; the others insert new ids.
      int id = t == 0 ? 1 : 100 + t;
      auto done = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
        return txn.Insert(coll, J(R"({"_id": )" + std::to_string(id) + "}").get());
      });
      if (done.ok()) {
        ++inserted;
      } else if (done.error().code == kDuplicateKey) {
        ++duplicates;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(inserted, 3);
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CollectionSize(coll)).second, 4);
}

}  // namespace
}  // namespace tactus::docdb::storage
