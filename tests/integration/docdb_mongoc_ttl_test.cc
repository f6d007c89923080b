// TTL indexes through libmongoc: creation and validation, listIndexes, collMod, one monitor
// pass (EmbeddedServer::RunTtlMonitorOnce), serverStatus's metrics.ttl.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace {

class DocdbMongocTtlTest : public StoreTest {
 protected:
  static std::string Date(int64_t ms) {
    return R"({"$date": {"$numberLong": ")" + std::to_string(ms) + R"("}})";
  }
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(DocdbMongocTtlTest, MonitorPassDeletesOldDocumentsAndKeepsNewOnes) {
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunCommand(R"({"createIndexes": "sessions", "indexes": [
      {"key": {"lastSeen": 1}, "name": "ttl", "expireAfterSeconds": 3600}]})",
                         &reply, &error))
      << error.message;
  auto coll = Collection("sessions");
  int64_t now = NowMs();
  std::vector<BsonPtr> docs;
  docs.push_back(Json(R"({"_id": 1, "lastSeen": )" + Date(now - 2 * 3600 * 1000) + "}"));
  docs.push_back(Json(R"({"_id": 2, "lastSeen": )" + Date(now) + "}"));
  docs.push_back(Json(R"({"_id": 3, "lastSeen": "not a date"})"));
  docs.push_back(
      Json(R"({"_id": 4, "lastSeen": [)" + Date(now) + ", " + Date(now - 4000 * 1000) + "]}"));
  docs.push_back(Json(R"({"_id": 5})"));
  InsertMany(coll.get(), docs);
  auto cursor = CursorPtr(mongoc_collection_find_indexes_with_opts(coll.get(), nullptr));
  auto indexes = DrainJson(cursor.get());
  ASSERT_EQ(indexes.size(), 2u);
  EXPECT_NE(indexes[1].find(R"("expireAfterSeconds" : 3600)"), std::string::npos) << indexes[1];

  auto deleted = server_->RunTtlMonitorOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted.value(), 2);
  EXPECT_EQ(DrainIds(Find(coll.get(), "{}").get()), (std::vector<int64_t>{2, 3, 5}));

  ASSERT_TRUE(RunCommand(R"({"serverStatus": 1})", &reply, &error)) << error.message;
  EXPECT_GE(GetInt(reply.get(), "metrics.ttl.deletedDocuments").value_or(-1), 2);
  EXPECT_GE(GetInt(reply.get(), "metrics.ttl.passes").value_or(-1), 1);

  // collMod shortens the lifetime: document 2 (a few ms old) expires with 0 seconds.
  ASSERT_TRUE(RunCommand(R"({"collMod": "sessions", "index": {"name": "ttl",
                                                            "expireAfterSeconds": 0}})",
                         &reply, &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "expireAfterSeconds_old"), 3600);
  EXPECT_EQ(GetInt(reply.get(), "expireAfterSeconds_new"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(server_->RunTtlMonitorOnce().ok());
  EXPECT_EQ(DrainIds(Find(coll.get(), "{}").get()), (std::vector<int64_t>{3, 5}));
}

TEST_F(DocdbMongocTtlTest, InvalidTtlIndexesAreRefusedAsMongoDbDoes) {
  Reply reply;
  bson_error_t error;
  EXPECT_FALSE(RunCommand(R"({"createIndexes": "c", "indexes": [
      {"key": {"a": 1, "b": 1}, "name": "ab", "expireAfterSeconds": 10}]})",
                          &reply, &error));
  EXPECT_EQ(error.code, 67u) << error.message;  // CannotCreateIndex
  EXPECT_FALSE(RunCommand(R"({"createIndexes": "c", "indexes": [
      {"key": {"a": 1}, "name": "a", "expireAfterSeconds": -1}]})",
                          &reply, &error));
  EXPECT_EQ(error.code, 72u) << error.message;
  EXPECT_FALSE(RunCommand(R"({"collMod": "c", "validator": {}})", &reply, &error));
  EXPECT_EQ(error.code, 72u) << error.message;
}

}  // namespace
}  // namespace tactus::docdb
