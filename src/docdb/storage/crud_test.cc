// Documents and the catalog through transactions.
#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::IdKey;
using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

std::vector<std::string> AllIds(Txn* txn, const CollectionInfo& coll) {
  std::vector<std::string> ids;
  Ok(txn->ScanCollection(coll, KeyRange{}, false, [&](const std::string&, const bson_t* doc) {
    ids.push_back(testing::IdOf(doc));
    return true;
  }));
  return ids;
}

class CrudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    coll_ = MakeCollection(store_.get(), "db", "coll");
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
  CollectionInfo coll_;
};

TEST_F(CrudTest, InsertFindReplaceDelete) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  Ok(txn->Insert(coll_, J(R"({"_id": 1, "a": "x"})").get()));
  Ok(txn->Insert(coll_, J(R"({"_id": "two", "a": "y"})").get()));
  Ok(txn->Commit());

  txn = Ok(store_->Begin(TxnMode::kWrite));
  BsonPtr one = Ok(txn->FindById(coll_, IdKey(R"({"_id": 1.0})")));
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(ToJson(one.get()), R"({ "_id" : 1, "a" : "x" })");
  EXPECT_EQ(Ok(txn->FindById(coll_, IdKey(R"({"_id": 3})"))), nullptr);

  Ok(txn->Replace(coll_, IdKey(R"({"_id": 1})"), one.get(),
                  J(R"({"_id": 1, "a": "z", "b": true})").get()));
  EXPECT_EQ(ToJson(Ok(txn->FindById(coll_, IdKey(R"({"_id": 1})"))).get()),
            R"({ "_id" : 1, "a" : "z", "b" : true })");
  BsonPtr two = Ok(txn->FindById(coll_, IdKey(R"({"_id": "two"})")));
  Ok(txn->Delete(coll_, IdKey(R"({"_id": "two"})"), two.get()));
  Ok(txn->Commit());

  txn = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_EQ(AllIds(txn.get(), coll_), std::vector<std::string>{R"({ "_id" : 1 })"});
  auto size = Ok(txn->CollectionSize(coll_));
  EXPECT_EQ(size.second, 1);
  EXPECT_EQ(size.first, static_cast<std::int64_t>(J(R"({"_id": 1, "a": "z", "b": true})")->len));
}

TEST_F(CrudTest, ReplaceOrDeleteOfAMissingDocumentIsNoSuchKey) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  BsonPtr doc = J(R"({"_id": 5})");
  auto replaced = txn->Replace(coll_, IdKey(R"({"_id": 5})"), doc.get(), doc.get());
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().code, kNoSuchKey);
  auto deleted = txn->Delete(coll_, IdKey(R"({"_id": 5})"), doc.get());
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, kNoSuchKey);
}

TEST_F(CrudTest, DuplicateIdIsE11000OnTheIdIndex) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  Ok(txn->Insert(coll_, J(R"({"_id": 1, "a": 1})").get()));
  auto dup = txn->Insert(coll_, J(R"({"_id": 1.0, "a": 2})").get());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, 11000);
  EXPECT_EQ(dup.error().message,
            "E11000 duplicate key error collection: db.coll index: _id_ dup key: { _id: 1.0 }");
  BsonPtr pattern = BsonFromBytes(dup.error().key_pattern.data(), dup.error().key_pattern.size());
  BsonPtr value = BsonFromBytes(dup.error().key_value.data(), dup.error().key_value.size());
  ASSERT_NE(pattern, nullptr);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(ToJson(pattern.get()), R"({ "_id" : 1 })");
  EXPECT_EQ(ToJson(value.get()), R"({ "_id" : 1.0 })");
  // The transaction goes on; the first document is intact.
  EXPECT_EQ(ToJson(Ok(txn->FindById(coll_, IdKey(R"({"_id": 1})"))).get()),
            R"({ "_id" : 1, "a" : 1 })");
  Ok(txn->Commit());
}

TEST_F(CrudTest, ObjectIdAndStringValuesInDuplicateKeyMessages) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  const char* doc = R"({"_id": {"$oid": "64b7f0c2a1b2c3d4e5f60718"}})";
  Ok(txn->Insert(coll_, J(doc).get()));
  auto dup = txn->Insert(coll_, J(doc).get());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message,
            "E11000 duplicate key error collection: db.coll index: _id_ dup key: { _id: "
            "ObjectId('64b7f0c2a1b2c3d4e5f60718') }");
  Ok(txn->Insert(coll_, J(R"({"_id": "k"})").get()));
  dup = txn->Insert(coll_, J(R"({"_id": "k"})").get());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message,
            "E11000 duplicate key error collection: db.coll index: _id_ dup key: { _id: \"k\" }");
}

TEST_F(CrudTest, ReadTransactionsRefuseWrites) {
  auto txn = Ok(store_->Begin(TxnMode::kRead));
  auto inserted = txn->Insert(coll_, J(R"({"_id": 1})").get());
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, kIllegalOperation);
  auto created = txn->CreateCollection("db", "other", nullptr, false);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, kIllegalOperation);
  auto indexed = txn->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get());
  ASSERT_FALSE(indexed.ok());
  EXPECT_EQ(indexed.error().code, kIllegalOperation);
}

TEST_F(CrudTest, EndedTransactionsRefuseEverything) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  Ok(txn->Commit());
  auto found = txn->FindCollection("db", "coll");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, kIllegalOperation);
  EXPECT_FALSE(txn->Commit().ok());
}

TEST_F(CrudTest, CreateCollectionExistingAndOptions) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  auto again = txn->CreateCollection("db", "coll", nullptr, true);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, kNamespaceExists);
  EXPECT_EQ(again.error().message, "Collection db.coll already exists.");
  EXPECT_EQ(Ok(txn->CreateCollection("db", "coll", nullptr, false)).id, coll_.id);
  CollectionInfo capped =
      Ok(txn->CreateCollection("db", "opts", J(R"({"validator": {"a": 1}})").get(), true));
  EXPECT_EQ(ToJson(capped.options.get()), R"({ "validator" : { "a" : 1 } })");
  Ok(txn->Commit());
  txn = Ok(store_->Begin(TxnMode::kRead));
  auto found = Ok(txn->FindCollection("db", "opts"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(ToJson(found->options.get()), R"({ "validator" : { "a" : 1 } })");
  EXPECT_FALSE(Ok(txn->FindCollection("db", "nope")).has_value());
}

TEST_F(CrudTest, ListDropAndRename) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  CollectionInfo b = Ok(txn->CreateCollection("db", "b", nullptr, true));
  CollectionInfo other = Ok(txn->CreateCollection("other", "x", nullptr, true));
  Ok(txn->Insert(b, J(R"({"_id": 1, "v": 1})").get()));
  Ok(txn->CreateIndex(b, J(R"({"key": {"v": 1}, "unique": true})").get()));
  Ok(txn->Insert(other, J(R"({"_id": 1})").get()));

  auto names = [&](const std::string& db) {
    std::vector<std::string> out;
    for (const CollectionInfo& c : Ok(txn->ListCollections(db))) out.push_back(c.name);
    return out;
  };
  EXPECT_EQ(names("db"), (std::vector<std::string>{"b", "coll"}));
  EXPECT_EQ(Ok(txn->ListDatabases()), (std::vector<std::string>{"db", "other"}));

  // Across databases, replacing an existing target.
  auto refused = txn->RenameCollection(b, "other", "x", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kNamespaceExists);
  auto self = txn->RenameCollection(b, "db", "b", false);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, kIllegalOperation);
  Ok(txn->RenameCollection(b, "other", "x", true));
  EXPECT_EQ(names("db"), (std::vector<std::string>{"coll"}));
  auto moved = Ok(txn->FindCollection("other", "x"));
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->id, b.id);
  EXPECT_EQ(Ok(txn->ListIndexes(*moved)).size(), 2u);
  // The unique index moved with it and still works.
  auto dup = txn->Insert(*moved, J(R"({"_id": 2, "v": 1})").get());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message,
            "E11000 duplicate key error collection: other.x index: v_1 dup key: { v: 1 }");
  auto gone = txn->RenameCollection(other, "db", "y", false);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, kNamespaceNotFound);

  Ok(txn->DropCollection(*moved));
  auto dropped_again = txn->DropCollection(*moved);
  ASSERT_FALSE(dropped_again.ok());
  EXPECT_EQ(dropped_again.error().code, kNamespaceNotFound);
  auto listed = txn->ListIndexes(*moved);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, kNamespaceNotFound);
  auto insert_dropped = txn->Insert(*moved, J(R"({"_id": 3})").get());
  ASSERT_FALSE(insert_dropped.ok());
  EXPECT_EQ(insert_dropped.error().code, kNamespaceNotFound);
  Ok(txn->DropDatabase("db"));
  Ok(txn->DropDatabase("absent"));
  EXPECT_TRUE(Ok(txn->ListDatabases()).empty());
  Ok(txn->Commit());
}

TEST_F(CrudTest, DropRemovesEveryRow) {
  auto txn = Ok(store_->Begin(TxnMode::kWrite));
  Ok(txn->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
  for (int i = 0; i < 10; ++i) {
    Ok(txn->Insert(coll_, J(R"({"_id": )" + std::to_string(i) + R"(, "a": [1, 2]})").get()));
  }
  Ok(txn->DropDatabase("db"));
  Ok(txn->Commit());
  // Recreating the namespace starts empty, with only the _id index.
  coll_ = MakeCollection(store_.get(), "db", "coll");
  txn = Ok(store_->Begin(TxnMode::kRead));
  EXPECT_TRUE(AllIds(txn.get(), coll_).empty());
  EXPECT_EQ(Ok(txn->ListIndexes(coll_)).size(), 1u);
  EXPECT_EQ(testing::CountRows(store_->path(), "documents"), 0);
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 0);
  EXPECT_EQ(testing::CountRows(store_->path(), "indexes"), 1);
}

}  // namespace
}  // namespace tactus::docdb::storage
