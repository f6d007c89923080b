// Thin RAII over the SQLite C API for the storage engine: a connection that caches its prepared
// statements, and a statement handle that resets itself when it goes out of scope.
//
// Why hand-written: the engine needs exactly prepare/bind/step with a per-connection statement
// cache and MongoDB error mapping; C++ SQLite wrappers add neither and cost an extra dependency.
//
// Thread safety: a Connection and its statements are used by one thread at a time (the Txn that
// owns the connection). Connections are opened with SQLITE_OPEN_NOMUTEX for that reason.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "docdb/error.h"

namespace tactus::docdb::storage::internal {

// MongoDB's message for a lost race for the write lock (drivers retry on the label).
inline constexpr const char* kWriteConflictMessage =
    "Write conflict during plan execution and yielding is disabled. :: Please retry your "
    "operation or multi-document transaction.";

// WriteConflict (112) with the TransientTransactionError label.
DbError WriteConflictError();
// kSnapshotMoved: see Connection::SetSnapshotCheck.
DbError SnapshotMovedError();

// Maps a SQLite result code: SQLITE_BUSY/SQLITE_LOCKED become WriteConflictError(); anything
// else is InternalError naming `what` and SQLite's message.
DbError SqliteError(sqlite3* db, int rc, std::string_view what);

class Connection;

// A prepared statement borrowed from a Connection's cache. Move-only. Destruction resets it and
// clears its bindings, so the next user starts clean.
//
// Bound text and blobs are NOT copied (SQLITE_STATIC): the caller keeps them alive until the
// statement is destroyed or stepped to completion.
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameter indexes are 1-based, as in SQLite.
  void BindInt(int index, std::int64_t value);
  void BindText(int index, std::string_view value);
  void BindBlob(int index, const void* data, std::size_t len);
  void BindBlob(int index, std::string_view bytes) { BindBlob(index, bytes.data(), bytes.size()); }

  // Rewinds the statement and clears its bindings, to run it again (loops over keys).
  void Reset();

  // One step: true when a row is available, false when done.
  DbResult<bool> Step();
  // Steps to completion, ignoring rows (INSERT, UPDATE, DELETE).
  DbResult<Done> Run();

  std::int64_t ColumnInt(int column) const;
  std::string_view ColumnText(int column) const;
  std::string_view ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Connection;
  Stmt(Connection* conn, sqlite3_stmt* stmt, bool* in_use, bool owned);

  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; nullptr for an uncached (owned) statement
  bool owned_;    // finalize on destruction instead of returning to the cache
};

class Connection {
 public:
  // Opens `path` read-write, creating the file when `create`.
  static DbResult<std::unique_ptr<Connection>> Open(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // Runs one or more statements that return no rows we need (PRAGMA, BEGIN, DDL).
  DbResult<Done> Exec(const char* sql);

  // The cached prepared statement for `sql` (prepared on first use). When the cached one is
  // already in use (a visitor re-entering the same query) a private copy is prepared.
  DbResult<Stmt> Prepare(std::string_view sql);

  // Runs one statement without parameters or rows (COMMIT, SAVEPOINT, ...) from the statement
  // cache: unlike Exec, it is parsed once per connection, not at every call.
  DbResult<Done> Run(std::string_view sql);

  // sqlite3_busy_timeout, skipped when unchanged.
  void SetBusyTimeout(int ms);

  // Runs `check` once, right after the next successful step of any statement (in a deferred
  // transaction, the step that takes the read snapshot); when it returns false, that step and
  // every later one fail with kSnapshotMoved, so no caller can read on by ignoring one error.
  // ClearSnapshotCheck (at the transaction's end) drops the check, the limit below and that
  // state.
  void SetSnapshotCheck(std::function<bool()> check) { snapshot_check_ = std::move(check); }
  // For a read run without BEGIN, each statement on its own snapshot: the first statement
  // execution proceeds, and a second one fails with kSnapshotMoved (and so does every later
  // step), as it would read another snapshot.
  void LimitToOneStatement() {
    one_statement_ = true;
    statements_started_ = 0;
  }
  void ClearSnapshotCheck() {
    snapshot_check_ = nullptr;
    snapshot_moved_ = false;
    one_statement_ = false;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  friend class Stmt;
  sqlite3* db_;
  int busy_timeout_ms_ = -1;
  std::function<bool()> snapshot_check_;
  bool snapshot_moved_ = false;
  bool one_statement_ = false;
  int statements_started_ = 0;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Node-based map: Stmt holds pointers to the in_use flags.
  std::unordered_map<std::string, Cached, Hash, std::equal_to<>> cache_;
};

}  // namespace tactus::docdb::storage::internal
