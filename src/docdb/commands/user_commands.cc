// createUser, updateUser, dropUser, dropAllUsersFromDatabase, usersInfo, grantRolesToUser,
// revokeRolesFromUser (docs/docdb.md, "Users and authentication"). Passwords are turned into
// SCRAM keys before the write transaction starts (PBKDF2 is slow by design) and never stored.
#include "docdb/commands/registry.h"
#include "docdb/commands/user_records.h"

namespace tactus::docdb::commands {
namespace {

std::string Qualified(const std::string& user, const std::string& db) { return user + "@" + db; }

DbError UserNotFound(const std::string& user, const std::string& db) {
  return MakeError(kUserNotFound, "Could not find user \"" + user + "\" for db \"" + db + "\"");
}

// The command's first field: the user (or role) name it acts on.
DbResult<std::string> NameArgument(const CommandContext& ctx, const char* command) {
  bson_iter_t it;
  if (!bson_iter_init(&it, ctx.command) || !bson_iter_next(&it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError(command, "string");
  }
  std::string name = bson_iter_utf8(&it, nullptr);
  if (name.empty()) return MakeError(kBadValue, std::string("'") + command + "' must not be empty");
  if (ctx.db == "$external") {
    return MakeError(kBadValue, "users and roles on $external are not supported");
  }
  return name;
}

DbResult<std::optional<std::string>> Password(const bson_t* command) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, command, "pwd")) return std::optional<std::string>();
  if (!BSON_ITER_HOLDS_UTF8(&it)) return TypeError("pwd", "string");
  std::uint32_t len;
  const char* s = bson_iter_utf8(&it, &len);
  if (len == 0) return MakeError(kBadValue, "'pwd' must not be empty");
  return std::optional<std::string>(std::string(s, len));
}

// `mechanisms` (default: both SCRAM mechanisms, as MongoDB).
DbResult<std::vector<auth::Mechanism>> Mechanisms(const bson_t* command,
                                                  std::vector<auth::Mechanism> dflt) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, command, "mechanisms")) return dflt;
  bson_t arr;
  if (!GetArray(command, "mechanisms", &arr)) return TypeError("mechanisms", "array");
  std::vector<auth::Mechanism> out;
  bson_iter_init(&it, &arr);
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_UTF8(&it)) return TypeError("mechanisms.item", "string");
    std::string name = bson_iter_utf8(&it, nullptr);
    auto m = auth::ParseMechanism(name);
    if (!m) {
      return MakeError(kBadValue, "Unknown auth mechanism '" + name +
                                      "' in 'mechanisms'; use SCRAM-SHA-256 or SCRAM-SHA-1");
    }
    out.push_back(*m);
  }
  if (out.empty()) return MakeError(kBadValue, "'mechanisms' field must not be empty");
  return out;
}

DbResult<std::optional<std::vector<auth::RoleName>>> Roles(const CommandContext& ctx, bool required,
                                                           const char* command) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, ctx.command, "roles")) {
    if (required) {
      return MakeError(kBadValue,
                       std::string("\"") + command + "\" command requires a \"roles\" array");
    }
    return std::optional<std::vector<auth::RoleName>>();
  }
  bson_t arr;
  if (!GetArray(ctx.command, "roles", &arr)) return TypeError("roles", "array");
  auto roles = auth::ParseRoleNames(&arr, ctx.db, "roles");
  if (!roles.ok()) return roles.error();
  return std::optional<std::vector<auth::RoleName>>(std::move(roles).value());
}

DbResult<BsonPtr> CustomData(const bson_t* command) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, command, "customData")) return BsonPtr();
  bson_t doc;
  if (!GetDocument(command, "customData", &doc)) return TypeError("customData", "object");
  return CopyBson(&doc);
}

// RoleNotFound for a role that is neither built in nor stored.
DbResult<Done> CheckRolesExist(storage::Txn& txn, const std::vector<auth::RoleName>& roles) {
  for (const auto& r : roles) {
    if (auth::BuiltinRolePrivileges(r)) continue;
    auto stored = LoadRole(txn, r.db, r.role);
    if (!stored.ok()) return stored.error();
    if (!stored.value()) return MakeError(kRoleNotFound, "Could not find role: " + r.ToString());
  }
  return Done{};
}

DbResult<Done> Save(storage::Txn& txn, const UserRecord& user) {
  return txn.PutAuthRecord(storage::AuthTable::kUsers, user.db, user.user, user.ToBson().get());
}

DbResult<BsonPtr> CreateUser(CommandContext& ctx) {
  auto name = NameArgument(ctx, "createUser");
  if (!name.ok()) return name.error();
  auto pwd = Password(ctx.command);
  if (!pwd.ok()) return pwd.error();
  if (!pwd.value()) {
    return MakeError(kBadValue, "Must provide a 'pwd' field for all user documents (createUser)");
  }
  auto roles = Roles(ctx, true, "createUser");
  if (!roles.ok()) return roles.error();
  auto custom = CustomData(ctx.command);
  if (!custom.ok()) return custom.error();
  auto mechanisms =
      Mechanisms(ctx.command, {auth::Mechanism::kScramSha1, auth::Mechanism::kScramSha256});
  if (!mechanisms.ok()) return mechanisms.error();
  UserRecord user;
  user.user = name.value();
  user.db = ctx.db;
  user.roles = std::move(*roles.value());
  user.custom_data = std::move(custom).value();
  auto credentials = MakeCredentials(user.user, *pwd.value(), mechanisms.value());
  if (!credentials.ok()) return credentials.error();
  user.credentials = std::move(credentials).value();
  auto id = auth::RandomBytes(16);
  if (!id.ok()) return id.error();
  user.user_id = std::move(id).value();
  user.user_id[6] = static_cast<char>((user.user_id[6] & 0x0F) | 0x40);  // UUID version 4
  user.user_id[8] = static_cast<char>((user.user_id[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto existing = txn.FindAuthRecord(storage::AuthTable::kUsers, user.db, user.user);
    if (!existing.ok()) return existing.error();
    if (existing.value()) {
      return MakeError(kUserAlreadyExists,
                       "User \"" + Qualified(user.user, user.db) + "\" already exists");
    }
    auto checked = CheckRolesExist(txn, user.roles);
    if (!checked.ok()) return checked.error();
    auto saved = Save(txn, user);
    if (!saved.ok()) return saved.error();
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> UpdateUser(CommandContext& ctx) {
  auto name = NameArgument(ctx, "updateUser");
  if (!name.ok()) return name.error();
  auto pwd = Password(ctx.command);
  if (!pwd.ok()) return pwd.error();
  auto roles = Roles(ctx, false, "updateUser");
  if (!roles.ok()) return roles.error();
  auto custom = CustomData(ctx.command);
  if (!custom.ok()) return custom.error();
  bool has_mechanisms = bson_has_field(ctx.command, "mechanisms");
  if (!pwd.value() && !roles.value() && !custom.value() && !has_mechanisms) {
    return MakeError(kBadValue, "Must specify at least one field to update in updateUser");
  }
  if (has_mechanisms && !pwd.value()) {
    return MakeError(kBadValue, "A new 'pwd' is required to change 'mechanisms' in updateUser");
  }
  // Read the user first (outside the write lock) for its mechanisms, hash, then write.
  std::vector<auth::Mechanism> current;
  {
    auto txn = ctx.store->Begin(storage::TxnMode::kRead);
    if (!txn.ok()) return txn.error();
    auto user = LoadUser(*txn.value(), ctx.db, name.value());
    if (!user.ok()) return user.error();
    if (!user.value()) return UserNotFound(name.value(), ctx.db);
    for (const auto& [m, c] : user.value()->credentials) current.push_back(m);
  }
  std::optional<std::map<auth::Mechanism, auth::ScramCredentials>> credentials;
  if (pwd.value()) {
    auto mechanisms = Mechanisms(
        ctx.command,
        current.empty() ? std::vector<auth::Mechanism>{auth::Mechanism::kScramSha256} : current);
    if (!mechanisms.ok()) return mechanisms.error();
    auto made = MakeCredentials(name.value(), *pwd.value(), mechanisms.value());
    if (!made.ok()) return made.error();
    credentials = std::move(made).value();
  }
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto user = LoadUser(txn, ctx.db, name.value());
    if (!user.ok()) return user.error();
    if (!user.value()) return UserNotFound(name.value(), ctx.db);
    UserRecord& u = *user.value();
    if (credentials) u.credentials = *credentials;
    if (roles.value()) {
      auto checked = CheckRolesExist(txn, *roles.value());
      if (!checked.ok()) return checked.error();
      u.roles = *roles.value();
    }
    if (custom.value()) u.custom_data = CopyBson(custom.value().get());
    auto saved = Save(txn, u);
    if (!saved.ok()) return saved.error();
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> DropUser(CommandContext& ctx) {
  auto name = NameArgument(ctx, "dropUser");
  if (!name.ok()) return name.error();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto deleted = txn.DeleteAuthRecord(storage::AuthTable::kUsers, ctx.db, name.value());
    if (!deleted.ok()) return deleted.error();
    if (!deleted.value()) return UserNotFound(name.value(), ctx.db);
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> DropAllUsers(CommandContext& ctx) {
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto users = txn.ListAuthRecords(storage::AuthTable::kUsers, ctx.db);
    if (!users.ok()) return users.error();
    std::int32_t n = 0;
    for (const auto& record : users.value()) {
      auto user = UserRecord::FromBson(record.get());
      if (!user.ok()) return user.error();
      auto deleted = txn.DeleteAuthRecord(storage::AuthTable::kUsers, ctx.db, user.value().user);
      if (!deleted.ok()) return deleted.error();
      n += deleted.value() ? 1 : 0;
    }
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "n", n);
    return r.Finish();
  });
}

// Grants (add) or revokes (!add) the command's roles.
DbResult<BsonPtr> ChangeUserRoles(CommandContext& ctx, bool add) {
  const char* command = add ? "grantRolesToUser" : "revokeRolesFromUser";
  auto name = NameArgument(ctx, command);
  if (!name.ok()) return name.error();
  auto roles = Roles(ctx, true, command);
  if (!roles.ok()) return roles.error();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto user = LoadUser(txn, ctx.db, name.value());
    if (!user.ok()) return user.error();
    if (!user.value()) return UserNotFound(name.value(), ctx.db);
    auto checked = CheckRolesExist(txn, *roles.value());
    if (!checked.ok()) return checked.error();
    auto& held = user.value()->roles;
    for (const auto& r : *roles.value()) {
      auto found = std::find(held.begin(), held.end(), r);
      if (add && found == held.end()) held.push_back(r);
      if (!add && found != held.end()) held.erase(found);
    }
    auto saved = Save(txn, *user.value());
    if (!saved.ok()) return saved.error();
    return ReplyBuilder().Finish();
  });
}

// usersInfo: 1 (every user of the database), "name", {user, db}, an array of those, or
// {forAllDBs: true}. Credentials are never returned (showCredentials is ignored).
DbResult<BsonPtr> UsersInfo(CommandContext& ctx) {
  bson_iter_t it;
  bson_iter_init(&it, ctx.command);
  bson_iter_next(&it);
  std::vector<std::pair<std::string, std::string>> wanted;  // (db, user)
  bool all_in_db = false, all_dbs = false;
  auto add_one = [&](bson_iter_t* v, const std::string& field) -> DbResult<Done> {
    if (BSON_ITER_HOLDS_UTF8(v)) {
      wanted.emplace_back(ctx.db, bson_iter_utf8(v, nullptr));
      return Done{};
    }
    if (BSON_ITER_HOLDS_DOCUMENT(v)) {
      bson_t doc;
      const std::uint8_t* data;
      std::uint32_t len;
      bson_iter_document(v, &len, &data);
      bson_init_static(&doc, data, len);
      if (GetBool(&doc, "forAllDBs", false)) {
        all_dbs = true;
        return Done{};
      }
      bson_iter_t u, d;
      if (bson_iter_init_find(&u, &doc, "user") && BSON_ITER_HOLDS_UTF8(&u) &&
          bson_iter_init_find(&d, &doc, "db") && BSON_ITER_HOLDS_UTF8(&d)) {
        wanted.emplace_back(bson_iter_utf8(&d, nullptr), bson_iter_utf8(&u, nullptr));
        return Done{};
      }
    }
    return MakeError(kBadValue, "'" + field +
                                    "' must be 1, a user name, {user, db}, an array of those, "
                                    "or {forAllDBs: true}");
  };
  if (BSON_ITER_HOLDS_NUMBER(&it)) {
    all_in_db = true;
  } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_t arr;
    GetArray(ctx.command, "usersInfo", &arr);
    bson_iter_t e;
    bson_iter_init(&e, &arr);
    while (bson_iter_next(&e)) {
      auto added = add_one(&e, std::string("usersInfo.") + bson_iter_key(&e));
      if (!added.ok()) return added.error();
    }
  } else {
    auto added = add_one(&it, "usersInfo");
    if (!added.ok()) return added.error();
  }
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    std::vector<UserRecord> users;
    if (all_in_db || all_dbs) {
      auto records = txn.ListAuthRecords(storage::AuthTable::kUsers,
                                         all_dbs ? std::nullopt : std::optional(ctx.db));
      if (!records.ok()) return records.error();
      for (const auto& record : records.value()) {
        auto u = UserRecord::FromBson(record.get());
        if (!u.ok()) return u.error();
        users.push_back(std::move(u).value());
      }
    }
    for (const auto& [db, name] : wanted) {
      auto u = LoadUser(txn, db, name);
      if (!u.ok()) return u.error();
      if (u.value()) users.push_back(std::move(*u.value()));
    }
    ReplyBuilder r;
    bson_t arr;
    BSON_APPEND_ARRAY_BEGIN(r.body(), "users", &arr);
    for (std::size_t i = 0; i < users.size(); ++i) {
      users[i].AppendInfo(&arr, std::to_string(i).c_str());
    }
    bson_append_array_end(r.body(), &arr);
    return r.Finish();
  });
}

}  // namespace

void RegisterUserCommands(Registry& r) {
  r["createUser"] = {CreateUser, false};
  r["updateUser"] = {UpdateUser, false};
  r["dropUser"] = {DropUser, false};
  r["dropAllUsersFromDatabase"] = {DropAllUsers, false};
  r["usersInfo"] = {UsersInfo, false};
  r["grantRolesToUser"] = {[](CommandContext& c) { return ChangeUserRoles(c, true); }, false};
  r["revokeRolesFromUser"] = {[](CommandContext& c) { return ChangeUserRoles(c, false); }, false};
}

}  // namespace tactus::docdb::commands
