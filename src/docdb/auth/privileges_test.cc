#include "docdb/auth/privileges.h"

#include <gtest/gtest.h>

#include <map>

#include "docdb/bson_util.h"

namespace tactus::docdb::auth {
namespace {

BsonPtr FromJson(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << error.message;
  return BsonPtr(doc);
}

PrivilegeSet Builtin(const std::string& role, const std::string& db) {
  auto p = BuiltinRolePrivileges({role, db});
  EXPECT_TRUE(p.has_value()) << role << "@" << db;
  return p.value_or(PrivilegeSet{});
}

const Resource kOrders = Resource::Namespace("shop", "orders");
const Resource kShop = Resource::Database("shop");
const Resource kOtherDb = Resource::Namespace("crm", "people");

// The role -> action table: for each built-in role, actions it grants and refuses.
TEST(BuiltinRoles, ActionTable) {
  struct Case {
    std::string role, db;
    Resource target;
    std::string action;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"read", "shop", kOrders, "find", true},
      {"read", "shop", kOrders, "insert", false},
      {"read", "shop", kShop, "listCollections", true},
      {"read", "shop", kOtherDb, "find", false},
      {"readWrite", "shop", kOrders, "insert", true},
      {"readWrite", "shop", kOrders, "update", true},
      {"readWrite", "shop", kOrders, "remove", true},
      {"readWrite", "shop", kOrders, "createIndex", true},
      {"readWrite", "shop", kOrders, "dropCollection", true},
      {"readWrite", "shop", kShop, "dropDatabase", false},
      {"readWrite", "shop", kShop, "createUser", false},
      {"dbAdmin", "shop", kOrders, "find", false},
      {"dbAdmin", "shop", kOrders, "collMod", true},
      {"dbAdmin", "shop", kShop, "dropDatabase", true},
      {"userAdmin", "shop", kShop, "createUser", true},
      {"userAdmin", "shop", kShop, "grantRole", true},
      {"userAdmin", "shop", kOrders, "find", false},
      {"dbOwner", "shop", kOrders, "insert", true},
      {"dbOwner", "shop", kShop, "dropDatabase", true},
      {"dbOwner", "shop", kShop, "createRole", true},
      {"dbOwner", "shop", kOtherDb, "find", false},
      {"readAnyDatabase", "admin", kOtherDb, "find", true},
      {"readAnyDatabase", "admin", kOtherDb, "insert", false},
      {"readAnyDatabase", "admin", Resource::Cluster(), "listDatabases", true},
      {"readWriteAnyDatabase", "admin", kOtherDb, "insert", true},
      {"readWriteAnyDatabase", "admin", Resource::Cluster(), "serverStatus", false},
      {"userAdminAnyDatabase", "admin", Resource::Database("crm"), "createUser", true},
      {"userAdminAnyDatabase", "admin", kOtherDb, "find", false},
      {"clusterAdmin", "admin", Resource::Cluster(), "serverStatus", true},
      {"clusterAdmin", "admin", Resource::Database("crm"), "dropDatabase", true},
      {"clusterAdmin", "admin", kOtherDb, "find", false},
      {"root", "admin", kOtherDb, "find", true},
      {"root", "admin", Resource::Cluster(), "shutdown", true},
      {"root", "admin", Resource::Database("x"), "createUser", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsAuthorized(Builtin(c.role, c.db), c.target, c.action), c.allowed)
        << c.role << "@" << c.db << " " << c.action << " on " << c.target.ToString();
  }
}

TEST(BuiltinRoles, AnyDatabaseRolesExistOnlyInAdmin) {
  EXPECT_FALSE(BuiltinRolePrivileges({"root", "shop"}).has_value());
  EXPECT_FALSE(BuiltinRolePrivileges({"readAnyDatabase", "shop"}).has_value());
  EXPECT_TRUE(BuiltinRolePrivileges({"read", "anydb"}).has_value());
  EXPECT_FALSE(BuiltinRolePrivileges({"reader", "admin"}).has_value());
  EXPECT_TRUE(IsBuiltinRoleName("root"));
  EXPECT_FALSE(IsBuiltinRoleName("ordersClerk"));
}

TEST(Resource, CollectionPatternsDoNotCoverTheirDatabase) {
  Resource orders = Resource::Namespace("shop", "orders");
  EXPECT_TRUE(orders.Covers(kOrders));
  EXPECT_FALSE(orders.Covers(Resource::Namespace("shop", "customers")));
  EXPECT_FALSE(orders.Covers(kShop));
  EXPECT_FALSE(orders.Covers(Resource::Namespace("crm", "orders")));
  EXPECT_TRUE(Resource::Namespace("", "orders").Covers(Resource::Namespace("crm", "orders")));
  EXPECT_TRUE(Resource::Database("").Covers(kShop));
  EXPECT_FALSE(Resource::Database("").Covers(Resource::Cluster()));
  EXPECT_FALSE(Resource::Cluster().Covers(kShop));
}

TEST(ResolveRoles, InheritsAndBreaksCycles) {
  std::map<RoleName, RoleDefinition> stored;
  stored[{"clerk", "shop"}] = {{{Resource::Namespace("shop", "orders"), {"find", "insert"}}},
                               {{"auditor", "shop"}}};
  stored[{"auditor", "shop"}] = {{{Resource::Namespace("shop", "log"), {"find"}}},
                                 {{"clerk", "shop"}, {"read", "crm"}}};
  RoleLookup lookup = [&](const RoleName& r) -> DbResult<std::optional<RoleDefinition>> {
    auto it = stored.find(r);
    if (it == stored.end()) return std::optional<RoleDefinition>();
    return std::optional<RoleDefinition>(it->second);
  };
  auto p = ResolveRoles({{"clerk", "shop"}}, lookup, true);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(IsAuthorized(p.value(), kOrders, "insert"));
  EXPECT_TRUE(IsAuthorized(p.value(), Resource::Namespace("shop", "log"), "find"));
  EXPECT_TRUE(IsAuthorized(p.value(), kOtherDb, "find"));
  EXPECT_FALSE(IsAuthorized(p.value(), Resource::Namespace("shop", "customers"), "find"));

  auto missing = ResolveRoles({{"ghost", "shop"}}, lookup, true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, kRoleNotFound);
  auto lenient = ResolveRoles({{"ghost", "shop"}, {"read", "shop"}}, lookup, false);
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(IsAuthorized(lenient.value(), kOrders, "find"));
}

TEST(ResolveRoles, DeepChainsAreRefused) {
  RoleLookup lookup = [](const RoleName& r) -> DbResult<std::optional<RoleDefinition>> {
    int n = std::stoi(r.role.substr(1));
    return std::optional<RoleDefinition>(RoleDefinition{{}, {{"r" + std::to_string(n + 1), "x"}}});
  };
  auto p = ResolveRoles({{"r0", "x"}}, lookup, true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, kBadValue);
}

TEST(ParsePrivileges, AcceptsMongoDbFormsAndNamesTheFieldAtFault) {
  auto doc = FromJson(R"({"p": [
      {"resource": {"db": "shop", "collection": "orders"}, "actions": ["find", "insert"]},
      {"resource": {"cluster": true}, "actions": ["serverStatus"]}]})");
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "p"));
  const std::uint8_t* data;
  std::uint32_t len;
  bson_iter_array(&it, &len, &data);
  bson_t arr;
  bson_init_static(&arr, data, len);
  auto p = ParsePrivileges(&arr, "privileges");
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p.value().size(), 2u);
  EXPECT_EQ(p.value()[0].resource, Resource::Namespace("shop", "orders"));
  EXPECT_EQ(p.value()[1].resource, Resource::Cluster());

  for (const char* bad :
       {R"([{"resource": {"db": "shop"}, "actions": ["find"]}])",
        R"([{"resource": {"db": "shop", "collection": "o"}, "actions": ["fly"]}])",
        R"([{"resource": {"db": "shop", "collection": "o"}, "actions": []}])",
        R"([{"resource": {"cluster": false}, "actions": ["find"]}])", R"([{"actions": ["find"]}])",
        R"(["find"])"}) {
    auto wrapped = FromJson(std::string(R"({"p": )") + bad + "}");
    ASSERT_TRUE(bson_iter_init_find(&it, wrapped.get(), "p"));
    bson_iter_array(&it, &len, &data);
    bson_init_static(&arr, data, len);
    auto r = ParsePrivileges(&arr, "privileges");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("privileges.0"), std::string::npos)
        << bad << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace tactus::docdb::auth
