#include "cli/policy_suggest.h"

#include <gtest/gtest.h>

#include "auth/policy.h"

namespace tactus::cli {
namespace {

namespace json = boost::json;

PolicySuggestion Suggest(std::string_view definition) {
  auto parsed = common::ParseJson(definition);
  EXPECT_TRUE(parsed.ok());
  auto s = SuggestPolicy(*parsed);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  // Whatever it suggests is a valid identity policy (when it needs anything at all).
  if (!s->policy.at("Statement").as_array().empty())
    EXPECT_TRUE(auth::ParsePolicy(common::SerializeJson(s->policy)).ok())
        << common::SerializeJson(s->policy);
  return *s;
}

TEST(PolicySuggest, EveryTaskOfEveryBranchIsCovered) {
  auto s = Suggest(R"({"StartAt": "P", "States": {
    "P": {"Type": "Parallel", "Next": "M", "Branches": [
      {"StartAt": "Find", "States": {"Find": {"Type": "Task",
        "Resource": "arn:tactus:states:::mongodb:find",
        "Parameters": {"Database": "shop", "Collection": "orders"}, "End": true}}},
      {"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {"ApiEndpoint": "https://api.example.com/v1?k=1", "Method": "GET"},
        "End": true}}}]},
    "M": {"Type": "Map", "Next": "Child", "ItemProcessor": {"StartAt": "Archive", "States": {
      "Archive": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:archive",
        "Parameters": {"Database": "shop", "Collection.$": "$.coll",
                       "TargetDatabase": "cold", "TargetCollection": "orders"}, "End": true}}}},
    "Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
      "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:c"},
      "Next": "Fn"},
    "Fn": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "score", "Payload.$": "$"}, "End": true}}})");
  json::value expected = *common::ParseJson(R"({"Version": "2012-10-17", "Statement": [
    {"Sid": "HttpInvoke", "Effect": "Allow", "Action": "http:invoke",
     "Resource": "arn:tactus:http:::https://api.example.com/v1"},
    {"Sid": "LambdaInvokeFunction", "Effect": "Allow", "Action": "lambda:InvokeFunction",
     "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score"},
    {"Sid": "MongodbFind", "Effect": "Allow", "Action": "mongodb:find",
     "Resource": ["arn:tactus:mongodb:::shop/*", "arn:tactus:mongodb:::shop/orders"]},
    {"Sid": "MongodbInsert", "Effect": "Allow", "Action": "mongodb:insert",
     "Resource": "arn:tactus:mongodb:::cold/orders"},
    {"Sid": "MongodbRemove", "Effect": "Allow", "Action": "mongodb:remove",
     "Resource": "arn:tactus:mongodb:::shop/*"},
    {"Sid": "StatesDescribeExecution", "Effect": "Allow", "Action": "states:DescribeExecution",
     "Resource": "arn:aws:states:us-east-1:123456789012:execution:c:*"},
    {"Sid": "StatesStartExecution", "Effect": "Allow", "Action": "states:StartExecution",
     "Resource": "arn:aws:states:us-east-1:123456789012:stateMachine:c"},
    {"Sid": "StatesStopExecution", "Effect": "Allow", "Action": "states:StopExecution",
     "Resource": "arn:aws:states:us-east-1:123456789012:execution:c:*"}]})");
  EXPECT_EQ(json::value(s.policy), expected) << common::SerializePrettyJson(s.policy);
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.notes[0],
            "States.M.ItemProcessor.States.Archive.Parameters.Collection.$ (computed at run "
            "time)");
}

TEST(PolicySuggest, JsonataCredentialsAndActivities) {
  auto s = Suggest(R"({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
    "W": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:insertOne",
      "Arguments": {"Database": "{% $states.input.db %}", "Collection": "log", "Document": {}},
      "Next": "R"},
    "R": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:deleteMany",
      "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/cleaner"},
      "Arguments": {"Database": "shop", "Collection": "tmp", "Filter": {}}, "Next": "A"},
    "A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:review",
      "End": true}}})");
  json::value expected = *common::ParseJson(R"({"Version": "2012-10-17", "Statement": [
    {"Sid": "MongodbInsert", "Effect": "Allow", "Action": "mongodb:insert",
     "Resource": "arn:tactus:mongodb:::*/log"},
    {"Sid": "StsAssumeRole", "Effect": "Allow", "Action": "sts:AssumeRole",
     "Resource": "arn:aws:iam::123456789012:role/cleaner"}]})");
  EXPECT_EQ(json::value(s.policy), expected) << common::SerializePrettyJson(s.policy);
  ASSERT_EQ(s.notes.size(), 3u);
  EXPECT_EQ(s.notes[0], "States.W.Arguments.Database.$ (computed at run time)");
  EXPECT_EQ(s.notes[1],
            "States.R runs as arn:aws:iam::123456789012:role/cleaner (Credentials.RoleArn): that "
            "role needs mongodb:remove on arn:tactus:mongodb:::shop/tmp");
  EXPECT_NE(s.notes[2].find("activity"), std::string::npos);
}

TEST(PolicySuggest, NothingNeededIsAnEmptyPolicy) {
  auto s = Suggest(R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}})");
  EXPECT_TRUE(s.policy.at("Statement").as_array().empty());
  EXPECT_FALSE(SuggestPolicy(json::value(1)).ok());
}

}  // namespace
}  // namespace tactus::cli
