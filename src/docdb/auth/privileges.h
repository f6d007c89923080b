// MongoDB's authorization model, as docdb implements it (docs/docdb.md, "Roles"): privileges
// are (resource, actions) pairs; roles grant privileges and may inherit other roles; a user
// holds roles. Built-in roles are defined here; custom roles are stored (storage/) and resolved
// through a lookup. Pure: no I/O, thread-safe.
#pragma once

#include <bson/bson.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::auth {

// The wildcard action: a privilege with it allows every action (root's privilege, as
// MongoDB's __system role). Commands the table in command_actions.h does not know require it.
inline constexpr const char* kAnyAction = "anyAction";
// Role inheritance deeper than this is refused (a cycle or an absurd chain).
inline constexpr int kMaxRoleDepth = 32;

// A resource pattern (in privileges) or a concrete resource (what a command touches).
// Patterns: {db: "", collection: ""} is every namespace of every database; {db: D,
// collection: ""} every collection of D (and D itself); {db: "", collection: C} collection C in
// every database; {cluster: true}; anyResource matches everything.
struct Resource {
  enum class Kind { kNamespace, kCluster, kAnyResource };
  Kind kind = Kind::kNamespace;
  std::string db, collection;

  static Resource Cluster() { return Resource{Kind::kCluster, "", ""}; }
  static Resource Database(std::string db) { return Resource{Kind::kNamespace, std::move(db), ""}; }
  static Resource Namespace(std::string db, std::string coll) {
    return Resource{Kind::kNamespace, std::move(db), std::move(coll)};
  }
  // Whether this pattern covers `target`. A database-level target ({db: D, collection: ""})
  // is covered only by database-wide patterns, never by a single collection's.
  bool Covers(const Resource& target) const;
  bool operator==(const Resource&) const = default;
  // "shop.orders", "shop.*", "*.orders", "cluster", "anyResource": for messages.
  std::string ToString() const;
};

struct Privilege {
  Resource resource;
  std::set<std::string> actions;
};
using PrivilegeSet = std::vector<Privilege>;

// Whether some privilege covers `target` with `action` (or kAnyAction).
bool IsAuthorized(const PrivilegeSet& privileges, const Resource& target, std::string_view action);

// The action names docdb knows (MongoDB's names); custom roles may use only these.
bool IsKnownAction(std::string_view action);

struct RoleName {
  std::string role, db;
  bool operator<(const RoleName& o) const { return std::tie(db, role) < std::tie(o.db, o.role); }
  bool operator==(const RoleName&) const = default;
  std::string ToString() const { return role + "@" + db; }
};

// Built-in roles: read, readWrite, dbAdmin, userAdmin, dbOwner in every database;
// clusterAdmin, readAnyDatabase, readWriteAnyDatabase, userAdminAnyDatabase,
// dbAdminAnyDatabase and root in admin only. nullopt when `role` is not one of them.
std::optional<PrivilegeSet> BuiltinRolePrivileges(const RoleName& role);
// Whether `name` is a built-in role's name in any database (custom roles may not take it).
bool IsBuiltinRoleName(std::string_view name);

// A custom role as stored: its own privileges and the roles it inherits.
struct RoleDefinition {
  PrivilegeSet privileges;
  std::vector<RoleName> roles;
};
// nullopt when the role does not exist.
using RoleLookup = std::function<DbResult<std::optional<RoleDefinition>>(const RoleName&)>;

// Every privilege the roles grant, inherited roles included. RoleNotFound (31) names a role
// that does not exist when `strict`; otherwise missing roles grant nothing (a user whose role
// was dropped keeps its other roles, as MongoDB). BadValue for inheritance deeper than
// kMaxRoleDepth.
DbResult<PrivilegeSet> ResolveRoles(const std::vector<RoleName>& roles, const RoleLookup& lookup,
                                    bool strict);

// ---- BSON forms ----
// [{role, db}] or ["name"] (then `default_db`), as createUser/grantRolesToUser accept them.
// BadValue/TypeMismatch naming `field`.
DbResult<std::vector<RoleName>> ParseRoleNames(const bson_t* array, const std::string& default_db,
                                               std::string_view field);
void AppendRoleNames(bson_t* parent, const char* key, const std::vector<RoleName>& roles);
// [{resource: {db, collection} | {cluster: true} | {anyResource: true}, actions: [...]}];
// errors name the field and index at fault (unknown actions too).
DbResult<PrivilegeSet> ParsePrivileges(const bson_t* array, std::string_view field);
void AppendPrivileges(bson_t* parent, const char* key, const PrivilegeSet& privileges);

}  // namespace tactus::docdb::auth
