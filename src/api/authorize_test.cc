#include "api/authorize.h"

#include <gtest/gtest.h>

#include <set>

#include "api/iam_api.h"
#include "api/sfn_api.h"
#include "api/sts_api.h"

namespace tactus::api {
namespace {

const common::ArnContext kArns;
const std::string kMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
const std::string kExecution = "arn:aws:states:us-east-1:123456789012:execution:orders:e1";
const std::string kActivity = "arn:aws:states:us-east-1:123456789012:activity:approve";

TEST(AuthorizeTest, EveryStepFunctionsActionHasATableEntry) {
  std::set<std::string_view> table;
  for (const SfnActionEntry& e : StepFunctionsActionTable()) {
    EXPECT_TRUE(table.insert(e.action).second) << "twice in the table: " << e.action;
  }
  for (const std::string& action : StepFunctionsApi::ActionNames()) {
    EXPECT_TRUE(table.count(action)) << "no authorization entry for " << action;
  }
  EXPECT_EQ(table.size(), StepFunctionsApi::ActionNames().size());
}

TEST(AuthorizeTest, StepFunctionsResources) {
  auto p = [](std::string_view action, json::object params) {
    Permission got = StepFunctionsPermission(action, params, kArns);
    return got.action + " " + got.resource;
  };
  EXPECT_EQ(p("StartExecution", {{"stateMachineArn", kMachine}}),
            "states:StartExecution " + kMachine);
  EXPECT_EQ(p("StartExecution", {{"stateMachineArn", kMachine + "#HappyPath"}}),
            "states:StartExecution " + kMachine);
  EXPECT_EQ(p("CreateStateMachine", {{"name", "orders"}}), "states:CreateStateMachine " + kMachine);
  EXPECT_EQ(p("DescribeExecution", {{"executionArn", kExecution}}),
            "states:DescribeExecution " + kExecution);
  EXPECT_EQ(p("StopExecution", {{"executionArn", kExecution}}),
            "states:StopExecution " + kExecution);
  EXPECT_EQ(p("GetExecutionHistory", {{"executionArn", kExecution}}),
            "states:GetExecutionHistory " + kExecution);
  EXPECT_EQ(p("ListExecutions", {{"stateMachineArn", kMachine}}),
            "states:ListExecutions " + kMachine);
  EXPECT_EQ(p("ListStateMachines", {}), "states:ListStateMachines *");
  EXPECT_EQ(p("CreateActivity", {{"name", "approve"}}), "states:CreateActivity " + kActivity);
  EXPECT_EQ(p("GetActivityTask", {{"activityArn", kActivity}}),
            "states:GetActivityTask " + kActivity);
  EXPECT_EQ(p("SendTaskSuccess", {{"taskToken", "t"}}), "states:SendTaskSuccess *");
  // A missing or mistyped member: "*" (the action answers its own validation error).
  EXPECT_EQ(p("DescribeStateMachine", {{"stateMachineArn", 7}}), "states:DescribeStateMachine *");
  EXPECT_EQ(p("RedriveExecution", {}), "states:RedriveExecution *");
}

HttpRequest Rest(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string RestOf(std::string method, std::string target) {
  Permission p = RestPermission(Rest(std::move(method), std::move(target)), kArns);
  return p.action + " " + p.resource;
}

TEST(AuthorizeTest, RestRoutes) {
  EXPECT_EQ(RestOf("POST", "/schedules/nightly"),
            "scheduler:CreateSchedule arn:aws:scheduler:us-east-1:123456789012:schedule/default/"
            "nightly");
  EXPECT_EQ(RestOf("GET", "/schedules/nightly?groupName=default"),
            "scheduler:GetSchedule arn:aws:scheduler:us-east-1:123456789012:schedule/default/"
            "nightly");
  EXPECT_EQ(RestOf("PUT", "/schedules/n"),
            "scheduler:UpdateSchedule "
            "arn:aws:scheduler:us-east-1:123456789012:schedule/"
            "default/n");
  EXPECT_EQ(RestOf("DELETE", "/schedules/n").substr(0, 24), "scheduler:DeleteSchedule");
  EXPECT_EQ(RestOf("GET", "/schedules?MaxResults=5"), "scheduler:ListSchedules *");
  EXPECT_EQ(RestOf("POST", "/v1/triggers/t"),
            "tactus:CreateTrigger arn:tactus:triggers:us-east-1:123456789012:trigger/t");
  EXPECT_EQ(RestOf("GET", "/v1/connections"), "tactus:ListConnections *");
  EXPECT_EQ(RestOf("POST", "/v1/functions/f"),
            "tactus:RegisterFunction arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_EQ(RestOf("PATCH", "/v1/functions/f"), "tactus:Unknown *");
  EXPECT_EQ(RestOf("GET", "/v1/nothing"), "tactus:Unknown *");
  EXPECT_EQ(RestOf("POST", "/v1/iam/users/bob"),
            "iam:CreateUser arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(RestOf("GET", "/v1/iam/users"), "iam:ListUsers *");
  EXPECT_EQ(RestOf("POST", "/v1/iam/users/bob/access-keys"),
            "iam:CreateAccessKey arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(RestOf("PUT", "/v1/iam/users/bob/policies/start"),
            "iam:PutUserPolicy arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(RestOf("PUT", "/v1/iam/groups/ops/users/bob"),
            "iam:AddUserToGroup arn:aws:iam::123456789012:group/ops");
  EXPECT_EQ(RestOf("PUT", "/v1/iam/roles/r/policies/p"),
            "iam:PutRolePolicy arn:aws:iam::123456789012:role/r");
  EXPECT_EQ(RestOf("GET", "/v1/iam/roles"), "iam:ListRoles *");
  EXPECT_EQ(RestOf("DELETE", "/v1/iam/users/bob/access-keys/AKIAX"),
            "iam:DeleteAccessKey arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(RestOf("PATCH", "/v1/iam/users/bob"), "tactus:Unknown *");
}

TEST(AuthorizeTest, ApiKindsAndServices) {
  EXPECT_EQ(SigV4ServiceOf(ApiKindOf(Rest("POST", "/"))), "states");
  EXPECT_EQ(SigV4ServiceOf(ApiKindOf(Rest("GET", "/schedules/x"))), "scheduler");
  EXPECT_EQ(SigV4ServiceOf(ApiKindOf(Rest("GET", "/v1/iam/users"))), "tactus");
  EXPECT_EQ(SigV4ServiceOf(ApiKindOf(Rest("GET", "/v1/triggers"))), "tactus");
  // STS: a form body (or Action in the query) and no X-Amz-Target.
  HttpRequest sts = Rest("POST", "/");
  sts.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  EXPECT_EQ(ApiKindOf(sts), ApiKind::kSts);
  EXPECT_EQ(SigV4ServiceOf(ApiKind::kSts), "sts");
  EXPECT_EQ(ApiKindOf(Rest("GET", "/?Action=GetCallerIdentity&Version=2011-06-15")), ApiKind::kSts);
  sts.headers.emplace_back("X-Amz-Target", "AWSStepFunctions.ListStateMachines");
  EXPECT_EQ(ApiKindOf(sts), ApiKind::kStepFunctions);
}

TEST(AuthorizeTest, StsParametersAndPermissions) {
  HttpRequest r = Rest("POST", "/?Version=2011-06-15");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body =
      "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fops"
      "&RoleSessionName=a+b&Policy=%7B%7D";
  auto params = QueryParams(r);
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->at("Action"), "AssumeRole");
  EXPECT_EQ(params->at("Version"), "2011-06-15");
  EXPECT_EQ(params->at("RoleArn"), "arn:aws:iam::123456789012:role/ops");
  EXPECT_EQ(params->at("RoleSessionName"), "a b");
  EXPECT_EQ(params->at("Policy"), "{}");
  r.body = "Action=%4";
  EXPECT_FALSE(QueryParams(r).has_value());
  Permission p = StsPermission("AssumeRole", "arn:aws:iam::123456789012:role/ops");
  EXPECT_EQ(p.action + " " + p.resource, "sts:AssumeRole arn:aws:iam::123456789012:role/ops");
  p = StsPermission("GetCallerIdentity", "");
  EXPECT_EQ(p.action + " " + p.resource, "sts:GetCallerIdentity *");
  EXPECT_EQ(XmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  HttpResponse e = StsError(400, "ValidationError", "bad <value>");
  EXPECT_EQ(e.content_type, "text/xml");
  EXPECT_NE(e.body.find("<Code>ValidationError</Code>"), std::string::npos);
  EXPECT_NE(e.body.find("<Message>bad &lt;value&gt;</Message>"), std::string::npos);
  EXPECT_NE(e.body.find("<Type>Sender</Type>"), std::string::npos);
}

TEST(AuthorizeTest, AccessDeniedMessagesAreAws) {
  Permission p{"states:StartExecution", kMachine};
  EXPECT_EQ(AccessDeniedMessage("arn:aws:iam::123456789012:user/bob", p, false),
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
            "states:StartExecution on resource: " +
                kMachine +
                " because no identity-based policy allows the states:StartExecution action");
  EXPECT_EQ(AccessDeniedMessage("arn:aws:iam::123456789012:user/bob", p, true),
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
            "states:StartExecution on resource: " +
                kMachine + " with an explicit deny in an identity-based policy");
  const std::string session = "arn:aws:sts::123456789012:assumed-role/ops/s1";
  EXPECT_EQ(AccessDeniedMessage(session, p, false, "session"),
            "User: " + session +
                " is not authorized to perform: states:StartExecution on "
                "resource: " +
                kMachine + " because no session policy allows the states:StartExecution action");
  EXPECT_EQ(AccessDeniedMessage(session, p, true, "session"),
            "User: " + session +
                " is not authorized to perform: states:StartExecution on "
                "resource: " +
                kMachine + " with an explicit deny in a session policy");
}

TEST(AuthorizeTest, InsecureModeAllowsAnonymous) {
  common::VirtualClock clock(0);
  ApiAuthorizer authorizer(nullptr, clock, kArns);
  HttpRequest r = Rest("POST", "/");
  r.headers = {{"X-Amz-Target", "AWSStepFunctions.StartExecution"}};
  r.body = R"({"stateMachineArn": ")" + kMachine + R"("})";
  AuthOutcome out = authorizer.Check(r);
  EXPECT_FALSE(out.refusal);
  EXPECT_EQ(out.principal, "anonymous");
  EXPECT_EQ(out.decision, "Allow");
  EXPECT_EQ(out.permission.action, "states:StartExecution");
  EXPECT_EQ(out.permission.resource, kMachine);
}

}  // namespace
}  // namespace tactus::api
