#include "auth/evaluate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tactus::auth {
namespace {

constexpr const char* kMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
constexpr const char* kAlice = "arn:aws:iam::123456789012:user/alice";

NamedPolicy Named(const std::string& name, const std::string& text,
                  PolicyKind kind = PolicyKind::kIdentity) {
  auto p = ParsePolicy(text, kind);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << "\n" << text;
  return NamedPolicy{name, p.ok() ? p.value() : Policy{}};
}

// One 2012-10-17 identity policy made of the given statements.
NamedPolicy Statements(const std::string& statements) {
  return Named("p", R"({"Version":"2012-10-17","Statement":[)" + statements + "]}");
}

RequestContext Request(const std::string& action = "states:StartExecution",
                       const std::string& resource = kMachine) {
  RequestContext r;
  r.action = action;
  r.resource = resource;
  r.principal = kAlice;
  r.context_keys = {{"aws:username", {"alice"}}, {"aws:userid", {"AIDAALICE"}}};
  return r;
}

DecisionEffect EffectOf(const NamedPolicy& policy, const RequestContext& request) {
  return Evaluate(std::span<const NamedPolicy>(&policy, 1), request).effect;
}

constexpr DecisionEffect kAllow = DecisionEffect::kAllow;
constexpr DecisionEffect kDeny = DecisionEffect::kExplicitDeny;
constexpr DecisionEffect kNone = DecisionEffect::kImplicitDeny;

TEST(Evaluate, DefaultDenyAndExplicitDenyWins) {
  EXPECT_EQ(Evaluate({}, Request()).effect, kNone);
  EXPECT_EQ(Evaluate({}, Request()).reason,
            std::string("no statement allows states:StartExecution on ") + kMachine);

  const std::vector<NamedPolicy> policies = {
      Named("ops", R"({"Version":"2012-10-17","Statement":[{"Sid":"StartAll","Effect":"Allow",
          "Action":"states:*","Resource":"*"}]})"),
      Named("guard", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",
          "Resource":"*"},{"Effect":"Deny","Action":"states:DeleteStateMachine",
          "Resource":"*"}]})")};
  Decision allow = Evaluate(policies, Request());
  EXPECT_EQ(allow.effect, kAllow);
  EXPECT_EQ(allow.policy_name, "ops");
  EXPECT_EQ(allow.statement, "StartAll");
  EXPECT_EQ(allow.reason, "allowed by statement 'StartAll' of policy 'ops'");

  Decision deny = Evaluate(policies, Request("states:DeleteStateMachine"));
  EXPECT_EQ(deny.effect, kDeny);
  EXPECT_EQ(deny.policy_name, "guard");
  EXPECT_EQ(deny.statement, "Statement[1]");
  EXPECT_EQ(deny.reason, "explicitly denied by statement 'Statement[1]' of policy 'guard'");
  EXPECT_EQ(DecisionEffectName(deny.effect), "ExplicitDeny");
}

TEST(Evaluate, Actions) {
  auto with_action = [](const std::string& action) {
    return Statements(R"({"Effect":"Allow","Action":")" + action + R"(","Resource":"*"})");
  };
  EXPECT_EQ(EffectOf(with_action("states:StartExecution"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_action("STATES:startexecution"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_action("states:Start*"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_action("states:Start?xecution"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_action("states:Stop*"), Request()), kNone);
  EXPECT_EQ(EffectOf(with_action("*"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_action("states:*"), Request("s3:GetObject")), kNone);

  NamedPolicy not_action = Statements(R"({"Effect":"Allow","NotAction":["states:Delete*",
      "states:Update*"],"Resource":"*"})");
  EXPECT_EQ(EffectOf(not_action, Request()), kAllow);
  EXPECT_EQ(EffectOf(not_action, Request("states:DeleteStateMachine")), kNone);
  NamedPolicy deny_all_but = Statements(R"({"Effect":"Allow","Action":"*","Resource":"*"},
      {"Effect":"Deny","NotAction":"states:Describe*","Resource":"*"})");
  EXPECT_EQ(EffectOf(deny_all_but, Request()), kDeny);
  EXPECT_EQ(EffectOf(deny_all_but, Request("states:DescribeExecution")), kAllow);
}

TEST(Evaluate, Resources) {
  auto with_resource = [](const std::string& resource) {
    return Statements(R"({"Effect":"Allow","Action":"*","Resource":")" + resource + R"("})");
  };
  EXPECT_EQ(EffectOf(with_resource(kMachine), Request()), kAllow);
  EXPECT_EQ(
      EffectOf(with_resource("arn:aws:states:us-east-1:123456789012:stateMachine:ord*"), Request()),
      kAllow);
  // Resource ARNs are case-sensitive.
  EXPECT_EQ(EffectOf(with_resource("arn:aws:states:us-east-1:123456789012:stateMachine:Orders"),
                     Request()),
            kNone);
  // A '*' at the end of a segment expands across ':' (AWS: "it can expand to match beyond
  // colon boundaries"): it matches a version-qualified ARN and spans region and account.
  EXPECT_EQ(EffectOf(with_resource("arn:aws:states:*:stateMachine:orders"), Request()), kAllow);
  EXPECT_EQ(EffectOf(with_resource("arn:aws:states:*"),
                     Request("states:StartExecution", std::string(kMachine) + ":3")),
            kAllow);
  EXPECT_EQ(EffectOf(with_resource("arn:aws:states:us-east-?:123456789012:stateMachine:orders"),
                     Request()),
            kAllow);

  NamedPolicy not_resource = Statements(R"({"Effect":"Allow","Action":"*",
      "NotResource":"arn:aws:states:*:*:stateMachine:secret-*"})");
  EXPECT_EQ(EffectOf(not_resource, Request()), kAllow);
  EXPECT_EQ(EffectOf(not_resource,
                     Request("states:StartExecution",
                             "arn:aws:states:us-east-1:123456789012:stateMachine:secret-x")),
            kNone);
}

TEST(Evaluate, VariablesInResources) {
  NamedPolicy own = Statements(R"({"Effect":"Allow","Action":"*",
      "Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"})");
  const std::string alices = "arn:aws:states:us-east-1:123456789012:stateMachine:alice-etl";
  EXPECT_EQ(EffectOf(own, Request("states:StartExecution", alices)), kAllow);
  EXPECT_EQ(EffectOf(own, Request("states:StartExecution",
                                  "arn:aws:states:us-east-1:123456789012:stateMachine:bob-etl")),
            kNone);
  // The key is missing: the resource matches nothing.
  RequestContext anonymous = Request("states:StartExecution", alices);
  anonymous.context_keys.clear();
  EXPECT_EQ(EffectOf(own, anonymous), kNone);
  // Key names are case-insensitive in the request too.
  RequestContext upper = anonymous;
  upper.context_keys = {{"AWS:UserName", {"alice"}}};
  EXPECT_EQ(EffectOf(own, upper), kAllow);
  // A default fills in a missing key.
  NamedPolicy with_default = Statements(R"({"Effect":"Allow","Action":"*",
      "Resource":"arn:aws:states:*:*:stateMachine:${aws:PrincipalTag/team, 'shared'}-*"})");
  EXPECT_EQ(EffectOf(with_default,
                     Request("states:StartExecution",
                             "arn:aws:states:us-east-1:123456789012:stateMachine:shared-x")),
            kAllow);
  RequestContext tagged =
      Request("states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:blue-x");
  tagged.context_keys["aws:PrincipalTag/team"] = {"blue"};
  EXPECT_EQ(EffectOf(with_default, tagged), kAllow);
  // A substituted value is literal: a user named "*" does not get every machine.
  RequestContext star = Request("states:StartExecution", alices);
  star.context_keys["aws:username"] = {"*"};
  EXPECT_EQ(EffectOf(own, star), kNone);
  // ${*} is a literal '*'.
  NamedPolicy literal_star = Statements(R"({"Effect":"Allow","Action":"*",
      "Resource":"arn:aws:s3:::bucket/${*}"})");
  EXPECT_EQ(EffectOf(literal_star, Request("s3:GetObject", "arn:aws:s3:::bucket/*")), kAllow);
  EXPECT_EQ(EffectOf(literal_star, Request("s3:GetObject", "arn:aws:s3:::bucket/x")), kNone);
  // In 2008-10-17 policies "${aws:username}" is plain text.
  NamedPolicy old = Named("old", R"({"Version":"2008-10-17","Statement":{"Effect":"Allow",
      "Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}})");
  EXPECT_EQ(EffectOf(old, Request("states:StartExecution", alices)), kNone);
  EXPECT_EQ(EffectOf(old, Request("states:StartExecution",
                                  "arn:aws:states:r:1:stateMachine:${aws:username}-x")),
            kAllow);
}

TEST(Evaluate, ConditionsAndAcrossOperatorsAndKeys) {
  NamedPolicy p = Statements(R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{
      "StringEquals":{"aws:username":"alice","tactus:Namespace":["prod","staging"]},
      "IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})");
  RequestContext r = Request();
  r.context_keys["tactus:Namespace"] = {"staging"};
  r.context_keys["aws:SourceIp"] = {"10.1.2.3"};
  EXPECT_EQ(EffectOf(p, r), kAllow);
  r.context_keys["aws:SourceIp"] = {"192.0.2.1"};  // one operator false: statement off
  EXPECT_EQ(EffectOf(p, r), kNone);
  r.context_keys["aws:SourceIp"] = {"10.1.2.3"};
  r.context_keys["tactus:Namespace"] = {"dev"};  // one key of an operator false
  EXPECT_EQ(EffectOf(p, r), kNone);

  // A Deny guarded by a negated operator applies when the key is missing.
  NamedPolicy mfa = Statements(R"({"Effect":"Allow","Action":"*","Resource":"*"},
      {"Effect":"Deny","Action":"*","Resource":"*",
       "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}})");
  EXPECT_EQ(EffectOf(mfa, Request()), kDeny);  // missing: IfExists makes it true
  RequestContext with_mfa = Request();
  with_mfa.context_keys["aws:MultiFactorAuthPresent"] = {"true"};
  EXPECT_EQ(EffectOf(mfa, with_mfa), kAllow);

  // Time windows.
  NamedPolicy window = Statements(R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{
      "DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},
      "DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}})");
  RequestContext in = Request();
  in.context_keys["aws:CurrentTime"] = {"2020-05-01T12:00:00Z"};
  EXPECT_EQ(EffectOf(window, in), kAllow);
  in.context_keys["aws:CurrentTime"] = {"2020-07-01T00:00:00Z"};
  EXPECT_EQ(EffectOf(window, in), kNone);
}

TEST(Evaluate, PrincipalsAndTrustPolicies) {
  NamedPolicy trust = Named("trust", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":["arn:aws:iam::123456789012:user/alice","210987654321"],
                   "Service":"states.amazonaws.com"},
      "Action":"sts:AssumeRole"}]})",
                            PolicyKind::kTrust);
  RequestContext r;
  r.principal = kAlice;
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kAllow);
  r.principal = "arn:aws:iam::123456789012:user/bob";
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kNone);
  r.principal = "arn:aws:iam::210987654321:role/anyone";  // account ID entry: whole account
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kAllow);
  r.principal_kind = PrincipalKind::kService;
  r.principal = "states.amazonaws.com";
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kAllow);
  r.principal = "lambda.amazonaws.com";
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kNone);
  r.principal_kind = PrincipalKind::kFederated;
  r.principal = "states.amazonaws.com";  // right name, wrong kind
  EXPECT_EQ(EvaluateAssumeRole(trust, r).effect, kNone);

  const Statement& st = trust.policy.statements[0];
  EXPECT_TRUE(PrincipalMatches(st, PrincipalKind::kAws, kAlice));
  EXPECT_FALSE(PrincipalMatches(st, PrincipalKind::kAws, "arn:aws:iam::999999999999:user/x"));

  NamedPolicy root = Named("root", R"({"Statement":{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}})",
                           PolicyKind::kTrust);
  EXPECT_TRUE(PrincipalMatches(root.policy.statements[0], PrincipalKind::kAws, kAlice));
  EXPECT_FALSE(PrincipalMatches(root.policy.statements[0], PrincipalKind::kAws,
                                "arn:aws:iam::210987654321:user/alice"));

  NamedPolicy everyone = Named("all", R"({"Statement":{"Effect":"Allow","Principal":"*",
      "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}})",
                               PolicyKind::kTrust);
  RequestContext anyone;
  anyone.principal = "arn:aws:iam::555555555555:user/eve";
  EXPECT_EQ(EvaluateAssumeRole(everyone, anyone).effect, kNone);  // condition
  anyone.context_keys["sts:ExternalId"] = {"x1"};
  EXPECT_EQ(EvaluateAssumeRole(everyone, anyone).effect, kAllow);
  anyone.action = "sts:TagSession";  // EvaluateAssumeRole sets the action itself
  EXPECT_EQ(EvaluateAssumeRole(everyone, anyone).effect, kAllow);

  // NotPrincipal: applies to everyone but the listed principals.
  NamedPolicy resource = Named("bucket", R"({"Statement":[
      {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
      {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},
       "Action":"states:Delete*","Resource":"*"}]})",
                               PolicyKind::kResource);
  RequestContext del = Request("states:DeleteStateMachine");
  EXPECT_EQ(EffectOf(resource, del), kAllow);
  del.principal = "arn:aws:iam::123456789012:user/bob";
  EXPECT_EQ(EffectOf(resource, del), kDeny);
}

TEST(Evaluate, StatementWithoutSidIsNamedByIndex) {
  NamedPolicy p = Statements(R"({"Effect":"Deny","Action":"s3:*","Resource":"*"},
      {"Effect":"Allow","Action":"*","Resource":"*"})");
  Decision d = Evaluate(std::span<const NamedPolicy>(&p, 1), Request());
  EXPECT_EQ(d.statement, "Statement[1]");
  EXPECT_EQ(d.policy_name, "p");
}

}  // namespace
}  // namespace tactus::auth
