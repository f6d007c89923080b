// createRole, updateRole, dropRole, rolesInfo, grantPrivilegesToRole, revokePrivilegesFromRole,
// grantRolesToRole, revokeRolesFromRole: custom roles (docs/docdb.md, "Roles").
#include <algorithm>
#include <set>

#include "docdb/commands/registry.h"
#include "docdb/commands/user_records.h"

namespace tactus::docdb::commands {
namespace {

DbError RoleNotFound(const std::string& role, const std::string& db) {
  return MakeError(kRoleNotFound, "Could not find role: " + role + "@" + db);
}

DbResult<std::string> RoleArgument(const CommandContext& ctx, const char* command) {
  bson_iter_t it;
  if (!bson_iter_init(&it, ctx.command) || !bson_iter_next(&it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError(command, "string");
  }
  std::string name = bson_iter_utf8(&it, nullptr);
  if (name.empty()) return MakeError(kBadValue, std::string("'") + command + "' must not be empty");
  return name;
}

// Roles outside admin may only hold privileges on their own database (as MongoDB).
DbResult<auth::PrivilegeSet> Privileges(const CommandContext& ctx, bool required,
                                        const char* command, bool* present) {
  *present = bson_has_field(ctx.command, "privileges");
  if (!*present) {
    if (required) {
      return MakeError(kBadValue,
                       std::string("\"") + command + "\" command requires a \"privileges\" array");
    }
    return auth::PrivilegeSet{};
  }
  bson_t arr;
  if (!GetArray(ctx.command, "privileges", &arr)) return TypeError("privileges", "array");
  auto parsed = auth::ParsePrivileges(&arr, "privileges");
  if (!parsed.ok()) return parsed.error();
  if (ctx.db != "admin") {
    for (std::size_t i = 0; i < parsed.value().size(); ++i) {
      const auth::Resource& r = parsed.value()[i].resource;
      if (r.kind != auth::Resource::Kind::kNamespace || r.db != ctx.db) {
        return MakeError(kBadValue, "privileges." + std::to_string(i) + ": roles on the '" +
                                        ctx.db +
                                        "' database cannot be granted privileges on other "
                                        "databases or the cluster; create the role in admin");
      }
    }
  }
  return parsed;
}

DbResult<std::vector<auth::RoleName>> InheritedRoles(const CommandContext& ctx, bool required,
                                                     const char* command, bool* present) {
  *present = bson_has_field(ctx.command, "roles");
  if (!*present) {
    if (required) {
      return MakeError(kBadValue,
                       std::string("\"") + command + "\" command requires a \"roles\" array");
    }
    return std::vector<auth::RoleName>{};
  }
  bson_t arr;
  if (!GetArray(ctx.command, "roles", &arr)) return TypeError("roles", "array");
  return auth::ParseRoleNames(&arr, ctx.db, "roles");
}

// Every inherited role exists, and `self` is not reachable from them (no cycle).
DbResult<Done> CheckInheritance(storage::Txn& txn, const auth::RoleName& self,
                                const std::vector<auth::RoleName>& roles) {
  std::vector<auth::RoleName> frontier = roles;
  std::set<auth::RoleName> seen;
  bool first = true;
  for (int depth = 0; !frontier.empty(); ++depth, first = false) {
    if (depth > auth::kMaxRoleDepth) {
      return MakeError(kBadValue, "role inheritance is deeper than " +
                                      std::to_string(auth::kMaxRoleDepth) + " levels");
    }
    std::vector<auth::RoleName> next;
    for (const auto& r : frontier) {
      if (r == self) {
        return MakeError(kBadValue, "Granting roles to " + self.ToString() +
                                        " would introduce a cycle in the role graph");
      }
      if (!seen.insert(r).second || auth::BuiltinRolePrivileges(r)) continue;
      auto stored = LoadRole(txn, r.db, r.role);
      if (!stored.ok()) return stored.error();
      if (!stored.value()) {
        if (first) return RoleNotFound(r.role, r.db);
        continue;
      }
      next.insert(next.end(), stored.value()->roles.begin(), stored.value()->roles.end());
    }
    frontier = std::move(next);
  }
  return Done{};
}

DbResult<Done> Save(storage::Txn& txn, const RoleRecord& role) {
  return txn.PutAuthRecord(storage::AuthTable::kRoles, role.db, role.role, role.ToBson().get());
}

DbResult<BsonPtr> CreateRole(CommandContext& ctx) {
  auto name = RoleArgument(ctx, "createRole");
  if (!name.ok()) return name.error();
  if (auth::IsBuiltinRoleName(name.value())) {
    return MakeError(kBadValue, "Cannot create a role named '" + name.value() +
                                    "': it is the name of a built-in role");
  }
  bool has_privileges, has_roles;
  auto privileges = Privileges(ctx, true, "createRole", &has_privileges);
  if (!privileges.ok()) return privileges.error();
  auto roles = InheritedRoles(ctx, true, "createRole", &has_roles);
  if (!roles.ok()) return roles.error();
  RoleRecord role{name.value(), ctx.db, std::move(privileges).value(), std::move(roles).value()};
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto existing = LoadRole(txn, role.db, role.role);
    if (!existing.ok()) return existing.error();
    if (existing.value()) {
      return MakeError(kRoleAlreadyExists,
                       "Role \"" + role.role + "@" + role.db + "\" already exists");
    }
    auto checked = CheckInheritance(txn, {role.role, role.db}, role.roles);
    if (!checked.ok()) return checked.error();
    auto saved = Save(txn, role);
    if (!saved.ok()) return saved.error();
    return ReplyBuilder().Finish();
  });
}

// Loads the command's role, lets `change` edit it, checks and saves it.
template <typename Change>
DbResult<BsonPtr> EditRole(CommandContext& ctx, const char* command, Change&& change) {
  auto name = RoleArgument(ctx, command);
  if (!name.ok()) return name.error();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto role = LoadRole(txn, ctx.db, name.value());
    if (!role.ok()) return role.error();
    if (!role.value()) return RoleNotFound(name.value(), ctx.db);
    auto changed = change(*role.value());
    if (!changed.ok()) return changed.error();
    auto checked =
        CheckInheritance(txn, {role.value()->role, role.value()->db}, role.value()->roles);
    if (!checked.ok()) return checked.error();
    auto saved = Save(txn, *role.value());
    if (!saved.ok()) return saved.error();
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> UpdateRole(CommandContext& ctx) {
  bool has_privileges, has_roles;
  auto privileges = Privileges(ctx, false, "updateRole", &has_privileges);
  if (!privileges.ok()) return privileges.error();
  auto roles = InheritedRoles(ctx, false, "updateRole", &has_roles);
  if (!roles.ok()) return roles.error();
  if (!has_privileges && !has_roles) {
    return MakeError(kBadValue, "Must specify at least one field to update in updateRole");
  }
  return EditRole(ctx, "updateRole", [&](RoleRecord& role) -> DbResult<Done> {
    if (has_privileges) role.privileges = privileges.value();
    if (has_roles) role.roles = roles.value();
    return Done{};
  });
}

DbResult<BsonPtr> ChangePrivileges(CommandContext& ctx, bool grant) {
  const char* command = grant ? "grantPrivilegesToRole" : "revokePrivilegesFromRole";
  bool present;
  auto privileges = Privileges(ctx, true, command, &present);
  if (!privileges.ok()) return privileges.error();
  return EditRole(ctx, command, [&](RoleRecord& role) -> DbResult<Done> {
    for (const auto& p : privileges.value()) {
      auto same = std::find_if(role.privileges.begin(), role.privileges.end(),
                               [&](const auth::Privilege& q) { return q.resource == p.resource; });
      if (grant) {
        if (same == role.privileges.end()) {
          role.privileges.push_back(p);
        } else {
          same->actions.insert(p.actions.begin(), p.actions.end());
        }
      } else if (same != role.privileges.end()) {
        for (const auto& a : p.actions) same->actions.erase(a);
        if (same->actions.empty()) role.privileges.erase(same);
      }
    }
    return Done{};
  });
}

DbResult<BsonPtr> ChangeInheritedRoles(CommandContext& ctx, bool grant) {
  const char* command = grant ? "grantRolesToRole" : "revokeRolesFromRole";
  bool present;
  auto roles = InheritedRoles(ctx, true, command, &present);
  if (!roles.ok()) return roles.error();
  return EditRole(ctx, command, [&](RoleRecord& role) -> DbResult<Done> {
    for (const auto& r : roles.value()) {
      auto found = std::find(role.roles.begin(), role.roles.end(), r);
      if (grant && found == role.roles.end()) role.roles.push_back(r);
      if (!grant && found != role.roles.end()) role.roles.erase(found);
    }
    return Done{};
  });
}

// Drops the role and removes it from every user and role that held it, as MongoDB does.
DbResult<BsonPtr> DropRole(CommandContext& ctx) {
  auto name = RoleArgument(ctx, "dropRole");
  if (!name.ok()) return name.error();
  auth::RoleName dropped{name.value(), ctx.db};
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto deleted = txn.DeleteAuthRecord(storage::AuthTable::kRoles, ctx.db, name.value());
    if (!deleted.ok()) return deleted.error();
    if (!deleted.value()) return RoleNotFound(name.value(), ctx.db);
    auto users = txn.ListAuthRecords(storage::AuthTable::kUsers, std::nullopt);
    if (!users.ok()) return users.error();
    for (const auto& record : users.value()) {
      auto user = UserRecord::FromBson(record.get());
      if (!user.ok()) return user.error();
      auto& held = user.value().roles;
      auto it = std::remove(held.begin(), held.end(), dropped);
      if (it == held.end()) continue;
      held.erase(it, held.end());
      auto saved = txn.PutAuthRecord(storage::AuthTable::kUsers, user.value().db, user.value().user,
                                     user.value().ToBson().get());
      if (!saved.ok()) return saved.error();
    }
    auto roles = txn.ListAuthRecords(storage::AuthTable::kRoles, std::nullopt);
    if (!roles.ok()) return roles.error();
    for (const auto& record : roles.value()) {
      auto role = RoleRecord::FromBson(record.get());
      if (!role.ok()) return role.error();
      auto& held = role.value().roles;
      auto it = std::remove(held.begin(), held.end(), dropped);
      if (it == held.end()) continue;
      held.erase(it, held.end());
      auto saved = Save(txn, role.value());
      if (!saved.ok()) return saved.error();
    }
    return ReplyBuilder().Finish();
  });
}

void AppendRoleInfo(bson_t* arr, std::size_t i, const auth::RoleName& name, bool builtin,
                    const auth::PrivilegeSet& privileges, const std::vector<auth::RoleName>& roles,
                    bool show_privileges) {
  bson_t doc;
  BSON_APPEND_DOCUMENT_BEGIN(arr, std::to_string(i).c_str(), &doc);
  std::string id = name.db + "." + name.role;
  BSON_APPEND_UTF8(&doc, "_id", id.c_str());
  BSON_APPEND_UTF8(&doc, "role", name.role.c_str());
  BSON_APPEND_UTF8(&doc, "db", name.db.c_str());
  BSON_APPEND_BOOL(&doc, "isBuiltin", builtin);
  auth::AppendRoleNames(&doc, "roles", roles);
  if (show_privileges) auth::AppendPrivileges(&doc, "privileges", privileges);
  bson_append_document_end(arr, &doc);
}

// rolesInfo: 1 (the database's custom roles; showBuiltinRoles adds the built-in ones), "name",
// {role, db}, or an array of those. showPrivileges adds each role's own privileges.
DbResult<BsonPtr> RolesInfo(CommandContext& ctx) {
  bson_iter_t it;
  bson_iter_init(&it, ctx.command);
  bson_iter_next(&it);
  bool all = BSON_ITER_HOLDS_NUMBER(&it);
  std::vector<auth::RoleName> wanted;
  if (!all) {
    bson_t arr;
    BsonPtr single;
    const bson_t* list = &arr;
    if (BSON_ITER_HOLDS_ARRAY(&it)) {
      GetArray(ctx.command, "rolesInfo", &arr);
    } else {
      single = NewBson();
      bson_append_iter(single.get(), "0", 1, &it);
      list = single.get();
    }
    auto parsed = auth::ParseRoleNames(list, ctx.db, "rolesInfo");
    if (!parsed.ok()) return parsed.error();
    wanted = std::move(parsed).value();
  }
  bool show_privileges = GetBool(ctx.command, "showPrivileges", false);
  bool show_builtin = GetBool(ctx.command, "showBuiltinRoles", false);
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    ReplyBuilder r;
    bson_t arr;
    BSON_APPEND_ARRAY_BEGIN(r.body(), "roles", &arr);
    std::size_t i = 0;
    if (all) {
      if (show_builtin) {
        for (const char* b : {"read", "readWrite", "dbAdmin", "userAdmin", "dbOwner",
                              "clusterAdmin", "readAnyDatabase", "readWriteAnyDatabase",
                              "userAdminAnyDatabase", "dbAdminAnyDatabase", "root"}) {
          auto p = auth::BuiltinRolePrivileges({b, ctx.db});
          if (p) AppendRoleInfo(&arr, i++, {b, ctx.db}, true, *p, {}, show_privileges);
        }
      }
      auto records = txn.ListAuthRecords(storage::AuthTable::kRoles, ctx.db);
      if (!records.ok()) return records.error();
      for (const auto& record : records.value()) {
        auto role = RoleRecord::FromBson(record.get());
        if (!role.ok()) return role.error();
        AppendRoleInfo(&arr, i++, {role.value().role, role.value().db}, false,
                       role.value().privileges, role.value().roles, show_privileges);
      }
    }
    for (const auto& name : wanted) {
      if (auto p = auth::BuiltinRolePrivileges(name)) {
        AppendRoleInfo(&arr, i++, name, true, *p, {}, show_privileges);
        continue;
      }
      auto role = LoadRole(txn, name.db, name.role);
      if (!role.ok()) return role.error();
      if (!role.value()) continue;
      AppendRoleInfo(&arr, i++, name, false, role.value()->privileges, role.value()->roles,
                     show_privileges);
    }
    bson_append_array_end(r.body(), &arr);
    return r.Finish();
  });
}

}  // namespace

void RegisterRoleCommands(Registry& r) {
  r["createRole"] = {CreateRole, false};
  r["updateRole"] = {UpdateRole, false};
  r["dropRole"] = {DropRole, false};
  r["rolesInfo"] = {RolesInfo, false};
  r["grantPrivilegesToRole"] = {[](CommandContext& c) { return ChangePrivileges(c, true); }, false};
  r["revokePrivilegesFromRole"] = {[](CommandContext& c) { return ChangePrivileges(c, false); },
                                   false};
  r["grantRolesToRole"] = {[](CommandContext& c) { return ChangeInheritedRoles(c, true); }, false};
  r["revokeRolesFromRole"] = {[](CommandContext& c) { return ChangeInheritedRoles(c, false); },
                              false};
}

}  // namespace tactus::docdb::commands
