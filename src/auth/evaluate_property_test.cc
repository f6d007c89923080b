// Property test: Evaluate agrees with a small reference evaluator over thousands of random
// policies and requests.
//
// The reference is written independently and as directly as possible: it reads the JSON document
// itself (no parsed model), matches wildcards with std::regex, substitutes variables with its own
// scanner, and evaluates conditions with the textbook formulas (plain: any/none; ForAnyValue: any;
// ForAllValues: all) without special cases for missing keys, which fall out of "any over nothing
// is false, all over nothing is true". It shares no code with the library.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "auth/evaluate.h"

namespace tactus::auth {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// The reference evaluator.

using Ctx = std::map<std::string, std::vector<std::string>>;  // keys in lower case

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string RegexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The pattern as a regex (wildcards on) or as plain text (wildcards off), variables substituted
// when `vars`. nullopt when a variable has no single value and no default.
std::optional<std::string> Expand(const std::string& pattern, bool vars, const Ctx& ctx,
                                  bool wildcards) {
  std::string out;
  auto literal = [&](const std::string& s) { out += wildcards ? RegexEscape(s) : s; };
  for (std::size_t i = 0; i < pattern.size();) {
    if (vars && pattern.compare(i, 2, "${") == 0) {
      const std::size_t close = pattern.find('}', i);
      const std::string inner = pattern.substr(i + 2, close - i - 2);
      i = close + 1;
      if (inner == "*" || inner == "?" || inner == "$") {
        literal(inner);
        continue;
      }
      const std::size_t comma = inner.find(", '");
      const std::string key = Lower(inner.substr(0, comma));
      auto it = ctx.find(key);
      if (it != ctx.end() && it->second.size() == 1) {
        literal(it->second[0]);
      } else if (comma != std::string::npos) {
        literal(inner.substr(comma + 3, inner.size() - comma - 4));
      } else {
        return std::nullopt;
      }
      continue;
    }
    const char c = pattern[i++];
    if (wildcards && c == '*') {
      out += ".*";
    } else if (wildcards && c == '?') {
      out += ".";
    } else {
      literal(std::string(1, c));
    }
  }
  return out;
}

bool RegexMatch(const std::string& re, const std::string& text, bool icase) {
  static std::map<std::pair<std::string, bool>, std::regex> cache;
  auto key = std::make_pair(re, icase);
  auto it = cache.find(key);
  if (it == cache.end()) {
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    it = cache.emplace(key, std::regex(re, flags)).first;
  }
  return std::regex_match(text, it->second);
}

bool Like(const std::string& pattern, bool vars, const Ctx& ctx, const std::string& text,
          bool icase) {
  auto re = Expand(pattern, vars, ctx, true);
  return re && RegexMatch(*re, text, icase);
}

std::vector<std::string> Strings(const json::value& v) {
  std::vector<std::string> out;
  auto one = [&](const json::value& x) {
    if (x.is_string()) {
      out.emplace_back(x.get_string());
    } else if (x.is_bool()) {
      out.push_back(x.get_bool() ? "true" : "false");
    } else {
      out.push_back(json::serialize(x));
    }
  };
  if (v.is_array()) {
    for (const auto& x : v.get_array()) one(x);
  } else {
    one(v);
  }
  return out;
}

std::optional<double> RefNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::optional<std::int64_t> RefDate(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(s) * 1000;
  }
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(s.size())) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::optional<std::pair<std::uint32_t, int>> RefIp(const std::string& s) {
  unsigned a, b, c, d, bits = 32;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u/%u%n", &a, &b, &c, &d, &bits, &consumed) == 5 &&
      consumed == static_cast<int>(s.size())) {
  } else if (std::sscanf(s.c_str(), "%u.%u.%u.%u%n", &a, &b, &c, &d, &consumed) == 4 &&
             consumed == static_cast<int>(s.size())) {
    bits = 32;
  } else {
    return std::nullopt;
  }
  return std::make_pair((a << 24) | (b << 16) | (c << 8) | d, static_cast<int>(bits));
}

bool RefArnLike(const std::string& pattern, bool vars, const Ctx& ctx, const std::string& arn) {
  static const std::regex kSix("([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):(.*)");
  std::smatch p, a;
  if (!std::regex_match(pattern, p, kSix) || !std::regex_match(arn, a, kSix)) return false;
  for (int i = 1; i <= 6; ++i) {
    if (!Like(p[i].str(), vars, ctx, a[i].str(), false)) return false;
  }
  return true;
}

// Does one policy value match one request value under the base operator?
bool RefMatch(const std::string& base, const std::string& policy_value, bool vars, const Ctx& ctx,
              const std::string& request_value) {
  if (base == "StringEquals" || base == "StringNotEquals") {
    auto text = Expand(policy_value, vars, ctx, false);
    return text && *text == request_value;
  }
  if (base == "StringEqualsIgnoreCase" || base == "StringNotEqualsIgnoreCase") {
    auto text = Expand(policy_value, vars, ctx, false);
    return text && Lower(*text) == Lower(request_value);
  }
  if (base == "StringLike" || base == "StringNotLike") {
    return Like(policy_value, vars, ctx, request_value, false);
  }
  if (base.starts_with("Arn")) return RefArnLike(policy_value, vars, ctx, request_value);
  if (base.starts_with("Numeric")) {
    auto want = RefNumber(policy_value), have = RefNumber(request_value);
    if (!want || !have) return false;
    if (base.ends_with("LessThan")) return *have < *want;
    if (base.ends_with("LessThanEquals")) return *have <= *want;
    if (base.ends_with("GreaterThan")) return *have > *want;
    if (base.ends_with("GreaterThanEquals")) return *have >= *want;
    return *have == *want;
  }
  if (base.starts_with("Date")) {
    auto want = RefDate(policy_value), have = RefDate(request_value);
    if (!want || !have) return false;
    if (base.ends_with("LessThan")) return *have < *want;
    if (base.ends_with("LessThanEquals")) return *have <= *want;
    if (base.ends_with("GreaterThan")) return *have > *want;
    if (base.ends_with("GreaterThanEquals")) return *have >= *want;
    return *have == *want;
  }
  if (base == "Bool") {
    const std::string have = Lower(request_value);
    return (have == "true" || have == "false") && have == Lower(policy_value);
  }
  if (base == "IpAddress" || base == "NotIpAddress") {
    auto range = RefIp(policy_value), ip = RefIp(request_value);
    if (!range || !ip || request_value.find('/') != std::string::npos) return false;
    const std::uint32_t mask = range->second == 0 ? 0 : ~std::uint32_t{0} << (32 - range->second);
    return (ip->first & mask) == (range->first & mask);
  }
  ADD_FAILURE() << "reference does not know " << base;
  return false;
}

bool RefCondition(std::string op, const std::string& key, const json::value& values, bool vars,
                  const Ctx& ctx) {
  auto it = ctx.find(Lower(key));
  const std::vector<std::string> have = it == ctx.end() ? std::vector<std::string>{} : it->second;
  if (op == "Null") {
    for (const std::string& v : Strings(values)) {
      if ((Lower(v) == "true") == have.empty()) return true;
    }
    return false;
  }
  std::string set;
  if (op.starts_with("ForAnyValue:") || op.starts_with("ForAllValues:")) {
    set = op.substr(0, op.find(':'));
    op = op.substr(op.find(':') + 1);
  }
  if (op.ends_with("IfExists")) {
    if (have.empty()) return true;
    op = op.substr(0, op.size() - 8);
  }
  const bool negated = op.find("Not") != std::string::npos;
  auto matches = [&](const std::string& request_value) {
    for (const std::string& p : Strings(values)) {
      if (RefMatch(op, p, vars, ctx, request_value)) return true;
    }
    return false;
  };
  int hits = 0;
  for (const std::string& h : have) hits += matches(h) ? 1 : 0;
  const int misses = static_cast<int>(have.size()) - hits;
  if (set == "ForAnyValue") return negated ? misses > 0 : hits > 0;
  if (set == "ForAllValues") return negated ? hits == 0 : misses == 0;
  return negated ? hits == 0 : hits > 0;
}

struct RefRequest {
  std::string action, resource;
  Ctx ctx;
};

bool RefApplies(const json::object& st, bool vars, const RefRequest& r) {
  const bool not_action = st.contains("NotAction");
  bool action_hit = false;
  for (const std::string& a : Strings(st.at(not_action ? "NotAction" : "Action"))) {
    action_hit = action_hit || Like(a, false, r.ctx, r.action, true);
  }
  if (action_hit == not_action) return false;
  const bool not_resource = st.contains("NotResource");
  bool resource_hit = false;
  for (const std::string& p : Strings(st.at(not_resource ? "NotResource" : "Resource"))) {
    resource_hit = resource_hit || Like(p, vars, r.ctx, r.resource, false);
  }
  if (resource_hit == not_resource) return false;
  if (const json::value* cond = st.if_contains("Condition")) {
    for (const auto& [op, keys] : cond->get_object()) {
      for (const auto& [key, values] : keys.get_object()) {
        if (!RefCondition(std::string(op), std::string(key), values, vars, r.ctx)) return false;
      }
    }
  }
  return true;
}

struct RefDecision {
  DecisionEffect effect = DecisionEffect::kImplicitDeny;
  std::string policy, statement;
};

RefDecision RefEvaluate(const std::vector<std::pair<std::string, json::value>>& docs,
                        const RefRequest& r) {
  std::optional<RefDecision> first_allow;
  for (const auto& [name, doc] : docs) {
    const bool vars =
        doc.as_object().contains("Version") && doc.at("Version").as_string() == "2012-10-17";
    const json::array& statements = doc.at("Statement").as_array();
    for (std::size_t i = 0; i < statements.size(); ++i) {
      const json::object& st = statements[i].as_object();
      if (!RefApplies(st, vars, r)) continue;
      RefDecision d{DecisionEffect::kAllow, name, "Statement[" + std::to_string(i) + "]"};
      if (st.at("Effect").as_string() == "Deny") {
        d.effect = DecisionEffect::kExplicitDeny;
        return d;
      }
      if (!first_allow) first_allow = d;
    }
  }
  return first_allow.value_or(RefDecision{});
}

// ---------------------------------------------------------------------------------------------
// Random policies and requests over a small universe, so that matches are frequent.

class Gen {
 public:
  explicit Gen(std::uint32_t seed) : rng_(seed) {}

  int Int(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Coin() { return Int(2) == 0; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Int(static_cast<int>(v.size())))];
  }

  json::value OneOrList(const std::vector<std::string>& pool, int max) {
    const int n = 1 + Int(max);
    if (n == 1 && Coin()) return json::value(Pick(pool));
    json::array a;
    for (int i = 0; i < n; ++i) a.emplace_back(Pick(pool));
    return a;
  }

  json::value Policy() {
    json::object doc;
    const int version = Int(3);
    if (version == 0) doc["Version"] = "2012-10-17";
    if (version == 1) doc["Version"] = "2008-10-17";
    if (version == 2) doc["Version"] = "2012-10-17";  // most cases exercise variables
    json::array statements;
    const int n = 1 + Int(4);
    for (int i = 0; i < n; ++i) statements.push_back(Statement());
    doc["Statement"] = std::move(statements);
    return doc;
  }

  RefRequest Request() {
    RefRequest r;
    r.action = Pick(kActions);
    r.resource = Pick(kResources);
    auto maybe = [&](const std::string& key, const std::vector<std::string>& pool, int max) {
      const int n = Int(max + 2) - 1;  // -1: missing, 0: present with no values
      if (n < 0) return;
      std::vector<std::string>& values = r.ctx[key];
      for (int i = 0; i < n; ++i) values.push_back(Pick(pool));
    };
    maybe("aws:username", {"alice", "bob", "*", "a"}, 1);
    maybe("aws:principaltag/team", {"orders", "blue"}, 1);
    maybe("k:str", kStrings, 3);
    maybe("k:num", {"1", "5", "10", "x", "-2.5", "10.0"}, 3);
    maybe("k:date", {"1700000000", "2023-11-14T22:13:20Z", "2024-01-01T00:00:00Z", "bad"}, 2);
    maybe("k:bool", {"true", "false", "TRUE", "x"}, 2);
    maybe("k:ip", {"10.1.2.3", "192.0.2.1", "192.0.2.200", "x"}, 2);
    maybe("k:arn", kResources, 2);
    return r;
  }

  // The request's context keys as RequestContext takes them, with random capitalisation.
  std::map<std::string, std::vector<std::string>> Keys(const Ctx& ctx) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [key, values] : ctx) {
      std::string k = key;
      for (char& c : k) {
        if (Int(4) == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      out[k] = values;
    }
    return out;
  }

 private:
  json::value Statement() {
    json::object st;
    st["Effect"] = Int(3) == 0 ? "Deny" : "Allow";
    st[Int(4) == 0 ? "NotAction" : "Action"] = OneOrList(kActionPatterns, 2);
    st[Int(4) == 0 ? "NotResource" : "Resource"] = OneOrList(kResourcePatterns, 2);
    const int conditions = Int(4);
    if (conditions > 0) {
      json::object cond;
      for (int i = 0; i < conditions; ++i) {
        std::string op = Pick(kOperators);
        if (op != "Null") {
          const int q = Int(5);
          if (q == 0) op = "ForAnyValue:" + op;
          if (q == 1) op = "ForAllValues:" + op;
          if (Int(4) == 0) op += "IfExists";
        }
        auto& keys = cond[op].emplace_object();
        keys[KeyFor(op)] = ValuesFor(op);
      }
      st["Condition"] = std::move(cond);
    }
    return st;
  }

  std::string KeyFor(const std::string& op) {
    if (op == "Null") return Pick(std::vector<std::string>{"k:str", "aws:username", "k:num"});
    if (op.find("String") != std::string::npos) return Coin() ? "k:str" : "K:Str";
    if (op.find("Numeric") != std::string::npos) return "k:num";
    if (op.find("Date") != std::string::npos) return "k:date";
    if (op.find("Bool") != std::string::npos) return "k:bool";
    if (op.find("Ip") != std::string::npos) return "k:ip";
    return "k:arn";
  }

  json::value ValuesFor(const std::string& op) {
    if (op == "Null") return json::value(Coin() ? "true" : "false");
    if (op.find("String") != std::string::npos) return OneOrList(kStringPatterns, 3);
    if (op.find("Numeric") != std::string::npos) return OneOrList({"1", "5", "10", "-3"}, 2);
    if (op.find("Date") != std::string::npos) {
      return OneOrList({"1700000000", "2023-11-14T22:13:21Z", "2024-01-01T00:00:00Z"}, 2);
    }
    if (op.find("Bool") != std::string::npos) return json::value(Coin() ? "true" : "false");
    if (op.find("Ip") != std::string::npos) {
      return OneOrList({"10.0.0.0/8", "192.0.2.0/25", "0.0.0.0/0", "192.0.2.1"}, 2);
    }
    return OneOrList(kArnPatterns, 2);
  }

  std::mt19937 rng_;

  const std::vector<std::string> kActions = {"states:StartExecution", "states:StopExecution",
                                             "states:DescribeExecution", "states:ListStateMachines",
                                             "s3:GetObject"};
  const std::vector<std::string> kActionPatterns = {"*",
                                                    "states:*",
                                                    "states:Start*",
                                                    "STATES:start*",
                                                    "states:?tartExecution",
                                                    "s3:*",
                                                    "states:Describe*",
                                                    "states:StopExecution",
                                                    "states:*Execution"};
  const std::vector<std::string> kResources = {
      "arn:aws:states:us-east-1:111122223333:stateMachine:alice-etl",
      "arn:aws:states:us-east-1:111122223333:stateMachine:bob-etl",
      "arn:aws:states:us-east-1:111122223333:stateMachine:orders",
      "arn:aws:states:eu-west-1:111122223333:execution:orders:run1",
      "arn:aws:s3:::bucket/alice/x",
      "arn:aws:s3:::bucket/*"};
  const std::vector<std::string> kResourcePatterns = {
      "*",
      "arn:aws:states:*",
      "arn:aws:states:*:*:stateMachine:*",
      "arn:aws:states:us-east-?:111122223333:stateMachine:${aws:username}-*",
      "arn:aws:s3:::bucket/${aws:username}/*",
      "arn:aws:states:*:stateMachine:orders",
      "arn:aws:states:*:*:stateMachine:${aws:PrincipalTag/team, 'orders'}",
      "arn:aws:s3:::bucket/${*}",
      "arn:aws:S3:::*"};
  const std::vector<std::string> kStrings = {"a", "b", "A", "ab", "", "alice", "a*"};
  const std::vector<std::string> kStringPatterns = {"a",
                                                    "A",
                                                    "a*",
                                                    "?b",
                                                    "${aws:username}",
                                                    "${aws:userid}",
                                                    "${aws:username, 'a'}",
                                                    "${AWS:UserName}",
                                                    "*",
                                                    "${*}",
                                                    "b"};
  const std::vector<std::string> kArnPatterns = {
      "arn:aws:states:*:*:stateMachine:*",
      "arn:aws:states:us-east-1:111122223333:stateMachine:orders",
      "arn:aws:*:*:*:*",
      "arn:aws:states:*:stateMachine:orders",
      "arn:aws:states:*:*:stateMachine:${aws:username}-*",
      "arn:aws:s3:::bucket/*"};
  const std::vector<std::string> kOperators = {"StringEquals",
                                               "StringNotEquals",
                                               "StringEqualsIgnoreCase",
                                               "StringNotEqualsIgnoreCase",
                                               "StringLike",
                                               "StringNotLike",
                                               "NumericEquals",
                                               "NumericNotEquals",
                                               "NumericLessThan",
                                               "NumericLessThanEquals",
                                               "NumericGreaterThan",
                                               "NumericGreaterThanEquals",
                                               "DateEquals",
                                               "DateNotEquals",
                                               "DateLessThan",
                                               "DateLessThanEquals",
                                               "DateGreaterThan",
                                               "DateGreaterThanEquals",
                                               "Bool",
                                               "IpAddress",
                                               "NotIpAddress",
                                               "ArnEquals",
                                               "ArnLike",
                                               "ArnNotEquals",
                                               "ArnNotLike",
                                               "Null"};
};

constexpr int kCases = 2500;

TEST(EvaluateProperty, AgreesWithReferenceEvaluator) {
  Gen gen(20240601);
  int allows = 0, explicit_denies = 0, implicit_denies = 0;
  for (int i = 0; i < kCases; ++i) {
    std::vector<std::pair<std::string, json::value>> docs;
    std::vector<NamedPolicy> policies;
    const int n = 1 + gen.Int(2);
    for (int p = 0; p < n; ++p) {
      json::value doc = gen.Policy();
      auto parsed = ParsePolicy(doc);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << json::serialize(doc);
      const std::string name = "policy" + std::to_string(p);
      policies.push_back(NamedPolicy{name, std::move(parsed).value()});
      docs.emplace_back(name, std::move(doc));
    }
    for (int q = 0; q < 4; ++q) {
      const RefRequest ref_request = gen.Request();
      RequestContext request;
      request.action = ref_request.action;
      request.resource = ref_request.resource;
      request.principal = "arn:aws:iam::111122223333:user/alice";
      request.context_keys = gen.Keys(ref_request.ctx);

      const Decision got = Evaluate(policies, request);
      const RefDecision want = RefEvaluate(docs, ref_request);
      std::string context;
      for (const auto& [k, vs] : ref_request.ctx) {
        context += k + "=[";
        for (const auto& v : vs) context += "'" + v + "' ";
        context += "] ";
      }
      std::string policy_text;
      for (const auto& [name, doc] : docs) policy_text += name + ": " + json::serialize(doc) + "\n";
      ASSERT_EQ(DecisionEffectName(got.effect), DecisionEffectName(want.effect))
          << "case " << i << "\n"
          << policy_text << request.action << " on " << request.resource << "\n"
          << context;
      ASSERT_EQ(got.policy_name, want.policy) << "case " << i << "\n" << policy_text;
      ASSERT_EQ(got.statement, want.effect == DecisionEffect::kImplicitDeny ? "" : want.statement)
          << "case " << i << "\n"
          << policy_text;
      allows += got.effect == DecisionEffect::kAllow;
      explicit_denies += got.effect == DecisionEffect::kExplicitDeny;
      implicit_denies += got.effect == DecisionEffect::kImplicitDeny;
    }
  }
  // The universe is small enough that every outcome is common (a generator that only produced
  // implicit denies would prove nothing).
  EXPECT_GT(allows, kCases / 10);
  EXPECT_GT(explicit_denies, kCases / 10);
  EXPECT_GT(implicit_denies, kCases / 10);
  std::printf("%d random policy sets x 4 requests: %d allow, %d explicit deny, %d implicit deny\n",
              kCases, allows, explicit_denies, implicit_denies);
}

}  // namespace
}  // namespace tactus::auth
