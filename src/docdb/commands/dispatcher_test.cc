// The dispatcher on a real store, without a network: command lookup, error replies, cursors,
// transactions' state machine and retryable writes, as a driver would observe them.
#include <atomic>
#include <thread>

#include "docdb/commands/dispatcher_fixture.h"

namespace tactus::docdb::commands {
namespace {

TEST_F(DispatcherTest, UnknownCommandIsCommandNotFound) {
  auto reply = Run(R"({"frobnicate": 1})");
  EXPECT_EQ(Ok(reply), 0.0);
  EXPECT_EQ(Int(reply, "code"), 59);
  EXPECT_EQ(Str(reply, "codeName"), "CommandNotFound");
}

TEST_F(DispatcherTest, MaxTimeMSStopsARunawayExpression) {
  Run(R"({"insert": "c", "documents": [{"_id": 1}]})");
  // A million-by-million nested $map: hours of work without a deadline.
  const std::string pipeline =
      R"([{"$project": {"x": {"$map": {"input": {"$range": [0, 1000000]}, "as": "i", "in": )"
      R"({"$size": {"$map": {"input": {"$range": [0, 1000000]}, "as": "j", "in": "$$j"}}}}}}}])";
  auto reply =
      Run(R"({"aggregate": "c", "cursor": {}, "maxTimeMS": 200, "pipeline": )" + pipeline + "}");
  EXPECT_EQ(Ok(reply), 0.0);
  EXPECT_EQ(Int(reply, "code"), 50);
  EXPECT_EQ(Str(reply, "codeName"), "MaxTimeMSExpired");
  // The deadline ended with its command: the next one runs without it.
  auto after = Run(R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$project": )"
                   R"({"n": {"$size": {"$range": [0, 5000]}}}}]})");
  EXPECT_EQ(Int(after, "cursor.firstBatch.0.n"), 5000);
}

TEST_F(DispatcherTest, InsertThenFindAcrossBatches) {
  std::string docs;
  for (int i = 0; i < 250; ++i)
    docs += (i ? "," : "") + std::string(R"({"_id": )") + std::to_string(i) + "}";
  EXPECT_EQ(Int(Run(R"({"insert": "c", "documents": [)" + docs + "]}"), "n"), 250);
  auto first = Run(R"({"find": "c", "sort": {"_id": 1}})");
  EXPECT_EQ(Ok(first), 1.0);
  std::int64_t id = Int(first, "cursor.id");
  ASSERT_GT(id, 0);
  EXPECT_EQ(Int(first, "cursor.firstBatch.100._id"), 100);  // 101 documents: MongoDB's default
  EXPECT_EQ(Int(first, "cursor.firstBatch.101._id"), -1);
  auto more =
      Run(R"({"getMore": {"$numberLong": ")" + std::to_string(id) + R"("}, "collection": "c"})");
  EXPECT_EQ(Int(more, "cursor.id"), 0);
  EXPECT_EQ(Int(more, "cursor.nextBatch.148._id"), 249);
  auto gone =
      Run(R"({"getMore": {"$numberLong": ")" + std::to_string(id) + R"("}, "collection": "c"})");
  EXPECT_EQ(Int(gone, "code"), 43);  // CursorNotFound
}

// Reads take the catalog version from memory and read again when a change to the catalog
// committed before their snapshot: finds racing index builds and drops always answer, with every
// document.
TEST_F(DispatcherTest, FindsRacingCatalogChangesAlwaysAnswer) {
  std::string docs;
  for (int i = 0; i < 50; ++i) {
    docs += (i ? "," : "") + std::string(R"({"_id": )") + std::to_string(i) + R"(, "k": )" +
            std::to_string(i % 5) + "}";
  }
  ASSERT_EQ(Int(Run(R"({"insert": "c", "documents": [)" + docs + "]}"), "n"), 50);
  std::atomic<bool> done{false};
  std::thread ddl([&] {
    for (int i = 0; i < 30; ++i) {
      Run(R"({"createIndexes": "c", "indexes": [{"key": {"k": 1}, "name": "k_1"}]})", 2);
      Run(R"({"dropIndexes": "c", "index": "k_1"})", 2);
    }
    done = true;
  });
  int finds = 0;
  while (!done || finds < 100) {
    auto by_key = Run(R"({"find": "c", "filter": {"k": 3}, "batchSize": 100})");
    ASSERT_EQ(Ok(by_key), 1.0) << Str(by_key, "errmsg");
    EXPECT_EQ(Int(by_key, "cursor.firstBatch.9.k"), 3);
    EXPECT_EQ(Int(by_key, "cursor.firstBatch.10.k"), -1);
    auto count = Run(R"({"count": "c", "query": {"k": {"$gte": 0}}})");
    ASSERT_EQ(Ok(count), 1.0) << Str(count, "errmsg");
    EXPECT_EQ(Int(count, "n"), 50);
    ++finds;
  }
  ddl.join();
}

TEST_F(DispatcherTest, DuplicateKeyIsAWriteErrorWithKeyPatternAndValue) {
  Run(R"({"insert": "c", "documents": [{"_id": 1}]})");
  auto reply = Run(R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}], "ordered": false})");
  EXPECT_EQ(Ok(reply), 1.0);
  EXPECT_EQ(Int(reply, "n"), 1);
  EXPECT_EQ(Int(reply, "writeErrors.0.code"), 11000);
  EXPECT_EQ(Int(reply, "writeErrors.0.keyValue._id"), 1);
}

TEST_F(DispatcherTest, TransactionCommitIsVisibleAndARetriedCommitAnswersOk) {
  std::string lsid(kLsid);
  Run(R"({"insert": "c", "documents": [{"_id": 1}], )" + lsid +
      R"(, "txnNumber": 1, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Int(Run(R"({"count": "c"})"), "n"), 0);  // not visible before the commit
  auto commit =
      Run(R"({"commitTransaction": 1, )" + lsid + R"(, "txnNumber": 1, "autocommit": false})");
  EXPECT_EQ(Ok(commit), 1.0);
  EXPECT_EQ(Int(Run(R"({"count": "c"})"), "n"), 1);
  EXPECT_EQ(
      Ok(Run(R"({"commitTransaction": 1, )" + lsid + R"(, "txnNumber": 1, "autocommit": false})")),
      1.0);
  auto abort =
      Run(R"({"abortTransaction": 1, )" + lsid + R"(, "txnNumber": 1, "autocommit": false})");
  EXPECT_EQ(Int(abort, "code"), 256);  // TransactionCommitted
}

TEST_F(DispatcherTest, AbortDiscardsAndUnknownTransactionsAreTransient) {
  std::string lsid(kLsid);
  Run(R"({"insert": "c", "documents": [{"_id": 1}], )" + lsid +
      R"(, "txnNumber": 5, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(
      Ok(Run(R"({"abortTransaction": 1, )" + lsid + R"(, "txnNumber": 5, "autocommit": false})")),
      1.0);
  EXPECT_EQ(Int(Run(R"({"count": "c"})"), "n"), 0);
  auto stray = Run(R"({"insert": "c", "documents": [{"_id": 2}], )" + lsid +
                   R"(, "txnNumber": 6, "autocommit": false})");
  EXPECT_EQ(Int(stray, "code"), 251);  // NoSuchTransaction
  EXPECT_EQ(Str(stray, "errorLabels.0"), "TransientTransactionError");
  EXPECT_EQ(Str(stray, "errorLabels.1"), "");  // labelled once
}

TEST_F(DispatcherTest, ATransactionOfAClosedConnectionRollsBack) {
  std::string lsid(kLsid);
  Run(R"({"insert": "c", "documents": [{"_id": 1}], )" + lsid +
          R"(, "txnNumber": 1, "startTransaction": true, "autocommit": false})",
      /*connection=*/7);
  dispatcher_->OnDisconnect(7);
  auto after = Run(R"({"insert": "c", "documents": [{"_id": 2}]})", /*connection=*/8);
  EXPECT_EQ(Int(after, "n"), 1);  // the write lock was released at once
  EXPECT_EQ(Int(Run(R"({"count": "c"})"), "n"), 1);
}

TEST_F(DispatcherTest, ATransactionReadsItsSnapshotAndLosesToAnEarlierCommitter) {
  std::string lsid(kLsid);
  Run(R"({"insert": "c", "documents": [{"_id": 1}]})");
  auto read = Run(R"({"find": "c", )" + lsid +
                  R"(, "txnNumber": 1, "startTransaction": true, "autocommit": false})");
  EXPECT_EQ(Int(read, "cursor.firstBatch.0._id"), 1);
  // Until it writes, the transaction blocks no one.
  EXPECT_EQ(Int(Run(R"({"insert": "c", "documents": [{"_id": 2}]})", 2), "n"), 1);
  auto conflict = Run(R"({"insert": "c", "documents": [{"_id": 3}], )" + lsid +
                      R"(, "txnNumber": 1, "autocommit": false})");
  EXPECT_EQ(Int(conflict, "code"), 112);  // WriteConflict: _id 2 was committed after its snapshot
  EXPECT_EQ(Str(conflict, "errorLabels.0"), "TransientTransactionError");
  EXPECT_EQ(Int(Run(R"({"count": "c"})"), "n"), 2);
}

TEST_F(DispatcherTest, ARetriedWriteIsAnsweredNotAppliedAgain) {
  Run(R"({"insert": "c", "documents": [{"_id": 1, "n": 0}]})");
  std::string update =
      R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"n": 1}}}], )" +
      std::string(kLsid) + R"(, "txnNumber": {"$numberLong": "3"}})";
  EXPECT_EQ(Int(Run(update), "nModified"), 1);
  EXPECT_EQ(Int(Run(update), "nModified"), 1);  // the recorded reply
  auto doc = Run(R"({"find": "c", "filter": {"_id": 1}})");
  EXPECT_EQ(Int(doc, "cursor.firstBatch.0.n"), 1);
}

TEST_F(DispatcherTest, HostileCountsAreBadValue) {
  auto reply = Run(R"({"find": "c", "skip": {"$numberLong": "9223372036854775807"}, "limit": 1})");
  EXPECT_EQ(Int(reply, "code"), 2);
}

}  // namespace
}  // namespace tactus::docdb::commands
