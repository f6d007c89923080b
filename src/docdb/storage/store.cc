// Store: opening the data directory, the schema and its format version, the connection pool,
// and beginning transactions.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage {
namespace {

using internal::Connection;
using internal::Stmt;

// FULL syncs the WAL on every commit: an acknowledged write survives power loss. NORMAL syncs
// only at checkpoints: still consistent after a crash, may lose the last commits.
const char* SynchronousSql(const Store::Options& options) {
  return options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
}

// The schema of docs/docdb.md, "Storage", format version 6 (with kUsersAndRolesSql, kOplogSql,
// kOplogRetrySql and CatalogVersionSchemaSql; version 5 changed no table: retryable-write
// records go to the oplog, and meta has retryable_flushed_seq).
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE collections (
  id INTEGER PRIMARY KEY, db TEXT NOT NULL, name TEXT NOT NULL,
  options BLOB NOT NULL,
  UNIQUE (db, name));
CREATE TABLE documents (
  coll_id INTEGER NOT NULL, id_key BLOB NOT NULL,
  doc BLOB NOT NULL,
  PRIMARY KEY (coll_id, id_key)) WITHOUT ROWID;
CREATE TABLE indexes (
  id INTEGER PRIMARY KEY, coll_id INTEGER NOT NULL, name TEXT NOT NULL,
  spec BLOB NOT NULL,
  UNIQUE (coll_id, name));
CREATE TABLE index_entries (
  index_id INTEGER NOT NULL, key BLOB NOT NULL, id_key BLOB NOT NULL,
  PRIMARY KEY (index_id, key, id_key)) WITHOUT ROWID;
)sql";

// Added to format version 1 after its first data directories were written; created on open
// when missing, so those directories keep working.
constexpr const char* kRetryableWritesSql = R"sql(
CREATE TABLE IF NOT EXISTS retryable_writes (
  lsid BLOB PRIMARY KEY, txn_number INTEGER NOT NULL, reply BLOB NOT NULL) WITHOUT ROWID;
)sql";

// Added in format version 2: users and roles, one BSON record per (db, name). Credentials are
// SCRAM keys only (auth/scram.h); no password is ever stored.
constexpr const char* kUsersAndRolesSql = R"sql(
CREATE TABLE users (
  db TEXT NOT NULL, name TEXT NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (db, name)) WITHOUT ROWID;
CREATE TABLE roles (
  db TEXT NOT NULL, name TEXT NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (db, name)) WITHOUT ROWID;
)sql";

// Added in format version 3: the oplog of change streams (oplog.h). A seq is never reused:
// a new row gets max(seq) + 1 and trimming always keeps the newest row. (Version 3 declared it
// AUTOINCREMENT, which guarantees the same at the price of an sqlite_sequence update, a page
// more to write, in every write transaction; version 4 rebuilt the table without it.)
constexpr const char* kOplogSql = R"sql(
CREATE TABLE oplog (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL, wall_ms INTEGER NOT NULL,
  db TEXT NOT NULL, coll TEXT NOT NULL, op TEXT NOT NULL,
  entry BLOB NOT NULL);
)sql";

// Added in format version 6: the retryable-write record of the write an oplog row belongs to
// (BSON {lsid, txnNumber, reply}; NULL for most rows). Version 5 kept records in rows of their
// own, op 'retryableWrite', in `entry`; such rows remain for writes that change nothing.
constexpr const char* kOplogRetrySql = "ALTER TABLE oplog ADD COLUMN retry BLOB";

// Migration 3 -> 4 of the oplog, after the old table was renamed oplog_v3 and kOplogSql made the
// new one: the same rows, then the old table goes.
constexpr const char* kOplogCopyFromV3Sql = R"sql(
INSERT INTO oplog (seq, ts, wall_ms, db, coll, op, entry)
  SELECT seq, ts, wall_ms, db, coll, op, entry FROM oplog_v3;
DROP TABLE oplog_v3;
)sql";

// Added in format version 4: catalog_version counts the committed changes to the catalog (the
// collections and indexes tables), kept by triggers so that no statement can forget it. The
// store caches the catalog per version (docs/docdb.md, "Catalog cache").
std::string CatalogVersionSchemaSql() {
  std::string sql = "INSERT INTO meta (key, value) VALUES ('catalog_version', '0');\n";
  for (const char* table : {"collections", "indexes"}) {
    for (const char* event : {"insert", "update", "delete"}) {
      std::string upper(event);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      sql += std::string("CREATE TRIGGER ") + table + "_" + event + "_bumps_catalog AFTER " +
             upper + " ON " + table +
             " BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
             "WHERE key = 'catalog_version'; END;\n";
    }
  }
  return sql;
}

constexpr std::size_t kMaxIdleConnections = 16;

std::string NowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

DbError OpenError(const std::string& message) { return MakeError(kInternalError, message); }

DbError NotDocdb(const std::string& path, const std::string& why) {
  return OpenError(path + " is not a docdb database (" + why +
                   "); point the data directory at an empty directory or a docdb one");
}

// Creates the schema in an empty file, or checks the format version of an existing one.
DbResult<Done> PrepareSchema(Connection* conn, const std::string& path) {
  {
    DbResult<Stmt> wal = conn->Prepare("PRAGMA journal_mode=WAL");
    if (!wal.ok()) {
      int rc = sqlite3_errcode(conn->db()) & 0xFF;
      if (rc == SQLITE_NOTADB) return NotDocdb(path, "not an SQLite file");
      return wal.error();
    }
    DbResult<bool> row = wal.value().Step();
    if (!row.ok()) {
      if ((sqlite3_errcode(conn->db()) & 0xFF) == SQLITE_NOTADB) {
        return NotDocdb(path, "not an SQLite file");
      }
      return row.error();
    }
    if (!row.value() || wal.value().ColumnText(0) != "wal") {
      return OpenError("cannot switch " + path +
                       " to WAL journaling; is it on a local file system?");
    }
  }
  TACTUS_STORAGE_TRY(conn->Exec("BEGIN IMMEDIATE"));
  auto check = [&]() -> DbResult<Done> {
    bool has_meta = false;
    std::int64_t table_count = 0;
    {
      DbResult<Stmt> tables = conn->Prepare(
          "SELECT sum(name = 'meta'), count(*) FROM sqlite_master WHERE type = 'table'");
      if (!tables.ok()) return tables.error();
      TACTUS_STORAGE_TRY(tables.value().Step());
      has_meta = tables.value().ColumnInt(0) > 0;
      table_count = tables.value().ColumnInt(1);
    }
    if (!has_meta) {
      if (table_count > 0) return NotDocdb(path, "it has tables but no meta table");
      TACTUS_STORAGE_TRY(conn->Exec(kSchemaSql));
      TACTUS_STORAGE_TRY(conn->Exec(kUsersAndRolesSql));
      TACTUS_STORAGE_TRY(conn->Exec(kOplogSql));
      TACTUS_STORAGE_TRY(conn->Exec(kOplogRetrySql));
      TACTUS_STORAGE_TRY(conn->Exec(CatalogVersionSchemaSql().c_str()));
      std::string version = std::to_string(kFormatVersion), created = NowIso8601(), zero = "0";
      for (const auto& [key, value] :
           {std::pair<const char*, const std::string&>{"format_version", version},
            {"created_at", created},
            {"retryable_flushed_seq", zero}}) {
        DbResult<Stmt> insert = conn->Prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
        if (!insert.ok()) return insert.error();
        insert.value().BindText(1, key);
        insert.value().BindText(2, value);
        TACTUS_STORAGE_TRY(insert.value().Run());
      }
      return conn->Exec(kRetryableWritesSql);
    }
    DbResult<Stmt> read = conn->Prepare("SELECT value FROM meta WHERE key = 'format_version'");
    if (!read.ok()) return read.error();
    DbResult<bool> row = read.value().Step();
    if (!row.ok()) return row.error();
    if (!row.value()) return NotDocdb(path, "meta has no format_version");
    std::string version(read.value().ColumnText(0));
    read.value().Reset();  // no statement may be active while a migration drops a table
    if (version == "1") {
      // Migration 1 -> 2, in this same transaction: add the users and roles tables. A crash
      // before COMMIT leaves the file at version 1, and the next open migrates again.
      TACTUS_STORAGE_TRY(conn->Exec(kUsersAndRolesSql));
      TACTUS_STORAGE_TRY(conn->Exec("UPDATE meta SET value = '2' WHERE key = 'format_version'"));
      version = "2";
    }
    if (version == "2") {
      // Migration 2 -> 3, in the same transaction: add the oplog (empty: change streams see
      // the changes made from now on).
      TACTUS_STORAGE_TRY(conn->Exec(kOplogSql));
      TACTUS_STORAGE_TRY(conn->Exec("UPDATE meta SET value = '3' WHERE key = 'format_version'"));
      version = "3";
    }
    if (version == "3") {
      // Migration 3 -> 4, in the same transaction: the catalog version and its triggers, and
      // the oplog without AUTOINCREMENT.
      TACTUS_STORAGE_TRY(conn->Exec(CatalogVersionSchemaSql().c_str()));
      TACTUS_STORAGE_TRY(conn->Exec("ALTER TABLE oplog RENAME TO oplog_v3"));
      TACTUS_STORAGE_TRY(conn->Exec(kOplogSql));
      TACTUS_STORAGE_TRY(conn->Exec(kOplogCopyFromV3Sql));
      TACTUS_STORAGE_TRY(conn->Exec("UPDATE meta SET value = '4' WHERE key = 'format_version'"));
      version = "4";
    }
    if (version == "4") {
      // Migration 4 -> 5, in the same transaction: retryable-write records are written to the
      // oplog from now on; every record so far is in the retryable_writes table.
      TACTUS_STORAGE_TRY(conn->Exec(kRetryableWritesSql));
      TACTUS_STORAGE_TRY(
          conn->Exec("INSERT OR REPLACE INTO meta (key, value) SELECT 'retryable_flushed_seq', "
                     "CAST(coalesce(max(seq), 0) AS TEXT) FROM oplog"));
      TACTUS_STORAGE_TRY(conn->Exec("UPDATE meta SET value = '5' WHERE key = 'format_version'"));
      version = "5";
    }
    if (version == "5") {
      // Migration 5 -> 6, in the same transaction: records move to the oplog's retry column.
      TACTUS_STORAGE_TRY(conn->Exec(kOplogRetrySql));
      TACTUS_STORAGE_TRY(
          conn->Exec("UPDATE oplog SET retry = entry, entry = X'0500000000' "
                     "WHERE op = 'retryableWrite'"));
      TACTUS_STORAGE_TRY(conn->Exec("UPDATE meta SET value = '6' WHERE key = 'format_version'"));
      version = "6";
    }
    if (version != std::to_string(kFormatVersion)) {
      return OpenError(path + " has storage format_version " + version +
                       ", but this build of Tactus supports format_version " +
                       std::to_string(kFormatVersion) +
                       "; open it with the Tactus release that wrote it, or export and re-import "
                       "the data");
    }
    return conn->Exec(kRetryableWritesSql);
  };
  DbResult<Done> checked = check();
  if (!checked.ok()) {
    (void)conn->Exec("ROLLBACK");
    return checked.error();
  }
  return conn->Exec("COMMIT");
}

}  // namespace

DbResult<std::unique_ptr<Connection>> Store::Impl::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!idle.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle.back());
      idle.pop_back();
      return conn;
    }
  }
  DbResult<std::unique_ptr<Connection>> conn = Connection::Open(path, /*create=*/false);
  if (!conn.ok()) return conn.error();
  TACTUS_STORAGE_TRY(Configure(*conn.value()));
  return conn;
}

DbResult<Done> Store::Impl::Configure(Connection& conn) {
  TACTUS_STORAGE_TRY(conn.Exec(SynchronousSql(options)));
  conn.SetBusyTimeout(options.busy_timeout_ms);
  if (checkpointer) checkpointer->Watch(conn.db());
  return Done{};
}

void Store::Impl::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu);
  if (idle.size() < kMaxIdleConnections) idle.push_back(std::move(conn));
}

DbResult<std::shared_ptr<const internal::CompiledIndex>> Store::Impl::Compile(
    std::int64_t id, std::string_view spec_bytes) {
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = compiled.find(id);
    if (it != compiled.end() && it->second.spec_bytes == spec_bytes) return it->second.index;
  }
  bson_t spec;
  if (!bson_init_static(&spec, reinterpret_cast<const std::uint8_t*>(spec_bytes.data()),
                        spec_bytes.size())) {
    return MakeError(kInternalError, "stored index spec " + std::to_string(id) + " is corrupt");
  }
  DbResult<std::shared_ptr<const internal::CompiledIndex>> index =
      internal::CompileIndex(id, &spec);
  if (!index.ok()) return index.error();
  std::lock_guard<std::mutex> lock(mu);
  compiled[id] = CachedIndex{std::string(spec_bytes), index.value()};
  return index;
}

Store::Impl::~Impl() {
  // Every connection closes before the next process may open the directory; the checkpointer's
  // goes last, once no commit can report to it.
  idle.clear();
  checkpointer.reset();
  if (lock_fd >= 0) ::close(lock_fd);
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

std::uint64_t Store::checkpoint_rounds() const {
  return impl_->checkpointer ? impl_->checkpointer->rounds() : 0;
}

DbResult<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) {
    return OpenError("data directory '" + dir + "' is not a directory and cannot be created" +
                     (ec ? " (" + ec.message() + ")" : std::string()) +
                     "; choose a path where Tactus may create a directory");
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return OpenError("data directory '" + dir + "' is not writable (" + std::strerror(errno) +
                     "); fix its permissions or choose another data directory");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->path = (fs::path(dir) / "docdb.sqlite").string();
  impl->options = options;

  // One process per data directory (as mongod.lock): taken before the database is touched, so a
  // second process neither migrates nor writes it; released when the store closes or the
  // process dies. The file holds the owner's pid, for the error message of the next one.
  const std::string lock_path = (fs::path(dir) / "docdb.lock").string();
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd < 0) {
    return OpenError("cannot open " + lock_path + " (" + std::strerror(errno) +
                     "); check that the data directory is writable");
  }
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char owner[32] = {};
    const ssize_t n = ::pread(impl->lock_fd, owner, sizeof owner - 1, 0);
    std::string who = n > 0 ? std::string(owner, static_cast<std::size_t>(n)) : std::string();
    while (!who.empty() && std::isspace(static_cast<unsigned char>(who.back()))) who.pop_back();
    if (err == EWOULDBLOCK) {
      return OpenError("data directory '" + dir + "' is in use by another process" +
                       (who.empty() ? std::string() : " (pid " + who + ")") +
                       ": one process at a time may open it; stop that one or choose another "
                       "data directory");
    }
    return OpenError("cannot lock " + lock_path + " (" + std::strerror(err) + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(impl->lock_fd, 0) != 0 ||
      ::pwrite(impl->lock_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return OpenError("cannot write " + lock_path + " (" + std::strerror(errno) + ")");
  }

  DbResult<std::unique_ptr<Connection>> conn = Connection::Open(impl->path, /*create=*/true);
  if (!conn.ok()) {
    DbError error = conn.error();
    error.message += "; check that '" + dir + "' is writable";
    return error;
  }
  conn.value()->SetBusyTimeout(options.busy_timeout_ms);
  DbResult<Done> schema = PrepareSchema(conn.value().get(), impl->path);
  if (!schema.ok()) {
    DbError error = schema.error();
    if (error.code == kInternalError && error.message.find("readonly") != std::string::npos) {
      error.message += "; the data directory or its files are not writable";
    }
    return error;
  }
  {
    DbResult<std::unique_ptr<Connection>> own = Connection::Open(impl->path, /*create=*/false);
    if (!own.ok()) return own.error();
    TACTUS_STORAGE_TRY(own.value()->Exec(SynchronousSql(options)));  // its syncs, as theirs
    impl->checkpointer =
        std::make_unique<internal::Checkpointer>(std::move(own).value(), &impl->writers);
  }
  TACTUS_STORAGE_TRY(impl->Configure(*conn.value()));
  {
    DbResult<Stmt> last = conn.value()->Prepare("SELECT ts FROM oplog ORDER BY seq DESC LIMIT 1");
    if (!last.ok()) return last.error();
    DbResult<bool> row = last.value().Step();
    if (!row.ok()) return row.error();
    if (row.value()) {
      impl->last_issued_oplog_ts = static_cast<std::uint64_t>(last.value().ColumnInt(0));
    }
  }
  TACTUS_STORAGE_TRY(impl->LoadRetryableWrites(conn.value().get()));
  impl->Release(std::move(conn).value());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

DbResult<std::unique_ptr<Txn>> Store::Begin(TxnMode mode, bool fail_fast) {
  return impl_->Begin(mode, fail_fast, false, false);
}

DbResult<std::unique_ptr<Txn>> Store::BeginOptimisticRead(bool one_statement) {
  return impl_->Begin(TxnMode::kRead, false, true, one_statement);
}

DbResult<std::unique_ptr<Txn>> Store::Impl::Begin(TxnMode mode, bool fail_fast, bool optimistic,
                                                  bool one_statement) {
  bool write = mode == TxnMode::kWrite;
  bool wait = mode == TxnMode::kRead || (write && !fail_fast);
  if (write) {
    bool got = wait ? writers.Acquire(std::chrono::milliseconds(options.busy_timeout_ms))
                    : writers.TryAcquire();
    if (!got) return internal::WriteConflictError();
  }
  // Given back on every failure below; a begun write transaction keeps it until it ends.
  struct GateGuard {
    WriterGate* gate;
    ~GateGuard() {
      if (gate) gate->Release();
    }
  } gate_guard{write ? &writers : nullptr};
  DbResult<std::unique_ptr<Connection>> acquired = Acquire();
  if (!acquired.ok()) return acquired.error();
  std::unique_ptr<Connection> conn = std::move(acquired).value();
  conn->SetBusyTimeout(wait ? options.busy_timeout_ms : 0);
  std::int64_t catalog_version = -1;
  auto begin = [&]() -> DbResult<Done> {
    // A deferred transaction takes its WAL snapshot at its first read. An optimistic one takes
    // the committed catalog version from memory and checks, once that snapshot is taken, that
    // no change to the catalog committed meanwhile: such a commit resets the version to -1
    // before its COMMIT, and it is learnt again (a larger number) only after.
    const std::int64_t known = write ? -1 : committed_catalog_version.load();
    const bool from_memory = optimistic && known >= 0;
    // A one-statement read runs no BEGIN: its statement is its own read transaction.
    if (!(from_memory && one_statement)) {
      TACTUS_STORAGE_TRY(conn->Run(write ? "BEGIN IMMEDIATE" : "BEGIN"));
    }
    if (write) return Done{};
    if (from_memory) {
      catalog_version = known;
      conn->SetSnapshotCheck([this, known] { return committed_catalog_version == known; });
      if (one_statement) conn->LimitToOneStatement();
      return Done{};
    }
    // Otherwise this first read also reads the snapshot's catalog version for the catalog cache.
    DbResult<Stmt> pin = conn->Prepare(kCatalogVersionSql);
    if (!pin.ok()) return pin.error();
    DbResult<bool> row = pin.value().Step();
    if (!row.ok()) return row.error();
    if (row.value()) catalog_version = pin.value().ColumnInt(0);
    return Done{};
  };
  DbResult<Done> begun = begin();
  if (!begun.ok()) {
    if (!sqlite3_get_autocommit(conn->db())) (void)conn->Exec("ROLLBACK");
    Release(std::move(conn));
    return begun.error();
  }
  auto txn = std::make_unique<Txn::Impl>();
  txn->store = this;
  txn->conn = std::move(conn);
  txn->mode = mode;
  txn->active = true;
  txn->catalog_version = catalog_version;
  txn->holds_writers = write;
  gate_guard.gate = nullptr;
  return std::unique_ptr<Txn>(new Txn(std::move(txn)));
}

}  // namespace tactus::docdb::storage
