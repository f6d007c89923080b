// The STS-compatible endpoint of `tactus serve` (docs/auth.md, "STS"): AWS's query protocol
// (POST / with an application/x-www-form-urlencoded body, Action=...&Version=2011-06-15; XML
// answers and XML errors in STS's shapes), so boto3.client("sts", endpoint_url=...) and the AWS
// CLI work. Actions: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity.
//
// Authentication (SigV4 with service "sts", session credentials included) and the identity
// policy check of sts:AssumeRole happen before, in ApiAuthorizer (authorize.h); this file checks
// trust policies, verifies web identity tokens (AssumeRoleWithWebIdentity is unsigned, as in
// AWS), enforces session durations and issues session credentials (auth/sessions.h).
//
// Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/authorize.h"
#include "api/http_server.h"
#include "auth/iam_store.h"
#include "auth/oidc.h"
#include "auth/sessions.h"
#include "common/clock.h"

namespace tactus::api {

inline constexpr std::string_view kStsVersion = "2011-06-15";
inline constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
// The longest session policy accepted (AWS: 2048 characters).
inline constexpr std::size_t kMaxSessionPolicyChars = 2048;

// A role, named by its ARN, with its parsed trust policy.
struct RoleTrust {
  auth::IamRole role;
  auth::Policy trust;
};
// The role `role_arn` names in `account`, with its trust policy; nullopt when the ARN names no
// role there (not a role ARN of the account, or no such role). The store's error, or Internal
// when the trust policy does not parse.
common::Result<std::optional<RoleTrust>> LoadRoleTrust(auth::IamStore& iam,
                                                       std::string_view role_arn,
                                                       std::string_view account);

// How the audit trail names the caller of an (unsigned) AssumeRoleWithWebIdentity whose token
// verified: "web-identity:<iss>#<sub>" (an OIDC issuer identifier has no fragment, so the first
// '#' after the prefix ends it).
inline std::string WebIdentityCaller(std::string_view issuer, std::string_view subject) {
  return "web-identity:" + std::string(issuer) + "#" + std::string(subject);
}

// The parameters of a query-protocol request: the query string's, then (for a form body) the
// body's, percent-decoded with '+' as a space. nullopt when an escape is malformed.
std::optional<std::map<std::string, std::string>> QueryParams(const HttpRequest& request);

// An STS error answer: `status` with <ErrorResponse><Error><Type>Sender</Type><Code>...
HttpResponse StsError(int status, std::string_view code, std::string_view message);

// Escapes &, <, >, " and ' for XML text.
std::string XmlEscape(std::string_view text);

class StsApi {
 public:
  // `oidc` may be null (no issuers configured). Everything passed in must outlive the API.
  StsApi(auth::IamStore& iam, auth::SessionStore& sessions, const auth::OidcVerifier* oidc,
         const common::Clock& clock, std::string account);

  static bool Owns(const HttpRequest& request);
  // `caller`: the ApiAuthorizer's outcome for the request (who signed it).
  void Handle(const HttpRequest& request, const AuthOutcome& caller, const Responder& respond);

 private:
  HttpResponse AssumeRole(const HttpRequest& request,
                          const std::map<std::string, std::string>& params,
                          const AuthOutcome& caller);
  // *token_caller: WebIdentityCaller of the token, once it verified ("" before).
  HttpResponse AssumeRoleWithWebIdentity(const HttpRequest& request,
                                         const std::map<std::string, std::string>& params,
                                         std::string* token_caller);
  HttpResponse GetCallerIdentity(const AuthOutcome& caller);

  auth::IamStore& iam_;
  auth::SessionStore& sessions_;
  const auth::OidcVerifier* oidc_;
  const common::Clock& clock_;
  std::string account_;
};

}  // namespace tactus::api
