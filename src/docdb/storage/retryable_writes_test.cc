// Retryable-write records: kept with their write (committed, rolled back, group-committed),
// found after reopening (from the oplog) and after a kill -9, after trimming (from the table),
// after a migration from format version 4 or 5, and never seen by change streams; each in the
// oplog row of its write's last change when there is one.
#include <sqlite3.h>

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

// The reply recorded for (lsid, txn_number) as JSON, or "none".
std::string Recorded(Store* store, const std::string& lsid, std::int64_t txn_number) {
  auto txn = Ok(store->Begin(TxnMode::kWrite));
  BsonPtr reply = Ok(txn->FindRetryableWrite(lsid, txn_number));
  return reply ? ToJson(reply.get()) : "none";
}

void Record(Store* store, const std::string& lsid, std::int64_t txn_number, const char* reply) {
  Ok(store->GroupWrite(
      [&](Txn& txn) { return txn.RecordRetryableWrite(lsid, txn_number, J(reply).get()); }));
}

TEST(RetryableWrites, TheLastCommittedRecordOfEachSession) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Record(store.get(), "s1", 5, R"({"n": 1})");
  Record(store.get(), "s2", 1, R"({"n": 2})");
  EXPECT_EQ(Recorded(store.get(), "s1", 5), R"({ "n" : 1 })");
  EXPECT_EQ(Recorded(store.get(), "s1", 4), "none");
  EXPECT_EQ(Recorded(store.get(), "s2", 1), R"({ "n" : 2 })");
  EXPECT_EQ(Recorded(store.get(), "s3", 1), "none");
  Record(store.get(), "s1", 6, R"({"n": 3})");  // replaces the session's record
  EXPECT_EQ(Recorded(store.get(), "s1", 5), "none");
  EXPECT_EQ(Recorded(store.get(), "s1", 6), R"({ "n" : 3 })");
}

TEST(RetryableWrites, ARolledBackRecordIsNotKept) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->RecordRetryableWrite("s1", 1, J(R"({"n": 1})").get()));
    // Within its transaction it is found already.
    BsonPtr mine = Ok(txn->FindRetryableWrite("s1", 1));
    ASSERT_NE(mine, nullptr);
    txn->Rollback();
  }
  EXPECT_EQ(Recorded(store.get(), "s1", 1), "none");
  // A group-commit body that fails after recording loses its record, not the others' (whether
  // or not the two share a batch).
  std::thread other([&] {
    auto r = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
      auto recorded = txn.RecordRetryableWrite("s2", 1, J(R"({"n": 2})").get());
      EXPECT_TRUE(recorded.ok());
      return MakeError(kBadValue, "the write failed after all");
    });
    EXPECT_FALSE(r.ok());
  });
  Record(store.get(), "s3", 1, R"({"n": 3})");
  other.join();
  EXPECT_EQ(Recorded(store.get(), "s2", 1), "none");
  EXPECT_EQ(Recorded(store.get(), "s3", 1), R"({ "n" : 3 })");
}

TEST(RetryableWrites, FoundAfterReopeningAndAfterTrimming) {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    Record(store.get(), "s1", 1, R"({"n": 1})");
    Record(store.get(), "s1", 2, R"({"n": 2})");
    Record(store.get(), "s2", 7, R"({"n": 7})");
  }  // closed without flushing: the records are only in the oplog
  {
    auto store = OpenStore(dir.path());
    EXPECT_EQ(Recorded(store.get(), "s1", 2), R"({ "n" : 2 })");
    EXPECT_EQ(Recorded(store.get(), "s1", 1), "none");
    EXPECT_EQ(Recorded(store.get(), "s2", 7), R"({ "n" : 7 })");
    // Trimming every entry but the newest (an insert) first copies the records to the table.
    CollectionInfo coll = MakeCollection(store.get(), "db", "c");
    Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 1})").get()); }));
    EXPECT_GT(Ok(store->TrimOplog({.max_entries = 1, .max_age_ms = 1'000'000'000}, 0)), 0);
    EXPECT_EQ(testing::CountRows(store->path(), "oplog WHERE op = 'retryableWrite'"), 0);
    EXPECT_EQ(testing::CountRows(store->path(), "retryable_writes"), 2);
    EXPECT_EQ(Recorded(store.get(), "s1", 2), R"({ "n" : 2 })");
    Record(store.get(), "s2", 8, R"({"n": 8})");  // newer than the table's
  }
  auto store = OpenStore(dir.path());
  EXPECT_EQ(Recorded(store.get(), "s1", 2), R"({ "n" : 2 })");
  EXPECT_EQ(Recorded(store.get(), "s2", 7), "none");
  EXPECT_EQ(Recorded(store.get(), "s2", 8), R"({ "n" : 8 })");
}

// A child process makes retryable writes (each insert with its record, as a command does) and
// dies by SIGKILL; every acknowledged record is found after reopening, with its insert.
TEST(RetryableWrites, AcknowledgedRecordsSurviveAKilledProcess) {
  TempDir dir;
  testing::RunThenKill([&] {
    CollectionInfo coll;
    Store* store = testing::OpenForCrash(dir.path(), &coll);
    if (store == nullptr) return false;
    for (int i = 0; i < 50; ++i) {
      auto written = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
        BsonPtr doc = NewBson();
        BSON_APPEND_INT32(doc.get(), "_id", i);
        auto inserted = txn.Insert(coll, doc.get());
        if (!inserted.ok()) return inserted.error();
        BsonPtr reply = NewBson();
        BSON_APPEND_INT32(reply.get(), "n", i);
        return txn.RecordRetryableWrite("session-" + std::to_string(i % 5), i, reply.get());
      });
      if (!written.ok()) return false;
    }
    return true;
  });

  auto store = OpenStore(dir.path());  // the dead child's lock went with it
  for (int s = 0; s < 5; ++s) {
    const int last = 45 + s;  // each session's last write
    EXPECT_EQ(Recorded(store.get(), "session-" + std::to_string(s), last),
              "{ \"n\" : " + std::to_string(last) + " }");
    EXPECT_EQ(Recorded(store.get(), "session-" + std::to_string(s), last - 5), "none");
  }
  auto txn = Ok(store->Begin(TxnMode::kRead));
  auto coll = Ok(txn->FindCollection("db", "c"));
  ASSERT_TRUE(coll.has_value());
  EXPECT_EQ(Ok(txn->CollectionSize(*coll)).second, 50);
}

TEST(RetryableWrites, ChangeStreamsDoNotSeeRecords) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  Ok(store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
    auto inserted = txn.Insert(coll, J(R"({"_id": 1})").get());
    if (!inserted.ok()) return inserted.error();
    return txn.RecordRetryableWrite("s1", 1, J(R"({"n": 1})").get());
  }));
  Record(store.get(), "s1", 2, R"({"n": 0})");
  auto txn = Ok(store->Begin(TxnMode::kRead));
  std::vector<OplogEntry> entries = Ok(txn->ReadOplog(0, 100));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].op, OplogOp::kInsert);
}

TEST(RetryableWrites, MigratesFormatVersion4Records) {
  TempDir dir;
  std::string path;
  {
    auto store = OpenStore(dir.path());
    path = store->path();
  }
  // A version-4 directory: its records were rows of retryable_writes.
  BsonPtr reply = J(R"({"n": 4})");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* put = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO retryable_writes (lsid, txn_number, reply) "
                               "VALUES ('old', 3, ?1)",
                               -1, &put, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(put, 1, bson_get_data(reply.get()), static_cast<int>(reply->len),
                    SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(put), SQLITE_DONE);
  sqlite3_finalize(put);
  ASSERT_EQ(sqlite3_exec(db,
                         "DELETE FROM meta WHERE key = 'retryable_flushed_seq'; "
                         "ALTER TABLE oplog DROP COLUMN retry; "
                         "UPDATE meta SET value = '4' WHERE key = 'format_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenStore(dir.path());
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'format_version' AND value = '6'"), 1);
  EXPECT_EQ(Recorded(store.get(), "old", 3), R"({ "n" : 4 })");
}

// A write's record goes in the oplog row of its last change: one row per retryable write that
// changes a document, a row of its own for one that changes nothing. Change streams see the
// change and never the record.
TEST(RetryableWrites, ARecordSharesTheRowOfItsWritesLastChange) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  const std::string path = store->path();
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  Ok(store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
    Ok(txn.Insert(coll, J(R"({"_id": 1})").get()));
    Ok(txn.Insert(coll, J(R"({"_id": 2})").get()));
    return txn.RecordRetryableWrite("s1", 1, J(R"({"n": 2})").get());
  }));
  EXPECT_EQ(testing::CountRows(path, "oplog"), 2);
  EXPECT_EQ(testing::CountRows(path, "oplog WHERE op = 'insert' AND retry IS NOT NULL"), 1);
  Record(store.get(), "s2", 1, R"({"n": 0})");  // changed nothing
  EXPECT_EQ(testing::CountRows(path, "oplog WHERE op = 'retryableWrite' AND retry IS NOT NULL"), 1);
  EXPECT_EQ(testing::CountRows(path, "oplog"), 3);
  {
    // A transaction reads its own change before it ends.
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 3})").get()));
    EXPECT_EQ(Ok(txn->ReadOplog(0, 10)).size(), 3u);
    EXPECT_EQ(Ok(txn->ReadOplogBounds()).last_seq, 4);
    txn->Rollback();
  }
  auto txn = Ok(store->Begin(TxnMode::kRead));
  std::vector<OplogEntry> entries = Ok(txn->ReadOplog(0, 10));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(ToJson(entries[1].body.get()),
            R"({ "documentKey" : { "_id" : 2 }, "fullDocument" : { "_id" : 2 } })");
  txn.reset();
  store.reset();
  store = OpenStore(dir.path(), {.durable = false});  // both found from the oplog
  EXPECT_EQ(Recorded(store.get(), "s1", 1), R"({ "n" : 2 })");
  EXPECT_EQ(Recorded(store.get(), "s2", 1), R"({ "n" : 0 })");
}

// Bodies that fail take their changes' rows with them, whether alone or in a batch with others.
TEST(RetryableWrites, AFailedBodyLeavesNoRowOfItsChanges) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int id = t * kEach + i;
        const bool fails = id % 2 == 1;
        auto r = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
          auto inserted = txn.Insert(coll, J(R"({"_id": )" + std::to_string(id) + "}").get());
          if (!inserted.ok()) return inserted.error();
          if (fails) return MakeError(kBadValue, "the write failed after its change");
          return txn.RecordRetryableWrite("s" + std::to_string(id), 1, J(R"({"n": 1})").get());
        });
        EXPECT_EQ(r.ok(), !fails);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string path = store->path();
  EXPECT_EQ(testing::CountRows(path, "oplog"), kThreads * kEach / 2);
  EXPECT_EQ(testing::CountRows(path, "oplog WHERE retry IS NOT NULL"), kThreads * kEach / 2);
  EXPECT_EQ(testing::CountRows(path, "documents"), kThreads * kEach / 2);
}

TEST(RetryableWrites, MigratesFormatVersion5Records) {
  TempDir dir;
  std::string path;
  {
    auto store = OpenStore(dir.path(), {.durable = false});
    path = store->path();
    CollectionInfo coll = MakeCollection(store.get(), "db", "c");
    Ok(store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
      Ok(txn.Insert(coll, J(R"({"_id": 1})").get()));
      return txn.RecordRetryableWrite("s1", 4, J(R"({"n": 1})").get());
    }));
    Record(store.get(), "s2", 9, R"({"n": 0})");
  }
  // Back to version 5: every record in a row of its own, in `entry`.
  ASSERT_EQ(testing::CountRows(path, "oplog"), 2);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE oplog SET entry = retry WHERE op = 'retryableWrite'; "
                         "INSERT INTO oplog (ts, wall_ms, db, coll, op, entry) "
                         "  SELECT ts + 1, wall_ms, '', '', 'retryableWrite', retry FROM oplog "
                         "  WHERE op = 'insert'; "
                         "ALTER TABLE oplog DROP COLUMN retry; "
                         "UPDATE meta SET value = '5' WHERE key = 'format_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_EQ(testing::CountRows(path, "oplog"), 3);
  auto store = OpenStore(dir.path(), {.durable = false});
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'format_version' AND value = '6'"), 1);
  EXPECT_EQ(
      testing::CountRows(
          path, "oplog WHERE op = 'retryableWrite' AND retry IS NOT NULL AND length(entry) = 5"),
      2);
  EXPECT_EQ(Recorded(store.get(), "s1", 4), R"({ "n" : 1 })");
  EXPECT_EQ(Recorded(store.get(), "s2", 9), R"({ "n" : 0 })");
}

}  // namespace
}  // namespace tactus::docdb::storage
