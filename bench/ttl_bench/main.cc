// TTL expiry of the embedded store against the same deletion done directly on SQLite, in the same
// run (bench/README.md, "docdb TTL").
//
//   docdb    N documents {_id: i, at: <date an hour ago>, pad} in a collection with a TTL index
//            {at: 1}, expireAfterSeconds 0; one TtlMonitor pass (commands/ttl_monitor.h) deletes
//            them all: index range scan, per-document date check, Txn::Delete (document + index
//            entries), in group-committed batches of --batch documents.
//   sqlite   the same N rows (the same BSON bytes, an INTEGER date column with an index) deleted
//            directly: one `DELETE ... WHERE at < ?`, and the same in batches of --batch rows
//            (`DELETE ... WHERE id IN (SELECT id ... LIMIT ?)`, one transaction each), the
//            shape of the monitor's work without BSON, key encoding or index maintenance beyond
//            SQLite's own.
// Both sides use WAL and synchronous=NORMAL (--durable: FULL). Loading is not measured.
//
// Usage: ttl_bench [--docs=1000000] [--batch=1000] [--durable]
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "common/clock.h"
#include "docdb/bson_util.h"
#include "docdb/commands/ttl_monitor.h"
#include "docdb/storage/storage.h"

namespace {

using Clock = std::chrono::steady_clock;
using tactus::docdb::BsonPtr;
using tactus::docdb::NewBson;
namespace storage = tactus::docdb::storage;
namespace commands = tactus::docdb::commands;

struct Options {
  std::int64_t docs = 1'000'000;
  std::int64_t batch = commands::kDefaultTtlBatchSize;
  bool durable = false;
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ttl_bench: %s\n", what.c_str());
  std::exit(1);
}

BsonPtr Document(std::int64_t i, std::int64_t at_ms) {
  BsonPtr doc = NewBson();
  BSON_APPEND_INT64(doc.get(), "_id", i);
  BSON_APPEND_DATE_TIME(doc.get(), "at", at_ms);
  BSON_APPEND_UTF8(doc.get(), "pad", "session-payload-0123456789abcdef");
  return doc;
}

std::string TempDir() {
  char tmpl[] = "/tmp/ttl-bench-XXXXXX";
  if (!mkdtemp(tmpl)) Die("cannot create a temporary directory");
  return tmpl;
}

double RunDocdb(const Options& o, std::int64_t now_ms) {
  std::string dir = TempDir();
  storage::Store::Options so;
  so.durable = o.durable;
  auto store = storage::Store::Open(dir, so);
  if (!store.ok()) Die(store.error().message);
  {
    auto txn = store.value()->Begin(storage::TxnMode::kWrite);
    if (!txn.ok()) Die(txn.error().message);
    auto coll = txn.value()->CreateCollection("app", "sessions", nullptr, false);
    if (!coll.ok()) Die(coll.error().message);
    BsonPtr spec = NewBson();
    bson_t key;
    BSON_APPEND_DOCUMENT_BEGIN(spec.get(), "key", &key);
    BSON_APPEND_INT32(&key, "at", 1);
    bson_append_document_end(spec.get(), &key);
    BSON_APPEND_INT32(spec.get(), "expireAfterSeconds", 0);
    if (auto c = txn.value()->CreateIndex(coll.value(), spec.get()); !c.ok()) {
      Die(c.error().message);
    }
    for (std::int64_t i = 0; i < o.docs; ++i) {
      auto doc = Document(i, now_ms - 3'600'000 - i);
      if (auto r = txn.value()->Insert(coll.value(), doc.get()); !r.ok()) Die(r.error().message);
    }
    if (auto r = txn.value()->Commit(); !r.ok()) Die(r.error().message);
  }
  tactus::common::VirtualClock clock(now_ms);
  commands::TtlMetrics metrics;
  commands::TtlMonitor monitor(*store.value(), clock, metrics,
                               {.interval_ms = 60'000, .batch_size = o.batch});
  auto start = Clock::now();
  auto deleted = monitor.RunOnce();
  double s = Seconds(start);
  if (!deleted.ok()) Die(deleted.error().message);
  if (deleted.value() != o.docs) {
    Die("docdb deleted " + std::to_string(deleted.value()) + " of " + std::to_string(o.docs));
  }
  store.value().reset();
  std::filesystem::remove_all(dir);
  return s;
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    Die(std::string(sql) + ": " + (error ? error : "?"));
  }
}

// Returns {one DELETE, batched DELETEs} in seconds.
std::pair<double, double> RunSqlite(const Options& o, std::int64_t now_ms) {
  double times[2];
  for (int batched = 0; batched < 2; ++batched) {
    std::string dir = TempDir();
    sqlite3* db = nullptr;
    if (sqlite3_open((dir + "/plain.sqlite").c_str(), &db) != SQLITE_OK) Die("sqlite open");
    Exec(db, "PRAGMA journal_mode=WAL");
    Exec(db, o.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    Exec(db,
         "CREATE TABLE docs (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, doc BLOB NOT NULL);"
         "CREATE INDEX docs_at ON docs (at);");
    Exec(db, "BEGIN");
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO docs (id, at, doc) VALUES (?1, ?2, ?3)", -1, &insert,
                       nullptr);
    for (std::int64_t i = 0; i < o.docs; ++i) {
      std::int64_t at = now_ms - 3'600'000 - i;
      auto doc = Document(i, at);
      sqlite3_reset(insert);
      sqlite3_bind_int64(insert, 1, i);
      sqlite3_bind_int64(insert, 2, at);
      sqlite3_bind_blob(insert, 3, bson_get_data(doc.get()), static_cast<int>(doc->len),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) Die("sqlite insert");
    }
    sqlite3_finalize(insert);
    Exec(db, "COMMIT");
    sqlite3_stmt* del = nullptr;
    const char* sql = batched ? "DELETE FROM docs WHERE id IN (SELECT id FROM docs WHERE at < ?1 "
                                "ORDER BY at LIMIT ?2)"
                              : "DELETE FROM docs WHERE at < ?1";
    sqlite3_prepare_v2(db, sql, -1, &del, nullptr);
    std::int64_t deleted = 0;
    auto start = Clock::now();
    while (true) {
      Exec(db, "BEGIN IMMEDIATE");
      sqlite3_reset(del);
      sqlite3_bind_int64(del, 1, now_ms);
      if (batched) sqlite3_bind_int64(del, 2, o.batch);
      if (sqlite3_step(del) != SQLITE_DONE) Die("sqlite delete");
      std::int64_t n = sqlite3_changes(db);
      Exec(db, "COMMIT");
      deleted += n;
      if (!batched || n < o.batch) break;
    }
    times[batched] = Seconds(start);
    sqlite3_finalize(del);
    sqlite3_close(db);
    std::filesystem::remove_all(dir);
    if (deleted != o.docs) Die("sqlite deleted " + std::to_string(deleted));
  }
  return {times[0], times[1]};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--docs=", 0) == 0) {
      o.docs = std::stoll(a.substr(7));
    } else if (a.rfind("--batch=", 0) == 0) {
      o.batch = std::stoll(a.substr(8));
    } else if (a == "--durable") {
      o.durable = true;
    } else {
      Die("unknown argument " + a + " (usage: ttl_bench [--docs=N] [--batch=N] [--durable])");
    }
  }
  if (o.docs < 1 || o.batch < 1) Die("--docs and --batch must be positive");
  std::int64_t now_ms = tactus::common::SystemClock().Now();
  double docdb = RunDocdb(o, now_ms);
  auto [sqlite_one, sqlite_batched] = RunSqlite(o, now_ms);
  std::printf("TTL expiry of %lld documents (batch %lld, synchronous=%s)\n",
              static_cast<long long>(o.docs), static_cast<long long>(o.batch),
              o.durable ? "FULL" : "NORMAL");
  std::printf("  %-34s %9.3f s  %12.0f docs/s\n", "docdb TtlMonitor pass", docdb, o.docs / docdb);
  std::printf("  %-34s %9.3f s  %12.0f docs/s\n", "sqlite one DELETE", sqlite_one,
              o.docs / sqlite_one);
  std::printf("  %-34s %9.3f s  %12.0f docs/s\n", "sqlite batched DELETE", sqlite_batched,
              o.docs / sqlite_batched);
  std::printf("  docdb / sqlite batched: %.2fx\n", docdb / sqlite_batched);
  return 0;
}
