// Authentication and authorization of every request of `tactus serve` (docs/auth.md,
// "Authentication and authorization in tactus serve"): the SigV4 signature, then the caller's
// IAM policies evaluated for the request's action on its resource.
//
// The action table — which IAM action and resource each Step Functions action, REST route and
// IAM route needs — is here (RequiredPermission); authorize_test fails when a Step Functions
// action has no entry.
//
// Thread-safe: ApiAuthorizer::Check may be called concurrently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/http_server.h"
#include "auth/evaluate.h"
#include "auth/iam_store.h"
#include "auth/oidc.h"
#include "auth/sessions.h"
#include "common/arn.h"
#include "common/clock.h"
#include "common/json.h"

namespace tactus::api {

namespace json = boost::json;

// What a request needs: an IAM action ("states:StartExecution") on a resource (an ARN or "*").
struct Permission {
  std::string action;
  std::string resource;
};

// Which API a request is for, by its path: the SigV4 service and the error shape follow.
enum class ApiKind {
  kStepFunctions,  // POST / (AWS JSON 1.0), service "states"
  kScheduler,      // /schedules..., service "scheduler"
  kTactus,         // /v1/... (triggers, connections, functions, iam), service "tactus"
  kSts,            // POST / with a form body (or GET /?Action=...) and no X-Amz-Target: the
                   // query protocol of STS, service "sts"
};
ApiKind ApiKindOf(const HttpRequest& request);
std::string_view SigV4ServiceOf(ApiKind kind);

// Where a Step Functions action finds its resource.
enum class SfnResource {
  kStateMachineMember,  // the member names a state machine ARN (a "#TestCase" suffix dropped)
  kMember,              // the member is the resource ARN as is
  kNewStateMachine,     // the ARN the state machine named by `name` gets
  kNewActivity,         // the ARN the activity named by `name` gets
  kNone,                // "*": the action names no resource
};
struct SfnActionEntry {
  std::string_view action;  // "StartExecution"
  SfnResource resource;
  std::string_view member;  // the parameter holding it, for kStateMachineMember and kMember
};
// The table of every Step Functions action Tactus answers.
std::span<const SfnActionEntry> StepFunctionsActionTable();

// The permission a Step Functions action needs with these parameters. A resource member that is
// missing or not a string gives "*"; an action not in the table gives "states:<action>" on "*".
Permission StepFunctionsPermission(std::string_view action, const json::object& params,
                                   const common::ArnContext& arns);
// The permission a REST request needs (/schedules, /v1/triggers|connections|functions, /v1/iam).
// A route that names nothing gives "tactus:Unknown" on "*".
Permission RestPermission(const HttpRequest& request, const common::ArnContext& arns);

// AWS's AccessDenied message: "User: <principal> is not authorized to perform: <action> on
// resource: <resource> because no identity-based policy allows the <action> action" (implicit
// deny) or "... with an explicit deny in an identity-based policy". `policy_type` is
// "identity-based" or "session" (a session policy decided).
std::string AccessDeniedMessage(std::string_view principal, const Permission& permission,
                                bool explicit_deny,
                                std::string_view policy_type = "identity-based");

// The permission an STS action needs: sts:AssumeRole / sts:AssumeRoleWithWebIdentity on the
// RoleArn, sts:GetCallerIdentity on "*".
Permission StsPermission(std::string_view action, std::string_view role_arn);

// The outcome of checking one request.
struct AuthOutcome {
  // Set when the request must not be handled: the answer to send instead.
  std::optional<HttpResponse> refusal;
  // For the audit record.
  std::string principal = "anonymous";
  // Who the caller is, for policy conditions and GetCallerIdentity: aws:PrincipalArn (a user's
  // ARN, or the role's ARN for a session), aws:userid ("AIDA..." or "AROA...:<session>"),
  // aws:PrincipalType ("User", "AssumedRole"; empty when not authenticated).
  std::string principal_arn, user_id, principal_type;
  Permission permission;  // empty action when the request did not authenticate
  std::string decision;   // "Allow", "ExplicitDeny", "ImplicitDeny", "Unauthenticated"
  std::string statement;  // "<policy>#<Sid>", or why it did not authenticate
};

class ApiAuthorizer {
 public:
  // `store` null: authentication and authorization are off (--insecure-no-auth); every request
  // is allowed as "anonymous". `sessions` null: session credentials are refused. `oidc` null or
  // empty: bearer tokens are refused. Everything passed in must outlive the authorizer.
  ApiAuthorizer(auth::IamStore* store, const common::Clock& clock, common::ArnContext arns,
                auth::SessionStore* sessions = nullptr, const auth::OidcVerifier* oidc = nullptr);

  // Authenticates the request — SigV4 with an access key or session credentials (their
  // X-Amz-Security-Token must match and they must not have expired), or an OIDC bearer token
  // mapped to a role — and evaluates the caller's policies (a session's: its role's, intersected
  // with its session policy). AssumeRoleWithWebIdentity is let through unsigned (StsApi checks
  // the token); GetCallerIdentity needs no permission.
  AuthOutcome Check(const HttpRequest& request) const;

 private:
  struct Caller;
  AuthOutcome CheckBearer(const HttpRequest& request, ApiKind kind, AuthOutcome out) const;
  AuthOutcome Decide(const HttpRequest& request, ApiKind kind, const Caller& caller,
                     AuthOutcome out) const;
  // sts:AssumeRole on `role_arn`: the Allow of the role's trust policy statements that name the
  // caller's own ARN (and whose conditions hold), or nullopt.
  std::optional<auth::Decision> TrustNamingCaller(const std::string& role_arn,
                                                  const Caller& caller,
                                                  auth::RequestContext context) const;

  auth::IamStore* store_;
  const common::Clock& clock_;
  common::ArnContext arns_;
  auth::SessionStore* sessions_;
  const auth::OidcVerifier* oidc_;
};

}  // namespace tactus::api
