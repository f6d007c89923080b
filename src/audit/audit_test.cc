// The audit trail against the embedded store: appends in and outside transactions, chaining
// (records written once, one block per batch) and verification, every kind of tampering of
// records and blocks, late commits, concurrent chainers, checkpoints, queries, export, the
// format version, and the signing key file.
#include "audit/audit.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "audit/chain_format.h"
#include "docdb/testing/temp_store.h"

namespace tactus::audit {
namespace {

using mongo::BsonPtr;

constexpr const char* kDb = "tactus_audit";
constexpr const char* kNs = "shop.orders";

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

Record DataRec(common::TimeMs time, const std::string& execution, std::vector<json::value> ids,
               const std::string& ns = kNs, const std::string& operation = "update") {
  DataRecord d;
  d.execution = execution;
  d.ns = ns;
  d.operation = operation;
  d.role = "arn:aws:iam::123456789012:role/archiver";
  d.count = static_cast<std::int64_t>(ids.size());
  d.ids = std::move(ids);
  return Record::Data(time, "test", d);
}

Record ApiRec(common::TimeMs time, int i) {
  ApiRecord a;
  a.principal = "arn:aws:iam::123456789012:user/alice";
  a.source_ip = "10.0.0.1";
  a.action = "states:StartExecution";
  a.resource = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
  a.decision = "Allow";
  a.statement = "AllowStart";
  a.request_id = "req-" + std::to_string(i);
  a.outcome = "ok";
  return Record::Api(time, "test", a);
}

Record TransitionRec(common::TimeMs time, int i) {
  TransitionRecord t;
  t.execution = "arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(i);
  t.state_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
  t.events = {{"TaskStateEntered", "A", "", ""}, {"TaskFailed", "", "E.Boom", "it broke"}};
  return Record::Transition(time, "test", t);
}

// The raw 32-byte key a test signs with.
std::string TestKeyBytes(char fill) { return std::string(32, fill); }

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-audit";
    store.pool_size = 32;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();
    ASSERT_TRUE(EnsureSchema(*pool_, kDb).ok());
    auto key = AuditKey::FromPrivateKey(TestKeyBytes('k'));
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<AuditKey>(std::move(*key));
  }

  void TearDown() override { docdb_.reset(); }

  ChainerOptions Options(const std::string& owner) {
    ChainerOptions o;
    o.database = kDb;
    o.owner = owner;
    o.key = key_.get();
    o.poll_ms = 10;
    return o;
  }

  // Appends `n` records (data, api and transition in turn) in transactions of 100.
  void AppendMany(int n, common::TimeMs t0 = 1'000'000) {
    AuditOutbox outbox(kDb);
    mongo::Client client = pool_->Acquire();
    auto session = client.StartSession();
    ASSERT_TRUE(session.ok());
    for (int i = 0; i < n; i += 100) {
      ASSERT_TRUE((*session)->Begin().ok());
      for (int j = i; j < std::min(n, i + 100); ++j) {
        Record r = j % 3 == 0   ? DataRec(t0 + j, "exec-" + std::to_string(j % 7),
                                          {json::value("o" + std::to_string(j))})
                   : j % 3 == 1 ? ApiRec(t0 + j, j)
                                : TransitionRec(t0 + j, j);
        ASSERT_TRUE(outbox.Append(client, session->get(), r).ok());
      }
      ASSERT_TRUE((*session)->Commit().ok());
    }
  }

  // Appends and chains `n` records in blocks of 10; a checkpoint is signed at `checkpoint_at`
  // when > 0.
  void Chain(int n, std::int64_t checkpoint_at = 0) {
    ChainerOptions o = Options("solo");
    o.checkpoint_records = 1'000'000;
    o.batch = 10;
    Chainer chainer(pool_, o);
    if (checkpoint_at > 0) {
      AppendMany(static_cast<int>(checkpoint_at));
      ASSERT_EQ(*chainer.Drain(), checkpoint_at);
      ASSERT_EQ(*chainer.CheckpointNow(), checkpoint_at);
      AppendMany(n - static_cast<int>(checkpoint_at), 2'000'000);
    } else {
      AppendMany(n);
    }
    auto drained = chainer.Drain();
    ASSERT_TRUE(drained.ok()) << drained.status().ToString();
    chainer.Stop();
  }

  std::int64_t Count(const char* collection) {
    mongo::Client client = pool_->Acquire();
    BsonPtr all = mongo::NewBson();
    std::int64_t n = -1;
    EXPECT_TRUE(mongo::CountDocuments(client.Collection(kDb, collection), all.get(), &n).ok());
    return n;
  }

  // The block listing record `seq`.
  BsonPtr BlockOf(std::int64_t seq) {
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("first_seq", "{", "$lte", BCON_INT64(seq), "}", "last_seq", "{", "$gte",
                            BCON_INT64(seq), "}"));
    auto doc = mongo::FindOne(client.Collection(kDb, "chain"), filter.get(), nullptr, nullptr);
    EXPECT_TRUE(doc.ok() && doc->has_value()) << "no block lists record " << seq;
    return doc.ok() && doc->has_value() ? std::move(doc->value()) : mongo::NewBson();
  }

  // Member `field` (ids or hashes) of record `seq`'s block at its position.
  std::string BlockEntry(std::int64_t seq, const char* field) {
    BsonPtr block = BlockOf(seq);
    std::string path =
        std::string(field) + "." + std::to_string(seq - mongo::GetInt(block.get(), "first_seq"));
    bson_iter_t it, found;
    if (!bson_iter_init(&it, block.get()) ||
        !bson_iter_find_descendant(&it, path.c_str(), &found) || !BSON_ITER_HOLDS_UTF8(&found)) {
      ADD_FAILURE() << "no " << path;
      return "";
    }
    return bson_iter_utf8(&found, nullptr);
  }
  std::string IdAt(std::int64_t seq) { return BlockEntry(seq, "ids"); }
  std::string HashAt(std::int64_t seq) { return BlockEntry(seq, "hashes"); }

  BsonPtr RecordDoc(std::int64_t seq) {
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(IdAt(seq).c_str())));
    auto doc = mongo::FindOne(client.Collection(kDb, "records"), filter.get(), nullptr, nullptr);
    EXPECT_TRUE(doc.ok() && doc->has_value());
    return doc.ok() && doc->has_value() ? std::move(doc->value()) : mongo::NewBson();
  }

  void SetRecord(std::int64_t seq, const bson_t* set) {
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(IdAt(seq).c_str())));
    BsonPtr update(BCON_NEW("$set", BCON_DOCUMENT(set)));
    std::int64_t matched = 0;
    ASSERT_TRUE(mongo::UpdateOne(client.Collection(kDb, "records"), filter.get(), update.get(),
                                 nullptr, &matched)
                    .ok());
    ASSERT_EQ(matched, 1);
  }

  void DeleteRecords(std::int64_t from, std::int64_t to) {
    mongo::Client client = pool_->Acquire();
    for (std::int64_t seq = from; seq <= to; ++seq) {
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(IdAt(seq).c_str())));
      std::int64_t deleted = 0;
      ASSERT_TRUE(
          mongo::DeleteMany(client.Collection(kDb, "records"), filter.get(), nullptr, &deleted)
              .ok());
      ASSERT_EQ(deleted, 1);
    }
  }

  void SetBlock(std::int64_t number, const bson_t* set) {
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", BCON_INT64(number)));
    BsonPtr update(BCON_NEW("$set", BCON_DOCUMENT(set)));
    std::int64_t matched = 0;
    ASSERT_TRUE(mongo::UpdateOne(client.Collection(kDb, "chain"), filter.get(), update.get(),
                                 nullptr, &matched)
                    .ok());
    ASSERT_EQ(matched, 1);
  }

  void DeleteBlocks(std::int64_t from, std::int64_t to) {
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", "{", "$gte", BCON_INT64(from), "$lte", BCON_INT64(to), "}"));
    ASSERT_TRUE(mongo::DeleteMany(client.Collection(kDb, "chain"), filter.get(), nullptr).ok());
  }

  // Rewrites the head as if record `seq` (the last of block `block`) were the last chained.
  void SetHead(std::int64_t seq, std::int64_t block) {
    std::string hash = HashAt(seq), cursor = IdAt(seq);
    mongo::Client client = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8("head")));
    BsonPtr update(BCON_NEW("$set", "{", "seq", BCON_INT64(seq), "hash", BCON_UTF8(hash.c_str()),
                            "block", BCON_INT64(block), "cursor", BCON_UTF8(cursor.c_str()), "}"));
    ASSERT_TRUE(
        mongo::UpdateOne(client.Collection(kDb, "meta"), filter.get(), update.get(), nullptr).ok());
  }

  VerifyReport Check() {
    auto report = Verify(*pool_, kDb, {key_->public_key_hex()});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport{};
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  std::unique_ptr<AuditKey> key_;
};

TEST(AuditRecordTest, CanonicalTextHasAFixedMemberOrder) {
  Record r = TransitionRec(1000, 1);
  r.producer = "p";
  BsonPtr doc = format::RecordDoc(r);
  EXPECT_EQ(format::CanonicalFromRecord(7, doc.get()),
            R"({"seq":7,"time":1000,"kind":"transition","producer":"p",)"
            R"("execution":"arn:aws:states:us-east-1:123456789012:execution:m:e1",)"
            R"("stateMachine":"arn:aws:states:us-east-1:123456789012:stateMachine:m",)"
            R"("events":[{"type":"TaskStateEntered","state":"A"},)"
            R"({"type":"TaskFailed","error":"E.Boom","cause":"it broke"}]})");
  EXPECT_EQ(format::ChainHash(format::kGenesisHash, "x"),
            Sha256Hex(std::string(format::kGenesisHash) + "\nx"));
}

TEST(AuditRecordTest, StepsCommittedTogetherAreOneTransitionsRecord) {
  Record r = Record::Transitions(2000, "p", {TransitionRec(1000, 1), TransitionRec(2000, 2)});
  EXPECT_EQ(r.kind, RecordKind::kTransitions);
  BsonPtr doc = format::RecordDoc(r);
  EXPECT_EQ(mongo::GetString(doc.get(), "kind"), "transitions");
  std::string step1 = R"({"execution":"arn:aws:states:us-east-1:123456789012:execution:m:e1",)"
                      R"("stateMachine":"arn:aws:states:us-east-1:123456789012:stateMachine:m",)"
                      R"("events":[{"type":"TaskStateEntered","state":"A"},)"
                      R"({"type":"TaskFailed","error":"E.Boom","cause":"it broke"}]})";
  std::string step2 = step1;
  step2.replace(step2.find(":e1\""), 4, ":e2\"");
  EXPECT_EQ(format::CanonicalFromRecord(3, doc.get()),
            R"({"seq":3,"time":2000,"kind":"transitions","producer":"p","steps":[)" + step1 + "," +
                step2 + "]}");
}

TEST(AuditRecordTest, TheStoredRecordCarriesItsIndexKeysAndNoChainFields) {
  BsonPtr doc = format::RecordDoc(DataRec(5, "exec-1", {J("7"), J(R"("7")")}));
  EXPECT_EQ(mongo::GetString(doc.get(), "kind"), "data");
  EXPECT_EQ(mongo::GetInt(doc.get(), "time"), 5);
  EXPECT_EQ(mongo::GetString(doc.get(), "execution"), "exec-1");
  EXPECT_EQ(mongo::GetString(doc.get(), "namespace"), kNs);
  bson_iter_t it, id;
  ASSERT_TRUE(bson_iter_init(&it, doc.get()) && bson_iter_find_descendant(&it, "ids.1", &id));
  EXPECT_STREQ(bson_iter_utf8(&id, nullptr), R"("7")");
  for (const char* chain_field : {"seq", "prev", "hash", "canonical"}) {
    EXPECT_FALSE(mongo::Has(doc.get(), chain_field)) << chain_field;
  }
  BsonPtr rebuilt = format::RebuildRecordDoc(doc.get());
  EXPECT_TRUE(bson_equal(rebuilt.get(), doc.get()));

  // Ids sort in the order they were taken, and by their time prefix.
  std::string a = format::NewRecordId(), b = format::NewRecordId();
  EXPECT_LT(a, b);
  EXPECT_EQ(a.size(), 30u);
  EXPECT_GE(format::IdTime(a), 1'700'000'000'000);
  EXPECT_LE(format::IdPrefix(format::IdTime(a)), a);
  EXPECT_LT(a, format::IdPrefix(format::IdTime(a) + 1));
  EXPECT_EQ(format::IdTime("abc"), -1);
}

TEST(AuditRecordTest, DataRecordsListAtMostAHundredIds) {
  std::vector<json::value> ids;
  for (int i = 0; i < 150; ++i) ids.emplace_back(i);
  Record r = DataRec(1, "e", ids);
  EXPECT_EQ(r.fields.at("ids").as_array().size(), kMaxDataIds);
  EXPECT_EQ(r.fields.at("count").as_int64(), 150);
  EXPECT_TRUE(r.fields.at("idsTruncated").as_bool());
  EXPECT_FALSE(DataRec(1, "e", {json::value(1)}).fields.at("idsTruncated").as_bool());
}

TEST_F(AuditTest, AppendInsideATransactionExistsIffItCommits) {
  AuditOutbox outbox(kDb);
  mongo::Client client = pool_->Acquire();
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(1, 1)).ok());
  EXPECT_EQ(Count("records"), 1);

  auto session = client.StartSession();
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Begin().ok());
  ASSERT_TRUE(outbox.Append(client, session->get(), ApiRec(2, 2)).ok());
  ASSERT_TRUE((*session)->Commit().ok());
  EXPECT_EQ(Count("records"), 2);

  ASSERT_TRUE((*session)->Begin().ok());
  ASSERT_TRUE(outbox.Append(client, session->get(), ApiRec(3, 3)).ok());
  (*session)->Abort();
  EXPECT_EQ(Count("records"), 2);

  Chainer chainer(pool_, Options("solo"));
  EXPECT_EQ(*chainer.Drain(), 2);
  // Written once: the records stay as they are, the chain is one block listing them.
  EXPECT_EQ(Count("records"), 2);
  EXPECT_EQ(Count("chain"), 1);
  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, 2);
  EXPECT_EQ(report.unchained, 0);
}

TEST_F(AuditTest, ChainsAndVerifiesFiveThousandRecordsWithCheckpoints) {
  AppendMany(5000);
  ChainerOptions o = Options("solo");
  o.checkpoint_records = 1000;
  Chainer chainer(pool_, o);
  auto drained = chainer.Drain();
  ASSERT_TRUE(drained.ok()) << drained.status().ToString();
  EXPECT_EQ(*drained, 5000);
  EXPECT_EQ(Count("records"), 5000);
  EXPECT_EQ(Count("chain"), 5);        // batches of 1000: one block each
  EXPECT_EQ(Count("checkpoints"), 5);  // and one checkpoint per batch

  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, 5000);
  EXPECT_EQ(report.checkpoints_checked, 5);
  EXPECT_EQ(report.first_bad_seq, 0);
  EXPECT_EQ(report.unchained, 0);

  // _id order is arrival order: record 1 is the first appended.
  EXPECT_EQ(mongo::GetInt(RecordDoc(1).get(), "time"), 1'000'000);
  EXPECT_EQ(mongo::GetInt(RecordDoc(5000).get(), "time"), 1'004'999);
  BsonPtr block = BlockOf(1);
  EXPECT_EQ(mongo::GetString(block.get(), "prev"), std::string(format::kGenesisHash));
  EXPECT_EQ(mongo::GetInt(BlockOf(1001).get(), "first_seq"), 1001);
  EXPECT_EQ(mongo::GetString(BlockOf(1001).get(), "prev"), HashAt(1000));
}

TEST_F(AuditTest, ModifiedRecordContentIsDetected) {
  Chain(200);
  std::string fields = mongo::GetString(RecordDoc(61).get(), "fields");
  std::string forged = fields;
  forged.replace(forged.find("\"update\""), 8, "\"delete\"");  // j = 60: a data record
  BsonPtr set(BCON_NEW("fields", BCON_UTF8(forged.c_str())));
  SetRecord(61, set.get());
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 61);
  EXPECT_NE(report.reason.find("hash does not match"), std::string::npos) << report.reason;

  BsonPtr restored(BCON_NEW("fields", BCON_UTF8(fields.c_str())));
  SetRecord(61, restored.get());
  EXPECT_TRUE(Check().ok);
  BsonPtr time(BCON_NEW("time", BCON_INT64(1)));
  SetRecord(62, time.get());
  report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 62);
}

TEST_F(AuditTest, ModifiedIndexFieldIsDetected) {
  Chain(200);
  BsonPtr set(BCON_NEW("execution", BCON_UTF8("arn:forged")));
  SetRecord(61, set.get());  // j = 60: a data record
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 61);
  EXPECT_NE(report.reason.find("field 'execution'"), std::string::npos) << report.reason;

  BsonPtr restored(BCON_NEW("execution", BCON_UTF8("exec-4")));  // j = 60: 60 % 7
  SetRecord(61, restored.get());
  BsonPtr extra(BCON_NEW("note", BCON_UTF8("added later")));
  SetRecord(62, extra.get());
  report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 62);
  EXPECT_NE(report.reason.find("field 'note'"), std::string::npos) << report.reason;
}

TEST_F(AuditTest, DeletedMiddleRecordIsDetected) {
  Chain(200);
  DeleteRecords(100, 100);
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 100);
  EXPECT_NE(report.reason.find("record 100 is missing"), std::string::npos) << report.reason;
  EXPECT_EQ(report.records_checked, 99);
}

TEST_F(AuditTest, SwappedRecordsAreDetected) {
  Chain(200);
  // The contents of records 30 and 40 trade places under their _ids.
  BsonPtr a = RecordDoc(30), b = RecordDoc(40);
  auto replace = [&](const bson_t* with, const std::string& id) {
    mongo::Client client = pool_->Acquire();
    BsonPtr doc(BCON_NEW("_id", BCON_UTF8(id.c_str())));
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init(&it, with));
    while (bson_iter_next(&it)) {
      if (std::string_view(bson_iter_key(&it)) != "_id") {
        bson_append_iter(doc.get(), bson_iter_key(&it), -1, &it);
      }
    }
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str())));
    ASSERT_TRUE(mongo::DeleteMany(client.Collection(kDb, "records"), filter.get(), nullptr).ok());
    ASSERT_TRUE(mongo::InsertOne(client.Collection(kDb, "records"), doc.get(), nullptr).ok());
  };
  std::string id30 = IdAt(30), id40 = IdAt(40);
  replace(b.get(), id30);
  replace(a.get(), id40);
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 30);
  EXPECT_NE(report.reason.find("reordered"), std::string::npos) << report.reason;
}

TEST_F(AuditTest, SwappedIdsInABlockAreDetected) {
  Chain(200);  // blocks of 10: records 21..30 in block 3
  std::string id23 = IdAt(23), id27 = IdAt(27);
  BsonPtr set(BCON_NEW("ids.2", BCON_UTF8(id27.c_str()), "ids.6", BCON_UTF8(id23.c_str())));
  SetBlock(3, set.get());
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 23);
  EXPECT_NE(report.reason.find("reordered"), std::string::npos) << report.reason;
}

TEST_F(AuditTest, ModifiedBlockIsDetected) {
  Chain(200);
  std::string hash = HashAt(25);
  BsonPtr forged(BCON_NEW("hashes.4", BCON_UTF8(std::string(64, 'f').c_str())));
  SetBlock(3, forged.get());
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 25);
  EXPECT_NE(report.reason.find("hash does not match"), std::string::npos) << report.reason;

  BsonPtr restored(BCON_NEW("hashes.4", BCON_UTF8(hash.c_str())));
  SetBlock(3, restored.get());
  EXPECT_TRUE(Check().ok);
  BsonPtr prev(BCON_NEW("prev", BCON_UTF8(std::string(64, '0').c_str())));
  SetBlock(5, prev.get());
  report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 41);
  EXPECT_NE(report.reason.find("block 5: prev does not match"), std::string::npos) << report.reason;
}

TEST_F(AuditTest, DeletedMiddleBlockIsDetected) {
  Chain(200);
  DeleteBlocks(5, 5);  // records 41..50 stay, but nothing chains them any more
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 41);
  EXPECT_NE(report.reason.find("records 41..50 are missing (block 5 is missing"), std::string::npos)
      << report.reason;
  EXPECT_EQ(report.records_checked, 40);
}

TEST_F(AuditTest, TruncatedTailIsDetectedByTheHead) {
  Chain(200);
  DeleteRecords(191, 200);
  DeleteBlocks(20, 20);
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 191);
  EXPECT_NE(report.reason.find("records 191..200 are missing"), std::string::npos) << report.reason;
}

TEST_F(AuditTest, TruncatedTailWithARewrittenHeadIsDetectedByACheckpointPastIt) {
  Chain(200, /*checkpoint_at=*/150);
  SetHead(100, 10);
  DeleteRecords(101, 200);
  DeleteBlocks(11, 20);
  VerifyReport report = Check();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 150);
  EXPECT_NE(report.reason.find("checkpoint 150: record 150 is missing"), std::string::npos)
      << report.reason;
}

// The documented limit: past the newest checkpoint, a truncation that also rewrites the head
// goes unnoticed.
TEST_F(AuditTest, TruncationPastTheLastCheckpointWithARewrittenHeadIsNotDetected) {
  Chain(200, /*checkpoint_at=*/150);
  SetHead(180, 18);
  DeleteRecords(181, 200);
  DeleteBlocks(19, 20);
  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, 180);
}

// A transaction took its record's _id, then a batch passed that _id before the transaction
// committed. The embedded store serializes writers, so the test plays the late commit by
// inserting a record document built earlier.
TEST_F(AuditTest, ARecordCommittedAfterABatchPassedItsIdIsChainedByALaterBatch) {
  AuditOutbox outbox(kDb);
  mongo::Client client = pool_->Acquire();
  mongoc_collection_t* records = client.Collection(kDb, "records");
  BsonPtr late = format::RecordDoc(ApiRec(1, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(2, 2)).ok());
  Chainer chainer(pool_, Options("solo"));
  ASSERT_EQ(*chainer.Drain(), 1);
  EXPECT_EQ(mongo::GetInt(RecordDoc(1).get(), "time"), 2);

  ASSERT_TRUE(mongo::InsertOne(records, late.get(), nullptr).ok());
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(3, 3)).ok());
  ASSERT_EQ(*chainer.Drain(), 2);  // the late one first, then the new one, in one block
  EXPECT_EQ(mongo::GetInt(RecordDoc(2).get(), "time"), 1);
  EXPECT_EQ(mongo::GetInt(RecordDoc(3).get(), "time"), 3);
  EXPECT_EQ(*chainer.Drain(), 0);  // never twice
  chainer.Stop();

  // Nor by a chainer taking over (it learns the recent ids from the blocks).
  Chainer next(pool_, Options("next"));
  EXPECT_EQ(*next.Drain(), 0);
  // The background loop finds late records too.
  BsonPtr late2 = format::RecordDoc(ApiRec(4, 4));
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(5, 5)).ok());
  ASSERT_EQ(*next.Drain(), 1);
  ASSERT_TRUE(mongo::InsertOne(records, late2.get(), nullptr).ok());
  next.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (next.chained() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  next.Stop();
  EXPECT_EQ(next.chained(), 2);

  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, 5);
  EXPECT_EQ(report.unchained, 0);
}

// Committed longer than the late window after its _id was taken: never chained, and counted.
TEST_F(AuditTest, ARecordCommittedPastTheLateWindowIsCountedUnchained) {
  AuditOutbox outbox(kDb);
  mongo::Client client = pool_->Acquire();
  ChainerOptions o = Options("solo");
  o.late_window_ms = 50;
  Chainer chainer(pool_, o);
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(1, 1)).ok());
  ASSERT_EQ(*chainer.Drain(), 1);
  ASSERT_EQ(*chainer.Drain(), 0);  // a scan for late records: none

  BsonPtr too_late = format::RecordDoc(ApiRec(2, 2));
  ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(3, 3)).ok());
  ASSERT_EQ(*chainer.Drain(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(*chainer.Drain(), 0);
  ASSERT_TRUE(mongo::InsertOne(client.Collection(kDb, "records"), too_late.get(), nullptr).ok());
  EXPECT_EQ(*chainer.Drain(), 0);

  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, 2);
  EXPECT_EQ(report.unchained, 1);
}

TEST_F(AuditTest, AVersionOneDatabaseIsRefused) {
  mongo::Client client = pool_->Acquire();
  BsonPtr head(BCON_NEW("_id", BCON_UTF8("head"), "seq", BCON_INT64(3), "hash", BCON_UTF8("x")));
  ASSERT_TRUE(mongo::InsertOne(client.Collection("old_audit", "meta"), head.get(), nullptr).ok());
  common::Status st = EnsureSchema(*pool_, "old_audit");
  EXPECT_EQ(st.code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("format version 1"), std::string::npos) << st.ToString();
  EXPECT_TRUE(EnsureSchema(*pool_, kDb).ok());  // version 2: idempotent
}

TEST_F(AuditTest, LineageUsesTheSparseIndexThatReplacedTheOldOne) {
  mongo::Client client = pool_->Acquire();
  // A database made by an earlier build: the {kind, namespace, ids} index over every record.
  BsonPtr old_keys(
      BCON_NEW("kind", BCON_INT32(1), "namespace", BCON_INT32(1), "ids", BCON_INT32(1)));
  ASSERT_TRUE(mongo::CreateIndex(client.Collection("older_audit", "records"), old_keys.get(),
                                 "kind_namespace_ids", false)
                  .ok());
  ASSERT_TRUE(EnsureSchema(*pool_, "older_audit").ok());
  BsonPtr list(BCON_NEW("listIndexes", BCON_UTF8("records")));
  auto answer = [&](const bson_t* command) {
    bson_t reply;
    EXPECT_TRUE(client.Command("older_audit", command, &reply).ok());
    char* text = bson_as_relaxed_extended_json(&reply, nullptr);
    std::string out = text;
    bson_free(text);
    bson_destroy(&reply);
    return out;
  };
  std::string indexes = answer(list.get());
  EXPECT_EQ(indexes.find("kind_namespace_ids"), std::string::npos) << indexes;
  EXPECT_NE(indexes.find("namespace_ids"), std::string::npos) << indexes;
  EXPECT_NE(indexes.find("\"sparse\" : true"), std::string::npos) << indexes;
  // Lineage's query is answered by it.
  BsonPtr explain(BCON_NEW("explain", "{", "find", BCON_UTF8("records"), "filter", "{", "kind",
                           BCON_UTF8("data"), "namespace", BCON_UTF8(kNs), "ids", BCON_UTF8("7"),
                           "}", "}"));
  std::string shown = answer(explain.get());
  EXPECT_NE(shown.find("\"indexName\" : \"namespace_ids\""), std::string::npos) << shown;
}

TEST_F(AuditTest, CheckpointsVerifyOnlyWithATrustedKey) {
  Chain(100, /*checkpoint_at=*/50);
  auto trusted_pem = PublicKeyHexFromPem(key_->public_key_pem());
  ASSERT_TRUE(trusted_pem.ok()) << trusted_pem.status().ToString();
  EXPECT_EQ(*trusted_pem, key_->public_key_hex());
  auto ok = Verify(*pool_, kDb, {*trusted_pem});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->ok) << ok->reason;
  EXPECT_EQ(ok->checkpoints_checked, 1);

  auto other = AuditKey::FromPrivateKey(TestKeyBytes('x'));
  ASSERT_TRUE(other.ok());
  auto untrusted = Verify(*pool_, kDb, {other->public_key_hex()});
  ASSERT_TRUE(untrusted.ok());
  EXPECT_FALSE(untrusted->ok);
  EXPECT_EQ(untrusted->first_bad_seq, 50);
  EXPECT_NE(untrusted->reason.find("not trusted"), std::string::npos) << untrusted->reason;

  // A checkpoint re-signed over another hash by an untrusted key, under the trusted key's id.
  mongo::Client client = pool_->Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_INT64(50)));
  BsonPtr update(BCON_NEW("$set", "{", "signature",
                          BCON_UTF8(other->Sign("tactus-audit-checkpoint\n50\nx\n1").c_str()),
                          "}"));
  ASSERT_TRUE(
      mongo::UpdateOne(client.Collection(kDb, "checkpoints"), filter.get(), update.get(), nullptr)
          .ok());
  VerifyReport forged = Check();
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.first_bad_seq, 50);
  EXPECT_NE(forged.reason.find("signature is invalid"), std::string::npos) << forged.reason;
}

TEST_F(AuditTest, TwoConcurrentChainersProduceOneUnbrokenChain) {
  // A lease that lapses between polls makes both chainers work at once: only the conditional
  // head keeps the chain whole.
  ChainerOptions oa = Options("a"), ob = Options("b");
  oa.lease_ms = ob.lease_ms = 1;
  oa.poll_ms = ob.poll_ms = 1;
  oa.batch = ob.batch = 50;
  oa.checkpoint_records = ob.checkpoint_records = 500;
  Chainer a(pool_, oa), b(pool_, ob);
  a.Start();
  b.Start();

  constexpr int kThreads = 4, kEach = 300;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([this, t] {
      AuditOutbox outbox(kDb);
      mongo::Client client = pool_->Acquire();
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(outbox.Append(client, nullptr, ApiRec(1000 + i, t * kEach + i)).ok());
      }
    });
  }
  for (auto& p : producers) p.join();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (a.chained() + b.chained() < kThreads * kEach &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  a.Stop();
  b.Stop();
  EXPECT_EQ(Count("records"), kThreads * kEach);
  EXPECT_EQ(a.chained() + b.chained(), kThreads * kEach);
  VerifyReport report = Check();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records_checked, kThreads * kEach);
  EXPECT_EQ(report.unchained, 0);
}

TEST_F(AuditTest, OnlyTheLeaseHolderChains) {
  Chainer a(pool_, Options("a")), b(pool_, Options("b"));
  AppendMany(10);
  EXPECT_EQ(*a.Drain(), 10);
  AppendMany(5, 2'000'000);
  auto refused = b.Drain();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("chain"), 1);
  a.Stop();  // releases the lease
  EXPECT_EQ(*b.Drain(), 5);
  EXPECT_TRUE(Check().ok);
}

TEST_F(AuditTest, LineageAndExecutionsTouching) {
  AuditOutbox outbox(kDb);
  mongo::Client client = pool_->Acquire();
  auto append = [&](const Record& r) { ASSERT_TRUE(outbox.Append(client, nullptr, r).ok()); };
  append(DataRec(100, "exec-1", {J(R"({"$oid": "65f000000000000000000001"})"), J("7")}, kNs,
                 "insert"));
  append(DataRec(200, "exec-2", {J(R"("7")")}, kNs, "update"));
  append(DataRec(300, "exec-2", {J(R"({"$oid": "65f000000000000000000001"})")}, kNs, "delete"));
  append(DataRec(400, "exec-3", {J(R"({"$oid": "65f000000000000000000001"})")}, "shop.other"));
  append(ApiRec(500, 1));
  Chainer chainer(pool_, Options("solo"));
  ASSERT_EQ(*chainer.Drain(), 5);
  // Not chained yet: not in the lineage (it has no seq), but among the executions touching.
  append(DataRec(600, "exec-4", {J(R"({"$oid": "65f000000000000000000001"})")}, kNs, "find"));

  auto lineage = Lineage(*pool_, kDb, kNs, J(R"({"$oid": "65f000000000000000000001"})"));
  ASSERT_TRUE(lineage.ok()) << lineage.status().ToString();
  ASSERT_EQ(lineage->size(), 2u);
  EXPECT_EQ((*lineage)[0].execution, "exec-1");
  EXPECT_EQ((*lineage)[0].operation, "insert");
  EXPECT_EQ((*lineage)[0].time, 100);
  EXPECT_EQ((*lineage)[0].seq, 1);
  EXPECT_EQ((*lineage)[1].execution, "exec-2");
  EXPECT_EQ((*lineage)[1].operation, "delete");
  EXPECT_EQ((*lineage)[1].seq, 3);

  auto number = Lineage(*pool_, kDb, kNs, J("7"));
  ASSERT_TRUE(number.ok());
  ASSERT_EQ(number->size(), 1u);
  EXPECT_EQ((*number)[0].execution, "exec-1");
  auto text = Lineage(*pool_, kDb, kNs, J(R"("7")"));
  ASSERT_TRUE(text.ok());
  ASSERT_EQ(text->size(), 1u);
  EXPECT_EQ((*text)[0].execution, "exec-2");

  auto touching = ExecutionsTouching(*pool_, kDb, kNs, 0);
  ASSERT_TRUE(touching.ok()) << touching.status().ToString();
  ASSERT_EQ(touching->size(), 3u);
  EXPECT_EQ((*touching)[2].execution, "exec-4");
  EXPECT_EQ((*touching)[0].execution, "exec-1");
  EXPECT_EQ((*touching)[0].first, 100);
  EXPECT_EQ((*touching)[1].execution, "exec-2");
  EXPECT_EQ((*touching)[1].first, 200);
  EXPECT_EQ((*touching)[1].last, 300);
  EXPECT_EQ((*touching)[1].records, 2);
  auto recent = ExecutionsTouching(*pool_, kDb, kNs, 250);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].execution, "exec-2");
  EXPECT_EQ((*recent)[0].first, 300);
}

TEST_F(AuditTest, ExportWritesVerifiableJsonLines) {
  Chain(30);
  std::vector<std::string> lines;
  ASSERT_TRUE(Export(*pool_, kDb, 11, [&](std::string_view line) {
                lines.emplace_back(line);
                return true;
              }).ok());
  ASSERT_EQ(lines.size(), 20u);
  std::string prev = HashAt(10);  // blocks of 10: the export starts at block 2's first record
  for (std::size_t i = 0; i < lines.size(); ++i) {
    json::value line = J(lines[i]);
    const json::object& o = line.as_object();
    EXPECT_EQ(o.at("seq").as_int64(), static_cast<std::int64_t>(11 + i));
    EXPECT_EQ(o.at("prev").as_string(), prev);
    std::string canonical(o.at("canonical").as_string());
    EXPECT_EQ(format::ChainHash(prev, canonical), o.at("hash").as_string());
    EXPECT_EQ(J(canonical).as_object().at("seq").as_int64(), static_cast<std::int64_t>(11 + i));
    prev = std::string(o.at("hash").as_string());
  }
  int calls = 0;
  ASSERT_TRUE(Export(*pool_, kDb, 1, [&](std::string_view) { return ++calls < 3; }).ok());
  EXPECT_EQ(calls, 3);
  // From the middle of a block.
  lines.clear();
  ASSERT_TRUE(Export(*pool_, kDb, 15, [&](std::string_view line) {
                lines.emplace_back(line);
                return true;
              }).ok());
  ASSERT_EQ(lines.size(), 16u);
  EXPECT_EQ(J(lines[0]).as_object().at("prev").as_string(), HashAt(14));
  // From every seq: the block holding it is found (a binary search over the block numbers).
  for (std::int64_t from = 0; from <= 32; ++from) {
    std::vector<std::int64_t> seqs;
    ASSERT_TRUE(Export(*pool_, kDb, from, [&](std::string_view line) {
                  seqs.push_back(J(line).as_object().at("seq").as_int64());
                  return true;
                }).ok());
    std::int64_t first = std::max<std::int64_t>(from, 1);
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(std::max<std::int64_t>(0, 31 - first))) << from;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      EXPECT_EQ(seqs[i], first + static_cast<std::int64_t>(i));
    }
  }
}

TEST_F(AuditTest, KeyFileIsCreated0600AndReloaded) {
  std::string path = docdb_->dir() + "/audit.key";
  auto created = AuditKey::LoadOrCreate(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(created->key_id().size(), 16u);
  EXPECT_EQ(created->key_id(), KeyIdOf(created->public_key_hex()));

  auto reloaded = AuditKey::LoadOrCreate(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(reloaded->public_key_hex(), created->public_key_hex());
  std::string sig = reloaded->Sign("m");
  EXPECT_TRUE(VerifySignature(created->public_key_hex(), "m", sig));
  EXPECT_FALSE(VerifySignature(created->public_key_hex(), "n", sig));

  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto exposed = AuditKey::LoadOrCreate(path);
  ASSERT_FALSE(exposed.ok());
  EXPECT_EQ(exposed.status().code(), common::StatusCode::kFailedPrecondition);

  std::string short_path = docdb_->dir() + "/short.key";
  { std::ofstream(short_path) << "too short"; }
  ASSERT_EQ(chmod(short_path.c_str(), 0600), 0);
  auto bad = AuditKey::LoadOrCreate(short_path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), common::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tactus::audit
