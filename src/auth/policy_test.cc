#include "auth/policy.h"

#include <gtest/gtest.h>

#include <string>

namespace tactus::auth {
namespace {

Policy MustParse(const std::string& text, PolicyKind kind = PolicyKind::kIdentity) {
  auto p = ParsePolicy(text, kind);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << "\n" << text;
  return p.ok() ? p.value() : Policy{};
}

std::string ErrorOf(const std::string& text, PolicyKind kind = PolicyKind::kIdentity) {
  auto p = ParsePolicy(text, kind);
  EXPECT_FALSE(p.ok()) << text;
  if (p.ok()) return "";
  EXPECT_EQ(p.status().code(), common::StatusCode::kInvalidArgument);
  return p.status().message();
}

TEST(ParsePolicy, StatementAsObjectOrArray) {
  Policy one = MustParse(R"({"Version":"2012-10-17","Id":"p1","Statement":{"Sid":"A",
      "Effect":"Allow","Action":"states:StartExecution","Resource":"*"}})");
  EXPECT_EQ(one.version, PolicyVersion::k2012_10_17);
  EXPECT_EQ(one.id, "p1");
  ASSERT_EQ(one.statements.size(), 1u);
  EXPECT_EQ(one.statements[0].sid, "A");
  EXPECT_EQ(one.statements[0].effect, Effect::kAllow);
  EXPECT_FALSE(one.statements[0].not_action);
  EXPECT_EQ(one.statements[0].not_resource, std::optional<bool>(false));

  Policy two = MustParse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["states:Start*","states:Describe*"],"Resource":["*"]},
      {"Effect":"Deny","NotAction":"states:*","NotResource":"arn:aws:states:*:*:*"}]})");
  ASSERT_EQ(two.statements.size(), 2u);
  EXPECT_EQ(two.statements[0].actions.size(), 2u);
  EXPECT_EQ(two.statements[1].index, 1u);
  EXPECT_TRUE(two.statements[1].not_action);
  EXPECT_EQ(two.statements[1].not_resource, std::optional<bool>(true));
  EXPECT_EQ(two.statements[1].effect, Effect::kDeny);
}

TEST(ParsePolicy, Versions) {
  EXPECT_EQ(MustParse(R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*",
      "Resource":"*"}})")
                .version,
            PolicyVersion::k2008_10_17);
  // No Version: AWS's default, 2008-10-17 (no variables).
  EXPECT_EQ(MustParse(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})").version,
            PolicyVersion::k2008_10_17);
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-18","Statement":[]})"),
            "Version: must be \"2012-10-17\" (or the older \"2008-10-17\")");
  // In 2008-10-17 "${" is text, so a malformed variable is no error.
  MustParse(R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*",
      "Resource":"arn:aws:s3:::${unclosed"}})");
}

TEST(ParsePolicy, ErrorsNameThePath) {
  const std::string head = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"*","Resource":"*"},)";
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"StringEquals":{"aws:username":{"a":1}}}}]})"),
            "Statement[1].Condition.StringEquals.aws:username: a condition value must be a "
            "string, a number or a boolean, not an object");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"StringEqual":{"aws:username":"a"}}}]})"),
            "Statement[1].Condition.StringEqual: unknown condition operator (see docs/auth.md "
            "for the list)");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}]})"),
            "Statement[1].Condition.IpAddress.aws:SourceIp[1]: '10.0.0.0/33' is not an IP "
            "address or CIDR block");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"NumericLessThan":{"n":"ten"}}}]})"),
            "Statement[1].Condition.NumericLessThan.n: 'ten' is not a number");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"DateLessThan":{"aws:CurrentTime":"2024-02-30T00:00:00Z"}}}]})"),
            "Statement[1].Condition.DateLessThan.aws:CurrentTime: '2024-02-30T00:00:00Z' is not "
            "a date (use ISO 8601, e.g. 2024-01-31T12:00:00Z, or epoch seconds)");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]})"),
            "Statement[1].Condition.Bool.aws:SecureTransport: 'yes' is not true or false");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"NullIfExists":{"k":"true"}}}]})"),
            "Statement[1].Condition.NullIfExists: Null takes neither IfExists nor "
            "ForAnyValue:/ForAllValues: (it tests presence itself)");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"StringEquals":{"k":[]}}}]})"),
            "Statement[1].Condition.StringEquals.k: list at least one value");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"StringEquals":"k"}}]})"),
            "Statement[1].Condition.StringEquals: must be an object of condition keys to "
            "values, not a string");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*",
      "Resource":"arn:aws:s3:::${aws:username"}]})"),
            "Statement[1].Resource: policy variable '${aws:username' is not closed by '}'");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*",
      "Resource":["*","arn:aws:s3:::${aws:username, x}"]}]})"),
            "Statement[1].Resource[1]: policy variable '${aws:username, x}': a default value "
            "must be in single quotes");
  EXPECT_EQ(ErrorOf(head + R"({"Effect":"Allow","Action":"*","Resource":"arn:${}"}]})"),
            "Statement[1].Resource: policy variable '${}' names no context key");
}

TEST(ParsePolicy, StatementShapeErrors) {
  auto policy = [](const std::string& statement) {
    return R"({"Version":"2012-10-17","Statement":[)" + statement + "]}";
  };
  EXPECT_EQ(ErrorOf(policy(R"({"Action":"*","Resource":"*"})")),
            "Statement[0]: Effect is missing; write \"Allow\" or \"Deny\"");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"allow","Action":"*","Resource":"*"})")),
            "Statement[0].Effect: must be \"Allow\" or \"Deny\"");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"})")),
            "Statement[0]: has both Action and NotAction; use one");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Resource":"*"})")),
            "Statement[0]: names no action; add Action (or NotAction)");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*"})")),
            "Statement[0]: names no resource; add Resource (or NotResource)");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"})")),
            "Statement[0]: has both Resource and NotResource; use one");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"StartExecution","Resource":"*"})")),
            "Statement[0].Action: 'StartExecution' is not an action; write service:Action, e.g. "
            "states:StartExecution, states:*, or *");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":["*", 3],"Resource":"*"})")),
            "Statement[0].Action[1]: must be a string, not a number");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":[],"Resource":"*"})")),
            "Statement[0].Action: list at least one value");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*","Resource":"bucket"})")),
            "Statement[0].Resource: 'bucket' is not an ARN; write arn:partition:service:region:"
            "account:resource, or *");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*","Resource":"*","Foo":1})")),
            "Statement[0].Foo: unknown statement element (expected Sid, Effect, Action, "
            "NotAction, Resource, NotResource, Principal, NotPrincipal or Condition)");
  EXPECT_EQ(ErrorOf(policy(R"({"Sid":"a b","Effect":"Allow","Action":"*","Resource":"*"})")),
            "Statement[0].Sid: may contain only letters A-Z, a-z and digits 0-9");
  EXPECT_EQ(ErrorOf(policy(R"({"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},
      {"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"})")),
            "Statement[1].Sid: 'A' is used by an earlier statement; Sids must be unique within "
            "a policy");
  EXPECT_EQ(ErrorOf(policy(R"({"Effect":"Allow","Action":"*","Resource":"*",
      "Principal":"*"})")),
            "Statement[0].Principal: an identity policy names no principal (it applies to the "
            "identity it is attached to)");
  EXPECT_EQ(ErrorOf(policy("7")), "Statement[0]: a statement must be an object, not a number");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17","Statement":[]})"),
            "Statement: list at least one statement");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17"})"), "Policy: Statement is missing");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17","Statement":[],"Extra":1})"),
            "Extra: unknown policy element (expected Version, Id or Statement)");
  EXPECT_EQ(ErrorOf("[]"), "Policy: a policy document must be a JSON object, not an array");
  EXPECT_EQ(ErrorOf("{"), "Policy: not valid JSON: line 1, column 2: unexpected end of input");
}

TEST(ParsePolicy, TrustAndResourcePolicies) {
  Policy trust = MustParse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":["arn:aws:iam::123456789012:user/alice","210987654321"],
                   "Service":"states.amazonaws.com","Federated":"accounts.google.com"},
      "Action":"sts:AssumeRole"}]})",
                           PolicyKind::kTrust);
  const Statement& st = trust.statements[0];
  EXPECT_EQ(st.not_principal, std::optional<bool>(false));
  EXPECT_FALSE(st.not_resource.has_value());
  EXPECT_EQ(st.principals.aws.size(), 2u);
  EXPECT_EQ(st.principals.service, std::vector<std::string>{"states.amazonaws.com"});
  EXPECT_EQ(st.principals.federated, std::vector<std::string>{"accounts.google.com"});
  EXPECT_FALSE(st.principals.everyone);
  EXPECT_TRUE(MustParse(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}})",
                        PolicyKind::kTrust)
                  .statements[0]
                  .principals.everyone);
  EXPECT_TRUE(MustParse(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},
      "Action":"*"}})",
                        PolicyKind::kTrust)
                  .statements[0]
                  .principals.everyone);

  EXPECT_EQ(
      ErrorOf(R"({"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}})", PolicyKind::kTrust),
      "Statement: names no principal; add Principal (or NotPrincipal)");
  EXPECT_EQ(ErrorOf(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*",
      "Resource":"*"}})",
                    PolicyKind::kTrust),
            "Statement.Resource: a trust policy names no resource (the role is the resource)");
  EXPECT_EQ(ErrorOf(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":
      "arn:aws:iam::*:root"},"Action":"*"}})",
                    PolicyKind::kTrust),
            "Statement.Principal.AWS: 'arn:aws:iam::*:root': a principal takes no wildcards "
            "other than \"*\" alone");
  EXPECT_EQ(ErrorOf(R"({"Statement":{"Effect":"Allow","Principal":{"Group":"x"},
      "Action":"*"}})",
                    PolicyKind::kTrust),
            "Statement.Principal.Group: unknown principal type (expected AWS, Federated or "
            "Service)");
  EXPECT_EQ(ErrorOf(R"({"Statement":{"Effect":"Allow","Principal":"me","Action":"*"}})",
                    PolicyKind::kTrust),
            "Statement.Principal: must be \"*\" or an object such as {\"AWS\": \"<ARN or "
            "account ID>\"}");
  EXPECT_EQ(ErrorOf(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}})",
                    PolicyKind::kResource),
            "Statement: names no resource; add Resource (or NotResource)");
  MustParse(R"({"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},
      "Action":"*","Resource":"*"}})",
            PolicyKind::kResource);
}

TEST(ParsePolicy, Limits) {
  // kMaxPolicyChars counts characters without whitespace: padding with spaces is free.
  const std::string small = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})";
  MustParse(small + std::string(10000, ' '));
  std::string big = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::)";
  const std::string tail = R"("}})";
  big += std::string(kMaxPolicyChars - PolicySizeChars(big) - PolicySizeChars(tail), 'x') + tail;
  EXPECT_EQ(PolicySizeChars(big), kMaxPolicyChars);
  MustParse(big);
  big.insert(big.size() - tail.size(), "y");
  EXPECT_EQ(ErrorOf(big),
            "Policy: 6145 characters (whitespace not counted), more than the "
            "limit of 6144");
  // Multibyte characters count once.
  EXPECT_EQ(PolicySizeChars("\xC3\xA9 \xE2\x82\xAC"), 2u);

  // 101 tiny statements stay within kMaxPolicyChars, so the statement limit is what fails.
  common::json::array statements;
  for (std::size_t i = 0; i <= kMaxStatements; ++i) {
    statements.push_back(
        common::json::object{{"Effect", "Deny"}, {"Action", "*"}, {"Resource", "*"}});
  }
  auto counted = ParsePolicy(common::json::value(common::json::object{{"Statement", statements}}));
  ASSERT_FALSE(counted.ok());
  EXPECT_EQ(counted.status().message(), "Statement: 101 statements, more than the limit of 100");

  common::json::array values;
  for (std::size_t i = 0; i <= kMaxConditionValues; ++i) values.push_back(i);
  common::json::value doc = {{"Statement",
                              {{"Effect", "Allow"},
                               {"Action", "*"},
                               {"Resource", "*"},
                               {"Condition", {{"NumericEquals", {{"n", values}}}}}}}};
  auto too_many = ParsePolicy(doc);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(),
            "Statement.Condition.NumericEquals.n: 101 values, more than the limit of 100 per key");
}

TEST(ParsePolicy, ConditionValuesOfEveryType) {
  Policy p = MustParse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",
      "Resource":"*","Condition":{
        "NumericLessThanEquals":{"n":[1, "2.5", -3e2]},
        "DateGreaterThan":{"aws:CurrentTime":["2024-01-01T00:00:00Z", 1700000000, "2024-01-01"]},
        "Bool":{"aws:SecureTransport":[true, "FALSE"]},
        "IpAddress":{"aws:SourceIp":["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]},
        "ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*", "${aws:username}"]},
        "Null":{"k":"true"}}}})");
  const auto& conditions = p.statements[0].conditions;
  ASSERT_EQ(conditions.size(), 6u);
  std::map<std::string, const Condition*> by_op;
  for (const Condition& c : conditions) by_op[c.operator_name] = &c;
  EXPECT_EQ(by_op.at("NumericLessThanEquals")->values[2].number, -300);
  EXPECT_EQ(by_op.at("DateGreaterThan")->values[1].millis, 1700000000000);
  EXPECT_EQ(by_op.at("DateGreaterThan")->values[2].millis, 1704067200000);
  EXPECT_TRUE(by_op.at("Bool")->values[0].boolean);
  EXPECT_FALSE(by_op.at("Bool")->values[1].boolean);
  EXPECT_TRUE(by_op.at("IpAddress")->values[1].range.v6);
  EXPECT_EQ(by_op.at("IpAddress")->values[2].range.prefix_bits, 32);
  const Condition* like = by_op.at("ForAllValues:StringLikeIfExists");
  EXPECT_EQ(like->qualifier, SetQualifier::kForAllValues);
  EXPECT_TRUE(like->if_exists);
  EXPECT_EQ(like->key_lower, "aws:tagkeys");
  EXPECT_TRUE(like->values[1].pattern.has_variables());
}

}  // namespace
}  // namespace tactus::auth
