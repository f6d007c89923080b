#include "auth/jwt.h"

#include <cmath>

#include "auth/base64url.h"

namespace tactus::auth {
namespace {

using common::Status;
namespace json = common::json;

// NumericDate bounds: 1970 to the end of 9999, in seconds.
constexpr double kMaxNumericDate = 253402300799.0;

Status Invalid(std::string why) { return Status::InvalidArgument("invalid token: " + why); }

common::Result<json::object> DecodeObject(std::string_view part, std::string_view what) {
  auto bytes = Base64UrlDecode(part);
  if (!bytes.ok()) return Invalid("the " + std::string(what) + ": " + bytes.status().message());
  auto doc = common::ParseJson(*bytes);
  if (!doc.ok()) return Invalid("the " + std::string(what) + ": " + doc.status().message());
  if (!doc->is_object()) return Invalid("the " + std::string(what) + " is not a JSON object");
  return std::move(doc->as_object());
}

// A NumericDate claim as milliseconds; nullopt when absent. Error when not a sane number.
common::Result<std::optional<common::TimeMs>> DateClaim(const json::object& claims,
                                                        std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr) return std::optional<common::TimeMs>();
  if (!common::IsNumber(*v)) return Invalid("'" + std::string(name) + "' is not a number");
  const double seconds = common::ToDouble(*v);
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxNumericDate) {
    return Invalid("'" + std::string(name) + "' is not a date between 1970 and 9999");
  }
  return std::optional<common::TimeMs>(static_cast<common::TimeMs>(std::floor(seconds * 1000)));
}

Status CheckHeader(const json::object& header, JwsAlgorithm* alg, std::string* kid) {
  const json::value* a = header.if_contains("alg");
  if (a == nullptr || !a->is_string()) return Invalid("the header has no 'alg' string");
  const std::string_view name = a->as_string();
  if (name.size() >= 2 && (name.substr(0, 2) == "HS" || name.substr(0, 2) == "hs")) {
    return Invalid("alg " + std::string(name.substr(0, 16)) +
                   " is refused: symmetric algorithms are never accepted");
  }
  const auto parsed = ParseJwsAlgorithm(name);
  if (!parsed) return Invalid("alg '" + std::string(name.substr(0, 16)) + "' is not accepted");
  *alg = *parsed;
  if (header.contains("crit")) return Invalid("the header has 'crit' extensions");
  if (const json::value* k = header.if_contains("kid")) {
    if (!k->is_string() || k->as_string().empty() || k->as_string().size() > kMaxKidBytes) {
      return Invalid("'kid' must be a string of 1 to " + std::to_string(kMaxKidBytes) +
                     " bytes");
    }
    *kid = std::string(k->as_string());
  }
  return Status::Ok();
}

Status CheckAudience(const json::object& claims, const std::string& audience) {
  const json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) return Invalid("the token has no 'aud'");
  if (aud->is_string()) {
    if (aud->as_string() == audience) return Status::Ok();
  } else if (aud->is_array()) {
    const json::array& list = aud->as_array();
    if (list.empty() || list.size() > kMaxAudiences) {
      return Invalid("'aud' must hold 1 to " + std::to_string(kMaxAudiences) + " audiences");
    }
    bool found = false;
    for (const json::value& item : list) {
      if (!item.is_string()) return Invalid("'aud' holds a non-string");
      found = found || item.as_string() == audience;
    }
    if (found) return Status::Ok();
  } else {
    return Invalid("'aud' is neither a string nor an array");
  }
  return Invalid("'aud' does not include the audience '" + audience + "'");
}

Status CheckTimes(const json::object& claims, common::TimeMs now, common::TimeMs leeway,
                  VerifiedJwt* out) {
  auto exp = DateClaim(claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!*exp) return Invalid("the token has no 'exp'");
  if (now >= **exp + leeway) return Invalid("the token expired");
  out->expires_at = **exp;
  auto nbf = DateClaim(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (*nbf && now + leeway < **nbf) return Invalid("the token is not valid yet ('nbf')");
  out->not_before = *nbf;
  auto iat = DateClaim(claims, "iat");
  if (!iat.ok()) return iat.status();
  if (*iat && **iat > now + leeway) return Invalid("the token was issued in the future ('iat')");
  out->issued_at = *iat;
  return Status::Ok();
}

Status ReadGroups(const json::object& claims, const std::string& name,
                  std::vector<std::string>* groups) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr) {
    const json::value* names = claims.if_contains("_claim_names");
    if (names != nullptr && names->is_object() && names->as_object().contains(name)) {
      return Invalid("the identity provider left '" + name +
                     "' out of the token (too many groups); configure it to send fewer");
    }
    return Status::Ok();
  }
  if (!v->is_array()) return Invalid("'" + name + "' is not an array of strings");
  const json::array& list = v->as_array();
  if (list.size() > kMaxGroups) {
    return Invalid("'" + name + "' has more than " + std::to_string(kMaxGroups) + " groups");
  }
  for (const json::value& item : list) {
    if (!item.is_string()) return Invalid("'" + name + "' holds a non-string");
    const std::string_view group = item.as_string();
    if (group.empty() || group.size() > kMaxGroupBytes) {
      return Invalid("'" + name + "' holds a group name that is empty or longer than " +
                     std::to_string(kMaxGroupBytes) + " bytes");
    }
    groups->emplace_back(group);
  }
  return Status::Ok();
}

}  // namespace

common::Result<VerifiedJwt> VerifyJwt(std::string_view token, const JwtOptions& options,
                                      const JwkResolver& keys, common::TimeMs now) {
  if (options.leeway.count() < 0 || options.leeway > kMaxLeeway || options.issuer.empty() ||
      options.audience.empty() || options.groups_claim.empty()) {
    return Invalid("the verifier is misconfigured (issuer, audience and groups claim are "
                   "required; leeway must be 0 to " + std::to_string(kMaxLeeway.count()) + " s)");
  }
  if (token.size() > kMaxTokenBytes) {
    return Invalid("longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Invalid("not a JWS in compact form (three parts separated by '.')");
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);
  auto header = DecodeObject(header_part, "header");
  if (!header.ok()) return header.status();
  VerifiedJwt out;
  if (Status s = CheckHeader(*header, &out.alg, &out.kid); !s.ok()) return s;
  if (signature_part.empty()) return Invalid("the signature is empty");

  auto key = keys(out.kid);
  if (!key.ok()) {
    if (key.status().code() == common::StatusCode::kNotFound) {
      return Invalid(key.status().message());
    }
    return key.status();
  }
  if (key->alg() != out.alg) {
    return Invalid("alg " + std::string(JwsAlgorithmName(out.alg)) + " does not match the " +
                   std::string(JwsAlgorithmName(key->alg())) + " its key is pinned to");
  }
  auto signature = Base64UrlDecode(signature_part);
  if (!signature.ok()) return Invalid("the signature: " + signature.status().message());
  if (!key->Verify(token.substr(0, dot2), *signature)) {
    return Invalid("the signature does not verify");
  }

  auto claims = DecodeObject(payload_part, "payload");
  if (!claims.ok()) return claims.status();
  const json::value* iss = claims->if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != options.issuer) {
    return Invalid("'iss' is not the issuer '" + options.issuer + "'");
  }
  out.issuer = options.issuer;
  if (Status s = CheckAudience(*claims, options.audience); !s.ok()) return s;
  const common::TimeMs leeway = std::chrono::milliseconds(options.leeway).count();
  if (Status s = CheckTimes(*claims, now, leeway, &out); !s.ok()) return s;
  const json::value* sub = claims->if_contains("sub");
  if (sub == nullptr || !sub->is_string() || sub->as_string().empty()) {
    return Invalid("'sub' is not a non-empty string");
  }
  out.subject = std::string(sub->as_string());
  if (Status s = ReadGroups(*claims, options.groups_claim, &out.groups); !s.ok()) return s;
  out.claims = std::move(claims).value();
  return out;
}

JwkResolver ResolverFor(const JwkSet& keys) {
  return [&keys](std::string_view kid) -> common::Result<Jwk> {
    if (const Jwk* key = keys.Find(kid)) return *key;
    return Status::NotFound("no key with kid '" + std::string(kid.substr(0, 64)) +
                            "' in the JWKS");
  };
}

JwkResolver ResolverFor(JwksCache& cache) {
  return [&cache](std::string_view kid) { return cache.Find(kid); };
}

}  // namespace tactus::auth
