// Logical sessions and multi-document transactions (lsid + txnNumber + autocommit: false).
//
// A transaction owns one storage Txn from its first statement (startTransaction: true) until
// commitTransaction or abortTransaction: a snapshot as of its start (storage::TxnMode::kSnapshot).
// Its first write takes SQLite's single write lock without waiting; a write that finds the lock
// held, or data committed since the snapshot, fails with WriteConflict +
// TransientTransactionError, which drivers retry (docs/docdb.md, "Transactions and isolation").
// Idle transactions are aborted after kTransactionLifetimeMs, and at once when the connection that
// ran their last statement closes, so a vanished client cannot hold the lock. Thread-safe.
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
  std::int64_t connection_id = 0;  // the connection of the transaction's last statement
};

class SessionManager {
 public:
  // The session of `lsid` (its `id` field's bytes identify it), created on first use.
  std::shared_ptr<SessionState> Get(const std::string& lsid, std::int64_t now_ms);
  // Ends sessions: their open transactions roll back.
  void End(const std::string& lsid);
  // Aborts transactions idle longer than kTransactionLifetimeMs and forgets sessions idle longer
  // than kSessionTimeoutMs. Sweeps at most once per kSweepIntervalMs, so calling it on every
  // command is cheap.
  void ExpireIdle(std::int64_t now_ms);
  // A client connection closed: transactions it was running roll back at once (the store's
  // write lock must not wait for their expiry).
  void AbortTransactionsOf(std::int64_t connection_id);

 private:
  static constexpr std::int64_t kSweepIntervalMs = 1000;
  static constexpr std::int64_t kSessionTimeoutMs = 30 * 60 * 1000;  // logicalSessionTimeout

  std::mutex mu_;
  std::int64_t last_sweep_ms_ = 0;  // guarded by mu_
  std::map<std::string, std::shared_ptr<SessionState>> sessions_;
};

// The session key of a command's `lsid` field (its raw `id` bytes); empty when there is none.
std::string SessionKey(const bson_t* command);

}  // namespace tactus::docdb::commands
