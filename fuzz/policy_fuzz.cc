// Parses arbitrary bytes as an IAM-style policy (the first byte picks identity, resource or trust
// grammar) and, when they parse, evaluates fixed requests against it. Catches crashes, sanitizer
// reports and hangs in auth/ (wildcard matching that backtracks without bound shows as a libFuzzer
// timeout), and checks that every rejection says why, that decisions name their statement, and
// that evaluation is deterministic.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "auth/evaluate.h"
#include "auth/policy.h"

namespace {

using tactus::auth::DecisionEffect;
using tactus::auth::PrincipalKind;
using tactus::auth::RequestContext;

std::vector<RequestContext> Requests() {
  std::vector<RequestContext> out;
  RequestContext start;
  start.action = "states:StartExecution";
  start.resource = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
  start.principal = "arn:aws:iam::123456789012:user/alice";
  start.context_keys = {{"aws:username", {"alice"}},
                        {"aws:userid", {"AIDAEXAMPLE"}},
                        {"aws:PrincipalTag/team", {"orders"}},
                        {"aws:SourceIp", {"203.0.113.7"}},
                        {"aws:CurrentTime", {"2024-06-01T12:00:00Z"}},
                        {"aws:EpochTime", {"1717243200"}},
                        {"aws:SecureTransport", {"true"}},
                        {"aws:TagKeys", {"team", "cost-center"}},
                        {"tactus:Namespace", {"prod"}}};
  out.push_back(start);
  RequestContext anonymous;
  anonymous.action = "s3:GetObject";
  anonymous.resource = "arn:aws:s3:::bucket/a:b/*?";
  anonymous.principal = "*";
  out.push_back(anonymous);
  RequestContext service;
  service.action = "sts:AssumeRole";
  service.principal_kind = PrincipalKind::kService;
  service.principal = "states.amazonaws.com";
  service.context_keys = {{"aws:SourceIp", {"2001:db8::1"}}, {"k", {}}, {"K", {"*", "${*}"}}};
  out.push_back(service);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::vector<RequestContext> kRequests = Requests();
  const auto kind = static_cast<tactus::auth::PolicyKind>(data[0] % 3);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = tactus::auth::ParsePolicy(text, kind);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  const tactus::auth::NamedPolicy policy{"fuzz", std::move(parsed).value()};
  for (const RequestContext& request : kRequests) {
    const auto first = tactus::auth::Evaluate(std::span(&policy, 1), request);
    const auto again = tactus::auth::Evaluate(std::span(&policy, 1), request);
    if (first.effect != again.effect || first.statement != again.statement) __builtin_trap();
    if ((first.effect == DecisionEffect::kImplicitDeny) != first.statement.empty()) {
      __builtin_trap();
    }
    for (const auto& statement : policy.policy.statements) {
      (void)tactus::auth::PrincipalMatches(statement, request.principal_kind, request.principal);
    }
  }
  return 0;
}
