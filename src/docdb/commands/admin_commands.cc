// Commands drivers and shells send about the server itself: handshake, diagnostics, listings.
#include <unistd.h>

#include <thread>

#include "docdb/commands/registry.h"
#include "docdb/commands/ttl_monitor.h"
#include "docdb/server/hello.h"

namespace tactus::docdb::commands {
namespace {

DbResult<BsonPtr> Hello(CommandContext& ctx) {
  server::HelloInfo info;
  info.me = ctx.local.empty() ? ctx.server->host : ctx.local;
  info.set_name = ctx.server->set_name;
  info.connection_id = ctx.connection_id;
  info.local_time_ms = ctx.now_ms;
  info.last_write_seconds = static_cast<std::uint32_t>(ctx.now_ms / 1000);
  info.last_write_increment = 1;
  info.last_write_date_ms = ctx.now_ms;
  bson_iter_t it;
  info.legacy = bson_iter_init(&it, ctx.command) && bson_iter_next(&it) &&
                std::string_view(bson_iter_key(&it)) != "hello";
  return server::BuildHelloReply(info);
}

DbResult<BsonPtr> Ping(CommandContext&) { return ReplyBuilder().Finish(); }

DbResult<BsonPtr> BuildInfo(CommandContext& ctx) {
  ReplyBuilder r;
  BSON_APPEND_UTF8(r.body(), "version", ctx.server->version.c_str());
  BSON_APPEND_UTF8(r.body(), "gitVersion", "tactus-docdb");
  bson_t arr;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "versionArray", &arr);
  BSON_APPEND_INT32(&arr, "0", 7);
  BSON_APPEND_INT32(&arr, "1", 0);
  BSON_APPEND_INT32(&arr, "2", 0);
  BSON_APPEND_INT32(&arr, "3", 0);
  bson_append_array_end(r.body(), &arr);
  BSON_APPEND_INT32(r.body(), "bits", 64);
  BSON_APPEND_BOOL(r.body(), "debug", false);
  BSON_APPEND_INT32(r.body(), "maxBsonObjectSize", 16 * 1024 * 1024);
  BSON_APPEND_ARRAY_BEGIN(r.body(), "storageEngines", &arr);
  BSON_APPEND_UTF8(&arr, "0", "docdb-sqlite");
  bson_append_array_end(r.body(), &arr);
  return r.Finish();
}

// The parameters it knows: featureCompatibilityVersion, authenticationMechanisms and
// logComponentVerbosity (mongosh's db.getLogComponents()). As in MongoDB, unknown names are
// ignored, but a request that names none it knows fails ("no option found to get").
DbResult<BsonPtr> GetParameter(CommandContext& ctx) {
  ReplyBuilder r;
  bson_iter_t it;
  bool all = false;
  if (bson_iter_init_find(&it, ctx.command, "getParameter")) {
    all = BSON_ITER_HOLDS_UTF8(&it) && std::string_view(bson_iter_utf8(&it, nullptr)) == "*";
  }
  bool found = false;
  auto wanted = [&](const char* name) {
    bool want = all || bson_has_field(ctx.command, name);
    found |= want;
    return want;
  };
  if (wanted("featureCompatibilityVersion")) {
    bson_t fcv;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "featureCompatibilityVersion", &fcv);
    BSON_APPEND_UTF8(&fcv, "version", "7.0");
    bson_append_document_end(r.body(), &fcv);
  }
  if (wanted("authenticationMechanisms")) {
    bson_t arr;
    BSON_APPEND_ARRAY_BEGIN(r.body(), "authenticationMechanisms", &arr);
    BSON_APPEND_UTF8(&arr, "0", "SCRAM-SHA-1");
    BSON_APPEND_UTF8(&arr, "1", "SCRAM-SHA-256");
    bson_append_array_end(r.body(), &arr);
  }
  if (wanted("logComponentVerbosity")) {
    bson_t verbosity;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "logComponentVerbosity", &verbosity);
    BSON_APPEND_INT32(&verbosity, "verbosity", 0);
    bson_append_document_end(r.body(), &verbosity);
  }
  if (!found) return MakeError(kInvalidOptions, "no option found to get");
  return r.Finish();
}

// {profile: -1} reads the profiling level (mongosh's db.getProfilingStatus()); {profile: 0}
// keeps it off. The store has no profiler, so levels 1 and 2 are refused.
DbResult<BsonPtr> Profile(CommandContext& ctx) {
  bson_iter_t it;
  std::int64_t level = -1;
  if (bson_iter_init_find(&it, ctx.command, "profile")) {
    if (!BSON_ITER_HOLDS_NUMBER(&it)) return TypeError("profile", "number");
    level = bson_iter_as_int64(&it);
  }
  if (level != -1 && level != 0) {
    return MakeError(kIllegalOperation, "profiling is not supported by the embedded store");
  }
  ReplyBuilder r;
  BSON_APPEND_INT32(r.body(), "was", 0);
  BSON_APPEND_INT32(r.body(), "slowms", 100);
  BSON_APPEND_DOUBLE(r.body(), "sampleRate", 1.0);
  return r.Finish();
}

// rs.status() for the one-member replica set that hello presents: this server, primary.
DbResult<BsonPtr> ReplSetGetStatus(CommandContext& ctx) {
  ReplyBuilder r;
  std::string me = ctx.local.empty() ? ctx.server->host : ctx.local;
  std::int64_t uptime = (ctx.now_ms - ctx.server->start_time_ms) / 1000;
  BSON_APPEND_UTF8(r.body(), "set", ctx.server->set_name.c_str());
  BSON_APPEND_DATE_TIME(r.body(), "date", ctx.now_ms);
  BSON_APPEND_INT32(r.body(), "myState", 1);
  BSON_APPEND_INT64(r.body(), "term", 1);
  bson_t members, member;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "members", &members);
  BSON_APPEND_DOCUMENT_BEGIN(&members, "0", &member);
  BSON_APPEND_INT32(&member, "_id", 0);
  BSON_APPEND_UTF8(&member, "name", me.c_str());
  BSON_APPEND_DOUBLE(&member, "health", 1.0);
  BSON_APPEND_INT32(&member, "state", 1);
  BSON_APPEND_UTF8(&member, "stateStr", "PRIMARY");
  BSON_APPEND_INT64(&member, "uptime", uptime);
  BSON_APPEND_BOOL(&member, "self", true);
  bson_append_document_end(&members, &member);
  bson_append_array_end(r.body(), &members);
  return r.Finish();
}

DbResult<BsonPtr> GetCmdLineOpts(CommandContext& ctx) {
  ReplyBuilder r;
  bson_t argv, parsed, storage;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "argv", &argv);
  BSON_APPEND_UTF8(&argv, "0", "tactus");
  bson_append_array_end(r.body(), &argv);
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "parsed", &parsed);
  BSON_APPEND_DOCUMENT_BEGIN(&parsed, "storage", &storage);
  BSON_APPEND_UTF8(&storage, "dbPath", ctx.server->dbpath.c_str());
  bson_append_document_end(&parsed, &storage);
  bson_append_document_end(r.body(), &parsed);
  return r.Finish();
}

DbResult<BsonPtr> GetLog(CommandContext& ctx) {
  ReplyBuilder r;
  bson_iter_t it;
  if (bson_iter_init_find(&it, ctx.command, "getLog") && BSON_ITER_HOLDS_UTF8(&it) &&
      std::string_view(bson_iter_utf8(&it, nullptr)) == "*") {
    bson_t names;
    BSON_APPEND_ARRAY_BEGIN(r.body(), "names", &names);
    BSON_APPEND_UTF8(&names, "0", "global");
    BSON_APPEND_UTF8(&names, "1", "startupWarnings");
    bson_append_array_end(r.body(), &names);
    return r.Finish();
  }
  BSON_APPEND_INT32(r.body(), "totalLinesWritten", 0);
  bson_t log;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "log", &log);
  bson_append_array_end(r.body(), &log);
  return r.Finish();
}

DbResult<BsonPtr> WhatsMyUri(CommandContext& ctx) {
  ReplyBuilder r;
  BSON_APPEND_UTF8(r.body(), "you", ctx.peer.c_str());
  return r.Finish();
}

DbResult<BsonPtr> HostInfo(CommandContext& ctx) {
  ReplyBuilder r;
  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  bson_t system, os;
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "system", &system);
  BSON_APPEND_DATE_TIME(&system, "currentTime", ctx.now_ms);
  BSON_APPEND_UTF8(&system, "hostname", host);
  BSON_APPEND_INT32(&system, "cpuAddrSize", 64);
  BSON_APPEND_INT32(&system, "numCores", static_cast<int>(std::thread::hardware_concurrency()));
  bson_append_document_end(r.body(), &system);
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "os", &os);
  BSON_APPEND_UTF8(&os, "type", "Linux");
  bson_append_document_end(r.body(), &os);
  return r.Finish();
}

DbResult<BsonPtr> ServerStatus(CommandContext& ctx) {
  ReplyBuilder r;
  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  BSON_APPEND_UTF8(r.body(), "host", host);
  BSON_APPEND_UTF8(r.body(), "version", ctx.server->version.c_str());
  BSON_APPEND_UTF8(r.body(), "process", "tactus");
  BSON_APPEND_INT64(r.body(), "pid", getpid());
  BSON_APPEND_INT64(r.body(), "uptime", (ctx.now_ms - ctx.server->start_time_ms) / 1000);
  BSON_APPEND_INT64(r.body(), "uptimeMillis", ctx.now_ms - ctx.server->start_time_ms);
  BSON_APPEND_DATE_TIME(r.body(), "localTime", ctx.now_ms);
  bson_t engine;
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "storageEngine", &engine);
  BSON_APPEND_UTF8(&engine, "name", "docdb-sqlite");
  BSON_APPEND_BOOL(&engine, "supportsCommittedReads", true);
  BSON_APPEND_BOOL(&engine, "persistent", true);
  bson_append_document_end(r.body(), &engine);
  if (ctx.server->ttl) {
    bson_t metrics, ttl;
    BSON_APPEND_DOCUMENT_BEGIN(r.body(), "metrics", &metrics);
    BSON_APPEND_DOCUMENT_BEGIN(&metrics, "ttl", &ttl);
    BSON_APPEND_INT64(&ttl, "deletedDocuments", ctx.server->ttl->deleted_documents.load());
    BSON_APPEND_INT64(&ttl, "passes", ctx.server->ttl->passes.load());
    bson_append_document_end(&metrics, &ttl);
    bson_append_document_end(r.body(), &metrics);
  }
  return r.Finish();
}

DbResult<BsonPtr> ListDatabases(CommandContext& ctx) {
  auto txn = ctx.store->Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  auto names = txn.value()->ListDatabases();
  if (!names.ok()) return names.error();
  bool name_only = GetBool(ctx.command, "nameOnly", false);
  ReplyBuilder r;
  bson_t dbs;
  std::int64_t total = 0;
  BSON_APPEND_ARRAY_BEGIN(r.body(), "databases", &dbs);
  int i = 0;
  for (const auto& name : names.value()) {
    bson_t entry;
    std::string key = std::to_string(i++);
    BSON_APPEND_DOCUMENT_BEGIN(&dbs, key.c_str(), &entry);
    BSON_APPEND_UTF8(&entry, "name", name.c_str());
    if (!name_only) {
      std::int64_t size = 0;
      auto colls = txn.value()->ListCollections(name);
      if (colls.ok()) {
        for (const auto& c : colls.value()) {
          auto s = txn.value()->CollectionSize(c);
          if (s.ok()) size += s.value().first;
        }
      }
      total += size;
      BSON_APPEND_INT64(&entry, "sizeOnDisk", size);
      BSON_APPEND_BOOL(&entry, "empty", size == 0);
    }
    bson_append_document_end(&dbs, &entry);
  }
  bson_append_array_end(r.body(), &dbs);
  if (!name_only) BSON_APPEND_INT64(r.body(), "totalSize", total);
  return r.Finish();
}

DbResult<BsonPtr> Stats(CommandContext& ctx, bool collection) {
  auto txn = ctx.store->Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  std::vector<storage::CollectionInfo> colls;
  if (collection) {
    auto name = TargetCollection(ctx);
    if (!name.ok()) return name.error();
    auto c = txn.value()->FindCollection(ctx.db, name.value());
    if (!c.ok()) return c.error();
    if (!c.value()) {
      return MakeError(kNamespaceNotFound,
                       "Collection [" + ctx.db + "." + name.value() + "] not found.");
    }
    colls.push_back(std::move(*c.value()));
  } else {
    auto all = txn.value()->ListCollections(ctx.db);
    if (!all.ok()) return all.error();
    colls = std::move(all.value());
  }
  std::int64_t size = 0, count = 0, indexes = 0;
  for (const auto& c : colls) {
    auto s = txn.value()->CollectionSize(c);
    if (!s.ok()) return s.error();
    size += s.value().first;
    count += s.value().second;
    auto idx = txn.value()->ListIndexes(c);
    if (idx.ok()) indexes += static_cast<std::int64_t>(idx.value().size());
  }
  ReplyBuilder r;
  if (collection) {
    BSON_APPEND_UTF8(r.body(), "ns", (ctx.db + "." + colls[0].name).c_str());
  } else {
    BSON_APPEND_UTF8(r.body(), "db", ctx.db.c_str());
    BSON_APPEND_INT64(r.body(), "collections", static_cast<std::int64_t>(colls.size()));
    BSON_APPEND_INT64(r.body(), "objects", count);
    BSON_APPEND_INT64(r.body(), "dataSize", size);
  }
  if (collection) BSON_APPEND_INT64(r.body(), "count", count);
  BSON_APPEND_INT64(r.body(), "size", size);
  BSON_APPEND_DOUBLE(r.body(), "avgObjSize", count ? static_cast<double>(size) / count : 0.0);
  BSON_APPEND_INT64(r.body(), "storageSize", size);
  BSON_APPEND_INT64(r.body(), collection ? "nindexes" : "indexes", indexes);
  return r.Finish();
}

}  // namespace

void RegisterAdminCommands(Registry& r) {
  r["hello"] = {Hello, true};
  r["isMaster"] = {Hello, true};
  r["ismaster"] = {Hello, true};
  r["ping"] = {Ping, true};
  r["buildInfo"] = {BuildInfo, true};
  r["buildinfo"] = {BuildInfo, true};
  r["getParameter"] = {GetParameter, false};
  r["profile"] = {Profile, false};
  r["replSetGetStatus"] = {ReplSetGetStatus, false};
  r["getCmdLineOpts"] = {GetCmdLineOpts, false};
  r["getLog"] = {GetLog, false};
  r["whatsmyuri"] = {WhatsMyUri, false};
  r["hostInfo"] = {HostInfo, false};
  r["serverStatus"] = {ServerStatus, false};
  r["listDatabases"] = {ListDatabases, false};
  r["dbStats"] = {[](CommandContext& c) { return Stats(c, false); }, false};
  r["collStats"] = {[](CommandContext& c) { return Stats(c, true); }, false};
}

}  // namespace tactus::docdb::commands
