// The embedded store through libmongoc: findAndModify races and multi-document transactions.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace {

// findAndModify

class DocdbMongocFindAndModifyTest : public StoreTest {};

TEST_F(DocdbMongocFindAndModifyTest, EightThreadsClaimEveryJobExactlyOnce) {
  constexpr int kJobs = 200;
  constexpr int kThreads = 8;
  auto jobs = Collection("jobs");
  InsertNumbered(jobs.get(), kJobs, R"(, "state": "ready")");

  bson_error_t error;
  UriPtr uri(mongoc_uri_new_with_error(Uri().c_str(), &error));
  ASSERT_NE(uri, nullptr) << error.message;
  PoolPtr pool(mongoc_client_pool_new(uri.get()));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(mongoc_client_pool_set_error_api(pool.get(), MONGOC_ERROR_API_VERSION_2));

  std::mutex mu;
  std::vector<int64_t> claimed;
  std::vector<std::string> failures;
  auto worker = [&](int n) {
    PooledClient client(pool.get());
    auto coll = Collection("jobs", client.get());
    FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
    mongoc_find_and_modify_opts_set_sort(opts.get(), Json(R"({"_id": 1})").get());
    mongoc_find_and_modify_opts_set_update(
        opts.get(),
        Json(R"({"$set": {"state": "taken", "by": "w)" + std::to_string(n) + R"("}})").get());
    mongoc_find_and_modify_opts_set_flags(opts.get(), MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    auto query = Json(R"({"state": "ready"})");
    while (true) {
      Reply reply;
      bson_error_t err;
      if (!mongoc_collection_find_and_modify_with_opts(coll.get(), query.get(), opts.get(),
                                                       reply.out(), &err)) {
        std::lock_guard lock(mu);
        failures.push_back(err.message);
        return;
      }
      auto id = GetInt(reply.get(), "value._id");
      if (!id) return;  // value: null, nothing left
      std::lock_guard lock(mu);
      claimed.push_back(*id);
      if (GetString(reply.get(), "value.state") != "taken") {
        failures.push_back("not the new document: " + ToJson(reply.get()));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();

  EXPECT_TRUE(failures.empty()) << failures.front();
  std::sort(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed, Range(0, kJobs));
  EXPECT_EQ(Count("jobs", R"({"state": "ready"})"), 0);
  EXPECT_EQ(Count("jobs", R"({"state": "taken"})"), kJobs);
}

TEST_F(DocdbMongocFindAndModifyTest, UpsertCreatesThenUpdatesTheLease) {
  auto leases = Collection("leases");
  FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
  mongoc_find_and_modify_opts_set_update(
      opts.get(), Json(R"({"$set": {"owner": "w1"}, "$inc": {"epoch": 1}})").get());
  mongoc_find_and_modify_opts_set_flags(
      opts.get(), static_cast<mongoc_find_and_modify_flags_t>(MONGOC_FIND_AND_MODIFY_UPSERT |
                                                              MONGOC_FIND_AND_MODIFY_RETURN_NEW));
  auto query = Json(R"({"_id": "lease"})");
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_find_and_modify_with_opts(leases.get(), query.get(), opts.get(),
                                                          reply.out(), &error))
      << error.message;
  // New fields land in lexicographic order, as in MongoDB 5.0+.
  EXPECT_EQ(GetJson(reply.get(), "value"), R"({ "_id" : "lease", "epoch" : 1, "owner" : "w1" })")
      << ToJson(reply.get());
  EXPECT_EQ(GetString(reply.get(), "lastErrorObject.upserted"), "lease") << ToJson(reply.get());

  ASSERT_TRUE(mongoc_collection_find_and_modify_with_opts(leases.get(), query.get(), opts.get(),
                                                          reply.out(), &error))
      << error.message;
  EXPECT_EQ(GetInt(reply.get(), "value.epoch"), 2) << ToJson(reply.get());
  auto updated = Lookup(reply.get(), "lastErrorObject.updatedExisting");
  ASSERT_TRUE(updated.has_value()) << ToJson(reply.get());
  EXPECT_TRUE(bson_iter_as_bool(&*updated));
  EXPECT_EQ(Count("leases"), 1);
}

// ---------------------------------------------------------------------------------------------
// Transactions

class DocdbMongocTransactionTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    accounts_ = Collection("accounts");
    ledger_ = Collection("ledger");
    std::vector<BsonPtr> docs;
    docs.push_back(Json(R"({"_id": "a", "balance": 100})"));
    docs.push_back(Json(R"({"_id": "b", "balance": 0})"));
    InsertMany(accounts_.get(), docs);
  }

  SessionPtr StartSession() {
    bson_error_t error;
    SessionPtr session(mongoc_client_start_session(client_.get(), nullptr, &error));
    EXPECT_NE(session, nullptr) << error.message;
    return session;
  }

  // The options that put an operation in `session`.
  static BsonPtr In(mongoc_client_session_t* session) {
    BsonPtr opts(bson_new());
    bson_error_t error;
    EXPECT_TRUE(mongoc_client_session_append(session, opts.get(), &error)) << error.message;
    return opts;
  }

  static bool Update(mongoc_collection_t* coll, mongoc_client_session_t* session,
                     const std::string& filter, const std::string& update, Reply* reply,
                     bson_error_t* error) {
    return mongoc_collection_update_one(coll, Json(filter).get(), Json(update).get(),
                                        In(session).get(), reply->out(), error);
  }

  // A session with a transaction started.
  SessionPtr InTransaction() {
    auto session = StartSession();
    bson_error_t error;
    EXPECT_TRUE(mongoc_client_session_start_transaction(session.get(), nullptr, &error))
        << error.message;
    return session;
  }

  // What Balances() returns for these balances of a and b.
  static std::vector<std::string> BalancesOf(int a, int b) {
    return {R"({ "_id" : "a", "balance" : )" + std::to_string(a) + " }",
            R"({ "_id" : "b", "balance" : )" + std::to_string(b) + " }"};
  }

  // bulkWrite on admin in `session` (in its transaction when one is started): a debit of a,
  // its ledger entry, and an event in a second database, in one command.
  bool TransferInOneBulkWrite(mongoc_client_session_t* session, Reply* reply, bson_error_t* error) {
    auto command = Json(R"({"bulkWrite": 1, "ops": [
        {"update": 0, "filter": {"_id": "a"}, "updateMods": {"$inc": {"balance": -30}}},
        {"insert": 1, "document": {"_id": 1, "from": "a", "amount": 30}},
        {"insert": 2, "document": {"_id": 1, "kind": "transfer"}}],
      "nsInfo": [{"ns": ")" +
                        db_name_ + R"(.accounts"}, {"ns": ")" + db_name_ +
                        R"(.ledger"}, {"ns": ")" + db_name_ + R"(_audit.events"}]})");
    return RunOnAdmin(command.get(), reply, error, In(session).get());
  }

  int64_t AuditEvents() {
    CollectionPtr events(
        mongoc_client_get_collection(client_.get(), (db_name_ + "_audit").c_str(), "events"));
    auto cursor = Find(events.get(), "{}");
    return static_cast<int64_t>(DrainJson(cursor.get()).size());
  }

  std::vector<std::string> Balances() {
    auto cursor = Find(accounts_.get(), "{}", R"({"sort": {"_id": 1}})");
    return DrainJson(cursor.get());
  }

  CollectionPtr accounts_, ledger_;
};

TEST_F(DocdbMongocTransactionTest, CommitMakesBothWritesVisible) {
  auto session = StartSession();
  bson_error_t error;
  ASSERT_TRUE(mongoc_client_session_start_transaction(session.get(), nullptr, &error))
      << error.message;
  Reply reply;
  ASSERT_TRUE(Update(accounts_.get(), session.get(), R"({"_id": "a"})",
                     R"({"$inc": {"balance": -30}})", &reply, &error))
      << error.message;
  ASSERT_TRUE(mongoc_collection_insert_one(ledger_.get(),
                                           Json(R"({"_id": 1, "from": "a", "amount": 30})").get(),
                                           In(session.get()).get(), reply.out(), &error))
      << error.message;

  // Outside the transaction nothing has happened yet.
  EXPECT_EQ(Count("ledger"), 0);
  EXPECT_EQ(Balances(), (std::vector<std::string>{R"({ "_id" : "a", "balance" : 100 })",
                                                  R"({ "_id" : "b", "balance" : 0 })"}));

  ASSERT_TRUE(mongoc_client_session_commit_transaction(session.get(), reply.out(), &error))
      << error.message;
  EXPECT_EQ(Count("ledger"), 1);
  EXPECT_EQ(Balances(), (std::vector<std::string>{R"({ "_id" : "a", "balance" : 70 })",
                                                  R"({ "_id" : "b", "balance" : 0 })"}));
}

TEST_F(DocdbMongocTransactionTest, AbortDiscardsBothWrites) {
  auto session = StartSession();
  bson_error_t error;
  ASSERT_TRUE(mongoc_client_session_start_transaction(session.get(), nullptr, &error))
      << error.message;
  Reply reply;
  ASSERT_TRUE(Update(accounts_.get(), session.get(), R"({"_id": "a"})",
                     R"({"$set": {"balance": -1}})", &reply, &error))
      << error.message;
  ASSERT_TRUE(mongoc_collection_insert_one(ledger_.get(), Json(R"({"_id": 2})").get(),
                                           In(session.get()).get(), reply.out(), &error))
      << error.message;
  ASSERT_TRUE(mongoc_client_session_abort_transaction(session.get(), &error)) << error.message;

  EXPECT_EQ(Count("ledger"), 0);
  EXPECT_EQ(Balances(), (std::vector<std::string>{R"({ "_id" : "a", "balance" : 100 })",
                                                  R"({ "_id" : "b", "balance" : 0 })"}));
}

// As in MongoDB, a statement that fails inside a transaction (here a duplicate key) aborts the
// whole transaction: the commit fails and the earlier write is gone.
TEST_F(DocdbMongocTransactionTest, DuplicateKeyInsideATransactionAbortsIt) {
  auto session = StartSession();
  bson_error_t error;
  ASSERT_TRUE(mongoc_client_session_start_transaction(session.get(), nullptr, &error))
      << error.message;
  Reply reply;
  ASSERT_TRUE(Update(accounts_.get(), session.get(), R"({"_id": "a"})",
                     R"({"$inc": {"balance": -30}})", &reply, &error))
      << error.message;
  EXPECT_FALSE(mongoc_collection_insert_one(accounts_.get(), Json(R"({"_id": "b"})").get(),
                                            In(session.get()).get(), reply.out(), &error));
  EXPECT_EQ(error.code, 11000u) << error.message;

  EXPECT_FALSE(mongoc_client_session_commit_transaction(session.get(), reply.out(), &error));
  EXPECT_EQ(error.code, 251u) << error.message;  // NoSuchTransaction
  EXPECT_EQ(Balances(), (std::vector<std::string>{R"({ "_id" : "a", "balance" : 100 })",
                                                  R"({ "_id" : "b", "balance" : 0 })"}));
}

// The runtime's use of bulkWrite: the writes of one transaction to several collections (here of
// two databases) in one round trip, which commit or abort together.
TEST_F(DocdbMongocTransactionTest, BulkWriteInATransactionCommitsEveryNamespaceTogether) {
  auto session = InTransaction();
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(TransferInOneBulkWrite(session.get(), &reply, &error)) << error.message;
  EXPECT_EQ(GetInt(reply.get(), "nErrors"), 0) << ToJson(reply.get());
  EXPECT_EQ(GetInt(reply.get(), "nInserted"), 2);
  EXPECT_EQ(GetInt(reply.get(), "nModified"), 1);
  EXPECT_EQ(Count("ledger") + AuditEvents(), 0);  // nothing is visible before the commit
  ASSERT_TRUE(mongoc_client_session_commit_transaction(session.get(), reply.out(), &error))
      << error.message;
  EXPECT_EQ(Count("ledger"), 1);
  EXPECT_EQ(AuditEvents(), 1);
  EXPECT_EQ(Balances(), BalancesOf(70, 0));
}

TEST_F(DocdbMongocTransactionTest, BulkWriteInAnAbortedTransactionLeavesNothing) {
  auto session = InTransaction();
  Reply reply;
  bson_error_t error;
  ASSERT_TRUE(TransferInOneBulkWrite(session.get(), &reply, &error)) << error.message;
  ASSERT_TRUE(mongoc_client_session_abort_transaction(session.get(), &error)) << error.message;
  EXPECT_EQ(Count("ledger") + AuditEvents(), 0);
  EXPECT_EQ(Balances(), BalancesOf(100, 0));
}

struct CreditB {
  mongoc_collection_t* accounts;
  int calls = 0;
};

bool CreditBInTransaction(mongoc_client_session_t* session, void* ctx, bson_t** reply_out,
                          bson_error_t* error) {
  auto* credit = static_cast<CreditB*>(ctx);
  ++credit->calls;
  BsonPtr opts(bson_new());
  if (!mongoc_client_session_append(session, opts.get(), error)) return false;
  Reply reply;
  if (!mongoc_collection_update_one(credit->accounts, Json(R"({"_id": "b"})").get(),
                                    Json(R"({"$inc": {"balance": 10}})").get(), opts.get(),
                                    reply.out(), error)) {
    *reply_out = bson_copy(reply.get());  // with_transaction reads its error labels
    return false;
  }
  return true;
}

TEST_F(DocdbMongocTransactionTest, SecondWriterGetsTransientWriteConflictAndRetriesAfterCommit) {
  auto session_a = StartSession();
  auto session_b = StartSession();
  bson_error_t error;
  Reply reply;

  ASSERT_TRUE(mongoc_client_session_start_transaction(session_a.get(), nullptr, &error))
      << error.message;
  ASSERT_TRUE(Update(accounts_.get(), session_a.get(), R"({"_id": "a"})",
                     R"({"$inc": {"balance": -10}})", &reply, &error))
      << error.message;

  ASSERT_TRUE(mongoc_client_session_start_transaction(session_b.get(), nullptr, &error))
      << error.message;
  EXPECT_FALSE(Update(accounts_.get(), session_b.get(), R"({"_id": "b"})",
                      R"({"$inc": {"balance": 10}})", &reply, &error));
  EXPECT_EQ(error.code, 112u) << error.message;  // WriteConflict
  EXPECT_TRUE(mongoc_error_has_label(reply.get(), "TransientTransactionError"))
      << ToJson(reply.get());
  // The driver's abort is best effort; the server has already given up B's transaction.
  mongoc_client_session_abort_transaction(session_b.get(), &error);

  ASSERT_TRUE(mongoc_client_session_commit_transaction(session_a.get(), reply.out(), &error))
      << error.message;

  CreditB credit{accounts_.get()};
  ASSERT_TRUE(mongoc_client_session_with_transaction(session_b.get(), CreditBInTransaction, nullptr,
                                                     &credit, reply.out(), &error))
      << error.message << " " << ToJson(reply.get());
  EXPECT_EQ(credit.calls, 1);
  EXPECT_EQ(Balances(), (std::vector<std::string>{R"({ "_id" : "a", "balance" : 90 })",
                                                  R"({ "_id" : "b", "balance" : 10 })"}));
}

// ---------------------------------------------------------------------------------------------

}  // namespace
}  // namespace tactus::docdb
