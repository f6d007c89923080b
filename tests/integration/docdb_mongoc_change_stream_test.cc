// Change streams through libmongoc: mongoc_collection_watch / mongoc_change_stream_next,
// resume tokens, updateLookup, database- and deployment-level streams, invalidate on drop,
// and exactly-once delivery across a kill -9 of the store.
#include <atomic>
#include <set>

#include "docdb_mongoc_fixture.h"
#include "store_process.h"

namespace tactus::docdb {
namespace {

struct StreamDeleter {
  void operator()(mongoc_change_stream_t* s) const { mongoc_change_stream_destroy(s); }
};
using StreamPtr = std::unique_ptr<mongoc_change_stream_t, StreamDeleter>;

// Up to `n` events (waiting at most `timeout` overall), as documents.
std::vector<BsonPtr> Next(mongoc_change_stream_t* stream, std::size_t n,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::vector<BsonPtr> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    const bson_t* doc = nullptr;
    if (mongoc_change_stream_next(stream, &doc)) {
      out.emplace_back(bson_copy(doc));
      continue;
    }
    bson_error_t error;
    const bson_t* reply = nullptr;
    if (mongoc_change_stream_error_document(stream, &error, &reply)) {
      ADD_FAILURE() << "change stream error " << error.code << ": " << error.message;
      break;
    }
  }
  return out;
}

std::string Op(const BsonPtr& event) { return GetString(event.get(), "operationType").value_or("?"); }

class DocdbMongocChangeStreamTest : public StoreTest {};

TEST_F(DocdbMongocChangeStreamTest, WatchInsertUpdateReplaceDeleteInOrder) {
  auto c = Collection("c");
  StreamPtr stream(mongoc_collection_watch(c.get(), Json("{\"pipeline\": []}").get(),
                                           Json(R"({"maxAwaitTimeMS": 50})").get()));
  ASSERT_NE(stream, nullptr);
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(c.get(), Json(R"({"_id": 1, "a": 1})").get(), nullptr,
                                           reply.out(), &error));
  ASSERT_TRUE(mongoc_collection_update_one(c.get(), Json(R"({"_id": 1})").get(),
                                           Json(R"({"$set": {"a": 2}})").get(), nullptr,
                                           reply.out(), &error));
  ASSERT_TRUE(mongoc_collection_replace_one(c.get(), Json(R"({"_id": 1})").get(),
                                            Json(R"({"b": 3})").get(), nullptr, reply.out(),
                                            &error));
  ASSERT_TRUE(mongoc_collection_delete_one(c.get(), Json(R"({"_id": 1})").get(), nullptr,
                                           reply.out(), &error));
  auto events = Next(stream.get(), 4);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(Op(events[0]), "insert");
  EXPECT_EQ(GetJson(events[0].get(), "fullDocument"), R"({ "_id" : 1, "a" : 1 })");
  EXPECT_EQ(GetString(events[0].get(), "ns.db"), db_name_);
  EXPECT_EQ(GetString(events[0].get(), "ns.coll"), "c");
  EXPECT_EQ(GetJson(events[0].get(), "documentKey"), R"({ "_id" : 1 })");
  EXPECT_TRUE(Lookup(events[0].get(), "clusterTime").has_value());
  EXPECT_TRUE(Lookup(events[0].get(), "wallTime").has_value());
  EXPECT_TRUE(GetString(events[0].get(), "_id._data").has_value());
  EXPECT_EQ(Op(events[1]), "update");
  EXPECT_EQ(GetJson(events[1].get(), "updateDescription.updatedFields"), R"({ "a" : 2 })");
  EXPECT_EQ(Op(events[2]), "replace");
  EXPECT_EQ(GetJson(events[2].get(), "fullDocument"), R"({ "_id" : 1, "b" : 3 })");
  EXPECT_EQ(Op(events[3]), "delete");
}

TEST_F(DocdbMongocChangeStreamTest, ResumeAfterTheTokenOfAClosedStream) {
  auto c = Collection("c");
  BsonPtr token;
  {
    StreamPtr stream(mongoc_collection_watch(c.get(), Json("{}").get(),
                                             Json(R"({"maxAwaitTimeMS": 50})").get()));
    InsertNumbered(c.get(), 3);
    auto events = Next(stream.get(), 2);
    ASSERT_EQ(events.size(), 2u);
    token.reset(bson_copy(mongoc_change_stream_get_resume_token(stream.get())));
    EXPECT_EQ(GetJson(token.get(), "_data"), GetJson(events[1].get(), "_id._data"));
  }
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(c.get(), Json(R"({"_id": 10})").get(), nullptr,
                                           reply.out(), &error));
  BsonPtr opts(bson_new());
  BSON_APPEND_DOCUMENT(opts.get(), "resumeAfter", token.get());
  BSON_APPEND_INT32(opts.get(), "maxAwaitTimeMS", 50);
  StreamPtr resumed(mongoc_collection_watch(c.get(), Json("{}").get(), opts.get()));
  auto events = Next(resumed.get(), 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(GetInt(events[0].get(), "documentKey._id"), 2);
  EXPECT_EQ(GetInt(events[1].get(), "documentKey._id"), 10);
}

TEST_F(DocdbMongocChangeStreamTest, UpdateLookupReturnsTheCurrentDocument) {
  auto c = Collection("c");
  InsertNumbered(c.get(), 1, R"(, "n": 0)");
  StreamPtr stream(
      mongoc_collection_watch(c.get(), Json("{}").get(),
                              Json(R"({"fullDocument": "updateLookup", "maxAwaitTimeMS": 50})").get()));
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_update_one(c.get(), Json(R"({"_id": 0})").get(),
                                           Json(R"({"$inc": {"n": 5}})").get(), nullptr,
                                           reply.out(), &error));
  auto events = Next(stream.get(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(GetJson(events[0].get(), "fullDocument"), R"({ "_id" : 0, "n" : 5 })");
}

TEST_F(DocdbMongocChangeStreamTest, BulkWriteOpsReachADeploymentStream) {
  InsertNumbered(Collection("c").get(), 2);
  StreamPtr all(mongoc_client_watch(client_.get(), Json("{}").get(),
                                    Json(R"({"maxAwaitTimeMS": 50})").get()));
  auto command = Json(R"({"bulkWrite": 1, "ops": [
      {"update": 0, "filter": {"_id": 0}, "updateMods": {"$set": {"a": 1}}},
      {"delete": 0, "filter": {"_id": 1}},
      {"insert": 1, "document": {"_id": "e"}}],
    "nsInfo": [{"ns": ")" +
                      db_name_ + R"(.c"}, {"ns": ")" + db_name_ + R"(_other.d"}]})");
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunOnAdmin(command.get(), &reply, &error)) << error.message;
  auto events = Next(all.get(), 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Op(events[0]), "update");
  EXPECT_EQ(GetJson(events[0].get(), "updateDescription.updatedFields"), R"({ "a" : 1 })");
  EXPECT_EQ(Op(events[1]), "delete");
  EXPECT_EQ(GetInt(events[1].get(), "documentKey._id"), 1);
  EXPECT_EQ(Op(events[2]), "insert");
  EXPECT_EQ(GetString(events[2].get(), "ns.db"), db_name_ + "_other");
  EXPECT_EQ(GetJson(events[2].get(), "fullDocument"), R"({ "_id" : "e" })");
}

TEST_F(DocdbMongocChangeStreamTest, DatabaseAndDeploymentStreams) {
  auto db = Database();
  StreamPtr db_stream(mongoc_database_watch(db.get(), Json("{}").get(),
                                            Json(R"({"maxAwaitTimeMS": 50})").get()));
  StreamPtr all(mongoc_client_watch(client_.get(), Json("{}").get(),
                                    Json(R"({"maxAwaitTimeMS": 50})").get()));
  auto a = Collection("a");
  auto b = Collection("b");
  InsertNumbered(a.get(), 1);
  InsertNumbered(b.get(), 1);
  CollectionPtr elsewhere(mongoc_client_get_collection(client_.get(), "elsewhere", "x"));
  InsertNumbered(elsewhere.get(), 1);
  auto db_events = Next(db_stream.get(), 2);
  ASSERT_EQ(db_events.size(), 2u);
  EXPECT_EQ(GetString(db_events[0].get(), "ns.coll"), "a");
  EXPECT_EQ(GetString(db_events[1].get(), "ns.coll"), "b");
  auto all_events = Next(all.get(), 3);
  ASSERT_EQ(all_events.size(), 3u);
  EXPECT_EQ(GetString(all_events[2].get(), "ns.db"), "elsewhere");
  // The database stream saw nothing of the other database.
  EXPECT_TRUE(Next(db_stream.get(), 1, std::chrono::milliseconds(200)).empty());
}

TEST_F(DocdbMongocChangeStreamTest, DropInvalidatesACollectionStream) {
  auto c = Collection("c");
  InsertNumbered(c.get(), 1);
  StreamPtr stream(mongoc_collection_watch(c.get(), Json("{}").get(),
                                           Json(R"({"maxAwaitTimeMS": 50})").get()));
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_drop(c.get(), &error)) << error.message;
  auto events = Next(stream.get(), 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Op(events[0]), "drop");
  EXPECT_EQ(Op(events[1]), "invalidate");
  // The cursor is closed: the stream reports no more events and no error.
  const bson_t* doc = nullptr;
  EXPECT_FALSE(mongoc_change_stream_next(stream.get(), &doc));
  // startAfter the invalidate watches the re-created collection.
  BsonPtr opts(bson_new());
  bson_t start_after;
  BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "startAfter", &start_after);
  BSON_APPEND_UTF8(&start_after, "_data", GetString(events[1].get(), "_id._data")->c_str());
  bson_append_document_end(opts.get(), &start_after);
  BSON_APPEND_INT32(opts.get(), "maxAwaitTimeMS", 50);
  StreamPtr again(mongoc_collection_watch(c.get(), Json("{}").get(), opts.get()));
  InsertNumbered(c.get(), 1);
  auto after = Next(again.get(), 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(Op(after[0]), "insert");
}

// The required crash test: a writer inserts documents one by one (acknowledged) while a
// watcher records the events; the store is killed with SIGKILL mid-stream and restarted; a new
// stream resumes from the last token the watcher saw. Every committed change (= every document
// in the collection after the restart, a superset of the acknowledged ones) must be delivered
// exactly once, in commit order, across the two streams.
TEST(DocdbMongocChangeStreamCrashTest, EveryCommittedChangeExactlyOnceAcrossKill9) {
  constexpr int kDocs = 400;
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  StoreProcess store(dir);
  ASSERT_EQ(store.Start(), "");

  std::vector<int64_t> before;  // event ids the first watcher saw
  BsonPtr last_token;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> watching{false};
  {
    ClientPtr watcher_client = Connect(store.Uri());
    ClientPtr writer_client = Connect(store.Uri());
    ASSERT_NE(watcher_client, nullptr);
    ASSERT_NE(writer_client, nullptr);
    std::thread watcher([&] {
      CollectionPtr c(mongoc_client_get_collection(watcher_client.get(), "crash", "c"));
      StreamPtr stream(mongoc_collection_watch(c.get(), Json("{}").get(),
                                               Json(R"({"maxAwaitTimeMS": 100})").get()));
      if (const bson_t* initial = mongoc_change_stream_get_resume_token(stream.get())) {
        last_token.reset(bson_copy(initial));  // the first batch's postBatchResumeToken
      }
      watching = true;
      while (true) {
        const bson_t* doc = nullptr;
        if (mongoc_change_stream_next(stream.get(), &doc)) {
          before.push_back(GetInt(doc, "documentKey._id").value_or(-1));
          last_token.reset(bson_copy(mongoc_change_stream_get_resume_token(stream.get())));
          continue;
        }
        bson_error_t error;
        const bson_t* reply = nullptr;
        if (mongoc_change_stream_error_document(stream.get(), &error, &reply)) break;  // killed
      }
    });
    while (!watching) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::thread killer([&] {
      while (acknowledged < kDocs / 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      store.Kill9();
    });
    CollectionPtr c(mongoc_client_get_collection(writer_client.get(), "crash", "c"));
    for (int i = 0; i < kDocs; ++i) {
      Reply reply;
      bson_error_t error;
      if (!mongoc_collection_insert_one(c.get(), Json(R"({"_id": )" + std::to_string(i) + "}").get(),
                                        nullptr, reply.out(), &error)) {
        break;
      }
      acknowledged = i + 1;
    }
    killer.join();
    watcher.join();
  }
  ASSERT_GE(acknowledged.load(), kDocs / 2);
  ASSERT_LT(acknowledged.load(), kDocs) << "the store was killed after the writer finished";
  ASSERT_NE(last_token, nullptr);
  EXPECT_GT(before.size(), 0u) << "the watcher saw nothing before the kill";

  ASSERT_EQ(store.Start(), "");
  ClientPtr client = Connect(store.Uri());
  CollectionPtr c(mongoc_client_get_collection(client.get(), "crash", "c"));
  CursorPtr cursor(mongoc_collection_find_with_opts(c.get(), Json("{}").get(),
                                                    Json(R"({"sort": {"_id": 1}})").get(), nullptr));
  const std::vector<int64_t> committed = DrainIds(cursor.get());
  // Durability: every acknowledged write is there (plus at most the one in flight).
  ASSERT_GE(committed.size(), static_cast<std::size_t>(acknowledged.load()));
  ASSERT_LE(committed.size(), static_cast<std::size_t>(acknowledged.load()) + 1);
  EXPECT_EQ(committed, Range(0, static_cast<int64_t>(committed.size())));
  ASSERT_LE(before.size(), committed.size());

  BsonPtr opts(bson_new());
  BSON_APPEND_DOCUMENT(opts.get(), "resumeAfter", last_token.get());
  BSON_APPEND_INT32(opts.get(), "maxAwaitTimeMS", 100);
  StreamPtr resumed(mongoc_collection_watch(c.get(), Json("{}").get(), opts.get()));
  std::vector<int64_t> all = before;
  for (const auto& e : Next(resumed.get(), committed.size() - before.size())) {
    all.push_back(GetInt(e.get(), "documentKey._id").value_or(-1));
  }
  // Nothing more arrives: no duplicate, no event of an uncommitted write.
  EXPECT_TRUE(Next(resumed.get(), 1, std::chrono::milliseconds(300)).empty());
  EXPECT_EQ(all, committed) << "seen before the kill: " << before.size();
  resumed.reset();
  c.reset();
  client.reset();
  store.Kill9();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tactus::docdb
