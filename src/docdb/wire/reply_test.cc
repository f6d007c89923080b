#include "docdb/wire/reply.h"

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <string>

#include "docdb/wire/byte_order.h"
#include "docdb/wire/crc32c.h"

namespace tactus::docdb::wire {
namespace {

const std::uint8_t* U8(const std::string& s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

std::int32_t At(const std::string& s, std::size_t offset) { return LoadLeInt32(U8(s) + offset); }

// The document at `offset`, which must run to `end`.
BsonPtr DocAt(const std::string& s, std::size_t offset, std::size_t end) {
  EXPECT_EQ(static_cast<std::size_t>(At(s, offset)), end - offset);
  return BsonFromBytes(U8(s) + offset, end - offset);
}

TEST(ReplyTest, MsgReply) {
  bson_t* body = BCON_NEW("ok", BCON_DOUBLE(1.0), "n", BCON_INT32(3));
  const std::string out = BuildMsgReply(11, 42, *body, false);
  ASSERT_EQ(out.size(), 16 + 4 + 1 + body->len);
  EXPECT_EQ(At(out, 0), static_cast<std::int32_t>(out.size()));
  EXPECT_EQ(At(out, 4), 11);
  EXPECT_EQ(At(out, 8), 42);
  EXPECT_EQ(At(out, 12), 2013);
  EXPECT_EQ(At(out, 16), 0);
  EXPECT_EQ(out[20], 0);
  BsonPtr doc = DocAt(out, 21, out.size());
  ASSERT_NE(doc, nullptr);
  EXPECT_TRUE(bson_equal(doc.get(), body));
  bson_destroy(body);
}

TEST(ReplyTest, MsgReplyWithChecksumRoundTrips) {
  bson_t* body = BCON_NEW("ok", BCON_DOUBLE(1.0), "$db", BCON_UTF8("admin"));
  const std::string out = BuildMsgReply(1, 2, *body, true);
  ASSERT_EQ(out.size(), 16 + 4 + 1 + body->len + 4);
  EXPECT_EQ(At(out, 16), 1);
  EXPECT_EQ(LoadLe32(U8(out) + out.size() - 4), Crc32c(U8(out), out.size() - 4));
  // The same layout is a valid OP_MSG for the parser.
  auto parsed = ParseMessage(U8(out), out.size());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed.value().checksum_present);
  EXPECT_TRUE(bson_equal(parsed.value().command.get(), body));
  bson_destroy(body);
}

TEST(ReplyTest, QueryReply) {
  bson_t* doc = BCON_NEW("ismaster", BCON_BOOL(true), "ok", BCON_DOUBLE(1.0));
  const std::string out = BuildQueryReply(5, 6, *doc);
  EXPECT_EQ(At(out, 0), static_cast<std::int32_t>(out.size()));
  EXPECT_EQ(At(out, 4), 5);
  EXPECT_EQ(At(out, 8), 6);
  EXPECT_EQ(At(out, 12), 1);
  EXPECT_EQ(At(out, 16), kAwaitCapable);
  EXPECT_EQ(At(out, 20), 0);  // cursorID low
  EXPECT_EQ(At(out, 24), 0);  // cursorID high
  EXPECT_EQ(At(out, 28), 0);  // startingFrom
  EXPECT_EQ(At(out, 32), 1);  // numberReturned
  BsonPtr got = DocAt(out, 36, out.size());
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(bson_equal(got.get(), doc));
  bson_destroy(doc);
}

TEST(ReplyTest, OpQueryUnsupported) {
  const std::string out = BuildOpQueryUnsupportedReply(8, 9);
  EXPECT_EQ(At(out, 8), 9);
  EXPECT_EQ(At(out, 12), 1);
  EXPECT_EQ(At(out, 16), kQueryFailure);
  BsonPtr doc = DocAt(out, 36, out.size());
  ASSERT_NE(doc, nullptr);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "$err"));
  EXPECT_EQ(std::string(bson_iter_utf8(&it, nullptr)).rfind("OP_QUERY is no longer supported.", 0),
            0u);
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "code"));
  EXPECT_EQ(bson_iter_int32(&it), 5739101);
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "ok"));
  EXPECT_EQ(bson_iter_as_double(&it), 0.0);
}

TEST(ReplyTest, ErrorBody) {
  DbError error = MakeError(kDuplicateKey, "E11000 duplicate key");
  error.labels = {"TransientTransactionError", "Other"};
  bson_t* pattern = BCON_NEW("a", BCON_INT32(1));
  const std::uint8_t* p = bson_get_data(pattern);
  error.key_pattern.assign(p, p + pattern->len);
  BsonPtr body = ErrorBody(error);
  bson_t* expected = BCON_NEW("ok", BCON_DOUBLE(0.0), "errmsg", BCON_UTF8("E11000 duplicate key"),
                              "code", BCON_INT32(11000), "codeName", BCON_UTF8("DuplicateKey"),
                              "errorLabels", "[", BCON_UTF8("TransientTransactionError"),
                              BCON_UTF8("Other"), "]", "keyPattern", BCON_DOCUMENT(pattern));
  EXPECT_TRUE(bson_equal(body.get(), expected)) << ToJson(body.get());
  bson_destroy(expected);
  bson_destroy(pattern);
}

TEST(ReplyTest, ParseErrorReplyFollowsTheRequestOpCode) {
  const DbError error = MakeError(kBadValue, "OP_MSG checksum mismatch");
  MessageHeader msg_header{100, 77, 0, 2013};
  const std::string msg = BuildParseErrorReply(3, msg_header, error);
  EXPECT_EQ(At(msg, 8), 77);
  EXPECT_EQ(At(msg, 12), 2013);
  BsonPtr body = DocAt(msg, 21, msg.size());
  ASSERT_NE(body, nullptr);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, body.get(), "code"));
  EXPECT_EQ(bson_iter_int32(&it), 2);
  ASSERT_TRUE(bson_iter_init_find(&it, body.get(), "errmsg"));
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "OP_MSG checksum mismatch");

  MessageHeader query_header{100, 78, 0, 2004};
  const std::string reply = BuildParseErrorReply(4, query_header, error);
  EXPECT_EQ(At(reply, 8), 78);
  EXPECT_EQ(At(reply, 12), 1);
  EXPECT_EQ(At(reply, 16), kQueryFailure);
  BsonPtr doc = DocAt(reply, 36, reply.size());
  ASSERT_NE(doc, nullptr);
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "$err"));
}

}  // namespace
}  // namespace tactus::docdb::wire
