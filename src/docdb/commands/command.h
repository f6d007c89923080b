// The commands layer: what each MongoDB command does, on top of query/, update/ and storage/.
//
// A command is a function from (CommandContext, command document) to a reply body. Replies are
// built with ReplyBuilder; failures are DbErrors, which the dispatcher turns into MongoDB's
// error reply ({ok: 0, errmsg, code, codeName, errorLabels}).
#pragma once

#include <bson/bson.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

class AuthGuard;
class ChangeStreams;
class CursorManager;
class SessionManager;
struct ConnectionAuth;
struct SessionState;
struct TtlMetrics;

// Facts about the server that commands report (hello, buildInfo, serverStatus, ...).
struct ServerInfo {
  std::string host = "127.0.0.1:27017";  // "me" in hello
  std::string set_name = "tactus";
  std::int64_t start_time_ms = 0;
  std::string version = "7.0.0";
  std::string dbpath;
  // Whether commands require an authenticated, authorized user (--auth).
  bool auth = false;
  // The TTL monitor's counters for serverStatus (owned by whoever runs the monitor:
  // EmbeddedServer); nullptr without a monitor.
  const TtlMetrics* ttl = nullptr;
};

// Filled by a getMore on a change stream that found no event and may still wait
// (change_stream.h): the caller runs the same command again once the oplog version differs from
// `oplog_version` or at `deadline_ms`, instead of a worker thread blocking meanwhile.
struct AwaitRequest {
  bool wanted = false;
  std::uint64_t oplog_version = 0;
  std::int64_t deadline_ms = 0;  // system clock, ms since the epoch
};

struct CommandContext {
  std::string db;  // the request's $db
  const bson_t* command = nullptr;
  std::int64_t connection_id = 0;
  std::string peer;   // the client's address
  std::string local;  // the listener the client came through (hello's `me`)
  storage::Store* store = nullptr;
  CursorManager* cursors = nullptr;
  ChangeStreams* change_streams = nullptr;
  SessionManager* sessions = nullptr;
  const ServerInfo* server = nullptr;
  // Authentication: the dispatcher's guard and this connection's state (who it is).
  AuthGuard* auth = nullptr;
  ConnectionAuth* connection_auth = nullptr;
  std::int64_t now_ms = 0;
  // Set when the command runs inside a multi-document transaction: the transaction's Txn
  // (commands must not commit it) and its session.
  storage::Txn* txn = nullptr;
  SessionState* session = nullptr;
  // Set for a retryable write (a write with lsid + txnNumber outside a transaction): the
  // session key and the write's number. Its reply is recorded with the write, and a retry of
  // the same write gets that reply without running again.
  std::string retry_lsid;
  std::int64_t retry_txn_number = -1;
  // Set by callers that can re-run a command later (Dispatcher::Run with an AwaitRequest);
  // nullptr: commands that wait block their thread.
  AwaitRequest* await_out = nullptr;
};

// Appends `ok: 1.0` last. Commands add their fields to body().
class ReplyBuilder {
 public:
  ReplyBuilder() : doc_(NewBson()) {}
  bson_t* body() { return doc_.get(); }
  BsonPtr Finish();

 private:
  BsonPtr doc_;
};

using CommandFn = std::function<DbResult<BsonPtr>(CommandContext&)>;

struct CommandSpec {
  CommandFn run;
  // Writes: run in a write transaction of their own unless inside a multi-document one.
  bool allowed_in_transaction = false;
};

// Error reply body for `error` (code, codeName, errmsg, errorLabels, keyPattern/keyValue).
BsonPtr ErrorReply(const DbError& error);
// Appends `error`'s keyPattern and keyValue (a DuplicateKey's) to `doc`, when it has them.
void AppendDuplicateKeyInfo(bson_t* doc, const DbError& error);

// ---- helpers shared by command implementations ----
// MongoDB's limits on a stored document: 16 MiB, nesting depth 100 (commands may nest deeper, up
// to the wire's limit).
inline constexpr std::uint32_t kMaxDocumentBytes = 16 * 1024 * 1024;
inline constexpr int kMaxStoredDepth = 100;
// A document ready to store (insert, upsert, $out, $merge): _id first (an ObjectId when
// missing), within the limits above, no '$'-prefixed top-level names, no array/regex/undefined
// _id. Errors as insert's.
DbResult<BsonPtr> DocumentForStorage(const bson_t* doc);
// The collection name a command targets: the string value of its first field.
DbResult<std::string> TargetCollection(const CommandContext& ctx);
// Looks up a field of the command; nullptr-safe accessors with MongoDB's type errors.
bool GetBool(const bson_t* doc, const char* key, bool dflt);
std::int64_t GetInt64(const bson_t* doc, const char* key, std::int64_t dflt);
// The same for a field already found (FindFields): `field` is nullptr when it is absent.
bool BoolOr(const bson_iter_t* field, bool dflt);
std::int64_t Int64Or(const bson_iter_t* field, std::int64_t dflt);
// A sub-document or array field as a view into `doc` (valid while `doc` is); false if absent or
// of another type.
bool GetDocument(const bson_t* doc, const char* key, bson_t* out);
bool GetArray(const bson_t* doc, const char* key, bson_t* out);
// The same for a field already found (FindFields; nullptr when absent).
bool DocumentAt(const bson_iter_t* field, bson_t* out);
bool ArrayAt(const bson_iter_t* field, bson_t* out);
DbError TypeError(std::string_view field, std::string_view expected);

// Runs `body(Txn&)` in the command's multi-document transaction when there is one, otherwise
// through the store's group commit: concurrent write commands share one fsync, and a body that
// fails leaves nothing behind.
template <typename Body>
DbResult<BsonPtr> WithWriteTxn(CommandContext& ctx, Body&& body) {
  if (ctx.txn) return body(*ctx.txn);
  BsonPtr reply;
  auto done = ctx.store->GroupWrite([&](storage::Txn& txn) -> DbResult<Done> {
    bool retryable = !ctx.retry_lsid.empty();
    if (retryable) {
      auto prior = txn.FindRetryableWrite(ctx.retry_lsid, ctx.retry_txn_number);
      if (!prior.ok()) return prior.error();
      if (prior.value()) {  // a retry of a write that already happened
        reply = std::move(prior).value();
        return Done{};
      }
    }
    DbResult<BsonPtr> r = body(txn);
    if (!r.ok()) return r.error();
    reply = std::move(r).value();
    if (retryable) {
      auto recorded = txn.RecordRetryableWrite(ctx.retry_lsid, ctx.retry_txn_number, reply.get());
      if (!recorded.ok()) return recorded.error();
    }
    return Done{};
  });
  if (!done.ok()) return done.error();
  return reply;
}

// Runs `body(Txn&)` in the transaction, or in a read snapshot of its own. `one_statement`:
// the body most likely runs one SQLite statement (a point read, one index range), which then
// runs without BEGIN; should it need a second, it runs again as any other.
template <typename Body>
DbResult<BsonPtr> WithReadTxn(CommandContext& ctx, Body&& body, bool one_statement = false) {
  if (ctx.txn) return body(*ctx.txn);
  {
    // The catalog version from memory; when the catalog changed before the first read took its
    // snapshot (or a one-statement read needs a second), that read fails having read nothing
    // of its snapshot, and the body runs again below.
    auto txn = ctx.store->BeginOptimisticRead(one_statement);
    if (!txn.ok()) return txn.error();
    DbResult<BsonPtr> result = body(*txn.value());
    if (result.ok() || result.error().code != kSnapshotMoved) return result;
  }
  auto txn = ctx.store->Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  return body(*txn.value());
}

}  // namespace tactus::docdb::commands
