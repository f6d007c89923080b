// EmbeddedServer::InProcessClient: whole wire messages through the server's message path
// without a socket.
#include <bson/bson.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "docdb/embedded_server.h"
#include "docdb/testing/temp_store.h"

namespace tactus::docdb {
namespace {

constexpr std::int32_t kOpMsg = 2013;

std::vector<std::uint8_t> OpMsg(std::int32_t request_id, const bson_t* body,
                                std::uint32_t flags = 0) {
  std::vector<std::uint8_t> out(21);
  const std::int32_t header[4] = {0, request_id, 0, kOpMsg};
  std::memcpy(out.data(), header, 16);
  std::memcpy(out.data() + 16, &flags, 4);
  out[20] = 0;  // kind-0 section
  out.insert(out.end(), bson_get_data(body), bson_get_data(body) + body->len);
  const auto length = static_cast<std::int32_t>(out.size());
  std::memcpy(out.data(), &length, 4);
  return out;
}

struct Reply {
  std::int32_t response_to = 0;
  bson_t* body = nullptr;
  ~Reply() {
    if (body) bson_destroy(body);
  }
};

// Decodes an OP_MSG reply's header and kind-0 body; fails the test on anything else.
void Decode(const std::string& bytes, Reply& reply) {
  ASSERT_GE(bytes.size(), 26u);
  std::int32_t header[4];
  std::memcpy(header, bytes.data(), 16);
  ASSERT_EQ(header[0], static_cast<std::int32_t>(bytes.size()));
  ASSERT_EQ(header[3], kOpMsg);
  reply.response_to = header[2];
  ASSERT_EQ(bytes[20], 0);
  reply.body = bson_new_from_data(reinterpret_cast<const std::uint8_t*>(bytes.data()) + 21,
                                  bytes.size() - 21);
  ASSERT_NE(reply.body, nullptr);
}

double Ok(const bson_t* body) {
  bson_iter_t it;
  return bson_iter_init_find(&it, body, "ok") ? bson_iter_as_double(&it) : -1;
}

std::string Call(EmbeddedServer::InProcessClient& client, std::int32_t id, bson_t* body,
                 std::uint32_t flags = 0) {
  std::vector<std::uint8_t> message = OpMsg(id, body, flags);
  bson_destroy(body);
  return client.Call(message.data(), message.size());
}

class InProcessClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TempStore::Options options;
    options.pool_size = 0;
    auto started = testing::TempStore::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    store_ = std::move(started).value();
  }
  std::unique_ptr<testing::TempStore> store_;
};

TEST_F(InProcessClientTest, InsertThenFindAnswerLikeADriverConnection) {
  auto client = store_->server().ConnectInProcess();
  Reply inserted;
  Decode(Call(*client, 7,
              BCON_NEW("insert", "c", "documents", "[", "{", "_id", BCON_INT32(1), "v",
                       BCON_UTF8("one"), "}", "]", "$db", "app")),
         inserted);
  EXPECT_EQ(inserted.response_to, 7);
  EXPECT_EQ(Ok(inserted.body), 1.0);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, inserted.body, "n"));
  EXPECT_EQ(bson_iter_as_int64(&it), 1);

  Reply found;
  Decode(Call(*client, 8,
              BCON_NEW("find", "c", "filter", "{", "_id", BCON_INT32(1), "}", "$db", "app")),
         found);
  EXPECT_EQ(found.response_to, 8);
  ASSERT_TRUE(bson_iter_init(&it, found.body));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "cursor.firstBatch.0.v", &it));
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "one");
}

TEST_F(InProcessClientTest, ProtocolErrorsAnswerAsOnASocket) {
  auto client = store_->server().ConnectInProcess();
  // An unknown required flag bit: an error reply naming it (the socket would then close).
  Reply bad_flag;
  Decode(Call(*client, 1, BCON_NEW("ping", BCON_INT32(1), "$db", "admin"), 1u << 5), bad_flag);
  EXPECT_EQ(Ok(bad_flag.body), 0.0);
  // A length that disagrees with the message: nothing to answer.
  std::vector<std::uint8_t> truncated(20, 0);
  const std::int32_t length = 100;
  std::memcpy(truncated.data(), &length, 4);
  EXPECT_EQ(client->Call(truncated.data(), truncated.size()), "");
  // moreToCome: the command runs, no reply.
  EXPECT_EQ(Call(*client, 2,
                 BCON_NEW("insert", "c", "documents", "[", "{", "_id", BCON_INT32(5), "}", "]",
                          "$db", "app"),
                 1u << 1),
            "");
  Reply count;
  Decode(Call(*client, 3, BCON_NEW("count", "c", "$db", "app")), count);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, count.body, "n"));
  EXPECT_EQ(bson_iter_as_int64(&it), 1);
}

TEST_F(InProcessClientTest, DestroyingTheClientRollsItsTransactionBack) {
  bson_t lsid;
  bson_init(&lsid);
  const std::uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  BSON_APPEND_BINARY(&lsid, "id", BSON_SUBTYPE_UUID, uuid, 16);
  {
    auto client = store_->server().ConnectInProcess();
    Reply inserted;
    bson_t* body = BCON_NEW("insert", "c", "documents", "[", "{", "_id", BCON_INT32(1), "}", "]",
                            "$db", "app", "txnNumber", BCON_INT64(1), "startTransaction",
                            BCON_BOOL(true), "autocommit", BCON_BOOL(false));
    BSON_APPEND_DOCUMENT(body, "lsid", &lsid);
    Decode(Call(*client, 1, body), inserted);
    EXPECT_EQ(Ok(inserted.body), 1.0);
  }  // disconnects without committing
  bson_destroy(&lsid);
  // The write lock is free again (a plain write would otherwise wait 5 s and fail) and the
  // transaction's document is gone (otherwise: a duplicate key).
  auto other = store_->server().ConnectInProcess();
  Reply inserted;
  Decode(Call(*other, 1,
              BCON_NEW("insert", "c", "documents", "[", "{", "_id", BCON_INT32(1), "}", "]",
                       "$db", "app", "maxTimeMS", BCON_INT32(1000))),
         inserted);
  EXPECT_EQ(Ok(inserted.body), 1.0);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, inserted.body, "n"));
  EXPECT_EQ(bson_iter_as_int64(&it), 1);
  EXPECT_FALSE(bson_iter_init_find(&it, inserted.body, "writeErrors"));
}

}  // namespace
}  // namespace tactus::docdb
