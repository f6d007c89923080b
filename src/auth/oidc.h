// The OIDC identity providers `tactus serve` trusts (docs/auth.md, "OIDC bearer tokens"): their
// configuration (`tactus serve --oidc-config FILE`), token verification against the right
// issuer, and the rules that map a token's claims to a role.
//
//   {"issuers": [{"issuer": "https://login.example.com/realms/x",   // exact `iss`
//                 "audience": "tactus",                              // required in `aud`
//                 "jwks_url": "https://.../certs"  |  "jwks_file": "/etc/tactus/jwks.json",
//                 "groups_claim": "groups",                          // optional
//                 "leeway_seconds": 60,                              // optional, 0 to 120
//                 "role_mappings": [{"claim": "groups", "value": "ops",
//                                    "role_arn": "arn:aws:iam::123456789012:role/operator"}]}]}
//
// Thread-safe: OidcVerifier may be used from any thread (its JwksCaches are).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks_cache.h"
#include "auth/jwt.h"
#include "common/clock.h"
#include "common/status.h"

namespace tactus::auth {

struct RoleMapping {
  std::string claim;  // the groups claim (any group equal to value), or any other claim
                      // (a string equal to value, or an array holding it)
  std::string value;
  std::string role_arn;  // arn:aws:iam::<account>:role/<name>
};

struct OidcIssuerConfig {
  std::string issuer;
  std::string audience;
  std::string jwks_url;  // exactly one of jwks_url and jwks_file
  std::string jwks_file;
  std::string groups_claim = "groups";
  std::chrono::seconds leeway{60};
  std::vector<RoleMapping> role_mappings;  // in order; the first that matches wins
};

struct OidcConfig {
  std::vector<OidcIssuerConfig> issuers;
};

// Parses the configuration file's text. InvalidArgument naming the member at fault (unknown
// members, a missing issuer/audience/JWKS, both jwks_url and jwks_file, a role ARN that is not
// one, a duplicate issuer, leeway out of range).
common::Result<OidcConfig> ParseOidcConfig(std::string_view text);

// The provider's name as AWS writes it in trust policies and condition keys: the issuer without
// its "https://" (or "http://") scheme, e.g. "login.example.com/realms/x".
std::string OidcProviderName(std::string_view issuer);
// arn:aws:iam::<account>:oidc-provider/<provider name>.
std::string OidcProviderArn(std::string_view account, std::string_view issuer);

// The name of a role ARN ("arn:aws:iam::<account>:role/<name>" -> "<name>", a path dropped), or
// nullopt when `arn` is not a role ARN of `account`.
std::optional<std::string> RoleNameOfArn(std::string_view arn, std::string_view account);

// A verified token and the issuer that vouched for it.
struct OidcIdentity {
  VerifiedJwt jwt;
  const OidcIssuerConfig* issuer = nullptr;  // owned by the OidcVerifier
};

// True when VerifyJwt refused the token only because it expired.
bool IsExpiredTokenError(const common::Status& status);

class OidcVerifier {
 public:
  // `url_fetcher` fetches jwks_url documents (HTTPS/HTTP); jwks_file ones are read with
  // FileJwksFetcher. REQUIRES: `clock` outlives the verifier.
  OidcVerifier(OidcConfig config, JwksFetcher url_fetcher, const common::Clock& clock);

  // Verifies `token` with the issuer its (unverified) `iss` names. InvalidArgument
  // "invalid token: ..." for every rejection (an unknown issuer included); IoError when the
  // issuer's keys cannot be fetched.
  common::Result<OidcIdentity> Verify(std::string_view token) const;

  // The role ARN of the first of the issuer's role_mappings the token's claims satisfy.
  static std::optional<std::string> MapRole(const OidcIdentity& identity);

  bool empty() const { return issuers_.empty(); }

 private:
  struct Issuer {
    OidcIssuerConfig config;
    std::unique_ptr<JwksCache> keys;
  };
  std::vector<Issuer> issuers_;
  const common::Clock& clock_;
};

}  // namespace tactus::auth
