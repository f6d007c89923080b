#include "auth/oidc.h"

#include <cmath>
#include <set>
#include <utility>

#include "auth/base64url.h"
#include "common/json.h"

namespace tactus::auth {

namespace {

using common::Status;
namespace json = common::json;

Status Bad(const std::string& where, const std::string& why) {
  return Status::InvalidArgument("oidc config: " + where + ": " + why);
}

common::Result<std::string> StringMember(const json::object& o, std::string_view name,
                                         const std::string& where, bool required) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    if (required) return Bad(where, "'" + std::string(name) + "' is required");
    return std::string();
  }
  if (!v->is_string() || v->as_string().empty()) {
    return Bad(where + "." + std::string(name), "must be a non-empty string");
  }
  return std::string(v->as_string());
}

Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed,
                   const std::string& where) {
  for (const auto& member : o) {
    bool known = false;
    for (std::string_view a : allowed) known = known || member.key() == a;
    if (!known) return Bad(where, "unknown member '" + std::string(member.key()) + "'");
  }
  return Status::Ok();
}

common::Result<OidcIssuerConfig> ParseIssuer(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Bad(where, "must be an object");
  const json::object& o = v.as_object();
  if (auto st = OnlyMembers(o,
                            {"issuer", "audience", "jwks_url", "jwks_file", "groups_claim",
                             "leeway_seconds", "role_mappings"},
                            where);
      !st.ok()) {
    return st;
  }
  OidcIssuerConfig c;
  auto issuer = StringMember(o, "issuer", where, true);
  if (!issuer.ok()) return issuer.status();
  c.issuer = *issuer;
  auto audience = StringMember(o, "audience", where, true);
  if (!audience.ok()) return audience.status();
  c.audience = *audience;
  auto url = StringMember(o, "jwks_url", where, false);
  if (!url.ok()) return url.status();
  auto file = StringMember(o, "jwks_file", where, false);
  if (!file.ok()) return file.status();
  if (url->empty() == file->empty()) return Bad(where, "give exactly one of jwks_url, jwks_file");
  if (!url->empty() && !url->starts_with("https://") && !url->starts_with("http://")) {
    return Bad(where + ".jwks_url", "must be an http:// or https:// URL");
  }
  c.jwks_url = *url;
  c.jwks_file = *file;
  auto groups = StringMember(o, "groups_claim", where, false);
  if (!groups.ok()) return groups.status();
  if (!groups->empty()) c.groups_claim = *groups;
  if (const json::value* l = o.if_contains("leeway_seconds")) {
    const double s = common::IsNumber(*l) ? common::ToDouble(*l) : -1;
    if (s < 0 || s > static_cast<double>(kMaxLeeway.count()) || std::floor(s) != s) {
      return Bad(where + ".leeway_seconds",
                 "must be a whole number from 0 to " + std::to_string(kMaxLeeway.count()));
    }
    c.leeway = std::chrono::seconds(static_cast<long>(s));
  }
  if (const json::value* m = o.if_contains("role_mappings")) {
    if (!m->is_array()) return Bad(where + ".role_mappings", "must be an array");
    for (std::size_t i = 0; i < m->as_array().size(); ++i) {
      const std::string at = where + ".role_mappings[" + std::to_string(i) + "]";
      const json::value& item = m->as_array()[i];
      if (!item.is_object()) return Bad(at, "must be an object");
      if (auto st = OnlyMembers(item.as_object(), {"claim", "value", "role_arn"}, at); !st.ok()) {
        return st;
      }
      RoleMapping r;
      auto claim = StringMember(item.as_object(), "claim", at, true);
      if (!claim.ok()) return claim.status();
      auto value = StringMember(item.as_object(), "value", at, true);
      if (!value.ok()) return value.status();
      auto role = StringMember(item.as_object(), "role_arn", at, true);
      if (!role.ok()) return role.status();
      if (!role->starts_with("arn:aws:iam::") || role->find(":role/") == std::string::npos) {
        return Bad(at + ".role_arn", "'" + *role + "' is not a role ARN");
      }
      r.claim = *claim;
      r.value = *value;
      r.role_arn = *role;
      c.role_mappings.push_back(std::move(r));
    }
  }
  return c;
}

// The `iss` of a token, read without verifying anything ("" when it has none).
std::string UnverifiedIssuer(std::string_view token) {
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return "";
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return "";
  auto bytes = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!bytes.ok()) return "";
  auto doc = common::ParseJson(*bytes);
  if (!doc.ok() || !doc->is_object()) return "";
  const json::value* iss = doc->as_object().if_contains("iss");
  return iss != nullptr && iss->is_string() ? std::string(iss->as_string()) : std::string();
}

}  // namespace

common::Result<OidcConfig> ParseOidcConfig(std::string_view text) {
  auto doc = common::ParseJson(text);
  if (!doc.ok()) return Status::InvalidArgument("oidc config: " + doc.status().message());
  if (!doc->is_object()) return Bad("$", "must be a JSON object");
  if (auto st = OnlyMembers(doc->as_object(), {"issuers"}, "$"); !st.ok()) return st;
  const json::value* issuers = doc->as_object().if_contains("issuers");
  if (issuers == nullptr || !issuers->is_array() || issuers->as_array().empty()) {
    return Bad("issuers", "must be a non-empty array");
  }
  OidcConfig config;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < issuers->as_array().size(); ++i) {
    auto c = ParseIssuer(issuers->as_array()[i], "issuers[" + std::to_string(i) + "]");
    if (!c.ok()) return c.status();
    if (!seen.insert(c->issuer).second) {
      return Bad("issuers[" + std::to_string(i) + "]",
                 "issuer '" + c->issuer + "' is listed twice");
    }
    config.issuers.push_back(std::move(*c));
  }
  return config;
}

std::string OidcProviderName(std::string_view issuer) {
  if (issuer.starts_with("https://"))
    issuer.remove_prefix(8);
  else if (issuer.starts_with("http://"))
    issuer.remove_prefix(7);
  while (issuer.ends_with("/")) issuer.remove_suffix(1);
  return std::string(issuer);
}

std::string OidcProviderArn(std::string_view account, std::string_view issuer) {
  return "arn:aws:iam::" + std::string(account) + ":oidc-provider/" + OidcProviderName(issuer);
}

std::optional<std::string> RoleNameOfArn(std::string_view arn, std::string_view account) {
  const std::string prefix = "arn:aws:iam::" + std::string(account) + ":role/";
  if (!arn.starts_with(prefix)) return std::nullopt;
  std::string_view rest = arn.substr(prefix.size());
  rest = rest.substr(rest.rfind('/') == std::string_view::npos ? 0 : rest.rfind('/') + 1);
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

bool IsExpiredTokenError(const Status& status) {
  return status.code() == common::StatusCode::kInvalidArgument &&
         status.message() == "invalid token: the token expired";
}

OidcVerifier::OidcVerifier(OidcConfig config, JwksFetcher url_fetcher, const common::Clock& clock)
    : clock_(clock) {
  for (OidcIssuerConfig& c : config.issuers) {
    Issuer issuer;
    const bool file = !c.jwks_file.empty();
    issuer.keys = std::make_unique<JwksCache>(file ? c.jwks_file : c.jwks_url,
                                              file ? FileJwksFetcher() : url_fetcher, clock);
    issuer.config = std::move(c);
    issuers_.push_back(std::move(issuer));
  }
}

common::Result<OidcIdentity> OidcVerifier::Verify(std::string_view token) const {
  const Issuer* chosen = nullptr;
  if (issuers_.size() == 1) {
    chosen = &issuers_.front();  // VerifyJwt names a wrong `iss` itself
  } else {
    const std::string iss = UnverifiedIssuer(token);
    for (const Issuer& i : issuers_) {
      if (i.config.issuer == iss) chosen = &i;
    }
    if (chosen == nullptr) {
      return Status::InvalidArgument(
          "invalid token: no OpenID Connect provider is configured for "
          "'iss' '" +
          iss.substr(0, 256) + "'");
    }
  }
  if (chosen == nullptr) {
    return Status::InvalidArgument("invalid token: no OpenID Connect provider is configured");
  }
  JwtOptions options;
  options.issuer = chosen->config.issuer;
  options.audience = chosen->config.audience;
  options.leeway = chosen->config.leeway;
  options.groups_claim = chosen->config.groups_claim;
  auto verified = VerifyJwt(token, options, ResolverFor(*chosen->keys), clock_.Now());
  if (!verified.ok()) return verified.status();
  return OidcIdentity{std::move(*verified), &chosen->config};
}

std::optional<std::string> OidcVerifier::MapRole(const OidcIdentity& identity) {
  for (const RoleMapping& m : identity.issuer->role_mappings) {
    if (m.claim == identity.issuer->groups_claim) {
      for (const std::string& g : identity.jwt.groups) {
        if (g == m.value) return m.role_arn;
      }
      continue;
    }
    const json::value* v = identity.jwt.claims.if_contains(m.claim);
    if (v == nullptr) continue;
    if (v->is_string() && v->as_string() == m.value) return m.role_arn;
    if (v->is_array()) {
      for (const json::value& item : v->as_array()) {
        if (item.is_string() && item.as_string() == m.value) return m.role_arn;
      }
    }
  }
  return std::nullopt;
}

}  // namespace tactus::auth
