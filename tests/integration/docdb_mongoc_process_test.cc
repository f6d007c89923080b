// The embedded store through libmongoc: errors, the Unix socket, and durability across kill -9.
#include "docdb_mongoc_fixture.h"
#include "store_process.h"

namespace tactus::docdb {
namespace {

// Errors

class DocdbMongocErrorTest : public StoreTest {};

TEST_F(DocdbMongocErrorTest, UnknownCommandIsCode59) {
  Reply reply;
  bson_error_t error;
  EXPECT_FALSE(RunCommand(R"({"noSuchCommand": 1})", &reply, &error));
  EXPECT_EQ(error.code, 59u) << error.message;
  EXPECT_EQ(GetString(reply.get(), "codeName"), "CommandNotFound") << ToJson(reply.get());
}

TEST_F(DocdbMongocErrorTest, BadFilterOperatorIsCode2) {
  auto c = Collection("c");
  InsertNumbered(c.get(), 3);
  auto cursor = Find(c.get(), R"({"a": {"$bogus": 1}})");
  const bson_t* doc = nullptr;
  EXPECT_FALSE(mongoc_cursor_next(cursor.get(), &doc));
  bson_error_t error;
  ASSERT_TRUE(mongoc_cursor_error(cursor.get(), &error));
  EXPECT_EQ(error.code, 2u) << error.message;
}

TEST_F(DocdbMongocErrorTest, DocumentOver16MiBIsRejectedAndNothingIsStored) {
  auto c = Collection("c");
  BsonPtr big(bson_new());
  BSON_APPEND_INT32(big.get(), "_id", 1);
  const std::string payload(16 * 1024 * 1024, 'x');
  ASSERT_TRUE(
      bson_append_utf8(big.get(), "payload", -1, payload.data(), static_cast<int>(payload.size())));
  Reply reply;
  bson_error_t error;
  EXPECT_FALSE(mongoc_collection_insert_one(c.get(), big.get(), nullptr, reply.out(), &error));
  // Either the server's BSONObjectTooLarge (10334) or the driver's own size check.
  EXPECT_NE(error.code, 0u);
  EXPECT_NE(std::string(error.message), "");
  EXPECT_EQ(Count("c"), 0);

  // The driver checks insert_one against the server's maxBsonObjectSize; sent as a raw insert
  // command the same document reaches the server, which refuses it with BSONObjectTooLarge.
  BsonPtr command(bson_new());
  BSON_APPEND_UTF8(command.get(), "insert", "c");
  bson_t documents;
  BSON_APPEND_ARRAY_BEGIN(command.get(), "documents", &documents);
  BSON_APPEND_DOCUMENT(&documents, "0", big.get());
  bson_append_array_end(command.get(), &documents);
  auto db = Database();
  const bool sent = mongoc_database_write_command_with_opts(db.get(), command.get(), nullptr,
                                                            reply.out(), &error);
  const int64_t code = sent ? GetInt(reply.get(), "writeErrors.0.code").value_or(0) : error.code;
  EXPECT_EQ(code, 10334) << error.message << " " << ToJson(reply.get()).substr(0, 300);
  EXPECT_EQ(Count("c"), 0);

  // The connection is still good for ordinary documents.
  ASSERT_TRUE(mongoc_collection_insert_one(c.get(), Json(R"({"_id": 2})").get(), nullptr,
                                           reply.out(), &error))
      << error.message;
  EXPECT_EQ(Count("c"), 1);
}

// ---------------------------------------------------------------------------------------------
// Unix socket

TEST(DocdbMongocUnixSocketTest, PingAndCrudOverTheSocket) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  EmbeddedServer::Options options;
  options.dbpath = dir;
  options.port = -1;
  options.unix_path = dir + "/docdb.sock";
  options.durable = false;
  auto server = EmbeddedServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string uri = server.value()->uri();
  EXPECT_EQ(uri.rfind("mongodb://%2Ftmp%2F", 0), 0u) << uri;

  {
    ClientPtr client = Connect(uri);
    ASSERT_NE(client, nullptr);
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(mongoc_client_command_simple(client.get(), "admin", Json(R"({"ping": 1})").get(),
                                             nullptr, reply.out(), &error))
        << error.message;
    EXPECT_EQ(GetInt(reply.get(), "ok"), 1);

    CollectionPtr coll(mongoc_client_get_collection(client.get(), "sock", "c"));
    ASSERT_TRUE(mongoc_collection_insert_one(coll.get(), Json(R"({"_id": 7, "via": "unix"})").get(),
                                             nullptr, reply.out(), &error))
        << error.message;
    CursorPtr cursor(
        mongoc_collection_find_with_opts(coll.get(), Json("{}").get(), nullptr, nullptr));
    EXPECT_EQ(DrainJson(cursor.get()),
              (std::vector<std::string>{R"({ "_id" : 7, "via" : "unix" })"}));
  }
  server.value().reset();
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Durability

TEST(DocdbMongocDurabilityTest, AcknowledgedWritesSurviveKill9) {
  constexpr int kDocs = 500;
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  {
    StoreProcess store(dir);
    ASSERT_EQ(store.Start(), "");
    ClientPtr client = Connect(store.Uri());
    ASSERT_NE(client, nullptr);
    CollectionPtr coll(mongoc_client_get_collection(client.get(), "durable", "c"));
    for (int i = 0; i < kDocs; ++i) {
      Reply reply;
      bson_error_t error;
      ASSERT_TRUE(mongoc_collection_insert_one(
          coll.get(),
          Json(R"({"_id": )" + std::to_string(i) + R"(, "n": "doc )" + std::to_string(i) + R"("})")
              .get(),
          nullptr, reply.out(), &error))
          << i << ": " << error.message;
    }
    // The client goes first so that it does not try to end its session on a dead server.
    coll.reset();
    client.reset();
    store.Kill9();  // no shutdown: whatever was acknowledged must already be on disk

    ASSERT_EQ(store.Start(), "");
    ClientPtr again = Connect(store.Uri());
    ASSERT_NE(again, nullptr);
    CollectionPtr reopened(mongoc_client_get_collection(again.get(), "durable", "c"));
    bson_error_t error;
    EXPECT_EQ(mongoc_collection_estimated_document_count(reopened.get(), nullptr, nullptr, nullptr,
                                                         &error),
              kDocs)
        << error.message;
    CursorPtr cursor(mongoc_collection_find_with_opts(
        reopened.get(), Json("{}").get(), Json(R"({"sort": {"_id": 1}})").get(), nullptr));
    EXPECT_EQ(DrainIds(cursor.get()), Range(0, kDocs));
    cursor.reset(mongoc_collection_find_with_opts(reopened.get(), Json(R"({"_id": 499})").get(),
                                                  nullptr, nullptr));
    EXPECT_EQ(DrainJson(cursor.get()),
              (std::vector<std::string>{R"({ "_id" : 499, "n" : "doc 499" })"}));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tactus::docdb
