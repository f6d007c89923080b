#include "api/authorize.h"

#include <gtest/gtest.h>

#include <set>

#include "api/iam_api.h"
#include "api/sfn_api.h"

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
