// AWS's policy evaluation logic over parsed policies (policy.h): default deny, an explicit Deny
// wins over any Allow, otherwise one applicable Allow allows.
//
// A statement applies to a request when all of these hold:
//   - Principal / NotPrincipal (resource and trust policies only): PrincipalMatches.
//   - Action: the request's action matches one of its patterns (case-insensitive, * and ?);
//     NotAction: it matches none.
//   - Resource: the request's resource matches one of its patterns (case-sensitive, * and ?, a '*'
//     may span ':' segments, variables substituted); NotResource: it matches none. Trust policies
//     have neither and apply to any resource.
//   - Condition: every test is true (policy_condition.h).
//
// The caller supplies every context key (aws:username, aws:userid, aws:PrincipalTag/<key>,
// aws:SourceIp, aws:CurrentTime, aws:EpochTime, tactus:..., ...); nothing is added implicitly.
//
// Thread-safe: all functions are pure.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.h"

namespace tactus::auth {

struct RequestContext {
  std::string action;    // e.g. "states:StartExecution"
  std::string resource;  // the ARN acted on
  PrincipalKind principal_kind = PrincipalKind::kAws;
  std::string principal;  // e.g. "arn:aws:iam::123456789012:user/alice"
  // Context keys (case-insensitive names) and their values. A key with no values counts as
  // missing; a key with several is multivalued (use ForAnyValue:/ForAllValues: on it).
  std::map<std::string, std::vector<std::string>> context_keys;
};

// A policy with the name decisions report it by (e.g. the managed policy's name).
struct NamedPolicy {
  std::string name;
  Policy policy;
};

enum class DecisionEffect { kAllow, kExplicitDeny, kImplicitDeny };

// "Allow", "ExplicitDeny", "ImplicitDeny".
std::string_view DecisionEffectName(DecisionEffect effect);

struct Decision {
  DecisionEffect effect = DecisionEffect::kImplicitDeny;
  // The deciding statement (the first applicable Deny, else the first applicable Allow, in the
  // order of `policies` and their statements); empty for kImplicitDeny.
  std::string policy_name;
  std::string statement;  // its Sid, or "Statement[<index>]" when it has none
  // For people: "allowed by statement 'Start' of policy 'ops'", "no statement allows
  // states:StartExecution on arn:...".
  std::string reason;
};

// Evaluates the request against every statement of every policy.
Decision Evaluate(std::span<const NamedPolicy> policies, const RequestContext& request);

// True when `statement` applies to the principal as far as its Principal / NotPrincipal element
// goes; true when it has neither (identity policies). Principal matching is exact, except:
// "*" (and {"AWS": "*"}) match everyone; {"Federated": "*"} / {"Service": "*"} match any principal
// of that kind; an AWS entry that is a 12-digit account ID or "arn:<partition>:iam::<account>:root"
// matches every principal of that account. NotPrincipal applies to principals it does not match.
bool PrincipalMatches(const Statement& statement, PrincipalKind kind, std::string_view principal);

// A trust-policy check for sts:AssumeRole: Evaluate over one kTrust policy with `request.action`
// set to "sts:AssumeRole" (any resource matches, as trust policies name none).
Decision EvaluateAssumeRole(const NamedPolicy& trust_policy, RequestContext request);

}  // namespace tactus::auth
