// Helpers for the storage tests: temporary data directories and JSON-built documents.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "docdb/bson_util.h"
#include "docdb/query/key_encoding.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::storage::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "docdb-storage-XXXXXX").string();
    char* made = mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A document from (canonical or relaxed) Extended JSON; fails the test on bad JSON.
inline BsonPtr J(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << json << ": " << error.message;
  return BsonPtr(doc != nullptr ? doc : bson_new());
}

// The key encoding of one value given as JSON ("2", "\"s\"", "[1, 2]").
inline std::string K(const std::string& value_json, bool descending = false) {
  BsonPtr wrapper = J(R"({"v": )" + value_json + "}");
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, wrapper.get(), "v"));
  return query::EncodeKeyValue(*bson_iter_value(&it), descending);
}

inline std::string IdKey(const std::string& doc_json) { return *IdKeyOf(J(doc_json).get()); }

// Unwraps a DbResult, failing the test with the error's code and message.
template <typename T>
T Ok(DbResult<T> result) {
  EXPECT_TRUE(result.ok()) << "error " << result.error().code << ": " << result.error().message;
  if (!result.ok()) throw std::runtime_error(result.error().message);
  return std::move(result).value();
}

inline std::unique_ptr<Store> OpenStore(const std::string& dir, Store::Options options = {}) {
  return Ok(Store::Open(dir, options));
}

// Opens a kWrite txn, creates db.name, and returns the collection.
inline CollectionInfo MakeCollection(Store* store, const std::string& db, const std::string& name) {
  auto txn = Ok(store->Begin(TxnMode::kWrite));
  CollectionInfo coll = Ok(txn->CreateCollection(db, name, nullptr, false));
  Ok(txn->Commit());
  return coll;
}

// The _ids (as JSON of {_id: ...}) a scan visits, in order.
inline std::string IdOf(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id")) return "?";
  bson_t wrapper = BSON_INITIALIZER;
  bson_append_value(&wrapper, "_id", 3, bson_iter_value(&it));
  std::string json = ToJson(&wrapper);
  bson_destroy(&wrapper);
  return json;
}

// Turns a current data directory's file back into format version 3 (no catalog version, an
// AUTOINCREMENT oplog with the same rows), for the migration tests: run it, then set
// format_version to the version wanted.
inline constexpr const char* kBackToFormatVersion3Sql =
    "DELETE FROM meta WHERE key IN ('catalog_version', 'retryable_flushed_seq'); "
    "DROP TRIGGER collections_insert_bumps_catalog; DROP TRIGGER collections_update_bumps_catalog; "
    "DROP TRIGGER collections_delete_bumps_catalog; DROP TRIGGER indexes_insert_bumps_catalog; "
    "DROP TRIGGER indexes_update_bumps_catalog; DROP TRIGGER indexes_delete_bumps_catalog; "
    "CREATE TABLE oplog_v3 (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, "
    "  wall_ms INTEGER NOT NULL, db TEXT NOT NULL, coll TEXT NOT NULL, op TEXT NOT NULL, "
    "  entry BLOB NOT NULL); "
    "INSERT INTO oplog_v3 SELECT seq, ts, wall_ms, db, coll, op, entry FROM oplog; "
    "DROP TABLE oplog; "
    "ALTER TABLE oplog_v3 RENAME TO oplog; "
    "UPDATE meta SET value = '3' WHERE key = 'format_version';";

// A crash after acknowledged writes: `work` runs in a forked child (it opens its own store, which
// it never closes, and returns false on any failure); once it returns true the child is killed
// with SIGKILL, as a power cut or kill -9 would, and reaped. Fails the test when the child
// failed before that.
inline void RunThenKill(const std::function<bool()>& work) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    if (!work()) _exit(2);
    char done = 'c';
    if (write(pipe_fds[1], &done, 1) != 1) _exit(3);
    pause();  // wait for SIGKILL
    _exit(4);
  }
  close(pipe_fds[1]);
  char got = 0;
  const bool ready = read(pipe_fds[0], &got, 1) == 1;
  close(pipe_fds[0]);
  if (!ready) {
    int status = 0;
    waitpid(child, &status, 0);
    FAIL() << "the child failed before its writes were acknowledged (status " << status << ")";
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
}

// For a RunThenKill child: opens the store at `dir`, never to be closed (the process just dies),
// with a collection db.c in *coll; nullptr on any failure.
inline Store* OpenForCrash(const std::string& dir, CollectionInfo* coll) {
  auto opened = Store::Open(dir, {});
  if (!opened.ok()) return nullptr;
  Store* store = opened.value().release();
  auto made = store->Begin(TxnMode::kWrite);
  if (!made.ok()) return nullptr;
  auto created = made.value()->CreateCollection("db", "c", nullptr, false);
  if (!created.ok() || !made.value()->Commit().ok()) return nullptr;
  *coll = std::move(created).value();
  return store;
}

// Rows of `table` in the store's file, read through a separate SQLite connection.
inline std::int64_t CountRows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string sql = "SELECT count(*) FROM " + table;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::int64_t count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

}  // namespace tactus::docdb::storage::testing
