#include "docdb/auth/privileges.h"

#include <map>

namespace tactus::docdb::auth {
namespace {

using Actions = std::set<std::string>;

// MongoDB's built-in role definitions, reduced to the actions docdb's commands check.
const Actions kRead = {"changeStream", "collStats",       "dbHash",      "dbStats",          "find",
                       "killCursors",  "listCollections", "listIndexes", "listSearchIndexes"};
const Actions kWriteExtra = {
    "convertToCapped", "createCollection", "createIndex", "dropCollection",
    "dropIndex",       "insert",           "remove",      "renameCollectionSameDB",
    "update"};
const Actions kDbAdmin = {"bypassDocumentValidation",
                          "collMod",
                          "collStats",
                          "compact",
                          "convertToCapped",
                          "createCollection",
                          "createIndex",
                          "dbStats",
                          "dropCollection",
                          "dropDatabase",
                          "dropIndex",
                          "enableProfiler",
                          "listCollections",
                          "listIndexes",
                          "planCacheIndexFilter",
                          "planCacheRead",
                          "planCacheWrite",
                          "reIndex",
                          "renameCollectionSameDB",
                          "validate"};
const Actions kUserAdmin = {"changeCustomData", "changePassword", "createRole",
                            "createUser",       "dropRole",       "dropUser",
                            "grantRole",        "revokeRole",     "setAuthenticationRestriction",
                            "viewRole",         "viewUser"};
const Actions kClusterMonitor = {
    "connPoolStats", "getCmdLineOpts", "getLog",           "getParameter", "hostInfo", "inprog",
    "listDatabases", "listSessions",   "replSetGetStatus", "serverStatus", "top"};
const Actions kClusterManage = {"killAnyCursor", "killAnySession", "killop", "setParameter",
                                "shutdown"};
// Actions that exist only to be named in custom roles (no built-in role above lists them).
const Actions kOtherKnown = {kAnyAction, "changeOwnPassword", "changeOwnCustomData",
                             "authSchemaUpgrade", "invalidateUserCache"};

Actions Union(std::initializer_list<const Actions*> sets) {
  Actions out;
  for (const Actions* s : sets) out.insert(s->begin(), s->end());
  return out;
}

Privilege On(Resource r, Actions a) { return Privilege{std::move(r), std::move(a)}; }

const std::set<std::string, std::less<>> kDatabaseRoles = {"read", "readWrite", "dbAdmin",
                                                           "userAdmin", "dbOwner"};
const std::set<std::string, std::less<>> kAdminRoles = {
    "clusterAdmin",         "readAnyDatabase",    "readWriteAnyDatabase",
    "userAdminAnyDatabase", "dbAdminAnyDatabase", "root"};

PrivilegeSet DatabaseRole(std::string_view role, const Resource& on) {
  if (role == "read") return {On(on, kRead)};
  if (role == "readWrite") return {On(on, Union({&kRead, &kWriteExtra}))};
  if (role == "dbAdmin") return {On(on, kDbAdmin)};
  if (role == "userAdmin") return {On(on, kUserAdmin)};
  // dbOwner: readWrite + dbAdmin + userAdmin.
  return {On(on, Union({&kRead, &kWriteExtra, &kDbAdmin, &kUserAdmin}))};
}

}  // namespace

bool Resource::Covers(const Resource& target) const {
  switch (kind) {
    case Kind::kAnyResource:
      return true;
    case Kind::kCluster:
      return target.kind == Kind::kCluster;
    case Kind::kNamespace:
      break;
  }
  if (target.kind != Kind::kNamespace) return false;
  if (!db.empty() && db != target.db) return false;
  if (target.collection.empty()) return collection.empty();  // database-level action
  return collection.empty() || collection == target.collection;
}

std::string Resource::ToString() const {
  if (kind == Kind::kCluster) return "cluster";
  if (kind == Kind::kAnyResource) return "anyResource";
  return (db.empty() ? "*" : db) + "." + (collection.empty() ? "*" : collection);
}

bool IsAuthorized(const PrivilegeSet& privileges, const Resource& target, std::string_view action) {
  for (const auto& p : privileges) {
    if (!p.resource.Covers(target)) continue;
    if (p.actions.count(std::string(action)) || p.actions.count(kAnyAction)) return true;
  }
  return false;
}

bool IsKnownAction(std::string_view action) {
  static const Actions all = Union({&kRead, &kWriteExtra, &kDbAdmin, &kUserAdmin, &kClusterMonitor,
                                    &kClusterManage, &kOtherKnown});
  return all.count(std::string(action)) > 0;
}

bool IsBuiltinRoleName(std::string_view name) {
  return kDatabaseRoles.count(name) > 0 || kAdminRoles.count(name) > 0;
}

std::optional<PrivilegeSet> BuiltinRolePrivileges(const RoleName& role) {
  if (kDatabaseRoles.count(role.role)) return DatabaseRole(role.role, Resource::Database(role.db));
  if (role.db != "admin" || !kAdminRoles.count(role.role)) return std::nullopt;
  const Resource any_db = Resource::Database("");
  const Resource cluster = Resource::Cluster();
  const std::string& r = role.role;
  if (r == "root")
    return PrivilegeSet{On(Resource{Resource::Kind::kAnyResource, "", ""}, {kAnyAction})};
  if (r == "clusterAdmin") {
    return PrivilegeSet{
        On(cluster, Union({&kClusterMonitor, &kClusterManage})),
        On(any_db, {"dropDatabase", "collStats", "dbStats", "listCollections", "listIndexes"})};
  }
  PrivilegeSet out;
  if (r == "readAnyDatabase") out = DatabaseRole("read", any_db);
  if (r == "readWriteAnyDatabase") out = DatabaseRole("readWrite", any_db);
  if (r == "dbAdminAnyDatabase") out = DatabaseRole("dbAdmin", any_db);
  if (r == "userAdminAnyDatabase") {
    out = DatabaseRole("userAdmin", any_db);
    out.push_back(On(cluster, {"authSchemaUpgrade", "invalidateUserCache"}));
  }
  out.push_back(On(cluster, {"listDatabases"}));
  return out;
}

DbResult<PrivilegeSet> ResolveRoles(const std::vector<RoleName>& roles, const RoleLookup& lookup,
                                    bool strict) {
  PrivilegeSet out;
  std::set<RoleName> seen;
  // Breadth-first over the inheritance graph; `depth` bounds chains, `seen` breaks cycles.
  std::vector<RoleName> frontier = roles;
  for (int depth = 0; !frontier.empty(); ++depth) {
    if (depth > kMaxRoleDepth) {
      return MakeError(kBadValue, "role inheritance is deeper than " +
                                      std::to_string(kMaxRoleDepth) + " levels");
    }
    std::vector<RoleName> next;
    for (const auto& role : frontier) {
      if (!seen.insert(role).second) continue;
      if (auto builtin = BuiltinRolePrivileges(role)) {
        out.insert(out.end(), builtin->begin(), builtin->end());
        continue;
      }
      auto def = lookup(role);
      if (!def.ok()) return def.error();
      if (!def.value()) {
        if (strict) return MakeError(kRoleNotFound, "Could not find role: " + role.ToString());
        continue;
      }
      out.insert(out.end(), def.value()->privileges.begin(), def.value()->privileges.end());
      next.insert(next.end(), def.value()->roles.begin(), def.value()->roles.end());
    }
    frontier = std::move(next);
  }
  return out;
}

namespace {

DbError FieldType(const std::string& field, const char* expected) {
  return MakeError(kTypeMismatch, "BSON field '" + field + "' is the wrong type, expected type '" +
                                      expected + "'");
}

std::optional<std::string> Utf8(const bson_t* doc, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  return std::string(bson_iter_utf8(&it, nullptr));
}

bool SubDocument(bson_iter_t* it, bson_t* out) {
  const std::uint8_t* data;
  std::uint32_t len;
  if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    bson_iter_document(it, &len, &data);
  } else if (BSON_ITER_HOLDS_ARRAY(it)) {
    bson_iter_array(it, &len, &data);
  } else {
    return false;
  }
  return bson_init_static(out, data, len);
}

}  // namespace

DbResult<std::vector<RoleName>> ParseRoleNames(const bson_t* array, const std::string& default_db,
                                               std::string_view field) {
  std::vector<RoleName> out;
  bson_iter_t it;
  if (!bson_iter_init(&it, array)) return MakeError(kBadValue, std::string(field) + " is invalid");
  while (bson_iter_next(&it)) {
    std::string where = std::string(field) + "." + bson_iter_key(&it);
    RoleName role;
    if (BSON_ITER_HOLDS_UTF8(&it)) {
      role = {bson_iter_utf8(&it, nullptr), default_db};
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_t doc;
      SubDocument(&it, &doc);
      auto name = Utf8(&doc, "role");
      auto db = Utf8(&doc, "db");
      if (!name) return MakeError(kBadValue, "Missing expected field \"role\" in " + where);
      if (!db) return MakeError(kBadValue, "Missing expected field \"db\" in " + where);
      role = {*name, *db};
    } else {
      return FieldType(where, "string or object");
    }
    if (role.role.empty() || role.db.empty()) {
      return MakeError(kBadValue, where + ": role names and databases must not be empty");
    }
    out.push_back(std::move(role));
  }
  return out;
}

void AppendRoleNames(bson_t* parent, const char* key, const std::vector<RoleName>& roles) {
  bson_t arr;
  BSON_APPEND_ARRAY_BEGIN(parent, key, &arr);
  for (std::size_t i = 0; i < roles.size(); ++i) {
    bson_t doc;
    BSON_APPEND_DOCUMENT_BEGIN(&arr, std::to_string(i).c_str(), &doc);
    BSON_APPEND_UTF8(&doc, "role", roles[i].role.c_str());
    BSON_APPEND_UTF8(&doc, "db", roles[i].db.c_str());
    bson_append_document_end(&arr, &doc);
  }
  bson_append_array_end(parent, &arr);
}

DbResult<PrivilegeSet> ParsePrivileges(const bson_t* array, std::string_view field) {
  PrivilegeSet out;
  bson_iter_t it;
  if (!bson_iter_init(&it, array)) return MakeError(kBadValue, std::string(field) + " is invalid");
  while (bson_iter_next(&it)) {
    std::string where = std::string(field) + "." + bson_iter_key(&it);
    bson_t doc, resource, actions;
    if (!SubDocument(&it, &doc) || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return FieldType(where, "object");
    }
    bson_iter_t r;
    if (!bson_iter_init_find(&r, &doc, "resource") || !BSON_ITER_HOLDS_DOCUMENT(&r) ||
        !SubDocument(&r, &resource)) {
      return MakeError(kBadValue, where + ".resource must be an object");
    }
    Privilege p;
    bson_iter_t f;
    if (bson_iter_init_find(&f, &resource, "cluster")) {
      if (!BSON_ITER_HOLDS_BOOL(&f) || !bson_iter_bool(&f) || bson_count_keys(&resource) != 1) {
        return MakeError(kBadValue, where + ".resource: cluster must be {cluster: true} alone");
      }
      p.resource = Resource::Cluster();
    } else if (bson_iter_init_find(&f, &resource, "anyResource")) {
      if (!BSON_ITER_HOLDS_BOOL(&f) || !bson_iter_bool(&f) || bson_count_keys(&resource) != 1) {
        return MakeError(kBadValue,
                         where + ".resource: anyResource must be {anyResource: true} alone");
      }
      p.resource = Resource{Resource::Kind::kAnyResource, "", ""};
    } else {
      auto db = Utf8(&resource, "db");
      auto coll = Utf8(&resource, "collection");
      if (!db || !coll || bson_count_keys(&resource) != 2) {
        return MakeError(kBadValue, where +
                                        ".resource must be {db: <string>, collection: "
                                        "<string>}, {cluster: true} or {anyResource: true}");
      }
      p.resource = Resource::Namespace(*db, *coll);
    }
    bson_iter_t a;
    if (!bson_iter_init_find(&a, &doc, "actions") || !BSON_ITER_HOLDS_ARRAY(&a) ||
        !SubDocument(&a, &actions)) {
      return FieldType(where + ".actions", "array");
    }
    bson_iter_t ai;
    bson_iter_init(&ai, &actions);
    while (bson_iter_next(&ai)) {
      if (!BSON_ITER_HOLDS_UTF8(&ai)) return FieldType(where + ".actions.item", "string");
      std::string action = bson_iter_utf8(&ai, nullptr);
      if (!IsKnownAction(action)) {
        return MakeError(kBadValue, "Unrecognized action privilege string: " + action + " (in " +
                                        where + ".actions)");
      }
      p.actions.insert(std::move(action));
    }
    if (p.actions.empty()) return MakeError(kBadValue, where + ".actions must not be empty");
    out.push_back(std::move(p));
  }
  return out;
}

void AppendPrivileges(bson_t* parent, const char* key, const PrivilegeSet& privileges) {
  bson_t arr;
  BSON_APPEND_ARRAY_BEGIN(parent, key, &arr);
  for (std::size_t i = 0; i < privileges.size(); ++i) {
    const Privilege& p = privileges[i];
    bson_t doc, resource, actions;
    BSON_APPEND_DOCUMENT_BEGIN(&arr, std::to_string(i).c_str(), &doc);
    BSON_APPEND_DOCUMENT_BEGIN(&doc, "resource", &resource);
    if (p.resource.kind == Resource::Kind::kCluster) {
      BSON_APPEND_BOOL(&resource, "cluster", true);
    } else if (p.resource.kind == Resource::Kind::kAnyResource) {
      BSON_APPEND_BOOL(&resource, "anyResource", true);
    } else {
      BSON_APPEND_UTF8(&resource, "db", p.resource.db.c_str());
      BSON_APPEND_UTF8(&resource, "collection", p.resource.collection.c_str());
    }
    bson_append_document_end(&doc, &resource);
    BSON_APPEND_ARRAY_BEGIN(&doc, "actions", &actions);
    std::size_t k = 0;
    for (const auto& a : p.actions) {
      std::string key = std::to_string(k++);  // the macro evaluates its key twice
      BSON_APPEND_UTF8(&actions, key.c_str(), a.c_str());
    }
    bson_append_array_end(&doc, &actions);
    bson_append_document_end(&arr, &doc);
  }
  bson_append_array_end(parent, &arr);
}

}  // namespace tactus::docdb::auth
