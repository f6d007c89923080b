// The sqlite side of docdb_bench: prepared statements on the store's schema (documents +
// index_entries), one connection per thread, WAL, BEGIN IMMEDIATE around every write.
#include "sqlite_side.h"

#include <bson/bson.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "docdb/query/key_encoding.h"

namespace docdb_bench {
namespace {

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

}  // namespace

SqliteSide::SqliteSide(const std::string& dir, bool durable)
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

void SqliteSide::Prepare(const std::string& coll, const char* index_field, int preload) {
  ++next_id_;
  current_ = SqliteColl{next_id_, next_id_, index_field};
  if (preload > 0) {
    SqliteWorker loader(path_, durable_, current_);
    for (int i = 0; i < preload; i += kBatch) loader.Load(i, std::min(kBatch, preload - i));
  }
  (void)coll;
}

std::unique_ptr<Worker> SqliteSide::NewWorker(const std::string&) {
  return std::make_unique<SqliteWorker>(path_, durable_, current_);
}

}  // namespace docdb_bench
