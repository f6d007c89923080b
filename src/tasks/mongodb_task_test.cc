// MongoDbTaskResult::touched (what each operation touched, for the audit trail) for every family
// of MongoDB task operations, against the embedded store.
#include "tasks/mongodb_task.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "docdb/testing/temp_store.h"

namespace tactus::tasks {
namespace {

constexpr const char* kPrefix = "arn:tactus:states:::mongodb:";

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? v.value() : json::value();
}

std::string Text(const std::vector<json::value>& ids) {
  json::array a(ids.begin(), ids.end());
  return common::SerializeJson(a);
}

class MongoDbTouchedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-mongotask";
    store.pool_size = 4;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started).release();
    pool_ = &docdb_->pool();
  }
  static void TearDownTestSuite() {
    delete docdb_;
    docdb_ = nullptr;
    pool_ = nullptr;
  }

  void SetUp() override {
    client_ = std::make_unique<mongo::Client>(pool_->Acquire());
    // A collection per test: the test's name.
    coll_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override { client_.reset(); }

  // Runs `op` on shop.<test name>; `params` without Database and Collection.
  MongoDbTaskResult Run(const std::string& op, std::string_view params,
                        const mongo::Session* session = nullptr, std::string_view key = "") {
    json::value p = J(params);
    p.as_object()["Database"] = "shop";
    if (!p.as_object().contains("Collection")) p.as_object()["Collection"] = coll_;
    return RunMongoDbTask(*client_, session, std::string(kPrefix) + op, p, "arn:x", key);
  }
  // Runs `op`, expects success and one touched entry, and returns it.
  DataTouched One(const std::string& op, std::string_view params,
                  const mongo::Session* session = nullptr) {
    MongoDbTaskResult r = Run(op, params, session);
    EXPECT_TRUE(r.outcome.ok) << op << ": " << r.outcome.error << " " << r.outcome.cause;
    EXPECT_EQ(r.touched.size(), 1u) << op;
    if (r.touched.empty()) return {};
    EXPECT_EQ(r.touched[0].ns, "shop." + coll_);
    EXPECT_EQ(r.touched[0].operation, op);
    return r.touched[0];
  }
  // Inserts documents {_id: from..to-1, n: _id}.
  void Seed(int from, int to) {
    json::array docs;
    for (int i = from; i < to; ++i) docs.push_back(json::object{{"_id", i}, {"n", i}});
    json::object p{{"Documents", docs}};
    ASSERT_TRUE(Run("insertMany", common::SerializeJson(p)).outcome.ok);
  }

  static docdb::testing::TempStore* docdb_;
  static mongo::Pool* pool_;  // docdb_'s
  std::unique_ptr<mongo::Client> client_;
  std::string coll_;
};

docdb::testing::TempStore* MongoDbTouchedTest::docdb_ = nullptr;
mongo::Pool* MongoDbTouchedTest::pool_ = nullptr;

TEST_F(MongoDbTouchedTest, InsertOneListsTheInsertedId) {
  MongoDbTaskResult r = Run("insertOne", R"({"Document": {"a": 1}})");
  ASSERT_TRUE(r.outcome.ok);
  ASSERT_EQ(r.touched.size(), 1u);
  EXPECT_EQ(r.touched[0].count, 1);
  EXPECT_EQ(Text(r.touched[0].ids),
            common::SerializeJson(json::array{r.outcome.result.at("InsertedId")}));
  EXPECT_FALSE(r.touched[0].ids_truncated);
  EXPECT_EQ(Text(One("insertOne", R"({"Document": {"_id": "k"}})").ids), R"(["k"])");
}

TEST_F(MongoDbTouchedTest, InsertManyListsTheFirstHundredIds) {
  json::array docs;
  for (int i = 0; i < 150; ++i) docs.push_back(json::object{{"_id", i}});
  DataTouched t = One("insertMany", common::SerializeJson(json::object{{"Documents", docs}}));
  EXPECT_EQ(t.count, 150);
  ASSERT_EQ(t.ids.size(), kMaxTouchedIds);
  EXPECT_EQ(common::SerializeJson(t.ids[0]), "0");
  EXPECT_EQ(common::SerializeJson(t.ids[99]), "99");
  EXPECT_TRUE(t.ids_truncated);
}

TEST_F(MongoDbTouchedTest, RepeatedInsertWithIdempotencyKeyListsTheWholeRequest) {
  const char* params = R"({"Documents": [{"a": 1}, {"a": 2}, {"a": 3}]})";
  MongoDbTaskResult first = Run("insertMany", params, nullptr, "key-1");
  ASSERT_TRUE(first.outcome.ok);
  // The repeat inserts nothing (an earlier attempt did) but names the same documents.
  MongoDbTaskResult again = Run("insertMany", params, nullptr, "key-1");
  ASSERT_TRUE(again.outcome.ok);
  ASSERT_EQ(again.touched.size(), 1u);
  EXPECT_EQ(again.touched[0].count, 3);
  EXPECT_EQ(Text(again.touched[0].ids), Text(first.touched[0].ids));
  EXPECT_EQ(Text(again.touched[0].ids),
            common::SerializeJson(first.outcome.result.at("InsertedIds")));
  MongoDbTaskResult one = Run("insertOne", R"({"Document": {"b": 1}})", nullptr, "key-2");
  MongoDbTaskResult one_again = Run("insertOne", R"({"Document": {"b": 1}})", nullptr, "key-2");
  ASSERT_EQ(one_again.touched.size(), 1u);
  EXPECT_EQ(one_again.touched[0].count, 1);
  EXPECT_EQ(Text(one_again.touched[0].ids), Text(one.touched[0].ids));
}

TEST_F(MongoDbTouchedTest, ReadsListTheReturnedDocuments) {
  Seed(1, 6);
  DataTouched t = One("find", R"({"Filter": {"n": {"$gte": 3}}, "Options": {"sort": {"_id": 1}}})");
  EXPECT_EQ(t.count, 3);
  EXPECT_EQ(Text(t.ids), "[3,4,5]");
  EXPECT_FALSE(t.ids_truncated);

  t = One("findOne", R"({"Filter": {"n": 2}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[2]");
  t = One("findOne", R"({"Filter": {"n": 99}})");
  EXPECT_EQ(t.count, 0);
  EXPECT_TRUE(t.ids.empty());

  // A projection without _id: counted, not named.
  t = One("find", R"({"Filter": {}, "Options": {"projection": {"_id": 0}}})");
  EXPECT_EQ(t.count, 5);
  EXPECT_TRUE(t.ids.empty());
  EXPECT_TRUE(t.ids_truncated);

  t = One("aggregate", R"({"Pipeline": [{"$match": {"n": {"$lte": 2}}}, {"$sort": {"_id": 1}}]})");
  EXPECT_EQ(t.count, 2);
  EXPECT_EQ(Text(t.ids), "[1,2]");
  t = One("aggregate", R"({"Pipeline": [{"$count": "total"}]})");
  EXPECT_EQ(t.count, 1);
  EXPECT_TRUE(t.ids.empty());

  t = One("countDocuments", R"({"Filter": {"n": {"$gt": 1}}})");
  EXPECT_EQ(t.count, 4);
  EXPECT_TRUE(t.ids.empty());
  EXPECT_FALSE(t.ids_truncated);
  t = One("distinct", R"({"Key": "n", "Filter": {"n": {"$lt": 4}}})");
  EXPECT_EQ(t.count, 3);
  EXPECT_TRUE(t.ids.empty());
}

TEST_F(MongoDbTouchedTest, UpdatesListTheMatchedIds) {
  Seed(1, 6);
  DataTouched t =
      One("updateMany", R"({"Filter": {"n": {"$gte": 4}}, "Update": {"$set": {"n": 0}}})");
  EXPECT_EQ(t.count, 2);
  EXPECT_EQ(Text(t.ids), "[4,5]");
  EXPECT_FALSE(t.ids_truncated);

  // The documents are found before the write: their n no longer matches afterwards.
  t = One("updateOne", R"({"Filter": {"n": 2}, "Update": {"$inc": {"n": 100}}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[2]");
  t = One("updateOne", R"({"Filter": {"n": 0}, "Update": {"$set": {"x": 1}}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(t.ids.size(), 1u);

  t = One("replaceOne", R"({"Filter": {"_id": 3}, "Replacement": {"n": 3, "r": true}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[3]");

  t = One("updateOne", R"({"Filter": {"n": 77}, "Update": {"$set": {"x": 1}}})");
  EXPECT_EQ(t.count, 0);
  EXPECT_TRUE(t.ids.empty());

  // An upsert names the new document.
  t = One(
      "updateOne",
      R"({"Filter": {"_id": "new"}, "Update": {"$set": {"n": 9}}, "Options": {"upsert": true}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), R"(["new"])");
  t = One("replaceOne",
          R"({"Filter": {"_id": "new2"}, "Replacement": {"n": 9}, "Options": {"upsert": true}})");
  EXPECT_EQ(Text(t.ids), R"(["new2"])");
}

TEST_F(MongoDbTouchedTest, UpdateManyListsTheFirstHundredMatches) {
  Seed(0, 150);
  DataTouched t = One("updateMany", R"({"Filter": {}, "Update": {"$set": {"m": 1}}})");
  EXPECT_EQ(t.count, 150);
  EXPECT_EQ(t.ids.size(), kMaxTouchedIds);
  EXPECT_TRUE(t.ids_truncated);
  t = One("deleteMany", R"({"Filter": {"n": {"$lt": 120}}})");
  EXPECT_EQ(t.count, 120);
  EXPECT_EQ(t.ids.size(), kMaxTouchedIds);
  EXPECT_TRUE(t.ids_truncated);
}

TEST_F(MongoDbTouchedTest, DeletesListTheDeletedIds) {
  Seed(1, 6);
  DataTouched t = One("deleteOne", R"({"Filter": {"n": 3}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[3]");
  t = One("deleteMany", R"({"Filter": {"n": {"$in": [1, 5, 42]}}})");
  EXPECT_EQ(t.count, 2);
  EXPECT_EQ(Text(t.ids), "[1,5]");
  t = One("deleteOne", R"({"Filter": {"n": 42}})");
  EXPECT_EQ(t.count, 0);
  EXPECT_TRUE(t.ids.empty());
}

TEST_F(MongoDbTouchedTest, TheIdsAreFoundInTheStepsTransaction) {
  Seed(1, 3);
  auto session = client_->StartSession();
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Begin().ok());
  // A document inserted in the transaction, not yet committed, is among the updated ones.
  ASSERT_TRUE(Run("insertOne", R"({"Document": {"_id": 10, "n": 10}})", session->get()).outcome.ok);
  DataTouched t =
      One("updateMany", R"({"Filter": {}, "Update": {"$set": {"t": 1}}})", session->get());
  EXPECT_EQ(t.count, 3);
  EXPECT_EQ(Text(t.ids), "[1,2,10]");
  ASSERT_TRUE((*session)->Commit().ok());
}

TEST_F(MongoDbTouchedTest, FindOneAndListsTheDocument) {
  Seed(1, 4);
  DataTouched t = One("findOneAndUpdate", R"({"Filter": {"n": 2}, "Update": {"$set": {"u": 1}}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[2]");

  // A projection without _id still names the document; the result leaves _id out.
  MongoDbTaskResult r = Run("findOneAndReplace", R"({"Filter": {"n": 3}, "Replacement": {"n": 3},
      "Options": {"projection": {"_id": 0, "n": 1}, "returnDocument": "After"}})");
  ASSERT_TRUE(r.outcome.ok) << r.outcome.cause;
  EXPECT_EQ(common::SerializeJson(r.outcome.result), R"({"Document":{"n":3}})");
  ASSERT_EQ(r.touched.size(), 1u);
  EXPECT_EQ(Text(r.touched[0].ids), "[3]");
  EXPECT_EQ(r.touched[0].operation, "findOneAndReplace");

  t = One("findOneAndDelete", R"({"Filter": {"n": 1}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), "[1]");
  t = One("findOneAndDelete", R"({"Filter": {"n": 1}})");
  EXPECT_EQ(t.count, 0);
  EXPECT_TRUE(t.ids.empty());

  // An upsert answering the document before it (none) names the upserted _id.
  t = One(
      "findOneAndUpdate",
      R"({"Filter": {"_id": "up"}, "Update": {"$set": {"n": 1}}, "Options": {"upsert": true}})");
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(Text(t.ids), R"(["up"])");
}

TEST_F(MongoDbTouchedTest, BulkWriteListsInsertedAndUpsertedIds) {
  Seed(1, 4);
  MongoDbTaskResult r = Run("bulkWrite", R"({"Operations": [
      {"insertOne": {"Document": {"n": 10}}},
      {"insertOne": {"Document": {"_id": "b", "n": 11}}},
      {"updateOne": {"Filter": {"_id": "u"}, "Update": {"$set": {"n": 12}}, "Upsert": true}},
      {"updateMany": {"Filter": {"n": {"$lte": 2}}, "Update": {"$set": {"m": 1}}}},
      {"deleteOne": {"Filter": {"n": 3}}}]})");
  ASSERT_TRUE(r.outcome.ok) << r.outcome.cause;
  ASSERT_EQ(r.touched.size(), 1u);
  const DataTouched& t = r.touched[0];
  EXPECT_EQ(t.operation, "bulkWrite");
  EXPECT_EQ(t.count, 2 + 2 + 1 + 1);  // inserted + matched + deleted + upserted
  ASSERT_EQ(t.ids.size(), 3u);
  EXPECT_TRUE(t.ids[0].is_object() && t.ids[0].as_object().contains("$oid"));
  EXPECT_EQ(common::SerializeJson(t.ids[1]), R"("b")");
  EXPECT_EQ(common::SerializeJson(t.ids[2]), R"("u")");
  EXPECT_TRUE(t.ids_truncated);  // the updateMany's and deleteOne's documents are not named

  DataTouched inserts_only = One("bulkWrite", R"({"Operations": [
      {"insertOne": {"Document": {"_id": "c"}}},
      {"deleteOne": {"Filter": {"_id": "nothing"}}}]})");
  EXPECT_EQ(inserts_only.count, 1);
  EXPECT_EQ(Text(inserts_only.ids), R"(["c"])");
  EXPECT_FALSE(inserts_only.ids_truncated);
}

TEST_F(MongoDbTouchedTest, ArchiveNamesSourceAndTarget) {
  Seed(1, 6);
  std::string target = coll_ + "_archive";
  // Document 2 is in the target already: skipped (skipExisting), deleted from the source.
  json::object pre{{"Collection", target}, {"Document", json::object{{"_id", 2}}}};
  ASSERT_TRUE(Run("insertOne", common::SerializeJson(pre)).outcome.ok);
  json::object p{{"Filter", json::object{{"n", json::object{{"$lte", 3}}}}},
                 {"TargetCollection", target},
                 {"Options", json::object{{"skipExisting", true}}}};
  MongoDbTaskResult r = Run("archive", common::SerializeJson(p));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.cause;
  ASSERT_EQ(r.touched.size(), 2u);
  EXPECT_EQ(r.touched[0].ns, "shop." + coll_);
  EXPECT_EQ(r.touched[0].operation, "archive.delete");
  EXPECT_EQ(r.touched[0].count, 3);
  EXPECT_EQ(Text(r.touched[0].ids), "[1,2,3]");
  EXPECT_EQ(r.touched[1].ns, "shop." + target);
  EXPECT_EQ(r.touched[1].operation, "archive.insert");
  EXPECT_EQ(r.touched[1].count, 2);
  EXPECT_EQ(Text(r.touched[1].ids), "[1,3]");

  // Nothing left to move: both entries, counting nothing.
  r = Run("archive", common::SerializeJson(p));
  ASSERT_EQ(r.touched.size(), 2u);
  EXPECT_EQ(r.touched[0].count, 0);
  EXPECT_EQ(r.touched[1].count, 0);
}

TEST_F(MongoDbTouchedTest, FailuresTouchNothing) {
  Seed(1, 2);
  MongoDbTaskResult r = Run("insertOne", R"({"Document": {"_id": 1}})");
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_TRUE(r.touched.empty());
  r = Run("updateOne", R"({"Filter": {"_id": 1}})");  // no Update
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_TRUE(r.touched.empty());
}

TEST_F(MongoDbTouchedTest, WaitForTaskTokenNamesTheOperation) {
  MongoDbTaskResult r = Run("insertOne.waitForTaskToken", R"({"Document": {"_id": 5}})");
  ASSERT_EQ(r.touched.size(), 1u);
  EXPECT_EQ(r.touched[0].operation, "insertOne");
}

}  // namespace
}  // namespace tactus::tasks
