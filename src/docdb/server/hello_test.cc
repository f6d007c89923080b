#include "docdb/server/hello.h"

#include <gtest/gtest.h>

namespace tactus::docdb::server {
namespace {

bson_type_t TypeOf(const bson_t* doc, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key)) return BSON_TYPE_EOD;
  return bson_iter_type(&it);
}

TEST(HelloTest, FieldsAndTypes) {
  HelloInfo info;
  info.connection_id = 12;
  info.me = "127.0.0.1:27017";
  info.local_time_ms = 1700000000000;
  info.last_write_seconds = 1700000000;
  info.last_write_increment = 3;
  info.last_write_date_ms = 1700000000000;
  BsonPtr reply = BuildHelloReply(info);
  const bson_t* r = reply.get();
  EXPECT_EQ(TypeOf(r, "isWritablePrimary"), BSON_TYPE_BOOL);
  EXPECT_EQ(TypeOf(r, "ismaster"), BSON_TYPE_EOD);
  for (const char* key :
       {"maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize",
        "logicalSessionTimeoutMinutes", "minWireVersion", "maxWireVersion", "setVersion"}) {
    EXPECT_EQ(TypeOf(r, key), BSON_TYPE_INT32) << key;
  }
  EXPECT_EQ(TypeOf(r, "ok"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(r, "localTime"), BSON_TYPE_DATE_TIME);
  EXPECT_EQ(TypeOf(r, "electionId"), BSON_TYPE_OID);
  EXPECT_EQ(TypeOf(r, "topologyVersion"), BSON_TYPE_EOD);
  bson_t* expected_part = BCON_NEW(
      "setName", BCON_UTF8("tactus"), "hosts", "[", BCON_UTF8("127.0.0.1:27017"), "]", "me",
      BCON_UTF8("127.0.0.1:27017"), "primary", BCON_UTF8("127.0.0.1:27017"), "maxBsonObjectSize",
      BCON_INT32(16777216), "maxMessageSizeBytes", BCON_INT32(48000000), "maxWriteBatchSize",
      BCON_INT32(100000), "maxWireVersion", BCON_INT32(17), "connectionId", BCON_INT64(12),
      "readOnly", BCON_BOOL(false), "helloOk", BCON_BOOL(true));
  bson_iter_t want;
  ASSERT_TRUE(bson_iter_init(&want, expected_part));
  while (bson_iter_next(&want)) {
    bson_iter_t got;
    ASSERT_TRUE(bson_iter_init_find(&got, r, bson_iter_key(&want))) << bson_iter_key(&want);
    bson_t a, b;
    bson_init(&a);
    bson_init(&b);
    bson_append_value(&a, "v", 1, bson_iter_value(&want));
    bson_append_value(&b, "v", 1, bson_iter_value(&got));
    EXPECT_TRUE(bson_equal(&a, &b)) << bson_iter_key(&want);
    bson_destroy(&a);
    bson_destroy(&b);
  }
  bson_destroy(expected_part);
  bson_iter_t it, sub;
  ASSERT_TRUE(bson_iter_init_find(&it, r, "lastWrite"));
  ASSERT_TRUE(bson_iter_recurse(&it, &sub));
  ASSERT_TRUE(bson_iter_find_descendant(&sub, "opTime.ts", &it));
  std::uint32_t t = 0, i = 0;
  bson_iter_timestamp(&it, &t, &i);
  EXPECT_EQ(t, 1700000000u);
  EXPECT_EQ(i, 3u);
}

TEST(HelloTest, LegacyName) {
  HelloInfo info;
  info.legacy = true;
  BsonPtr reply = BuildHelloReply(info);
  EXPECT_EQ(TypeOf(reply.get(), "ismaster"), BSON_TYPE_BOOL);
  EXPECT_EQ(TypeOf(reply.get(), "isWritablePrimary"), BSON_TYPE_EOD);
}

}  // namespace
}  // namespace tactus::docdb::server
