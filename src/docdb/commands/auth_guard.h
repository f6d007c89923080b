// Authentication state and authorization checks of the dispatcher (docs/docdb.md, "Users and
// authentication"): who each connection is, SCRAM conversations in progress, which user owns
// each cursor and each logical session, and the check every command passes before it runs.
//
// With Options::enabled false (no --auth) clients may still authenticate (connectionStatus
// shows them), but nothing is enforced. Thread-safe: connections run concurrently; one
// connection's calls never overlap (server/request_handler.h), so its ConnectionAuth needs no
// lock of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "docdb/auth/privileges.h"
#include "docdb/auth/scram.h"
#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

// Cursor and session ownership records unused this long are forgotten (the cursor's idle timeout
// and the logical session timeout).
inline constexpr std::int64_t kOwnershipTimeoutMs = 30 * 60 * 1000;

struct AuthenticatedUser {
  std::string user, db;
  std::vector<auth::RoleName> roles;
  auth::PrivilegeSet privileges;
  std::uint64_t generation = 0;  // of the users and roles the privileges were resolved from
  std::string Key() const { return db + "." + user; }
};

// One connection's authentication state.
struct ConnectionAuth {
  std::optional<AuthenticatedUser> user;
  struct Conversation {
    std::int32_t id = 0;
    std::string db;
    bool skip_empty_exchange = false;
    bool awaiting_empty = false;  // the proof was verified; the client sends one empty step
    std::unique_ptr<auth::ScramServer> scram;
  };
  std::optional<Conversation> conversation;
  std::int32_t next_conversation_id = 1;
};

class AuthGuard {
 public:
  // REQUIRES: `store` outlives the guard.
  AuthGuard(storage::Store& store, bool enabled) : store_(store), enabled_(enabled) {}

  bool enabled() const { return enabled_; }

  // The connection's state, created on first use; forgotten by OnDisconnect.
  std::shared_ptr<ConnectionAuth> Connection(std::int64_t connection_id);
  void OnDisconnect(std::int64_t connection_id);

  // OK when `ctx` may run command `name`; otherwise Unauthorized (13): "Command <name> requires
  // authentication" before authentication, "not authorized on <db> to execute command
  // { <name>: ... }" when the user's roles lack an action, or a message naming the cursor or
  // session another user owns. REQUIRES: ctx.connection_auth is set.
  DbResult<Done> Authorize(const CommandContext& ctx, std::string_view name);

  // After a command succeeded: records the owner of a cursor it opened, forgets cursors it
  // closed, invalidates resolved privileges after a user or role change, and adds hello's
  // saslSupportedMechs and speculativeAuthenticate replies.
  void AfterCommand(CommandContext& ctx, std::string_view name, bson_t* reply);

  // saslStart: `command` is the saslStart command, or hello's speculativeAuthenticate
  // document (then `db` is its `db` field). The reply has no `ok` field.
  DbResult<BsonPtr> SaslStart(const CommandContext& ctx, const bson_t* command,
                              const std::string& db);
  DbResult<BsonPtr> SaslContinue(const CommandContext& ctx);
  // Ends the connection's authentication.
  void Logout(const CommandContext& ctx);

 private:
  // Re-resolves `user`'s privileges when users or roles changed since they were resolved.
  void Refresh(AuthenticatedUser& user);
  DbResult<AuthenticatedUser> Resolve(const std::string& db, const std::string& user);
  DbResult<bool> LocalhostException(const CommandContext& ctx, std::string_view name);
  DbResult<Done> CheckOwnership(const CommandContext& ctx, std::string_view name,
                                const AuthenticatedUser& user);
  DbResult<BsonPtr> Step(const CommandContext& ctx, ConnectionAuth::Conversation& conversation,
                         std::string_view payload);
  void SweepLocked(std::int64_t now_ms);

  storage::Store& store_;
  const bool enabled_;
  std::atomic<std::uint64_t> generation_{1};

  std::mutex mu_;
  std::map<std::int64_t, std::shared_ptr<ConnectionAuth>> connections_;  // guarded by mu_
  struct Owner {
    std::string user;  // AuthenticatedUser::Key()
    std::int64_t last_used_ms = 0;
  };
  std::map<std::int64_t, Owner> cursor_owners_;  // guarded by mu_
  std::map<std::string, Owner> session_owners_;  // by SessionKey; guarded by mu_
  std::int64_t last_sweep_ms_ = 0;               // guarded by mu_
};

}  // namespace tactus::docdb::commands
