// The embedded store's aggregation framework through libmongoc: the aggregate command with
// cursors, every stage, $out/$merge, pipeline-style updates, memory limits and spilling, and the
// agreement of find's date filters with $expr's date arithmetic.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace commands {
// docdb/commands/aggregate_command.h (not included: its BsonPtr and ToJson clash with the
// fixture's).
void SetStageMemoryLimitForTesting(std::int64_t bytes);
}  // namespace commands

namespace {

class DocdbMongocAggregateTest : public StoreTest {
 protected:
  // Runs `pipeline` on `coll` and returns the documents as relaxed JSON; "error <code>" on
  // failure.
  std::vector<std::string> Agg(const char* coll, const std::string& pipeline,
                               const std::string& opts = "{}") {
    auto c = Collection(coll);
    CursorPtr cursor(mongoc_collection_aggregate(c.get(), MONGOC_QUERY_NONE, Json(pipeline).get(),
                                                 Json(opts).get(), nullptr));
    std::vector<std::string> out;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) out.push_back(ToJson(doc));
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error)) {
      return {"error " + std::to_string(error.code) + ": " + error.message};
    }
    return out;
  }

  void Insert(const char* coll, const std::vector<std::string>& docs) {
    std::vector<BsonPtr> parsed;
    for (const auto& d : docs) parsed.push_back(Json(d));
    auto c = Collection(coll);
    InsertMany(c.get(), parsed);
  }

  void SeedSales() {
    Insert("sales", {R"({"_id": 1, "item": "a", "qty": 2, "price": 10, "tags": ["x", "y"]})",
                     R"({"_id": 2, "item": "b", "qty": 1, "price": 20, "tags": []})",
                     R"({"_id": 3, "item": "a", "qty": 5, "price": 10, "tags": ["y"]})",
                     R"({"_id": 4, "item": "c", "qty": 3, "price": 5})"});
  }
};

using V = std::vector<std::string>;

TEST_F(DocdbMongocAggregateTest, MatchGroupSort) {
  SeedSales();
  EXPECT_EQ(
      Agg("sales", R"([{"$match": {"price": {"$gte": 10}}},
      {"$group": {"_id": "$item", "total": {"$sum": {"$multiply": ["$qty", "$price"]}},
                  "n": {"$count": {}}, "avg": {"$avg": "$qty"}, "max": {"$max": "$qty"},
                  "first": {"$first": "$_id"}, "ids": {"$push": "$_id"}}},
      {"$sort": {"_id": 1}}])"),
      (V{R"({ "_id" : "a", "total" : 70, "n" : 2, "avg" : 3.5, "max" : 5, "first" : 1, "ids" : [ 1, 3 ] })",
         R"({ "_id" : "b", "total" : 20, "n" : 1, "avg" : 1.0, "max" : 1, "first" : 2, "ids" : [ 2 ] })"}));
  // Compound _id and $addToSet.
  EXPECT_EQ(Agg("sales", R"([{"$group": {"_id": {"p": "$price"}, "items": {"$addToSet": "$item"}}},
      {"$sort": {"_id.p": -1}}, {"$limit": 1}])"),
            (V{R"({ "_id" : { "p" : 20 }, "items" : [ "b" ] })"}));
  // A missing collection aggregates to nothing.
  EXPECT_EQ(Agg("nope", R"([{"$group": {"_id": null, "n": {"$sum": 1}}}])"), V{});
}

TEST_F(DocdbMongocAggregateTest, BatchSizeAndGetMore) {
  auto c = Collection("many");
  InsertNumbered(c.get(), 250, R"(, "k": 1)");
  auto docs =
      Agg("many", R"([{"$match": {"k": 1}}, {"$project": {"_id": 1}}])", R"({"batchSize": 7})");
  ASSERT_EQ(docs.size(), 250u);
  EXPECT_EQ(docs[249], R"({ "_id" : 249 })");
  // countDocuments is an aggregate in every driver.
  bson_error_t error;
  EXPECT_EQ(mongoc_collection_count_documents(c.get(), Json(R"({"_id": {"$lt": 100}})").get(),
                                              nullptr, nullptr, nullptr, &error),
            100)
      << error.message;
}

TEST_F(DocdbMongocAggregateTest, ShapingStages) {
  SeedSales();
  EXPECT_EQ(
      Agg("sales",
          R"([{"$match": {"_id": 1}}, {"$project": {"item": 1, "cost": {"$multiply": ["$qty", "$price"]}}}])"),
      (V{R"({ "_id" : 1, "item" : "a", "cost" : 20 })"}));
  EXPECT_EQ(Agg("sales", R"([{"$match": {"_id": 1}}, {"$project": {"tags": 0, "_id": 0}}])"),
            (V{R"({ "item" : "a", "qty" : 2, "price" : 10 })"}));
  EXPECT_EQ(
      Agg("sales",
          R"([{"$match": {"_id": 4}}, {"$set": {"qty": {"$add": ["$qty", 1]}, "meta.seen": true}}, {"$unset": ["price", "item"]}])"),
      (V{R"({ "_id" : 4, "qty" : 4, "meta" : { "seen" : true } })"}));
  EXPECT_EQ(Agg("sales", R"([{"$match": {"_id": 1}}, {"$replaceWith": {"i": "$item"}}])"),
            (V{R"({ "i" : "a" })"}));
  EXPECT_EQ(
      Agg("sales",
          R"([{"$match": {"_id": 1}}, {"$replaceRoot": {"newRoot": {"$mergeObjects": [{"z": 0}, {"q": "$qty"}]}}}])"),
      (V{R"({ "z" : 0, "q" : 2 })"}));
  EXPECT_EQ(Agg("sales", R"([{"$count": "n"}])"), (V{R"({ "n" : 4 })"}));
  EXPECT_EQ(
      Agg("sales",
          R"([{"$sort": {"_id": -1}}, {"$skip": 1}, {"$limit": 2}, {"$project": {"_id": 1}}])"),
      (V{R"({ "_id" : 3 })", R"({ "_id" : 2 })"}));
  auto bad = Agg("sales", R"([{"$match": {"_id": 1}}, {"$replaceWith": "$item"}])");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].substr(0, 12), "error 40228:");
}

TEST_F(DocdbMongocAggregateTest, Unwind) {
  SeedSales();
  EXPECT_EQ(Agg("sales", R"([{"$unwind": "$tags"}, {"$project": {"tags": 1}}])"),
            (V{R"({ "_id" : 1, "tags" : "x" })", R"({ "_id" : 1, "tags" : "y" })",
               R"({ "_id" : 3, "tags" : "y" })"}));
  EXPECT_EQ(
      Agg("sales",
          R"([{"$unwind": {"path": "$tags", "includeArrayIndex": "i", "preserveNullAndEmptyArrays": true}},
                             {"$project": {"tags": 1, "i": 1}}])"),
      (V{R"({ "_id" : 1, "tags" : "x", "i" : 0 })", R"({ "_id" : 1, "tags" : "y", "i" : 1 })",
         R"({ "_id" : 2, "i" : null })", R"({ "_id" : 3, "tags" : "y", "i" : 0 })",
         R"({ "_id" : 4, "i" : null })"}));
}

TEST_F(DocdbMongocAggregateTest, SortByCountBucketFacetSample) {
  SeedSales();
  EXPECT_EQ(Agg("sales", R"([{"$sortByCount": "$item"}, {"$limit": 1}])"),
            (V{R"({ "_id" : "a", "count" : 2 })"}));
  EXPECT_EQ(Agg("sales",
                R"([{"$bucket": {"groupBy": "$price", "boundaries": [0, 10, 15], "default": "other",
                                          "output": {"n": {"$sum": 1}, "items": {"$push": "$item"}}}}])"),
            (V{R"({ "_id" : 0, "n" : 1, "items" : [ "c" ] })",
               R"({ "_id" : 10, "n" : 2, "items" : [ "a", "a" ] })",
               R"({ "_id" : "other", "n" : 1, "items" : [ "b" ] })"}));
  EXPECT_EQ(
      Agg("sales",
          R"([{"$facet": {"count": [{"$count": "n"}], "cheap": [{"$match": {"price": {"$lt": 10}}}, {"$project": {"_id": 1}}]}}])"),
      (V{R"({ "count" : [ { "n" : 4 } ], "cheap" : [ { "_id" : 4 } ] })"}));
  EXPECT_EQ(Agg("sales", R"([{"$sample": {"size": 3}}, {"$count": "n"}])"), (V{R"({ "n" : 3 })"}));
  auto bad = Agg("sales", R"([{"$bucket": {"groupBy": "$price", "boundaries": [0, 10]}}])");
  EXPECT_EQ(bad[0].substr(0, 12), "error 40066:");
}

TEST_F(DocdbMongocAggregateTest, Lookup) {
  Insert("orders",
         {R"({"_id": 1, "cust": "c1", "amount": 5})", R"({"_id": 2, "cust": "c2", "amount": 7})",
          R"({"_id": 3, "cust": "c9", "amount": 1})"});
  Insert("customers", {R"({"_id": "c1", "name": "Ann"})", R"({"_id": "c2", "name": "Bob"})"});
  EXPECT_EQ(
      Agg("orders",
          R"([{"$lookup": {"from": "customers", "localField": "cust", "foreignField": "_id", "as": "c"}},
                              {"$project": {"n": {"$first": "$c.name"}}}])"),
      (V{R"({ "_id" : 1, "n" : "Ann" })", R"({ "_id" : 2, "n" : "Bob" })", R"({ "_id" : 3 })"}));
  EXPECT_EQ(Agg("customers", R"([{"$lookup": {"from": "orders", "let": {"id": "$_id"},
                                   "pipeline": [{"$match": {"$expr": {"$eq": ["$cust", "$$id"]}}},
                                                {"$group": {"_id": null, "total": {"$sum": "$amount"}}}],
                                   "as": "t"}}, {"$project": {"t.total": 1}}])"),
            (V{R"({ "_id" : "c1", "t" : [ { "total" : 5 } ] })",
               R"({ "_id" : "c2", "t" : [ { "total" : 7 } ] })"}));
  // $unionWith appends another collection.
  EXPECT_EQ(
      Agg("customers",
          R"([{"$unionWith": {"coll": "orders", "pipeline": [{"$count": "orders"}]}}, {"$project": {"name": 0}}])"),
      (V{R"({ "_id" : "c1" })", R"({ "_id" : "c2" })", R"({ "orders" : 3 })"}));
}

TEST_F(DocdbMongocAggregateTest, LetNowAndCollectionless) {
  SeedSales();
  EXPECT_EQ(Agg("sales",
                R"([{"$match": {"$expr": {"$gt": ["$qty", "$$min"]}}}, {"$project": {"_id": 1}}])",
                R"({"let": {"min": 2}})"),
            (V{R"({ "_id" : 3 })", R"({ "_id" : 4 })"}));
  // aggregate: 1 with $documents.
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunCommand(R"({"aggregate": 1, "pipeline": [{"$documents": [{"a": 1}, {"a": 2}]},
                             {"$group": {"_id": null, "s": {"$sum": "$a"}}}], "cursor": {}})",
                         &reply, &error))
      << error.message;
  EXPECT_EQ(GetJson(reply.get(), "cursor.firstBatch"), R"({ "0" : { "_id" : null, "s" : 3 } })");
  EXPECT_FALSE(RunCommand(R"({"aggregate": 1, "pipeline": [{"$match": {}}], "cursor": {}})", &reply,
                          &error));
  EXPECT_EQ(error.code, 73u);
  EXPECT_FALSE(RunCommand(R"({"aggregate": "sales", "pipeline": [{"$bogus": {}}], "cursor": {}})",
                          &reply, &error));
  EXPECT_EQ(error.code, 40324u);
  EXPECT_FALSE(RunCommand(
      R"({"aggregate": "sales", "pipeline": [{"$project": {"x": {"$foo": 1}}}], "cursor": {}})",
      &reply, &error));
  EXPECT_EQ(error.code, 168u);
  EXPECT_FALSE(RunCommand(R"({"aggregate": "sales", "pipeline": []})", &reply, &error));
  EXPECT_EQ(error.code, 9u);
}

TEST_F(DocdbMongocAggregateTest, ExplainUsesTheIndex) {
  SeedSales();
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunCommand(
      R"({"createIndexes": "sales", "indexes": [{"key": {"item": 1}, "name": "item_1"}]})", &reply,
      &error));
  ASSERT_TRUE(
      RunCommand(R"({"aggregate": "sales", "pipeline": [{"$match": {"item": "a"}}, {"$count": "n"}],
                             "explain": true})",
                 &reply, &error))
      << error.message;
  EXPECT_EQ(GetString(reply.get(), "queryPlanner.winningPlan.stage"), "IXSCAN");
  EXPECT_EQ(GetJson(reply.get(), "stages"), R"({ "0" : { "$count" : "n" } })");
}

TEST_F(DocdbMongocAggregateTest, FindAndExprAgreeOnDates) {
  // Documents 0..59 days old; both filters select those older than 30 days.
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::vector<std::string> docs;
  for (int d = 0; d < 60; ++d) {
    std::int64_t at = now - static_cast<std::int64_t>(d) * 86400000 - 3600000;
    docs.push_back(R"({"_id": )" + std::to_string(d) +
                   R"(, "createdAt": {"$date": {"$numberLong": ")" + std::to_string(at) +
                   R"("}}})");
  }
  Insert("events", docs);
  std::int64_t cutoff = now - 30LL * 86400000;
  auto c = Collection("events");
  auto by_find = DrainIds(Find(c.get(), R"({"createdAt": {"$lt": {"$date": {"$numberLong": ")" +
                                            std::to_string(cutoff) + R"("}}}})")
                              .get());
  auto by_expr = DrainIds(
      Find(
          c.get(),
          R"({"$expr": {"$lt": ["$createdAt", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 30}}]}})")
          .get());
  EXPECT_EQ(by_find, Range(30, 60));
  EXPECT_EQ(by_expr, by_find);
  auto by_agg = Agg(
      "events",
      R"([{"$match": {"$expr": {"$lt": ["$createdAt", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 30}}]}}}, {"$count": "n"}])");
  EXPECT_EQ(by_agg, (V{R"({ "n" : 30 })"}));
}

TEST_F(DocdbMongocAggregateTest, OutReplacesTheTargetAtomically) {
  SeedSales();
  Insert("report", {R"({"_id": "stale"})"});
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunCommand(
      R"({"createIndexes": "report", "indexes": [{"key": {"total": 1}, "name": "total_1"}]})",
      &reply, &error));
  EXPECT_EQ(Agg("sales",
                R"([{"$group": {"_id": "$item", "total": {"$sum": "$qty"}}}, {"$out": "report"}])"),
            V{});
  EXPECT_EQ(Agg("report", R"([{"$sort": {"_id": 1}}])"),
            (V{R"({ "_id" : "a", "total" : 7 })", R"({ "_id" : "b", "total" : 1 })",
               R"({ "_id" : "c", "total" : 3 })"}));
  ASSERT_TRUE(RunCommand(R"({"listIndexes": "report"})", &reply, &error));
  EXPECT_NE(ToJson(reply.get()).find("total_1"), std::string::npos);
  // Into another database.
  EXPECT_EQ(
      Agg("sales", R"([{"$match": {"_id": 1}}, {"$out": {"db": "OutOtherDb", "coll": "copy"}}])"),
      V{});
  auto other = CollectionPtr(mongoc_client_get_collection(client_.get(), "OutOtherDb", "copy"));
  EXPECT_EQ(DrainIds(Find(other.get(), "{}").get()), (std::vector<int64_t>{1}));
  // A failing $out (duplicate _id) leaves the target as it was.
  auto bad = Agg("sales", R"([{"$project": {"_id": {"$literal": 1}}}, {"$out": "report"}])");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].substr(0, 12), "error 11000:");
  EXPECT_EQ(Count("report"), 3);
  EXPECT_EQ(Agg("sales", R"([{"$out": "x"}, {"$match": {}}])")[0].substr(0, 12), "error 40601:");
}

TEST_F(DocdbMongocAggregateTest, OutIsRefusedInATransaction) {
  SeedSales();
  bson_error_t error;
  SessionPtr session(mongoc_client_start_session(client_.get(), nullptr, &error));
  ASSERT_NE(session, nullptr) << error.message;
  ASSERT_TRUE(mongoc_client_session_start_transaction(session.get(), nullptr, &error))
      << error.message;
  BsonPtr opts = Json("{}");
  ASSERT_TRUE(mongoc_client_session_append(session.get(), opts.get(), &error));
  auto c = Collection("sales");
  CursorPtr cursor(mongoc_collection_aggregate(
      c.get(), MONGOC_QUERY_NONE, Json(R"([{"$out": "t"}])").get(), opts.get(), nullptr));
  const bson_t* doc;
  EXPECT_FALSE(mongoc_cursor_next(cursor.get(), &doc));
  ASSERT_TRUE(mongoc_cursor_error(cursor.get(), &error));
  EXPECT_EQ(error.code, 263u);
  mongoc_client_session_abort_transaction(session.get(), nullptr);
}

TEST_F(DocdbMongocAggregateTest, MergeModes) {
  Insert("src", {R"({"_id": 1, "v": 10})", R"({"_id": 2, "v": 20})"});
  Insert("dst", {R"({"_id": 1, "v": 1, "keep": true})"});
  EXPECT_EQ(Agg("src", R"([{"$merge": {"into": "dst"}}])"), V{});
  EXPECT_EQ(Agg("dst", "[]"),
            (V{R"({ "_id" : 1, "v" : 10, "keep" : true })", R"({ "_id" : 2, "v" : 20 })"}));
  EXPECT_EQ(
      Agg("src", R"([{"$set": {"v": 99}}, {"$merge": {"into": "dst", "whenMatched": "replace"}}])"),
      V{});
  EXPECT_EQ(Agg("dst", "[]"), (V{R"({ "_id" : 1, "v" : 99 })", R"({ "_id" : 2, "v" : 99 })"}));
  EXPECT_EQ(Agg("src", R"([{"$merge": {"into": "dst", "whenMatched": "keepExisting"}}])"), V{});
  EXPECT_EQ(Agg("dst", "[]")[0], R"({ "_id" : 1, "v" : 99 })");
  EXPECT_EQ(
      Agg("src",
          R"([{"$merge": {"into": "dst", "whenMatched": [{"$set": {"v": {"$add": ["$v", "$$new.v"]}}}]}}])"),
      V{});
  EXPECT_EQ(Agg("dst", "[]"), (V{R"({ "_id" : 1, "v" : 109 })", R"({ "_id" : 2, "v" : 119 })"}));
  EXPECT_EQ(Agg("src", R"([{"$merge": {"into": "dst", "whenMatched": "fail"}}])")[0].substr(0, 12),
            "error 11000:");
  EXPECT_EQ(
      Agg("src",
          R"([{"$set": {"_id": {"$add": ["$_id", 10]}}}, {"$merge": {"into": "dst", "whenNotMatched": "discard"}}])"),
      V{});
  EXPECT_EQ(Count("dst"), 2);
  EXPECT_EQ(
      Agg("src",
          R"([{"$set": {"_id": 50}}, {"$merge": {"into": "dst", "whenNotMatched": "fail"}}])")[0]
          .substr(0, 12),
      "error 13113:");
  // $merge into the collection it reads sees only the documents that were there before.
  EXPECT_EQ(
      Agg("src", R"([{"$set": {"_id": {"$add": ["$_id", 100]}}}, {"$merge": {"into": "src"}}])"),
      V{});
  EXPECT_EQ(Count("src"), 4);
  // `on` a non-_id field.
  Insert("byname", {R"({"_id": 7, "name": "x", "n": 1})"});
  EXPECT_EQ(
      Agg("src",
          R"([{"$match": {"_id": 1}}, {"$project": {"_id": 0, "name": "x", "n": {"$literal": 5}}},
                           {"$merge": {"into": "byname", "on": "name"}}])"),
      V{});
  EXPECT_EQ(Agg("byname", "[]"), (V{R"({ "_id" : 7, "name" : "x", "n" : 5 })"}));
}

TEST_F(DocdbMongocAggregateTest, ArchiveToColdStorage) {
  // Events older than 90 days move to the archive database; the rest stay.
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::vector<std::string> docs;
  for (int d = 0; d < 200; d += 10) {
    docs.push_back(R"({"_id": )" + std::to_string(d) +
                   R"(, "kind": "click", "at": {"$date": {"$numberLong": ")" +
                   std::to_string(now - static_cast<std::int64_t>(d) * 86400000 - 1000) +
                   R"("}}})");
  }
  Insert("events", docs);
  auto archived = Agg("events", R"([
      {"$match": {"$expr": {"$lt": ["$at", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 90}}]}}},
      {"$set": {"archivedAt": "$$NOW", "month": {"$dateToString": {"date": "$at", "format": "%Y-%m"}}}},
      {"$merge": {"into": {"db": "ColdStorage", "coll": "events"}, "whenMatched": "keepExisting"}}])");
  EXPECT_EQ(archived, V{});
  auto cold = CollectionPtr(mongoc_client_get_collection(client_.get(), "ColdStorage", "events"));
  auto ids = DrainIds(Find(cold.get(), "{}", R"({"sort": {"_id": 1}})").get());
  std::vector<int64_t> expected;
  for (int d = 90; d < 200; d += 10) expected.push_back(d);  // 90 days and a second is older
  EXPECT_EQ(ids, expected);
  // Then delete what was archived; running the archive again changes nothing.
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(
      RunCommand(R"({"delete": "events", "deletes": [{"q": {"_id": {"$gte": 90}}, "limit": 0}]})",
                 &reply, &error));
  EXPECT_EQ(Count("events"), 9);
}

TEST_F(DocdbMongocAggregateTest, MemoryLimitAndSpill) {
  auto c = Collection("big");
  std::vector<BsonPtr> docs;
  for (int i = 0; i < 2000; ++i) {
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "g": )" + std::to_string(i % 500) +
                        R"(, "pad": "................................................"})"));
  }
  InsertMany(c.get(), docs);
  commands::SetStageMemoryLimitForTesting(16 * 1024);
  auto no_disk = Agg("big", R"([{"$sort": {"g": -1, "_id": 1}}])");
  ASSERT_EQ(no_disk.size(), 1u);
  EXPECT_EQ(no_disk[0].substr(0, 10), "error 292:");
  EXPECT_EQ(Agg("big", R"([{"$group": {"_id": "$g", "n": {"$sum": 1}}}])")[0].substr(0, 10),
            "error 292:");
  auto sorted = Agg("big", R"([{"$sort": {"g": -1, "_id": 1}}, {"$project": {"_id": 1}}])",
                    R"({"allowDiskUse": true})");
  auto grouped = Agg(
      "big",
      R"([{"$group": {"_id": "$g", "n": {"$sum": 1}, "first": {"$first": "$_id"}, "ids": {"$push": "$_id"}}},
                                {"$match": {"_id": {"$in": [0, 499]}}}, {"$sort": {"_id": 1}}])",
      R"({"allowDiskUse": true})");
  // A sort with $limit keeps only the top k, within the limit.
  auto top =
      Agg("big", R"([{"$sort": {"g": -1, "_id": 1}}, {"$limit": 2}, {"$project": {"_id": 1}}])");
  commands::SetStageMemoryLimitForTesting(0);
  ASSERT_EQ(sorted.size(), 2000u);
  EXPECT_EQ(sorted[0], R"({ "_id" : 499 })");
  EXPECT_EQ(sorted[1], R"({ "_id" : 999 })");
  EXPECT_EQ(sorted[1999], R"({ "_id" : 1500 })");
  EXPECT_EQ(grouped,
            (V{R"({ "_id" : 0, "n" : 4, "first" : 0, "ids" : [ 0, 500, 1000, 1500 ] })",
               R"({ "_id" : 499, "n" : 4, "first" : 499, "ids" : [ 499, 999, 1499, 1999 ] })"}));
  EXPECT_EQ(top, (V{R"({ "_id" : 499 })", R"({ "_id" : 999 })"}));
}

TEST_F(DocdbMongocAggregateTest, PipelineUpdates) {
  Insert("u", {R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 2, "a": 5, "b": 5})"});
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(RunCommand(R"({"update": "u", "updates": [
      {"q": {}, "u": [{"$set": {"sum": {"$add": ["$a", "$b"]}, "at": "$$NOW"}}, {"$unset": "b"}], "multi": true},
      {"q": {"_id": 9}, "u": [{"$set": {"made": true}}], "upsert": true}]})",
                         &reply, &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "nModified"), 2);
  EXPECT_EQ(Agg("u", R"([{"$project": {"at": 0}}])"),
            (V{R"({ "_id" : 1, "a" : 1, "sum" : 3 })", R"({ "_id" : 2, "a" : 5, "sum" : 10 })",
               R"({ "_id" : 9, "made" : true })"}));
  ASSERT_TRUE(RunCommand(R"({"findAndModify": "u", "query": {"_id": 1}, "new": true,
                             "update": [{"$replaceWith": {"$mergeObjects": ["$$ROOT", {"r": {"$multiply": ["$a", 10]}}]}}]})",
                         &reply, &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "value.r"), 10);
  EXPECT_EQ(GetInt(reply.get(), "value.sum"), 3);
  ASSERT_TRUE(RunCommand(
      R"({"update": "u", "updates": [{"q": {}, "u": [{"$group": {"_id": 1}}]}]})", &reply, &error));
  EXPECT_EQ(GetInt(reply.get(), "writeErrors.0.code"), 72);
  // _id cannot change.
  ASSERT_TRUE(
      RunCommand(R"({"update": "u", "updates": [{"q": {"_id": 2}, "u": [{"$set": {"_id": 3}}]}]})",
                 &reply, &error));
  EXPECT_EQ(GetInt(reply.get(), "writeErrors.0.code"), 66);
}

}  // namespace
}  // namespace tactus::docdb
