// Secondary indexes: specs and conflicts, unique, multikey, sparse and partial indexes, and
// entry maintenance on replace and delete.
#include "docdb/query/index_keys.h"
#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::IdKey;
using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    coll_ = MakeCollection(store_.get(), "db", "coll");
    txn_ = Ok(store_->Begin(TxnMode::kWrite));
  }

  IndexInfo Index(const std::string& name) {
    for (IndexInfo& index : Ok(txn_->ListIndexes(coll_))) {
      if (index.name == name) return std::move(index);
    }
    ADD_FAILURE() << "no index " << name;
    return {};
  }

  // The _ids an index scan of [lower, upper] (JSON values; empty = unbounded) visits.
  std::vector<std::string> Scan(const std::string& name, const KeyRange& range = {},
                                bool reverse = false) {
    std::vector<std::string> ids;
    IndexInfo index = Index(name);
    Ok(txn_->ScanIndex(coll_, index, range, reverse, [&](const std::string&, const bson_t* doc) {
      ids.push_back(testing::IdOf(doc));
      return true;
    }));
    return ids;
  }

  DbError InsertFails(const std::string& json) {
    auto inserted = txn_->Insert(coll_, J(json).get());
    EXPECT_FALSE(inserted.ok()) << json;
    return inserted.ok() ? DbError{} : inserted.error();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  CollectionInfo coll_;
  std::unique_ptr<Txn> txn_;
};

std::string Id(int i) { return R"({ "_id" : )" + std::to_string(i) + " }"; }

TEST_F(IndexTest, ListIndexesShowsTheIdIndexFirst) {
  std::vector<IndexInfo> indexes = Ok(txn_->ListIndexes(coll_));
  ASSERT_EQ(indexes.size(), 1u);
  EXPECT_EQ(indexes[0].name, "_id_");
  EXPECT_EQ(ToJson(indexes[0].spec.get()),
            R"({ "v" : 2, "key" : { "_id" : 1 }, "name" : "_id_" })");
  EXPECT_TRUE(indexes[0].unique);
}

TEST_F(IndexTest, CreateIndexNormalizesAndNamesSpecs) {
  EXPECT_TRUE(
      Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1, "b.c": -1}, "unique": true, "sparse": false,
                   "background": true, "ns": "db.coll"})")
                                      .get())));
  EXPECT_TRUE(
      Ok(txn_->CreateIndex(coll_, J(R"({"key": {"d": 1.0}, "name": "by_d", "expireAfterSeconds": 60,
                   "partialFilterExpression": {"d": {"$gt": 0}}})")
                                      .get())));
  std::vector<IndexInfo> indexes = Ok(txn_->ListIndexes(coll_));
  ASSERT_EQ(indexes.size(), 3u);
  EXPECT_EQ(indexes[1].name, "a_1_b.c_-1");
  EXPECT_TRUE(indexes[1].unique);
  EXPECT_EQ(
      ToJson(indexes[1].spec.get()),
      R"({ "v" : 2, "key" : { "a" : 1, "b.c" : -1 }, "name" : "a_1_b.c_-1", "unique" : true })");
  EXPECT_EQ(ToJson(indexes[2].spec.get()),
            R"({ "v" : 2, "key" : { "d" : 1.0 }, "name" : "by_d", )"
            R"("partialFilterExpression" : { "d" : { "$gt" : 0 } }, "expireAfterSeconds" : 60 })");
  // The _id index and an identical index already exist.
  EXPECT_FALSE(Ok(txn_->CreateIndex(coll_, J(R"({"key": {"_id": 1}, "name": "_id_"})").get())));
  EXPECT_FALSE(Ok(txn_->CreateIndex(
      coll_, J(R"({"key": {"a": 1, "b.c": -1}, "unique": true, "v": 2})").get())));
}

TEST_F(IndexTest, ConflictsAndInvalidSpecs) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
  auto code = [&](const std::string& spec) {
    auto created = txn_->CreateIndex(coll_, J(spec).get());
    return created.ok() ? 0 : created.error().code;
  };
  EXPECT_EQ(code(R"({"key": {"b": 1}, "name": "a_1"})"), kIndexKeySpecsConflict);
  EXPECT_EQ(code(R"({"key": {"a": 1}, "unique": true})"), kIndexOptionsConflict);
  EXPECT_EQ(code(R"({"key": {"a": 1}, "name": "other"})"), kIndexOptionsConflict);
  EXPECT_EQ(code(R"({"key": {"a": 1}, "foo": 1})"), kInvalidIndexSpecificationOption);
  EXPECT_EQ(code(R"({"key": {"a": "text"}})"), kBadValue);
  EXPECT_EQ(code(R"({"key": {}})"), kBadValue);
  EXPECT_EQ(code(R"({"name": "x"})"), kFailedToParse);
  EXPECT_EQ(code(R"({"key": {"a": 1}, "name": "p", "partialFilterExpression": {"$foo": 1}})"),
            kBadValue);
  // Same key, different partial filter: a distinct index, as in MongoDB.
  EXPECT_EQ(
      code(R"({"key": {"a": 1}, "name": "a_pos", "partialFilterExpression": {"a": {"$gt": 0}}})"),
      0);
  auto conflict = txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}, "name": "other"})").get());
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().message, "Index already exists with a different name: a_1");
}

TEST_F(IndexTest, UniqueViolationHasMongoDbsMessageAndLeavesNothing) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"email": 1}, "unique": true})").get()));
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"other": 1}})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "email": "a@x", "other": 1})").get()));
  DbError error = InsertFails(R"({"_id": 2, "email": "a@x", "other": 2})");
  EXPECT_EQ(error.code, kDuplicateKey);
  EXPECT_EQ(error.message,
            "E11000 duplicate key error collection: db.coll index: email_1 dup key: { email: "
            "\"a@x\" }");
  BsonPtr pattern = BsonFromBytes(error.key_pattern.data(), error.key_pattern.size());
  BsonPtr value = BsonFromBytes(error.key_value.data(), error.key_value.size());
  ASSERT_NE(pattern, nullptr);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(ToJson(pattern.get()), R"({ "email" : 1 })");
  EXPECT_EQ(ToJson(value.get()), R"({ "email" : "a@x" })");
  EXPECT_EQ(Ok(txn_->FindById(coll_, IdKey(R"({"_id": 2})"))), nullptr);
  EXPECT_EQ(Scan("other_1"), std::vector<std::string>{Id(1)});
  Ok(txn_->Commit());
  EXPECT_EQ(testing::CountRows(store_->path(), "documents"), 1);
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 2);
}

TEST_F(IndexTest, CompoundUniqueKeyValueNamesEveryField) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1, "b": -1}, "unique": true})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "a": 1, "b": "x"})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 2, "a": 1, "b": "y"})").get()));
  DbError error = InsertFails(R"({"_id": 3, "b": "x", "a": 1.0})");
  EXPECT_EQ(error.message,
            "E11000 duplicate key error collection: db.coll index: a_1_b_-1 dup key: { a: 1.0, "
            "b: \"x\" }");
}

TEST_F(IndexTest, MultikeyUniqueIndexesCompareEveryElement) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"tags": 1}, "unique": true})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "tags": [1, 2, 2]})").get()));
  DbError error = InsertFails(R"({"_id": 2, "tags": [3, 2]})");
  EXPECT_EQ(error.message,
            "E11000 duplicate key error collection: db.coll index: tags_1 dup key: { tags: 2 }");
  Ok(txn_->Insert(coll_, J(R"({"_id": 3, "tags": [3, 4]})").get()));
  // A document's own entries never conflict with its replacement.
  BsonPtr old_doc = Ok(txn_->FindById(coll_, IdKey(R"({"_id": 1})")));
  Ok(txn_->Replace(coll_, IdKey(R"({"_id": 1})"), old_doc.get(),
                   J(R"({"_id": 1, "tags": [2, 5]})").get()));
  KeyRange two = PrefixRange(testing::K("2"));
  EXPECT_EQ(Scan("tags_1", two), std::vector<std::string>{Id(1)});
  // Keys 2 (id 1), 3 and 4 (id 3), 5 (id 1).
  EXPECT_EQ(Scan("tags_1"), (std::vector<std::string>{Id(1), Id(3), Id(3), Id(1)}));
  // A replace that would collide leaves the old document and entries in place.
  old_doc = Ok(txn_->FindById(coll_, IdKey(R"({"_id": 3})")));
  auto replaced = txn_->Replace(coll_, IdKey(R"({"_id": 3})"), old_doc.get(),
                                J(R"({"_id": 3, "tags": [5]})").get());
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().code, kDuplicateKey);
  EXPECT_EQ(Scan("tags_1"), (std::vector<std::string>{Id(1), Id(3), Id(3), Id(1)}));
  // Delete removes every entry.
  Ok(txn_->Delete(coll_, IdKey(R"({"_id": 1})"),
                  Ok(txn_->FindById(coll_, IdKey(R"({"_id": 1})"))).get()));
  EXPECT_EQ(Scan("tags_1"), (std::vector<std::string>{Id(3), Id(3)}));
}

TEST_F(IndexTest, MissingFieldsIndexAsNullUnlessSparse) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}, "unique": true})").get()));
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"b": 1}, "unique": true, "sparse": true})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "b": 1})").get()));
  DbError error = InsertFails(R"({"_id": 2, "b": 2})");
  EXPECT_EQ(error.message,
            "E11000 duplicate key error collection: db.coll index: a_1 dup key: { a: null }");
  Ok(txn_->Insert(coll_, J(R"({"_id": 3, "a": 3})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 4, "a": 4})").get()));  // no b twice: sparse allows it
  EXPECT_EQ(Scan("b_1"), std::vector<std::string>{Id(1)});
  EXPECT_EQ(Scan("a_1"), (std::vector<std::string>{Id(1), Id(3), Id(4)}));
}

TEST_F(IndexTest, PartialIndexesHoldOnlyMatchingDocuments) {
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "a": 1, "b": 1})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 2, "a": 1, "b": 10})").get()));
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}, "unique": true,
                                    "partialFilterExpression": {"b": {"$gt": 5}}})")
                                  .get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 3, "a": 1, "b": 2})").get()));  // outside the filter
  DbError error = InsertFails(R"({"_id": 4, "a": 1, "b": 7})");
  EXPECT_EQ(error.code, kDuplicateKey);
  EXPECT_EQ(Scan("a_1"), std::vector<std::string>{Id(2)});
  // Moving a document out of the filter removes its entry; into it adds one.
  Ok(txn_->Replace(coll_, IdKey(R"({"_id": 2})"), J(R"({"_id": 2, "a": 1, "b": 10})").get(),
                   J(R"({"_id": 2, "a": 1, "b": 0})").get()));
  EXPECT_EQ(Scan("a_1"), std::vector<std::string>{});
  Ok(txn_->Replace(coll_, IdKey(R"({"_id": 3})"), J(R"({"_id": 3, "a": 1, "b": 2})").get(),
                   J(R"({"_id": 3, "a": 1, "b": 9})").get()));
  EXPECT_EQ(Scan("a_1"), std::vector<std::string>{Id(3)});
}

// A replace recomputes the keys only of indexes whose fields changed; the entries must be right
// either way: a field the indexes do not read, a nested key field, a change of type alone, a
// key field removed.
TEST_F(IndexTest, ReplaceKeepsOrRewritesEntriesAsTheirFieldsChange) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a.b": 1}})").get()));
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"c": 1}})").get()));
  auto point = [](const std::string& value_json) {
    KeyRange r;
    r.lower = testing::K(value_json);
    r.upper = testing::K(value_json);
    return r;
  };
  const std::vector<std::string> one{Id(1)}, none{};
  std::string doc = R"({"_id": 1, "a": {"b": 1}, "c": 5, "n": 0})";
  Ok(txn_->Insert(coll_, J(doc).get()));
  auto replace = [&](const std::string& next) {
    Ok(txn_->Replace(coll_, IdKey(R"({"_id": 1})"), J(doc).get(), J(next).get()));
    doc = next;
  };
  replace(R"({"_id": 1, "a": {"b": 1}, "c": 5, "n": 1})");  // no key field
  EXPECT_EQ(Scan("a.b_1", point("1")), one);
  EXPECT_EQ(Scan("c_1", point("5")), one);
  replace(R"({"_id": 1, "a": {"b": 2, "x": 0}, "c": 5, "n": 1})");  // nested key field
  EXPECT_EQ(Scan("a.b_1", point("1")), none);
  EXPECT_EQ(Scan("a.b_1", point("2")), one);
  replace(R"({"_id": 1, "a": {"b": 2, "x": 0}, "c": "5", "n": 1})");  // type alone
  EXPECT_EQ(Scan("c_1", point("5")), none);
  EXPECT_EQ(Scan("c_1", point(R"("5")")), one);
  replace(R"({"_id": 1, "c": "5", "n": 1})");  // key field gone: indexed as null
  EXPECT_EQ(Scan("a.b_1", point("2")), none);
  EXPECT_EQ(Scan("a.b_1", point("null")), one);
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 0);  // not committed yet
  Ok(txn_->Commit());
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 2);
}

TEST_F(IndexTest, AFailedUniqueBuildLeavesNoIndex) {
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "a": 5})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 2, "a": 5})").get()));
  auto built = txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}, "unique": true})").get());
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code, kDuplicateKey);
  EXPECT_EQ(built.error().message,
            "E11000 duplicate key error collection: db.coll index: a_1 dup key: { a: 5 }");
  EXPECT_EQ(Ok(txn_->ListIndexes(coll_)).size(), 1u);
  // The transaction is still usable and a non-unique build succeeds.
  EXPECT_TRUE(Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get())));
  EXPECT_EQ(Scan("a_1"), (std::vector<std::string>{Id(1), Id(2)}));
  Ok(txn_->Commit());
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 2);
}

TEST_F(IndexTest, ParallelArraysAreRefused) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1, "b": 1}})").get()));
  DbError error = InsertFails(R"({"_id": 1, "a": [1], "b": [2]})");
  EXPECT_EQ(error.code, query::kCannotIndexParallelArrays);
  EXPECT_EQ(Ok(txn_->FindById(coll_, IdKey(R"({"_id": 1})"))), nullptr);
}

TEST_F(IndexTest, DropIndex) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
  Ok(txn_->Insert(coll_, J(R"({"_id": 1, "a": 1})").get()));
  auto id_drop = txn_->DropIndex(coll_, "_id_");
  ASSERT_FALSE(id_drop.ok());
  EXPECT_EQ(id_drop.error().code, kInvalidOptions);
  auto missing = txn_->DropIndex(coll_, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, kIndexNotFound);
  Ok(txn_->DropIndex(coll_, "a_1"));
  EXPECT_EQ(Ok(txn_->ListIndexes(coll_)).size(), 1u);
  Ok(txn_->Insert(coll_, J(R"({"_id": 2, "a": 1})").get()));
  Ok(txn_->Commit());
  EXPECT_EQ(testing::CountRows(store_->path(), "index_entries"), 0);
}

}  // namespace
}  // namespace tactus::docdb::storage
