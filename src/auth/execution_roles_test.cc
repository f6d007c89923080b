#include "auth/execution_roles.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "docdb/testing/temp_store.h"

namespace tactus::auth {
namespace {

constexpr const char* kTrustStates =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class ExecutionRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-roles";
    store.pool_size = 4;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();
    auto key = MasterKey::FromBytes(std::string(32, 'm'));
    ASSERT_TRUE(key.ok());
    store_ = std::make_unique<IamStore>(*pool_, "tactus", "123456789012", std::move(*key), clock_);
    ASSERT_TRUE(store_->EnsureSchema().ok());
    roles_ = std::make_unique<ExecutionRoles>(*store_, clock_);
  }
  void TearDown() override {
    roles_.reset();
    store_.reset();
    docdb_.reset();
  }

  void Role(const std::string& name, const std::string& policy,
            const std::string& trust = kTrustStates) {
    ASSERT_TRUE(store_->CreateRole(name, trust, 0, "").ok());
    ASSERT_TRUE(store_->PutPolicy(PolicyHolder::kRole, name, "p", policy).ok());
  }

  std::optional<tasks::TaskOutcome> Check(const std::string& role, const std::string& resource,
                                          const std::string& params,
                                          const std::string& credentials_role = "") {
    tasks::TaskRequest r;
    r.state_name = "S";
    r.resource = resource;
    r.parameters = *common::ParseJson(params);
    r.role_arn = role.empty() ? "" : store_->RoleArn(role);
    r.credentials_role_arn = credentials_role.empty() ? "" : store_->RoleArn(credentials_role);
    return roles_->Authorize(r);
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  common::VirtualClock clock_{1'700'000'000'000};
  std::unique_ptr<IamStore> store_;
  std::unique_ptr<ExecutionRoles> roles_;
};

constexpr const char* kFind = "arn:tactus:states:::mongodb:find";

TEST_F(ExecutionRolesTest, AllowedOnOneCollectionDeniedOnAnother) {
  Role("orders",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"mongodb:find",)"
       R"("Resource":"arn:tactus:mongodb:::shop/orders"}]})");
  EXPECT_FALSE(Check("orders", kFind, R"({"Database":"shop","Collection":"orders"})"));
  auto denied = Check("orders", kFind, R"({"Database":"shop","Collection":"payments"})");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->error, "States.Permissions");
  EXPECT_EQ(denied->cause,
            "Role arn:aws:iam::123456789012:role/orders is not authorized to perform: "
            "mongodb:find on resource: arn:tactus:mongodb:::shop/payments because no "
            "identity-based policy allows the mongodb:find action");
  // An insert is another action.
  EXPECT_TRUE(Check("orders", "arn:tactus:states:::mongodb:insertOne",
                    R"({"Database":"shop","Collection":"orders","Document":{}})"));
  // Resources that need no permission pass.
  EXPECT_FALSE(Check("orders", "arn:aws:states:us-east-1:123456789012:activity:a", "{}"));
}

TEST_F(ExecutionRolesTest, ExplicitDenyWinsAndIsNamed) {
  Role("shop",
       R"({"Version":"2012-10-17","Statement":[)"
       R"({"Effect":"Allow","Action":"mongodb:*","Resource":"arn:tactus:mongodb:::shop/*"},)"
       R"({"Sid":"NoPayments","Effect":"Deny","Action":"mongodb:*",)"
       R"("Resource":"arn:tactus:mongodb:::shop/payments"}]})");
  EXPECT_FALSE(Check("shop", "arn:tactus:states:::mongodb:updateMany",
                     R"({"Database":"shop","Collection":"orders"})"));
  auto denied = Check("shop", "arn:tactus:states:::mongodb:archive",
                      R"({"Database":"shop","Collection":"orders","TargetCollection":"payments"})");
  ASSERT_TRUE(denied);
  EXPECT_NE(denied->cause.find("mongodb:insert on resource: arn:tactus:mongodb:::shop/payments "
                               "with an explicit deny in statement 'NoPayments' of policy "
                               "'role/shop/p'"),
            std::string::npos)
      << denied->cause;
}

TEST_F(ExecutionRolesTest, UnknownRoleOrNoRoleIsDenied) {
  auto denied = Check("ghost", kFind, R"({"Database":"shop","Collection":"orders"})");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->error, "States.Permissions");
  EXPECT_NE(denied->cause.find("does not exist in the IAM store"), std::string::npos);
  tasks::TaskRequest r;
  r.resource = kFind;
  r.parameters = boost::json::object{{"Database", "shop"}, {"Collection", "orders"}};
  r.role_arn = "arn:aws:iam::999999999999:role/other-account";
  ASSERT_TRUE(roles_->Authorize(r));
  r.role_arn = "";
  ASSERT_TRUE(roles_->Authorize(r));
}

TEST_F(ExecutionRolesTest, OwnDatabasesNeedAStatementNamingThem) {
  Role("admin", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",)"
                R"("Resource":"*"}]})");
  EXPECT_FALSE(Check("admin", kFind, R"({"Database":"shop","Collection":"orders"})"));
  auto denied = Check("admin", kFind, R"({"Database":"tactus","Collection":"executions"})");
  ASSERT_TRUE(denied);
  EXPECT_NE(denied->cause.find("tactus is Tactus's own database"), std::string::npos);
  EXPECT_TRUE(Check("admin", kFind, R"({"Database":"tactus_audit","Collection":"records"})"));
  // On a named connection it is another deployment's database of that name.
  EXPECT_FALSE(
      Check("admin", kFind, R"({"Database":"tactus","Collection":"x","Connection":"other"})"));
  Role("ops", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"mongodb:find",)"
              R"("Resource":"arn:tactus:mongodb:::tactus/executions"}]})");
  EXPECT_FALSE(Check("ops", kFind, R"({"Database":"tactus","Collection":"executions"})"));
}

TEST_F(ExecutionRolesTest, CredentialsRoleArnNarrowsTheRole) {
  std::string exec_arn = store_->RoleArn("exec");
  Role(
      "exec",
      R"({"Version":"2012-10-17","Statement":[)"
      R"({"Effect":"Allow","Action":"mongodb:*","Resource":"*"},)"
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/reader"}]})");
  std::string trusts_exec = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                            R"("Principal":{"AWS":")" +
                            exec_arn + R"("},"Action":"sts:AssumeRole"}]})";
  Role("reader",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"mongodb:find",)"
       R"("Resource":"arn:tactus:mongodb:::shop/*"}]})",
       trusts_exec);
  Role("untrusting",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");
  const char* orders = R"({"Database":"shop","Collection":"orders"})";
  EXPECT_FALSE(Check("exec", "arn:tactus:states:::mongodb:deleteMany", orders));
  EXPECT_FALSE(Check("exec", kFind, orders, "reader"));
  auto narrowed = Check("exec", "arn:tactus:states:::mongodb:deleteMany", orders, "reader");
  ASSERT_TRUE(narrowed);
  EXPECT_NE(narrowed->cause.find("Role arn:aws:iam::123456789012:role/reader is not authorized"),
            std::string::npos);
  // Not allowed sts:AssumeRole on it.
  auto no_assume = Check("exec", kFind, orders, "untrusting");
  ASSERT_TRUE(no_assume);
  EXPECT_NE(no_assume->cause.find("sts:AssumeRole"), std::string::npos);
  // Allowed to assume, but the target does not trust the execution role.
  ASSERT_TRUE(store_
                  ->PutPolicy(PolicyHolder::kRole, "exec", "all",
                              R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                              R"("Action":"sts:AssumeRole","Resource":"*"}]})")
                  .ok());
  clock_.AdvanceTo(clock_.Now() + kIamCacheMs);
  auto untrusted = Check("exec", kFind, orders, "untrusting");
  ASSERT_TRUE(untrusted);
  EXPECT_NE(untrusted->cause.find("its trust policy does not trust"), std::string::npos)
      << untrusted->cause;
}

TEST_F(ExecutionRolesTest, HttpAndLambdaAreChecked) {
  Role(
      "web",
      R"({"Version":"2012-10-17","Statement":[)"
      R"({"Effect":"Allow","Action":"http:invoke","Resource":"arn:tactus:http:::https://api.example.com/*"},)"
      R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:*:*:function:ok"}]})");
  EXPECT_FALSE(Check("web", "arn:aws:states:::http:invoke",
                     R"({"ApiEndpoint":"https://api.example.com/v1?x=1","Method":"GET"})"));
  auto denied = Check("web", "arn:aws:states:::http:invoke",
                      R"({"ApiEndpoint":"https://evil.example.com/","Method":"GET"})");
  ASSERT_TRUE(denied);
  EXPECT_NE(
      denied->cause.find("http:invoke on resource: arn:tactus:http:::https://evil.example.com/"),
      std::string::npos);
  EXPECT_FALSE(Check("web", "arn:aws:states:::lambda:invoke", R"({"FunctionName":"ok"})"));
  EXPECT_TRUE(Check("web", "arn:aws:states:::lambda:invoke", R"({"FunctionName":"nope"})"));
}

TEST_F(ExecutionRolesTest, PoliciesAreCachedForAtMostASecond) {
  Role("c", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"mongodb:find",)"
            R"("Resource":"*"}]})");
  const char* orders = R"({"Database":"shop","Collection":"orders"})";
  EXPECT_FALSE(Check("c", kFind, orders));
  ASSERT_TRUE(store_->DeletePolicy(PolicyHolder::kRole, "c", "p").ok());
  EXPECT_FALSE(Check("c", kFind, orders));  // cached
  clock_.AdvanceTo(clock_.Now() + kIamCacheMs);
  EXPECT_TRUE(Check("c", kFind, orders));
}

}  // namespace
}  // namespace tactus::auth
