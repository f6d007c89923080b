// The embedded store against SQLite itself (`make bench`; bench/README.md, "docdb").
//
// Every operation runs twice in the same process and the same run:
//   docdb   through libmongoc (a mongoc_client_pool_t, one client per thread) against an
//           EmbeddedServer on loopback TCP: BSON encoding in the driver, the wire protocol, the
//           server's parsing, matching, key encoding and its SQLite transaction;
//   sqlite  the same work done directly on SQLite in-process with prepared statements: the
//           store's own schema (documents + index_entries), the same keys (query::EncodeKeyValue),
//           documents built with libbson the same way, one connection per thread, WAL, the same
//           synchronous setting and busy timeout, BEGIN IMMEDIATE around every write.
// The ratio docdb cost / sqlite cost is what the wire protocol and the BSON handling add; the
// target is at most 2x for every operation.
//
// Then the idle-connection test: a child process (this binary, re-executed: the client sockets
// need file descriptors of their own, the server's 10,000 already use half of a 20,000 limit)
// opens N raw TCP connections and sends one OP_MSG hello on each; with all of them held, a fresh
// libmongoc client must still ping within 100 ms; finally every held connection is pinged once.
//
// Plain std::chrono rather than Google Benchmark: each figure is one timed run of a fixed number
// of operations over 1 or 8 threads, and both sides must see exactly the same operations.
//
// Usage: docdb_bench [--ops=2000] [--batches=20] [--preload=10000] [--threads=1,8]
//                    [--idle=10000] [--repetitions=3] [--durable] [--unix]
//                    [--only=insertOne,find,...]
//   --durable  synchronous=FULL on both sides (default NORMAL on both: the store's non-durable
//              mode; FULL adds an fsync per commit that hides everything else)
//   --unix     the driver connects through the store's Unix socket, as `tactus serve` does
#include <arpa/inet.h>
#include <bson/bson.h>
#include <mongoc/mongoc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "docdb/embedded_server.h"
#include "docdb/query/key_encoding.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "docdb_bench: %s\n", message.c_str());
  std::exit(1);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Options {
  int ops = 2000;       // per measured operation (insertMany: batches instead)
  int batches = 20;     // insertMany batches of kBatch documents
  int preload = 10000;  // documents the finds and updates run against
  std::vector<int> threads{1, 8};
  int idle = 10000;          // idle connections; 0 skips the test
  bool durable = false;      // synchronous=FULL on both sides instead of NORMAL
  bool unix_socket = false;  // drivers connect through the Unix socket (as `tactus serve` does)
  int repetitions = 3;       // each figure is the median of this many runs
  std::string only;          // comma-separated operation names; empty: all
};

constexpr int kBatch = 1000;
const std::string kPayload(100, 'x');

// ---- the documents, built the same way for both sides ----

std::string KeyString(std::int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key-%08lld", static_cast<long long>(id));
  return buf;
}

// {_id, k (indexed), n, status, payload}: about 170 bytes.
void BuildDoc(bson_t* doc, std::int64_t id) {
  BSON_APPEND_INT64(doc, "_id", id);
  BSON_APPEND_UTF8(doc, "k", KeyString(id).c_str());
  BSON_APPEND_INT64(doc, "n", id);
  BSON_APPEND_UTF8(doc, "status", "ready");
  BSON_APPEND_UTF8(doc, "payload", kPayload.c_str());
}

std::string EncodeInt64(std::int64_t v) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_INT64;
  value.value.v_int64 = v;
  return tactus::docdb::query::EncodeKeyValue(value);
}

std::string EncodeUtf8(const std::string& s) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_UTF8;
  value.value.v_utf8.str = const_cast<char*>(s.c_str());
  value.value.v_utf8.len = static_cast<std::uint32_t>(s.size());
  return tactus::docdb::query::EncodeKeyValue(value);
}

// What a caller does with a document it read: look at one field.
std::int64_t ReadN(const bson_t* doc) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "n") && BSON_ITER_HOLDS_INT64(&it)) return bson_iter_int64(&it);
  return -1;
}

// ---- the two sides ----

// One thread's handle on a side. Every method performs one measured operation and throws on a
// failure (a benchmark that silently did less work would lie).
class Worker {
 public:
  virtual ~Worker() = default;
  // Anything to do once before the timed operations (a driver connects lazily).
  virtual void Warm() {}
  virtual void InsertOne(std::int64_t id) = 0;
  virtual void InsertMany(std::int64_t first_id, int count) = 0;
  virtual void FindById(std::int64_t id) = 0;
  virtual void FindByKey(std::int64_t id) = 0;
  virtual void UpdateById(std::int64_t id) = 0;
  // findAndModify {status: "ready"} -> {status: "running", owner, leaseUntil}, new: true.
  virtual void ClaimJob(const std::string& owner, std::int64_t lease_until) = 0;
};

class Side {
 public:
  virtual ~Side() = default;
  virtual const char* name() const = 0;
  // A fresh empty collection with an index on `index_field`; then `preload` documents.
  virtual void Prepare(const std::string& coll, const char* index_field, int preload) = 0;
  virtual std::unique_ptr<Worker> NewWorker(const std::string& coll) = 0;
};

// docdb through libmongoc.
class MongocWorker final : public Worker {
 public:
  MongocWorker(mongoc_client_pool_t* pool, const std::string& coll) : pool_(pool) {
    client_ = mongoc_client_pool_pop(pool_);
    coll_ = mongoc_client_get_collection(client_, "bench", coll.c_str());
  }
  ~MongocWorker() override {
    mongoc_collection_destroy(coll_);
    mongoc_client_pool_push(pool_, client_);
  }

  void Warm() override {
    bson_t* ping = BCON_NEW("ping", BCON_INT32(1));
    bson_error_t error;
    bool ok = mongoc_client_command_simple(client_, "admin", ping, nullptr, nullptr, &error);
    bson_destroy(ping);
    if (!ok) throw std::runtime_error(std::string("ping: ") + error.message);
  }

  void InsertOne(std::int64_t id) override {
    bson_t doc = BSON_INITIALIZER;
    BuildDoc(&doc, id);
    bson_error_t error;
    bool ok = mongoc_collection_insert_one(coll_, &doc, nullptr, nullptr, &error);
    bson_destroy(&doc);
    if (!ok) throw std::runtime_error(std::string("insertOne: ") + error.message);
  }

  void InsertMany(std::int64_t first_id, int count) override {
    std::vector<bson_t> docs(static_cast<std::size_t>(count));
    std::vector<const bson_t*> ptrs;
    for (int i = 0; i < count; ++i) {
      bson_init(&docs[i]);
      BuildDoc(&docs[i], first_id + i);
      ptrs.push_back(&docs[i]);
    }
    bson_error_t error;
    bool ok =
        mongoc_collection_insert_many(coll_, ptrs.data(), ptrs.size(), nullptr, nullptr, &error);
    for (auto& d : docs) bson_destroy(&d);
    if (!ok) throw std::runtime_error(std::string("insertMany: ") + error.message);
  }

  void FindById(std::int64_t id) override {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_INT64(&filter, "_id", id);
    FindOne(&filter, id);
    bson_destroy(&filter);
  }

  void FindByKey(std::int64_t id) override {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "k", KeyString(id).c_str());
    FindOne(&filter, id);
    bson_destroy(&filter);
  }

  void UpdateById(std::int64_t id) override {
    bson_t* selector = BCON_NEW("_id", BCON_INT64(id));
    bson_t* update = BCON_NEW("$inc", "{", "n", BCON_INT64(1), "}", "$set", "{", "status",
                              BCON_UTF8("updated"), "}");
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_update_one(coll_, selector, update, nullptr, &reply, &error);
    bson_iter_t it;
    bool matched =
        ok && bson_iter_init_find(&it, &reply, "matchedCount") && bson_iter_as_int64(&it) == 1;
    bson_destroy(&reply);
    bson_destroy(selector);
    bson_destroy(update);
    if (!ok) throw std::runtime_error(std::string("updateOne: ") + error.message);
    if (!matched) throw std::runtime_error("updateOne matched nothing");
  }

  void ClaimJob(const std::string& owner, std::int64_t lease_until) override {
    bson_t* query = BCON_NEW("status", BCON_UTF8("ready"));
    bson_t* update = BCON_NEW("$set", "{", "status", BCON_UTF8("running"), "owner",
                              BCON_UTF8(owner.c_str()), "leaseUntil", BCON_INT64(lease_until), "}");
    mongoc_find_and_modify_opts_t* opts = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(opts, update);
    mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_find_and_modify_with_opts(coll_, query, opts, &reply, &error);
    bson_iter_t it;
    bool claimed = ok && bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it);
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(opts);
    bson_destroy(query);
    bson_destroy(update);
    if (!ok) throw std::runtime_error(std::string("findAndModify: ") + error.message);
    if (!claimed) throw std::runtime_error("findAndModify claimed no job");
  }

 private:
  void FindOne(const bson_t* filter, std::int64_t id) {
    bson_t* opts = BCON_NEW("limit", BCON_INT64(1), "singleBatch", BCON_BOOL(true));
    mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(coll_, filter, opts, nullptr);
    const bson_t* doc = nullptr;
    bool found = mongoc_cursor_next(cursor, &doc) && ReadN(doc) >= id;
    bson_error_t error;
    bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    if (failed) throw std::runtime_error(std::string("find: ") + error.message);
    if (!found) throw std::runtime_error("find: no document " + std::to_string(id));
  }

  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
  mongoc_collection_t* coll_;
};

class DocdbSide final : public Side {
 public:
  DocdbSide(const std::string& dir, bool durable, bool unix_socket) {
    tactus::docdb::EmbeddedServer::Options options;
    options.dbpath = dir;
    options.port = 0;  // the idle-connection test uses TCP either way
    if (unix_socket) options.unix_path = dir + "/docdb.sock";
    options.durable = durable;
    auto started = tactus::docdb::EmbeddedServer::Start(options);
    if (!started.ok()) Die("cannot start the embedded store: " + started.status().ToString());
    server_ = std::move(started).value();
    bson_error_t error;
    mongoc_uri_t* uri = mongoc_uri_new_with_error(server_->uri().c_str(), &error);
    if (uri == nullptr) Die(std::string("bad uri: ") + error.message);
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, 64);
    pool_ = mongoc_client_pool_new(uri);
    mongoc_uri_destroy(uri);
    mongoc_client_pool_set_error_api(pool_, MONGOC_ERROR_API_VERSION_2);
  }
  ~DocdbSide() override {
    mongoc_client_pool_destroy(pool_);
    server_.reset();
  }
  const char* name() const override { return "docdb"; }
  int port() const { return server_->port(); }
  std::string tcp_uri() const {
    return "mongodb://127.0.0.1:" + std::to_string(port()) + "/?directConnection=true";
  }

  void Prepare(const std::string& coll, const char* index_field, int preload) override {
    mongoc_client_t* client = mongoc_client_pool_pop(pool_);
    mongoc_database_t* db = mongoc_client_get_database(client, "bench");
    bson_error_t error;
    bson_t* cmd = BCON_NEW("createIndexes", BCON_UTF8(coll.c_str()), "indexes", "[", "{", "key",
                           "{", index_field, BCON_INT32(1), "}", "name",
                           BCON_UTF8((std::string(index_field) + "_1").c_str()), "}", "]");
    bool ok = mongoc_database_write_command_with_opts(db, cmd, nullptr, nullptr, &error);
    bson_destroy(cmd);
    mongoc_database_destroy(db);
    mongoc_client_pool_push(pool_, client);
    if (!ok) Die(std::string("createIndexes: ") + error.message);
    if (preload > 0) {
      MongocWorker loader(pool_, coll);
      for (int i = 0; i < preload; i += kBatch) loader.InsertMany(i, std::min(kBatch, preload - i));
    }
  }

  std::unique_ptr<Worker> NewWorker(const std::string& coll) override {
    return std::make_unique<MongocWorker>(pool_, coll);
  }

 private:
  std::unique_ptr<tactus::docdb::EmbeddedServer> server_;
  mongoc_client_pool_t* pool_ = nullptr;
};

// ---- direct SQLite ----

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    Check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr), db, sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Int(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Blob(int i, const void* p, std::size_t n) {
    sqlite3_bind_blob(stmt_, i, p, static_cast<int>(n), SQLITE_STATIC);
    return *this;
  }
  Statement& Blob(int i, const std::string& s) { return Blob(i, s.data(), s.size()); }
  // SQLITE_ROW or SQLITE_DONE; throws on errors.
  int Step() {
    int rc = sqlite3_step(stmt_);
    Check(rc, db_, "step");
    return rc;
  }
  void Run() {
    Step();
    Reset();
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Column `i` of the current row as a read-only bson_t view.
  bool Doc(int i, bson_t* out) {
    return bson_init_static(out, static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i)),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  std::string Bytes(int i) {
    return std::string(static_cast<const char*>(sqlite3_column_blob(stmt_, i)),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

sqlite3* OpenDb(const std::string& path, bool durable) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) Die("sqlite3_open_v2 " + path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, 5000);  // the store's default busy_timeout_ms
  Check(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), db, "WAL");
  Check(sqlite3_exec(db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", nullptr,
                     nullptr, nullptr),
        db, "synchronous");
  return db;
}

// The collection's ids in the shared database: coll_id, and the index's id (its index_id).
struct SqliteColl {
  std::int64_t coll_id;
  std::int64_t index_id;
  std::string index_field;
};

class SqliteWorker final : public Worker {
 public:
  SqliteWorker(const std::string& path, bool durable, SqliteColl coll)
      : db_(OpenDb(path, durable)),
        coll_(std::move(coll)),
        begin_(db_, "BEGIN IMMEDIATE"),
        commit_(db_, "COMMIT"),
        insert_doc_(db_, "INSERT INTO documents (coll_id, id_key, doc) VALUES (?1, ?2, ?3)"),
        insert_entry_(db_, "INSERT INTO index_entries (index_id, key, id_key) VALUES (?1, ?2, ?3)"),
        delete_entry_(db_,
                      "DELETE FROM index_entries WHERE index_id = ?1 AND key = ?2 AND id_key = ?3"),
        by_id_(db_, "SELECT doc FROM documents WHERE coll_id = ?1 AND id_key = ?2"),
        by_key_(db_,
                "SELECT e.id_key, d.doc FROM index_entries AS e CROSS JOIN documents AS d "
                "ON d.coll_id = ?1 AND d.id_key = e.id_key WHERE e.index_id = ?2 AND e.key = ?3 "
                "LIMIT 1"),
        update_doc_(db_, "UPDATE documents SET doc = ?3 WHERE coll_id = ?1 AND id_key = ?2") {}

  // Loads documents without timing (a whole batch per transaction).
  void Load(std::int64_t first_id, int count) { InsertMany(first_id, count); }

  void InsertOne(std::int64_t id) override {
    begin_.Run();
    InsertDoc(id);
    commit_.Run();
  }

  void InsertMany(std::int64_t first_id, int count) override {
    begin_.Run();
    for (int i = 0; i < count; ++i) InsertDoc(first_id + i);
    commit_.Run();
  }

  void FindById(std::int64_t id) override {
    std::string key = EncodeInt64(id);
    by_id_.Int(1, coll_.coll_id).Blob(2, key);
    bool found = false;
    if (by_id_.Step() == SQLITE_ROW) {
      bson_t doc;
      found = by_id_.Doc(0, &doc) && ReadN(&doc) >= id;
    }
    by_id_.Reset();
    if (!found) throw std::runtime_error("sqlite find: no document " + std::to_string(id));
  }

  void FindByKey(std::int64_t id) override {
    std::string key = EncodeUtf8(KeyString(id));
    by_key_.Int(1, coll_.coll_id).Int(2, coll_.index_id).Blob(3, key);
    bool found = false;
    if (by_key_.Step() == SQLITE_ROW) {
      bson_t doc;
      found = by_key_.Doc(1, &doc) && ReadN(&doc) >= id;
    }
    by_key_.Reset();
    if (!found) throw std::runtime_error("sqlite find by k: no document " + std::to_string(id));
  }

  // {$inc: {n: 1}, $set: {status: "updated"}}: read, rebuild with libbson, write back. `k` does
  // not change, so its index entry stays.
  void UpdateById(std::int64_t id) override {
    std::string key = EncodeInt64(id);
    begin_.Run();
    by_id_.Int(1, coll_.coll_id).Blob(2, key);
    if (by_id_.Step() != SQLITE_ROW) {
      by_id_.Reset();
      commit_.Run();
      throw std::runtime_error("sqlite update matched nothing");
    }
    bson_t old_doc, new_doc = BSON_INITIALIZER;
    by_id_.Doc(0, &old_doc);
    bson_iter_t it;
    bson_iter_init(&it, &old_doc);
    while (bson_iter_next(&it)) {
      const char* field = bson_iter_key(&it);
      if (std::strcmp(field, "n") == 0) {
        BSON_APPEND_INT64(&new_doc, "n", bson_iter_int64(&it) + 1);
      } else if (std::strcmp(field, "status") == 0) {
        BSON_APPEND_UTF8(&new_doc, "status", "updated");
      } else {
        bson_append_iter(&new_doc, nullptr, 0, &it);
      }
    }
    by_id_.Reset();
    update_doc_.Int(1, coll_.coll_id).Blob(2, key).Blob(3, bson_get_data(&new_doc), new_doc.len);
    update_doc_.Run();
    bson_destroy(&new_doc);
    commit_.Run();
  }

  void ClaimJob(const std::string& owner, std::int64_t lease_until) override {
    static const std::string ready = EncodeUtf8("ready");
    static const std::string running = EncodeUtf8("running");
    begin_.Run();
    by_key_.Int(1, coll_.coll_id).Int(2, coll_.index_id).Blob(3, ready);
    if (by_key_.Step() != SQLITE_ROW) {
      by_key_.Reset();
      commit_.Run();
      throw std::runtime_error("sqlite claim: no ready job");
    }
    std::string id_key = by_key_.Bytes(0);
    bson_t old_doc, new_doc = BSON_INITIALIZER;
    by_key_.Doc(1, &old_doc);
    bson_iter_t it;
    bson_iter_init(&it, &old_doc);
    while (bson_iter_next(&it)) {
      const char* field = bson_iter_key(&it);
      if (std::strcmp(field, "status") == 0) {
        BSON_APPEND_UTF8(&new_doc, "status", "running");
      } else if (std::strcmp(field, "owner") != 0 && std::strcmp(field, "leaseUntil") != 0) {
        bson_append_iter(&new_doc, nullptr, 0, &it);
      }
    }
    BSON_APPEND_UTF8(&new_doc, "owner", owner.c_str());
    BSON_APPEND_INT64(&new_doc, "leaseUntil", lease_until);
    by_key_.Reset();
    update_doc_.Int(1, coll_.coll_id).Blob(2, id_key).Blob(3, bson_get_data(&new_doc), new_doc.len);
    update_doc_.Run();
    delete_entry_.Int(1, coll_.index_id).Blob(2, ready).Blob(3, id_key).Run();
    insert_entry_.Int(1, coll_.index_id).Blob(2, running).Blob(3, id_key).Run();
    bson_destroy(&new_doc);
    commit_.Run();
  }

 private:
  struct Db {
    sqlite3* db;
    explicit Db(sqlite3* d) : db(d) {}
    ~Db() { sqlite3_close_v2(db); }
    operator sqlite3*() const { return db; }
  };

  void InsertDoc(std::int64_t id) {
    bson_t doc = BSON_INITIALIZER;
    BuildDoc(&doc, id);
    std::string id_key = EncodeInt64(id);
    bson_iter_t it;
    std::string index_key;
    if (bson_iter_init_find(&it, &doc, coll_.index_field.c_str())) {
      index_key = tactus::docdb::query::EncodeKeyValue(*bson_iter_value(&it));
    }
    insert_doc_.Int(1, coll_.coll_id).Blob(2, id_key).Blob(3, bson_get_data(&doc), doc.len);
    insert_doc_.Run();
    insert_entry_.Int(1, coll_.index_id).Blob(2, index_key).Blob(3, id_key).Run();
    bson_destroy(&doc);
  }

  Db db_;  // declared first: destroyed last, after the statements finalize
  SqliteColl coll_;
  Statement begin_, commit_, insert_doc_, insert_entry_, delete_entry_, by_id_, by_key_,
      update_doc_;
};

class SqliteSide final : public Side {
 public:
  SqliteSide(const std::string& dir, bool durable)
      : path_(dir + "/direct.sqlite"), durable_(durable), db_(OpenDb(path_, durable)) {
    // The store's schema (src/docdb/storage/store.cc), minus the catalog tables it does not need.
    Check(sqlite3_exec(db_,
                       "CREATE TABLE documents (coll_id INTEGER NOT NULL, id_key BLOB NOT NULL, "
                       "doc BLOB NOT NULL, PRIMARY KEY (coll_id, id_key)) WITHOUT ROWID;"
                       "CREATE TABLE index_entries (index_id INTEGER NOT NULL, key BLOB NOT NULL, "
                       "id_key BLOB NOT NULL, PRIMARY KEY (index_id, key, id_key)) WITHOUT ROWID;",
                       nullptr, nullptr, nullptr),
          db_, "schema");
  }
  ~SqliteSide() override { sqlite3_close_v2(db_); }
  const char* name() const override { return "sqlite"; }

  void Prepare(const std::string& coll, const char* index_field, int preload) override {
    ++next_id_;
    current_ = SqliteColl{next_id_, next_id_, index_field};
    if (preload > 0) {
      SqliteWorker loader(path_, durable_, current_);
      for (int i = 0; i < preload; i += kBatch) loader.Load(i, std::min(kBatch, preload - i));
    }
    (void)coll;
  }

  std::unique_ptr<Worker> NewWorker(const std::string&) override {
    return std::make_unique<SqliteWorker>(path_, durable_, current_);
  }

 private:
  std::string path_;
  bool durable_;
  sqlite3* db_;
  std::int64_t next_id_ = 0;
  SqliteColl current_{};
};

// ---- the measured operations ----

struct Operation {
  const char* name;
  const char* index_field;  // the collection's secondary index
  bool preload;             // runs against `preload` existing documents
  // Operations of this kind in one run (insertMany: batches).
  std::function<int(const Options&)> count;
  // Performs operation number `i` (0 <= i < count) as thread `t`.
  std::function<void(Worker&, int i, int t, std::mt19937_64& rng, const Options&)> run;
};

std::vector<Operation> Operations() {
  auto random_id = [](std::mt19937_64& rng, const Options& o) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(o.preload));
  };
  return {
      {"insertOne", "k", false, [](const Options& o) { return o.ops; },
       [](Worker& w, int i, int, std::mt19937_64&, const Options&) { w.InsertOne(i); }},
      {"insertMany(1000)", "k", false, [](const Options& o) { return o.batches; },
       [](Worker& w, int i, int, std::mt19937_64&, const Options&) {
         w.InsertMany(static_cast<std::int64_t>(i) * kBatch, kBatch);
       }},
      {"find by _id", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.FindById(random_id(rng, o));
       }},
      {"find by indexed field", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.FindByKey(random_id(rng, o));
       }},
      {"updateOne by _id", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.UpdateById(random_id(rng, o));
       }},
      // Every claim needs a ready job: preload >= ops (checked in main).
      {"findAndModify claim", "status", true, [](const Options& o) { return o.ops; },
       [](Worker& w, int i, int t, std::mt19937_64&, const Options&) {
         w.ClaimJob("worker-" + std::to_string(t), 1700000000000LL + i);
       }},
  };
}

// Runs `op` with `threads` threads on `side`; returns operations per second.
double Measure(Side& side, const Operation& op, int threads, const Options& options) {
  static int runs = 0;
  std::string coll = "c" + std::to_string(++runs) + "_" + std::to_string(threads);
  side.Prepare(coll, op.index_field, op.preload ? options.preload : 0);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(side.NewWorker(coll));
  for (auto& w : workers) w->Warm();  // connections and handshakes, not timed
  const int total = op.count(options);
  // The clock starts in the barrier's completion step, before any thread is released.
  Clock::time_point t0;
  std::barrier start(threads + 1, [&t0]() noexcept { t0 = Clock::now(); });
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(42 + static_cast<std::uint64_t>(t));
      start.arrive_and_wait();
      try {
        for (int i = t; i < total && !failed; i += threads) op.run(*workers[t], i, t, rng, options);
      } catch (const std::exception& e) {
        std::lock_guard lock(failure_mu);
        if (!failed.exchange(true)) failure = e.what();
      }
    });
  }
  start.arrive_and_wait();
  for (auto& th : pool) th.join();
  double elapsed = Seconds(Clock::now() - t0);
  if (failed) Die(std::string(side.name()) + " " + op.name + ": " + failure);
  return total / elapsed;
}

// ---- the idle-connection test ----

// An OP_MSG with one body section: `doc` on `db`.
std::string OpMsg(std::int32_t request_id, const char* command) {
  bson_t doc = BSON_INITIALIZER;
  BSON_APPEND_INT32(&doc, command, 1);
  BSON_APPEND_UTF8(&doc, "$db", "admin");
  std::string msg(16, '\0');
  std::uint32_t flags = 0;
  msg.append(reinterpret_cast<const char*>(&flags), 4);
  msg.push_back('\0');  // section kind 0: the body
  msg.append(reinterpret_cast<const char*>(bson_get_data(&doc)), doc.len);
  bson_destroy(&doc);
  std::int32_t header[4] = {static_cast<std::int32_t>(msg.size()), request_id, 0, 2013};
  std::memcpy(msg.data(), header, sizeof header);  // little-endian host
  return msg;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool RecvReply(int fd) {
  std::int32_t length = 0;
  if (::recv(fd, &length, 4, MSG_WAITALL) != 4 || length < 16) return false;
  std::string rest(static_cast<std::size_t>(length) - 4, '\0');
  return ::recv(fd, rest.data(), rest.size(), MSG_WAITALL) == static_cast<ssize_t>(rest.size());
}

bool RoundTrip(int fd, std::int32_t id, const char* command) {
  return SendAll(fd, OpMsg(id, command)) && RecvReply(fd);
}

std::uint64_t RaiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// The child: opens `count` connections to 127.0.0.1:`port`, one hello on each; reports
// "held N MS"; on "check" pings every connection and reports "alive N MS"; exits at EOF.
int HoldConnections(int port, int count) {
  std::uint64_t limit = RaiseFileLimit();
  if (limit < static_cast<std::uint64_t>(count) + 64) {
    std::printf("error RLIMIT_NOFILE hard limit %llu is below %d connections\n",
                static_cast<unsigned long long>(limit), count);
    return 1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(count));
  auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        !RoundTrip(fd, i + 1, "hello")) {
      std::printf("error connection %d failed: %s\n", i, std::strerror(errno));
      std::fflush(stdout);
      return 1;
    }
    fds.push_back(fd);
  }
  std::printf("held %d %.1f\n", count, Millis(Clock::now() - t0));
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    if (std::strncmp(line, "check", 5) != 0) continue;
    auto t1 = Clock::now();
    int alive = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      alive += RoundTrip(fds[i], static_cast<std::int32_t>(count + i + 1), "ping") ? 1 : 0;
    }
    std::printf("alive %d %.1f\n", alive, Millis(Clock::now() - t1));
    std::fflush(stdout);
  }
  for (int fd : fds) ::close(fd);
  return 0;
}

struct PingStats {
  double first_ms = -1;  // connect + handshake + ping on a fresh client
  double p50_ms = -1, max_ms = -1;
  std::string error;
};

PingStats PingFreshClient(const std::string& uri_string) {
  PingStats stats;
  bson_error_t error;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(uri_string.c_str(), &error);
  auto t0 = Clock::now();
  mongoc_client_t* client = mongoc_client_new_from_uri(uri);
  mongoc_uri_destroy(uri);
  bson_t* ping = BCON_NEW("ping", BCON_INT32(1));
  std::vector<double> times;
  for (int i = 0; i < 101; ++i) {
    auto t = Clock::now();
    if (!mongoc_client_command_simple(client, "admin", ping, nullptr, nullptr, &error)) {
      stats.error = error.message;
      break;
    }
    double ms = Millis(Clock::now() - t);
    if (i == 0) {
      stats.first_ms = Millis(Clock::now() - t0);
    } else {
      times.push_back(ms);
    }
  }
  bson_destroy(ping);
  mongoc_client_destroy(client);
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    stats.p50_ms = times[times.size() / 2];
    stats.max_ms = times.back();
  }
  return stats;
}

void IdleConnectionTest(const DocdbSide& docdb, int count) {
  std::printf("\n%d idle connections (held by a child process; RLIMIT_NOFILE here %llu)\n", count,
              static_cast<unsigned long long>(RaiseFileLimit()));
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) Die("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::string hold =
      "--hold-connections=" + std::to_string(docdb.port()) + ":" + std::to_string(count);
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  char* argv[] = {self.data(), hold.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ) != 0) {
    Die("cannot start the connection-holding child");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  FILE* in = fdopen(from_child[0], "r");
  FILE* out = fdopen(to_child[1], "w");
  char line[256] = "";
  bool held = std::fgets(line, sizeof line, in) != nullptr && std::strncmp(line, "held", 4) == 0;
  if (!held) {
    std::printf("  FAILED: %s", line[0] ? line : "the child exited\n");
  } else {
    int n = 0;
    double ms = 0;
    std::sscanf(line, "held %d %lf", &n, &ms);
    std::printf("  opened %d connections, one hello each: %.0f ms (%.0f connections/s)\n", n, ms,
                n / (ms / 1000.0));
    // Let the server settle with everything idle, then a fresh client.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    PingStats ping = PingFreshClient(docdb.tcp_uri());
    if (!ping.error.empty()) {
      std::printf("  FAILED: ping on a fresh client: %s\n", ping.error.c_str());
    } else {
      std::printf(
          "  fresh libmongoc client while they are held: first ping (connect + "
          "handshake) %.2f ms; then 100 pings p50 %.3f ms, max %.3f ms -> %s\n",
          ping.first_ms, ping.p50_ms, ping.max_ms,
          ping.first_ms <= 100 && ping.max_ms <= 100 ? "target (<= 100 ms) met"
                                                     : "target (<= 100 ms) NOT met");
    }
    std::fputs("check\n", out);
    std::fflush(out);
    if (std::fgets(line, sizeof line, in) != nullptr && std::strncmp(line, "alive", 5) == 0) {
      int alive = 0;
      std::sscanf(line, "alive %d %lf", &alive, &ms);
      std::printf("  afterwards every held connection pinged once: %d of %d answered (%.0f ms)\n",
                  alive, n, ms);
    } else {
      std::printf("  FAILED: the held connections could not be checked\n");
    }
  }
  fclose(out);
  fclose(in);
  int status = 0;
  waitpid(pid, &status, 0);
}

std::vector<int> ParseInts(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

bool Selected(const Options& options, const std::string& name) {
  if (options.only.empty()) return true;
  std::string list = "," + options.only + ",";
  std::string key = name.substr(0, name.find_first_of(" ("));
  return list.find("," + key + ",") != std::string::npos ||
         list.find("," + name + ",") != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      std::size_t n = std::strlen(flag);
      return arg.compare(0, n, flag) == 0 ? arg.c_str() + n : nullptr;
    };
    if (const char* v = value("--hold-connections=")) {
      int port = 0, count = 0;
      if (std::sscanf(v, "%d:%d", &port, &count) != 2) Die("bad --hold-connections");
      return HoldConnections(port, count);
    } else if (const char* v = value("--ops=")) {
      options.ops = std::atoi(v);
    } else if (const char* v = value("--batches=")) {
      options.batches = std::atoi(v);
    } else if (const char* v = value("--preload=")) {
      options.preload = std::atoi(v);
    } else if (const char* v = value("--threads=")) {
      options.threads = ParseInts(v);
    } else if (const char* v = value("--idle=")) {
      options.idle = std::atoi(v);
    } else if (const char* v = value("--only=")) {
      options.only = v;
    } else if (const char* v = value("--repetitions=")) {
      options.repetitions = std::max(1, std::atoi(v));
    } else if (arg == "--durable") {
      options.durable = true;
    } else if (arg == "--unix") {
      options.unix_socket = true;
    } else {
      std::fprintf(stderr,
                   "usage: docdb_bench [--ops=N] [--batches=N] [--preload=N] [--threads=1,8] "
                   "[--idle=N] [--repetitions=N] [--durable] [--unix] "
                   "[--only=insertOne,find,...]\n");
      return 2;
    }
  }
  if (options.preload < options.ops) options.preload = options.ops;  // enough jobs to claim

  mongoc_init();
  char dir_template[] = "/tmp/docdb-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp failed");
  std::string dir = dir_template;
  std::filesystem::create_directories(dir + "/docdb");
  std::filesystem::create_directories(dir + "/sqlite");
  {
    DocdbSide docdb(dir + "/docdb", options.durable, options.unix_socket);
    SqliteSide sqlite(dir + "/sqlite", options.durable);
    std::printf(
        "docdb (libmongoc %s, %s, 4 server workers) vs direct SQLite %s; "
        "WAL, synchronous=%s on both sides\n",
        MONGOC_VERSION_S, options.unix_socket ? "Unix socket" : "loopback TCP",
        sqlite3_libversion(), options.durable ? "FULL" : "NORMAL");
    std::printf(
        "%d operations per run (insertMany: %d batches of %d); finds and updates on "
        "%d documents; each figure the median of %d runs\n\n",
        options.ops, options.batches, kBatch, options.preload, options.repetitions);
    std::printf("| %-22s | %7s | %12s | %12s | %16s | %-10s |\n", "operation", "threads",
                "docdb ops/s", "sqlite ops/s", "ratio (cost x)", "<= 2x");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(24, '-').c_str(), std::string(9, '-').c_str(),
                std::string(14, '-').c_str(), std::string(14, '-').c_str(),
                std::string(18, '-').c_str(), std::string(12, '-').c_str());
    int missed = 0;
    for (const Operation& op : Operations()) {
      if (!Selected(options, op.name)) continue;
      for (int threads : options.threads) {
        // Alternating sides, so a burst of load on the (shared) machine hits both.
        std::vector<double> ds, ss;
        for (int r = 0; r < options.repetitions; ++r) {
          ds.push_back(Measure(docdb, op, threads, options));
          ss.push_back(Measure(sqlite, op, threads, options));
        }
        std::sort(ds.begin(), ds.end());
        std::sort(ss.begin(), ss.end());
        double d = ds[ds.size() / 2];
        double s = ss[ss.size() / 2];
        double ratio = s / d;
        missed += ratio > 2.0;
        std::printf("| %-22s | %7d | %12.0f | %12.0f | %16.2f | %-10s |\n", op.name, threads, d, s,
                    ratio, ratio <= 2.0 ? "yes" : "NO");
        std::fflush(stdout);
      }
    }
    std::printf(
        "\nratio = (1 / docdb ops/s) / (1 / sqlite ops/s); insertMany counts batches of "
        "%d. Target met for %s.\n",
        kBatch, missed == 0 ? "every operation" : "not every operation");
    if (options.idle > 0) IdleConnectionTest(docdb, options.idle);
  }
  std::filesystem::remove_all(dir);
  mongoc_cleanup();
  return 0;
}
