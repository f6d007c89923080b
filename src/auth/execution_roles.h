// Execution roles (docs/auth.md, "Execution roles"): every task of an execution acts as its state
// machine's role. Before a MongoDB, HTTP or Lambda task touches anything, the permissions it
// needs (tasks/task_permissions.h) are evaluated against the role's inline policies; a denial
// fails the state with States.Permissions naming the role, the action, the resource and, for an
// explicit deny, the deciding statement.
//
// - A role that is not in the IAM store (or an execution without a role) is denied.
// - `Credentials: {"RoleArn": R}` on a Task: the execution role must be allowed sts:AssumeRole
//   on R by its identity policies, and R's trust policy must trust the execution role's ARN;
//   the task's permissions are then evaluated against R alone.
// - Tactus's own databases (the state database and the audit database): only Allow statements
//   whose Resource names the database literally ("arn:tactus:mongodb:::tactus/...") count, so
//   "Resource": "*" does not open them.
//
// Roles are read from the IAM store at most once per kIamCacheMs each (a changed policy takes
// effect within that time).
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/evaluate.h"
#include "auth/iam_store.h"
#include "common/clock.h"
#include "tasks/dispatcher.h"
#include "tasks/task_permissions.h"

namespace tactus::auth {

// The ASL error of a denial.
inline constexpr const char* kPermissionsError = "States.Permissions";

struct ExecutionRolesOptions {
  // Databases no policy opens without naming them (Tactus's state and audit databases).
  std::vector<std::string> protected_databases = {"tactus", "tactus_audit"};
  // For ARNs of bare Lambda function names.
  tasks::PermissionContext arns;
};

// A role as the checks use it: parsed once per cache period.
struct RolePolicies {
  std::string name, arn, role_id;
  std::vector<NamedPolicy> policies;  // named "role/<name>/<policy>"
  NamedPolicy trust;                  // named "role/<name>/trust"
};

class ExecutionRoles final : public tasks::TaskAuthorizer {
 public:
  // `store` and `clock` must outlive this object.
  ExecutionRoles(IamStore& store, const common::Clock& clock, ExecutionRolesOptions options = {});

  // tasks::TaskAuthorizer: the checks above for `request` (its role_arn, credentials_role_arn,
  // resource and parameters).
  std::optional<tasks::TaskOutcome> Authorize(const tasks::TaskRequest& request) override;

  // The role named by `arn`: NotFound when the ARN is not a role of this IAM store's account or
  // the role does not exist; Internal when a stored policy does not parse. Cached.
  common::Result<std::shared_ptr<const RolePolicies>> Role(const std::string& arn);

 private:
  struct Entry {
    common::TimeMs read_at = 0;
    common::Status status;
    std::shared_ptr<const RolePolicies> role;
  };
  common::Result<std::shared_ptr<const RolePolicies>> ReadRole(const std::string& arn);
  RequestContext Context(const RolePolicies& role, const tasks::TaskRequest& request) const;

  IamStore& store_;
  const common::Clock& clock_;
  ExecutionRolesOptions options_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> roles_;
};

// "Role R is not authorized to perform: A on resource: X because no identity-based policy allows
// the A action" / "... with an explicit deny in statement 'S' of policy 'P'": the cause of a
// denial.
std::string DenialCause(const std::string& role_arn, const tasks::Permission& permission,
                        const Decision& decision);

}  // namespace tactus::auth
