// Execution roles: the checks before a task touches anything (execution_roles.h).
#include "auth/execution_roles.h"

#include <algorithm>
#include <variant>

#include "common/clock.h"

namespace tactus::auth {
namespace {

using common::Status;
namespace json = boost::json;

tasks::TaskOutcome Denied(std::string cause) {
  return tasks::TaskOutcome::Failure(kPermissionsError, std::move(cause));
}

// The `Connection` parameter of a MongoDB task (tasks::NamedConnection, without linking the
// MongoDB tasks): a named connection is another deployment.
std::optional<std::string> ConnectionOf(const json::value& parameters) {
  const json::object* p = parameters.if_object();
  const json::value* name = p ? p->if_contains("Connection") : nullptr;
  if (!name || !name->is_string() || name->as_string().empty()) return std::nullopt;
  return std::string(name->as_string());
}

// The database of "arn:tactus:mongodb:::<db>/<coll>", or nullopt for other resources.
std::optional<std::string> DatabaseOf(const std::string& resource) {
  if (resource.rfind(tasks::kMongoDbArnPrefix, 0) != 0) return std::nullopt;
  std::string rest = resource.substr(tasks::kMongoDbArnPrefix.size());
  return rest.substr(0, rest.find('/'));
}

// The policies with only the Allow statements that name `database` literally in a Resource
// (Deny statements all stay).
std::vector<NamedPolicy> NamingDatabase(const std::vector<NamedPolicy>& policies,
                                        const std::string& database) {
  std::string prefix = std::string(tasks::kMongoDbArnPrefix) + database + "/";
  std::vector<NamedPolicy> out;
  for (const auto& p : policies) {
    NamedPolicy kept{p.name, p.policy};
    kept.policy.statements.clear();
    for (const auto& s : p.policy.statements) {
      bool names = s.not_resource.has_value() && !*s.not_resource &&
                   std::any_of(s.resources.begin(), s.resources.end(),
                               [&](const Pattern& r) { return r.text().rfind(prefix, 0) == 0; });
      if (s.effect == Effect::kDeny || names) kept.policy.statements.push_back(s);
    }
    out.push_back(std::move(kept));
  }
  return out;
}

std::string Deciding(const Decision& d) {
  return "statement '" + d.statement + "' of policy '" + d.policy_name + "'";
}

}  // namespace

std::string DenialCause(const std::string& role_arn, const tasks::Permission& permission,
                        const Decision& decision) {
  std::string cause = "Role " + role_arn + " is not authorized to perform: " + permission.action +
                      " on resource: " + permission.resource;
  if (decision.effect == DecisionEffect::kExplicitDeny) {
    return cause + " with an explicit deny in " + Deciding(decision);
  }
  return cause + " because no identity-based policy allows the " + permission.action + " action";
}

ExecutionRoles::ExecutionRoles(IamStore& store, const common::Clock& clock,
                               ExecutionRolesOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

common::Result<std::shared_ptr<const RolePolicies>> ExecutionRoles::ReadRole(
    const std::string& arn) {
  std::size_t slash = arn.rfind('/');
  std::string name = slash == std::string::npos ? "" : arn.substr(slash + 1);
  if (name.empty() || store_.RoleArn(name) != arn) {
    return Status::NotFound("no role " + arn + " in this IAM store");
  }
  auto role = store_.GetRole(name);
  if (!role.ok()) {
    if (role.status().code() == common::StatusCode::kNotFound) {
      return Status::NotFound("no role " + arn + " in this IAM store");
    }
    return role.status();
  }
  auto out = std::make_shared<RolePolicies>();
  out->name = role->name;
  out->arn = role->arn;
  out->role_id = role->role_id;
  for (const auto& p : role->policies) {
    // A stored policy that does not parse fails the lookup: it could be a Deny.
    auto parsed = ParsePolicy(p.document, PolicyKind::kIdentity);
    if (!parsed.ok()) {
      return Status::Internal("stored policy role/" + name + "/" + p.name +
                              " does not parse: " + parsed.status().message());
    }
    out->policies.push_back({"role/" + name + "/" + p.name, std::move(*parsed)});
  }
  auto trust = ParsePolicy(role->trust_policy, PolicyKind::kTrust);
  if (!trust.ok()) {
    return Status::Internal("the trust policy of role " + name +
                            " does not parse: " + trust.status().message());
  }
  out->trust = {"role/" + name + "/trust", std::move(*trust)};
  return std::shared_ptr<const RolePolicies>(std::move(out));
}

common::Result<std::shared_ptr<const RolePolicies>> ExecutionRoles::Role(const std::string& arn) {
  common::TimeMs now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = roles_.find(arn);
    if (it != roles_.end() && now - it->second.read_at < kIamCacheMs && now >= it->second.read_at) {
      if (!it->second.status.ok()) return it->second.status;
      return it->second.role;
    }
  }
  auto role = ReadRole(arn);
  Entry e;
  e.read_at = now;
  if (role.ok()) {
    e.role = *role;
  } else if (role.status().code() == common::StatusCode::kNotFound) {
    e.status = role.status();
  } else {
    return role.status();  // the store failed: not cached, asked again next time
  }
  std::lock_guard lock(mu_);
  roles_[arn] = e;
  if (!e.status.ok()) return e.status;
  return e.role;
}

RequestContext ExecutionRoles::Context(const RolePolicies& role,
                                       const tasks::TaskRequest& request) const {
  common::TimeMs now = clock_.Now();
  RequestContext c;
  c.principal_kind = PrincipalKind::kAws;
  c.principal = role.arn;
  c.context_keys = {
      {"aws:PrincipalArn", {role.arn}},
      {"aws:PrincipalType", {"AssumedRole"}},
      {"aws:userid", {role.role_id}},
      {"aws:CurrentTime", {common::FormatIso8601(now)}},
      {"aws:EpochTime", {std::to_string(now / 1000)}},
  };
  if (!request.execution_arn.empty()) {
    c.context_keys["tactus:ExecutionArn"] = {request.execution_arn};
  }
  if (!request.state_name.empty()) c.context_keys["tactus:StateName"] = {request.state_name};
  if (auto connection = ConnectionOf(request.parameters)) {
    c.context_keys["tactus:Connection"] = {*connection};
  }
  return c;
}

std::optional<tasks::TaskOutcome> ExecutionRoles::Authorize(const tasks::TaskRequest& request) {
  tasks::TaskPermissions needed =
      tasks::RequiredTaskPermissions(request.resource, request.parameters, options_.arns);
  if (needed.permissions.empty()) return std::nullopt;
  if (request.role_arn.empty()) {
    return Denied(
        "The execution has no role: give its state machine a roleArn that exists in "
        "the IAM store (tactus iam create-role) and allows " +
        needed.permissions.front().action + " on " + needed.permissions.front().resource);
  }
  auto lookup = [&](const std::string& arn)
      -> std::variant<std::shared_ptr<const RolePolicies>, tasks::TaskOutcome> {
    auto role = Role(arn);
    if (role.ok()) return *role;
    if (role.status().code() == common::StatusCode::kNotFound) {
      return Denied("Role " + arn + " does not exist in the IAM store: create it (tactus iam " +
                    "create-role) with a policy that allows " + needed.permissions.front().action +
                    " on " + needed.permissions.front().resource);
    }
    return Denied("Role " + arn + " cannot be evaluated: " + role.status().message());
  };
  auto execution_role = lookup(request.role_arn);
  if (auto* failed = std::get_if<tasks::TaskOutcome>(&execution_role)) return *failed;
  std::shared_ptr<const RolePolicies> acting =
      std::get<std::shared_ptr<const RolePolicies>>(execution_role);

  if (!request.credentials_role_arn.empty() && request.credentials_role_arn != acting->arn) {
    // Credentials.RoleArn: the execution role assumes the narrower role for this state.
    const std::string& target_arn = request.credentials_role_arn;
    RequestContext assume = Context(*acting, request);
    assume.action = "sts:AssumeRole";
    assume.resource = target_arn;
    Decision d = Evaluate(acting->policies, assume);
    if (d.effect != DecisionEffect::kAllow) {
      return Denied(DenialCause(acting->arn, {"sts:AssumeRole", target_arn}, d) +
                    " (Credentials.RoleArn of state " + request.state_name + ")");
    }
    auto target = lookup(target_arn);
    if (auto* failed = std::get_if<tasks::TaskOutcome>(&target)) return *failed;
    auto target_role = std::get<std::shared_ptr<const RolePolicies>>(target);
    Decision trust = EvaluateAssumeRole(target_role->trust, assume);
    if (trust.effect != DecisionEffect::kAllow) {
      std::string cause = "Role " + acting->arn + " cannot assume " + target_arn + ": ";
      cause += trust.effect == DecisionEffect::kExplicitDeny
                   ? "its trust policy denies it (" + Deciding(trust) + ")"
                   : "its trust policy does not trust " + acting->arn;
      return Denied(cause + " (Credentials.RoleArn of state " + request.state_name + ")");
    }
    acting = target_role;
  }

  RequestContext context = Context(*acting, request);
  bool own_deployment = !ConnectionOf(request.parameters).has_value();
  for (const auto& p : needed.permissions) {
    context.action = p.action;
    context.resource = p.resource;
    Decision d = Evaluate(acting->policies, context);
    if (d.effect != DecisionEffect::kAllow) return Denied(DenialCause(acting->arn, p, d));
    std::optional<std::string> db = DatabaseOf(p.resource);
    if (own_deployment && db &&
        std::find(options_.protected_databases.begin(), options_.protected_databases.end(), *db) !=
            options_.protected_databases.end()) {
      Decision named = Evaluate(NamingDatabase(acting->policies, *db), context);
      if (named.effect != DecisionEffect::kAllow) {
        return Denied(DenialCause(acting->arn, p, named) + ": " + *db +
                      " is Tactus's own database; only an Allow statement whose Resource names "
                      "it (arn:tactus:mongodb:::" +
                      *db + "/...) opens it");
      }
    }
  }
  return std::nullopt;
}

}  // namespace tactus::auth
