#include "api/authorize.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "api/aws_json.h"
#include "api/iam_api.h"
#include "api/sts_api.h"
#include "auth/evaluate.h"
#include "auth/sigv4.h"

namespace tactus::api {

namespace {

using R = SfnResource;

// THE action table of the Step Functions API (docs/auth.md). Resources as AWS's service
// authorization reference gives them for Step Functions.
constexpr SfnActionEntry kSfnActions[] = {
    {"CreateStateMachine", R::kNewStateMachine, ""},
    {"DescribeStateMachine", R::kStateMachineMember, "stateMachineArn"},
    {"UpdateStateMachine", R::kStateMachineMember, "stateMachineArn"},
    {"DeleteStateMachine", R::kStateMachineMember, "stateMachineArn"},
    {"ListStateMachines", R::kNone, ""},
    {"ValidateStateMachineDefinition", R::kNone, ""},
    {"DescribeStateMachineForExecution", R::kMember, "executionArn"},
    {"TagResource", R::kMember, "resourceArn"},
    {"UntagResource", R::kMember, "resourceArn"},
    {"ListTagsForResource", R::kMember, "resourceArn"},
    {"StartExecution", R::kStateMachineMember, "stateMachineArn"},
    {"StartSyncExecution", R::kStateMachineMember, "stateMachineArn"},
    {"StopExecution", R::kMember, "executionArn"},
    {"DescribeExecution", R::kMember, "executionArn"},
    {"ListExecutions", R::kStateMachineMember, "stateMachineArn"},
    {"GetExecutionHistory", R::kMember, "executionArn"},
    {"CreateActivity", R::kNewActivity, ""},
    {"DescribeActivity", R::kMember, "activityArn"},
    {"ListActivities", R::kNone, ""},
    {"DeleteActivity", R::kMember, "activityArn"},
    {"GetActivityTask", R::kMember, "activityArn"},
    // A task token names no resource: AWS authorizes SendTask* on "*".
    {"SendTaskSuccess", R::kNone, ""},
    {"SendTaskFailure", R::kNone, ""},
    {"SendTaskHeartbeat", R::kNone, ""},
};

std::string StringMember(const json::object& params, std::string_view member) {
  const json::value* v = params.if_contains(member);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool UnderPrefix(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
}

struct RestCollection {
  std::string_view prefix;
  std::string_view service;  // of the IAM action
  std::string_view noun;     // "Schedule"
  std::string_view create;   // the verb of POST: "Create" or "Register"
};

constexpr RestCollection kRestCollections[] = {
    {"/schedules", "scheduler", "Schedule", "Create"},
    {"/v1/triggers", "tactus", "Trigger", "Create"},
    {"/v1/connections", "tactus", "Connection", "Create"},
    {"/v1/functions", "tactus", "Function", "Register"},
};

std::string RestArn(const RestCollection& c, const common::ArnContext& arns,
                    const std::string& name) {
  const std::string where = arns.region + ":" + arns.account + ":";
  if (c.noun == "Schedule") return "arn:aws:scheduler:" + where + "schedule/default/" + name;
  if (c.noun == "Trigger") return "arn:tactus:triggers:" + where + "trigger/" + name;
  if (c.noun == "Connection") return "arn:tactus:connections:" + where + "connection/" + name;
  return "arn:" + arns.partition + ":lambda:" + where + "function:" + name;
}

HttpResponse RestError(int status, std::string_view code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back(std::string(kErrorTypeHeader), std::string(code));
  r.headers.emplace_back(std::string(kRequestIdHeader), NewRequestId());
  r.body = common::SerializeJson(json::object{{"__type", code}, {"Message", message}});
  return r;
}

HttpResponse Refuse(ApiKind kind, int status, std::string_view code, const std::string& message) {
  if (kind == ApiKind::kSts) return StsError(status, code, message);
  if (kind == ApiKind::kStepFunctions) {
    return AwsJsonError(ApiError{std::string(code), message, status}, NewRequestId());
  }
  return RestError(status, code, message);
}

}  // namespace

ApiKind ApiKindOf(const HttpRequest& request) {
  std::string_view path = PathOf(request.target);
  if (UnderPrefix(path, "/schedules")) return ApiKind::kScheduler;
  if (UnderPrefix(path, "/v1")) return ApiKind::kTactus;
  if ((path == "/" || path.empty()) && request.FindHeader("X-Amz-Target") == nullptr) {
    std::string_view query = request.target.size() > path.size()
                                 ? std::string_view(request.target).substr(path.size() + 1)
                                 : std::string_view();
    if (request.Header("Content-Type").starts_with("application/x-www-form-urlencoded") ||
        query.starts_with("Action=") || query.find("&Action=") != std::string_view::npos) {
      return ApiKind::kSts;
    }
  }
  return ApiKind::kStepFunctions;
}

std::string_view SigV4ServiceOf(ApiKind kind) {
  switch (kind) {
    case ApiKind::kStepFunctions:
      return "states";
    case ApiKind::kScheduler:
      return "scheduler";
    case ApiKind::kTactus:
      return "tactus";
    case ApiKind::kSts:
      return "sts";
  }
  return "states";
}

std::span<const SfnActionEntry> StepFunctionsActionTable() { return kSfnActions; }

Permission StepFunctionsPermission(std::string_view action, const json::object& params,
                                   const common::ArnContext& arns) {
  Permission p{"states:" + std::string(action), "*"};
  for (const SfnActionEntry& e : kSfnActions) {
    if (e.action != action) continue;
    switch (e.resource) {
      case R::kStateMachineMember: {
        std::string arn = StringMember(params, e.member);
        arn = arn.substr(0, arn.find('#'));
        if (!arn.empty()) p.resource = arn;
        break;
      }
      case R::kMember: {
        std::string arn = StringMember(params, e.member);
        if (!arn.empty()) p.resource = arn;
        break;
      }
      case R::kNewStateMachine: {
        std::string name = StringMember(params, "name");
        if (!name.empty()) p.resource = common::FormatStateMachineArn(arns, name);
        break;
      }
      case R::kNewActivity: {
        std::string name = StringMember(params, "name");
        if (!name.empty()) p.resource = common::FormatActivityArn(arns, name);
        break;
      }
      case R::kNone:
        break;
    }
    break;
  }
  return p;
}

Permission RestPermission(const HttpRequest& request, const common::ArnContext& arns) {
  std::string_view path = PathOf(request.target);
  if (UnderPrefix(path, kIamPrefix)) {
    auto route = IamRouteOf(request, arns.account);
    if (!route) return {"tactus:Unknown", "*"};
    return {"iam:" + route->action, route->resource};
  }
  for (const RestCollection& c : kRestCollections) {
    if (!UnderPrefix(path, c.prefix)) continue;
    std::string_view rest = path.substr(c.prefix.size());
    const std::string service(c.service), noun(c.noun);
    if (rest.empty() || rest == "/") {
      if (request.method == "GET") return {service + ":List" + noun + "s", "*"};
      return {"tactus:Unknown", "*"};
    }
    std::string name(rest.substr(1));
    if (name.find('/') != std::string::npos) return {"tactus:Unknown", "*"};
    std::string verb;
    if (request.method == "POST") verb = std::string(c.create);
    if (request.method == "GET") verb = "Get";
    if (request.method == "PUT") verb = "Update";
    if (request.method == "DELETE") verb = "Delete";
    if (verb.empty()) return {"tactus:Unknown", "*"};
    return {service + ":" + verb + noun, RestArn(c, arns, name)};
  }
  return {"tactus:Unknown", "*"};
}

std::string AccessDeniedMessage(std::string_view principal, const Permission& permission,
                                bool explicit_deny, std::string_view policy_type) {
  std::string m = "User: " + std::string(principal) +
                  " is not authorized to perform: " + permission.action +
                  " on resource: " + permission.resource;
  const std::string type(policy_type);
  if (explicit_deny)
    return m + " with an explicit deny in " + (type == "identity-based" ? "an " : "a ") + type +
           " policy";
  return m + " because no " + type + " policy allows the " + permission.action + " action";
}

Permission StsPermission(std::string_view action, std::string_view role_arn) {
  if (action == "AssumeRole" || action == "AssumeRoleWithWebIdentity") {
    return {"sts:" + std::string(action), role_arn.empty() ? "*" : std::string(role_arn)};
  }
  return {"sts:" + std::string(action.substr(0, 64)), "*"};
}

// Who signed or presented a request, and what it is evaluated with.
struct ApiAuthorizer::Caller {
  std::string arn;            // the principal: a user's or an assumed-role session's ARN
  std::string principal_arn;  // aws:PrincipalArn: the user's, or the role's for a session
  std::string user_id;        // aws:userid
  std::string type;           // aws:PrincipalType: "User" or "AssumedRole"
  std::string username;       // aws:username (users only)
  std::shared_ptr<const auth::PrincipalInfo> info;  // null: no policies (a deleted role)
  std::optional<auth::Policy> session_policy;
};

namespace {

auth::AwsProtocol ProtocolOf(ApiKind kind) {
  return kind == ApiKind::kSts ? auth::AwsProtocol::kQuery : auth::AwsProtocol::kJson;
}

HttpResponse Internal(ApiKind kind, const std::string& message) {
  return Refuse(kind, 500,
                kind == ApiKind::kScheduler || kind == ApiKind::kTactus ? "InternalServerException"
                                                                        : "InternalFailure",
                message);
}

HttpResponse Denied(ApiKind kind, const std::string& message) {
  if (kind == ApiKind::kSts) return Refuse(kind, 403, "AccessDenied", message);
  return Refuse(kind, kind == ApiKind::kStepFunctions ? 400 : 403, "AccessDeniedException",
                message);
}

HttpResponse InvalidToken(ApiKind kind) {
  const auto protocol = ProtocolOf(kind);
  return Refuse(kind, auth::SigV4HttpStatus(auth::SigV4ErrorKind::kInvalidClientTokenId, protocol),
                auth::SigV4ErrorCode(auth::SigV4ErrorKind::kInvalidClientTokenId, protocol),
                "The security token included in the request is invalid.");
}

HttpResponse ExpiredToken(ApiKind kind) {
  if (kind == ApiKind::kSts) {
    return Refuse(kind, 403, "ExpiredToken",
                  "The security token included in the request is expired");
  }
  return Refuse(kind, kind == ApiKind::kStepFunctions ? 400 : 403, "ExpiredTokenException",
                "The security token included in the request is expired");
}

// A RoleSessionName made of a token's `sub`: characters outside [\w+=,.@-] become '_', at most
// 64 characters, at least 2.
std::string SessionNameOf(std::string_view subject) {
  std::string out;
  for (char c : subject.substr(0, 64)) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    out += ok ? c : '_';
  }
  while (out.size() < 2) out += '_';
  return out;
}

}  // namespace

ApiAuthorizer::ApiAuthorizer(auth::IamStore* store, const common::Clock& clock,
                             common::ArnContext arns, auth::SessionStore* sessions,
                             const auth::OidcVerifier* oidc)
    : store_(store), clock_(clock), arns_(std::move(arns)), sessions_(sessions), oidc_(oidc) {}

AuthOutcome ApiAuthorizer::Check(const HttpRequest& request) const {
  AuthOutcome out;
  const ApiKind kind = ApiKindOf(request);
  std::string sts_action;
  if (kind == ApiKind::kStepFunctions) {
    auto parsed = ParseAwsJsonRequest(request);
    if (parsed.ok()) {
      out.permission = StepFunctionsPermission(parsed->action, parsed->params, arns_);
    } else {
      std::string_view target = request.Header("X-Amz-Target");
      std::string_view action = target.starts_with(kStepFunctionsTargetPrefix)
                                    ? target.substr(kStepFunctionsTargetPrefix.size())
                                    : std::string_view("Unknown");
      out.permission = {"states:" + std::string(action), "*"};
    }
  } else if (kind == ApiKind::kSts) {
    auto params = QueryParams(request);
    std::string role_arn;
    if (params) {
      if (auto it = params->find("Action"); it != params->end()) sts_action = it->second;
      if (auto it = params->find("RoleArn"); it != params->end()) role_arn = it->second;
    }
    out.permission = StsPermission(sts_action.empty() ? "Unknown" : sts_action, role_arn);
  } else {
    out.permission = RestPermission(request, arns_);
  }
  if (store_ == nullptr) {
    out.decision = "Allow";
    out.statement = "authentication disabled (--insecure-no-auth)";
    return out;
  }
  if (kind == ApiKind::kSts && sts_action == "AssumeRoleWithWebIdentity") {
    // Unsigned in AWS too: the web identity token and the role's trust policy decide (StsApi).
    out.decision = "Allow";
    out.statement = "unsigned: the web identity token and the role's trust policy decide";
    return out;
  }
  std::string_view authorization = request.Header("Authorization");
  if (authorization.size() >= 7 &&
      (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    return CheckBearer(request, kind, std::move(out));
  }

  const auth::AwsProtocol protocol = ProtocolOf(kind);
  auth::SigV4Request sigv4{request.method, request.target, request.headers, request.body};
  auth::SigV4VerifyOptions options;
  options.region = arns_.region;
  options.services = {std::string(SigV4ServiceOf(kind))};
  std::optional<auth::SessionInfo> session;
  auth::SecretLookup lookup = [this,
                               &session](std::string_view id) -> common::Result<auth::SigV4Secret> {
    if (!auth::IsSessionKeyId(id)) return store_->LookupSecret(id);
    if (sessions_ == nullptr) return common::Status::NotFound("sessions are off");
    auto s = sessions_->Lookup(id);
    if (!s.ok()) return s.status();
    session = *s;
    return auth::SigV4Secret{s->secret_access_key, s->arn};
  };
  auth::SigV4Result verified = auth::VerifySigV4(sigv4, options, lookup, clock_.Now());
  if (!verified.ok()) {
    const auth::SigV4Error& e = verified.error();
    std::string_view code = auth::SigV4ErrorCode(e.kind, protocol);
    out.refusal = Refuse(kind, auth::SigV4HttpStatus(e.kind, protocol), code, e.message);
    out.decision = "Unauthenticated";
    out.statement = std::string(code);
    return out;
  }
  const auth::SigV4Identity& identity = verified.identity();
  out.principal = identity.principal;
  Caller caller;
  if (session) {
    // The token must be the session's (compared by hash, in constant time) and unexpired.
    const std::string hash =
        identity.session_token ? auth::SessionTokenHash(*identity.session_token) : std::string();
    if (hash.size() != session->token_sha256.size() ||
        CRYPTO_memcmp(hash.data(), session->token_sha256.data(), hash.size()) != 0) {
      out.refusal = InvalidToken(kind);
      out.decision = "Unauthenticated";
      out.statement = "session token missing or wrong";
      return out;
    }
    if (clock_.Now() >= session->expires) {
      out.refusal = ExpiredToken(kind);
      out.decision = "Unauthenticated";
      out.statement = "session expired";
      return out;
    }
    caller.arn = session->arn;
    caller.principal_arn = session->role_arn;
    caller.user_id = session->role_id + ":" + session->session_name;
    caller.type = "AssumedRole";
    auto info = store_->PoliciesForRole(session->role);
    if (info.ok()) {
      caller.info = *info;
    } else if (info.status().code() != common::StatusCode::kNotFound) {
      out.refusal =
          Internal(kind, "The caller's policies could not be read: " + info.status().message());
      out.decision = "ImplicitDeny";
      out.statement = "policies unreadable";
      return out;
    }
    if (!session->session_policy.empty()) {
      auto parsed = auth::ParsePolicy(session->session_policy, auth::PolicyKind::kIdentity);
      if (!parsed.ok()) {
        out.refusal = Internal(kind, "The session policy does not parse");
        out.decision = "ImplicitDeny";
        out.statement = "session policy unreadable";
        return out;
      }
      caller.session_policy = std::move(*parsed);
    }
  } else {
    if (identity.session_token) {
      // An access key's requests carry no session token.
      out.refusal = InvalidToken(kind);
      out.decision = "Unauthenticated";
      out.statement =
          std::string(auth::SigV4ErrorCode(auth::SigV4ErrorKind::kInvalidClientTokenId, protocol));
      return out;
    }
    auto user = store_->UserOfKey(identity.access_key_id);
    common::Result<std::shared_ptr<const auth::PrincipalInfo>> info =
        user.ok() ? store_->PoliciesFor(*user)
                  : common::Result<std::shared_ptr<const auth::PrincipalInfo>>(user.status());
    if (!info.ok()) {
      out.refusal =
          Internal(kind, "The caller's policies could not be read: " + info.status().message());
      out.decision = "ImplicitDeny";
      out.statement = "policies unreadable";
      return out;
    }
    caller.info = *info;
    caller.arn = (*info)->arn;
    caller.principal_arn = (*info)->arn;
    caller.user_id = (*info)->user_id;
    caller.type = "User";
    caller.username = (*info)->user;
  }
  return Decide(request, kind, caller, std::move(out));
}

AuthOutcome ApiAuthorizer::CheckBearer(const HttpRequest& request, ApiKind kind,
                                       AuthOutcome out) const {
  out.decision = "Unauthenticated";
  auto invalid = [&](const std::string& why) {
    HttpResponse r = Refuse(
        kind, 401, kind == ApiKind::kSts ? "InvalidClientTokenId" : "UnrecognizedClientException",
        "The bearer token is invalid: " + why);
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    out.refusal = std::move(r);
    out.statement = "invalid bearer token";
    return out;
  };
  if (kind == ApiKind::kSts) return invalid("STS takes SigV4 signatures, not bearer tokens");
  if (oidc_ == nullptr || oidc_->empty()) {
    return invalid("no OpenID Connect provider is configured (tactus serve --oidc-config)");
  }
  std::string_view token = request.Header("Authorization").substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  auto identity = oidc_->Verify(token);
  if (!identity.ok()) {
    const common::Status& st = identity.status();
    if (auth::IsExpiredTokenError(st)) {
      HttpResponse r = Refuse(kind, 401, "ExpiredTokenException",
                              "The security token included in the request is expired");
      r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      out.refusal = std::move(r);
      out.statement = "bearer token expired";
      return out;
    }
    if (st.code() == common::StatusCode::kInvalidArgument) return invalid(st.message());
    out.refusal = Refuse(kind, 503, "ServiceUnavailableException",
                         "The identity provider's keys cannot be fetched: " + st.message());
    out.statement = "identity provider unreachable";
    return out;
  }
  const auth::VerifiedJwt& jwt = identity->jwt;
  const std::string session_name = SessionNameOf(jwt.subject);
  auto role_arn = auth::OidcVerifier::MapRole(*identity);
  auto role = role_arn ? auth::RoleNameOfArn(*role_arn, arns_.account) : std::nullopt;
  if (!role) {
    out.decision = "ImplicitDeny";
    out.statement = "no role mapping matches";
    out.principal = jwt.issuer + "#" + jwt.subject;
    out.refusal = Denied(kind, "The token of " + jwt.subject + " from " + jwt.issuer +
                                   " matches no role mapping of that issuer; ask an "
                                   "administrator to map one of its claims to a role");
    return out;
  }
  Caller caller;
  caller.arn = auth::AssumedRoleArn(arns_.account, *role, session_name);
  out.principal = caller.arn;
  auto info = store_->PoliciesForRole(*role);
  if (!info.ok()) {
    if (info.status().code() == common::StatusCode::kNotFound) {
      out.decision = "ImplicitDeny";
      out.statement = "mapped role missing";
      out.refusal =
          Denied(kind, "The role " + *role_arn + " that the token maps to does not exist");
      return out;
    }
    out.refusal =
        Internal(kind, "The caller's policies could not be read: " + info.status().message());
    out.decision = "ImplicitDeny";
    out.statement = "policies unreadable";
    return out;
  }
  caller.info = *info;
  caller.principal_arn = (*info)->arn;
  caller.user_id = (*info)->user_id + ":" + session_name;
  caller.type = "AssumedRole";
  return Decide(request, kind, caller, std::move(out));
}

std::optional<auth::Decision> ApiAuthorizer::TrustNamingCaller(const std::string& role_arn,
                                                               const Caller& caller,
                                                               auth::RequestContext context) const {
  if (!store_) return std::nullopt;
  auto loaded = LoadRoleTrust(*store_, role_arn, arns_.account);
  if (!loaded.ok() || !*loaded) return std::nullopt;
  // Only the Allow statements whose Principal lists the caller's own ARN, conditions included.
  auth::Policy naming = std::move((*loaded)->trust);
  std::erase_if(naming.statements, [&](const auth::Statement& st) {
    const auto& aws = st.principals.aws;
    return st.effect != auth::Effect::kAllow || st.not_principal.value_or(false) ||
           std::find(aws.begin(), aws.end(), caller.arn) == aws.end();
  });
  if (naming.statements.empty()) return std::nullopt;
  context.principal_kind = auth::PrincipalKind::kAws;
  auth::Decision d = auth::EvaluateAssumeRole({"trust-policy", std::move(naming)}, context);
  if (d.effect != auth::DecisionEffect::kAllow) return std::nullopt;
  return d;
}

AuthOutcome ApiAuthorizer::Decide(const HttpRequest& request, ApiKind kind, const Caller& caller,
                                  AuthOutcome out) const {
  out.principal = caller.arn;
  out.principal_arn = caller.principal_arn;
  out.user_id = caller.user_id;
  out.principal_type = caller.type;
  if (kind == ApiKind::kSts && out.permission.action == "sts:GetCallerIdentity") {
    out.decision = "Allow";
    out.statement = "GetCallerIdentity needs no permission";
    return out;
  }
  auth::RequestContext context;
  context.action = out.permission.action;
  context.resource = out.permission.resource;
  context.principal = caller.arn;
  common::TimeMs now = clock_.Now();
  context.context_keys = {
      {"aws:userid", {caller.user_id}},
      {"aws:PrincipalArn", {caller.principal_arn}},
      {"aws:PrincipalType", {caller.type}},
      {"aws:SourceIp", {request.remote_ip}},
      {"aws:CurrentTime", {common::FormatIso8601(now)}},
      {"aws:EpochTime", {std::to_string(now / 1000)}},
      {"aws:SecureTransport", {"false"}},
  };
  if (!caller.username.empty()) context.context_keys["aws:username"] = {caller.username};
  if (request.remote_ip.empty()) context.context_keys.erase("aws:SourceIp");
  static const std::vector<auth::NamedPolicy> kNone;
  const auto& policies = caller.info ? caller.info->policies : kNone;
  auth::Decision decision = auth::Evaluate(policies, context);
  std::string_view policy_type = "identity-based";
  // A session policy narrows the role's: both must allow, and a Deny in either denies.
  if (caller.session_policy && decision.effect != auth::DecisionEffect::kExplicitDeny) {
    std::vector<auth::NamedPolicy> session{{"session-policy", *caller.session_policy}};
    auth::Decision s = auth::Evaluate(session, context);
    if (s.effect == auth::DecisionEffect::kExplicitDeny ||
        (s.effect == auth::DecisionEffect::kImplicitDeny &&
         decision.effect == auth::DecisionEffect::kAllow)) {
      decision = s;
      policy_type = "session";
    }
  }
  // AssumeRole within the account: a trust policy that names the caller itself (not the
  // account) grants the role without the caller's own policies, as in AWS; an explicit Deny
  // still wins. StsApi evaluates the whole trust policy afterwards as for any caller.
  if (kind == ApiKind::kSts && out.permission.action == "sts:AssumeRole" &&
      decision.effect == auth::DecisionEffect::kImplicitDeny) {
    if (auto granted = TrustNamingCaller(out.permission.resource, caller, context)) {
      decision = *granted;
    }
  }
  out.decision = std::string(auth::DecisionEffectName(decision.effect));
  if (!decision.policy_name.empty()) {
    out.statement = decision.policy_name + "#" + decision.statement;
  }
  if (decision.effect != auth::DecisionEffect::kAllow) {
    bool explicit_deny = decision.effect == auth::DecisionEffect::kExplicitDeny;
    out.refusal =
        Denied(kind, AccessDeniedMessage(caller.arn, out.permission, explicit_deny, policy_type));
  }
  return out;
}

}  // namespace tactus::api
