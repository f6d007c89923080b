#include "docdb/server/hello.h"

#include "docdb/wire/limits.h"

namespace tactus::docdb::server {
namespace {

// MongoDB 6.0; OP_MSG needs at least 6.
constexpr std::int32_t kMaxWireVersion = 17;
constexpr std::int32_t kLogicalSessionTimeoutMinutes = 30;
// A one-member set never holds an election: a fixed id in MongoDB's (0x7fffffff, term) form.
constexpr const char* kElectionId = "7fffffff0000000000000001";
constexpr std::int64_t kTerm = 1;

void AppendOpTime(bson_t* parent, const char* name, const HelloInfo& info) {
  bson_t optime;
  BSON_APPEND_DOCUMENT_BEGIN(parent, name, &optime);
  BSON_APPEND_TIMESTAMP(&optime, "ts", info.last_write_seconds, info.last_write_increment);
  BSON_APPEND_INT64(&optime, "t", kTerm);
  bson_append_document_end(parent, &optime);
}

}  // namespace

BsonPtr BuildHelloReply(const HelloInfo& info) {
  BsonPtr reply = NewBson();
  bson_t* r = reply.get();
  BSON_APPEND_BOOL(r, info.legacy ? "ismaster" : "isWritablePrimary", true);
  BSON_APPEND_BOOL(r, "secondary", false);
  BSON_APPEND_BOOL(r, "helloOk", true);
  BSON_APPEND_UTF8(r, "setName", info.set_name.c_str());
  BSON_APPEND_INT32(r, "setVersion", info.set_version);
  bson_t hosts;
  BSON_APPEND_ARRAY_BEGIN(r, "hosts", &hosts);
  BSON_APPEND_UTF8(&hosts, "0", info.me.c_str());
  bson_append_array_end(r, &hosts);
  BSON_APPEND_UTF8(r, "me", info.me.c_str());
  BSON_APPEND_UTF8(r, "primary", info.me.c_str());
  bson_oid_t election_id;
  bson_oid_init_from_string(&election_id, kElectionId);
  BSON_APPEND_OID(r, "electionId", &election_id);
  bson_t last_write;
  BSON_APPEND_DOCUMENT_BEGIN(r, "lastWrite", &last_write);
  AppendOpTime(&last_write, "opTime", info);
  BSON_APPEND_DATE_TIME(&last_write, "lastWriteDate", info.last_write_date_ms);
  AppendOpTime(&last_write, "majorityOpTime", info);
  BSON_APPEND_DATE_TIME(&last_write, "majorityWriteDate", info.last_write_date_ms);
  bson_append_document_end(r, &last_write);
  BSON_APPEND_INT32(r, "maxBsonObjectSize", wire::kMaxBsonObjectSize);
  BSON_APPEND_INT32(r, "maxMessageSizeBytes", wire::kMaxMessageBytes);
  BSON_APPEND_INT32(r, "maxWriteBatchSize", wire::kMaxWriteBatchSize);
  BSON_APPEND_DATE_TIME(r, "localTime", info.local_time_ms);
  BSON_APPEND_INT32(r, "logicalSessionTimeoutMinutes", kLogicalSessionTimeoutMinutes);
  BSON_APPEND_INT64(r, "connectionId", info.connection_id);
  BSON_APPEND_INT32(r, "minWireVersion", 0);
  BSON_APPEND_INT32(r, "maxWireVersion", kMaxWireVersion);
  BSON_APPEND_BOOL(r, "readOnly", false);
  BSON_APPEND_DOUBLE(r, "ok", 1.0);
  return reply;
}

}  // namespace tactus::docdb::server
