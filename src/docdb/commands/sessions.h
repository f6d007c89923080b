// Logical sessions and multi-document transactions (lsid + txnNumber + autocommit: false).
//
// A transaction owns one storage Txn from its first statement (startTransaction: true) until
// commitTransaction or abortTransaction. Transactions write under SQLite's single write lock,
// taken when the transaction starts with fail-fast: a second transaction that starts while one
// is open fails at once with WriteConflict + TransientTransactionError, which drivers retry
// (docs/docdb.md, "Transactions and isolation"). Idle transactions are aborted after
// kTransactionLifetimeMs so a vanished client cannot hold the lock. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

inline constexpr std::int64_t kTransactionLifetimeMs = 60 * 1000;

struct SessionState {
  std::mutex mu;  // one command at a time per session
  std::int64_t txn_number = -1;
  enum class Txn { kNone, kActive, kCommitted, kAborted } txn_state = Txn::kNone;
  std::unique_ptr<storage::Txn> txn;
  std::int64_t last_used_ms = 0;
};

class SessionManager {
 public:
  // The session of `lsid` (its `id` field's bytes identify it), created on first use.
  std::shared_ptr<SessionState> Get(const std::string& lsid, std::int64_t now_ms);
  // Ends sessions: their open transactions roll back.
  void End(const std::string& lsid);
  // Aborts transactions idle longer than kTransactionLifetimeMs.
  void ExpireIdle(std::int64_t now_ms);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionState>> sessions_;
};

// The session key of a command's `lsid` field (its raw `id` bytes); empty when there is none.
std::string SessionKey(const bson_t* command);

}  // namespace tactus::docdb::commands
