// The oplog: entries written with each change in the same transaction, their encoding,
// updateDescription diffs, trimming, the v2 -> v3 migration and commit notifications.
#include "docdb/storage/oplog.h"

#include <sqlite3.h>

#include <thread>

#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::vector<OplogEntry> All(Store* store) {
  auto txn = Ok(store->Begin(TxnMode::kRead));
  return Ok(txn->ReadOplog(0, 1000));
}

std::string Describe(const OplogEntry& e) {
  return std::string(OplogOpName(e.op)) + " " + e.db + "." + e.coll + " " + ToJson(e.body.get());
}

TEST(Oplog, RecordsEachChangeWithItsTransaction) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1, "a": 1})").get()));
    Ok(txn->Replace(coll, testing::IdKey(R"({"_id": 1})"), J(R"({"_id": 1, "a": 1})").get(),
                    J(R"({"_id": 1, "a": 2, "b": [1, 2]})").get()));
    Ok(txn->Replace(coll, testing::IdKey(R"({"_id": 1})"),
                    J(R"({"_id": 1, "a": 2, "b": [1, 2]})").get(), J(R"({"_id": 1, "z": 0})").get(),
                    OplogOp::kReplace));
    Ok(txn->Delete(coll, testing::IdKey(R"({"_id": 1})"), J(R"({"_id": 1, "z": 0})").get()));
    Ok(txn->Commit());
  }
  {
    // A rolled-back transaction leaves no entry.
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 9})").get()));
    txn->Rollback();
  }
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->RenameCollection(coll, "db", "d", false));
    auto renamed = Ok(txn->FindCollection("db", "d"));
    Ok(txn->DropCollection(*renamed));
    Ok(txn->CreateCollection("other", "x", nullptr, false));
    Ok(txn->DropDatabase("other"));
    Ok(txn->DropDatabase("none"));  // no collection: no entry
    Ok(txn->Commit());
  }
  auto entries = All(store.get());
  ASSERT_EQ(entries.size(), 8u);
  std::vector<std::string> got;
  for (const auto& e : entries) got.push_back(Describe(e));
  EXPECT_EQ(
      got[0],
      R"(insert db.c { "documentKey" : { "_id" : 1 }, "fullDocument" : { "_id" : 1, "a" : 1 } })");
  EXPECT_EQ(
      got[1],
      R"(update db.c { "documentKey" : { "_id" : 1 }, "updateDescription" : { "updatedFields" : { "a" : 2, "b" : [ 1, 2 ] }, "removedFields" : [  ], "truncatedArrays" : [  ] } })");
  EXPECT_EQ(
      got[2],
      R"(replace db.c { "documentKey" : { "_id" : 1 }, "fullDocument" : { "_id" : 1, "z" : 0 } })");
  EXPECT_EQ(got[3], R"(delete db.c { "documentKey" : { "_id" : 1 } })");
  EXPECT_EQ(got[4], R"(rename db.c { "to" : { "db" : "db", "coll" : "d" } })");
  EXPECT_EQ(got[5], R"(drop db.d { })");
  EXPECT_EQ(got[6], R"(drop other.x { })");
  EXPECT_EQ(got[7], R"(dropDatabase other. { })");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<std::int64_t>(i + 1));
    if (i > 0) {
      EXPECT_GT(entries[i].ts, entries[i - 1].ts);
    }
    EXPECT_GT(entries[i].wall_ms, 0);
  }
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->ReadOplogBounds()).last_seq, 8);
  EXPECT_EQ(Ok(txn->ReadOplog(6, 1)).front().seq, 7);
  EXPECT_EQ(Ok(txn->OplogSeqBefore(entries[3].ts)), 3);
  EXPECT_EQ(Ok(txn->OplogSeqBefore(entries[7].ts + 1)), 8);
}

TEST(Oplog, AFailedGroupWriteLeavesNoEntry) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  auto failed = store->GroupWrite([&](Txn& txn) -> DbResult<Done> {
    Ok(txn.Insert(coll, J(R"({"_id": 1})").get()));
    return MakeError(kBadValue, "no");
  });
  EXPECT_FALSE(failed.ok());
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 2})").get()); }));
  auto entries = All(store.get());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].seq, 1);  // the rolled-back seq is not skipped
}

TEST(Oplog, UpdateDescriptionDiff) {
  auto diff = [](const char* a, const char* b) {
    return ToJson(DiffForUpdateDescription(J(a).get(), J(b).get()).get());
  };
  EXPECT_EQ(
      diff(R"({"_id": 1, "a": {"x": 1, "y": 2}, "r": 1})",
           R"({"_id": 1, "a": {"x": 1, "y": 3, "z": 4}})"),
      R"({ "updatedFields" : { "a.y" : 3, "a.z" : 4 }, "removedFields" : [ "r" ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(
      diff(R"({"arr": [1, 2, 3]})", R"({"arr": [1, 5]})"),
      R"({ "updatedFields" : { "arr.1" : 5 }, "removedFields" : [  ], "truncatedArrays" : [ { "field" : "arr", "newSize" : 2 } ] })");
  EXPECT_EQ(
      diff(R"({"arr": [1]})", R"({"arr": [1, {"k": 1}]})"),
      R"({ "updatedFields" : { "arr.1" : { "k" : 1 } }, "removedFields" : [  ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(
      diff(R"({"v": 1})", R"({"v": "1"})"),
      R"({ "updatedFields" : { "v" : "1" }, "removedFields" : [  ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(
      diff(R"({"v": {"a": 1}})", R"({"v": [1]})"),
      R"({ "updatedFields" : { "v" : [ 1 ] }, "removedFields" : [  ], "truncatedArrays" : [  ] })");
  // Fields that moved, one added between two kept, one removed at the end or in the middle.
  EXPECT_EQ(
      diff(R"({"a": 1, "b": 2, "c": 3})", R"({"b": 2, "a": 5})"),
      R"({ "updatedFields" : { "a" : 5 }, "removedFields" : [ "c" ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(
      diff(R"({"a": 1, "c": 3})", R"({"a": 1, "b": 2, "c": 3})"),
      R"({ "updatedFields" : { "b" : 2 }, "removedFields" : [  ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(
      diff(R"({"a": 1, "b": 2, "c": 3})", R"({"a": 1, "c": 4})"),
      R"({ "updatedFields" : { "c" : 4 }, "removedFields" : [ "b" ], "truncatedArrays" : [  ] })");
  EXPECT_EQ(diff(R"({"a": 1, "b": 2})", R"({"a": 1})"),
            R"({ "updatedFields" : {  }, "removedFields" : [ "b" ], "truncatedArrays" : [  ] })");
  // Fields added after every old one (as $set adds them), one old one changed.
  EXPECT_EQ(
      diff(R"({"a": 1, "b": 2})", R"({"a": 1, "b": 3, "c": 4, "d": {"e": 5}})"),
      R"({ "updatedFields" : { "b" : 3, "c" : 4, "d" : { "e" : 5 } }, "removedFields" : [  ], "truncatedArrays" : [  ] })");
}

TEST(Oplog, TrimsBySizeAndAgeKeepingTheNewest) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  for (int i = 0; i < 10; ++i) {
    Ok(store->GroupWrite([&](Txn& txn) {
      return txn.Insert(coll, J("{\"_id\": " + std::to_string(i) + "}").get());
    }));
  }
  std::int64_t now = All(store.get()).back().wall_ms;
  // Size: keep 4, in batches of 3.
  EXPECT_EQ(Ok(store->TrimOplog({.max_entries = 4, .max_age_ms = 1'000'000}, now, 3)), 6);
  auto entries = All(store.get());
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries.front().seq, 7);
  {
    auto txn = Ok(store->Begin(TxnMode::kRead));
    OplogBounds b = Ok(txn->ReadOplogBounds());
    EXPECT_EQ(b.last_seq, 10);
    EXPECT_EQ(b.trimmed_seq, 6);
    EXPECT_GT(b.trimmed_ts, 0u);
    EXPECT_LT(b.trimmed_ts, entries.front().ts);
  }
  // Nothing more to trim.
  EXPECT_EQ(Ok(store->TrimOplog({.max_entries = 4, .max_age_ms = 1'000'000}, now)), 0);
  // Age: everything is old, but the newest entry stays.
  EXPECT_EQ(Ok(store->TrimOplog({.max_entries = 100, .max_age_ms = 1000}, now + 5000)), 3);
  entries = All(store.get());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.front().seq, 10);
  // Seqs continue after trimming.
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 99})").get()); }));
  EXPECT_EQ(All(store.get()).back().seq, 11);
}

TEST(Oplog, MigratesAVersion2Directory) {
  TempDir dir;
  std::string path;
  {
    auto store = OpenStore(dir.path());
    path = store->path();
    MakeCollection(store.get(), "db", "c");
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string back_to_2 = std::string(testing::kBackToFormatVersion3Sql) +
                                "DROP TABLE oplog; UPDATE meta SET value = '2' WHERE key = "
                                "'format_version'";
  ASSERT_EQ(sqlite3_exec(db, back_to_2.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenStore(dir.path());
  auto coll = [&] {
    auto txn = Ok(store->Begin(TxnMode::kRead));
    return *Ok(txn->FindCollection("db", "c"));
  }();
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 1})").get()); }));
  EXPECT_EQ(All(store.get()).size(), 1u);
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'format_version' AND value = '6'"), 1);
}

// 3 -> 4 rebuilds the oplog without AUTOINCREMENT: the same entries under the same seqs, and
// the next seq follows the newest one, also after trimming.
TEST(Oplog, MigratesAVersion3OplogKeepingItsSeqs) {
  TempDir dir;
  std::string path;
  {
    auto store = OpenStore(dir.path(), {.durable = false});
    path = store->path();
    CollectionInfo coll = MakeCollection(store.get(), "db", "c");
    for (int i = 1; i <= 5; ++i) {
      Ok(store->GroupWrite([&](Txn& txn) {
        return txn.Insert(coll, J("{\"_id\": " + std::to_string(i) + "}").get());
      }));
    }
    EXPECT_EQ(Ok(store->TrimOplog({.max_entries = 2, .max_age_ms = 1'000'000}, 0, 100)), 3);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, testing::kBackToFormatVersion3Sql, nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_EQ(testing::CountRows(path,
                               "sqlite_master WHERE name = 'oplog' AND sql LIKE "
                               "'%AUTOINCREMENT%'"),
            1);
  auto store = OpenStore(dir.path(), {.durable = false});
  EXPECT_EQ(testing::CountRows(path,
                               "sqlite_master WHERE name = 'oplog' AND sql LIKE "
                               "'%AUTOINCREMENT%'"),
            0);
  std::vector<OplogEntry> kept = All(store.get());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].seq, 4);
  EXPECT_EQ(kept[1].seq, 5);
  EXPECT_EQ(kept[1].op, OplogOp::kInsert);
  auto coll = [&] {
    auto txn = Ok(store->Begin(TxnMode::kRead));
    return *Ok(txn->FindCollection("db", "c"));
  }();
  Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 6})").get()); }));
  EXPECT_EQ(All(store.get()).back().seq, 6);
}

TEST(Oplog, CommitsWakeWaiters) {
  TempDir dir;
  auto store = OpenStore(dir.path(), {.durable = false});
  CollectionInfo coll = MakeCollection(store.get(), "db", "c");
  int heard = 0;
  store->AddOplogListener([&] { ++heard; });
  std::uint64_t seen = store->OplogVersion();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Ok(store->GroupWrite([&](Txn& txn) { return txn.Insert(coll, J(R"({"_id": 1})").get()); }));
  });
  auto start = std::chrono::steady_clock::now();
  std::int64_t far = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     10'000;
  EXPECT_NE(store->WaitForOplog(seen, far), seen);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  writer.join();
  EXPECT_EQ(heard, 1);
  // A read-only commit does not notify.
  Ok(Ok(store->Begin(TxnMode::kRead))->Commit());
  EXPECT_EQ(heard, 1);
}

}  // namespace
}  // namespace tactus::docdb::storage
