// Verifying OIDC bearer tokens: JWS compact serialization (RFC 7515) carrying JWT claims
// (RFC 7519), signed by an identity provider whose keys come from a JWKS (docs/auth.md,
// "OIDC tokens").
//
// A token is accepted only when all of these hold:
// - at most kMaxTokenBytes; three strict base64url parts (no padding, no stray characters);
//   header and payload JSON objects (common::ParseJson: depth and UTF-8 checked);
// - the header's `alg` is an asymmetric algorithm Tactus supports ("none" and HS* are refused
//   before any key is looked up), no `crit` member, and `alg` equals the algorithm its key
//   (found by `kid`) is pinned to, so a key can never verify under another algorithm;
// - the signature verifies;
// - `iss` equals the configured issuer; `aud` is the configured audience or an array holding it;
//   `exp` is after now, `nbf` (if any) not after now, `iat` (if any) not after now, each with
//   the configured leeway; `sub` is a string;
// - the groups claim (name configurable), when present, is an array of at most kMaxGroups
//   non-empty strings of at most kMaxGroupBytes each; a token that says the provider left the
//   groups out ("_claim_names" naming the groups claim: Entra ID's overage) is refused. A token
//   whose groups cannot be read exactly is DENIED, never truncated: a missing group could be a
//   Deny.
//
// Thread-safe: VerifyJwt is pure apart from the key resolver it is given.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "auth/jwks_cache.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::auth {

// The longest token accepted (HTTP headers are bounded at 16 KiB too).
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;
// The largest clock leeway that may be configured for exp, nbf and iat.
inline constexpr std::chrono::seconds kMaxLeeway{120};
// The most groups a token may carry, and the longest group name.
inline constexpr std::size_t kMaxGroups = 256;
inline constexpr std::size_t kMaxGroupBytes = 256;
// The most audiences an `aud` array may hold.
inline constexpr std::size_t kMaxAudiences = 64;

struct JwtOptions {
  std::string issuer;    // exact match with `iss`, e.g. "https://login.example.com/realms/x"
  std::string audience;  // must be `aud` or among it
  std::chrono::seconds leeway{60};  // REQUIRES: 0 <= leeway <= kMaxLeeway
  std::string groups_claim = "groups";
};

struct VerifiedJwt {
  std::string subject;
  std::string issuer;
  std::string kid;
  JwsAlgorithm alg = JwsAlgorithm::kRS256;
  common::TimeMs expires_at = 0;
  std::optional<common::TimeMs> issued_at;
  std::optional<common::TimeMs> not_before;
  std::vector<std::string> groups;  // in token order; empty when the claim is absent
  common::json::object claims;      // every claim, for policy conditions
};

// Finds the key for a kid ("" when the token has none). NotFound when there is no such key;
// other failures (the JWKS could not be fetched) pass through VerifyJwt unchanged.
using JwkResolver = std::function<common::Result<Jwk>(std::string_view kid)>;

// Verifies `token` at `now`. InvalidArgument "invalid token: <why>" for every rejection of the
// token (including an unknown kid) and for options that break their REQUIRES; the resolver's
// other errors as they are (IoError: the keys are unavailable, answer 503 rather than 401).
common::Result<VerifiedJwt> VerifyJwt(std::string_view token, const JwtOptions& options,
                                      const JwkResolver& keys, common::TimeMs now);

// Resolvers over a fixed key set and over a cache.
JwkResolver ResolverFor(const JwkSet& keys);  // REQUIRES: keys outlives the resolver
JwkResolver ResolverFor(JwksCache& cache);    // REQUIRES: cache outlives the resolver

}  // namespace tactus::auth
