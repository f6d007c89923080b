// Change streams through the dispatcher (no network): resume tokens, event shapes, scopes,
// invalidate, resume, history lost after trimming, awaitData with and without a thread.
#include "docdb/commands/change_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "docdb/commands/change_stream_token.h"
#include "docdb/commands/dispatcher_fixture.h"

namespace tactus::docdb::commands {
namespace {

BsonPtr J(const std::string& json) {
  bson_error_t error;
  BsonPtr doc(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                 static_cast<ssize_t>(json.size()), &error));
  EXPECT_TRUE(doc) << error.message << " in " << json;
  return doc ? std::move(doc) : NewBson();
}

TEST(ResumeToken, RoundTripsAndIsOpaqueHex) {
  for (ResumePosition p : {ResumePosition{0, false}, ResumePosition{1, false},
                           ResumePosition{0x0102030405060708, true}}) {
    BsonPtr doc = NewBson();
    AppendResumeToken(doc.get(), "t", p);
    bson_t token;
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "t"));
    std::uint32_t len;
    const std::uint8_t* data;
    bson_iter_document(&it, &len, &data);
    bson_init_static(&token, data, len);
    auto decoded = DecodeResumeToken(&token, "resumeAfter");
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), p);
  }
  EXPECT_EQ(EncodeResumeData({0x0102030405060708, true}), "010102030405060708" "01");
  EXPECT_LT(EncodeResumeData({9, false}), EncodeResumeData({10, false}));
  // Lower-case hex is accepted too.
  auto lower = DecodeResumeToken(J(R"({"_data": "01000000000000002a00"})").get(), "x");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower.value().seq, 42);
}

TEST(ResumeToken, RejectsForeignTokens) {
  for (const char* bad :
       {R"({})", R"({"_data": 1})", R"({"_data": "01"})", R"({"_data": "02000000000000002A00"})",
        R"({"_data": "01000000000000002A02"})", R"({"_data": "0100000000000000ZZ00"})",
        R"({"_data": "01FF0000000000002A00"})"}) {
    auto r = DecodeResumeToken(J(bad).get(), "resumeAfter");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, kInvalidResumeToken) << bad;
    EXPECT_NE(r.error().message.find("resumeAfter"), std::string::npos);
  }
}

class ChangeStreamTest : public DispatcherTest {
 protected:
  BsonPtr Run(const std::string& json, const std::string& db = "db",
              AwaitRequest* await = nullptr) {
    return dispatcher_->Run(db, J(json).get(), 1, "peer", "local", await);
  }
  BsonPtr Ok(const std::string& json, const std::string& db = "db") {
    BsonPtr reply = Run(json, db);
    bson_iter_t it;
    EXPECT_TRUE(bson_iter_init_find(&it, reply.get(), "ok") && bson_iter_as_double(&it) == 1.0)
        << json << " -> " << ToJson(reply.get());
    return reply;
  }
  static std::int32_t Code(const BsonPtr& reply) {
    bson_iter_t it;
    return bson_iter_init_find(&it, reply.get(), "code") ? bson_iter_int32(&it) : 0;
  }
  static std::int64_t CursorId(const BsonPtr& reply) {
    bson_iter_t it, found;
    bson_iter_init(&it, reply.get());
    return bson_iter_find_descendant(&it, "cursor.id", &found) ? bson_iter_as_int64(&found) : -1;
  }
  // The batch's events (firstBatch or nextBatch) as JSON, without _id, clusterTime, wallTime.
  static std::vector<std::string> Events(const BsonPtr& reply) {
    std::vector<std::string> out;
    bson_iter_t it, cursor, batch;
    if (!bson_iter_init_find(&it, reply.get(), "cursor") || !bson_iter_recurse(&it, &cursor)) {
      return out;
    }
    while (bson_iter_next(&cursor)) {
      std::string key = bson_iter_key(&cursor);
      if (key != "firstBatch" && key != "nextBatch") continue;
      bson_iter_recurse(&cursor, &batch);
      while (bson_iter_next(&batch)) {
        std::uint32_t len;
        const std::uint8_t* data;
        bson_iter_document(&batch, &len, &data);
        bson_t event;
        bson_init_static(&event, data, len);
        bson_t trimmed = BSON_INITIALIZER;
        bson_copy_to_excluding_noinit(&event, &trimmed, "_id", "clusterTime", "wallTime",
                                      nullptr);
        out.push_back(ToJson(&trimmed));
        bson_destroy(&trimmed);
      }
    }
    return out;
  }
  static std::string Token(const BsonPtr& reply, const char* path) {
    bson_iter_t it, found;
    bson_iter_init(&it, reply.get());
    if (!bson_iter_find_descendant(&it, path, &found) || !BSON_ITER_HOLDS_UTF8(&found)) return "";
    return bson_iter_utf8(&found, nullptr);
  }
  std::string GetMore(std::int64_t id, const std::string& coll, int max_time_ms = 0) {
    return R"({"getMore": {"$numberLong": ")" + std::to_string(id) + R"("}, "collection": ")" +
           coll + R"(", "maxTimeMS": )" + std::to_string(max_time_ms) + "}";
  }
};

TEST_F(ChangeStreamTest, CollectionStreamSeesEachKindOfChangeInOrder) {
  Ok(R"({"create": "c"})");
  BsonPtr opened = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}], "cursor": {}})");
  std::int64_t id = CursorId(opened);
  ASSERT_NE(id, 0);
  EXPECT_TRUE(Events(opened).empty());
  EXPECT_FALSE(Token(opened, "cursor.postBatchResumeToken._data").empty());
  Ok(R"({"insert": "c", "documents": [{"_id": 1, "a": 1}]})");
  Ok(R"({"insert": "other", "documents": [{"_id": 1}]})");
  Ok(R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"a": 2}, "$unset": {"x": 1}}}]})");
  Ok(R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"b": 1}}]})");
  Ok(R"({"delete": "c", "deletes": [{"q": {"_id": 1}, "limit": 1}]})");
  BsonPtr more = Ok(GetMore(id, "c"));
  EXPECT_EQ(Events(more),
            (std::vector<std::string>{
                R"({ "operationType" : "insert", "fullDocument" : { "_id" : 1, "a" : 1 }, "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 } })",
                R"({ "operationType" : "update", "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 }, "updateDescription" : { "updatedFields" : { "a" : 2 }, "removedFields" : [  ], "truncatedArrays" : [  ] } })",
                R"({ "operationType" : "replace", "fullDocument" : { "_id" : 1, "b" : 1 }, "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 } })",
                R"({ "operationType" : "delete", "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 } })"}));
  EXPECT_EQ(CursorId(more), id);
  // The post-batch token is the last event's _id.
  EXPECT_EQ(Token(more, "cursor.postBatchResumeToken._data"),
            Token(more, "cursor.nextBatch.3._id._data"));
  // Nothing new: an empty batch after the wait, and the same token.
  BsonPtr empty = Ok(GetMore(id, "c", 10));
  EXPECT_TRUE(Events(empty).empty());
  EXPECT_EQ(Token(empty, "cursor.postBatchResumeToken._data"),
            Token(more, "cursor.postBatchResumeToken._data"));
  // Drop: the drop event, then invalidate, and the cursor closes.
  Ok(R"({"drop": "c"})");
  BsonPtr dropped = Ok(GetMore(id, "c"));
  EXPECT_EQ(Events(dropped),
            (std::vector<std::string>{R"({ "operationType" : "drop", "ns" : { "db" : "db", "coll" : "c" } })",
                                      R"({ "operationType" : "invalidate" })"}));
  EXPECT_EQ(CursorId(dropped), 0);
  EXPECT_EQ(Code(Run(GetMore(id, "c"))), kCursorNotFound);
  // startAfter the invalidate resumes after the drop; resumeAfter it is refused.
  std::string invalidate = Token(dropped, "cursor.nextBatch.1._id._data");
  EXPECT_EQ(Code(Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"resumeAfter": {"_data": ")" +
                     invalidate + R"("}}}], "cursor": {}})")),
            kInvalidResumeToken);
  BsonPtr after = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"startAfter": {"_data": ")" +
                     invalidate + R"("}}}], "cursor": {}})");
  Ok(R"({"insert": "c", "documents": [{"_id": 7}]})");
  EXPECT_EQ(Events(Ok(GetMore(CursorId(after), "c"))).size(), 1u);
}

TEST_F(ChangeStreamTest, ResumeAfterReplaysFromTheToken) {
  BsonPtr opened = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}], "cursor": {}})");
  for (int i = 0; i < 5; ++i) {
    Ok(R"({"insert": "c", "documents": [{"_id": )" + std::to_string(i) + "}]}");
  }
  BsonPtr batch = Ok(R"({"getMore": {"$numberLong": ")" + std::to_string(CursorId(opened)) +
                     R"("}, "collection": "c", "batchSize": 2})");
  ASSERT_EQ(Events(batch).size(), 2u);
  std::string second = Token(batch, "cursor.nextBatch.1._id._data");
  BsonPtr resumed = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"resumeAfter": {"_data": ")" +
                       second + R"("}}}], "cursor": {}})");
  auto events = Events(resumed);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_NE(events[0].find(R"("_id" : 2)"), std::string::npos) << events[0];
  EXPECT_NE(events[2].find(R"("_id" : 4)"), std::string::npos) << events[2];
  // startAtOperationTime 0 replays everything retained.
  BsonPtr from_start = Ok(
      R"({"aggregate": "c", "pipeline": [{"$changeStream": {"startAtOperationTime": {"$timestamp": {"t": 0, "i": 1}}}}], "cursor": {}})");
  EXPECT_EQ(Events(from_start).size(), 5u);
}

TEST_F(ChangeStreamTest, TrimmedHistoryIsLost) {
  Ok(R"({"insert": "c", "documents": [{"_id": 1}]})");
  BsonPtr opened = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}], "cursor": {}})");
  std::string token = Token(opened, "cursor.postBatchResumeToken._data");
  for (int i = 2; i < 6; ++i) {
    Ok(R"({"insert": "c", "documents": [{"_id": )" + std::to_string(i) + "}]}");
  }
  ASSERT_TRUE(store_->TrimOplog({.max_entries = 2, .max_age_ms = 1'000'000'000}, 0).ok());
  BsonPtr lost = Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"resumeAfter": {"_data": ")" +
                     token + R"("}}}], "cursor": {}})");
  EXPECT_EQ(Code(lost), kChangeStreamHistoryLost) << ToJson(lost.get());
  // The open cursor fell behind too.
  EXPECT_EQ(Code(Run(GetMore(CursorId(opened), "c"))), kChangeStreamHistoryLost);
  EXPECT_EQ(Code(Run(
                R"({"aggregate": "c", "pipeline": [{"$changeStream": {"startAtOperationTime": {"$timestamp": {"t": 0, "i": 1}}}}], "cursor": {}})")),
            kChangeStreamHistoryLost);
}

TEST_F(ChangeStreamTest, DatabaseAndClusterStreams) {
  BsonPtr db_stream = Ok(R"({"aggregate": 1, "pipeline": [{"$changeStream": {}}], "cursor": {}})");
  BsonPtr cluster = Ok(
      R"({"aggregate": 1, "pipeline": [{"$changeStream": {"allChangesForCluster": true}}], "cursor": {}})",
      "admin");
  Ok(R"({"insert": "a", "documents": [{"_id": 1}]})");
  Ok(R"({"insert": "b", "documents": [{"_id": 2}]})", "other");
  Ok(R"({"renameCollection": "db.a", "to": "db.z"})", "admin");
  Ok(R"({"dropDatabase": 1})");
  auto db_events = Events(Ok(GetMore(CursorId(db_stream), "$cmd.aggregate")));
  ASSERT_EQ(db_events.size(), 5u);
  EXPECT_NE(db_events[1].find(R"("operationType" : "rename", "ns" : { "db" : "db", "coll" : "a" }, "to" : { "db" : "db", "coll" : "z" })"), std::string::npos) << db_events[1];
  EXPECT_EQ(db_events[3], R"({ "operationType" : "dropDatabase", "ns" : { "db" : "db" } })");
  EXPECT_EQ(db_events[4], R"({ "operationType" : "invalidate" })");
  auto all = Events(Ok(GetMore(CursorId(cluster), "$cmd.aggregate"), "admin"));
  EXPECT_EQ(all.size(), 5u);  // insert, insert, rename, drop, dropDatabase; no invalidate
  EXPECT_NE(all[1].find(R"("db" : "other")"), std::string::npos);
}

TEST_F(ChangeStreamTest, BulkWriteOpsAreTheEventsOfTheirSingleCollectionCommands) {
  Ok(R"({"insert": "c", "documents": [{"_id": 1, "a": 1}, {"_id": 2}]})");
  BsonPtr cluster = Ok(
      R"({"aggregate": 1, "pipeline": [{"$changeStream": {"allChangesForCluster": true}}], "cursor": {}})",
      "admin");
  BsonPtr bulk = Ok(R"({"bulkWrite": 1, "ops": [
      {"insert": 1, "document": {"_id": 9}},
      {"update": 0, "filter": {"_id": 1}, "updateMods": {"$set": {"a": 2}}},
      {"update": 0, "filter": {"_id": 2}, "updateMods": {"b": 1}},
      {"delete": 0, "filter": {"_id": 1}}],
    "nsInfo": [{"ns": "db.c"}, {"ns": "other.d"}]})",
                    "admin");
  EXPECT_EQ(
      Events(Ok(GetMore(CursorId(cluster), "$cmd.aggregate"), "admin")),
      (std::vector<std::string>{
          R"({ "operationType" : "insert", "fullDocument" : { "_id" : 9 }, "ns" : { "db" : "other", "coll" : "d" }, "documentKey" : { "_id" : 9 } })",
          R"({ "operationType" : "update", "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 }, "updateDescription" : { "updatedFields" : { "a" : 2 }, "removedFields" : [  ], "truncatedArrays" : [  ] } })",
          R"({ "operationType" : "replace", "fullDocument" : { "_id" : 2, "b" : 1 }, "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 2 } })",
          R"({ "operationType" : "delete", "ns" : { "db" : "db", "coll" : "c" }, "documentKey" : { "_id" : 1 } })"}))
      << ToJson(bulk.get());
}

TEST_F(ChangeStreamTest, LaterStagesUpdateLookupAndErrors) {
  Ok(R"({"insert": "c", "documents": [{"_id": 1, "n": 0}]})");
  BsonPtr opened = Ok(R"({"aggregate": "c", "pipeline": [
      {"$changeStream": {"fullDocument": "updateLookup"}},
      {"$match": {"operationType": "update"}},
      {"$project": {"fullDocument": 1, "operationType": 1}}], "cursor": {}})");
  Ok(R"({"insert": "c", "documents": [{"_id": 2}]})");
  Ok(R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"n": 1}}}]})");
  auto events = Events(Ok(GetMore(CursorId(opened), "c")));
  EXPECT_EQ(events, (std::vector<std::string>{
                        R"({ "operationType" : "update", "fullDocument" : { "_id" : 1, "n" : 1 } })"}));
  BsonPtr bad = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}, {"$project": {"_id": 0}}], "cursor": {}})");
  Ok(R"({"insert": "c", "documents": [{"_id": 3}]})");
  EXPECT_EQ(Code(Run(GetMore(CursorId(bad), "c"))), kChangeStreamFatalError);
  EXPECT_EQ(Code(Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}, {"$sort": {"a": 1}}], "cursor": {}})")),
            kIllegalOperation);
  EXPECT_EQ(Code(Run(R"({"aggregate": 1, "pipeline": [{"$changeStream": {}}], "cursor": {}})", "admin")),
            kInvalidNamespace);
  EXPECT_EQ(Code(Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"bogus": 1}}], "cursor": {}})")),
            40415);
  EXPECT_EQ(Code(Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {"resumeAfter": {"_data": "zz"}}}], "cursor": {}})")),
            kInvalidResumeToken);
}

TEST_F(ChangeStreamTest, GetMoreAwaitsCommits) {
  BsonPtr opened = Ok(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}], "cursor": {}})");
  std::int64_t id = CursorId(opened);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Ok(R"({"insert": "c", "documents": [{"_id": 1}]})");
  });
  auto start = std::chrono::steady_clock::now();
  BsonPtr more = Ok(GetMore(id, "c", 20'000));
  writer.join();
  EXPECT_EQ(Events(more).size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));

  // With an AwaitRequest the getMore does not block: it asks to be run again.
  AwaitRequest await;
  BsonPtr deferred = Run(GetMore(id, "c", 5000), "db", &await);
  EXPECT_TRUE(await.wanted);
  EXPECT_EQ(await.oplog_version, store_->OplogVersion());
  EXPECT_GT(await.deadline_ms, 0);
  Ok(R"({"insert": "c", "documents": [{"_id": 2}]})");
  EXPECT_NE(store_->OplogVersion(), await.oplog_version);
  AwaitRequest again;
  BsonPtr rerun = Run(GetMore(id, "c", 5000), "db", &again);
  EXPECT_FALSE(again.wanted);
  EXPECT_EQ(Events(rerun).size(), 1u);
}

TEST_F(ChangeStreamTest, NotInTransactions) {
  BsonPtr r = Run(R"({"aggregate": "c", "pipeline": [{"$changeStream": {}}], "cursor": {},
      "lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}},
      "txnNumber": 1, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Code(r), kCommandNotSupportedInTransaction) << ToJson(r.get());
}

}  // namespace
}  // namespace tactus::docdb::commands
