// IAM-style policy documents: the JSON grammar of AWS IAM policies, parsed into an immutable model
// that evaluate.h evaluates.
//
//   {"Version": "2012-10-17", "Id": "...",
//    "Statement": [{"Sid": "...", "Effect": "Allow" | "Deny",
//                   "Action" | "NotAction": "states:Start*" | [...],
//                   "Resource" | "NotResource": "arn:aws:states:*:*:stateMachine:orders-*" | [...],
//                   "Principal" | "NotPrincipal": "*" | {"AWS": ..., "Federated": ...,
//                                                        "Service": ...},
//                   "Condition": {"<operator>": {"<key>": "<value>" | [...]}}}]}
//
// Which elements a statement must or must not have depends on the PolicyKind (identity policies
// name no principal, trust policies name no resource). Statement may be one object or an array.
// Version "2012-10-17" enables policy variables (policy_pattern.h); "2008-10-17", or no Version,
// does not (AWS's rule). The full reference, and how Tactus differs from AWS: docs/auth.md.
//
// Thread-safe: a Policy is immutable after ParsePolicy; ParsePolicy is pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy_condition.h"
#include "auth/policy_pattern.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::auth {

// Longest policy accepted, in characters (UTF-8 code points) not counting whitespace: AWS's limit
// for a customer managed policy (IAM does not count whitespace against it either). Checked before
// the JSON is parsed, so it also bounds the work of parsing.
inline constexpr std::size_t kMaxPolicyChars = 6144;
// Most statements in one policy. AWS has no separate statement limit (the size limit bounds it);
// 100 is more than any policy within kMaxPolicyChars holds in practice and keeps error messages
// and evaluation cost predictable.
inline constexpr std::size_t kMaxStatements = 100;

enum class PolicyVersion { k2008_10_17, k2012_10_17 };

// What the policy is attached to, which decides the elements its statements take.
enum class PolicyKind {
  kIdentity,  // attached to a user or role: Resource/NotResource required, no Principal
  kResource,  // attached to a resource: Principal/NotPrincipal and Resource/NotResource required
  kTrust,     // a role's trust policy: Principal/NotPrincipal required, no Resource
};

enum class Effect { kAllow, kDeny };

// Who a request comes from, as the Principal element names them.
enum class PrincipalKind { kAws, kFederated, kService };

// The Principal (or NotPrincipal) element.
struct PrincipalSet {
  bool everyone = false;               // "Principal": "*" (or {"AWS": "*"}, which AWS treats alike)
  std::vector<std::string> aws;        // ARNs or 12-digit account IDs
  std::vector<std::string> federated;  // identity providers, e.g. "cognito-identity.amazonaws.com"
  std::vector<std::string> service;    // service principals, e.g. "states.amazonaws.com"
};

struct Statement {
  std::string sid;        // may be empty
  std::size_t index = 0;  // position in the Statement array (0 when Statement is one object)
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<Pattern> actions;  // never empty; matched case-insensitively
  // Absent only in trust policies (the statement then applies to any resource).
  std::optional<bool> not_resource;
  std::vector<Pattern> resources;
  // Absent in identity policies.
  std::optional<bool> not_principal;
  PrincipalSet principals;
  std::vector<Condition> conditions;  // ANDed
};

struct Policy {
  PolicyVersion version = PolicyVersion::k2008_10_17;
  std::string id;
  std::vector<Statement> statements;
};

// Parses and validates a policy document. On failure returns InvalidArgument whose message starts
// with the JSON path at fault, e.g. "Statement[1].Condition.StringEquals.aws:username: ..." or
// "Statement[0]: has both Action and NotAction; use one"; a policy over kMaxPolicyChars fails with
// "Policy: <n> characters (whitespace not counted), more than the limit of 6144".
common::Result<Policy> ParsePolicy(std::string_view text, PolicyKind kind = PolicyKind::kIdentity);
common::Result<Policy> ParsePolicy(const common::json::value& document,
                                   PolicyKind kind = PolicyKind::kIdentity);

// Characters of `text` counted against kMaxPolicyChars: UTF-8 code points that are not JSON
// whitespace (space, tab, CR, LF).
std::size_t PolicySizeChars(std::string_view text);

}  // namespace tactus::auth
