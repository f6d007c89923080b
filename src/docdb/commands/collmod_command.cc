// collMod: changing a TTL index's expireAfterSeconds (docs/docdb.md, "TTL indexes"). Other
// collMod options (validators, capped sizes, ...) are refused with InvalidOptions naming them.
#include "docdb/commands/registry.h"

namespace tactus::docdb::commands {
namespace {

DbResult<BsonPtr> CollMod(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  bson_t index_spec;
  bool has_index = false;
  bson_iter_t it;
  bson_iter_init(&it, ctx.command);
  bson_iter_next(&it);
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    if (key == "index") {
      if (!GetDocument(ctx.command, "index", &index_spec)) return TypeError("index", "object");
      has_index = true;
    } else if (!key.empty() && key[0] != '$' && key != "lsid" && key != "writeConcern" &&
               key != "comment" && key != "txnNumber") {
      return MakeError(kInvalidOptions, "collMod option '" + std::string(key) +
                                            "' is not supported by the embedded store; only "
                                            "index.expireAfterSeconds can be changed");
    }
  }
  if (!has_index) {
    return MakeError(kInvalidOptions,
                     "collMod needs 'index: {name | keyPattern, "
                     "expireAfterSeconds}'");
  }
  if (!bson_iter_init_find(&it, &index_spec, "expireAfterSeconds")) {
    return MakeError(kInvalidOptions, "collMod 'index' needs 'expireAfterSeconds'");
  }
  if (!BSON_ITER_HOLDS_NUMBER(&it)) return TypeError("index.expireAfterSeconds", "number");
  double seconds = bson_iter_as_double(&it);
  std::optional<std::string> index_name;
  bson_t key_pattern;
  bool by_key = GetDocument(&index_spec, "keyPattern", &key_pattern);
  if (bson_iter_init_find(&it, &index_spec, "name")) {
    if (!BSON_ITER_HOLDS_UTF8(&it)) return TypeError("index.name", "string");
    index_name = bson_iter_utf8(&it, nullptr);
  }
  if (index_name.has_value() == by_key) {
    return MakeError(kInvalidOptions,
                     "collMod 'index' needs exactly one of 'name' and "
                     "'keyPattern'");
  }
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (!coll.value()) {
      return MakeError(kNamespaceNotFound, "ns does not exist: " + ctx.db + "." + name.value());
    }
    std::string target;
    if (index_name) {
      target = *index_name;
    } else {
      auto indexes = txn.ListIndexes(*coll.value());
      if (!indexes.ok()) return indexes.error();
      for (const auto& i : indexes.value()) {
        bson_t key;
        if (GetDocument(i.spec.get(), "key", &key) && key.len == key_pattern.len &&
            memcmp(bson_get_data(&key), bson_get_data(&key_pattern), key.len) == 0) {
          target = i.name;
        }
      }
      if (target.empty()) {
        return MakeError(kIndexNotFound, "cannot find index " + ToJson(&key_pattern) + " for ns " +
                                             ctx.db + "." + name.value());
      }
    }
    auto old_seconds = txn.SetExpireAfterSeconds(*coll.value(), target, seconds);
    if (!old_seconds.ok()) return old_seconds.error();
    ReplyBuilder r;
    BSON_APPEND_INT64(r.body(), "expireAfterSeconds_old",
                      static_cast<std::int64_t>(old_seconds.value()));
    BSON_APPEND_INT64(r.body(), "expireAfterSeconds_new", static_cast<std::int64_t>(seconds));
    return r.Finish();
  });
}

}  // namespace

void RegisterCollModCommand(Registry& r) { r["collMod"] = {CollMod, false}; }

}  // namespace tactus::docdb::commands
