// WriteBatch against the embedded store, through both of its paths: the bulkWrite command and
// the single-collection commands a server before MongoDB 8.0 gets.
#include "mongo/write_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "docdb/testing/temp_store.h"

namespace tactus::mongo {
namespace {

class WriteBatchTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto store = docdb::testing::TempStore::Start({.prefix = "tactus-write-batch"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    if (!GetParam()) store_->pool().DisableBulkWriteForTesting();
    client_.emplace(store_->pool().Acquire());
    // The path under test is the one taken.
    ASSERT_EQ(client_->HasBulkWrite(), GetParam());
  }

  Client& client() { return *client_; }

  std::int64_t Count(const char* db, const char* coll, const bson_t* filter = nullptr) {
    BsonPtr all(bson_new());
    std::int64_t n = -1;
    EXPECT_TRUE(
        CountDocuments(client().Collection(db, coll), filter ? filter : all.get(), &n).ok());
    return n;
  }

  std::unique_ptr<docdb::testing::TempStore> store_;
  std::optional<Client> client_;
};

TEST_P(WriteBatchTest, WritesSeveralCollectionsInOrderAndReportsEachOutcome) {
  BsonPtr seed1(BCON_NEW("_id", BCON_INT32(1), "v", BCON_INT32(0)));
  BsonPtr seed2(BCON_NEW("_id", BCON_INT32(2), "v", BCON_INT32(0)));
  ASSERT_TRUE(InsertOne(client().Collection("a", "items"), seed1.get(), nullptr).ok());
  ASSERT_TRUE(InsertOne(client().Collection("a", "items"), seed2.get(), nullptr).ok());

  WriteBatch batch;
  BsonPtr x(BCON_NEW("_id", BCON_UTF8("x")));
  BsonPtr y(BCON_NEW("_id", BCON_UTF8("y")));
  BsonPtr all(bson_new());
  BsonPtr inc(BCON_NEW("$inc", "{", "v", BCON_INT32(1), "}"));
  BsonPtr none(BCON_NEW("_id", BCON_INT32(99)));
  BsonPtr one(BCON_NEW("_id", BCON_INT32(1)));
  BsonPtr upsert_filter(BCON_NEW("_id", BCON_INT32(7)));
  EXPECT_EQ(batch.Insert("a", "log", x.get()), 0u);
  EXPECT_EQ(batch.Insert("a", "log", y.get()), 1u);
  EXPECT_EQ(batch.Update("a", "items", all.get(), inc.get(), /*multi=*/true), 2u);
  EXPECT_EQ(batch.Update("a", "items", none.get(), inc.get(), false), 3u);
  EXPECT_EQ(batch.Update("b", "other", upsert_filter.get(), inc.get(), false, /*upsert=*/true), 4u);
  EXPECT_EQ(batch.Delete("a", "items", one.get(), false), 5u);
  EXPECT_EQ(batch.Delete("a", "items", none.get(), true), 6u);
  EXPECT_EQ(batch.size(), 7u);

  DbStatus st = batch.Execute(client(), nullptr);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(batch.n(0), 1);
  EXPECT_EQ(batch.n(1), 1);
  EXPECT_EQ(batch.n(2), 2);  // matched both
  EXPECT_EQ(batch.n(3), 0);
  EXPECT_EQ(batch.n(4), 1);  // upserted
  EXPECT_EQ(batch.n(5), 1);
  EXPECT_EQ(batch.n(6), 0);
  EXPECT_EQ(Count("a", "log"), 2);
  EXPECT_EQ(Count("a", "items"), 1);
  BsonPtr updated(BCON_NEW("_id", BCON_INT32(2), "v", BCON_INT32(1)));
  EXPECT_EQ(Count("a", "items", updated.get()), 1);
  BsonPtr upserted(BCON_NEW("_id", BCON_INT32(7), "v", BCON_INT32(1)));
  EXPECT_EQ(Count("b", "other", upserted.get()), 1);
}

TEST_P(WriteBatchTest, UpdatesWithAPipeline) {
  BsonPtr seed(BCON_NEW("_id", BCON_INT32(1), "a", BCON_INT32(5)));
  ASSERT_TRUE(InsertOne(client().Collection("a", "items"), seed.get(), nullptr).ok());
  WriteBatch batch;
  BsonPtr filter(BCON_NEW("_id", BCON_INT32(1)));
  BsonPtr pipeline(BCON_NEW("0", "{", "$set", "{", "b", "$a", "}", "}"));
  batch.Update("a", "items", filter.get(), pipeline.get(), false);
  ASSERT_TRUE(batch.Execute(client(), nullptr).ok());
  EXPECT_EQ(batch.n(0), 1);
  BsonPtr copied(BCON_NEW("b", BCON_INT32(5)));
  EXPECT_EQ(Count("a", "items", copied.get()), 1);
}

TEST_P(WriteBatchTest, StopsAtTheFirstFailure) {
  BsonPtr doc(BCON_NEW("_id", BCON_INT32(1)));
  BsonPtr other(BCON_NEW("_id", BCON_INT32(2)));
  WriteBatch batch;
  batch.Insert("a", "c", doc.get());
  batch.Insert("a", "c", doc.get());  // duplicate key
  batch.Insert("a", "c", other.get());
  batch.Insert("a", "d", other.get());
  DbStatus st = batch.Execute(client(), nullptr);
  EXPECT_TRUE(st.duplicate_key()) << st.code() << " " << st.message();
  EXPECT_EQ(batch.n(0), 1);
  EXPECT_EQ(batch.n(1), 0);
  EXPECT_EQ(batch.n(2), 0);
  EXPECT_EQ(batch.n(3), 0);
  EXPECT_EQ(Count("a", "c"), 1);  // outside a transaction what ran before the failure stays
  EXPECT_EQ(Count("a", "d"), 0);
}

TEST_P(WriteBatchTest, JoinsTheSessionsTransaction) {
  BsonPtr doc(BCON_NEW("_id", BCON_INT32(1)));
  for (bool commit : {false, true}) {
    auto session = client().StartSession();
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->Begin().ok());
    WriteBatch batch;
    batch.Insert("a", "c", doc.get());
    batch.Insert("b", "d", doc.get());
    ASSERT_TRUE(batch.Execute(client(), session->get()).ok());
    if (commit) {
      ASSERT_TRUE((*session)->Commit().ok());
    } else {
      (*session)->Abort();
    }
    EXPECT_EQ(Count("a", "c"), commit ? 1 : 0);
    EXPECT_EQ(Count("b", "d"), commit ? 1 : 0);
  }
}

TEST_P(WriteBatchTest, SplitsOperationsPastTheSizeLimit) {
  // Twelve 1 MiB documents: more than kMaxBulkWriteBytes, so at least two commands.
  std::string big(1024 * 1024, 'x');
  WriteBatch batch;
  for (int i = 0; i < 12; ++i) {
    BsonPtr doc(BCON_NEW("_id", BCON_INT32(i), "pad", BCON_UTF8(big.c_str())));
    batch.Insert("a", i % 2 ? "odd" : "even", doc.get());
  }
  auto session = client().StartSession();
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Begin().ok());
  DbStatus st = batch.Execute(client(), session->get());
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE((*session)->Commit().ok());
  for (int i = 0; i < 12; ++i) EXPECT_EQ(batch.n(i), 1) << i;
  EXPECT_EQ(Count("a", "odd"), 6);
  EXPECT_EQ(Count("a", "even"), 6);
}

TEST_P(WriteBatchTest, AnEmptyBatchDoesNothing) {
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.Execute(client(), nullptr).ok());
  EXPECT_EQ(batch.n(0), 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, WriteBatchTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "BulkWrite" : "EachCommand"; });

}  // namespace
}  // namespace tactus::mongo
