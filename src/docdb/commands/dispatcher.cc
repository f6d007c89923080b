#include "docdb/commands/dispatcher.h"

#include <chrono>
#include <iterator>
#include <set>

#include "docdb/commands/registry.h"
#include "docdb/query/deadline.h"

namespace tactus::docdb::commands {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

DbError WithLabel(DbError e, const char* label) {
  for (const auto& l : e.labels) {
    if (l == label) return e;
  }
  e.labels.emplace_back(label);
  return e;
}

// Whether a write command's reply reports a failed statement: a non-empty writeErrors (insert,
// update, delete) or a positive nErrors (bulkWrite).
bool ReportsWriteErrors(const bson_t* reply) {
  bson_t write_errors;
  if (GetArray(reply, "writeErrors", &write_errors) && !bson_empty(&write_errors)) return true;
  return GetInt64(reply, "nErrors", 0) > 0;
}

}  // namespace

Dispatcher::Dispatcher(storage::Store& store, ServerInfo info)
    : store_(store), info_(std::move(info)), auth_(store, info_.auth) {
  if (info_.start_time_ms == 0) info_.start_time_ms = NowMs();
}

BsonPtr Dispatcher::Run(const std::string& db, const bson_t* command, std::int64_t connection_id,
                        const std::string& peer, const std::string& local, AwaitRequest* await) {
  bson_iter_t it;
  if (!bson_iter_init(&it, command) || !bson_iter_next(&it)) {
    return ErrorReply(MakeError(kFailedToParse, "empty command object"));
  }
  std::string name = bson_iter_key(&it);
  const Registry& registry = AllCommands();
  auto found = registry.find(name);
  if (found == registry.end()) {
    return ErrorReply(MakeError(kCommandNotFound, "no such command: '" + name + "'"));
  }
  CommandContext ctx;
  ctx.db = db;
  ctx.command = command;
  ctx.connection_id = connection_id;
  ctx.peer = peer;
  ctx.local = local;
  ctx.store = &store_;
  ctx.cursors = &cursors_;
  ctx.change_streams = &change_streams_;
  ctx.await_out = await;
  ctx.sessions = &sessions_;
  ctx.server = &info_;
  std::shared_ptr<ConnectionAuth> connection_auth = auth_.Connection(connection_id);
  ctx.auth = &auth_;
  ctx.connection_auth = connection_auth.get();
  ctx.now_ms = NowMs();
  sessions_.ExpireIdle(ctx.now_ms);
  if (auto allowed = auth_.Authorize(ctx, name); !allowed.ok()) {
    return ErrorReply(allowed.error());
  }

  // The generic fields, found in one pass over the command.
  static constexpr std::string_view kGeneric[] = {"maxTimeMS", "autocommit", "txnNumber"};
  FoundField generic[std::size(kGeneric)];
  FindFields(command, kGeneric, generic);
  const bson_iter_t* max_time = generic[0].get();
  const bson_iter_t* autocommit = generic[1].get();
  const bson_iter_t* txn_number = generic[2].get();
  // maxTimeMS bounds the command's expression evaluation (query/deadline.h); for getMore on
  // a change stream it is the await time instead.
  query::DeadlineScope deadline(name == "getMore" ? 0 : Int64Or(max_time, 0));
  DbResult<BsonPtr> result = MakeError(kInternalError, "");
  bool in_transaction = !BoolOr(autocommit, true);
  if (in_transaction || name == "commitTransaction" || name == "abortTransaction") {
    result = RunInTransaction(ctx, name, found->second);
  } else {
    static const std::set<std::string, std::less<>> kRetryable = {
        "insert", "update", "delete", "findAndModify", "findandmodify", "bulkWrite"};
    if (txn_number != nullptr && kRetryable.count(name)) {
      ctx.retry_lsid = SessionKey(command);
      ctx.retry_txn_number = Int64Or(txn_number, -1);
      if (ctx.retry_lsid.empty()) ctx.retry_txn_number = -1;
    }
    result = found->second.run(ctx);
  }
  if (!result.ok()) return ErrorReply(result.error());
  BsonPtr reply = std::move(result).value();
  if (await != nullptr && await->wanted) return reply;  // not a reply yet: it runs again
  auth_.AfterCommand(ctx, name, reply.get());
  return reply;
}

DbResult<BsonPtr> Dispatcher::RunInTransaction(CommandContext& ctx, const std::string& name,
                                               const CommandSpec& spec) {
  std::string key = SessionKey(ctx.command);
  if (key.empty()) {
    return MakeError(kInvalidOptions, "Transaction commands need a session (lsid)");
  }
  std::int64_t txn_number = GetInt64(ctx.command, "txnNumber", -1);
  if (txn_number < 0) return MakeError(kBadValue, "Transaction commands need a txnNumber");
  auto session = sessions_.Get(key, ctx.now_ms);
  std::lock_guard lock(session->mu);
  using State = SessionState::Txn;

  if (name == "commitTransaction" || name == "abortTransaction") {
    bool commit = name == "commitTransaction";
    if (txn_number == session->txn_number && session->txn_state == State::kCommitted) {
      if (commit) return ReplyBuilder().Finish();  // a retried commit
      return MakeError(kTransactionCommitted,
                       "Transaction " + std::to_string(txn_number) + " has been committed.");
    }
    if (txn_number != session->txn_number || session->txn_state != State::kActive) {
      if (!commit && txn_number == session->txn_number) {
        return MakeError(kNoSuchTransaction,
                         "Transaction " + std::to_string(txn_number) + " has been aborted.");
      }
      return WithLabel(
          MakeError(kNoSuchTransaction, "Transaction with txnNumber " + std::to_string(txn_number) +
                                            " has not been started"),
          "TransientTransactionError");
    }
    if (commit) {
      auto committed = session->txn->Commit();
      session->txn.reset();
      if (!committed.ok()) {
        session->txn_state = State::kAborted;
        // A failed COMMIT may or may not have reached the disk: the driver must not assume
        // either (it retries the commit, not the whole transaction).
        return WithLabel(committed.error(), "UnknownTransactionCommitResult");
      }
      session->txn_state = State::kCommitted;
    } else {
      session->txn.reset();  // rolls back
      session->txn_state = State::kAborted;
    }
    return ReplyBuilder().Finish();
  }

  if (!spec.allowed_in_transaction) {
    return MakeError(kCommandNotSupportedInTransaction,
                     "Cannot run '" + name + "' in a multi-document transaction.");
  }
  if (GetBool(ctx.command, "startTransaction", false)) {
    if (txn_number < session->txn_number ||
        (txn_number == session->txn_number && session->txn_state != State::kNone)) {
      return MakeError(kTransactionTooOld,
                       "Cannot start transaction " + std::to_string(txn_number) +
                           " on session because a newer transaction has started");
    }
    session->txn.reset();  // an abandoned earlier transaction rolls back
    // A transaction whose first statement writes takes the write lock at once, waiting for it
    // as a plain write does: its snapshot then starts with the lock held, so it cannot lose to
    // a writer that commits meanwhile. Concurrent read-modify-write transactions (every step of
    // `tactus serve`) would otherwise abort one another with WriteConflict. A transaction that
    // starts with a read keeps the snapshot of that read (first committer wins).
    bool writes_first = name == "insert" || name == "update" || name == "delete" ||
                        name == "findAndModify" || name == "findandmodify" || name == "bulkWrite";
    auto txn = store_.Begin(writes_first ? storage::TxnMode::kWrite : storage::TxnMode::kSnapshot);
    if (!txn.ok()) {
      session->txn_state = State::kAborted;
      session->txn_number = txn_number;
      return WithLabel(txn.error(), "TransientTransactionError");
    }
    session->txn = std::move(txn).value();
    session->txn_number = txn_number;
    session->txn_state = State::kActive;
  } else if (txn_number != session->txn_number || session->txn_state != State::kActive) {
    return WithLabel(
        MakeError(kNoSuchTransaction, "Transaction with txnNumber " + std::to_string(txn_number) +
                                          " has been aborted or was never started"),
        "TransientTransactionError");
  }
  session->connection_id = ctx.connection_id;
  ctx.txn = session->txn.get();
  ctx.session = session.get();
  auto result = spec.run(ctx);
  if (!result.ok()) {
    // A failed statement aborts the transaction, as in MongoDB.
    session->txn.reset();
    session->txn_state = State::kAborted;
    DbError error = result.error();
    if (error.code == kWriteConflict || error.code == kNoSuchTransaction) {
      bool labelled = false;
      for (const auto& l : error.labels) labelled |= l == "TransientTransactionError";
      if (!labelled) error.labels.emplace_back("TransientTransactionError");
    }
    return error;
  }
  if (ReportsWriteErrors(result.value().get())) {
    // A write error (e.g. a duplicate key) also aborts the transaction, as in MongoDB: the reply
    // still reports it (writeErrors, or bulkWrite's nErrors and results cursor), and a later
    // commit fails with NoSuchTransaction rather than committing the statements before it.
    session->txn.reset();
    session->txn_state = State::kAborted;
  }
  return result;
}

}  // namespace tactus::docdb::commands
