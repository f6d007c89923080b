#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

class TtlIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    coll_ = MakeCollection(store_.get(), "db", "events");
    txn_ = Ok(store_->Begin(TxnMode::kWrite));
  }
  std::int32_t CreateError(const std::string& spec) {
    auto created = txn_->CreateIndex(coll_, J(spec).get());
    return created.ok() ? 0 : created.error().code;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  CollectionInfo coll_;
  std::unique_ptr<Txn> txn_;
};

TEST_F(TtlIndexTest, ValidatesAsMongoDb) {
  EXPECT_EQ(CreateError(R"({"key": {"at": 1}, "expireAfterSeconds": 0})"), 0);
  EXPECT_EQ(CreateError(R"({"key": {"b": -1}, "expireAfterSeconds": 2147483647})"), 0);
  EXPECT_EQ(CreateError(R"({"key": {"a": 1, "b": 1}, "expireAfterSeconds": 60})"),
            kCannotCreateIndex);
  EXPECT_EQ(CreateError(R"({"key": {"_id": 1}, "name": "id_ttl", "expireAfterSeconds": 60})"),
            kInvalidIndexSpecificationOption);
  EXPECT_EQ(CreateError(R"({"key": {"c": 1}, "expireAfterSeconds": -1})"), kInvalidOptions);
  EXPECT_EQ(CreateError(R"({"key": {"c": 1}, "expireAfterSeconds": 2147483648})"), kInvalidOptions);
  EXPECT_EQ(CreateError(R"({"key": {"c": 1}, "expireAfterSeconds": "60"})"), kTypeMismatch);
}

TEST_F(TtlIndexTest, CollModChangesExpireAfterSeconds) {
  ASSERT_EQ(CreateError(R"({"key": {"at": 1}, "name": "at_ttl", "expireAfterSeconds": 60})"), 0);
  ASSERT_EQ(CreateError(R"({"key": {"plain": 1}})"), 0);
  EXPECT_EQ(Ok(txn_->SetExpireAfterSeconds(coll_, "at_ttl", 3600)), 60.0);
  auto indexes = Ok(txn_->ListIndexes(coll_));
  EXPECT_NE(ToJson(indexes[1].spec.get()).find(R"("expireAfterSeconds" : 3600)"), std::string::npos)
      << ToJson(indexes[1].spec.get());
  EXPECT_EQ(Ok(txn_->SetExpireAfterSeconds(coll_, "at_ttl", 5)), 3600.0);
  auto not_ttl = txn_->SetExpireAfterSeconds(coll_, "plain_1", 5);
  ASSERT_FALSE(not_ttl.ok());
  EXPECT_EQ(not_ttl.error().code, kInvalidOptions);
  auto missing = txn_->SetExpireAfterSeconds(coll_, "nope", 5);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, kIndexNotFound);
  auto negative = txn_->SetExpireAfterSeconds(coll_, "at_ttl", -5);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, kInvalidOptions);
}

}  // namespace
}  // namespace tactus::docdb::storage
