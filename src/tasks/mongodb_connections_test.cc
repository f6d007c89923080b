// Which version of a named connection's URI a task uses (mongodb_connections.h): the newest; the
// previous one only when the newest fails to authenticate within the grace period; a secret past
// its maximum age refused when so configured.
#include "tasks/mongodb_connections.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "docdb/testing/temp_store.h"

namespace tactus::tasks {
namespace {

class ConnectionSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-connsecrets";
    store.tcp = true;
    store.auth = true;
    store.pool_size = 0;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    // The first user, through the localhost exception.
    auto admin = mongo::Pool::Open(Uri(""), 2);
    ASSERT_TRUE(admin.ok());
    mongo::Client client = (*admin)->Acquire();
    mongo::BsonPtr create(
        BCON_NEW("createUser", "app", "pwd", "right-pw", "roles", "[", BCON_UTF8("root"), "]"));
    ASSERT_TRUE(client.Command("admin", create.get()).ok());
    auto own = mongo::Pool::Open(Uri("app:right-pw@"), 2);
    ASSERT_TRUE(own.ok());
    own_ = std::move(*own);
  }
  void TearDown() override {
    own_.reset();
    docdb_.reset();
  }

  std::string Uri(const std::string& userinfo) const {
    return "mongodb://" + userinfo + "127.0.0.1:" + std::to_string(docdb_->server().port()) +
           "/?directConnection=true&serverSelectionTimeoutMS=3000&authSource=admin";
  }

  TaskOutcome Insert(ConnectionTaskDispatcher& d, int id) {
    TaskRequest r;
    r.resource = "arn:tactus:states:::mongodb:insertOne";
    r.parameters = json::object{{"Connection", "w"},
                                {"Database", "shop"},
                                {"Collection", "orders"},
                                {"Document", json::object{{"_id", id}}}};
    return d.Invoke(r);
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  std::unique_ptr<mongo::Pool> own_;
  common::VirtualClock clock_{1'700'000'000'000};
};

TEST_F(ConnectionSecretsTest, ThePreviousVersionServesOnlyWithinTheGracePeriod) {
  const common::TimeMs rotated = clock_.Now();
  std::vector<ConnectionUriVersion> versions = {{2, rotated, Uri("app:not-yet-pw@")},
                                                {1, rotated - 86400000, Uri("app:right-pw@")}};
  SecretUse use;
  use.grace_ms = 60000;
  ConnectionTaskDispatcher d(
      *own_,
      [&](const std::string&) {
        return common::Result<std::optional<std::vector<ConnectionUriVersion>>>(versions);
      },
      use, &clock_);
  TaskOutcome ok = Insert(d, 1);
  EXPECT_TRUE(ok.ok) << ok.error << ": " << ok.cause;
  clock_.AdvanceTo(rotated + 60000);
  TaskOutcome refused = Insert(d, 2);
  ASSERT_FALSE(refused.ok);
  EXPECT_EQ(refused.cause.find("not-yet-pw"), std::string::npos) << refused.cause;
  EXPECT_EQ(refused.cause.find("right-pw"), std::string::npos) << refused.cause;
  // A single version has nothing to fall back on.
  versions.resize(1);
  clock_.AdvanceTo(rotated + 60000 + 1);
  versions[0].created = clock_.Now();
  EXPECT_FALSE(Insert(d, 3).ok);
}

TEST_F(ConnectionSecretsTest, AStaleSecretIsRefusedWhenSoConfigured) {
  std::vector<ConnectionUriVersion> versions = {{1, clock_.Now(), Uri("app:right-pw@")}};
  auto resolver = [&](const std::string&) {
    return common::Result<std::optional<std::vector<ConnectionUriVersion>>>(versions);
  };
  SecretUse warn;
  warn.max_age_ms = 86400000;
  ConnectionTaskDispatcher warning(*own_, resolver, warn, &clock_);
  SecretUse refuse = warn;
  refuse.refuse_stale = true;
  ConnectionTaskDispatcher refusing(*own_, resolver, refuse, &clock_);
  EXPECT_TRUE(Insert(refusing, 10).ok);
  clock_.AdvanceTo(clock_.Now() + 2 * 86400000);
  EXPECT_TRUE(Insert(warning, 11).ok);  // past the maximum age: a warning only
  TaskOutcome stale = Insert(refusing, 12);
  ASSERT_FALSE(stale.ok);
  EXPECT_EQ(stale.error, "MongoDB.StaleSecret");
  EXPECT_NE(stale.cause.find("2 days old, past the maximum of 1 days"), std::string::npos)
      << stale.cause;
  EXPECT_EQ(stale.cause.find("right-pw"), std::string::npos);
}

}  // namespace
}  // namespace tactus::tasks
