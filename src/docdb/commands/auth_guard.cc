#include "docdb/commands/auth_guard.h"

#include <set>

#include "docdb/auth/command_actions.h"
#include "docdb/commands/sessions.h"
#include "docdb/commands/user_records.h"

namespace tactus::docdb::commands {
namespace {

constexpr std::int64_t kSweepIntervalMs = 60 * 1000;

// Commands after which resolved privileges may be stale.
const std::set<std::string, std::less<>> kUserAndRoleChanges = {"createUser",
                                                                "updateUser",
                                                                "dropUser",
                                                                "dropAllUsersFromDatabase",
                                                                "grantRolesToUser",
                                                                "revokeRolesFromUser",
                                                                "createRole",
                                                                "updateRole",
                                                                "dropRole",
                                                                "grantPrivilegesToRole",
                                                                "revokePrivilegesFromRole",
                                                                "grantRolesToRole",
                                                                "revokeRolesFromRole"};

DbError Unauthorized(std::string message) { return MakeError(kUnauthorized, std::move(message)); }

// "{ find: "orders", ... }": the command's first field only, so no argument (a password, a
// document) ever reaches an error message.
std::string CommandSummary(const bson_t* command) {
  bson_iter_t it;
  if (!bson_iter_init(&it, command) || !bson_iter_next(&it)) return "{}";
  BsonPtr first = NewBson();
  bson_append_iter(first.get(), nullptr, 0, &it);
  std::string json = ToJson(first.get());  // "{ "find" : "orders" }"
  if (json.size() > 2 && json.back() == '}') json.resize(json.size() - 1);
  std::string out;
  // MongoDB prints field names unquoted.
  std::size_t quote = json.find('"');
  std::size_t end = quote == std::string::npos ? quote : json.find('"', quote + 1);
  if (end != std::string::npos) {
    out = "{ " + json.substr(quote + 1, end - quote - 1) + json.substr(end + 2);
  } else {
    out = json;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return bson_count_keys(command) > 1 ? out + ", ... }" : out + " }";
}

bool IsLocalPeer(const std::string& peer) {
  return peer.rfind("127.", 0) == 0 || peer.rfind("::1", 0) == 0 || peer.rfind("[::1]", 0) == 0 ||
         peer.rfind("unix:", 0) == 0;
}

std::optional<std::string> Payload(const bson_t* command) {
  bson_iter_t it;
  if (!FindField(command, "payload", &it)) return std::nullopt;
  if (BSON_ITER_HOLDS_BINARY(&it)) {
    bson_subtype_t subtype;
    std::uint32_t len;
    const std::uint8_t* data;
    bson_iter_binary(&it, &subtype, &len, &data);
    return std::string(reinterpret_cast<const char*>(data), len);
  }
  if (BSON_ITER_HOLDS_UTF8(&it)) {
    std::uint32_t len;
    const char* s = bson_iter_utf8(&it, &len);
    return std::string(s, len);
  }
  return std::nullopt;
}

void AppendPayload(bson_t* out, std::string_view payload) {
  bson_append_binary(out, "payload", -1, BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const std::uint8_t*>(payload.data()),
                     static_cast<std::uint32_t>(payload.size()));
}

std::vector<std::int64_t> CursorIds(const bson_t* command) {
  std::vector<std::int64_t> ids;
  bson_t arr;
  if (!GetArray(command, "cursors", &arr)) return ids;
  bson_iter_t it;
  bson_iter_init(&it, &arr);
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_NUMBER(&it)) ids.push_back(bson_iter_as_int64(&it));
  }
  return ids;
}

}  // namespace

std::shared_ptr<ConnectionAuth> AuthGuard::Connection(std::int64_t connection_id) {
  std::lock_guard lock(mu_);
  auto& slot = connections_[connection_id];
  if (!slot) slot = std::make_shared<ConnectionAuth>();
  return slot;
}

void AuthGuard::OnDisconnect(std::int64_t connection_id) {
  std::lock_guard lock(mu_);
  connections_.erase(connection_id);
}

DbResult<AuthenticatedUser> AuthGuard::Resolve(const std::string& db, const std::string& user) {
  AuthenticatedUser out;
  out.generation = generation_.load();
  auto txn = store_.Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  auto record = LoadUser(*txn.value(), db, user);
  if (!record.ok()) return record.error();
  if (!record.value())
    return MakeError(kUserNotFound, "Could not find user \"" + user + "\" for db \"" + db + "\"");
  auto privileges =
      auth::ResolveRoles(record.value()->roles, RoleLookupIn(*txn.value()), /*strict=*/false);
  if (!privileges.ok()) return privileges.error();
  out.user = user;
  out.db = db;
  out.roles = record.value()->roles;
  out.privileges = std::move(privileges).value();
  return out;
}

void AuthGuard::Refresh(AuthenticatedUser& user) {
  if (user.generation == generation_.load()) return;
  auto fresh = Resolve(user.db, user.user);
  if (fresh.ok()) {
    user = std::move(fresh).value();
    return;
  }
  // The user was dropped (or cannot be read): it keeps its name but no privileges, as in
  // MongoDB, until it logs out.
  user.roles.clear();
  user.privileges.clear();
  user.generation = generation_.load();
}

DbResult<bool> AuthGuard::LocalhostException(const CommandContext& ctx, std::string_view name) {
  if ((name != "createUser" && name != "createRole") || ctx.db != "admin" ||
      !IsLocalPeer(ctx.peer)) {
    return false;
  }
  auto txn = store_.Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  auto users = txn.value()->CountAuthRecords(storage::AuthTable::kUsers);
  if (!users.ok()) return users.error();
  return users.value() == 0;
}

void AuthGuard::SweepLocked(std::int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < kSweepIntervalMs) return;
  last_sweep_ms_ = now_ms;
  std::erase_if(cursor_owners_, [&](const auto& e) {
    return now_ms - e.second.last_used_ms > kOwnershipTimeoutMs;
  });
  std::erase_if(session_owners_, [&](const auto& e) {
    return now_ms - e.second.last_used_ms > kOwnershipTimeoutMs;
  });
}

DbResult<Done> AuthGuard::CheckOwnership(const CommandContext& ctx, std::string_view name,
                                         const AuthenticatedUser& user) {
  std::string me = user.Key();
  std::lock_guard lock(mu_);
  SweepLocked(ctx.now_ms);
  std::string session = SessionKey(ctx.command);
  if (!session.empty()) {
    Owner& owner = session_owners_[session];
    if (owner.user.empty()) owner.user = me;
    if (owner.user != me) {
      return Unauthorized(
          "Cannot use a session that belongs to another user; start a new "
          "session as " +
          user.user);
    }
    owner.last_used_ms = ctx.now_ms;
  }
  if (name == "endSessions" || name == "killSessions") {
    // The sessions they end must be the user's own (or nobody's yet).
    bson_t listed;
    if (GetArray(ctx.command, name == "endSessions" ? "endSessions" : "killSessions", &listed)) {
      bson_iter_t it;
      bson_iter_init(&it, &listed);
      while (bson_iter_next(&it)) {
        BsonPtr wrapped = NewBson();
        bson_append_iter(wrapped.get(), "lsid", 4, &it);
        auto owner = session_owners_.find(SessionKey(wrapped.get()));
        if (owner != session_owners_.end() && owner->second.user != me) {
          return Unauthorized("Cannot end a session that belongs to another user");
        }
      }
    }
  }
  std::vector<std::int64_t> cursors;
  if (name == "getMore") cursors.push_back(GetInt64(ctx.command, "getMore", 0));
  if (name == "killCursors") cursors = CursorIds(ctx.command);
  for (std::int64_t id : cursors) {
    auto found = cursor_owners_.find(id);
    if (found == cursor_owners_.end()) continue;  // unknown: the command reports CursorNotFound
    if (found->second.user != me) {
      return Unauthorized("cursor id " + std::to_string(id) +
                          " was not created by the authenticated user");
    }
    found->second.last_used_ms = ctx.now_ms;
  }
  return Done{};
}

DbResult<Done> AuthGuard::Authorize(const CommandContext& ctx, std::string_view name) {
  if (!enabled_) return Done{};
  auth::CommandAuth required = auth::RequiredAuth(name, ctx.db, ctx.command);
  if (required.rule == auth::AuthRule::kNone) return Done{};
  ConnectionAuth& conn = *ctx.connection_auth;
  if (!conn.user) {
    auto local = LocalhostException(ctx, name);
    if (!local.ok()) return local.error();
    if (local.value()) return Done{};
    return Unauthorized("Command " + std::string(name) + " requires authentication");
  }
  Refresh(*conn.user);
  auto owned = CheckOwnership(ctx, name, *conn.user);
  if (!owned.ok()) return owned.error();
  if (required.rule != auth::AuthRule::kPrivileges) return Done{};
  for (const auto& r : required.requirements) {
    if (!auth::IsAuthorized(conn.user->privileges, r.resource, r.action)) {
      std::string on = r.resource.kind == auth::Resource::Kind::kNamespace && !r.resource.db.empty()
                           ? r.resource.db
                           : ctx.db;
      return Unauthorized("not authorized on " + on + " to execute command " +
                          CommandSummary(ctx.command));
    }
  }
  return Done{};
}

void AuthGuard::AfterCommand(CommandContext& ctx, std::string_view name, bson_t* reply) {
  if (kUserAndRoleChanges.count(name)) generation_.fetch_add(1);
  if (name == "hello" || name == "isMaster" || name == "ismaster") {
    bson_iter_t it;
    if (FindField(ctx.command, "saslSupportedMechs", &it) && BSON_ITER_HOLDS_UTF8(&it)) {
      std::string qualified = bson_iter_utf8(&it, nullptr);
      auto dot = qualified.find('.');
      auto txn = store_.Begin(storage::TxnMode::kRead);
      if (dot != std::string::npos && txn.ok()) {
        auto user = LoadUser(*txn.value(), qualified.substr(0, dot), qualified.substr(dot + 1));
        if (user.ok() && user.value()) {
          bson_t mechs;
          BSON_APPEND_ARRAY_BEGIN(reply, "saslSupportedMechs", &mechs);
          int i = 0;
          for (const auto& [m, c] : user.value()->credentials) {
            std::string key = std::to_string(i++);  // the macro evaluates its key twice
            BSON_APPEND_UTF8(&mechs, key.c_str(), auth::MechanismName(m));
          }
          bson_append_array_end(reply, &mechs);
        }
      }
    }
    bson_t speculative;
    if (GetDocument(ctx.command, "speculativeAuthenticate", &speculative)) {
      bson_iter_t db;
      std::string auth_db =
          FindField(&speculative, "db", &db) && BSON_ITER_HOLDS_UTF8(&db)
              ? bson_iter_utf8(&db, nullptr)
              : ctx.db;
      // A failed speculative attempt is left out of the reply: the driver then authenticates
      // with saslStart and gets the error there.
      auto started = SaslStart(ctx, &speculative, auth_db);
      if (started.ok())
        BSON_APPEND_DOCUMENT(reply, "speculativeAuthenticate", started.value().get());
    }
    return;
  }
  ConnectionAuth* conn = ctx.connection_auth;
  if (!conn || !conn->user) return;
  std::lock_guard lock(mu_);
  if (name == "killCursors") {
    for (std::int64_t id : CursorIds(ctx.command)) cursor_owners_.erase(id);
    return;
  }
  bson_t cursor;
  if (!GetDocument(reply, "cursor", &cursor)) return;
  std::int64_t id = GetInt64(&cursor, "id", 0);
  if (name == "getMore" && id == 0) cursor_owners_.erase(GetInt64(ctx.command, "getMore", 0));
  if (id != 0) cursor_owners_[id] = Owner{conn->user->Key(), ctx.now_ms};
}

DbResult<BsonPtr> AuthGuard::SaslStart(const CommandContext& ctx, const bson_t* command,
                                       const std::string& db) {
  bson_iter_t it;
  if (!FindField(command, "mechanism", &it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return MakeError(kBadValue, "BSON field 'saslStart.mechanism' is missing or not a string");
  }
  std::string name = bson_iter_utf8(&it, nullptr);
  auto mechanism = auth::ParseMechanism(name);
  if (!mechanism) {
    return MakeError(kMechanismUnavailable, "Received authentication for mechanism " + name +
                                                " which is unknown or not enabled; use "
                                                "SCRAM-SHA-256 or SCRAM-SHA-1");
  }
  auto payload = Payload(command);
  if (!payload) return MakeError(kBadValue, "BSON field 'saslStart.payload' is missing");
  bson_t options;
  bool skip_empty =
      GetDocument(command, "options", &options) && GetBool(&options, "skipEmptyExchange", false);
  auto nonce = auth::NewServerNonce();
  if (!nonce.ok()) return nonce.error();
  ConnectionAuth& conn = *ctx.connection_auth;
  ConnectionAuth::Conversation conversation;
  conversation.id = conn.next_conversation_id++;
  conversation.db = db;
  conversation.skip_empty_exchange = skip_empty;
  conversation.scram = std::make_unique<auth::ScramServer>(*mechanism, std::move(nonce).value());
  conn.conversation.reset();
  auto lookup = [&](const std::string& user) -> DbResult<std::optional<auth::ScramCredentials>> {
    auto txn = store_.Begin(storage::TxnMode::kRead);
    if (!txn.ok()) return txn.error();
    auto record = LoadUser(*txn.value(), db, user);
    if (!record.ok()) return record.error();
    if (!record.value()) return std::optional<auth::ScramCredentials>();
    auto found = record.value()->credentials.find(*mechanism);
    if (found == record.value()->credentials.end()) return std::optional<auth::ScramCredentials>();
    return std::optional<auth::ScramCredentials>(found->second);
  };
  auto first = conversation.scram->Start(*payload, lookup);
  if (!first.ok()) return first.error();
  BsonPtr reply = NewBson();
  BSON_APPEND_INT32(reply.get(), "conversationId", conversation.id);
  BSON_APPEND_BOOL(reply.get(), "done", false);
  AppendPayload(reply.get(), first.value());
  conn.conversation = std::move(conversation);
  return reply;
}

DbResult<BsonPtr> AuthGuard::Step(const CommandContext& ctx,
                                  ConnectionAuth::Conversation& conversation,
                                  std::string_view payload) {
  std::string server_message;
  if (conversation.awaiting_empty) {
    if (!payload.empty()) return MakeError(kProtocolError, "SCRAM: expected an empty final step");
  } else {
    auto last = conversation.scram->Finish(payload);
    if (!last.ok()) return last.error();
    server_message = std::move(last).value();
    if (!conversation.skip_empty_exchange) {
      conversation.awaiting_empty = true;
      BsonPtr reply = NewBson();
      BSON_APPEND_INT32(reply.get(), "conversationId", conversation.id);
      BSON_APPEND_BOOL(reply.get(), "done", false);
      AppendPayload(reply.get(), server_message);
      return reply;
    }
  }
  // Authenticated: one user per connection, as MongoDB 6.
  ConnectionAuth& conn = *ctx.connection_auth;
  auto user = Resolve(conversation.db, conversation.scram->user());
  if (!user.ok()) return MakeError(kAuthenticationFailed, "Authentication failed.");
  if (conn.user && conn.user->Key() != user.value().Key()) {
    return MakeError(kAuthenticationFailed, "this connection is already authenticated as " +
                                                conn.user->user + "@" + conn.user->db +
                                                "; each connection authenticates one user (log out "
                                                "first, or open another connection)");
  }
  conn.user = std::move(user).value();
  BsonPtr reply = NewBson();
  BSON_APPEND_INT32(reply.get(), "conversationId", conversation.id);
  BSON_APPEND_BOOL(reply.get(), "done", true);
  AppendPayload(reply.get(), server_message);
  return reply;
}

DbResult<BsonPtr> AuthGuard::SaslContinue(const CommandContext& ctx) {
  ConnectionAuth& conn = *ctx.connection_auth;
  std::int64_t id = GetInt64(ctx.command, "conversationId", -1);
  if (!conn.conversation || conn.conversation->id != id) {
    return MakeError(kProtocolError, "No SASL session state found for conversationId " +
                                         std::to_string(id) + "; start with saslStart");
  }
  auto payload = Payload(ctx.command);
  if (!payload) return MakeError(kBadValue, "BSON field 'saslContinue.payload' is missing");
  auto reply = Step(ctx, *conn.conversation, *payload);
  bool done = false;
  if (reply.ok()) {
    bson_iter_t it;
    done = bson_iter_init_find(&it, reply.value().get(), "done") && bson_iter_as_bool(&it);
  }
  if (!reply.ok() || done) conn.conversation.reset();
  return reply;
}

void AuthGuard::Logout(const CommandContext& ctx) {
  ctx.connection_auth->user.reset();
  ctx.connection_auth->conversation.reset();
}

}  // namespace tactus::docdb::commands
