#include "api/authorize.h"

#include <array>
#include <vector>

#include "api/aws_json.h"
#include "api/iam_api.h"
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
                                bool explicit_deny) {
  std::string m = "User: " + std::string(principal) +
                  " is not authorized to perform: " + permission.action +
                  " on resource: " + permission.resource;
  if (explicit_deny) return m + " with an explicit deny in an identity-based policy";
  return m + " because no identity-based policy allows the " + permission.action + " action";
}

ApiAuthorizer::ApiAuthorizer(auth::IamStore* store, const common::Clock& clock,
                             common::ArnContext arns)
    : store_(store), clock_(clock), arns_(std::move(arns)) {}

AuthOutcome ApiAuthorizer::Check(const HttpRequest& request) const {
  AuthOutcome out;
  const ApiKind kind = ApiKindOf(request);
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
  } else {
    out.permission = RestPermission(request, arns_);
  }
  if (store_ == nullptr) {
    out.decision = "Allow";
    out.statement = "authentication disabled (--insecure-no-auth)";
    return out;
  }

  auth::SigV4Request sigv4{request.method, request.target, request.headers, request.body};
  auth::SigV4VerifyOptions options;
  options.region = arns_.region;
  options.services = {std::string(SigV4ServiceOf(kind))};
  auth::SecretLookup lookup = [this](std::string_view id) { return store_->LookupSecret(id); };
  auth::SigV4Result verified = auth::VerifySigV4(sigv4, options, lookup, clock_.Now());
  if (!verified.ok()) {
    const auth::SigV4Error& e = verified.error();
    std::string_view code = auth::SigV4ErrorCode(e.kind, auth::AwsProtocol::kJson);
    out.refusal =
        Refuse(kind, auth::SigV4HttpStatus(e.kind, auth::AwsProtocol::kJson), code, e.message);
    out.decision = "Unauthenticated";
    out.statement = std::string(code);
    return out;
  }
  const auth::SigV4Identity& identity = verified.identity();
  out.principal = identity.principal;
  if (identity.session_token) {
    // No STS sessions exist yet: a session token cannot be valid.
    std::string_view code =
        auth::SigV4ErrorCode(auth::SigV4ErrorKind::kInvalidClientTokenId, auth::AwsProtocol::kJson);
    out.refusal = Refuse(kind, 400, code, "The security token included in the request is invalid.");
    out.decision = "Unauthenticated";
    out.statement = std::string(code);
    return out;
  }
  auto user = store_->UserOfKey(identity.access_key_id);
  common::Result<std::shared_ptr<const auth::PrincipalInfo>> info =
      user.ok() ? store_->PoliciesFor(*user)
                : common::Result<std::shared_ptr<const auth::PrincipalInfo>>(user.status());
  if (!info.ok()) {
    out.refusal = Refuse(
        kind, 500, kind == ApiKind::kStepFunctions ? "InternalFailure" : "InternalServerException",
        "The caller's policies could not be read: " + info.status().message());
    out.decision = "ImplicitDeny";
    out.statement = "policies unreadable";
    return out;
  }
  const auth::PrincipalInfo& principal = **info;
  auth::RequestContext context;
  context.action = out.permission.action;
  context.resource = out.permission.resource;
  context.principal = principal.arn;
  common::TimeMs now = clock_.Now();
  context.context_keys = {
      {"aws:username", {principal.user}},
      {"aws:userid", {principal.user_id}},
      {"aws:PrincipalArn", {principal.arn}},
      {"aws:PrincipalType", {"User"}},
      {"aws:SourceIp", {request.remote_ip}},
      {"aws:CurrentTime", {common::FormatIso8601(now)}},
      {"aws:EpochTime", {std::to_string(now / 1000)}},
      {"aws:SecureTransport", {"false"}},
  };
  if (request.remote_ip.empty()) context.context_keys.erase("aws:SourceIp");
  auth::Decision decision = auth::Evaluate(principal.policies, context);
  out.decision = std::string(auth::DecisionEffectName(decision.effect));
  if (!decision.policy_name.empty()) {
    out.statement = decision.policy_name + "#" + decision.statement;
  }
  if (decision.effect != auth::DecisionEffect::kAllow) {
    bool explicit_deny = decision.effect == auth::DecisionEffect::kExplicitDeny;
    out.refusal = Refuse(kind, kind == ApiKind::kStepFunctions ? 400 : 403, "AccessDeniedException",
                         AccessDeniedMessage(principal.arn, out.permission, explicit_deny));
  }
  return out;
}

}  // namespace tactus::api
