#include "docdb/commands/change_events.h"

#include "docdb/commands/change_stream.h"
#include "docdb/commands/change_stream_token.h"

namespace tactus::docdb::commands {
namespace {

using storage::OplogEntry;
using storage::OplogOp;

bool Internal(const OplogEntry& e) {
  return e.db == "admin" || e.db == "config" || e.db == "local" || e.coll.rfind("system.", 0) == 0;
}

void AppendHeader(bson_t* event, const OplogEntry& e, bool invalidate) {
  AppendResumeToken(event, "_id", ResumePosition{e.seq, invalidate});
  BSON_APPEND_UTF8(event, "operationType", invalidate ? "invalidate" : OplogOpName(e.op));
  BSON_APPEND_TIMESTAMP(event, "clusterTime", static_cast<std::uint32_t>(e.ts >> 32),
                        static_cast<std::uint32_t>(e.ts & 0xFFFFFFFF));
  BSON_APPEND_DATE_TIME(event, "wallTime", e.wall_ms);
}

// Appends body[field] to event (when present).
void CopyField(bson_t* event, const bson_t* body, const char* field) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, body, field)) bson_append_iter(event, field, -1, &it);
}

DbResult<Done> AppendLookup(storage::Txn& txn, bson_t* event, const OplogEntry& e,
                            FullDocumentMode mode) {
  bson_t key;
  bson_iter_t it;
  BsonPtr doc;
  if (bson_iter_init_find(&it, e.body.get(), "documentKey") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    std::uint32_t len = 0;
    const std::uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    bson_init_static(&key, data, len);
    auto coll = txn.FindCollection(e.db, e.coll);
    if (!coll.ok()) return coll.error();
    std::optional<std::string> id_key = storage::IdKeyOf(&key);
    if (coll.value() && id_key) {
      auto found = txn.FindById(*coll.value(), *id_key);
      if (!found.ok()) return found.error();
      doc = std::move(found).value();
    }
  }
  if (!doc && mode == FullDocumentMode::kRequired) {
    return MakeError(kNoMatchingDocument,
                     "Change stream was configured to require a post-image for all update "
                     "events, but the document of the event at seq " +
                         std::to_string(e.seq) + " no longer exists");
  }
  if (doc) {
    BSON_APPEND_DOCUMENT(event, "fullDocument", doc.get());
  } else {
    BSON_APPEND_NULL(event, "fullDocument");
  }
  return Done{};
}

}  // namespace

bool InScope(const StreamTarget& target, const OplogEntry& e) {
  if (Internal(e)) return false;
  switch (target.scope) {
    case StreamScope::kCollection:
      return e.db == target.db && e.coll == target.coll && !e.coll.empty();
    case StreamScope::kDatabase:
      return e.db == target.db;
    case StreamScope::kCluster:
      return true;
  }
  return false;
}

bool Invalidates(const StreamTarget& target, const OplogEntry& e) {
  switch (target.scope) {
    case StreamScope::kCollection:
      return e.op == OplogOp::kDrop || e.op == OplogOp::kRename;
    case StreamScope::kDatabase:
      return e.op == OplogOp::kDropDatabase;
    case StreamScope::kCluster:
      return false;
  }
  return false;
}

DbResult<BsonPtr> BuildChangeEvent(storage::Txn& txn, const OplogEntry& e, FullDocumentMode mode) {
  BsonPtr event = NewBson();
  AppendHeader(event.get(), e, false);
  if (e.op == OplogOp::kInsert || e.op == OplogOp::kReplace) {
    CopyField(event.get(), e.body.get(), "fullDocument");
  } else if (e.op == OplogOp::kUpdate && mode != FullDocumentMode::kDefault) {
    if (auto r = AppendLookup(txn, event.get(), e, mode); !r.ok()) return r.error();
  }
  bson_t ns;
  BSON_APPEND_DOCUMENT_BEGIN(event.get(), "ns", &ns);
  BSON_APPEND_UTF8(&ns, "db", e.db.c_str());
  if (!e.coll.empty()) BSON_APPEND_UTF8(&ns, "coll", e.coll.c_str());
  bson_append_document_end(event.get(), &ns);
  CopyField(event.get(), e.body.get(), "to");
  CopyField(event.get(), e.body.get(), "documentKey");
  CopyField(event.get(), e.body.get(), "updateDescription");
  return event;
}

BsonPtr BuildInvalidateEvent(const OplogEntry& e) {
  BsonPtr event = NewBson();
  AppendHeader(event.get(), e, true);
  return event;
}

}  // namespace tactus::docdb::commands
