// The catalog cache (docs/docdb.md, "Catalog cache"): every transaction sees the catalog of its
// own snapshot, whatever other transactions have cached, changed or rolled back.
#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::vector<std::string> IndexNames(Txn& txn, const CollectionInfo& coll) {
  std::vector<std::string> names;
  const std::shared_ptr<const SharedIndexes> indexes = Ok(txn.ListIndexesShared(coll));
  for (const auto& index : *indexes) names.push_back(index->name);
  return names;
}

using Names = std::vector<std::string>;

class CatalogCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    coll_ = MakeCollection(store_.get(), "db", "c");
  }
  void CreateIndex(const char* spec) {
    auto txn = Ok(store_->Begin(TxnMode::kWrite));
    Ok(txn->CreateIndex(coll_, J(spec).get()));
    Ok(txn->Commit());
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
  CollectionInfo coll_;
};

TEST_F(CatalogCacheTest, EachSnapshotSeesItsOwnCatalog) {
  auto before = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*before, coll_), Names{"_id_"});  // cached at this version
  CreateIndex(R"({"key": {"a": 1}})");
  auto after = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*after, coll_), (Names{"_id_", "a_1"}));
  // The older snapshot still sees its own catalog, now that the cache holds the newer one.
  EXPECT_EQ(IndexNames(*before, coll_), Names{"_id_"});
  EXPECT_EQ(IndexNames(*after, coll_), (Names{"_id_", "a_1"}));
}

// BeginOptimisticRead takes the committed catalog version from memory; its first statement
// takes the snapshot and fails (and so does every later one) when the catalog changed since.
TEST_F(CatalogCacheTest, OptimisticReadsNoticeAChangeBeforeTheirSnapshot) {
  const std::string id = testing::IdKey(R"({"_id": 1})");
  // A write transaction learns the committed version.
  Ok(store_->GroupWrite([&](Txn& txn) { return txn.Insert(coll_, J(R"({"_id": 1})").get()); }));
  {
    auto read = Ok(store_->BeginOptimisticRead());
    EXPECT_EQ(IndexNames(*read, coll_), Names{"_id_"});
    EXPECT_NE(Ok(read->FindById(coll_, id)), nullptr);
  }
  {
    auto read = Ok(store_->BeginOptimisticRead());
    CreateIndex(R"({"key": {"a": 1}})");  // commits before the read's first statement
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto found = read->FindById(coll_, id);
      ASSERT_FALSE(found.ok());
      EXPECT_EQ(found.error().code, kSnapshotMoved);
    }
  }
  auto fresh = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*fresh, coll_), (Names{"_id_", "a_1"}));
  fresh.reset();
  // Once its snapshot is taken, a later change is not its business.
  Ok(store_->GroupWrite([&](Txn& txn) { return txn.Insert(coll_, J(R"({"_id": 2})").get()); }));
  auto read = Ok(store_->BeginOptimisticRead());
  EXPECT_NE(Ok(read->FindById(coll_, id)), nullptr);
  CreateIndex(R"({"key": {"b": 1}})");
  EXPECT_NE(Ok(read->FindById(coll_, id)), nullptr);
  EXPECT_EQ(IndexNames(*read, coll_), (Names{"_id_", "a_1"}));
  // While no write transaction has learnt the version since a change, it reads it as Begin does.
  auto unknown = Ok(store_->BeginOptimisticRead());
  CreateIndex(R"({"key": {"c": 1}})");
  EXPECT_EQ(IndexNames(*unknown, coll_), (Names{"_id_", "a_1", "b_1"}));
  EXPECT_NE(Ok(unknown->FindById(coll_, id)), nullptr);
}

// A one-statement read runs no BEGIN: its one statement is its own snapshot, and a second
// statement fails before reading (it would read another snapshot); the connection then serves
// other transactions as usual.
TEST_F(CatalogCacheTest, OneStatementReadsRefuseASecondStatement) {
  const std::string id = testing::IdKey(R"({"_id": 1})");
  Ok(store_->GroupWrite([&](Txn& txn) { return txn.Insert(coll_, J(R"({"_id": 1})").get()); }));
  for (int round = 0; round < 3; ++round) {
    auto read = Ok(store_->BeginOptimisticRead(/*one_statement=*/true));
    EXPECT_NE(Ok(read->FindById(coll_, id)), nullptr);
    // The write commits after the read's one statement: no snapshot would hold both reads.
    Ok(store_->GroupWrite([&](Txn& txn) {
      return txn.Insert(coll_, J(R"({"_id": )" + std::to_string(10 + round) + "}").get());
    }));
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto again = read->FindById(coll_, id);
      ASSERT_FALSE(again.ok());
      EXPECT_EQ(again.error().code, kSnapshotMoved);
    }
    Ok(read->Commit());  // nothing to commit: no transaction was begun
    // Pooled connections carry no limit into the next transaction.
    auto full = Ok(store_->Begin(TxnMode::kRead));
    EXPECT_NE(Ok(full->FindById(coll_, id)), nullptr);
    EXPECT_EQ(Ok(full->CollectionSize(coll_)).second, 2 + round);
  }
  // While the catalog version is unknown (a change committed since a write transaction learnt
  // it), it reads the version in a transaction, as Begin does: any number of statements.
  CreateIndex(R"({"key": {"a": 1}})");
  auto unknown = Ok(store_->BeginOptimisticRead(/*one_statement=*/true));
  EXPECT_NE(Ok(unknown->FindById(coll_, id)), nullptr);
  EXPECT_NE(Ok(unknown->FindById(coll_, id)), nullptr);
  EXPECT_EQ(IndexNames(*unknown, coll_), (Names{"_id_", "a_1"}));
}

TEST_F(CatalogCacheTest, ARolledBackChangeLeavesNothingCached) {
  auto reader = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*reader, coll_), Names{"_id_"});
  {
    auto txn = Ok(store_->Begin(TxnMode::kWrite));
    Ok(txn->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
    EXPECT_EQ(IndexNames(*txn, coll_), (Names{"_id_", "a_1"}));  // its own change
    ASSERT_TRUE(Ok(txn->FindCollection("db", "c")).has_value());
  }  // rolled back
  auto fresh = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*fresh, coll_), Names{"_id_"});
  // The next committed change gets the version number the rolled-back one had: what is seen
  // at that version is the committed catalog.
  CreateIndex(R"({"key": {"b": 1}})");
  auto later = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*later, coll_), (Names{"_id_", "b_1"}));
}

TEST_F(CatalogCacheTest, CollectionsComeAndGoWithTheirVersion) {
  auto reader = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_TRUE(Ok(reader->FindCollection("db", "c")).has_value());
  EXPECT_FALSE(Ok(reader->FindCollection("db", "d")).has_value());  // cached as absent
  CollectionInfo d = MakeCollection(store_.get(), "db", "d");
  {
    auto txn = Ok(store_->Begin(TxnMode::kWrite));
    Ok(txn->RenameCollection(coll_, "db", "renamed", false));
    Ok(txn->Commit());
  }
  auto now = Ok(store_->Begin(TxnMode::kRead));
  auto found = Ok(now->FindCollection("db", "d"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, d.id);
  EXPECT_FALSE(Ok(now->FindCollection("db", "c")).has_value());
  EXPECT_EQ(Ok(now->FindCollection("db", "renamed"))->id, coll_.id);
  // The reader from before keeps its snapshot's view.
  EXPECT_TRUE(Ok(reader->FindCollection("db", "c")).has_value());
  EXPECT_FALSE(Ok(reader->FindCollection("db", "d")).has_value());
}

TEST_F(CatalogCacheTest, WritesAfterAnIndexInTheSameTransactionMaintainIt) {
  // Cache the catalog without the index, then add it and write in one transaction.
  Ok(Ok(store_->Begin(TxnMode::kRead))->ListIndexesShared(coll_));
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  Ok(txn->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
  Ok(txn->Insert(coll_, J(R"({"_id": 1, "a": 5})").get()));
  Ok(txn->Commit());
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 1);  // a_1's entry
}

TEST_F(CatalogCacheTest, MigratesAVersion3Directory) {
  const std::string path = store_->path();
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, testing::kBackToFormatVersion3Sql, nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store_ = OpenStore(dir_.path());
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'format_version' AND value = '6'"), 1);
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'catalog_version' AND value = '0'"), 1);
  CreateIndex(R"({"key": {"a": 1}})");
  EXPECT_EQ(testing::CountRows(path, "meta WHERE key = 'catalog_version' AND value = '1'"), 1);
  auto txn = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(IndexNames(*txn, coll_), (Names{"_id_", "a_1"}));
}

}  // namespace
}  // namespace tactus::docdb::storage
