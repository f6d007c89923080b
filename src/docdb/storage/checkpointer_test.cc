// The background checkpointer: under a continuous stream of commits the WAL stays bounded and
// its pages reach the database file; a read snapshot older than the checkpoints still reads
// what it saw; the writer gate lets its last pass go first.
#include "docdb/storage/checkpointer.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "docdb/storage/store_internal.h"
#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : -1;
}

Store::Options Fast() {
  Store::Options options;
  options.durable = false;  // the WAL's growth is the same, without a sync per commit
  return options;
}

BsonPtr Doc(int id, int version) {
  return J(R"({"_id": )" + std::to_string(id) + R"(, "v": )" + std::to_string(version) +
           R"(, "pad": ")" + std::string(700, 'x') + R"("})");
}

TEST(CheckpointerTest, TheWalStaysBoundedUnderContinuousCommits) {
  TempDir dir;
  auto store = OpenStore(dir.path(), Fast());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  // Each commit writes at least two pages (the document's and the oplog's), so without
  // checkpoints the WAL would pass 2 * kCommits pages (more than 160 MB).
  constexpr int kCommits = 20000, kDocs = 500;
  for (int i = 0; i < kCommits; ++i) {
    const int id = i % kDocs;
    Ok(store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
      if (i < kDocs) return txn.Insert(coll, Doc(id, i).get());
      const std::string key = testing::IdKey(R"({"_id": )" + std::to_string(id) + "}");
      return txn.Replace(coll, key, Doc(id, i - kDocs).get(), Doc(id, i).get());
    }));
  }
  // About one round per kCheckpointFrames pages: the WAL restarts after each, so commits do
  // not set off a round each once it is past the threshold.
  const std::uint64_t rounds = store->checkpoint_rounds();
  EXPECT_GE(rounds, 2 * kCommits / internal::kCheckpointFrames / 2);
  EXPECT_LE(rounds, 4 * kCommits / internal::kCheckpointFrames) << rounds << " rounds";
  const std::int64_t wal = FileSize(store->path() + "-wal");
  const std::int64_t page = 4096 + 24;  // a frame: the page and its header
  // The WAL restarts after each round; it holds what one round's first pass let in besides.
  EXPECT_GT(wal, 0);
  EXPECT_LT(wal, 8 * internal::kCheckpointFrames * page) << "the WAL grew to " << wal;
  // The pages reached the database file while the store was open.
  EXPECT_GT(FileSize(store->path()), kDocs * 700);
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CollectionSize(coll)).second, kDocs);
  BsonPtr last = Ok(txn->FindById(coll, testing::IdKey(R"({"_id": 7})")));
  ASSERT_TRUE(last);
  bson_iter_t v;
  ASSERT_TRUE(bson_iter_init_find(&v, last.get(), "v"));
  EXPECT_EQ(bson_iter_as_int64(&v), kCommits - kDocs + 7);
}

TEST(CheckpointerTest, AnOldSnapshotReadsWhatItSawWhileCheckpointsRun) {
  TempDir dir;
  const std::string key = testing::IdKey(R"({"_id": 1})");
  {
    auto store = OpenStore(dir.path(), Fast());
    CollectionInfo coll = MakeCollection(store.get(), "db", "c");
    Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, Doc(1, 0).get()); }));
    auto old = Ok(store->Begin(TxnMode::kRead));
    auto version = [&](Txn& txn) {
      BsonPtr doc = Ok(txn.FindById(coll, key));
      bson_iter_t v;
      EXPECT_TRUE(doc && bson_iter_init_find(&v, doc.get(), "v"));
      return doc ? bson_iter_as_int64(&v) : -1;
    };
    EXPECT_EQ(version(*old), 0);
    constexpr int kUpdates = 5000;  // past several checkpoint thresholds
    for (int i = 1; i <= kUpdates; ++i) {
      Ok(store->GroupWrite(
          [&](Txn& txn) { return txn.Replace(coll, key, Doc(1, i - 1).get(), Doc(1, i).get()); }));
    }
    EXPECT_EQ(version(*old), 0);
    old.reset();
    for (int i = kUpdates + 1; i <= kUpdates + 3000; ++i) {
      Ok(store->GroupWrite(
          [&](Txn& txn) { return txn.Replace(coll, key, Doc(1, i - 1).get(), Doc(1, i).get()); }));
    }
    auto now = Ok(store->Begin(TxnMode::kRead));
    EXPECT_EQ(version(*now), kUpdates + 3000);
  }
  // Closed and opened again: the last write is there.
  auto store = OpenStore(dir.path(), Fast());
  auto txn = Ok(store->Begin(TxnMode::kRead));
  CollectionInfo coll = *Ok(txn->FindCollection("db", "c"));
  BsonPtr doc = Ok(txn->FindById(coll, key));
  ASSERT_TRUE(doc);
  bson_iter_t v;
  ASSERT_TRUE(bson_iter_init_find(&v, doc.get(), "v"));
  EXPECT_EQ(bson_iter_as_int64(&v), 8000);
}

// The checkpointer's last pass takes the writer gate ahead of waiting writers: a writer that
// commits again and again would otherwise take it back first every time.
TEST(WriterGateTest, AcquireFirstGoesAheadOfWaitingWriters) {
  WriterGate gate;
  ASSERT_TRUE(gate.Acquire(std::chrono::milliseconds(1000)));
  std::mutex mu;
  std::vector<std::string> order;
  auto take = [&](const char* who, bool first) {
    const auto wait = std::chrono::milliseconds(5000);
    ASSERT_TRUE(first ? gate.AcquireFirst(wait) : gate.Acquire(wait));
    {
      std::lock_guard lock(mu);
      order.push_back(who);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    gate.Release();
  };
  std::thread writer([&] { take("writer", false); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer waits first
  std::thread checkpointer([&] { take("checkpointer", true); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.Release();
  writer.join();
  checkpointer.join();
  EXPECT_EQ(order, (std::vector<std::string>{"checkpointer", "writer"}));
  // A fail-fast writer is not held back by it: it fails only while the gate is held.
  EXPECT_TRUE(gate.TryAcquire());
  gate.Release();
  // AcquireFirst that times out lets the writers it held back go on.
  ASSERT_TRUE(gate.Acquire(std::chrono::milliseconds(1000)));
  std::thread late([&] { EXPECT_FALSE(gate.AcquireFirst(std::chrono::milliseconds(20))); });
  late.join();
  gate.Release();
  EXPECT_TRUE(gate.Acquire(std::chrono::milliseconds(1000)));
  gate.Release();
}

}  // namespace
}  // namespace tactus::docdb::storage
