#include "docdb/auth/command_actions.h"

#include <gtest/gtest.h>

#include "docdb/bson_util.h"

namespace tactus::docdb::auth {
namespace {

BsonPtr J(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << error.message;
  return BsonPtr(doc);
}

std::vector<std::string> Describe(const CommandAuth& a) {
  std::vector<std::string> out;
  for (const auto& r : a.requirements) out.push_back(r.action + "@" + r.resource.ToString());
  return out;
}

using V = std::vector<std::string>;

TEST(CommandActions, CrudNeedsTheActionOnTheNamespace) {
  EXPECT_EQ(Describe(RequiredAuth("find", "shop", J(R"({"find": "orders"})").get())),
            V{"find@shop.orders"});
  EXPECT_EQ(Describe(RequiredAuth("insert", "shop", J(R"({"insert": "orders"})").get())),
            V{"insert@shop.orders"});
  EXPECT_EQ(Describe(RequiredAuth("delete", "shop", J(R"({"delete": "orders"})").get())),
            V{"remove@shop.orders"});
  EXPECT_EQ(Describe(RequiredAuth("update", "shop",
                                  J(R"({"update": "o", "updates": [{"q": {}, "u": {}}]})").get())),
            V{"update@shop.o"});
  EXPECT_EQ(Describe(RequiredAuth("update", "shop",
                                  J(R"({"update": "o", "updates": [{"q": {}, "u": {}},
                                        {"q": {}, "u": {}, "upsert": true}]})")
                                      .get())),
            (V{"update@shop.o", "insert@shop.o"}));
  EXPECT_EQ(Describe(RequiredAuth("findAndModify", "shop",
                                  J(R"({"findAndModify": "o", "remove": true})").get())),
            (V{"find@shop.o", "remove@shop.o"}));
  EXPECT_EQ(
      Describe(RequiredAuth("findAndModify", "shop",
                            J(R"({"findAndModify": "o", "update": {}, "upsert": true})").get())),
      (V{"find@shop.o", "update@shop.o", "insert@shop.o"}));
}

TEST(CommandActions, BulkWriteNeedsEachOpsActionOnItsNamespace) {
  EXPECT_EQ(Describe(RequiredAuth("bulkWrite", "admin",
                                  J(R"({"bulkWrite": 1, "ops": [
                {"insert": 0, "document": {}}, {"insert": 0, "document": {}},
                {"update": 1, "filter": {}, "updateMods": {}},
                {"update": 2, "filter": {}, "updateMods": {}, "upsert": true},
                {"delete": 1.0, "filter": {}}],
                "nsInfo": [{"ns": "shop.orders"}, {"ns": "crm.customers"},
                           {"ns": "shop.leases"}, {"ns": "unused.coll"}]})")
                                      .get())),
            (V{"insert@shop.orders", "update@crm.customers", "update@shop.leases",
               "insert@shop.leases", "remove@crm.customers"}));
  EXPECT_EQ(Describe(RequiredAuth("bulkWrite", "admin",
                                  J(R"({"bulkWrite": 1,
                "bypassDocumentValidation": true, "ops": [{"insert": 0, "document": {}}],
                "nsInfo": [{"ns": "a.b"}]})")
                                      .get())),
            (V{"insert@a.b", "bypassDocumentValidation@a.b"}));
  // Requests the command refuses ask for everything.
  for (const char* malformed :
       {R"({"bulkWrite": 1, "ops": [{"insert": 1, "document": {}}], "nsInfo": [{"ns": "a.b"}]})",
        R"({"bulkWrite": 1, "ops": [{"insert": 0.5}], "nsInfo": [{"ns": "a.b"}]})",
        R"({"bulkWrite": 1, "ops": [{"insert": 0, "delete": 0}], "nsInfo": [{"ns": "a.b"}]})",
        R"({"bulkWrite": 1, "ops": [{"insert": 0}], "nsInfo": [{"ns": "nodot"}]})",
        R"({"bulkWrite": 1, "ops": [{"insert": 0}], "nsInfo": [{}]})",
        R"({"bulkWrite": 1, "ops": [{"insert": 0}]})"}) {
    EXPECT_EQ(Describe(RequiredAuth("bulkWrite", "admin", J(malformed).get())),
              V{"anyAction@cluster"})
        << malformed;
  }
}

TEST(CommandActions, CatalogAndServerCommands) {
  EXPECT_EQ(Describe(RequiredAuth("createIndexes", "s", J(R"({"createIndexes": "o"})").get())),
            V{"createIndex@s.o"});
  EXPECT_EQ(Describe(RequiredAuth("drop", "s", J(R"({"drop": "o"})").get())),
            V{"dropCollection@s.o"});
  EXPECT_EQ(Describe(RequiredAuth("listCollections", "s", J(R"({"listCollections": 1})").get())),
            V{"listCollections@s.*"});
  EXPECT_EQ(Describe(RequiredAuth("serverStatus", "admin", J(R"({"serverStatus": 1})").get())),
            V{"serverStatus@cluster"});
  EXPECT_EQ(Describe(RequiredAuth("renameCollection", "admin",
                                  J(R"({"renameCollection": "a.x", "to": "a.y"})").get())),
            (V{"renameCollectionSameDB@a.x", "renameCollectionSameDB@a.y"}));
  EXPECT_EQ(Describe(RequiredAuth("explain", "s", J(R"({"explain": {"find": "o"}})").get())),
            V{"find@s.o"});
}

TEST(CommandActions, AggregateWritesNeedActionsOnTheirTargets) {
  auto a = RequiredAuth("aggregate", "s",
                        J(R"({"aggregate": "o", "pipeline": [
                              {"$lookup": {"from": "c", "as": "x"}},
                              {"$unionWith": "u"},
                              {"$out": "report"}]})")
                            .get());
  EXPECT_EQ(Describe(a),
            (V{"find@s.o", "find@s.c", "find@s.u", "insert@s.report", "remove@s.report"}));
  auto m = RequiredAuth("aggregate", "s",
                        J(R"({"aggregate": "o", "pipeline": [
                              {"$merge": {"into": {"db": "t", "coll": "m"}}}]})")
                            .get());
  EXPECT_EQ(Describe(m), (V{"find@s.o", "insert@t.m", "update@t.m"}));
}

TEST(CommandActions, ChangeStreamsNeedChangeStreamAndFind) {
  auto coll = RequiredAuth("aggregate", "s",
                           J(R"({"aggregate": "o", "pipeline": [{"$changeStream": {}}]})").get());
  EXPECT_EQ(Describe(coll), (V{"changeStream@s.o", "find@s.o"}));
  auto db = RequiredAuth("aggregate", "s",
                         J(R"({"aggregate": 1, "pipeline": [{"$changeStream": {}}]})").get());
  EXPECT_EQ(Describe(db), (V{"changeStream@s.*", "find@s.*"}));
  auto cluster = RequiredAuth(
      "aggregate", "admin",
      J(R"({"aggregate": 1, "pipeline": [{"$changeStream": {"allChangesForCluster": true}}]})")
          .get());
  EXPECT_EQ(Describe(cluster), (V{"changeStream@*.*", "find@*.*"}));
}

TEST(CommandActions, HandshakeCursorsAndSessions) {
  auto empty = J("{}");
  EXPECT_EQ(RequiredAuth("hello", "admin", empty.get()).rule, AuthRule::kNone);
  EXPECT_EQ(RequiredAuth("saslStart", "admin", empty.get()).rule, AuthRule::kNone);
  EXPECT_EQ(RequiredAuth("getMore", "s", empty.get()).rule, AuthRule::kCursorOwner);
  EXPECT_EQ(RequiredAuth("killCursors", "s", empty.get()).rule, AuthRule::kCursorOwner);
  EXPECT_EQ(RequiredAuth("commitTransaction", "admin", empty.get()).rule, AuthRule::kAuthenticated);
}

TEST(CommandActions, UserManagementNeedsGrantRoleOnEachRolesDatabase) {
  EXPECT_EQ(Describe(RequiredAuth("createUser", "shop",
                                  J(R"({"createUser": "u", "pwd": "p",
                                        "roles": ["read", {"role": "read", "db": "crm"}]})")
                                      .get())),
            (V{"createUser@shop.*", "grantRole@shop.*", "grantRole@crm.*"}));
  EXPECT_EQ(
      Describe(RequiredAuth("updateUser", "shop", J(R"({"updateUser": "u", "pwd": "p"})").get())),
      V{"changePassword@shop.*"});
}

TEST(CommandActions, UnknownCommandsFailClosed) {
  auto a = RequiredAuth("someNewCommand", "s", J("{}").get());
  EXPECT_EQ(Describe(a), V{"anyAction@cluster"});
  EXPECT_FALSE(IsMappedCommand("someNewCommand"));
  EXPECT_TRUE(IsMappedCommand("find"));
}

}  // namespace
}  // namespace tactus::docdb::auth
