// The STS actions (sts_api.h) over auth::IamStore and auth::SessionStore.
#include "api/sts_api.h"

#include <cctype>
#include <utility>
#include <vector>

#include "api/aws_json.h"
#include "auth/evaluate.h"
#include "auth/policy.h"

namespace tactus::api {

namespace {

using Params = std::map<std::string, std::string>;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool AddForm(std::string_view form, Params* out) {
  while (!form.empty()) {
    std::size_t amp = form.find('&');
    std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto name = FormDecode(pair.substr(0, eq));
    auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return false;
    out->insert_or_assign(std::move(*name), std::move(*value));
  }
  return true;
}

std::string Param(const Params& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

HttpResponse Xml(std::string body) {
  HttpResponse r;
  r.content_type = "text/xml";
  r.body = std::move(body);
  return r;
}

std::string Element(std::string_view name, std::string_view text) {
  return "<" + std::string(name) + ">" + XmlEscape(text) + "</" + std::string(name) + ">";
}

// <XResponse><XResult>result</XResult><ResponseMetadata>...</XResponse>.
HttpResponse Success(std::string_view action, const std::string& result) {
  const std::string request_id = NewRequestId();
  HttpResponse r =
      Xml("<" + std::string(action) + "Response xmlns=\"" + std::string(kStsNamespace) +
          "\">\n  <" + std::string(action) + "Result>\n" + result + "  </" + std::string(action) +
          "Result>\n  <ResponseMetadata>\n    " + Element("RequestId", request_id) +
          "\n  </ResponseMetadata>\n</" + std::string(action) + "Response>\n");
  r.headers.emplace_back(std::string(kRequestIdHeader), request_id);
  return r;
}

HttpResponse StsValidationError(std::string_view message) {
  return StsError(400, "ValidationError", message);
}

// AWS's wording for a constraint a parameter breaks.
HttpResponse Constraint(std::string_view member, std::string_view value, std::string_view rule) {
  return StsValidationError("1 validation error detected: Value '" +
                            std::string(value.substr(0, 64)) + "' at '" + std::string(member) +
                            "' failed to satisfy constraint: " + std::string(rule));
}

HttpResponse Missing(std::string_view member) {
  return StsValidationError("1 validation error detected: Value null at '" + std::string(member) +
                            "' failed to satisfy constraint: Member must not be null");
}

bool SessionNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

struct CommonParams {
  std::string role_arn, session_name, policy;
  std::int64_t duration = auth::kDefaultDurationSeconds;
  std::optional<auth::Policy> session_policy;
};

// RoleArn, RoleSessionName, DurationSeconds and Policy, checked as STS checks them.
std::optional<HttpResponse> ReadCommon(const Params& params, CommonParams* out) {
  if (!params.contains("RoleArn")) return Missing("roleArn");
  out->role_arn = Param(params, "RoleArn");
  if (out->role_arn.size() < 20 || out->role_arn.size() > 2048) {
    return Constraint("roleArn", out->role_arn,
                      "Member must have length greater than or equal to 20");
  }
  if (!params.contains("RoleSessionName")) return Missing("roleSessionName");
  out->session_name = Param(params, "RoleSessionName");
  if (out->session_name.size() < 2 || out->session_name.size() > 64) {
    return Constraint("roleSessionName", out->session_name,
                      "Member must have length between 2 and 64");
  }
  for (char c : out->session_name) {
    if (!SessionNameChar(c)) {
      return Constraint("roleSessionName", out->session_name,
                        "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    }
  }
  if (params.contains("DurationSeconds")) {
    const std::string d = Param(params, "DurationSeconds");
    std::int64_t v = -1;
    if (!d.empty() && d.size() <= 9 && d.find_first_not_of("0123456789") == std::string::npos) {
      v = std::stoll(d);
    }
    if (v < auth::kMinDurationSeconds) {
      return Constraint("durationSeconds", d,
                        "Member must have value greater than or equal to 900");
    }
    if (v > auth::kMaxDurationSeconds) {
      return Constraint("durationSeconds", d, "Member must have value less than or equal to 43200");
    }
    out->duration = v;
  }
  if (params.contains("Policy")) {
    out->policy = Param(params, "Policy");
    if (out->policy.empty() || out->policy.size() > kMaxSessionPolicyChars) {
      return StsError(400, "PackedPolicyTooLarge",
                      "Packed size of the session policy exceeds the limit of " +
                          std::to_string(kMaxSessionPolicyChars) + " characters.");
    }
    auto parsed = auth::ParsePolicy(out->policy, auth::PolicyKind::kIdentity);
    if (!parsed.ok()) return StsError(400, "MalformedPolicyDocument", parsed.status().message());
    out->session_policy = std::move(*parsed);
  }
  return std::nullopt;
}

std::string Iso8601Seconds(common::TimeMs t) {
  std::string s = common::FormatIso8601(t - t % 1000);
  // "...T12:00:00.000Z" -> "...T12:00:00Z", as STS writes Expiration.
  if (auto dot = s.find('.'); dot != std::string::npos && s.ends_with("Z")) {
    s = s.substr(0, dot) + "Z";
  }
  return s;
}

std::string CredentialsXml(const auth::NewSession& s) {
  return "    <Credentials>\n      " + Element("AccessKeyId", s.access_key_id) + "\n      " +
         Element("SecretAccessKey", s.secret_access_key) + "\n      " +
         Element("SessionToken", s.session_token) + "\n      " +
         Element("Expiration", Iso8601Seconds(s.expires)) + "\n    </Credentials>\n";
}

std::string AssumedRoleUserXml(const auth::NewSession& s, const std::string& role_id,
                               const std::string& session_name) {
  return "    <AssumedRoleUser>\n      " + Element("AssumedRoleId", role_id + ":" + session_name) +
         "\n      " + Element("Arn", s.arn) + "\n    </AssumedRoleUser>\n";
}

std::string PackedPolicySizeXml(const std::string& policy) {
  if (policy.empty()) return "";
  const std::size_t percent =
      (policy.size() * 100 + kMaxSessionPolicyChars - 1) / kMaxSessionPolicyChars;
  return "    " + Element("PackedPolicySize", std::to_string(percent)) + "\n";
}

void AddTimeKeys(auth::RequestContext* context, const HttpRequest& request, common::TimeMs now) {
  context->context_keys["aws:CurrentTime"] = {common::FormatIso8601(now)};
  context->context_keys["aws:EpochTime"] = {std::to_string(now / 1000)};
  context->context_keys["aws:SecureTransport"] = {"false"};
  if (!request.remote_ip.empty()) context->context_keys["aws:SourceIp"] = {request.remote_ip};
}

}  // namespace

std::optional<Params> QueryParams(const HttpRequest& request) {
  Params params;
  const std::size_t q = request.target.find('?');
  if (q != std::string::npos && !AddForm(std::string_view(request.target).substr(q + 1), &params)) {
    return std::nullopt;
  }
  std::string_view type = request.Header("Content-Type");
  if (type.starts_with("application/x-www-form-urlencoded") && !AddForm(request.body, &params)) {
    return std::nullopt;
  }
  return params;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

HttpResponse StsError(int status, std::string_view code, std::string_view message) {
  const std::string request_id = NewRequestId();
  HttpResponse r =
      Xml("<ErrorResponse xmlns=\"" + std::string(kStsNamespace) + "\">\n  <Error>\n    <Type>" +
          (status >= 500 ? "Receiver" : "Sender") + "</Type>\n    " + Element("Code", code) +
          "\n    " + Element("Message", message) + "\n  </Error>\n  " +
          Element("RequestId", request_id) + "\n</ErrorResponse>\n");
  r.status = status;
  r.headers.emplace_back(std::string(kRequestIdHeader), request_id);
  return r;
}

StsApi::StsApi(auth::IamStore& iam, auth::SessionStore& sessions, const auth::OidcVerifier* oidc,
               const common::Clock& clock, std::string account)
    : iam_(iam), sessions_(sessions), oidc_(oidc), clock_(clock), account_(std::move(account)) {}

bool StsApi::Owns(const HttpRequest& request) { return ApiKindOf(request) == ApiKind::kSts; }

void StsApi::Handle(const HttpRequest& request, const AuthOutcome& caller,
                    const Responder& respond) {
  auto params = QueryParams(request);
  if (!params)
    return respond(StsError(400, "MalformedQueryString",
                            "A parameter is not "
                            "percent-encoded correctly."));
  const std::string action = Param(*params, "Action");
  const std::string version = Param(*params, "Version");
  if (version != kStsVersion || (action != "AssumeRole" && action != "AssumeRoleWithWebIdentity" &&
                                 action != "GetCallerIdentity")) {
    return respond(StsError(400, "InvalidAction",
                            "Could not find operation " + action.substr(0, 64) + " for version " +
                                version.substr(0, 16)));
  }
  if (action == "AssumeRole") return respond(AssumeRole(request, *params, caller));
  if (action == "AssumeRoleWithWebIdentity") {
    std::string token_caller;
    HttpResponse response = AssumeRoleWithWebIdentity(request, *params, &token_caller);
    response.principal = std::move(token_caller);
    return respond(std::move(response));
  }
  respond(GetCallerIdentity(caller));
}

HttpResponse StsApi::GetCallerIdentity(const AuthOutcome& caller) {
  return Success("GetCallerIdentity", "    " + Element("UserId", caller.user_id) + "\n    " +
                                          Element("Account", account_) + "\n    " +
                                          Element("Arn", caller.principal) + "\n");
}

common::Result<std::optional<RoleTrust>> LoadRoleTrust(auth::IamStore& iam,
                                                       std::string_view role_arn,
                                                       std::string_view account) {
  auto name = auth::RoleNameOfArn(role_arn, account);
  if (!name) return std::optional<RoleTrust>();
  auto role = iam.GetRole(*name);
  if (!role.ok()) {
    if (role.status().code() == common::StatusCode::kNotFound) return std::optional<RoleTrust>();
    return role.status();
  }
  auto trust = auth::ParsePolicy(role->trust_policy, auth::PolicyKind::kTrust);
  if (!trust.ok()) return common::Status::Internal("the role's trust policy does not parse");
  return std::optional<RoleTrust>(RoleTrust{std::move(*role), std::move(*trust)});
}

HttpResponse StsApi::AssumeRole(const HttpRequest& request, const Params& params,
                                const AuthOutcome& caller) {
  CommonParams p;
  if (auto bad = ReadCommon(params, &p)) return std::move(*bad);
  const Permission permission{"sts:AssumeRole", p.role_arn};
  // AWS does not tell a caller whether a role it may not assume exists.
  auto denied = [&] {
    return StsError(403, "AccessDenied", AccessDeniedMessage(caller.principal, permission, false));
  };
  auto loaded = LoadRoleTrust(iam_, p.role_arn, account_);
  if (!loaded.ok()) return StsError(500, "InternalFailure", loaded.status().message());
  if (!*loaded) return denied();
  const auth::IamRole* role = &(*loaded)->role;
  auth::RequestContext context;
  context.principal_kind = auth::PrincipalKind::kAws;
  context.principal = caller.principal;
  context.resource = role->arn;
  context.context_keys["aws:PrincipalArn"] = {caller.principal_arn};
  context.context_keys["aws:userid"] = {caller.user_id};
  context.context_keys["aws:PrincipalType"] = {caller.principal_type};
  if (caller.principal_type == "User") {
    context.context_keys["aws:username"] = {
        caller.principal.substr(caller.principal.rfind('/') + 1)};
  }
  AddTimeKeys(&context, request, clock_.Now());
  auth::Decision decision =
      auth::EvaluateAssumeRole({"trust", std::move((*loaded)->trust)}, context);
  if (decision.effect != auth::DecisionEffect::kAllow) return denied();
  if (p.duration > role->max_session_seconds) {
    return StsValidationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  if (caller.principal_type == "AssumedRole" && p.duration > auth::kDefaultDurationSeconds) {
    return StsValidationError(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.");
  }
  auth::SessionSpec spec{role->name, role->arn,    role->role_id,    p.session_name,
                         p.policy,   "AssumeRole", caller.principal, p.duration};
  auto session = sessions_.Create(spec);
  if (!session.ok()) return StsError(500, "InternalFailure", session.status().message());
  return Success("AssumeRole", CredentialsXml(*session) +
                                   AssumedRoleUserXml(*session, role->role_id, p.session_name) +
                                   PackedPolicySizeXml(p.policy));
}

HttpResponse StsApi::AssumeRoleWithWebIdentity(const HttpRequest& request, const Params& params,
                                               std::string* token_caller) {
  CommonParams p;
  if (auto bad = ReadCommon(params, &p)) return std::move(*bad);
  if (!params.contains("WebIdentityToken")) return Missing("webIdentityToken");
  const std::string token = Param(params, "WebIdentityToken");
  if (token.size() < 4 || token.size() > 20000) {
    return Constraint("webIdentityToken", "***", "Member must have length between 4 and 20000");
  }
  if (oidc_ == nullptr || oidc_->empty()) {
    return StsError(400, "InvalidIdentityToken",
                    "No OpenIDConnect provider is configured (tactus serve --oidc-config).");
  }
  auto identity = oidc_->Verify(token);
  if (!identity.ok()) {
    const common::Status& st = identity.status();
    if (auth::IsExpiredTokenError(st)) {
      return StsError(400, "ExpiredTokenException",
                      "Token expired: get a new identity token from the identity provider.");
    }
    if (st.code() == common::StatusCode::kInvalidArgument) {
      return StsError(400, "InvalidIdentityToken", st.message());
    }
    return StsError(
        400, "IDPCommunicationError",
        "Couldn't retrieve verification key from your identity provider: " + st.message());
  }
  const auth::VerifiedJwt& jwt = identity->jwt;
  // The unsigned call's caller, for its audit record: who the verified token says it is.
  *token_caller = WebIdentityCaller(jwt.issuer, jwt.subject);
  auto denied = [] {
    return StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  };
  auto loaded = LoadRoleTrust(iam_, p.role_arn, account_);
  if (!loaded.ok()) return StsError(500, "InternalFailure", loaded.status().message());
  if (!*loaded) return denied();
  const auth::IamRole* role = &(*loaded)->role;
  const std::vector<auth::NamedPolicy> trust_policy{{"trust", std::move((*loaded)->trust)}};

  // The trust policy names the provider by its ARN or by its name; conditions read
  // "<provider>:aud" and "<provider>:sub" (AWS's keys for OIDC providers).
  const std::string provider = auth::OidcProviderName(jwt.issuer);
  const std::string provider_arn = auth::OidcProviderArn(account_, jwt.issuer);
  auth::RequestContext context;
  context.action = "sts:AssumeRoleWithWebIdentity";
  context.resource = role->arn;
  context.principal_kind = auth::PrincipalKind::kFederated;
  std::vector<std::string> audiences;
  if (const auto* aud = jwt.claims.if_contains("aud")) {
    if (aud->is_string()) audiences.emplace_back(aud->as_string());
    if (aud->is_array()) {
      for (const auto& a : aud->as_array()) {
        if (a.is_string()) audiences.emplace_back(a.as_string());
      }
    }
  }
  context.context_keys[provider + ":aud"] = audiences;
  context.context_keys[provider + ":sub"] = {jwt.subject};
  context.context_keys["aws:FederatedProvider"] = {provider_arn};
  AddTimeKeys(&context, request, clock_.Now());
  bool allowed = false, deny = false;
  for (const std::string& principal : {provider_arn, provider}) {
    context.principal = principal;
    auth::Decision d = auth::Evaluate(trust_policy, context);
    allowed = allowed || d.effect == auth::DecisionEffect::kAllow;
    deny = deny || d.effect == auth::DecisionEffect::kExplicitDeny;
  }
  if (!allowed || deny) return denied();
  if (p.duration > role->max_session_seconds) {
    return StsValidationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  auth::SessionSpec spec{role->name,
                         role->arn,
                         role->role_id,
                         p.session_name,
                         p.policy,
                         "AssumeRoleWithWebIdentity",
                         jwt.issuer + " " + jwt.subject,
                         p.duration};
  auto session = sessions_.Create(spec);
  if (!session.ok()) return StsError(500, "InternalFailure", session.status().message());
  return Success("AssumeRoleWithWebIdentity",
                 CredentialsXml(*session) + "    " +
                     Element("SubjectFromWebIdentityToken", jwt.subject) + "\n" +
                     AssumedRoleUserXml(*session, role->role_id, p.session_name) +
                     PackedPolicySizeXml(p.policy) + "    " + Element("Provider", jwt.issuer) +
                     "\n    " + Element("Audience", identity->issuer->audience) + "\n");
}

}  // namespace tactus::api
