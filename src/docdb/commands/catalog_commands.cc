// create, drop, dropDatabase, renameCollection, listCollections, createIndexes, dropIndexes,
// listIndexes.
#include <deque>

#include "docdb/commands/cursors.h"
#include "docdb/commands/registry.h"
#include "docdb/query/matcher.h"

namespace tactus::docdb::commands {
namespace {

// "db.coll" -> ("db", "coll").
DbResult<std::pair<std::string, std::string>> SplitNamespace(std::string_view ns) {
  auto dot = ns.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == ns.size()) {
    return MakeError(kInvalidNamespace, "Invalid namespace specified '" + std::string(ns) + "'");
  }
  return std::make_pair(std::string(ns.substr(0, dot)), std::string(ns.substr(dot + 1)));
}

DbResult<BsonPtr> Create(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    BsonPtr options = NewBson();
    bson_iter_t it;
    bson_iter_init(&it, ctx.command);
    bson_iter_next(&it);  // the collection name
    while (bson_iter_next(&it)) {
      std::string_view key = bson_iter_key(&it);
      if (key.empty() || key[0] == '$' || key == "lsid" || key == "txnNumber" ||
          key == "autocommit" || key == "startTransaction" || key == "writeConcern") {
        continue;
      }
      bson_append_iter(options.get(), nullptr, 0, &it);
    }
    auto created = txn.CreateCollection(ctx.db, name.value(), options.get(), true);
    if (!created.ok()) return created.error();
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> Drop(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (!coll.value()) return MakeError(kNamespaceNotFound, "ns not found");
    auto indexes = txn.ListIndexes(*coll.value());
    auto dropped = txn.DropCollection(*coll.value());
    if (!dropped.ok()) return dropped.error();
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "nIndexesWas",
                      indexes.ok() ? static_cast<std::int32_t>(indexes.value().size()) : 1);
    BSON_APPEND_UTF8(r.body(), "ns", (ctx.db + "." + name.value()).c_str());
    return r.Finish();
  });
}

DbResult<BsonPtr> DropDatabase(CommandContext& ctx) {
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto dropped = txn.DropDatabase(ctx.db);
    if (!dropped.ok()) return dropped.error();
    ReplyBuilder r;
    BSON_APPEND_UTF8(r.body(), "dropped", ctx.db.c_str());
    return r.Finish();
  });
}

DbResult<BsonPtr> RenameCollection(CommandContext& ctx) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, ctx.command, "renameCollection") || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError("renameCollection", "string");
  }
  auto from = SplitNamespace(bson_iter_utf8(&it, nullptr));
  if (!from.ok()) return from.error();
  if (!bson_iter_init_find(&it, ctx.command, "to") || !BSON_ITER_HOLDS_UTF8(&it)) {
    return TypeError("to", "string");
  }
  auto to = SplitNamespace(bson_iter_utf8(&it, nullptr));
  if (!to.ok()) return to.error();
  bool drop_target = GetBool(ctx.command, "dropTarget", false);
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = txn.FindCollection(from.value().first, from.value().second);
    if (!coll.ok()) return coll.error();
    if (!coll.value()) return MakeError(kNamespaceNotFound, "source namespace does not exist");
    auto renamed =
        txn.RenameCollection(*coll.value(), to.value().first, to.value().second, drop_target);
    if (!renamed.ok()) return renamed.error();
    return ReplyBuilder().Finish();
  });
}

DbResult<BsonPtr> ListCollections(CommandContext& ctx) {
  bson_t filter_doc = BSON_INITIALIZER;
  GetDocument(ctx.command, "filter", &filter_doc);
  auto matcher = query::Matcher::Compile(&filter_doc);
  if (!matcher.ok()) return matcher.error();
  bool name_only = GetBool(ctx.command, "nameOnly", false);
  bson_t cursor_opts;
  std::int64_t batch_size = 0;
  if (GetDocument(ctx.command, "cursor", &cursor_opts)) {
    batch_size = GetInt64(&cursor_opts, "batchSize", 0);
  }
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto colls = txn.ListCollections(ctx.db);
    if (!colls.ok()) return colls.error();
    std::deque<BsonPtr> docs;
    for (const auto& c : colls.value()) {
      BsonPtr entry = NewBson();
      BSON_APPEND_UTF8(entry.get(), "name", c.name.c_str());
      BSON_APPEND_UTF8(entry.get(), "type", "collection");
      if (!name_only) {
        if (c.options) {
          BSON_APPEND_DOCUMENT(entry.get(), "options", c.options.get());
        } else {
          bson_t empty = BSON_INITIALIZER;
          BSON_APPEND_DOCUMENT(entry.get(), "options", &empty);
        }
        bson_t info;
        BSON_APPEND_DOCUMENT_BEGIN(entry.get(), "info", &info);
        BSON_APPEND_BOOL(&info, "readOnly", false);
        bson_append_document_end(entry.get(), &info);
        bson_t id_index, key;
        BSON_APPEND_DOCUMENT_BEGIN(entry.get(), "idIndex", &id_index);
        BSON_APPEND_INT32(&id_index, "v", 2);
        BSON_APPEND_DOCUMENT_BEGIN(&id_index, "key", &key);
        BSON_APPEND_INT32(&key, "_id", 1);
        bson_append_document_end(&id_index, &key);
        BSON_APPEND_UTF8(&id_index, "name", "_id_");
        bson_append_document_end(entry.get(), &id_index);
      }
      auto m = matcher.value().Matches(entry.get());
      if (!m.ok()) return m.error();
      if (m.value()) docs.push_back(std::move(entry));
    }
    std::string ns = ctx.db + ".$cmd.listCollections";
    std::vector<BsonPtr> batch;
    std::int64_t id = ctx.cursors->Open(ns, std::move(docs), batch_size, &batch, ctx.now_ms);
    ReplyBuilder r;
    AppendCursorReply(r.body(), ns, "firstBatch", batch, id);
    return r.Finish();
  });
}

DbResult<BsonPtr> CreateIndexes(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  bson_t specs;
  if (!GetArray(ctx.command, "indexes", &specs)) return TypeError("indexes", "array");
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    bool created_collection = false;
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (!coll.value()) {
      auto c = txn.CreateCollection(ctx.db, name.value(), nullptr, false);
      if (!c.ok()) return c.error();
      coll.value() = std::move(c).value();
      created_collection = true;
    }
    auto before = txn.ListIndexes(*coll.value());
    if (!before.ok()) return before.error();
    bson_iter_t it;
    bson_iter_init(&it, &specs);
    while (bson_iter_next(&it)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return TypeError("indexes.item", "object");
      const std::uint8_t* data;
      std::uint32_t len;
      bson_iter_document(&it, &len, &data);
      bson_t spec;
      if (!bson_init_static(&spec, data, len)) {
        return MakeError(kInvalidBSON, "indexes contains an invalid BSON document");
      }
      auto created = txn.CreateIndex(*coll.value(), &spec);
      if (!created.ok()) return created.error();
    }
    auto after = txn.ListIndexes(*coll.value());
    if (!after.ok()) return after.error();
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "numIndexesBefore",
                      static_cast<std::int32_t>(before.value().size()));
    BSON_APPEND_INT32(r.body(), "numIndexesAfter", static_cast<std::int32_t>(after.value().size()));
    BSON_APPEND_BOOL(r.body(), "createdCollectionAutomatically", created_collection);
    return r.Finish();
  });
}

DbResult<BsonPtr> DropIndexes(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  bson_iter_t it;
  if (!bson_iter_init_find(&it, ctx.command, "index")) return TypeError("index", "string");
  return WithWriteTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (!coll.value())
      return MakeError(kNamespaceNotFound, "ns not found " + ctx.db + "." + name.value());
    auto indexes = txn.ListIndexes(*coll.value());
    if (!indexes.ok()) return indexes.error();
    std::vector<std::string> to_drop;
    if (BSON_ITER_HOLDS_UTF8(&it)) {
      std::string index_name = bson_iter_utf8(&it, nullptr);
      if (index_name == "*") {
        for (const auto& i : indexes.value()) {
          if (i.name != "_id_") to_drop.push_back(i.name);
        }
      } else {
        to_drop.push_back(index_name);
      }
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      const std::uint8_t* data;
      std::uint32_t len;
      bson_iter_document(&it, &len, &data);
      bool found = false;
      for (const auto& i : indexes.value()) {
        bson_t key;
        if (GetDocument(i.spec.get(), "key", &key) && key.len == len &&
            memcmp(bson_get_data(&key), data, len) == 0) {
          to_drop.push_back(i.name);
          found = true;
        }
      }
      if (!found) return MakeError(kIndexNotFound, "can't find index with key");
    } else {
      return TypeError("index", "string");
    }
    for (const auto& n : to_drop) {
      auto dropped = txn.DropIndex(*coll.value(), n);
      if (!dropped.ok()) return dropped.error();
    }
    ReplyBuilder r;
    BSON_APPEND_INT32(r.body(), "nIndexesWas", static_cast<std::int32_t>(indexes.value().size()));
    return r.Finish();
  });
}

DbResult<BsonPtr> ListIndexes(CommandContext& ctx) {
  auto name = TargetCollection(ctx);
  if (!name.ok()) return name.error();
  return WithReadTxn(ctx, [&](storage::Txn& txn) -> DbResult<BsonPtr> {
    auto coll = txn.FindCollection(ctx.db, name.value());
    if (!coll.ok()) return coll.error();
    if (!coll.value()) {
      return MakeError(kNamespaceNotFound, "ns does not exist: " + ctx.db + "." + name.value());
    }
    auto indexes = txn.ListIndexes(*coll.value());
    if (!indexes.ok()) return indexes.error();
    std::deque<BsonPtr> docs;
    for (auto& i : indexes.value()) docs.push_back(std::move(i.spec));
    std::string ns = ctx.db + "." + name.value();
    std::vector<BsonPtr> batch;
    std::int64_t id = ctx.cursors->Open(ns, std::move(docs), 0, &batch, ctx.now_ms);
    ReplyBuilder r;
    AppendCursorReply(r.body(), ns, "firstBatch", batch, id);
    return r.Finish();
  });
}

}  // namespace

void RegisterCatalogCommands(Registry& r) {
  r["create"] = {Create, true};
  r["drop"] = {Drop, false};
  r["dropDatabase"] = {DropDatabase, false};
  r["renameCollection"] = {RenameCollection, false};
  r["listCollections"] = {ListCollections, false};
  r["createIndexes"] = {CreateIndexes, false};
  r["dropIndexes"] = {DropIndexes, false};
  r["deleteIndexes"] = {DropIndexes, false};
  r["listIndexes"] = {ListIndexes, false};
}

}  // namespace tactus::docdb::commands
