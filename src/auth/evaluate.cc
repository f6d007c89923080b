#include "auth/evaluate.h"

#include <utility>

namespace tactus::auth {

namespace {

std::string StatementName(const Statement& st) {
  return st.sid.empty() ? "Statement[" + std::to_string(st.index) + "]" : st.sid;
}

// The account of an AWS principal entry: a 12-digit account ID or a root ARN; empty otherwise.
std::string_view EntryAccount(std::string_view entry) {
  auto all_digits = [](std::string_view s) {
    if (s.size() != 12) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (all_digits(entry)) return entry;
  // arn:<partition>:iam::<account>:root
  if (!entry.starts_with("arn:") || !entry.ends_with(":root")) return {};
  std::string_view rest = entry.substr(4);
  const std::size_t partition_end = rest.find(':');
  if (partition_end == std::string_view::npos) return {};
  rest.remove_prefix(partition_end + 1);
  if (!rest.starts_with("iam::")) return {};
  rest.remove_prefix(5);
  const std::string_view account = rest.substr(0, rest.size() - 5);
  return all_digits(account) ? account : std::string_view();
}

// The account field of an ARN (its fifth colon-separated part), or empty.
std::string_view ArnAccount(std::string_view arn) {
  if (!arn.starts_with("arn:")) return {};
  for (int i = 0; i < 4; ++i) {
    const std::size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return {};
    arn.remove_prefix(colon + 1);
  }
  return arn.substr(0, arn.find(':'));
}

bool InSet(const PrincipalSet& set, PrincipalKind kind, std::string_view principal) {
  if (set.everyone) return true;
  const std::vector<std::string>& ids = kind == PrincipalKind::kAws         ? set.aws
                                        : kind == PrincipalKind::kFederated ? set.federated
                                                                            : set.service;
  for (const std::string& id : ids) {
    if (id == "*" || id == principal) return true;
    if (kind == PrincipalKind::kAws) {
      const std::string_view account = EntryAccount(id);
      if (!account.empty() && account == ArnAccount(principal)) return true;
    }
  }
  return false;
}

bool ActionMatches(const Statement& st, const std::string& action, const ContextValues& context) {
  bool any = false;
  for (const Pattern& pattern : st.actions) {
    const std::optional<std::string> glob = pattern.ResolveGlob(context);
    if (glob && GlobMatch(*glob, action, true)) {
      any = true;
      break;
    }
  }
  return any != st.not_action;
}

bool ResourceMatches(const Statement& st, const std::string& resource,
                     const ContextValues& context) {
  if (!st.not_resource.has_value()) return true;
  bool any = false;
  for (const Pattern& pattern : st.resources) {
    const std::optional<std::string> glob = pattern.ResolveGlob(context);
    if (glob && GlobMatch(*glob, resource, false)) {
      any = true;
      break;
    }
  }
  return any != *st.not_resource;
}

bool Applies(const Statement& st, const RequestContext& request, const ContextValues& context) {
  if (!PrincipalMatches(st, request.principal_kind, request.principal)) return false;
  if (!ActionMatches(st, request.action, context)) return false;
  if (!ResourceMatches(st, request.resource, context)) return false;
  for (const Condition& condition : st.conditions) {
    if (!EvaluateCondition(condition, context)) return false;
  }
  return true;
}

}  // namespace

std::string_view DecisionEffectName(DecisionEffect effect) {
  switch (effect) {
    case DecisionEffect::kAllow:
      return "Allow";
    case DecisionEffect::kExplicitDeny:
      return "ExplicitDeny";
    case DecisionEffect::kImplicitDeny:
      return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

bool PrincipalMatches(const Statement& statement, PrincipalKind kind, std::string_view principal) {
  if (!statement.not_principal.has_value()) return true;
  return InSet(statement.principals, kind, principal) != *statement.not_principal;
}

Decision Evaluate(std::span<const NamedPolicy> policies, const RequestContext& request) {
  ContextValues context;
  for (const auto& [key, values] : request.context_keys) {
    std::vector<std::string>& slot = context[AsciiLower(key)];
    // Keys that differ only in case are one key: their values merge.
    slot.insert(slot.end(), values.begin(), values.end());
  }
  const NamedPolicy* allow_policy = nullptr;
  const Statement* allow_statement = nullptr;
  for (const NamedPolicy& named : policies) {
    for (const Statement& st : named.policy.statements) {
      if (st.effect == Effect::kAllow && allow_statement != nullptr) continue;
      if (!Applies(st, request, context)) continue;
      if (st.effect == Effect::kDeny) {
        Decision d;
        d.effect = DecisionEffect::kExplicitDeny;
        d.policy_name = named.name;
        d.statement = StatementName(st);
        d.reason = "explicitly denied by statement '" + d.statement + "' of policy '" +
                   d.policy_name + "'";
        return d;
      }
      allow_policy = &named;
      allow_statement = &st;
    }
  }
  Decision d;
  if (allow_statement != nullptr) {
    d.effect = DecisionEffect::kAllow;
    d.policy_name = allow_policy->name;
    d.statement = StatementName(*allow_statement);
    d.reason = "allowed by statement '" + d.statement + "' of policy '" + d.policy_name + "'";
  } else {
    d.effect = DecisionEffect::kImplicitDeny;
    d.reason = "no statement allows " + request.action + " on " + request.resource;
  }
  return d;
}

Decision EvaluateAssumeRole(const NamedPolicy& trust_policy, RequestContext request) {
  request.action = "sts:AssumeRole";
  return Evaluate(std::span<const NamedPolicy>(&trust_policy, 1), request);
}

}  // namespace tactus::auth
