#include "docdb/storage/sqlite_util.h"

#include <cassert>
#include <utility>

namespace tactus::docdb::storage::internal {

DbError WriteConflictError() {
  DbError error = MakeError(kWriteConflict, kWriteConflictMessage);
  error.labels.push_back("TransientTransactionError");
  return error;
}

DbError SqliteError(sqlite3* db, int rc, std::string_view what) {
  int primary = rc & 0xFF;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return WriteConflictError();
  std::string message = "storage error during " + std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (sqlite code " + std::to_string(rc) + ")";
  return MakeError(kInternalError, std::move(message));
}

// ---- Stmt ----

Stmt::Stmt(Connection* conn, sqlite3_stmt* stmt, bool* in_use, bool owned)
    : conn_(conn), stmt_(stmt), in_use_(in_use), owned_(owned) {}

Stmt::Stmt(Stmt&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), in_use_(other.in_use_), owned_(other.owned_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::BindInt(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Stmt::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}

void Stmt::BindBlob(int index, const void* data, std::size_t len) {
  // A zero-length blob must still be a BLOB, not NULL: SQLite treats a null pointer as NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, len == 0 ? &kEmpty : data, len, SQLITE_STATIC);
}

DbResult<bool> Stmt::Step() {
  if (conn_->snapshot_moved_) return SnapshotMovedError();
  // Not busy: this step starts an execution (and, outside a transaction, takes a snapshot).
  if (conn_->one_statement_ && !sqlite3_stmt_busy(stmt_) && conn_->statements_started_++ > 0) {
    conn_->snapshot_moved_ = true;
    return SnapshotMovedError();
  }
  int rc = sqlite3_step(stmt_);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return SqliteError(conn_->db(), rc, sqlite3_sql(stmt_));
  if (conn_->snapshot_check_) {
    std::function<bool()> check = std::move(conn_->snapshot_check_);
    conn_->snapshot_check_ = nullptr;
    if (!check()) {
      conn_->snapshot_moved_ = true;
      return SnapshotMovedError();
    }
  }
  return rc == SQLITE_ROW;
}

DbError SnapshotMovedError() {
  return MakeError(kSnapshotMoved,
                   "the read's snapshot cannot serve it (the catalog changed before it was "
                   "taken, or a one-statement read needs another statement)");
}

DbResult<Done> Stmt::Run() {
  while (true) {
    DbResult<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!row.value()) return Done{};
  }
}

std::int64_t Stmt::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Stmt::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int len = sqlite3_column_bytes(stmt_, column);
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text), len);
}

std::string_view Stmt::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  int len = sqlite3_column_bytes(stmt_, column);
  return blob == nullptr ? std::string_view()
                         : std::string_view(static_cast<const char*>(blob), len);
}

bool Stmt::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Connection ----

DbResult<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    DbError error = MakeError(kInternalError, "cannot open " + path + ": " +
                                                  (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) {
    assert(!cached.in_use);
    sqlite3_finalize(cached.stmt);
  }
  sqlite3_close_v2(db_);
}

DbResult<Done> Connection::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  return Done{};
}

DbResult<Done> Connection::Run(std::string_view sql) {
  DbResult<Stmt> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  return stmt.value().Run();
}

DbResult<Stmt> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Stmt(this, it->second.stmt, &it->second.in_use, false);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  if (it != cache_.end()) return Stmt(this, stmt, nullptr, true);
  auto [slot, inserted] = cache_.emplace(std::string(sql), Cached{stmt, true});
  return Stmt(this, stmt, &slot->second.in_use, false);
}

void Connection::SetBusyTimeout(int ms) {
  if (ms == busy_timeout_ms_) return;
  sqlite3_busy_timeout(db_, ms);
  busy_timeout_ms_ = ms;
}

}  // namespace tactus::docdb::storage::internal
