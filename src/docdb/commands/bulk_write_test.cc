// bulkWrite through the dispatcher, as a driver observes it: mixed namespaces of two databases,
// per-op results and their BSON types, ordered and unordered errors, errorsOnly, the request's
// validation, OP_MSG document sequences, transactions and retryable writes.
#include <string>
#include <utility>
#include <vector>

#include "docdb/commands/dispatcher_fixture.h"
#include "docdb/wire/byte_order.h"
#include "docdb/wire/message.h"

namespace tactus::docdb::commands {
namespace {

class BulkWriteTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    db_ = "admin";
  }

  // The documents of db.coll in _id order, as (legacy) JSON.
  std::string Contents(const std::string& db, const std::string& coll) {
    auto reply = RunOn(db, R"({"find": ")" + coll + R"(", "sort": {"_id": 1}})");
    bson_iter_t batch;
    if (!Find(reply, "cursor.firstBatch", &batch)) return "<no cursor>";
    std::uint32_t len = 0;
    const std::uint8_t* data = nullptr;
    bson_iter_array(&batch, &len, &data);
    bson_t docs;
    bson_init_static(&docs, data, len);
    char* json = bson_array_as_json(&docs, nullptr);
    std::string out = json != nullptr ? json : "<invalid>";
    bson_free(json);
    return out;
  }
};

TEST_F(BulkWriteTest, MixedNamespacesOfTwoDatabasesInOneCommand) {
  RunOn("shop",
        R"({"insert": "orders", "documents": [{"_id": 1, "qty": 1}, {"_id": 2, "qty": 2}]})");
  RunOn("crm", R"({"insert": "customers", "documents": [{"_id": "a"}, {"_id": "b"}]})");
  auto reply = Run(R"({"bulkWrite": 1, "ops": [
      {"insert": 0, "document": {"_id": 3, "qty": 3}},
      {"update": 0, "filter": {"qty": {"$gte": 2}}, "updateMods": {"$inc": {"qty": 10}},
       "multi": true},
      {"update": 0, "filter": {"_id": 1}, "updateMods": {"$set": {"qty": 1}}},
      {"delete": 1, "filter": {"_id": "a"}},
      {"insert": 2, "document": {"_id": 1, "kind": "audit"}}],
    "nsInfo": [{"ns": "shop.orders"}, {"ns": "crm.customers"}, {"ns": "crm.events"}]})");
  ASSERT_EQ(Ok(reply), 1.0) << ToJson(reply.get());
  EXPECT_EQ(Type(reply, "ok"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(Type(reply, "cursor.id"), BSON_TYPE_INT64);
  EXPECT_EQ(Int(reply, "cursor.id"), 0);
  EXPECT_EQ(Str(reply, "cursor.ns"), "admin.$cmd.bulkWrite");
  for (const char* count :
       {"nErrors", "nInserted", "nMatched", "nModified", "nUpserted", "nDeleted"}) {
    EXPECT_EQ(Type(reply, count), BSON_TYPE_INT32) << count;
  }
  EXPECT_EQ(Int(reply, "nErrors"), 0);
  EXPECT_EQ(Int(reply, "nInserted"), 2);
  EXPECT_EQ(Int(reply, "nMatched"), 3);   // _id 2 and 3, then _id 1 (already qty 1)
  EXPECT_EQ(Int(reply, "nModified"), 2);  // the $set changed nothing
  EXPECT_EQ(Int(reply, "nUpserted"), 0);
  EXPECT_EQ(Int(reply, "nDeleted"), 1);

  EXPECT_EQ(Type(reply, "cursor.firstBatch.0.ok"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.0.idx"), BSON_TYPE_INT32);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.0.n"), BSON_TYPE_INT32);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.0.nModified"), BSON_TYPE_EOD);  // updates only
  EXPECT_EQ(Int(reply, "cursor.firstBatch.1.idx"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.1.n"), 2);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.1.nModified"), BSON_TYPE_INT32);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.1.nModified"), 2);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.2.n"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.2.nModified"), 0);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.3.n"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.4.idx"), 4);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.5"), BSON_TYPE_EOD);

  EXPECT_EQ(
      Contents("shop", "orders"),
      R"([ { "_id" : 1, "qty" : 1 }, { "_id" : 2, "qty" : 12 }, { "_id" : 3, "qty" : 13 } ])");
  EXPECT_EQ(Contents("crm", "customers"), R"([ { "_id" : "b" } ])");
  EXPECT_EQ(Contents("crm", "events"), R"([ { "_id" : 1, "kind" : "audit" } ])");
}

TEST_F(BulkWriteTest, UpsertsReportTheirIdAndCreateTheCollection) {
  auto reply = Run(R"({"bulkWrite": 1, "ops": [
      {"update": 0, "filter": {"_id": "lease"}, "updateMods": {"$set": {"owner": "w1"}},
       "upsert": true},
      {"update": 0, "filter": {"_id": "other"}, "updateMods": {"owner": "w2"}, "upsert": true},
      {"update": 0, "filter": {"_id": "lease"}, "updateMods": {"$set": {"owner": "w3"}},
       "upsert": true},
      {"update": 1, "filter": {"_id": 1}, "updateMods": {"$set": {"x": 1}}}],
    "nsInfo": [{"ns": "jobs.leases"}, {"ns": "jobs.missing"}]})");
  ASSERT_EQ(Ok(reply), 1.0) << ToJson(reply.get());
  EXPECT_EQ(Str(reply, "cursor.firstBatch.0.upserted._id"), "lease");
  EXPECT_EQ(Int(reply, "cursor.firstBatch.0.n"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.0.nModified"), 0);
  EXPECT_EQ(Str(reply, "cursor.firstBatch.1.upserted._id"), "other");  // a replacement keeps it
  EXPECT_EQ(Type(reply, "cursor.firstBatch.2.upserted"), BSON_TYPE_EOD);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.2.nModified"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.3.n"), 0);
  EXPECT_EQ(Int(reply, "nUpserted"), 2);
  EXPECT_EQ(Int(reply, "nMatched"), 1);  // upserts are not matches
  EXPECT_EQ(Contents("jobs", "leases"),
            R"([ { "_id" : "lease", "owner" : "w3" }, { "_id" : "other", "owner" : "w2" } ])");
  // An update without upsert does not create its collection.
  auto listed = RunOn("jobs", R"({"listCollections": 1, "filter": {"name": "missing"}})");
  EXPECT_EQ(Type(listed, "cursor.firstBatch.0"), BSON_TYPE_EOD);
}

TEST_F(BulkWriteTest, OrderedStopsAtTheFirstErrorUnorderedGoesOn) {
  RunOn("shop", R"({"insert": "orders", "documents": [{"_id": 1}]})");
  const std::string ops = R"("ops": [
      {"insert": 0, "document": {"_id": 2}},
      {"insert": 0, "document": {"_id": 1}},
      {"delete": 1, "filter": {"_id": 1}},
      {"insert": 0, "document": {"_id": 3}}],
    "nsInfo": [{"ns": "shop.orders"}, {"ns": "shop.orders"}])";
  auto ordered = Run(R"({"bulkWrite": 1, )" + ops + "}");
  ASSERT_EQ(Ok(ordered), 1.0) << ToJson(ordered.get());
  EXPECT_EQ(Int(ordered, "nErrors"), 1);
  EXPECT_EQ(Int(ordered, "nInserted"), 1);
  EXPECT_EQ(Int(ordered, "cursor.firstBatch.1.ok"), 0);
  EXPECT_EQ(Type(ordered, "cursor.firstBatch.1.ok"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(Int(ordered, "cursor.firstBatch.1.idx"), 1);
  EXPECT_EQ(Int(ordered, "cursor.firstBatch.1.code"), 11000);
  EXPECT_EQ(Str(ordered, "cursor.firstBatch.1.codeName"), "DuplicateKey");
  EXPECT_NE(Str(ordered, "cursor.firstBatch.1.errmsg"), "");
  EXPECT_EQ(Int(ordered, "cursor.firstBatch.1.keyPattern._id"), 1);
  EXPECT_EQ(Int(ordered, "cursor.firstBatch.1.keyValue._id"), 1);
  EXPECT_EQ(Type(ordered, "cursor.firstBatch.2"), BSON_TYPE_EOD);
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 1 }, { "_id" : 2 } ])");

  RunOn("shop", R"({"delete": "orders", "deletes": [{"q": {"_id": 2}, "limit": 0}]})");
  auto unordered = Run(R"({"bulkWrite": 1, "ordered": false, )" + ops + "}");
  ASSERT_EQ(Ok(unordered), 1.0) << ToJson(unordered.get());
  EXPECT_EQ(Int(unordered, "nErrors"), 1);
  EXPECT_EQ(Int(unordered, "nInserted"), 2);
  EXPECT_EQ(Int(unordered, "nDeleted"), 1);
  EXPECT_EQ(Int(unordered, "cursor.firstBatch.1.code"), 11000);
  EXPECT_EQ(Int(unordered, "cursor.firstBatch.3.idx"), 3);
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 2 }, { "_id" : 3 } ])");
}

TEST_F(BulkWriteTest, ErrorsOnlyListsOnlyTheFailedOps) {
  auto reply = Run(R"({"bulkWrite": 1, "errorsOnly": true, "ordered": false, "ops": [
      {"insert": 0, "document": {"_id": 1}},
      {"update": 0, "filter": {"_id": 1}, "updateMods": {"$bogus": {"a": 1}}},
      {"insert": 0, "document": {"_id": 2}}],
    "nsInfo": [{"ns": "shop.orders"}]})");
  ASSERT_EQ(Ok(reply), 1.0) << ToJson(reply.get());
  EXPECT_EQ(Int(reply, "cursor.firstBatch.0.idx"), 1);
  EXPECT_EQ(Int(reply, "cursor.firstBatch.0.ok"), 0);
  EXPECT_EQ(Str(reply, "cursor.firstBatch.0.codeName"), "FailedToParse");
  EXPECT_EQ(Type(reply, "cursor.firstBatch.1"), BSON_TYPE_EOD);
  EXPECT_EQ(Int(reply, "nErrors"), 1);
  EXPECT_EQ(Int(reply, "nInserted"), 2);
}

TEST_F(BulkWriteTest, MalformedRequestsNameTheOpAndFieldAndWriteNothing) {
  struct Case {
    std::string ops, ns_info;
    int code;
    std::string message;
  };
  const std::string good = R"({"insert": 0, "document": {"_id": 1}})";
  const std::string one_ns = R"([{"ns": "shop.orders"}])";
  const std::vector<Case> cases = {
      {good + R"(, {"insert": 1, "document": {}})", one_ns, 2,
       "BulkWrite ops entry 1 has an invalid nsInfo index"},
      {good + R"(, {"delete": -1, "filter": {}})", one_ns, 2, "ops entry 1 has an invalid"},
      {good + R"(, {"delete": 0.5, "filter": {}})", one_ns, 2, "ops entry 1 has an invalid"},
      {good + R"(, {"delete": "0", "filter": {}})", one_ns, 14, "'bulkWrite.ops.1.delete'"},
      {good + R"(, {"update": 0, "updateMods": {}})", one_ns, 40414,
       "'bulkWrite.ops.1.filter' is missing"},
      {good + R"(, {"update": 0, "filter": {}})", one_ns, 40414,
       "'bulkWrite.ops.1.updateMods' is missing"},
      {good + R"(, {"insert": 0})", one_ns, 40414, "'bulkWrite.ops.1.document' is missing"},
      {good + R"(, {"delete": 0, "filter": {}, "multi": "yes"})", one_ns, 14,
       "'bulkWrite.ops.1.multi' is the wrong type 'string', expected type 'bool'"},
      {good + R"(, {"update": 0, "filter": {}, "updateMods": 5})", one_ns, 14,
       "'bulkWrite.ops.1.updateMods'"},
      {good + R"(, {"insert": 0, "delete": 0, "document": {}})", one_ns, 9, "ops entry 1 must"},
      {good + R"(, {"filter": {}})", one_ns, 9, "ops entry 1 must"},
      {good + R"(, {"delete": 0, "filter": {}, "upsert": true})", one_ns, 40415,
       "'bulkWrite.ops.1.upsert' is an unknown field"},
      {good + R"(, {"update": 0, "filter": {}, "updateMods": {}, "let": {"a": 1}})", one_ns, 72,
       "'bulkWrite.ops.1.let' is not supported"},
      {good + R"(, {"update": 0, "filter": {}, "updateMods": {}, "multi": true, "sort": {"a": 1}})",
       one_ns, 72, "ops entry 1: cannot specify sort with multi=true"},
      {"", one_ns, 16, "Write batch sizes must be between 1 and 100000. Got 0 operations."},
      {good, R"([{"ns": "shop"}])", 73, "Invalid namespace specified 'shop'"},
      {good, R"([{"ns": "sh$op.orders"}])", 73, "Invalid namespace"},
      {good, R"([{}])", 40414, "'bulkWrite.nsInfo.0.ns' is missing"},
      {good, R"([{"ns": 5}])", 14, "'bulkWrite.nsInfo.0.ns'"},
      {good, R"([{"ns": "shop.orders", "collectionUUID": 1}])", 72, "collectionUUID"},
  };
  for (const auto& c : cases) {
    auto reply = Run(R"({"bulkWrite": 1, "ops": [)" + c.ops + R"(], "nsInfo": )" + c.ns_info + "}");
    EXPECT_EQ(Ok(reply), 0.0) << c.ops;
    EXPECT_EQ(Int(reply, "code"), c.code) << c.ops << " " << ToJson(reply.get());
    EXPECT_NE(Str(reply, "errmsg").find(c.message), std::string::npos)
        << c.ops << " " << Str(reply, "errmsg");
  }
  EXPECT_EQ(Int(Run(R"({"bulkWrite": 1, "nsInfo": []})"), "code"), 40414);
  EXPECT_EQ(Int(Run(R"({"bulkWrite": 1, "ops": [)" + good + "]}"), "code"), 40414);
  EXPECT_EQ(Int(Run(R"({"bulkWrite": 1, "ops": {}, "nsInfo": []})"), "code"), 14);
  EXPECT_EQ(Int(Run(R"({"bulkWrite": 1, "ordered": 1, "ops": [)" + good +
                    "], \"nsInfo\": " + one_ns + "}"),
                "code"),
            14);
  // The good first op of each refused request did not run.
  EXPECT_EQ(Contents("shop", "orders"), "[ ]");
}

TEST_F(BulkWriteTest, OnlyTheAdminDatabaseRunsIt) {
  auto reply = RunOn("shop", R"({"bulkWrite": 1, "ops": [{"insert": 0, "document": {}}],
                                 "nsInfo": [{"ns": "shop.orders"}]})");
  EXPECT_EQ(Int(reply, "code"), 13);
  EXPECT_EQ(Str(reply, "codeName"), "Unauthorized");
  EXPECT_EQ(Str(reply, "errmsg"), "bulkWrite may only be run against the admin database.");
}

// An OP_MSG of `body` (kind 0) and a kind-1 document sequence per (identifier, documents), as
// drivers send bulkWrite's ops and nsInfo.
std::string OpMsg(const std::string& body,
                  const std::vector<std::pair<std::string, std::vector<std::string>>>& sequences) {
  auto append = [](std::string* out, const std::string& json) {
    bson_error_t error;
    BsonPtr doc(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error));
    EXPECT_TRUE(doc) << error.message << " in " << json;
    out->append(reinterpret_cast<const char*>(bson_get_data(doc.get())), doc->len);
  };
  std::string msg(12, '\0');  // messageLength (set below), requestID, responseTo
  wire::AppendLe32(&msg, 2013);
  wire::AppendLe32(&msg, 0);  // flagBits
  msg.push_back('\0');
  append(&msg, body);
  for (const auto& [identifier, documents] : sequences) {
    std::string section(4, '\0');
    section += identifier;
    section.push_back('\0');
    for (const auto& d : documents) append(&section, d);
    wire::StoreLe32(reinterpret_cast<std::uint8_t*>(section.data()),
                    static_cast<std::uint32_t>(section.size()));
    msg.push_back('\1');
    msg += section;
  }
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(msg.data()),
                  static_cast<std::uint32_t>(msg.size()));
  return msg;
}

TEST_F(BulkWriteTest, OpsAndNsInfoMayComeAsDocumentSequences) {
  auto run = [&](const std::string& bytes) {
    auto request =
        wire::ParseMessage(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    EXPECT_TRUE(request.ok()) << request.error().message;
    return dispatcher_->Run(request.value().db, request.value().command.get(), 1, "peer", "local");
  };
  auto both = run(OpMsg(
      R"({"bulkWrite": 1, "$db": "admin"})",
      {{"ops",
        {R"({"insert": 0, "document": {"_id": 1}})", R"({"insert": 1, "document": {"_id": 2}})"}},
       {"nsInfo", {R"({"ns": "shop.a"})", R"({"ns": "crm.b"})"}}}));
  EXPECT_EQ(Int(both, "nInserted"), 2) << ToJson(both.get());
  // One sequence, the other field in the body.
  auto mixed = run(OpMsg(R"({"bulkWrite": 1, "$db": "admin", "nsInfo": [{"ns": "shop.a"}]})",
                         {{"ops", {R"({"delete": 0, "filter": {"_id": 1}})"}}}));
  EXPECT_EQ(Int(mixed, "nDeleted"), 1) << ToJson(mixed.get());
  EXPECT_EQ(Contents("shop", "a"), "[ ]");
  EXPECT_EQ(Contents("crm", "b"), R"([ { "_id" : 2 } ])");
}

TEST_F(BulkWriteTest, InsideATransactionCommitKeepsAllAndAbortDiscardsAll) {
  const std::string lsid(kLsid);
  const std::string ops = R"("ops": [{"insert": 0, "document": {"_id": 1}},
                                     {"insert": 1, "document": {"_id": 1}}],
                            "nsInfo": [{"ns": "shop.orders"}, {"ns": "crm.events"}])";
  auto first = Run(R"({"bulkWrite": 1, )" + ops + ", " + lsid +
                   R"(, "txnNumber": 1, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Int(first, "nInserted"), 2) << ToJson(first.get());
  EXPECT_EQ(Contents("shop", "orders"), "[ ]");  // not visible before the commit
  auto commit =
      Run(R"({"commitTransaction": 1, )" + lsid + R"(, "txnNumber": 1, "autocommit": false})");
  EXPECT_EQ(Ok(commit), 1.0) << ToJson(commit.get());
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 1 } ])");
  EXPECT_EQ(Contents("crm", "events"), R"([ { "_id" : 1 } ])");

  const std::string more = R"("ops": [{"insert": 0, "document": {"_id": 2}},
                                      {"delete": 1, "filter": {}, "multi": true}],
                             "nsInfo": [{"ns": "shop.orders"}, {"ns": "crm.events"}])";
  auto second = Run(R"({"bulkWrite": 1, )" + more + ", " + lsid +
                    R"(, "txnNumber": 2, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Int(second, "nDeleted"), 1) << ToJson(second.get());
  EXPECT_EQ(
      Ok(Run(R"({"abortTransaction": 1, )" + lsid + R"(, "txnNumber": 2, "autocommit": false})")),
      1.0);
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 1 } ])");
  EXPECT_EQ(Contents("crm", "events"), R"([ { "_id" : 1 } ])");
}

TEST_F(BulkWriteTest, AnErrorInsideATransactionEndsTheCommandAndAbortsIt) {
  const std::string lsid(kLsid);
  RunOn("shop", R"({"insert": "orders", "documents": [{"_id": 1}]})");
  auto reply = Run(R"({"bulkWrite": 1, "ordered": false, "ops": [
      {"insert": 0, "document": {"_id": 2}},
      {"insert": 0, "document": {"_id": 1}},
      {"insert": 0, "document": {"_id": 3}}],
    "nsInfo": [{"ns": "shop.orders"}], )" +
                   lsid + R"(, "txnNumber": 1, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Int(reply, "nErrors"), 1) << ToJson(reply.get());
  EXPECT_EQ(Int(reply, "cursor.firstBatch.1.code"), 11000);
  EXPECT_EQ(Type(reply, "cursor.firstBatch.2"), BSON_TYPE_EOD);  // unordered, yet it stopped
  auto commit =
      Run(R"({"commitTransaction": 1, )" + lsid + R"(, "txnNumber": 1, "autocommit": false})");
  EXPECT_EQ(Int(commit, "code"), 251);  // NoSuchTransaction: the error aborted it
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 1 } ])");
}

TEST_F(BulkWriteTest, ARetriedBulkWriteIsAnsweredNotAppliedAgain) {
  RunOn("shop", R"({"insert": "orders", "documents": [{"_id": 1, "n": 0}]})");
  const std::string command = R"({"bulkWrite": 1, "ops": [
      {"update": 0, "filter": {"_id": 1}, "updateMods": {"$inc": {"n": 1}}},
      {"insert": 1, "document": {"event": "bumped"}}],
    "nsInfo": [{"ns": "shop.orders"}, {"ns": "shop.events"}], )" +
                              std::string(kLsid) + R"(, "txnNumber": {"$numberLong": "4"}})";
  auto first = Run(command);
  auto retry = Run(command);
  EXPECT_EQ(ToJson(first.get()), ToJson(retry.get()));
  EXPECT_EQ(Contents("shop", "orders"), R"([ { "_id" : 1, "n" : 1 } ])");
  EXPECT_EQ(Int(RunOn("shop", R"({"count": "events"})"), "n"), 1);
}

}  // namespace
}  // namespace tactus::docdb::commands
