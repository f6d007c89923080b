// Opening data directories: schema, format version, WAL, reopen and crash durability.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::string QueryOne(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(StoreOpenTest, CreatesSchemaInWalModeWithFormatVersion6) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  EXPECT_EQ(store->path(), dir.path() + "/docdb.sqlite");
  EXPECT_EQ(QueryOne(store->path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryOne(store->path(), "SELECT value FROM meta WHERE key = 'format_version'"), "6");
  EXPECT_EQ(QueryOne(store->path(), "SELECT value FROM meta WHERE key = 'catalog_version'"), "0");
  EXPECT_FALSE(QueryOne(store->path(), "SELECT value FROM meta WHERE key = 'created_at'").empty());
  EXPECT_EQ(
      QueryOne(store->path(),
               "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
               "('meta', 'collections', 'documents', 'indexes', 'index_entries', 'users', 'roles', "
               "'oplog')"),
      "8");
}

TEST(StoreOpenTest, CreatesMissingDirectories) {
  TempDir dir;
  auto store = OpenStore(dir.path() + "/a/b");
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/a/b/docdb.sqlite"));
}

TEST(StoreOpenTest, ReopenKeepsData) {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CollectionInfo coll = MakeCollection(store.get(), "db", "c");
    auto txn = Ok(store->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1, "x": "kept"})").get()));
    Ok(txn->CreateIndex(coll, J(R"({"key": {"x": 1}})").get()));
    Ok(txn->Commit());
  }
  auto store = OpenStore(dir.path());
  auto txn = Ok(store->Begin(TxnMode::kRead));
  auto coll = Ok(txn->FindCollection("db", "c"));
  ASSERT_TRUE(coll.has_value());
  BsonPtr doc = Ok(txn->FindById(*coll, testing::IdKey(R"({"_id": 1})")));
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(ToJson(doc.get()), R"({ "_id" : 1, "x" : "kept" })");
  EXPECT_EQ(Ok(txn->ListIndexes(*coll)).size(), 2u);
}

TEST(StoreOpenTest, OneStoreAtATimePerDataDirectory) {
  TempDir dir;
  {
    auto first = OpenStore(dir.path());
    auto second = Store::Open(dir.path(), {});
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("is in use by another process (pid " +
                                          std::to_string(getpid()) + ")"),
              std::string::npos)
        << second.error().message;
    // The refused open touched nothing: the first store goes on.
    CollectionInfo coll = MakeCollection(first.get(), "db", "c");
    auto txn = Ok(first->Begin(TxnMode::kWrite));
    Ok(txn->Insert(coll, J(R"({"_id": 1})").get()));
    Ok(txn->Commit());
  }
  // Closed, the directory opens again, in this process or another.
  auto again = OpenStore(dir.path());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(Store::Open(dir.path(), {}).ok() ? 1 : 0);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "another process opened a directory in use";
}

TEST(StoreOpenTest, RefusesUnknownFormatVersion) {
  TempDir dir;
  { auto store = OpenStore(dir.path()); }
  ExecSql(dir.path() + "/docdb.sqlite",
          "UPDATE meta SET value = '99' WHERE key = 'format_version'");
  auto reopened = Store::Open(dir.path(), {});
  ASSERT_FALSE(reopened.ok());
  const std::string& message = reopened.error().message;
  EXPECT_NE(message.find("format_version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("supports format_version 6"), std::string::npos) << message;
}

TEST(StoreOpenTest, RefusesAFileThatIsNotADocdbDatabase) {
  TempDir dir;
  {
    std::ofstream out(dir.path() + "/docdb.sqlite");
    out << std::string(4096, 'x');
  }
  auto opened = Store::Open(dir.path(), {});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("is not a docdb database"), std::string::npos)
      << opened.error().message;
}

TEST(StoreOpenTest, RefusesASqliteDatabaseOfAnotherApplication) {
  TempDir dir;
  ExecSql(dir.path() + "/docdb.sqlite", "CREATE TABLE other (x)");
  auto opened = Store::Open(dir.path(), {});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("is not a docdb database"), std::string::npos)
      << opened.error().message;
}

TEST(StoreOpenTest, RefusesADataDirectoryThatIsAFile) {
  TempDir dir;
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  auto opened = Store::Open(file, {});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("is not a directory"), std::string::npos)
      << opened.error().message;
}

TEST(StoreOpenTest, RefusesAReadOnlyDirectory) {
  TempDir dir;
  std::string ro = dir.path() + "/ro";
  std::filesystem::create_directory(ro);
  chmod(dir.path().c_str(), 0755);
  chmod(ro.c_str(), 0555);
  std::string message;
  if (geteuid() != 0) {
    auto opened = Store::Open(ro, {});
    ASSERT_FALSE(opened.ok());
    message = opened.error().message;
  } else {
    // Root ignores permissions: try as an unprivileged user in a child process.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
      auto opened = Store::Open(ro, {});
      std::string text = opened.ok() ? "opened" : opened.error().message;
      if (write(fds[1], text.data(), text.size()) < 0) _exit(3);
      _exit(0);
    }
    close(fds[1]);
    char buf[512];
    ssize_t got = 0;
    while ((got = read(fds[0], buf, sizeof buf)) > 0) message.append(buf, got);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  EXPECT_NE(message.find("is not writable"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(ro + "/docdb.sqlite"));
}

// A child process commits 100 inserts, reports, and dies without closing anything; every
// acknowledged insert must be there after reopening.
TEST(StoreDurabilityTest, CommittedInsertsSurviveAKilledProcess) {
  TempDir dir;
  testing::RunThenKill([&] {
    CollectionInfo coll;
    Store* store = testing::OpenForCrash(dir.path(), &coll);
    if (store == nullptr) return false;
    for (int i = 0; i < 100; ++i) {
      auto txn = store->Begin(TxnMode::kWrite);
      if (!txn.ok()) return false;
      BsonPtr doc = NewBson();
      BSON_APPEND_INT32(doc.get(), "_id", i);
      if (!txn.value()->Insert(coll, doc.get()).ok()) return false;
      if (!txn.value()->Commit().ok()) return false;
    }
    return true;
  });

  auto store = OpenStore(dir.path());
  auto txn = Ok(store->Begin(TxnMode::kRead));
  auto coll = Ok(txn->FindCollection("db", "c"));
  ASSERT_TRUE(coll.has_value());
  EXPECT_EQ(Ok(txn->CollectionSize(*coll)).second, 100);
}

}  // namespace
}  // namespace tactus::docdb::storage
