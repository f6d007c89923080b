#include "auth/policy_condition.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "auth/policy_pattern.h"

namespace tactus::auth {
namespace {

namespace json = common::json;

struct Case {
  std::string op;
  std::string policy_values;                        // JSON
  std::optional<std::vector<std::string>> request;  // nullopt: the key is missing
  bool expected;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.op << " " << c.policy_values << " vs ";
  if (!c.request) {
    *os << "(missing)";
  } else {
    for (const auto& v : *c.request) *os << "'" << v << "' ";
  }
}

bool RunCase(const Case& c, ContextValues context = {}) {
  auto values = common::ParseJson(c.policy_values);
  EXPECT_TRUE(values.ok()) << c.policy_values;
  auto condition = ParseCondition("Condition", c.op, "k", values.value(), true);
  EXPECT_TRUE(condition.ok()) << condition.status().ToString();
  if (!condition.ok()) return !c.expected;
  if (c.request) context["k"] = *c.request;
  return EvaluateCondition(condition.value(), context);
}

class ConditionTable : public testing::TestWithParam<Case> {};

TEST_P(ConditionTable, Evaluates) {
  const Case& c = GetParam();
  EXPECT_EQ(RunCase(c), c.expected);
}

using V = std::vector<std::string>;
const std::nullopt_t kMissing = std::nullopt;

INSTANTIATE_TEST_SUITE_P(
    String, ConditionTable,
    testing::Values(
        Case{"StringEquals", R"("alice")", V{"alice"}, true},
        Case{"StringEquals", R"("alice")", V{"Alice"}, false},
        Case{"StringEquals", R"(["bob","alice"])", V{"alice"}, true},  // values OR
        Case{"StringEquals", R"("a*")", V{"abc"}, false},              // no wildcards
        Case{"StringEquals", R"("a*")", V{"a*"}, true},
        Case{"StringEquals", R"("alice")", kMissing, false},
        Case{"StringEquals", R"("")", V{""}, true},
        Case{"StringEquals", R"(10)", V{"10"}, true},  // numbers compare as their JSON text
        Case{"StringNotEquals", R"("alice")", V{"bob"}, true},
        Case{"StringNotEquals", R"(["bob","alice"])", V{"alice"}, false},
        Case{"StringNotEquals", R"("alice")", kMissing, true},  // negated + missing = true
        Case{"StringEqualsIgnoreCase", R"("ALICE")", V{"alice"}, true},
        Case{"StringEqualsIgnoreCase", R"("ALICE")", V{"bob"}, false},
        Case{"StringNotEqualsIgnoreCase", R"("ALICE")", V{"alice"}, false},
        Case{"StringNotEqualsIgnoreCase", R"("ALICE")", V{"bob"}, true},
        Case{"StringNotEqualsIgnoreCase", R"("ALICE")", kMissing, true},
        Case{"StringLike", R"("home/*")", V{"home/alice/x"}, true},
        Case{"StringLike", R"("home/?")", V{"home/ab"}, false},
        Case{"StringLike", R"("home/??")", V{"home/ab"}, true},
        Case{"StringLike", R"("Home/*")", V{"home/a"}, false},  // case-sensitive
        Case{"StringLike", R"("*")", V{""}, true},
        Case{"StringLike", R"("a${*}b")", V{"a*b"}, true},  // ${*}: a literal '*'
        Case{"StringLike", R"("a${*}b")", V{"axb"}, false},
        Case{"StringLike", R"("a${?}")", V{"a?"}, true},
        Case{"StringLike", R"("a${?}")", V{"ab"}, false},
        Case{"StringLike", R"("${$}x")", V{"$x"}, true},
        Case{"StringLike", R"("x")", kMissing, false},
        Case{"StringNotLike", R"("home/*")", V{"tmp/a"}, true},
        Case{"StringNotLike", R"(["tmp/*","home/*"])", V{"home/a"}, false},
        Case{"StringNotLike", R"("home/*")", kMissing, true},
        Case{"StringEqualsIfExists", R"("alice")", kMissing, true},
        Case{"StringEqualsIfExists", R"("alice")", V{"bob"}, false},
        Case{"StringEqualsIfExists", R"("alice")", V{"alice"}, true},
        Case{"StringNotLikeIfExists", R"("a*")", V{"abc"}, false},
        // An empty value list counts as missing.
        Case{"StringEquals", R"("a")", V{}, false}, Case{"StringNotEquals", R"("a")", V{}, true},
        // Plain operators on a multivalued key: some value matches (negated: none matches).
        Case{"StringEquals", R"("a")", V{"b", "a"}, true},
        Case{"StringNotEquals", R"("a")", V{"b", "a"}, false},
        Case{"StringNotEquals", R"("a")", V{"b", "c"}, true}));

INSTANTIATE_TEST_SUITE_P(
    SetOperators, ConditionTable,
    testing::Values(
        Case{"ForAllValues:StringEquals", R"(["a","b"])", V{"a", "b"}, true},
        Case{"ForAllValues:StringEquals", R"(["a","b"])", V{"a", "c"}, false},
        Case{"ForAllValues:StringEquals", R"(["a","b"])", kMissing, true},  // AWS's edge case
        Case{"ForAllValues:StringEquals", R"(["a","b"])", V{}, true},
        Case{"ForAnyValue:StringEquals", R"(["a","b"])", V{"c", "b"}, true},
        Case{"ForAnyValue:StringEquals", R"(["a","b"])", V{"c", "d"}, false},
        Case{"ForAnyValue:StringEquals", R"(["a","b"])", kMissing, false},  // AWS's edge case
        // Negated with a set operator: per request value, "matches no policy value".
        Case{"ForAllValues:StringNotEquals", R"(["a","b"])", V{"c", "d"}, true},
        Case{"ForAllValues:StringNotEquals", R"(["a","b"])", V{"c", "a"}, false},
        Case{"ForAllValues:StringNotEquals", R"(["a","b"])", kMissing, true},
        Case{"ForAnyValue:StringNotEquals", R"(["a","b"])", V{"a", "c"}, true},
        Case{"ForAnyValue:StringNotEquals", R"(["a","b"])", V{"a", "b"}, false},
        Case{"ForAnyValue:StringNotEquals", R"(["a","b"])", kMissing, false},
        Case{"ForAllValues:StringLike", R"(["Created*"])", V{"CreatedBy", "CreatedAt"}, true},
        Case{"ForAnyValue:StringLike", R"(["x*"])", V{"CreatedBy", "xy"}, true},
        Case{"ForAnyValue:StringEqualsIfExists", R"("a")", kMissing, true},
        Case{"ForAllValues:NumericLessThan", R"(10)", V{"1", "9"}, true},
        Case{"ForAllValues:NumericLessThan", R"(10)", V{"1", "11"}, false},
        Case{"ForAnyValue:IpAddress", R"("10.0.0.0/8")", V{"192.0.2.1", "10.1.2.3"}, true}));

INSTANTIATE_TEST_SUITE_P(
    Numeric, ConditionTable,
    testing::Values(Case{"NumericEquals", R"(10)", V{"10"}, true},
                    Case{"NumericEquals", R"("10")", V{"10.0"}, true},
                    Case{"NumericEquals", R"(10)", V{"1e1"}, true},
                    Case{"NumericEquals", R"(10)", V{"11"}, false},
                    Case{"NumericEquals", R"(10)", V{"ten"}, false},  // unreadable request value
                    Case{"NumericEquals", R"(10)", kMissing, false},
                    Case{"NumericNotEquals", R"(10)", V{"11"}, true},
                    Case{"NumericNotEquals", R"([10, 11])", V{"11"}, false},
                    Case{"NumericNotEquals", R"(10)", V{"ten"}, true},
                    Case{"NumericNotEquals", R"(10)", kMissing, true},
                    Case{"NumericLessThan", R"(10)", V{"9.99"}, true},
                    Case{"NumericLessThan", R"(10)", V{"10"}, false},
                    Case{"NumericLessThanEquals", R"(10)", V{"10"}, true},
                    Case{"NumericLessThanEquals", R"(10)", V{"10.5"}, false},
                    Case{"NumericGreaterThan", R"(-1)", V{"0"}, true},
                    Case{"NumericGreaterThan", R"(-1)", V{"-1"}, false},
                    Case{"NumericGreaterThanEquals", R"("-1.5")", V{"-1.5"}, true},
                    Case{"NumericGreaterThanEquals", R"("-1.5")", V{"-2"}, false},
                    Case{"NumericLessThanIfExists", R"(3600)", kMissing, true},
                    Case{"NumericLessThanIfExists", R"(3600)", V{"7200"}, false}));

INSTANTIATE_TEST_SUITE_P(
    Date, ConditionTable,
    testing::Values(
        Case{"DateEquals", R"("2024-01-01T00:00:00Z")", V{"2024-01-01T00:00:00Z"}, true},
        Case{"DateEquals", R"("2024-01-01T00:00:00Z")", V{"1704067200"}, true},  // epoch
        Case{"DateEquals", R"(1704067200)", V{"2024-01-01T01:00:00+01:00"}, true},
        Case{"DateEquals", R"("2024-01-01")", V{"2024-01-01T00:00:00.000Z"}, true},
        Case{"DateEquals", R"("2024-01-01T00:00:00Z")", V{"2024-01-01T00:00:01Z"}, false},
        Case{"DateEquals", R"("2024-01-01T00:00:00Z")", V{"yesterday"}, false},
        Case{"DateNotEquals", R"("2024-01-01T00:00:00Z")", V{"2024-01-01T00:00:01Z"}, true},
        Case{"DateNotEquals", R"("2024-01-01T00:00:00Z")", kMissing, true},
        Case{"DateLessThan", R"("2020-06-30T23:59:59Z")", V{"2020-06-30T23:59:58Z"}, true},
        Case{"DateLessThan", R"("2020-06-30T23:59:59Z")", V{"2020-06-30T23:59:59Z"}, false},
        Case{"DateLessThanEquals", R"("2020-06-30T23:59:59Z")", V{"2020-06-30T23:59:59Z"}, true},
        Case{"DateGreaterThan", R"("2020-04-01T00:00:00Z")", V{"2020-04-01T00:00:00.001Z"}, true},
        Case{"DateGreaterThan", R"("2020-04-01T00:00:00Z")", V{"2020-03-31T23:00:00-01:00"}, false},
        Case{"DateGreaterThanEquals", R"("2020-04-01T00:00:00Z")", V{"2020-03-31T23:00:00-01:00"},
             true},
        Case{"DateGreaterThanEquals", R"("2020-04-01T00:00:00Z")", kMissing, false},
        Case{"DateLessThanIfExists", R"("2020-04-01T00:00:00Z")", kMissing, true}));

INSTANTIATE_TEST_SUITE_P(
    BoolAndNull, ConditionTable,
    testing::Values(
        Case{"Bool", R"(true)", V{"true"}, true}, Case{"Bool", R"("true")", V{"TRUE"}, true},
        Case{"Bool", R"("false")", V{"true"}, false}, Case{"Bool", R"(true)", V{"yes"}, false},
        Case{"Bool", R"(true)", kMissing, false}, Case{"BoolIfExists", R"(true)", kMissing, true},
        Case{"BoolIfExists", R"(true)", V{"false"}, false},
        Case{"Null", R"("true")", kMissing, true}, Case{"Null", R"("true")", V{"x"}, false},
        Case{"Null", R"("false")", V{"x"}, true}, Case{"Null", R"("false")", kMissing, false},
        Case{"Null", R"(false)", V{""}, true},  // an empty string is a value
        Case{"Null", R"("true")", V{}, true}));

INSTANTIATE_TEST_SUITE_P(
    IpAddress, ConditionTable,
    testing::Values(Case{"IpAddress", R"("203.0.113.0/24")", V{"203.0.113.7"}, true},
                    Case{"IpAddress", R"("203.0.113.0/24")", V{"203.0.114.7"}, false},
                    Case{"IpAddress", R"("203.0.113.7")", V{"203.0.113.7"}, true},
                    Case{"IpAddress", R"("203.0.113.128/25")", V{"203.0.113.127"}, false},
                    Case{"IpAddress", R"("203.0.113.5/0")", V{"1.2.3.4"}, true},
                    Case{"IpAddress", R"(["10.0.0.0/8","2001:DB8::/32"])", V{"2001:db8:1::5"},
                         true},
                    Case{"IpAddress", R"("2001:db8::/33")", V{"2001:db8:8000::1"}, false},
                    Case{"IpAddress", R"("2001:db8::/32")", V{"10.0.0.1"}, false},  // family
                    Case{"IpAddress", R"("10.0.0.0/8")", V{"10.0.0.0/8"}, false},   // not an IP
                    Case{"IpAddress", R"("10.0.0.0/8")", V{"garbage"}, false},
                    Case{"IpAddress", R"("10.0.0.0/8")", kMissing, false},
                    Case{"NotIpAddress", R"("10.0.0.0/8")", V{"11.0.0.1"}, true},
                    Case{"NotIpAddress", R"("10.0.0.0/8")", V{"10.9.9.9"}, false},
                    Case{"NotIpAddress", R"("10.0.0.0/8")", kMissing, true},
                    Case{"IpAddressIfExists", R"("10.0.0.0/8")", kMissing, true}));

INSTANTIATE_TEST_SUITE_P(
    Arn, ConditionTable,
    testing::Values(
        Case{"ArnEquals", R"("arn:aws:states:us-east-1:123456789012:stateMachine:a")",
             V{"arn:aws:states:us-east-1:123456789012:stateMachine:a"}, true},
        Case{"ArnLike", R"("arn:aws:states:*:123456789012:stateMachine:*")",
             V{"arn:aws:states:eu-west-1:123456789012:stateMachine:a:v1"}, true},
        // ArnEquals matches like ArnLike (AWS documents them together).
        Case{"ArnEquals", R"("arn:aws:states:*:123456789012:stateMachine:*")",
             V{"arn:aws:states:eu-west-1:123456789012:stateMachine:a"}, true},
        // '*' stays within its segment for ARN operators: it cannot eat the account's colon.
        Case{"ArnLike", R"("arn:aws:states:*:stateMachine:a")",
             V{"arn:aws:states:us-east-1:123456789012:stateMachine:a"}, false},
        Case{"ArnLike", R"("arn:aws:states:us-east-?:*:*")",
             V{"arn:aws:states:us-east-1:123456789012:activity:x"}, true},
        Case{"ArnLike", R"("arn:aws:STATES:*:*:*")", V{"arn:aws:states:r:1:x"}, false},
        Case{"ArnLike", R"("arn:aws:states:*:*:*")", V{"not-an-arn"}, false},
        Case{"ArnNotLike", R"("arn:aws:states:*:*:*")", V{"arn:aws:s3:::b"}, true},
        Case{"ArnNotLike", R"("arn:aws:states:*:*:*")", V{"arn:aws:states:r:1:x"}, false},
        Case{"ArnNotEquals", R"("arn:aws:states:r:1:x")", kMissing, true},
        Case{"ArnLikeIfExists", R"("arn:aws:states:r:1:x")", kMissing, true},
        Case{"ForAnyValue:ArnLike", R"("arn:aws:iam::*:role/a*")",
             V{"arn:aws:iam::1:role/b", "arn:aws:iam::1:role/ab"}, true}));

TEST(Condition, VariablesInValues) {
  ContextValues context = {
      {"aws:username", {"alice"}}, {"aws:principaltag/team", {"blue"}}, {"multi", {"a", "b"}}};
  EXPECT_TRUE(RunCase({"StringEquals", R"("${aws:username}")", V{"alice"}, true}, context));
  EXPECT_TRUE(
      RunCase({"StringLike", R"("home/${aws:username}/*")", V{"home/alice/x"}, true}, context));
  // Key names inside variables are case-insensitive.
  EXPECT_TRUE(RunCase({"StringEquals", R"("${AWS:PrincipalTag/team}")", V{"blue"}, true}, context));
  // A variable that does not resolve matches nothing, so a negated operator is true.
  EXPECT_FALSE(RunCase({"StringEquals", R"("${aws:userid}")", V{"x"}, false}, context));
  EXPECT_TRUE(RunCase({"StringNotEquals", R"("${aws:userid}")", V{"x"}, true}, context));
  // A multivalued key cannot be a variable.
  EXPECT_FALSE(RunCase({"StringEquals", R"("${multi}")", V{"a"}, false}, context));
  // Defaults apply when the key does not resolve.
  EXPECT_TRUE(
      RunCase({"StringEquals", R"("${aws:userid, 'nobody'}")", V{"nobody"}, true}, context));
  EXPECT_TRUE(
      RunCase({"StringEquals", R"("${aws:username, 'nobody'}")", V{"alice"}, true}, context));
  // A substituted value is literal even for StringLike.
  ContextValues star = {{"aws:username", {"*"}}};
  EXPECT_FALSE(RunCase({"StringLike", R"("${aws:username}")", V{"bob"}, false}, star));
  EXPECT_TRUE(RunCase({"StringLike", R"("${aws:username}")", V{"*"}, true}, star));
  // Variables are off in 2008-10-17 policies.
  auto plain =
      ParseCondition("Condition", "StringEquals", "k", json::value("${aws:username}"), false);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(
      EvaluateCondition(plain.value(), {{"k", {"${aws:username}"}}, {"aws:username", {"alice"}}}));
}

TEST(Condition, Readers) {
  double n;
  EXPECT_TRUE(ParseConditionNumber("+1.5e2", &n));
  EXPECT_EQ(n, 150);
  for (const char* bad : {"", "1.", ".5", "1e", "0x10", "1e999", "nan", "inf", " 1", "1 "}) {
    EXPECT_FALSE(ParseConditionNumber(bad, &n)) << bad;
  }
  std::int64_t ms;
  EXPECT_TRUE(ParseConditionDate("1970-01-01T00:00:00Z", &ms));
  EXPECT_EQ(ms, 0);
  EXPECT_TRUE(ParseConditionDate("2024-02-29T12:30:15.250+0130", &ms));
  EXPECT_EQ(ms, 1709209815250 - 90 * 60 * 1000);
  EXPECT_TRUE(ParseConditionDate("1700000000.5", &ms));
  EXPECT_EQ(ms, 1700000000500);
  for (const char* bad :
       {"", "2023-02-29", "2024-13-01", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00",
        "2024-01-01 00:00:00Z", "2024-1-1", "1234567890123", "1.", "2024-01-01T00:00:00.Z"}) {
    if (std::string(bad) == "2024-01-01T00:00:00") continue;  // no zone: UTC, accepted
    EXPECT_FALSE(ParseConditionDate(bad, &ms)) << bad;
  }
  EXPECT_TRUE(ParseConditionDate("2024-01-01T00:00", &ms));
  IpRange r;
  EXPECT_TRUE(ParseIpRange("::ffff:10.0.0.1/128", &r));
  for (const char* bad :
       {"", "10.0.0", "10.0.0.1/", "10.0.0.1/x", "::/129", "1.2.3.4/0033", "256.0.0.1"}) {
    EXPECT_FALSE(ParseIpRange(bad, &r)) << bad;
  }
}

TEST(Glob, Matches) {
  EXPECT_TRUE(GlobMatch("a*b?c", "aXXbYc", false));
  EXPECT_FALSE(GlobMatch("a*b?c", "aXXbc", false));
  EXPECT_TRUE(GlobMatch("*", "", false));
  EXPECT_TRUE(GlobMatch("**a**", "xa", false));
  EXPECT_TRUE(GlobMatch("STATES:start*", "states:StartExecution", true));
  EXPECT_FALSE(GlobMatch("STATES:start*", "states:StartExecution", false));
  EXPECT_TRUE(GlobMatch("a\\*", "a*", false));
  EXPECT_FALSE(GlobMatch("a\\*", "ab", false));
  EXPECT_TRUE(GlobMatch("?", "\xC3\xA9", false));  // one code point, two bytes
  EXPECT_FALSE(GlobMatch("??", "\xC3\xA9", false));
  EXPECT_TRUE(GlobMatch(GlobEscape("a*?\\"), "a*?\\", false));
  // Pathological backtracking stays fast (greedy with one backtrack point).
  EXPECT_FALSE(GlobMatch(std::string(50, '*') + "b", std::string(5000, 'a'), false));
}

}  // namespace
}  // namespace tactus::auth
