#include "tasks/task_permissions.h"

#include <gtest/gtest.h>

namespace tactus::tasks {
namespace {

json::value J(std::string_view text) { return *common::ParseJson(text); }

std::vector<Permission> Perms(std::string_view resource, std::string_view params) {
  return RequiredTaskPermissions(resource, J(params)).permissions;
}

constexpr std::string_view kDb = "arn:tactus:states:::mongodb:";

TEST(TaskPermissions, ReadsNeedFind) {
  for (const char* op : {"find", "findOne", "countDocuments", "distinct", "aggregate"}) {
    EXPECT_EQ(Perms(std::string(kDb) + op, R"({"Database":"shop","Collection":"orders"})"),
              (std::vector<Permission>{{"mongodb:find", "arn:tactus:mongodb:::shop/orders"}}))
        << op;
  }
}

TEST(TaskPermissions, WritesMapToMongoDbPrivileges) {
  const char* ns = R"({"Database":"shop","Collection":"orders"})";
  std::string arn = "arn:tactus:mongodb:::shop/orders";
  EXPECT_EQ(Perms(std::string(kDb) + "insertMany", ns),
            (std::vector<Permission>{{"mongodb:insert", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "insertOne.waitForTaskToken", ns),
            (std::vector<Permission>{{"mongodb:insert", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "updateMany", ns),
            (std::vector<Permission>{{"mongodb:update", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "replaceOne",
                  R"({"Database":"shop","Collection":"orders","Options":{"upsert":true}})"),
            (std::vector<Permission>{{"mongodb:update", arn}, {"mongodb:insert", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "deleteOne", ns),
            (std::vector<Permission>{{"mongodb:remove", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "findOneAndDelete", ns),
            (std::vector<Permission>{{"mongodb:find", arn}, {"mongodb:remove", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "findOneAndUpdate", ns),
            (std::vector<Permission>{{"mongodb:find", arn}, {"mongodb:update", arn}}));
  EXPECT_EQ(Perms(std::string(kDb) + "bulkWrite",
                  R"({"Database":"shop","Collection":"orders","Operations":[
                      {"insertOne":{"Document":{}}},{"deleteMany":{"Filter":{}}}]})"),
            (std::vector<Permission>{{"mongodb:insert", arn}, {"mongodb:remove", arn}}));
  EXPECT_TRUE(Perms(std::string(kDb) + "noSuchOp", ns).empty());
}

TEST(TaskPermissions, ArchiveReadsAndRemovesTheSourceAndInsertsTheTarget) {
  EXPECT_EQ(Perms(std::string(kDb) + "archive",
                  R"({"Database":"shop","Collection":"orders","TargetDatabase":"cold",
                      "TargetCollection":"old"})"),
            (std::vector<Permission>{{"mongodb:find", "arn:tactus:mongodb:::shop/orders"},
                                     {"mongodb:remove", "arn:tactus:mongodb:::shop/orders"},
                                     {"mongodb:insert", "arn:tactus:mongodb:::cold/old"}}));
  EXPECT_EQ(Perms(std::string(kDb) + "archive",
                  R"({"Database":"shop","Collection":"orders","TargetCollection":"old"})")
                .back(),
            (Permission{"mongodb:insert", "arn:tactus:mongodb:::shop/old"}));
}

TEST(TaskPermissions, AggregateStagesNameMoreNamespaces) {
  auto p = Perms(std::string(kDb) + "aggregate", R"({"Database":"shop","Collection":"orders",
      "Pipeline":[{"$lookup":{"from":"customers","as":"c","pipeline":[{"$unionWith":"vip"}]}},
                  {"$facet":{"a":[{"$graphLookup":{"from":"tree"}}]}},
                  {"$out":{"db":"reports","coll":"daily"}},
                  {"$merge":{"into":"totals"}}]})");
  EXPECT_EQ(p, (std::vector<Permission>{
                   {"mongodb:find", "arn:tactus:mongodb:::shop/orders"},
                   {"mongodb:find", "arn:tactus:mongodb:::shop/customers"},
                   {"mongodb:find", "arn:tactus:mongodb:::shop/vip"},
                   {"mongodb:find", "arn:tactus:mongodb:::shop/tree"},
                   {"mongodb:insert", "arn:tactus:mongodb:::reports/daily"},
                   {"mongodb:remove", "arn:tactus:mongodb:::reports/daily"},
                   {"mongodb:insert", "arn:tactus:mongodb:::shop/totals"},
                   {"mongodb:update", "arn:tactus:mongodb:::shop/totals"},
               }));
}

TEST(TaskPermissions, ComputedPartsAreWildcardsWithNotes) {
  auto t = RequiredTaskPermissions(std::string(kDb) + "find",
                                   J(R"({"Database":"shop","Collection.$":"$.coll"})"));
  EXPECT_EQ(t.permissions,
            (std::vector<Permission>{{"mongodb:find", "arn:tactus:mongodb:::shop/*"}}));
  ASSERT_EQ(t.notes.size(), 1u);
  EXPECT_EQ(t.notes[0], "Parameters.Collection.$ (computed at run time)");
}

TEST(TaskPermissions, HttpLambdaAndNestedExecutions) {
  EXPECT_EQ(Perms("arn:aws:states:::http:invoke",
                  R"({"ApiEndpoint":"https://api.example.com/v1/orders?key=secret#x"})"),
            (std::vector<Permission>{
                {"http:invoke", "arn:tactus:http:::https://api.example.com/v1/orders"}}));
  EXPECT_EQ(Perms("arn:aws:states:::lambda:invoke", R"({"FunctionName":"f"})"),
            (std::vector<Permission>{
                {"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f"}}));
  EXPECT_EQ(Perms("arn:aws:states:::lambda:invoke", R"({"FunctionName":"f:prod"})").front(),
            (Permission{"lambda:InvokeFunction",
                        "arn:aws:lambda:us-east-1:123456789012:function:f:prod"}));
  EXPECT_EQ(
      Perms("arn:aws:lambda:eu-west-1:111122223333:function:g", "{}").front(),
      (Permission{"lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:111122223333:function:g"}));
  auto sync =
      Perms("arn:aws:states:::states:startExecution.sync:2",
            R"({"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child"})");
  ASSERT_EQ(sync.size(), 3u);
  EXPECT_EQ(sync[0].action, "states:StartExecution");
  EXPECT_EQ(sync[1].resource, "arn:aws:states:us-east-1:123456789012:execution:child:*");
  EXPECT_TRUE(Perms("arn:aws:states:us-east-1:123456789012:activity:a", "{}").empty());
}

}  // namespace
}  // namespace tactus::tasks
