// saslStart, saslContinue, logout and connectionStatus: authentication as drivers perform it
// (docs/docdb.md, "Users and authentication"). The state lives in AuthGuard.
#include "docdb/commands/auth_guard.h"
#include "docdb/commands/registry.h"

namespace tactus::docdb::commands {
namespace {

DbResult<BsonPtr> WithOk(DbResult<BsonPtr> body) {
  if (!body.ok()) return body.error();
  ReplyBuilder r;
  bson_concat(r.body(), body.value().get());
  return r.Finish();
}

DbResult<BsonPtr> SaslStart(CommandContext& ctx) {
  return WithOk(ctx.auth->SaslStart(ctx, ctx.command, ctx.db));
}

DbResult<BsonPtr> SaslContinue(CommandContext& ctx) { return WithOk(ctx.auth->SaslContinue(ctx)); }

DbResult<BsonPtr> Logout(CommandContext& ctx) {
  ctx.auth->Logout(ctx);
  return ReplyBuilder().Finish();
}

DbResult<BsonPtr> ConnectionStatus(CommandContext& ctx) {
  ReplyBuilder r;
  bson_t info, users, roles;
  const auto& user = ctx.connection_auth ? ctx.connection_auth->user : std::nullopt;
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "authInfo", &info);
  BSON_APPEND_ARRAY_BEGIN(&info, "authenticatedUsers", &users);
  if (user) {
    bson_t u;
    BSON_APPEND_DOCUMENT_BEGIN(&users, "0", &u);
    BSON_APPEND_UTF8(&u, "user", user->user.c_str());
    BSON_APPEND_UTF8(&u, "db", user->db.c_str());
    bson_append_document_end(&users, &u);
  }
  bson_append_array_end(&info, &users);
  if (user) {
    auth::AppendRoleNames(&info, "authenticatedUserRoles", user->roles);
  } else {
    BSON_APPEND_ARRAY_BEGIN(&info, "authenticatedUserRoles", &roles);
    bson_append_array_end(&info, &roles);
  }
  if (GetBool(ctx.command, "showPrivileges", false)) {
    auth::AppendPrivileges(&info, "authenticatedUserPrivileges",
                           user ? user->privileges : auth::PrivilegeSet{});
  }
  bson_append_document_end(r.body(), &info);
  return r.Finish();
}

}  // namespace

void RegisterSaslCommands(Registry& r) {
  r["saslStart"] = {SaslStart, false};
  r["saslContinue"] = {SaslContinue, false};
  r["logout"] = {Logout, false};
  r["connectionStatus"] = {ConnectionStatus, true};
}

}  // namespace tactus::docdb::commands
