#include "auth/iam_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "auth/sessions.h"
#include "docdb/testing/temp_store.h"

namespace tactus::auth {
namespace {

constexpr const char* kDb = "tactus";

std::string TempDir(const char* prefix) {
  std::string pattern = std::string("/tmp/") + prefix + "-XXXXXX";
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

TEST(MasterKeyTest, SealsAndOpensWithTheSameAad) {
  auto key = MasterKey::FromBytes(std::string(32, 'k'));
  ASSERT_TRUE(key.ok());
  SealedSecret sealed = key->Seal("the secret", "AKIAEXAMPLE");
  EXPECT_EQ(sealed.kid, key->kid());
  EXPECT_EQ(sealed.iv.size(), 24u);
  EXPECT_EQ(sealed.ct.find("the secret"), std::string::npos);
  auto opened = key->Open(sealed, "AKIAEXAMPLE");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "the secret");
  // Another AAD (the ciphertext moved onto another key's document) does not authenticate.
  EXPECT_EQ(key->Open(sealed, "AKIAOTHER").status().code(), common::StatusCode::kInvalidArgument);
  // Nor does a flipped bit.
  SealedSecret tampered = sealed;
  tampered.ct[0] = tampered.ct[0] == '0' ? '1' : '0';
  EXPECT_FALSE(key->Open(tampered, "AKIAEXAMPLE").ok());
  // Two seals of one secret differ (fresh IVs).
  EXPECT_NE(key->Seal("the secret", "AKIAEXAMPLE").ct, sealed.ct);
  // Another master key says so.
  auto other = MasterKey::FromBytes(std::string(32, 'o'));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->Open(sealed, "AKIAEXAMPLE").status().code(),
            common::StatusCode::kFailedPrecondition);
}

TEST(MasterKeyTest, FileIsCreatedOnceWithMode0600AndEnvWins) {
  std::string dir = TempDir("tactus-mk");
  std::string path = dir + "/master.key";
  bool created = false;
  auto first = MasterKey::Load(path, nullptr, &created);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto second = MasterKey::Load(path, nullptr, &created);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(second->kid(), first->kid());
  // The environment wins over the file.
  auto env = MasterKey::Load(path, "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=", &created);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->kid(), MasterKey::FromBytes(std::string(32, 'k'))->kid());
  EXPECT_FALSE(MasterKey::Load(path, "not base64", nullptr).ok());
  // A key file others can read is refused.
  chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKey::Load(path, nullptr).status().code(),
            common::StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

class IamStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-iam";
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();
    auto key = MasterKey::FromBytes(std::string(32, 'm'));
    ASSERT_TRUE(key.ok());
    store_ = std::make_unique<IamStore>(*pool_, kDb, "123456789012", std::move(*key), clock_);
    ASSERT_TRUE(store_->EnsureSchema().ok());
  }
  void TearDown() override {
    store_.reset();
    docdb_.reset();
  }

  // Every access key document, as relaxed Extended JSON.
  std::string AccessKeyDocuments() {
    std::string all;
    mongo::Client client = pool_->Acquire();
    mongo::BsonPtr filter(bson_new());
    auto st = mongo::Find(client.Collection(kDb, "iam_access_keys"), filter.get(), nullptr, nullptr,
                          [&](const bson_t* d) {
                            char* json = bson_as_relaxed_extended_json(d, nullptr);
                            all += json;
                            bson_free(json);
                            return true;
                          });
    EXPECT_TRUE(st.ok());
    return all;
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  common::VirtualClock clock_{1'700'000'000'000};
  std::unique_ptr<IamStore> store_;
};

TEST_F(IamStoreTest, AccessKeySecretIsNotStoredInClear) {
  ASSERT_TRUE(store_->CreateUser("alice").ok());
  auto key = store_->CreateAccessKey("alice");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->id.starts_with("AKIA"));
  EXPECT_EQ(key->id.size(), 20u);
  EXPECT_EQ(key->secret.size(), 40u);
  std::string stored = AccessKeyDocuments();
  EXPECT_NE(stored.find(key->id), std::string::npos);
  EXPECT_EQ(stored.find(key->secret), std::string::npos) << stored;
  EXPECT_NE(stored.find("AES-256-GCM"), std::string::npos);
  auto secret = store_->LookupSecret(key->id);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(secret->secret_access_key, key->secret);
  EXPECT_EQ(secret->principal, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(store_->LookupSecret("AKIANOSUCHKEY0000000").status().code(),
            common::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, LookupsAreCachedForAtMostOneSecond) {
  ASSERT_TRUE(store_->CreateUser("carol").ok());
  auto key = store_->CreateAccessKey("carol");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store_->LookupSecret(key->id).ok());
  // Another process deletes the key: this one keeps its cached answer for under a second.
  {
    mongo::Client client = pool_->Acquire();
    mongo::BsonPtr filter(BCON_NEW("_id", BCON_UTF8(key->id.c_str())));
    ASSERT_TRUE(
        mongo::DeleteOne(client.Collection(kDb, "iam_access_keys"), filter.get(), nullptr).ok());
  }
  clock_.AdvanceTo(clock_.Now() + kIamCacheMs - 1);
  EXPECT_TRUE(store_->LookupSecret(key->id).ok());
  clock_.AdvanceTo(clock_.Now() + 1);
  EXPECT_EQ(store_->LookupSecret(key->id).status().code(), common::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, InactiveKeysAndDeletedUsersDoNotAuthenticate) {
  ASSERT_TRUE(store_->CreateUser("dave").ok());
  auto key = store_->CreateAccessKey("dave");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store_->SetAccessKeyStatus("dave", key->id, false).ok());
  EXPECT_EQ(store_->LookupSecret(key->id).status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUser("dave").code(), common::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->DeleteAccessKey("dave", key->id).ok());
  EXPECT_TRUE(store_->DeleteUser("dave").ok());
  EXPECT_EQ(store_->GetUser("dave").status().code(), common::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, PoliciesForAreTheUsersThenItsGroups) {
  ASSERT_TRUE(store_->CreateUser("bob").ok());
  ASSERT_TRUE(store_->CreateGroup("ops").ok());
  const std::string allow =
      R"({"Version":"2012-10-17","Statement":[{"Sid":"Start","Effect":"Allow",)"
      R"("Action":"states:StartExecution","Resource":"*"}]})";
  const std::string deny =
      R"({"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny",)"
      R"("Action":"states:Delete*","Resource":"*"}]})";
  ASSERT_TRUE(store_->PutPolicy(PolicyHolder::kUser, "bob", "start", allow).ok());
  ASSERT_TRUE(store_->PutPolicy(PolicyHolder::kGroup, "ops", "nodelete", deny).ok());
  ASSERT_TRUE(store_->AddUserToGroup("ops", "bob").ok());
  auto info = store_->PoliciesFor("bob");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ((*info)->arn, "arn:aws:iam::123456789012:user/bob");
  EXPECT_TRUE((*info)->user_id.starts_with("AIDA"));
  ASSERT_EQ((*info)->policies.size(), 2u);
  EXPECT_EQ((*info)->policies[0].name, "user/bob/start");
  EXPECT_EQ((*info)->policies[1].name, "group/ops/nodelete");
  RequestContext request;
  request.action = "states:DeleteStateMachine";
  request.resource = "arn:aws:states:us-east-1:123456789012:stateMachine:x";
  request.principal = (*info)->arn;
  Decision d = Evaluate((*info)->policies, request);
  EXPECT_EQ(d.effect, DecisionEffect::kExplicitDeny);
  EXPECT_EQ(d.policy_name, "group/ops/nodelete");
  EXPECT_EQ(d.statement, "NoDelete");
  EXPECT_EQ(store_->DeleteGroup("ops").code(), common::StatusCode::kFailedPrecondition);
}

TEST_F(IamStoreTest, PoliciesAreValidatedAndNamesChecked) {
  ASSERT_TRUE(store_->CreateUser("erin").ok());
  auto st = store_->PutPolicy(PolicyHolder::kUser, "erin", "bad",
                              R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                              R"("Action":"states:*"}]})");
  EXPECT_EQ(st.code(), common::StatusCode::kInvalidArgument);
  EXPECT_TRUE(st.message().starts_with("Statement")) << st.message();
  EXPECT_EQ(store_->CreateUser("no spaces").status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateUser("erin").status().code(), common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->PutPolicy(PolicyHolder::kUser, "nobody", "p", std::string(kAdminPolicy)).code(),
            common::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, RolesHoldATrustPolicyAndASessionLimit) {
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
      R"("Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  auto role = store_->CreateRole("runner", trust, 0, "runs workflows");
  ASSERT_TRUE(role.ok()) << role.status().ToString();
  EXPECT_EQ(role->arn, "arn:aws:iam::123456789012:role/runner");
  EXPECT_EQ(role->max_session_seconds, 3600);
  EXPECT_EQ(store_->CreateRole("long", trust, 43201, "").status().code(),
            common::StatusCode::kInvalidArgument);
  // An identity policy is not a trust policy.
  EXPECT_FALSE(store_->CreateRole("r2", std::string(kAdminPolicy), 0, "").ok());
  ASSERT_TRUE(
      store_->PutPolicy(PolicyHolder::kRole, "runner", "p", std::string(kAdminPolicy)).ok());
  auto got = store_->GetRole("runner");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->trust_policy, trust);
  ASSERT_EQ(got->policies.size(), 1u);
  auto roles = store_->ListRoles();
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(roles->size(), 1u);
}

TEST_F(IamStoreTest, BootstrapCreatesTheAdminOnce) {
  auto first = store_->BootstrapAdmin();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->user, "admin");
  auto second = store_->BootstrapAdmin();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  auto info = store_->PoliciesFor("admin");
  ASSERT_TRUE(info.ok());
  RequestContext request;
  request.action = "iam:CreateUser";
  request.resource = "arn:aws:iam::123456789012:user/x";
  EXPECT_EQ(Evaluate((*info)->policies, request).effect, DecisionEffect::kAllow);
}

}  // namespace
}  // namespace tactus::auth

namespace tactus::auth {
namespace {

TEST_F(IamStoreTest, SessionsSealTheSecretHashTheTokenAndExpire) {
  auto key = MasterKey::FromBytes(std::string(32, 'm'));
  ASSERT_TRUE(key.ok());
  SessionStore sessions(*pool_, kDb, "123456789012", std::move(*key), clock_);
  ASSERT_TRUE(sessions.EnsureSchema().ok());
  SessionSpec spec{"runner", "arn:aws:iam::123456789012:role/runner", "AROAEXAMPLE", "s1", "",
                   "AssumeRole", "arn:aws:iam::123456789012:user/admin", 900};
  auto made = sessions.Create(spec);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(IsSessionKeyId(made->access_key_id));
  EXPECT_EQ(made->access_key_id.size(), 20u);
  EXPECT_EQ(made->secret_access_key.size(), 40u);
  EXPECT_GE(made->session_token.size(), 64u);
  EXPECT_EQ(made->arn, "arn:aws:sts::123456789012:assumed-role/runner/s1");
  EXPECT_EQ(made->expires, clock_.Now() + 900'000);

  auto got = sessions.Lookup(made->access_key_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->secret_access_key, made->secret_access_key);
  EXPECT_EQ(got->token_sha256, SessionTokenHash(made->session_token));
  EXPECT_EQ(got->role, "runner");
  EXPECT_EQ(got->expires, made->expires);
  EXPECT_EQ(sessions.Lookup("ASIAUNKNOWN000000000").status().code(),
            common::StatusCode::kNotFound);

  // Neither the secret nor the token is stored.
  std::string all;
  mongo::Client client = pool_->Acquire();
  mongo::BsonPtr filter(bson_new());
  ASSERT_TRUE(mongo::Find(client.Collection(kDb, "iam_sessions"), filter.get(), nullptr, nullptr,
                          [&](const bson_t* d) {
                            char* json = bson_as_relaxed_extended_json(d, nullptr);
                            all += json;
                            bson_free(json);
                            return true;
                          })
                  .ok());
  EXPECT_NE(all.find(made->access_key_id), std::string::npos);
  EXPECT_EQ(all.find(made->secret_access_key), std::string::npos);
  EXPECT_EQ(all.find(made->session_token), std::string::npos);

  // Sessions expired for more than a day are swept when another is created.
  clock_.AdvanceTo(made->expires + kExpiredSessionRetentionMs + 1);
  ASSERT_TRUE(sessions.Create(spec).ok());
  sessions.ClearCache();
  EXPECT_EQ(sessions.Lookup(made->access_key_id).status().code(),
            common::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, PoliciesForRoleAreTheRolesInlinePolicies) {
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
      R"("Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]})";
  ASSERT_TRUE(store_->CreateRole("ops", trust, 0, "").ok());
  ASSERT_TRUE(store_->PutPolicy(PolicyHolder::kRole, "ops", "all", std::string(kAdminPolicy)).ok());
  auto info = store_->PoliciesForRole("ops");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ((*info)->arn, "arn:aws:iam::123456789012:role/ops");
  EXPECT_TRUE((*info)->user_id.starts_with("AROA"));
  ASSERT_EQ((*info)->policies.size(), 1u);
  EXPECT_EQ((*info)->policies[0].name, "role/ops/all");
  EXPECT_EQ(store_->PoliciesForRole("nope").status().code(), common::StatusCode::kNotFound);
  // Deleting the role ends its policies at once (this store's writes clear the cache).
  ASSERT_TRUE(store_->DeleteRole("ops").ok());
  EXPECT_EQ(store_->PoliciesForRole("ops").status().code(), common::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tactus::auth
