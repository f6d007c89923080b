// endSessions, killSessions, refreshSessions, startSession, commitTransaction,
// abortTransaction. The transaction fields of other commands are handled by the dispatcher.
#include "docdb/commands/registry.h"
#include "docdb/commands/sessions.h"

namespace tactus::docdb::commands {
namespace {

DbResult<BsonPtr> EndSessions(CommandContext& ctx) {
  bson_t ids;
  bson_iter_t it;
  if (bson_iter_init(&it, ctx.command) && bson_iter_next(&it) && BSON_ITER_HOLDS_ARRAY(&it)) {
    const std::uint8_t* data;
    std::uint32_t len;
    bson_iter_array(&it, &len, &data);
    bson_iter_t e;
    if (!bson_init_static(&ids, data, len) || !bson_iter_init(&e, &ids)) {
      return MakeError(kInvalidBSON, "endSessions needs an array of session ids");
    }
    while (bson_iter_next(&e)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&e)) continue;
      bson_iter_document(&e, &len, &data);
      bson_t lsid_holder = BSON_INITIALIZER, lsid;
      if (!bson_init_static(&lsid, data, len)) continue;
      BSON_APPEND_DOCUMENT(&lsid_holder, "lsid", &lsid);
      ctx.sessions->End(SessionKey(&lsid_holder));
      bson_destroy(&lsid_holder);
    }
  }
  return ReplyBuilder().Finish();
}

DbResult<BsonPtr> StartSession(CommandContext& ctx) {
  ReplyBuilder r;
  bson_t id;
  BSON_APPEND_DOCUMENT_BEGIN(r.body(), "id", &id);
  std::uint8_t uuid[16];
  bson_oid_t a, b;
  bson_oid_init(&a, nullptr);
  bson_oid_init(&b, nullptr);
  memcpy(uuid, a.bytes, 12);
  memcpy(uuid + 12, b.bytes + 8, 4);
  uuid[6] = (uuid[6] & 0x0F) | 0x40;
  uuid[8] = (uuid[8] & 0x3F) | 0x80;
  BSON_APPEND_BINARY(&id, "id", BSON_SUBTYPE_UUID, uuid, 16);
  bson_append_document_end(r.body(), &id);
  BSON_APPEND_INT32(r.body(), "timeoutMinutes", 30);
  return r.Finish();
}

DbResult<BsonPtr> Ok(CommandContext&) { return ReplyBuilder().Finish(); }

// commitTransaction and abortTransaction reach the dispatcher's transaction handling, which
// performs them; here they only need to exist in the table.
DbResult<BsonPtr> NoTransaction(CommandContext&) {
  DbError e = MakeError(kNoSuchTransaction,
                        "Given transaction number does not match any "
                        "in-progress transactions.");
  e.labels.push_back("TransientTransactionError");
  return e;
}

}  // namespace

void RegisterSessionCommands(Registry& r) {
  r["endSessions"] = {EndSessions, false};
  r["killSessions"] = {EndSessions, false};
  r["refreshSessions"] = {Ok, false};
  r["startSession"] = {StartSession, false};
  r["commitTransaction"] = {NoTransaction, true};
  r["abortTransaction"] = {NoTransaction, true};
}

}  // namespace tactus::docdb::commands
