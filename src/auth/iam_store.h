// IAM users, groups, roles and access keys in Tactus's database (docs/auth.md, "Identities"):
// what SigV4 verification looks secrets up in and what authorization evaluates.
//
// Collections iam_users, iam_groups, iam_roles, iam_access_keys (schema in docs/auth.md). Access
// key secrets are sealed with the MasterKey (AES-256-GCM, the key id as AAD); nothing in the
// database reveals them. Every policy is parsed (ParsePolicy) before it is stored.
//
// Errors: InvalidArgument (a bad name or policy; policy errors start with the JSON path at
// fault), NotFound (no such user, group, role, key or policy), AlreadyExists, FailedPrecondition
// (deleting a user with access keys or a group with members), ResourceExhausted (a limit), IoError
// (the database).
//
// Thread-safe: any method from any thread. LookupSecret and PoliciesFor answer from a cache for
// at most kIamCacheMs; this object's own writes clear it at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/evaluate.h"
#include "auth/master_key.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::auth {

// How long LookupSecret and PoliciesFor reuse an answer (so verification is not a read per
// request, and a deleted key stops working within this time everywhere).
inline constexpr common::TimeMs kIamCacheMs = 1000;
// Names of users, groups and roles: IAM's rule.
inline constexpr std::size_t kMaxIamNameLength = 64;
inline constexpr std::size_t kMaxInlinePolicies = 10;
inline constexpr std::size_t kMaxGroupsPerUser = 10;
inline constexpr std::size_t kMaxAccessKeysPerUser = 2;  // AWS's limit
// A role's session duration bounds (seconds): 1 to 12 hours, 1 hour by default.
inline constexpr std::int64_t kMinSessionSeconds = 3600;
inline constexpr std::int64_t kMaxSessionSeconds = 43200;
inline constexpr std::int64_t kDefaultSessionSeconds = 3600;

// The user `tactus serve` creates on its first start, and its policy.
inline constexpr std::string_view kAdminUser = "admin";
inline constexpr std::string_view kAdminPolicyName = "AdministratorAccess";
inline constexpr std::string_view kAdminPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

struct InlinePolicy {
  std::string name;
  std::string document;  // the JSON text as given
};

struct IamUser {
  std::string name, arn, user_id;
  std::vector<std::string> groups;
  std::vector<InlinePolicy> policies;
  common::TimeMs created = 0;
};

struct IamGroup {
  std::string name, arn;
  std::vector<InlinePolicy> policies;
  common::TimeMs created = 0;
};

struct IamRole {
  std::string name, arn, role_id;
  std::string trust_policy;  // JSON text, a kTrust policy
  std::vector<InlinePolicy> policies;
  std::int64_t max_session_seconds = kDefaultSessionSeconds;
  std::string description;
  common::TimeMs created = 0;
};

struct AccessKeyInfo {
  std::string id, user, status;  // status "Active" or "Inactive"
  common::TimeMs created = 0;
};

// A new access key: the only time its secret is seen.
struct NewAccessKey {
  std::string id, secret, user;
};

// What a user's requests are evaluated with.
struct PrincipalInfo {
  std::string user, arn, user_id;
  // The user's inline policies, then each group's, named "user/<user>/<policy>" and
  // "group/<group>/<policy>".
  std::vector<NamedPolicy> policies;
};

// Which principal holds inline policies.
enum class PolicyHolder { kUser, kGroup, kRole };

// IAM's name rule: 1 to kMaxIamNameLength of letters, digits and "+=,.@_-". `what` names the
// value in the message ("user name").
common::Status ValidateIamName(std::string_view name, std::string_view what);

class IamStore {
 public:
  // Everything passed in must outlive the store. `account` goes into ARNs.
  IamStore(mongo::Pool& pool, std::string database, std::string account, MasterKey key,
           const common::Clock& clock);

  // Creates the indexes. Idempotent.
  common::Status EnsureSchema();

  std::string UserArn(std::string_view name) const;
  std::string GroupArn(std::string_view name) const;
  std::string RoleArn(std::string_view name) const;

  // Users.
  common::Result<IamUser> CreateUser(const std::string& name);
  common::Result<IamUser> GetUser(const std::string& name);
  common::Result<std::vector<IamUser>> ListUsers();
  // FailedPrecondition while the user has access keys.
  common::Status DeleteUser(const std::string& name);

  // Access keys. CreateAccessKey: ResourceExhausted past kMaxAccessKeysPerUser.
  common::Result<NewAccessKey> CreateAccessKey(const std::string& user);
  common::Result<std::vector<AccessKeyInfo>> ListAccessKeys(const std::string& user);
  common::Status DeleteAccessKey(const std::string& user, const std::string& id);
  common::Status SetAccessKeyStatus(const std::string& user, const std::string& id, bool active);

  // Inline policies of a user, group or role (replaced when the name exists).
  common::Status PutPolicy(PolicyHolder holder, const std::string& name,
                           const std::string& policy_name, const std::string& document);
  common::Result<std::string> GetPolicy(PolicyHolder holder, const std::string& name,
                                        const std::string& policy_name);
  common::Status DeletePolicy(PolicyHolder holder, const std::string& name,
                              const std::string& policy_name);

  // Groups. DeleteGroup: FailedPrecondition while it has members.
  common::Result<IamGroup> CreateGroup(const std::string& name);
  common::Result<IamGroup> GetGroup(const std::string& name);
  common::Result<std::vector<IamGroup>> ListGroups();
  common::Status DeleteGroup(const std::string& name);
  common::Status AddUserToGroup(const std::string& group, const std::string& user);
  common::Status RemoveUserFromGroup(const std::string& group, const std::string& user);
  // The names of the group's members.
  common::Result<std::vector<std::string>> GroupMembers(const std::string& group);

  // Roles. `max_session_seconds` 0 means the default; otherwise within [kMinSessionSeconds,
  // kMaxSessionSeconds].
  common::Result<IamRole> CreateRole(const std::string& name, const std::string& trust_policy,
                                     std::int64_t max_session_seconds,
                                     const std::string& description);
  common::Result<IamRole> GetRole(const std::string& name);
  common::Result<std::vector<IamRole>> ListRoles();
  common::Status DeleteRole(const std::string& name);

  // SigV4's SecretLookup: the secret of an Active key and its user's ARN as the principal;
  // NotFound for an unknown or Inactive key (or one whose user is gone). Cached.
  common::Result<SigV4Secret> LookupSecret(std::string_view access_key_id);
  // The user of an access key (for the principal's policies). Cached with LookupSecret.
  common::Result<std::string> UserOfKey(std::string_view access_key_id);
  // The user's identity and policies. NotFound for an unknown user. Cached.
  common::Result<std::shared_ptr<const PrincipalInfo>> PoliciesFor(const std::string& user);
  // A role's identity and inline policies, for the sessions of that role: `user` is the role's
  // name, `arn` its ARN, `user_id` its role id, policies named "role/<role>/<policy>". NotFound
  // for an unknown role. Cached as PoliciesFor.
  common::Result<std::shared_ptr<const PrincipalInfo>> PoliciesForRole(const std::string& role);

  // The first start's bootstrap: when no user `admin` exists, creates it with kAdminPolicy and
  // an access key and returns the key; otherwise nullopt. Safe against a concurrent bootstrap by
  // another process (the loser gets nullopt).
  common::Result<std::optional<NewAccessKey>> BootstrapAdmin();

  // Drops every cached answer.
  void ClearCache();

 private:
  struct KeyEntry {
    common::TimeMs read_at = 0;
    common::Status status;  // OK, or why the lookup failed (NotFound included)
    SigV4Secret secret;
    std::string user;
  };
  struct PolicyEntry {
    common::TimeMs read_at = 0;
    common::Status status;
    std::shared_ptr<const PrincipalInfo> info;
  };
  common::Result<KeyEntry> ReadKey(std::string_view id);
  common::Result<std::shared_ptr<const PrincipalInfo>> ReadPolicies(const std::string& user);
  common::Result<std::shared_ptr<const PrincipalInfo>> ReadRolePolicies(const std::string& role);
  common::Result<std::shared_ptr<const PrincipalInfo>> CachedPolicies(
      const std::string& key,
      const std::function<common::Result<std::shared_ptr<const PrincipalInfo>>()>& read);
  common::Result<KeyEntry> CachedKey(std::string_view id);
  const char* CollectionOf(PolicyHolder holder) const;

  mongo::Pool& pool_;
  std::string database_, account_;
  MasterKey key_;
  const common::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, KeyEntry, std::less<>> keys_;
  std::map<std::string, PolicyEntry, std::less<>> policies_;
};

}  // namespace tactus::auth
