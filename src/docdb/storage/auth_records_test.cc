#include <sqlite3.h>

#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::string Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(AuthRecords, PutFindListDeleteCount) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  {
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    EXPECT_EQ(Ok(txn->CountAuthRecords(AuthTable::kUsers)), 0);
    Ok(txn->PutAuthRecord(AuthTable::kUsers, "shop", "ann", J(R"({"user": "ann"})").get()));
    Ok(txn->PutAuthRecord(AuthTable::kUsers, "admin", "root", J(R"({"user": "root"})").get()));
    Ok(txn->PutAuthRecord(AuthTable::kRoles, "shop", "clerk", J(R"({"role": "clerk"})").get()));
    // Replacing keeps one record.
    Ok(txn->PutAuthRecord(AuthTable::kUsers, "shop", "ann", J(R"({"user": "ann", "v": 2})").get()));
    Ok(txn->Commit());
  }
  auto txn = Ok(store->Begin(TxnMode::kWrite));
  EXPECT_EQ(Ok(txn->CountAuthRecords(AuthTable::kUsers)), 2);
  EXPECT_EQ(Ok(txn->CountAuthRecords(AuthTable::kRoles)), 1);
  BsonPtr ann = Ok(txn->FindAuthRecord(AuthTable::kUsers, "shop", "ann"));
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(ToJson(ann.get()), R"({ "user" : "ann", "v" : 2 })");
  EXPECT_EQ(Ok(txn->FindAuthRecord(AuthTable::kUsers, "crm", "ann")), nullptr);
  EXPECT_EQ(Ok(txn->FindAuthRecord(AuthTable::kRoles, "shop", "ann")), nullptr);
  auto all = Ok(txn->ListAuthRecords(AuthTable::kUsers, std::nullopt));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(ToJson(all[0].get()), R"({ "user" : "root" })");  // (db, name) order: admin first
  EXPECT_EQ(Ok(txn->ListAuthRecords(AuthTable::kUsers, std::string("shop"))).size(), 1u);
  EXPECT_TRUE(Ok(txn->DeleteAuthRecord(AuthTable::kUsers, "shop", "ann")));
  EXPECT_FALSE(Ok(txn->DeleteAuthRecord(AuthTable::kUsers, "shop", "ann")));
  EXPECT_EQ(Ok(txn->CountAuthRecords(AuthTable::kUsers)), 1);
}

TEST(AuthRecords, ReadTransactionsCannotWrite) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto txn = Ok(store->Begin(TxnMode::kRead));
  auto put = txn->PutAuthRecord(AuthTable::kUsers, "a", "b", J("{}").get());
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, kIllegalOperation);
}

// A data directory written by format version 1 (no users or roles tables) is migrated on open
// and keeps its data.
TEST(AuthRecords, MigratesFormatVersion1) {
  TempDir dir;
  std::string path = dir.path() + "/docdb.sqlite";
  {
    auto store = OpenStore(dir.path());
    auto coll = testing::MakeCollection(store.get(), "shop", "orders");
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1})").get()));
    Ok(txn->Commit());
  }
  Exec(path, std::string(testing::kBackToFormatVersion3Sql) +
                 "DROP TABLE users; DROP TABLE roles; DROP TABLE oplog; "
                 "UPDATE meta SET value = '1' WHERE key = 'format_version'");
  ASSERT_EQ(Query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), "0");
  {
    auto store = OpenStore(dir.path());
    EXPECT_EQ(Query(path, "SELECT value FROM meta WHERE key = 'format_version'"), "6");
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->PutAuthRecord(AuthTable::kUsers, "admin", "a", J(R"({"user": "a"})").get()));
    auto coll = Ok(txn->FindCollection("shop", "orders"));
    ASSERT_TRUE(coll.has_value());
    EXPECT_NE(Ok(txn->FindById(*coll, testing::IdKey(R"({"_id": 1})"))), nullptr);
    Ok(txn->Commit());
  }
  // Opening again (already the current version) changes nothing.
  auto store = OpenStore(dir.path());
  auto txn = Ok(store->Begin(TxnMode::kRead));
  EXPECT_EQ(Ok(txn->CountAuthRecords(AuthTable::kUsers)), 1);
}

TEST(AuthRecords, RefusesANewerFormatVersion) {
  TempDir dir;
  { auto store = OpenStore(dir.path()); }
  Exec(dir.path() + "/docdb.sqlite", "UPDATE meta SET value = '7' WHERE key = 'format_version'");
  auto reopened = Store::Open(dir.path(), {});
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message.find("format_version 7"), std::string::npos);
}

}  // namespace
}  // namespace tactus::docdb::storage
