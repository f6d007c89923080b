// Runs one command: finds it by name, applies session and transaction semantics, turns errors
// into MongoDB's error replies. The network layer calls Run for every request.
//
// Thread-safe: concurrent Run calls are fine; commands of one session are serialized.
#pragma once

#include <memory>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/commands/auth_guard.h"
#include "docdb/commands/change_stream.h"
#include "docdb/commands/command.h"
#include "docdb/commands/cursors.h"
#include "docdb/commands/sessions.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

class Dispatcher {
 public:
  // `store` must outlive the Dispatcher.
  Dispatcher(storage::Store& store, ServerInfo info);

  // The reply body for `command` sent to database `db`. Never fails: errors become
  // {ok: 0, errmsg, code, codeName[, errorLabels]}.
  // With `await` (may be nullptr), a getMore on a change stream with nothing to return yet
  // does not block: it sets await->wanted and returns a reply that must not be sent; the caller
  // runs the same command again once Store::OplogVersion() differs from await->oplog_version
  // or at await->deadline_ms (see AwaitRequest).
  BsonPtr Run(const std::string& db, const bson_t* command, std::int64_t connection_id,
              const std::string& peer, const std::string& local, AwaitRequest* await = nullptr);

  // A client connection closed: its transactions roll back (see SessionManager) and its
  // authentication ends.
  void OnDisconnect(std::int64_t connection_id) {
    sessions_.AbortTransactionsOf(connection_id);
    auth_.OnDisconnect(connection_id);
  }

  const ServerInfo& info() const { return info_; }

 private:
  DbResult<BsonPtr> RunInTransaction(CommandContext& ctx, const std::string& name,
                                     const CommandSpec& spec);

  storage::Store& store_;
  ServerInfo info_;
  CursorManager cursors_;
  ChangeStreams change_streams_;
  SessionManager sessions_;
  AuthGuard auth_;  // enforces ServerInfo::auth on every command
};

}  // namespace tactus::docdb::commands
