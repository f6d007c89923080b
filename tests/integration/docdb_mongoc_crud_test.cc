// The embedded store through libmongoc: CRUD, cursors and indexes.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace {

class MongocEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { mongoc_init(); }
  void TearDown() override { mongoc_cleanup(); }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new MongocEnvironment);

// ---------------------------------------------------------------------------------------------
// CRUD

class DocdbMongocCrudTest : public StoreTest {};

TEST_F(DocdbMongocCrudTest, InsertOneAndInsertManyReportWhatTheyWrote) {
  auto orders = Collection("orders");
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(
      orders.get(), Json(R"({"sku": "KB-01", "qty": 1})").get(), nullptr, reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "insertedCount"), 1);

  std::vector<BsonPtr> docs;
  for (int i = 0; i < 10; ++i) {
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "sku": "S)" + std::to_string(i) +
                        R"(", "qty": )" + std::to_string(i) + "}"));
  }
  std::vector<const bson_t*> raw;
  for (const auto& d : docs) raw.push_back(d.get());
  ASSERT_TRUE(mongoc_collection_insert_many(orders.get(), raw.data(), raw.size(), nullptr,
                                            reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "insertedCount"), 10);

  // The driver generated an ObjectId for the document without _id.
  auto cursor = Find(orders.get(), R"({"sku": "KB-01"})");
  const bson_t* doc = nullptr;
  ASSERT_TRUE(mongoc_cursor_next(cursor.get(), &doc));
  auto id = Lookup(doc, "_id");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(BSON_ITER_HOLDS_OID(&*id));
  EXPECT_EQ(GetInt(doc, "qty"), 1);

  EXPECT_EQ(
      mongoc_collection_estimated_document_count(orders.get(), nullptr, nullptr, nullptr, &error),
      11)
      << error.message;
  EXPECT_EQ(Count("orders", R"({"qty": {"$gte": 5}})"), 5);
}

TEST_F(DocdbMongocCrudTest, FindWithFilterSortSkipLimitAndProjection) {
  auto items = Collection("items");
  InsertNumbered(items.get(), 20);
  // Give each document k = _id % 3, a name and a field the projection must drop.
  for (int i = 0; i < 20; ++i) {
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(mongoc_collection_update_one(
        items.get(), Json(R"({"_id": )" + std::to_string(i) + "}").get(),
        Json(R"({"$set": {"k": )" + std::to_string(i % 3) + R"(, "name": "n)" + std::to_string(i) +
             R"(", "secret": "x"}})")
            .get(),
        nullptr, reply.out(), &error))
        << error.message;
  }

  // k == 0: _id 0, 3, ..., 18; descending, skip 1, limit 3, only the name.
  auto cursor = Find(items.get(), R"({"k": 0})",
                     R"({"sort": {"_id": -1}, "skip": 1, "limit": 3,
                         "projection": {"name": 1, "_id": 0}})");
  EXPECT_EQ(DrainJson(cursor.get()),
            (std::vector<std::string>{R"({ "name" : "n15" })", R"({ "name" : "n12" })",
                                      R"({ "name" : "n9" })"}));

  // A compound sort on a non-_id field, with an exclusion projection.
  cursor = Find(items.get(), R"({"_id": {"$lt": 6}})",
                R"({"sort": {"k": -1, "_id": 1}, "projection": {"secret": 0, "name": 0}})");
  EXPECT_EQ(DrainJson(cursor.get()),
            (std::vector<std::string>{R"({ "_id" : 2, "k" : 2 })", R"({ "_id" : 5, "k" : 2 })",
                                      R"({ "_id" : 1, "k" : 1 })", R"({ "_id" : 4, "k" : 1 })",
                                      R"({ "_id" : 0, "k" : 0 })", R"({ "_id" : 3, "k" : 0 })"}));
}

TEST_F(DocdbMongocCrudTest, UpdateOneUpdateManyAndReplaceOneWithUpsert) {
  auto orders = Collection("orders");
  std::vector<BsonPtr> docs;
  docs.push_back(Json(R"({"_id": 1, "qty": 1})"));
  docs.push_back(Json(R"({"_id": 2, "qty": 2})"));
  docs.push_back(Json(R"({"_id": 3, "qty": 5})"));
  InsertMany(orders.get(), docs);
  Reply reply;
  bson_error_t error;

  ASSERT_TRUE(mongoc_collection_update_many(
      orders.get(), Json(R"({"qty": {"$lt": 3}})").get(),
      Json(R"({"$inc": {"qty": 100}, "$set": {"low": true}})").get(), nullptr, reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "matchedCount"), 2);
  EXPECT_EQ(GetInt(reply.get(), "modifiedCount"), 2);

  // Setting a field to its current value matches but modifies nothing.
  ASSERT_TRUE(mongoc_collection_update_one(orders.get(), Json(R"({"_id": 3})").get(),
                                           Json(R"({"$set": {"qty": 5}})").get(), nullptr,
                                           reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "matchedCount"), 1);
  EXPECT_EQ(GetInt(reply.get(), "modifiedCount"), 0);

  ASSERT_TRUE(mongoc_collection_update_one(orders.get(), Json(R"({"_id": "missing"})").get(),
                                           Json(R"({"$set": {"x": 1}})").get(),
                                           Json(R"({"upsert": true})").get(), reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "matchedCount"), 0);
  EXPECT_EQ(GetInt(reply.get(), "upsertedCount"), 1);
  EXPECT_EQ(GetString(reply.get(), "upsertedId"), "missing") << ToJson(reply.get());

  ASSERT_TRUE(mongoc_collection_replace_one(orders.get(), Json(R"({"_id": 3})").get(),
                                            Json(R"({"sku": "replaced"})").get(), nullptr,
                                            reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "modifiedCount"), 1);

  ASSERT_TRUE(mongoc_collection_replace_one(orders.get(), Json(R"({"sku": "new"})").get(),
                                            Json(R"({"_id": 4, "sku": "new", "qty": 7})").get(),
                                            Json(R"({"upsert": true})").get(), reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "upsertedId"), 4) << ToJson(reply.get());

  auto cursor = Find(orders.get(), "{}", R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainJson(cursor.get()), (std::vector<std::string>{
                                         R"({ "_id" : 1, "qty" : 101, "low" : true })",
                                         R"({ "_id" : 2, "qty" : 102, "low" : true })",
                                         R"({ "_id" : 3, "sku" : "replaced" })",
                                         R"({ "_id" : 4, "sku" : "new", "qty" : 7 })",
                                         R"({ "_id" : "missing", "x" : 1 })",
                                     }));
}

// bulkWrite as a generic command (libmongoc 1.23 predates the client bulk write API): the reply
// as the driver decodes it, and the documents of both databases afterwards.
TEST_F(DocdbMongocCrudTest, BulkWriteAcrossTwoDatabases) {
  InsertNumbered(Collection("orders").get(), 3, R"(, "qty": 1)");
  const std::string other = db_name_ + "_crm";
  auto command = Json(R"({"bulkWrite": 1, "ordered": false, "ops": [
      {"insert": 1, "document": {"_id": "c1"}},
      {"update": 0, "filter": {"_id": {"$lt": 2}}, "updateMods": {"$inc": {"qty": 1}},
       "multi": true},
      {"update": 1, "filter": {"_id": "c2"}, "updateMods": {"$set": {"new": true}},
       "upsert": true},
      {"insert": 0, "document": {"_id": 0}},
      {"delete": 0, "filter": {"_id": 2}}],
    "nsInfo": [{"ns": ")" +
                      db_name_ + R"(.orders"}, {"ns": ")" + other + R"(.customers"}]})");
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunOnAdmin(command.get(), &reply, &error)) << error.message;
  EXPECT_EQ(GetInt(reply.get(), "ok"), 1);
  EXPECT_EQ(GetInt(reply.get(), "nErrors"), 1);
  EXPECT_EQ(GetInt(reply.get(), "nInserted"), 1);
  EXPECT_EQ(GetInt(reply.get(), "nMatched"), 2);
  EXPECT_EQ(GetInt(reply.get(), "nModified"), 2);
  EXPECT_EQ(GetInt(reply.get(), "nUpserted"), 1);
  EXPECT_EQ(GetInt(reply.get(), "nDeleted"), 1);
  EXPECT_EQ(GetString(reply.get(), "cursor.firstBatch.2.upserted._id"), "c2");
  EXPECT_EQ(GetInt(reply.get(), "cursor.firstBatch.3.code"), 11000);
  EXPECT_EQ(GetJson(reply.get(), "cursor.firstBatch.3.keyValue"), R"({ "_id" : 0 })");
  EXPECT_EQ(GetInt(reply.get(), "cursor.firstBatch.4.n"), 1);

  auto orders = Find(Collection("orders").get(), "{}", R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainJson(orders.get()), (std::vector<std::string>{R"({ "_id" : 0, "qty" : 2 })",
                                                               R"({ "_id" : 1, "qty" : 2 })"}));
  CollectionPtr customers(mongoc_client_get_collection(client_.get(), other.c_str(), "customers"));
  auto found = Find(customers.get(), "{}", R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainJson(found.get()),
            (std::vector<std::string>{R"({ "_id" : "c1" })", R"({ "_id" : "c2", "new" : true })"}));

  // Elsewhere than admin it is refused, as MongoDB does.
  auto db = Database();
  EXPECT_FALSE(mongoc_database_command_with_opts(db.get(), command.get(), nullptr, nullptr,
                                                 reply.out(), &error));
  EXPECT_EQ(error.code, 13u) << error.message;
}

TEST_F(DocdbMongocCrudTest, DeleteOneAndDeleteMany) {
  auto c = Collection("c");
  std::vector<BsonPtr> docs;
  for (int i = 0; i < 10; ++i) {
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "even": )" +
                        (i % 2 == 0 ? "true" : "false") + "}"));
  }
  InsertMany(c.get(), docs);
  Reply reply;
  bson_error_t error;

  ASSERT_TRUE(mongoc_collection_delete_one(c.get(), Json(R"({"even": true})").get(), nullptr,
                                           reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "deletedCount"), 1);
  ASSERT_TRUE(mongoc_collection_delete_many(c.get(), Json(R"({"even": true})").get(), nullptr,
                                            reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "deletedCount"), 4);
  ASSERT_TRUE(mongoc_collection_delete_one(c.get(), Json(R"({"_id": "none"})").get(), nullptr,
                                           reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "deletedCount"), 0);

  auto cursor = Find(c.get(), "{}", R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainIds(cursor.get()), (std::vector<int64_t>{1, 3, 5, 7, 9}));
  EXPECT_EQ(Count("c"), 5);
}

// ---------------------------------------------------------------------------------------------
// Cursors

// What the driver sent, seen through its command monitoring (APM) callbacks.
struct CommandLog {
  std::vector<std::string> started;
  std::vector<std::string> failed;
  int64_t cursors_killed = 0;

  int64_t Started(const std::string& name) const {
    return std::count(started.begin(), started.end(), name);
  }
};

void OnCommandStarted(const mongoc_apm_command_started_t* event) {
  auto* log = static_cast<CommandLog*>(mongoc_apm_command_started_get_context(event));
  log->started.emplace_back(mongoc_apm_command_started_get_command_name(event));
}

void OnCommandSucceeded(const mongoc_apm_command_succeeded_t* event) {
  auto* log = static_cast<CommandLog*>(mongoc_apm_command_succeeded_get_context(event));
  if (std::string(mongoc_apm_command_succeeded_get_command_name(event)) != "killCursors") return;
  bson_iter_t it, killed;
  if (bson_iter_init_find(&it, mongoc_apm_command_succeeded_get_reply(event), "cursorsKilled") &&
      BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &killed)) {
    while (bson_iter_next(&killed)) ++log->cursors_killed;
  }
}

void OnCommandFailed(const mongoc_apm_command_failed_t* event) {
  auto* log = static_cast<CommandLog*>(mongoc_apm_command_failed_get_context(event));
  log->failed.emplace_back(mongoc_apm_command_failed_get_command_name(event));
}

class DocdbMongocCursorTest : public StoreTest {
 protected:
  // A client whose commands are recorded in `log_`.
  ClientPtr MonitoredClient() {
    ClientPtr client = Connect(Uri());
    ApmCallbacksPtr callbacks(mongoc_apm_callbacks_new());
    mongoc_apm_set_command_started_cb(callbacks.get(), OnCommandStarted);
    mongoc_apm_set_command_succeeded_cb(callbacks.get(), OnCommandSucceeded);
    mongoc_apm_set_command_failed_cb(callbacks.get(), OnCommandFailed);
    EXPECT_TRUE(mongoc_client_set_apm_callbacks(client.get(), callbacks.get(), &log_));
    return client;
  }

  CommandLog log_;
};

TEST_F(DocdbMongocCursorTest, ThousandDocumentsInBatchesOf37ComeBackInOrder) {
  auto big = Collection("big");
  // Inserted in reverse so that the order read back is the sort's, not the insertion's.
  std::vector<BsonPtr> docs;
  for (int i = 999; i >= 0; --i) {
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "pad": ")" +
                        std::string(100, 'x') + R"("})"));
  }
  InsertMany(big.get(), docs);

  ClientPtr client = MonitoredClient();
  auto coll = Collection("big", client.get());
  auto cursor = Find(coll.get(), "{}", R"({"sort": {"_id": 1}, "batchSize": 37})");
  EXPECT_EQ(DrainIds(cursor.get()), Range(0, 1000));
  // 37 in the first batch, then 26 full getMores and one with the last document.
  EXPECT_EQ(log_.Started("getMore"), 27);
  EXPECT_TRUE(log_.failed.empty());
}

TEST_F(DocdbMongocCursorTest, CursorDestroyedEarlyDoesNotBreakTheNextQuery) {
  auto c = Collection("c");
  InsertNumbered(c.get(), 200);

  ClientPtr client = MonitoredClient();
  auto coll = Collection("c", client.get());
  {
    auto cursor = Find(coll.get(), "{}", R"({"sort": {"_id": 1}, "batchSize": 37})");
    const bson_t* doc = nullptr;
    for (int i = 0; i < 40; ++i) {  // into the second batch
      ASSERT_TRUE(mongoc_cursor_next(cursor.get(), &doc));
      EXPECT_EQ(GetInt(doc, "_id"), i);
    }
  }  // destroyed with documents left: the driver sends killCursors
  EXPECT_EQ(log_.Started("killCursors"), 1);
  EXPECT_EQ(log_.cursors_killed, 1);

  auto cursor =
      Find(coll.get(), R"({"_id": {"$gte": 150}})", R"({"sort": {"_id": 1}, "batchSize": 37})");
  EXPECT_EQ(DrainIds(cursor.get()), Range(150, 200));
  EXPECT_TRUE(log_.failed.empty()) << log_.failed.front();
}

// ---------------------------------------------------------------------------------------------
// Indexes

class DocdbMongocIndexTest : public StoreTest {
 protected:
  void CreateIndexes(const char* collection, const std::string& indexes_json) {
    auto db = Database();
    Reply reply;
    bson_error_t error;
    auto command = Json(R"({"createIndexes": ")" + std::string(collection) + R"(", "indexes": )" +
                        indexes_json + "}");
    ASSERT_TRUE(mongoc_database_write_command_with_opts(db.get(), command.get(), nullptr,
                                                        reply.out(), &error))
        << error.message;
    EXPECT_EQ(GetInt(reply.get(), "ok"), 1);
  }
};

TEST_F(DocdbMongocIndexTest, CreateListAndUniqueViolation) {
  CreateIndexes("users", R"([{"key": {"email": 1}, "name": "email_1", "unique": true},
                             {"key": {"status": 1, "qty": -1}, "name": "status_1_qty_-1"}])");
  auto users = Collection("users");

  CursorPtr listed(mongoc_collection_find_indexes_with_opts(users.get(), nullptr));
  std::vector<std::string> names;
  bool email_unique = false;
  const bson_t* spec = nullptr;
  while (mongoc_cursor_next(listed.get(), &spec)) {
    names.push_back(GetString(spec, "name").value_or("?"));
    bson_iter_t it;
    if (names.back() == "email_1" && bson_iter_init_find(&it, spec, "unique")) {
      email_unique = bson_iter_as_bool(&it);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"_id_", "email_1", "status_1_qty_-1"}));
  EXPECT_TRUE(email_unique);

  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(users.get(), Json(R"({"email": "a@example.com"})").get(),
                                           nullptr, reply.out(), &error))
      << error.message;
  EXPECT_FALSE(mongoc_collection_insert_one(
      users.get(), Json(R"({"email": "a@example.com"})").get(), nullptr, reply.out(), &error));
  EXPECT_EQ(error.code, 11000u) << error.message;
  EXPECT_EQ(GetInt(reply.get(), "writeErrors.0.code"), 11000) << ToJson(reply.get());
  EXPECT_EQ(GetJson(reply.get(), "writeErrors.0.keyPattern"), R"({ "email" : 1 })")
      << ToJson(reply.get());
  EXPECT_EQ(GetJson(reply.get(), "writeErrors.0.keyValue"), R"({ "email" : "a@example.com" })")
      << ToJson(reply.get());

  // An ordered insert_many stops at the duplicate: the first document is in, the third is not.
  std::vector<BsonPtr> docs;
  docs.push_back(Json(R"({"_id": 1, "email": "b@example.com"})"));
  docs.push_back(Json(R"({"_id": 2, "email": "a@example.com"})"));
  docs.push_back(Json(R"({"_id": 3, "email": "c@example.com"})"));
  std::vector<const bson_t*> raw;
  for (const auto& d : docs) raw.push_back(d.get());
  EXPECT_FALSE(mongoc_collection_insert_many(users.get(), raw.data(), raw.size(), nullptr,
                                             reply.out(), &error));
  EXPECT_EQ(error.code, 11000u) << error.message;
  EXPECT_EQ(GetInt(reply.get(), "insertedCount"), 1) << ToJson(reply.get());
  EXPECT_EQ(GetInt(reply.get(), "writeErrors.0.index"), 1) << ToJson(reply.get());

  // An update that would duplicate a key fails the same way and changes nothing.
  EXPECT_FALSE(mongoc_collection_update_one(users.get(), Json(R"({"_id": 1})").get(),
                                            Json(R"({"$set": {"email": "a@example.com"}})").get(),
                                            nullptr, reply.out(), &error));
  EXPECT_EQ(error.code, 11000u) << error.message;

  auto cursor = Find(users.get(), "{}", R"({"sort": {"email": 1}, "projection": {"_id": 0}})");
  EXPECT_EQ(DrainJson(cursor.get()),
            (std::vector<std::string>{R"({ "email" : "a@example.com" })",
                                      R"({ "email" : "b@example.com" })"}));
}

TEST_F(DocdbMongocIndexTest, CompoundRangeQueryUsesTheIndex) {
  CreateIndexes("orders", R"([{"key": {"status": 1, "qty": -1}, "name": "status_1_qty_-1"}])");
  auto orders = Collection("orders");
  InsertNumbered(orders.get(), 50);
  for (int i = 0; i < 50; ++i) {
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(mongoc_collection_update_one(
        orders.get(), Json(R"({"_id": )" + std::to_string(i) + "}").get(),
        Json(R"({"$set": {"status": ")" + std::string(i % 2 ? "A" : "B") + R"(", "qty": )" +
             std::to_string(i) + "}}")
            .get(),
        nullptr, reply.out(), &error))
        << error.message;
  }
  const std::string filter = R"({"status": "A", "qty": {"$gt": 40}})";

  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(
      RunCommand(R"({"explain": {"find": "orders", "filter": )" + filter + "}}", &reply, &error))
      << error.message;
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.stage"), "IXSCAN")
      << ToJson(reply.get());
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.indexName"), "status_1_qty_-1")
      << ToJson(reply.get());

  auto cursor = Find(orders.get(), filter, R"({"sort": {"qty": -1}})");
  EXPECT_EQ(DrainIds(cursor.get()), (std::vector<int64_t>{49, 47, 45, 43, 41}));
}

// $in over 1,000 ids on 20,000 documents: planned as _id points (explain says so), and
// find, count, updateMany and deleteMany see exactly those documents. The ids mix int32, int64
// and double (equal values are one point) and include some that do not exist.
TEST_F(DocdbMongocIndexTest, InOverAThousandIdsUsesIdPoints) {
  CreateIndexes("big", R"([{"key": {"g": 1}, "name": "g_1"}])");
  auto big = Collection("big");
  std::vector<BsonPtr> docs;
  for (int i = 0; i < 20000; ++i) {
    docs.push_back(
        Json(R"({"_id": )" + std::to_string(i) + R"(, "g": )" + std::to_string(i % 100) + "}"));
  }
  InsertMany(big.get(), docs);
  std::string ids;
  std::vector<int64_t> wanted;
  for (int k = 0; k < 1000; ++k) {
    int id = k * 19 + 7;  // 7 .. 18988
    wanted.push_back(id);
    std::string v = std::to_string(id);
    if (k % 3 == 1) v = R"({"$numberLong": ")" + v + R"("})";
    if (k % 3 == 2) v += ".0";
    ids += v + ", ";
  }
  ids += "7.0, 50000, 50001";  // a duplicate, and two ids that do not exist
  const std::string filter = R"({"_id": {"$in": [)" + ids + "]}}";

  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(
      RunCommand(R"({"explain": {"find": "big", "filter": )" + filter + "}}", &reply, &error))
      << error.message;
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.stage"), "IXSCAN");
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.indexName"), "_id_");
  EXPECT_EQ(GetInt(reply.get(), "queryPlanner.winningPlan.indexBounds._id.$in"), 1002);

  auto cursor = Find(big.get(), filter, R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainIds(cursor.get()), wanted);
  cursor = Find(big.get(), filter, R"({"sort": {"_id": -1}, "limit": 3})");
  EXPECT_EQ(DrainIds(cursor.get()), (std::vector<int64_t>{18988, 18969, 18950}));
  EXPECT_EQ(Count("big", filter), 1000);
  int64_t counted = mongoc_collection_count_documents(big.get(), Json(filter).get(), nullptr,
                                                      nullptr, nullptr, &error);
  EXPECT_EQ(counted, 1000) << error.message;
  // ANDed with a predicate on an indexed field: still the _id points.
  const std::string and_g = R"({"g": 7, "_id": {"$in": [)" + ids + "]}}";
  ASSERT_TRUE(
      RunCommand(R"({"explain": {"find": "big", "filter": )" + and_g + "}}", &reply, &error))
      << error.message;
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.indexName"), "_id_");
  EXPECT_EQ(Count("big", and_g), 10);  // ids 7 + 19k with id % 100 == 7: k = 0, 100, ..., 900

  ASSERT_TRUE(mongoc_collection_update_many(big.get(), Json(filter).get(),
                                            Json(R"({"$set": {"archived": true}})").get(), nullptr,
                                            reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "matchedCount"), 1000);
  EXPECT_EQ(GetInt(reply.get(), "modifiedCount"), 1000);
  EXPECT_EQ(Count("big", R"({"archived": true})"), 1000);
  EXPECT_EQ(Count("big", R"({"archived": true, "_id": {"$in": [6, 7, 8, 26]}})"), 2);

  // $in on a secondary index: points on g_1.
  const std::string by_g = R"({"g": {"$in": [3, 4.0, {"$numberLong": "5"}, 3]}})";
  ASSERT_TRUE(RunCommand(R"({"explain": {"find": "big", "filter": )" + by_g + "}}", &reply, &error))
      << error.message;
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.stage"), "IXSCAN");
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.indexName"), "g_1");
  EXPECT_EQ(GetInt(reply.get(), "queryPlanner.winningPlan.indexBounds.g.$in"), 3);
  EXPECT_EQ(Count("big", by_g), 600);

  ASSERT_TRUE(
      mongoc_collection_delete_many(big.get(), Json(filter).get(), nullptr, reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "deletedCount"), 1000);
  EXPECT_EQ(Count("big"), 19000);
  EXPECT_EQ(Count("big", filter), 0);
  EXPECT_EQ(Count("big", R"({"archived": true})"), 0);
  cursor = Find(big.get(), R"({"_id": {"$in": [6, 7, 8]}})", R"({"sort": {"_id": 1}})");
  EXPECT_EQ(DrainIds(cursor.get()), (std::vector<int64_t>{6, 8}));
}

// ---------------------------------------------------------------------------------------------

}  // namespace
}  // namespace tactus::docdb
