#include "docdb/auth/bulk_write_actions.h"

#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "docdb/auth/command_fields.h"

namespace tactus::docdb::auth {
namespace {

struct OpTarget {
  std::string kind;  // "insert", "update" or "delete"
  std::size_t index;
};

// An op's kind and nsInfo index, read as the command reads them (exactly one of
// insert/update/delete; an int32, int64 or integral double below `ns_count`); nullopt for an op
// the command refuses.
std::optional<OpTarget> Target(const bson_t* op, std::size_t ns_count) {
  std::optional<OpTarget> out;
  bson_iter_t it;
  bson_iter_init(&it, op);
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    if (key != "insert" && key != "update" && key != "delete") continue;
    if (out || !BSON_ITER_HOLDS_NUMBER(&it)) return std::nullopt;
    double index = bson_iter_as_double(&it);
    if (!(index >= 0 && index < static_cast<double>(ns_count)) || std::trunc(index) != index) {
      return std::nullopt;
    }
    out = OpTarget{key, static_cast<std::size_t>(index)};
  }
  return out;
}

// The namespace of each nsInfo entry; nullopt for an entry without a "db.coll" string.
std::vector<std::optional<Resource>> Namespaces(const bson_t* ns_info) {
  std::vector<std::optional<Resource>> out;
  bson_iter_t it;
  bson_iter_init(&it, ns_info);
  while (bson_iter_next(&it)) {
    bson_t entry;
    bson_iter_t ns;
    std::pair<std::string, std::string> parts;
    if (fields::ItemDocument(&it, &entry) && bson_iter_init_find(&ns, &entry, "ns") &&
        BSON_ITER_HOLDS_UTF8(&ns)) {
      parts = fields::SplitNs(bson_iter_utf8(&ns, nullptr));
    }
    if (parts.first.empty() || parts.second.empty()) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(Resource::Namespace(parts.first, parts.second));
    }
  }
  return out;
}

}  // namespace

CommandAuth BulkWriteAuth(const bson_t* command) {
  const CommandAuth malformed{AuthRule::kPrivileges, {{Resource::Cluster(), kAnyAction}}};
  bson_t ns_info, ops;
  if (!fields::ArrayOf(command, "nsInfo", &ns_info) || !fields::ArrayOf(command, "ops", &ops)) {
    return malformed;
  }
  const std::vector<std::optional<Resource>> namespaces = Namespaces(&ns_info);
  CommandAuth out;
  std::set<std::pair<std::size_t, std::string>> required;
  auto require = [&](std::size_t i, const char* action) {
    if (required.emplace(i, action).second) out.requirements.push_back({*namespaces[i], action});
  };
  bson_iter_t it;
  bson_iter_init(&it, &ops);
  while (bson_iter_next(&it)) {
    bson_t op;
    if (!fields::ItemDocument(&it, &op)) return malformed;
    auto target = Target(&op, namespaces.size());
    if (!target || !namespaces[target->index]) return malformed;
    if (target->kind == "insert") {
      require(target->index, "insert");
    } else if (target->kind == "delete") {
      require(target->index, "remove");
    } else {
      require(target->index, "update");
      if (fields::Flag(&op, "upsert")) require(target->index, "insert");
    }
  }
  if (fields::Flag(command, "bypassDocumentValidation")) {
    for (std::size_t i = 0; i < namespaces.size(); ++i) {
      if (namespaces[i]) require(i, "bypassDocumentValidation");
    }
  }
  return out;
}

}  // namespace tactus::docdb::auth
