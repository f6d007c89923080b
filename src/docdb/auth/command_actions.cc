#include "docdb/auth/command_actions.h"

#include <functional>
#include <map>

#include "docdb/auth/bulk_write_actions.h"
#include "docdb/auth/command_fields.h"

namespace tactus::docdb::auth {
namespace {

using fields::ArrayOf;
using fields::Flag;
using fields::SplitNs;

std::string FirstString(const bson_t* command) {
  bson_iter_t it;
  if (bson_iter_init(&it, command) && bson_iter_next(&it) && BSON_ITER_HOLDS_UTF8(&it)) {
    return bson_iter_utf8(&it, nullptr);
  }
  return "";
}

using Builder = std::function<CommandAuth(const std::string& db, const bson_t* command)>;

CommandAuth Rule(AuthRule rule) { return CommandAuth{rule, {}}; }

// A requirement on the namespace named by the command's first field (db.<value>). A missing
// or non-string name asks for the action on the whole database.
Builder OnCollection(std::vector<std::string> actions) {
  return [actions](const std::string& db, const bson_t* command) {
    CommandAuth out;
    std::string coll = FirstString(command);
    for (const auto& a : actions) out.requirements.push_back({Resource::Namespace(db, coll), a});
    return out;
  };
}

Builder OnDatabase(std::string action) {
  return [action](const std::string& db, const bson_t*) {
    return CommandAuth{AuthRule::kPrivileges, {{Resource::Database(db), action}}};
  };
}

Builder OnCluster(std::string action) {
  return [action](const std::string&, const bson_t*) {
    return CommandAuth{AuthRule::kPrivileges, {{Resource::Cluster(), action}}};
  };
}

CommandAuth Update(const std::string& db, const bson_t* command) {
  CommandAuth out = OnCollection({"update"})(db, command);
  bson_t updates;
  if (ArrayOf(command, "updates", &updates)) {
    bson_iter_t it;
    bson_iter_init(&it, &updates);
    while (bson_iter_next(&it)) {
      bson_t st;
      const std::uint8_t* data;
      std::uint32_t len;
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) continue;
      bson_iter_document(&it, &len, &data);
      if (bson_init_static(&st, data, len) && Flag(&st, "upsert")) {
        out.requirements.push_back({out.requirements[0].resource, "insert"});
        break;
      }
    }
  }
  return out;
}

CommandAuth FindAndModify(const std::string& db, const bson_t* command) {
  if (Flag(command, "remove")) return OnCollection({"find", "remove"})(db, command);
  if (Flag(command, "upsert")) return OnCollection({"find", "update", "insert"})(db, command);
  return OnCollection({"find", "update"})(db, command);
}

// Collections an aggregation pipeline reads ($lookup, $graphLookup, $unionWith, nested
// pipelines) and writes ($out, $merge).
void PipelineRequirements(const std::string& db, const bson_t* pipeline, CommandAuth* out,
                          int depth) {
  if (depth > kMaxRoleDepth) return;
  bson_iter_t stage;
  if (!bson_iter_init(&stage, pipeline)) return;
  while (bson_iter_next(&stage)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&stage)) continue;
    bson_t doc;
    const std::uint8_t* data;
    std::uint32_t len;
    bson_iter_document(&stage, &len, &data);
    if (!bson_init_static(&doc, data, len)) continue;
    bson_iter_t op;
    if (!bson_iter_init(&op, &doc) || !bson_iter_next(&op)) continue;
    std::string name = bson_iter_key(&op);
    std::string target_db = db, target;
    bson_t spec;
    bool has_spec = false;
    if (BSON_ITER_HOLDS_UTF8(&op)) {
      target = bson_iter_utf8(&op, nullptr);  // {$out: "coll"}, {$merge: "coll"}, {$unionWith: "c"}
    } else if (BSON_ITER_HOLDS_DOCUMENT(&op)) {
      bson_iter_document(&op, &len, &data);
      has_spec = bson_init_static(&spec, data, len);
    }
    if (has_spec) {
      bson_iter_t f;
      const char* key = (name == "$unionWith")                 ? "coll"
                        : (name == "$out" || name == "$merge") ? "coll"
                                                               : "from";
      if (bson_iter_init_find(&f, &spec, key) && BSON_ITER_HOLDS_UTF8(&f)) {
        target = bson_iter_utf8(&f, nullptr);
      }
      if ((name == "$out" || name == "$merge") && bson_iter_init_find(&f, &spec, "db") &&
          BSON_ITER_HOLDS_UTF8(&f)) {
        target_db = bson_iter_utf8(&f, nullptr);
      }
      if ((name == "$merge") && bson_iter_init_find(&f, &spec, "into")) {
        if (BSON_ITER_HOLDS_UTF8(&f)) {
          target = bson_iter_utf8(&f, nullptr);
        } else if (BSON_ITER_HOLDS_DOCUMENT(&f)) {
          bson_t into;
          bson_iter_document(&f, &len, &data);
          if (bson_init_static(&into, data, len)) {
            bson_iter_t g;
            if (bson_iter_init_find(&g, &into, "db") && BSON_ITER_HOLDS_UTF8(&g)) {
              target_db = bson_iter_utf8(&g, nullptr);
            }
            if (bson_iter_init_find(&g, &into, "coll") && BSON_ITER_HOLDS_UTF8(&g)) {
              target = bson_iter_utf8(&g, nullptr);
            }
          }
        }
      }
      bson_t nested;
      if (ArrayOf(&spec, "pipeline", &nested)) PipelineRequirements(db, &nested, out, depth + 1);
    }
    Resource ns = Resource::Namespace(target_db, target);
    if (name == "$out") {
      out->requirements.push_back({ns, "insert"});
      out->requirements.push_back({ns, "remove"});
    } else if (name == "$merge") {
      out->requirements.push_back({ns, "insert"});
      out->requirements.push_back({ns, "update"});
    } else if ((name == "$lookup" || name == "$graphLookup" || name == "$unionWith") &&
               !target.empty()) {
      out->requirements.push_back({ns, "find"});
    }
  }
}

CommandAuth Aggregate(const std::string& db, const bson_t* command) {
  CommandAuth out;
  std::string coll = FirstString(command);
  bson_t pipeline;
  bool has_pipeline = ArrayOf(command, "pipeline", &pipeline);
  bson_iter_t first, spec;
  if (has_pipeline && bson_iter_init(&first, &pipeline) && bson_iter_next(&first) &&
      BSON_ITER_HOLDS_DOCUMENT(&first) && bson_iter_recurse(&first, &spec) &&
      bson_iter_find(&spec, "$changeStream")) {
    // A change stream: changeStream + find on the collection, the database (aggregate: 1), or
    // every database (allChangesForCluster on admin).
    bool cluster = false;
    bson_iter_t options;
    if (db == "admin" && BSON_ITER_HOLDS_DOCUMENT(&spec) && bson_iter_recurse(&spec, &options) &&
        bson_iter_find(&options, "allChangesForCluster")) {
      cluster = bson_iter_as_bool(&options);
    }
    Resource on = cluster ? Resource::Namespace("", "") : Resource::Namespace(db, coll);
    out.requirements.push_back({on, "changeStream"});
    out.requirements.push_back({on, "find"});
    return out;
  }
  // aggregate: 1 (a database-level pipeline) reads the database as a whole.
  out.requirements.push_back({Resource::Namespace(db, coll), "find"});
  if (has_pipeline) PipelineRequirements(db, &pipeline, &out, 0);
  return out;
}

CommandAuth Explain(const std::string& db, const bson_t* command) {
  bson_t inner;
  if (!ArrayOf(command, "explain", &inner)) return OnDatabase("find")(db, command);
  bson_iter_t it;
  std::string inner_name;
  if (bson_iter_init(&it, &inner) && bson_iter_next(&it)) inner_name = bson_iter_key(&it);
  if (inner_name == "explain") return OnCluster(kAnyAction)(db, command);
  return RequiredAuth(inner_name, db, &inner);
}

CommandAuth RenameCollection(const std::string&, const bson_t* command) {
  auto from = SplitNs(FirstString(command));
  bson_iter_t it;
  std::string to_text;
  if (bson_iter_init_find(&it, command, "to") && BSON_ITER_HOLDS_UTF8(&it)) {
    to_text = bson_iter_utf8(&it, nullptr);
  }
  auto to = SplitNs(to_text);
  Resource src = Resource::Namespace(from.first, from.second);
  Resource dst = Resource::Namespace(to.first, to.second);
  if (from.first == to.first) {
    return CommandAuth{AuthRule::kPrivileges,
                       {{src, "renameCollectionSameDB"}, {dst, "renameCollectionSameDB"}}};
  }
  CommandAuth out{AuthRule::kPrivileges,
                  {{src, "find"},
                   {src, "dropCollection"},
                   {dst, "insert"},
                   {dst, "createIndex"},
                   {dst, "createCollection"}}};
  if (Flag(command, "dropTarget")) out.requirements.push_back({dst, "dropCollection"});
  return out;
}

// grantRole on the database of each role the command names in `field`.
void RoleGrants(const std::string& db, const bson_t* command, const char* field, const char* action,
                CommandAuth* out) {
  bson_t roles;
  if (!ArrayOf(command, field, &roles)) return;
  auto parsed = ParseRoleNames(&roles, db, field);
  if (!parsed.ok()) return;
  for (const auto& r : parsed.value()) {
    out->requirements.push_back({Resource::Database(r.db), action});
  }
}

Builder UserAdmin(const char* action, const char* roles_field = nullptr,
                  const char* roles_action = "grantRole") {
  return [=](const std::string& db, const bson_t* command) {
    CommandAuth out{AuthRule::kPrivileges, {{Resource::Database(db), action}}};
    if (roles_field) RoleGrants(db, command, roles_field, roles_action, &out);
    return out;
  };
}

CommandAuth UpdateUser(const std::string& db, const bson_t* command) {
  CommandAuth out{AuthRule::kPrivileges, {}};
  Resource on = Resource::Database(db);
  if (bson_has_field(command, "pwd")) out.requirements.push_back({on, "changePassword"});
  if (bson_has_field(command, "customData")) out.requirements.push_back({on, "changeCustomData"});
  if (bson_has_field(command, "roles")) {
    out.requirements.push_back({on, "revokeRole"});
    RoleGrants(db, command, "roles", "grantRole", &out);
  }
  if (out.requirements.empty()) out.requirements.push_back({on, "changePassword"});
  return out;
}

const std::map<std::string, Builder, std::less<>>& Table() {
  static const auto* table = new std::map<std::string, Builder, std::less<>>{
      // The handshake and authentication itself.
      {"hello", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"isMaster", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"ismaster", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"saslStart", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"saslContinue", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"logout", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"ping", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"buildInfo", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"buildinfo", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      {"connectionStatus", [](auto&, auto*) { return Rule(AuthRule::kNone); }},
      // Any authenticated user.
      {"whatsmyuri", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"startSession", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"endSessions", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"refreshSessions", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"killSessions", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"commitTransaction", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"abortTransaction", [](auto&, auto*) { return Rule(AuthRule::kAuthenticated); }},
      {"getMore", [](auto&, auto*) { return Rule(AuthRule::kCursorOwner); }},
      {"killCursors", [](auto&, auto*) { return Rule(AuthRule::kCursorOwner); }},
      // Reads and writes.
      {"find", OnCollection({"find"})},
      {"count", OnCollection({"find"})},
      {"distinct", OnCollection({"find"})},
      {"aggregate", Aggregate},
      {"explain", Explain},
      {"insert", OnCollection({"insert"})},
      {"update", Update},
      {"delete", OnCollection({"remove"})},
      {"findAndModify", FindAndModify},
      {"findandmodify", FindAndModify},
      {"bulkWrite", [](auto&, auto* command) { return BulkWriteAuth(command); }},
      // Catalog.
      {"create", OnCollection({"createCollection"})},
      {"drop", OnCollection({"dropCollection"})},
      {"dropDatabase", OnDatabase("dropDatabase")},
      {"renameCollection", RenameCollection},
      {"listCollections", OnDatabase("listCollections")},
      {"createIndexes", OnCollection({"createIndex"})},
      {"dropIndexes", OnCollection({"dropIndex"})},
      {"deleteIndexes", OnCollection({"dropIndex"})},
      {"listIndexes", OnCollection({"listIndexes"})},
      {"collMod", OnCollection({"collMod"})},
      {"collStats", OnCollection({"collStats"})},
      {"dbStats", OnDatabase("dbStats")},
      {"profile", OnDatabase("enableProfiler")},
      // The server.
      {"listDatabases", OnCluster("listDatabases")},
      {"serverStatus", OnCluster("serverStatus")},
      {"hostInfo", OnCluster("hostInfo")},
      {"getCmdLineOpts", OnCluster("getCmdLineOpts")},
      {"getLog", OnCluster("getLog")},
      {"getParameter", OnCluster("getParameter")},
      {"replSetGetStatus", OnCluster("replSetGetStatus")},
      // Users and roles.
      {"createUser", UserAdmin("createUser", "roles")},
      {"updateUser", UpdateUser},
      {"dropUser", UserAdmin("dropUser")},
      {"dropAllUsersFromDatabase", UserAdmin("dropUser")},
      {"usersInfo", UserAdmin("viewUser")},
      {"grantRolesToUser", UserAdmin("grantRole", "roles")},
      {"revokeRolesFromUser", UserAdmin("revokeRole", "roles", "revokeRole")},
      {"createRole", UserAdmin("createRole", "roles")},
      {"updateRole", UserAdmin("createRole", "roles")},
      {"dropRole", UserAdmin("dropRole")},
      {"rolesInfo", UserAdmin("viewRole")},
      {"grantPrivilegesToRole", UserAdmin("grantRole")},
      {"revokePrivilegesFromRole", UserAdmin("revokeRole")},
      {"grantRolesToRole", UserAdmin("grantRole", "roles")},
      {"revokeRolesFromRole", UserAdmin("revokeRole", "roles", "revokeRole")},
  };
  return *table;
}

}  // namespace

CommandAuth RequiredAuth(std::string_view name, const std::string& db, const bson_t* command) {
  const auto& table = Table();
  auto found = table.find(name);
  if (found == table.end()) return OnCluster(kAnyAction)(db, command);
  return found->second(db, command);
}

bool IsMappedCommand(std::string_view name) { return Table().count(name) > 0; }

}  // namespace tactus::docdb::auth
