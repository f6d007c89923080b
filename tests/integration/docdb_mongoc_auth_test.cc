// The embedded store with --auth through libmongoc: SCRAM-SHA-256 and SCRAM-SHA-1 logins,
// the localhost exception, users and roles, and enforcement (code 13) on every command,
// including a collection-scoped custom role.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace {

constexpr int kUnauthorized = 13;

class DocdbMongocAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    EmbeddedServer::Options options;
    options.dbpath = dir_;
    options.port = 0;
    options.durable = false;
    options.auth = true;
    auto started = EmbeddedServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    // The localhost exception: with no user at all, a local client creates the first one.
    auto anonymous = Connect(Uri(""));
    ASSERT_NE(anonymous, nullptr);
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(mongoc_client_command_simple(
        anonymous.get(), "admin",
        Json(R"({"createUser": "admin", "pwd": "s3cret", "roles": ["root"]})").get(), nullptr,
        reply.out(), &error))
        << error.message;
    // The exception is closed now that a user exists.
    bool second = mongoc_client_command_simple(
        anonymous.get(), "admin",
        Json(R"({"createUser": "sneaky", "pwd": "x", "roles": ["root"]})").get(), nullptr,
        reply.out(), &error);
    EXPECT_FALSE(second);
    EXPECT_EQ(error.code, static_cast<uint32_t>(kUnauthorized));

    auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin&authMechanism=SCRAM-SHA-256"));
    ASSERT_NE(admin, nullptr);
    for (const char* command :
         {R"({"createRole": "orderClerk", "privileges": [
              {"resource": {"db": "shop", "collection": "orders"}, "actions": ["find", "insert"]}],
              "roles": []})",
          R"({"createUser": "clerk", "pwd": "pencil", "roles": ["orderClerk"]})"}) {
      ASSERT_TRUE(mongoc_client_command_simple(admin.get(), "shop", Json(command).get(), nullptr,
                                               reply.out(), &error))
          << command << ": " << error.message;
    }
  }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // credentials: "user:pwd@" or "".
  static std::string Uri(const std::string& credentials, const std::string& options = "") {
    return "mongodb://" + credentials + "127.0.0.1:" + std::to_string(server_->port()) +
           "/?directConnection=true&serverSelectionTimeoutMS=5000" + options;
  }

  // Runs `json` on `db`; returns the server's error code (0 on success).
  static uint32_t Run(mongoc_client_t* client, const char* db, const std::string& json,
                      Reply* reply = nullptr) {
    Reply local;
    bson_error_t error;
    bool ok = mongoc_client_command_simple(client, db, Json(json).get(), nullptr,
                                           (reply ? reply : &local)->out(), &error);
    return ok ? 0 : error.code;
  }

  static inline std::string dir_;
  static inline std::unique_ptr<EmbeddedServer> server_;
};

// The test the issue asks for: find + insert on shop.orders, nothing else.
TEST_F(DocdbMongocAuthTest, CollectionScopedRoleAllowsOnlyItsCollection) {
  auto clerk = Connect(Uri("clerk:pencil@", "&authSource=shop&authMechanism=SCRAM-SHA-256"));
  ASSERT_NE(clerk, nullptr);
  CollectionPtr orders(mongoc_client_get_collection(clerk.get(), "shop", "orders"));
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(orders.get(), Json(R"({"_id": 1, "sku": "A"})").get(),
                                           nullptr, nullptr, &error))
      << error.message;
  CursorPtr cursor(
      mongoc_collection_find_with_opts(orders.get(), Json("{}").get(), nullptr, nullptr));
  EXPECT_EQ(DrainIds(cursor.get()), std::vector<int64_t>{1});

  // Not granted: update and remove on orders, anything on customers, anything elsewhere.
  EXPECT_EQ(Run(clerk.get(), "shop",
                R"({"update": "orders", "updates": [{"q": {}, "u": {"$set": {"x": 1}}}]})"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "shop", R"({"delete": "orders", "deletes": [{"q": {}, "limit": 0}]})"),
            static_cast<uint32_t>(kUnauthorized));
  CollectionPtr customers(mongoc_client_get_collection(clerk.get(), "shop", "customers"));
  EXPECT_FALSE(mongoc_collection_insert_one(customers.get(), Json(R"({"_id": 1})").get(), nullptr,
                                            nullptr, &error));
  EXPECT_EQ(error.code, static_cast<uint32_t>(kUnauthorized));
  Reply reply;
  EXPECT_EQ(Run(clerk.get(), "shop", R"({"find": "customers"})", &reply),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(GetString(reply.get(), "codeName"), "Unauthorized");
  EXPECT_NE(GetString(reply.get(), "errmsg")
                .value_or("")
                .find("not authorized on shop to execute command { find: \"customers\""),
            std::string::npos)
      << ToJson(reply.get());
  EXPECT_EQ(Run(clerk.get(), "crm", R"({"find": "orders"})"), static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "crm", R"({"insert": "orders", "documents": [{"_id": 1}]})"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "shop", R"({"listCollections": 1})"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "shop", R"({"drop": "orders"})"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "admin", R"({"createUser": "x", "pwd": "y", "roles": []})"),
            static_cast<uint32_t>(kUnauthorized));

  // Granting update through the role takes effect on the open connection.
  auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin"));
  ASSERT_EQ(Run(admin.get(), "shop", R"({"grantPrivilegesToRole": "orderClerk", "privileges": [
                {"resource": {"db": "shop", "collection": "orders"}, "actions": ["update"]}]})"),
            0u);
  EXPECT_EQ(Run(clerk.get(), "shop",
                R"({"update": "orders", "updates": [{"q": {}, "u": {"$set": {"x": 1}}}]})"),
            0u);
  ASSERT_EQ(Run(admin.get(), "shop", R"({"revokePrivilegesFromRole": "orderClerk", "privileges": [
                {"resource": {"db": "shop", "collection": "orders"}, "actions": ["update"]}]})"),
            0u);
  EXPECT_EQ(Run(clerk.get(), "shop",
                R"({"update": "orders", "updates": [{"q": {}, "u": {"$set": {"x": 2}}}]})"),
            static_cast<uint32_t>(kUnauthorized));
}

// bulkWrite needs each op's action on each op's namespace: the clerk may insert into
// shop.orders, and nothing of a request that also touches another collection runs.
TEST_F(DocdbMongocAuthTest, BulkWriteNeedsTheActionOnEveryNamespaceItTouches) {
  auto clerk = Connect(Uri("clerk:pencil@", "&authSource=shop&authMechanism=SCRAM-SHA-256"));
  ASSERT_NE(clerk, nullptr);
  Reply reply;
  EXPECT_EQ(Run(clerk.get(), "admin", R"({"bulkWrite": 1,
                "ops": [{"insert": 0, "document": {"_id": "bw1"}}],
                "nsInfo": [{"ns": "shop.orders"}]})",
                &reply),
            0u);
  EXPECT_EQ(GetInt(reply.get(), "nInserted"), 1) << ToJson(reply.get());
  EXPECT_EQ(Run(clerk.get(), "admin", R"({"bulkWrite": 1,
                "ops": [{"insert": 0, "document": {"_id": "bw2"}},
                        {"insert": 1, "document": {"_id": "bw2"}}],
                "nsInfo": [{"ns": "shop.orders"}, {"ns": "shop.customers"}]})",
                &reply),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "admin", R"({"bulkWrite": 1,
                "ops": [{"update": 0, "filter": {}, "updateMods": {"$set": {"x": 1}}}],
                "nsInfo": [{"ns": "shop.orders"}]})"),
            static_cast<uint32_t>(kUnauthorized));
  CollectionPtr orders(mongoc_client_get_collection(clerk.get(), "shop", "orders"));
  CursorPtr cursor(mongoc_collection_find_with_opts(
      orders.get(), Json(R"({"_id": {"$in": ["bw1", "bw2"]}})").get(), nullptr, nullptr));
  EXPECT_EQ(DrainJson(cursor.get()), std::vector<std::string>{R"({ "_id" : "bw1" })"});
}

TEST_F(DocdbMongocAuthTest, UnauthenticatedClientsGetCode13ButMayHandshake) {
  auto anonymous = Connect(Uri(""));
  EXPECT_EQ(Run(anonymous.get(), "admin", R"({"ping": 1})"), 0u);
  EXPECT_EQ(Run(anonymous.get(), "admin", R"({"buildInfo": 1})"), 0u);
  Reply reply;
  EXPECT_EQ(Run(anonymous.get(), "shop", R"({"find": "orders"})", &reply),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(GetString(reply.get(), "errmsg"), "Command find requires authentication");
  EXPECT_EQ(Run(anonymous.get(), "admin", R"({"listDatabases": 1})"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(anonymous.get(), "admin", R"({"connectionStatus": 1})", &reply), 0u);
  EXPECT_EQ(GetJson(reply.get(), "authInfo.authenticatedUsers"), "{ }");
}

TEST_F(DocdbMongocAuthTest, WrongPasswordIsAnAuthenticationError) {
  auto bad = Connect(Uri("clerk:wrong@", "&authSource=shop&authMechanism=SCRAM-SHA-256"));
  ASSERT_NE(bad, nullptr);
  bson_error_t error;
  Reply reply;
  EXPECT_FALSE(mongoc_client_command_simple(bad.get(), "shop", Json(R"({"ping": 1})").get(),
                                            nullptr, reply.out(), &error));
  EXPECT_EQ(error.domain, static_cast<uint32_t>(MONGOC_ERROR_CLIENT));
  EXPECT_EQ(error.code, static_cast<uint32_t>(MONGOC_ERROR_CLIENT_AUTHENTICATE)) << error.message;
  auto unknown = Connect(Uri("nobody:x@", "&authSource=shop&authMechanism=SCRAM-SHA-256"));
  EXPECT_FALSE(mongoc_client_command_simple(unknown.get(), "shop", Json(R"({"ping": 1})").get(),
                                            nullptr, reply.out(), &error));
  EXPECT_EQ(error.code, static_cast<uint32_t>(MONGOC_ERROR_CLIENT_AUTHENTICATE)) << error.message;
}

TEST_F(DocdbMongocAuthTest, NegotiatedMechanismAndScramSha1BothWork) {
  // No authMechanism: the driver asks hello for saslSupportedMechs and authenticates
  // speculatively in the handshake.
  auto negotiated = Connect(Uri("clerk:pencil@", "&authSource=shop"));
  Reply reply;
  ASSERT_EQ(Run(negotiated.get(), "shop", R"({"connectionStatus": 1})", &reply), 0u);
  EXPECT_EQ(GetJson(reply.get(), "authInfo.authenticatedUsers"),
            R"({ "0" : { "user" : "clerk", "db" : "shop" } })");
  EXPECT_EQ(GetJson(reply.get(), "authInfo.authenticatedUserRoles"),
            R"({ "0" : { "role" : "orderClerk", "db" : "shop" } })");
  auto sha1 = Connect(Uri("clerk:pencil@", "&authSource=shop&authMechanism=SCRAM-SHA-1"));
  EXPECT_EQ(Run(sha1.get(), "shop", R"({"find": "orders"})"), 0u);
  auto sha1_bad = Connect(Uri("clerk:nope@", "&authSource=shop&authMechanism=SCRAM-SHA-1"));
  EXPECT_NE(Run(sha1_bad.get(), "shop", R"({"find": "orders"})"), 0u);
}

TEST_F(DocdbMongocAuthTest, UsersInfoNeverReturnsCredentials) {
  auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin"));
  Reply reply;
  ASSERT_EQ(Run(admin.get(), "shop", R"({"usersInfo": "clerk", "showCredentials": true})", &reply),
            0u);
  std::string json = ToJson(reply.get());
  EXPECT_NE(json.find("\"user\" : \"clerk\""), std::string::npos) << json;
  EXPECT_NE(json.find("SCRAM-SHA-256"), std::string::npos) << json;
  EXPECT_EQ(json.find("storedKey"), std::string::npos) << json;
  EXPECT_EQ(json.find("pencil"), std::string::npos) << json;
  // Errors name the field at fault.
  EXPECT_EQ(Run(admin.get(), "shop", R"({"createUser": "u2", "roles": []})", &reply),
            static_cast<uint32_t>(2));
  EXPECT_NE(GetString(reply.get(), "errmsg").value_or("").find("'pwd'"), std::string::npos);
  EXPECT_EQ(
      Run(admin.get(), "shop", R"({"createUser": "u2", "pwd": "a\u0007b", "roles": []})", &reply),
      static_cast<uint32_t>(2));
  EXPECT_EQ(
      Run(admin.get(), "shop", R"({"createUser": "u2", "pwd": "p", "roles": ["nope"]})", &reply),
      31u);
  EXPECT_EQ(Run(admin.get(), "shop", R"({"createUser": "clerk", "pwd": "p", "roles": []})"),
            51003u);
}

TEST_F(DocdbMongocAuthTest, CursorsBelongToTheUserWhoOpenedThem) {
  auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin"));
  ASSERT_EQ(Run(admin.get(), "shop",
                R"({"insert": "orders", "documents": [{"_id": 101}, {"_id": 102}, {"_id": 103}]})"),
            0u);
  Reply reply;
  ASSERT_EQ(Run(admin.get(), "shop", R"({"find": "orders", "batchSize": 1})", &reply), 0u);
  int64_t id = GetInt(reply.get(), "cursor.id").value_or(0);
  ASSERT_NE(id, 0);
  auto clerk = Connect(Uri("clerk:pencil@", "&authSource=shop"));
  std::string get_more =
      R"({"getMore": {"$numberLong": ")" + std::to_string(id) + R"("}, "collection": "orders"})";
  EXPECT_EQ(Run(clerk.get(), "shop", get_more), static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(admin.get(), "shop", get_more), 0u);
}

TEST_F(DocdbMongocAuthTest, SessionsBelongToTheirFirstUser) {
  auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin"));
  auto clerk = Connect(Uri("clerk:pencil@", "&authSource=shop"));
  const std::string lsid = R"({"id": {"$binary": {"base64": "AAAAAAAAQACAAAAAAAAAAQ==",
                                                   "subType": "04"}}})";
  ASSERT_EQ(Run(clerk.get(), "shop", R"({"find": "orders", "lsid": )" + lsid + "}"), 0u);
  EXPECT_EQ(Run(admin.get(), "shop", R"({"find": "orders", "lsid": )" + lsid + "}"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(admin.get(), "admin", R"({"endSessions": [)" + lsid + "]}"),
            static_cast<uint32_t>(kUnauthorized));
  EXPECT_EQ(Run(clerk.get(), "admin", R"({"endSessions": [)" + lsid + "]}"), 0u);
}

TEST_F(DocdbMongocAuthTest, DroppedUsersLoseTheirPrivilegesAndCannotLogIn) {
  auto admin = Connect(Uri("admin:s3cret@", "&authSource=admin"));
  ASSERT_EQ(Run(admin.get(), "shop",
                R"({"createUser": "temp", "pwd": "pw", "roles": ["readWrite"],
                    "mechanisms": ["SCRAM-SHA-256"]})"),
            0u);
  auto temp = Connect(Uri("temp:pw@", "&authSource=shop"));
  EXPECT_EQ(Run(temp.get(), "shop", R"({"find": "anything"})"), 0u);
  ASSERT_EQ(Run(admin.get(), "shop", R"({"dropUser": "temp"})"), 0u);
  EXPECT_EQ(Run(temp.get(), "shop", R"({"find": "anything"})"),
            static_cast<uint32_t>(kUnauthorized));
  auto again = Connect(Uri("temp:pw@", "&authSource=shop"));
  EXPECT_NE(Run(again.get(), "shop", R"({"find": "anything"})"), 0u);
  EXPECT_EQ(Run(admin.get(), "shop", R"({"dropUser": "temp"})"), 11u);  // UserNotFound
}

}  // namespace
}  // namespace tactus::docdb
