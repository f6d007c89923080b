#include "auth/iam_store.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "auth/policy.h"
#include "auth/stored_credentials.h"

namespace tactus::auth {

namespace {

using common::Status;
using mongo::BsonPtr;

constexpr const char* kUsers = "iam_users";
constexpr const char* kGroups = "iam_groups";
constexpr const char* kRoles = "iam_roles";
constexpr const char* kAccessKeys = "iam_access_keys";

std::vector<std::string> StringArray(const bson_t* doc, const char* field) {
  std::vector<std::string> out;
  bson_iter_t it, child;
  if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_ARRAY(&it) &&
      bson_iter_recurse(&it, &child)) {
    while (bson_iter_next(&child)) {
      if (BSON_ITER_HOLDS_UTF8(&child)) out.emplace_back(bson_iter_utf8(&child, nullptr));
    }
  }
  return out;
}

std::vector<InlinePolicy> PolicyArray(const bson_t* doc) {
  std::vector<InlinePolicy> out;
  bson_iter_t it, child;
  if (bson_iter_init_find(&it, doc, "policies") && BSON_ITER_HOLDS_ARRAY(&it) &&
      bson_iter_recurse(&it, &child)) {
    while (bson_iter_next(&child)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&child)) continue;
      const uint8_t* data = nullptr;
      uint32_t len = 0;
      bson_iter_document(&child, &len, &data);
      bson_t sub;
      if (!bson_init_static(&sub, data, len)) continue;
      out.push_back({mongo::GetString(&sub, "name"), mongo::GetString(&sub, "document")});
    }
  }
  return out;
}

void AppendStrings(bson_t* parent, const char* field, const std::vector<std::string>& values) {
  bson_t array;
  bson_append_array_begin(parent, field, -1, &array);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string key = std::to_string(i);
    bson_append_utf8(&array, key.c_str(), -1, values[i].c_str(), -1);
  }
  bson_append_array_end(parent, &array);
}

void AppendPolicies(bson_t* parent, const std::vector<InlinePolicy>& policies) {
  bson_t array;
  bson_append_array_begin(parent, "policies", -1, &array);
  for (std::size_t i = 0; i < policies.size(); ++i) {
    std::string key = std::to_string(i);
    bson_t item;
    bson_append_document_begin(&array, key.c_str(), -1, &item);
    BSON_APPEND_UTF8(&item, "name", policies[i].name.c_str());
    BSON_APPEND_UTF8(&item, "document", policies[i].document.c_str());
    bson_append_document_end(&array, &item);
  }
  bson_append_array_end(parent, &array);
}

BsonPtr IdFilter(const std::string& id) { return BsonPtr(BCON_NEW("_id", BCON_UTF8(id.c_str()))); }

Status Db(const mongo::DbStatus& st) { return Status::IoError(st.message()); }

IamUser UserFrom(const bson_t* d) {
  IamUser u;
  u.name = mongo::GetString(d, "_id");
  u.arn = mongo::GetString(d, "arn");
  u.user_id = mongo::GetString(d, "userId");
  u.groups = StringArray(d, "groups");
  u.policies = PolicyArray(d);
  u.created = mongo::GetDateMs(d, "created");
  return u;
}

IamGroup GroupFrom(const bson_t* d) {
  IamGroup g;
  g.name = mongo::GetString(d, "_id");
  g.arn = mongo::GetString(d, "arn");
  g.policies = PolicyArray(d);
  g.created = mongo::GetDateMs(d, "created");
  return g;
}

IamRole RoleFrom(const bson_t* d) {
  IamRole r;
  r.name = mongo::GetString(d, "_id");
  r.arn = mongo::GetString(d, "arn");
  r.role_id = mongo::GetString(d, "roleId");
  r.trust_policy = mongo::GetString(d, "trustPolicy");
  r.policies = PolicyArray(d);
  r.max_session_seconds = mongo::GetInt(d, "maxSessionDuration", kDefaultSessionSeconds);
  r.description = mongo::GetString(d, "description");
  r.created = mongo::GetDateMs(d, "created");
  return r;
}

std::string_view HolderName(PolicyHolder holder) {
  switch (holder) {
    case PolicyHolder::kUser:
      return "user";
    case PolicyHolder::kGroup:
      return "group";
    case PolicyHolder::kRole:
      return "role";
  }
  return "";
}

Status NoSuch(std::string_view what, const std::string& name) {
  return Status::NotFound("The " + std::string(what) + " with name " + name + " cannot be found.");
}

// `from` of the document with _id `name` in `coll`; NoSuch(what, name) when there is none.
template <typename T>
common::Result<T> FindById(mongoc_collection_t* coll, std::string_view what,
                           const std::string& name, T (*from)(const bson_t*)) {
  auto doc = mongo::FindOne(coll, IdFilter(name).get(), nullptr, nullptr);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return NoSuch(what, name);
  return from(doc->value().get());
}

// `from` of every document in `coll`, by _id.
template <typename T>
common::Result<std::vector<T>> ListById(mongoc_collection_t* coll, T (*from)(const bson_t*)) {
  std::vector<T> out;
  BsonPtr filter(bson_new());
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
  auto st = mongo::Find(coll, filter.get(), opts.get(), nullptr, [&](const bson_t* d) {
    out.push_back(from(d));
    return true;
  });
  if (!st.ok()) return Db(st);
  return out;
}

// Replaces the inline policies of the document with _id `name` in `coll`.
Status SetPolicies(mongoc_collection_t* coll, const std::string& name,
                   const std::vector<InlinePolicy>& policies) {
  BsonPtr update(bson_new());
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
  AppendPolicies(&set, policies);
  bson_append_document_end(update.get(), &set);
  auto st = mongo::UpdateOne(coll, IdFilter(name).get(), update.get(), nullptr);
  return st.ok() ? Status::Ok() : Db(st);
}

// Parses `policies` into `info`, each named `prefix` + its name. A stored policy that no longer
// parses (stored by a newer version, or edited by hand) can only have allowed or denied; skipping
// a Deny would widen access, so it fails the lookup instead.
Status AddParsedPolicies(PrincipalInfo& info, const std::string& prefix,
                         const std::vector<InlinePolicy>& policies) {
  for (const auto& p : policies) {
    auto parsed = ParsePolicy(p.document, PolicyKind::kIdentity);
    if (!parsed.ok()) {
      return Status::Internal("stored policy " + prefix + p.name +
                              " does not parse: " + parsed.status().message());
    }
    info.policies.push_back({prefix + p.name, std::move(*parsed)});
  }
  return Status::Ok();
}

}  // namespace

Status ValidateIamName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > kMaxIamNameLength) {
    return Status::InvalidArgument(std::string(what) + " must have 1 to " +
                                   std::to_string(kMaxIamNameLength) + " characters");
  }
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    if (!ok) {
      return Status::InvalidArgument(std::string(what) + " '" + std::string(name) +
                                     "' may contain only letters, digits and +=,.@_-");
    }
  }
  return Status::Ok();
}

IamStore::IamStore(mongo::Pool& pool, std::string database, std::string account, MasterKey key,
                   const common::Clock& clock)
    : pool_(pool),
      database_(std::move(database)),
      account_(std::move(account)),
      key_(std::move(key)),
      clock_(clock) {}

Status IamStore::EnsureSchema() {
  mongo::Client client = pool_.Acquire();
  BsonPtr keys(BCON_NEW("user", BCON_INT32(1)));
  auto st =
      mongo::CreateIndex(client.Collection(database_, kAccessKeys), keys.get(), "user_1", false);
  if (!st.ok()) return Db(st);
  BsonPtr groups(BCON_NEW("groups", BCON_INT32(1)));
  st = mongo::CreateIndex(client.Collection(database_, kUsers), groups.get(), "groups_1", false);
  return st.ok() ? Status::Ok() : Db(st);
}

std::string IamStore::UserArn(std::string_view name) const {
  return "arn:aws:iam::" + account_ + ":user/" + std::string(name);
}
std::string IamStore::GroupArn(std::string_view name) const {
  return "arn:aws:iam::" + account_ + ":group/" + std::string(name);
}
std::string IamStore::RoleArn(std::string_view name) const {
  return "arn:aws:iam::" + account_ + ":role/" + std::string(name);
}

const char* IamStore::CollectionOf(PolicyHolder holder) const {
  switch (holder) {
    case PolicyHolder::kUser:
      return kUsers;
    case PolicyHolder::kGroup:
      return kGroups;
    case PolicyHolder::kRole:
      return kRoles;
  }
  return kUsers;
}

void IamStore::ClearCache() {
  std::lock_guard lock(mu_);
  keys_.clear();
  policies_.clear();
}

// ---- Users ----

common::Result<IamUser> IamStore::CreateUser(const std::string& name) {
  if (auto st = ValidateIamName(name, "user name"); !st.ok()) return st;
  IamUser u;
  u.name = name;
  u.arn = UserArn(name);
  u.user_id = "AIDA" + RandomString(17, kIdAlphabet);
  u.created = clock_.Now();
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(name.c_str()), "arn", BCON_UTF8(u.arn.c_str()), "userId",
                       BCON_UTF8(u.user_id.c_str()), "created", BCON_DATE_TIME(u.created)));
  AppendStrings(doc.get(), "groups", {});
  AppendPolicies(doc.get(), {});
  mongo::Client client = pool_.Acquire();
  auto st = mongo::InsertOne(client.Collection(database_, kUsers), doc.get(), nullptr);
  if (st.duplicate_key()) {
    return Status::AlreadyExists("User with name " + name + " already exists.");
  }
  if (!st.ok()) return Db(st);
  ClearCache();
  return u;
}

common::Result<IamUser> IamStore::GetUser(const std::string& name) {
  mongo::Client client = pool_.Acquire();
  return FindById(client.Collection(database_, kUsers), "user", name, UserFrom);
}

common::Result<std::vector<IamUser>> IamStore::ListUsers() {
  mongo::Client client = pool_.Acquire();
  return ListById(client.Collection(database_, kUsers), UserFrom);
}

Status IamStore::DeleteUser(const std::string& name) {
  mongo::Client client = pool_.Acquire();
  BsonPtr by_user(BCON_NEW("user", BCON_UTF8(name.c_str())));
  std::int64_t keys = 0;
  if (auto st =
          mongo::CountDocuments(client.Collection(database_, kAccessKeys), by_user.get(), &keys);
      !st.ok()) {
    return Db(st);
  }
  if (keys > 0) {
    return Status::FailedPrecondition("Cannot delete entity, must delete access keys first.");
  }
  std::int64_t deleted = 0;
  auto st = mongo::DeleteOne(client.Collection(database_, kUsers), IdFilter(name).get(), nullptr,
                             &deleted);
  if (!st.ok()) return Db(st);
  if (deleted == 0) return NoSuch("user", name);
  ClearCache();
  return Status::Ok();
}

// ---- Access keys ----

common::Result<NewAccessKey> IamStore::CreateAccessKey(const std::string& user) {
  auto u = GetUser(user);
  if (!u.ok()) return u.status();
  auto existing = ListAccessKeys(user);
  if (!existing.ok()) return existing.status();
  if (existing->size() >= kMaxAccessKeysPerUser) {
    return Status::ResourceExhausted("Cannot exceed quota for AccessKeysPerUser: " +
                                     std::to_string(kMaxAccessKeysPerUser));
  }
  NewAccessKey key;
  key.id = "AKIA" + RandomString(16, kIdAlphabet);
  key.secret = RandomString(40, kSecretAlphabet);
  key.user = user;
  SealedSecret sealed = key_.Seal(key.secret, key.id);
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(key.id.c_str()), "user", BCON_UTF8(user.c_str()), "status",
                       BCON_UTF8("Active"), "created", BCON_DATE_TIME(clock_.Now()), "secret", "{",
                       "v", BCON_INT32(1), "alg", BCON_UTF8("AES-256-GCM"), "kid",
                       BCON_UTF8(sealed.kid.c_str()), "iv", BCON_UTF8(sealed.iv.c_str()), "ct",
                       BCON_UTF8(sealed.ct.c_str()), "}"));
  mongo::Client client = pool_.Acquire();
  auto st = mongo::InsertOne(client.Collection(database_, kAccessKeys), doc.get(), nullptr);
  if (!st.ok()) return Db(st);
  ClearCache();
  return key;
}

common::Result<std::vector<AccessKeyInfo>> IamStore::ListAccessKeys(const std::string& user) {
  std::vector<AccessKeyInfo> out;
  BsonPtr filter(BCON_NEW("user", BCON_UTF8(user.c_str())));
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{", "secret",
                        BCON_INT32(0), "}"));
  mongo::Client client = pool_.Acquire();
  auto st =
      mongo::Find(client.Collection(database_, kAccessKeys), filter.get(), opts.get(), nullptr,
                  [&](const bson_t* d) {
                    out.push_back({mongo::GetString(d, "_id"), mongo::GetString(d, "user"),
                                   mongo::GetString(d, "status"), mongo::GetDateMs(d, "created")});
                    return true;
                  });
  if (!st.ok()) return Db(st);
  return out;
}

Status IamStore::DeleteAccessKey(const std::string& user, const std::string& id) {
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str()), "user", BCON_UTF8(user.c_str())));
  mongo::Client client = pool_.Acquire();
  std::int64_t deleted = 0;
  auto st =
      mongo::DeleteOne(client.Collection(database_, kAccessKeys), filter.get(), nullptr, &deleted);
  if (!st.ok()) return Db(st);
  if (deleted == 0) {
    return Status::NotFound("The Access Key with id " + id + " cannot be found.");
  }
  ClearCache();
  return Status::Ok();
}

Status IamStore::SetAccessKeyStatus(const std::string& user, const std::string& id, bool active) {
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str()), "user", BCON_UTF8(user.c_str())));
  BsonPtr update(BCON_NEW("$set", "{", "status", BCON_UTF8(active ? "Active" : "Inactive"), "}"));
  mongo::Client client = pool_.Acquire();
  std::int64_t matched = 0;
  auto st = mongo::UpdateOne(client.Collection(database_, kAccessKeys), filter.get(), update.get(),
                             nullptr, &matched);
  if (!st.ok()) return Db(st);
  if (matched == 0) {
    return Status::NotFound("The Access Key with id " + id + " cannot be found.");
  }
  ClearCache();
  return Status::Ok();
}

// ---- Inline policies ----

Status IamStore::PutPolicy(PolicyHolder holder, const std::string& name,
                           const std::string& policy_name, const std::string& document) {
  if (auto st = ValidateIamName(policy_name, "policy name"); !st.ok()) return st;
  auto parsed = ParsePolicy(document, PolicyKind::kIdentity);
  if (!parsed.ok()) return parsed.status();
  mongo::Client client = pool_.Acquire();
  mongoc_collection_t* coll = client.Collection(database_, CollectionOf(holder));
  auto found = FindById(coll, HolderName(holder), name, PolicyArray);
  if (!found.ok()) return found.status();
  std::vector<InlinePolicy>& policies = *found;
  auto it = std::find_if(policies.begin(), policies.end(),
                         [&](const InlinePolicy& p) { return p.name == policy_name; });
  if (it != policies.end()) {
    it->document = document;
  } else {
    if (policies.size() >= kMaxInlinePolicies) {
      return Status::ResourceExhausted("Cannot exceed quota for inline policies per " +
                                       std::string(HolderName(holder)) + ": " +
                                       std::to_string(kMaxInlinePolicies));
    }
    policies.push_back({policy_name, document});
  }
  if (auto st = SetPolicies(coll, name, policies); !st.ok()) return st;
  ClearCache();
  return Status::Ok();
}

common::Result<std::string> IamStore::GetPolicy(PolicyHolder holder, const std::string& name,
                                                const std::string& policy_name) {
  mongo::Client client = pool_.Acquire();
  auto policies = FindById(client.Collection(database_, CollectionOf(holder)), HolderName(holder),
                           name, PolicyArray);
  if (!policies.ok()) return policies.status();
  for (auto& p : *policies) {
    if (p.name == policy_name) return p.document;
  }
  return Status::NotFound("The " + std::string(HolderName(holder)) + " policy with name " +
                          policy_name + " cannot be found.");
}

Status IamStore::DeletePolicy(PolicyHolder holder, const std::string& name,
                              const std::string& policy_name) {
  mongo::Client client = pool_.Acquire();
  mongoc_collection_t* coll = client.Collection(database_, CollectionOf(holder));
  auto found = FindById(coll, HolderName(holder), name, PolicyArray);
  if (!found.ok()) return found.status();
  std::vector<InlinePolicy>& policies = *found;
  auto it = std::find_if(policies.begin(), policies.end(),
                         [&](const InlinePolicy& p) { return p.name == policy_name; });
  if (it == policies.end()) {
    return Status::NotFound("The " + std::string(HolderName(holder)) + " policy with name " +
                            policy_name + " cannot be found.");
  }
  policies.erase(it);
  if (auto st = SetPolicies(coll, name, policies); !st.ok()) return st;
  ClearCache();
  return Status::Ok();
}

// ---- Groups ----

common::Result<IamGroup> IamStore::CreateGroup(const std::string& name) {
  if (auto st = ValidateIamName(name, "group name"); !st.ok()) return st;
  IamGroup g;
  g.name = name;
  g.arn = GroupArn(name);
  g.created = clock_.Now();
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(name.c_str()), "arn", BCON_UTF8(g.arn.c_str()), "created",
                       BCON_DATE_TIME(g.created)));
  AppendPolicies(doc.get(), {});
  mongo::Client client = pool_.Acquire();
  auto st = mongo::InsertOne(client.Collection(database_, kGroups), doc.get(), nullptr);
  if (st.duplicate_key()) {
    return Status::AlreadyExists("Group with name " + name + " already exists.");
  }
  if (!st.ok()) return Db(st);
  return g;
}

common::Result<IamGroup> IamStore::GetGroup(const std::string& name) {
  mongo::Client client = pool_.Acquire();
  return FindById(client.Collection(database_, kGroups), "group", name, GroupFrom);
}

common::Result<std::vector<IamGroup>> IamStore::ListGroups() {
  mongo::Client client = pool_.Acquire();
  return ListById(client.Collection(database_, kGroups), GroupFrom);
}

common::Result<std::vector<std::string>> IamStore::GroupMembers(const std::string& group) {
  std::vector<std::string> out;
  BsonPtr filter(BCON_NEW("groups", BCON_UTF8(group.c_str())));
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
  mongo::Client client = pool_.Acquire();
  auto st = mongo::Find(client.Collection(database_, kUsers), filter.get(), opts.get(), nullptr,
                        [&](const bson_t* d) {
                          out.push_back(mongo::GetString(d, "_id"));
                          return true;
                        });
  if (!st.ok()) return Db(st);
  return out;
}

Status IamStore::DeleteGroup(const std::string& name) {
  auto members = GroupMembers(name);
  if (!members.ok()) return members.status();
  if (!members->empty()) {
    return Status::FailedPrecondition("Cannot delete entity, must remove users from group first.");
  }
  mongo::Client client = pool_.Acquire();
  std::int64_t deleted = 0;
  auto st = mongo::DeleteOne(client.Collection(database_, kGroups), IdFilter(name).get(), nullptr,
                             &deleted);
  if (!st.ok()) return Db(st);
  if (deleted == 0) return NoSuch("group", name);
  ClearCache();
  return Status::Ok();
}

Status IamStore::AddUserToGroup(const std::string& group, const std::string& user) {
  auto g = GetGroup(group);
  if (!g.ok()) return g.status();
  auto u = GetUser(user);
  if (!u.ok()) return u.status();
  if (std::find(u->groups.begin(), u->groups.end(), group) != u->groups.end()) {
    return Status::Ok();
  }
  if (u->groups.size() >= kMaxGroupsPerUser) {
    return Status::ResourceExhausted("Cannot exceed quota for GroupsPerUser: " +
                                     std::to_string(kMaxGroupsPerUser));
  }
  BsonPtr update(BCON_NEW("$addToSet", "{", "groups", BCON_UTF8(group.c_str()), "}"));
  mongo::Client client = pool_.Acquire();
  auto st = mongo::UpdateOne(client.Collection(database_, kUsers), IdFilter(user).get(),
                             update.get(), nullptr);
  if (!st.ok()) return Db(st);
  ClearCache();
  return Status::Ok();
}

Status IamStore::RemoveUserFromGroup(const std::string& group, const std::string& user) {
  BsonPtr update(BCON_NEW("$pull", "{", "groups", BCON_UTF8(group.c_str()), "}"));
  mongo::Client client = pool_.Acquire();
  std::int64_t matched = 0;
  auto st = mongo::UpdateOne(client.Collection(database_, kUsers), IdFilter(user).get(),
                             update.get(), nullptr, &matched);
  if (!st.ok()) return Db(st);
  if (matched == 0) return NoSuch("user", user);
  ClearCache();
  return Status::Ok();
}

// ---- Roles ----

common::Result<IamRole> IamStore::CreateRole(const std::string& name,
                                             const std::string& trust_policy,
                                             std::int64_t max_session_seconds,
                                             const std::string& description) {
  if (auto st = ValidateIamName(name, "role name"); !st.ok()) return st;
  if (max_session_seconds == 0) max_session_seconds = kDefaultSessionSeconds;
  if (max_session_seconds < kMinSessionSeconds || max_session_seconds > kMaxSessionSeconds) {
    return Status::InvalidArgument("MaxSessionDuration must be from 3600 to 43200 seconds");
  }
  auto parsed = ParsePolicy(trust_policy, PolicyKind::kTrust);
  if (!parsed.ok()) return parsed.status();
  IamRole r;
  r.name = name;
  r.arn = RoleArn(name);
  r.role_id = "AROA" + RandomString(17, kIdAlphabet);
  r.trust_policy = trust_policy;
  r.max_session_seconds = max_session_seconds;
  r.description = description;
  r.created = clock_.Now();
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(name.c_str()), "arn", BCON_UTF8(r.arn.c_str()), "roleId",
                       BCON_UTF8(r.role_id.c_str()), "trustPolicy", BCON_UTF8(trust_policy.c_str()),
                       "maxSessionDuration", BCON_INT64(max_session_seconds), "description",
                       BCON_UTF8(description.c_str()), "created", BCON_DATE_TIME(r.created)));
  AppendPolicies(doc.get(), {});
  mongo::Client client = pool_.Acquire();
  auto st = mongo::InsertOne(client.Collection(database_, kRoles), doc.get(), nullptr);
  if (st.duplicate_key()) {
    return Status::AlreadyExists("Role with name " + name + " already exists.");
  }
  if (!st.ok()) return Db(st);
  ClearCache();
  return r;
}

common::Result<IamRole> IamStore::GetRole(const std::string& name) {
  mongo::Client client = pool_.Acquire();
  return FindById(client.Collection(database_, kRoles), "role", name, RoleFrom);
}

common::Result<std::vector<IamRole>> IamStore::ListRoles() {
  mongo::Client client = pool_.Acquire();
  return ListById(client.Collection(database_, kRoles), RoleFrom);
}

Status IamStore::DeleteRole(const std::string& name) {
  mongo::Client client = pool_.Acquire();
  std::int64_t deleted = 0;
  auto st = mongo::DeleteOne(client.Collection(database_, kRoles), IdFilter(name).get(), nullptr,
                             &deleted);
  if (!st.ok()) return Db(st);
  if (deleted == 0) return NoSuch("role", name);
  ClearCache();
  return Status::Ok();
}

// ---- Lookups ----

common::Result<IamStore::KeyEntry> IamStore::ReadKey(std::string_view id) {
  KeyEntry e;
  mongo::Client client = pool_.Acquire();
  auto doc = mongo::FindOne(client.Collection(database_, kAccessKeys),
                            IdFilter(std::string(id)).get(), nullptr, nullptr);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value() || mongo::GetString(doc->value().get(), "status") != "Active") {
    e.status = Status::NotFound("unknown access key");
    return e;
  }
  const bson_t* d = doc->value().get();
  e.user = mongo::GetString(d, "user");
  auto secret = key_.Open(SealedSecretOf(d), id);
  if (!secret.ok()) {
    return Status::Internal("the secret of access key " + std::string(id) +
                            " cannot be decrypted: " + secret.status().message());
  }
  auto user = mongo::FindOne(client.Collection(database_, kUsers), IdFilter(e.user).get(), nullptr,
                             nullptr);
  if (!user.ok()) return user.status();
  if (!user->has_value()) {
    e.status = Status::NotFound("the key's user is gone");
    return e;
  }
  e.secret.secret_access_key = std::move(*secret);
  e.secret.principal = mongo::GetString(user->value().get(), "arn");
  return e;
}

common::Result<IamStore::KeyEntry> IamStore::CachedKey(std::string_view id) {
  common::TimeMs now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it != keys_.end() && now - it->second.read_at < kIamCacheMs) return it->second;
  }
  auto e = ReadKey(id);
  if (!e.ok()) return e.status();  // a failed read is not cached: the next request retries
  e->read_at = now;
  std::lock_guard lock(mu_);
  keys_[std::string(id)] = *e;
  return *e;
}

common::Result<SigV4Secret> IamStore::LookupSecret(std::string_view access_key_id) {
  auto e = CachedKey(access_key_id);
  if (!e.ok()) return e.status();
  if (!e->status.ok()) return e->status;
  return e->secret;
}

common::Result<std::string> IamStore::UserOfKey(std::string_view access_key_id) {
  auto e = CachedKey(access_key_id);
  if (!e.ok()) return e.status();
  if (!e->status.ok()) return e->status;
  return e->user;
}

common::Result<std::shared_ptr<const PrincipalInfo>> IamStore::ReadPolicies(
    const std::string& user) {
  auto u = GetUser(user);
  if (!u.ok()) return u.status();
  auto info = std::make_shared<PrincipalInfo>();
  info->user = u->name;
  info->arn = u->arn;
  info->user_id = u->user_id;
  if (auto st = AddParsedPolicies(*info, "user/" + u->name + "/", u->policies); !st.ok()) {
    return st;
  }
  for (const auto& group : u->groups) {
    auto g = GetGroup(group);
    if (!g.ok()) {
      if (g.status().code() == common::StatusCode::kNotFound) continue;
      return g.status();
    }
    if (auto st = AddParsedPolicies(*info, "group/" + group + "/", g->policies); !st.ok()) {
      return st;
    }
  }
  return std::shared_ptr<const PrincipalInfo>(std::move(info));
}

common::Result<std::shared_ptr<const PrincipalInfo>> IamStore::ReadRolePolicies(
    const std::string& role) {
  auto r = GetRole(role);
  if (!r.ok()) return r.status();
  auto info = std::make_shared<PrincipalInfo>();
  info->user = r->name;
  info->arn = r->arn;
  info->user_id = r->role_id;
  if (auto st = AddParsedPolicies(*info, "role/" + role + "/", r->policies); !st.ok()) return st;
  return std::shared_ptr<const PrincipalInfo>(std::move(info));
}

common::Result<std::shared_ptr<const PrincipalInfo>> IamStore::CachedPolicies(
    const std::string& key,
    const std::function<common::Result<std::shared_ptr<const PrincipalInfo>>()>& read) {
  common::TimeMs now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = policies_.find(key);
    if (it != policies_.end() && now - it->second.read_at < kIamCacheMs) {
      if (!it->second.status.ok()) return it->second.status;
      return it->second.info;
    }
  }
  auto info = read();
  PolicyEntry e;
  e.read_at = now;
  if (info.ok()) {
    e.info = *info;
  } else if (info.status().code() == common::StatusCode::kNotFound) {
    e.status = info.status();
  } else {
    return info.status();
  }
  std::lock_guard lock(mu_);
  policies_[key] = e;
  if (!e.status.ok()) return e.status;
  return e.info;
}

common::Result<std::shared_ptr<const PrincipalInfo>> IamStore::PoliciesFor(
    const std::string& user) {
  return CachedPolicies(user, [&] { return ReadPolicies(user); });
}

common::Result<std::shared_ptr<const PrincipalInfo>> IamStore::PoliciesForRole(
    const std::string& role) {
  // User names cannot contain '/': the keys do not collide.
  return CachedPolicies("role/" + role, [&] { return ReadRolePolicies(role); });
}

// ---- Bootstrap ----

common::Result<std::optional<NewAccessKey>> IamStore::BootstrapAdmin() {
  const std::string admin(kAdminUser);
  auto user = CreateUser(admin);
  if (!user.ok()) {
    if (user.status().code() == common::StatusCode::kAlreadyExists) {
      return std::optional<NewAccessKey>();
    }
    return user.status();
  }
  if (auto st = PutPolicy(PolicyHolder::kUser, admin, std::string(kAdminPolicyName),
                          std::string(kAdminPolicy));
      !st.ok()) {
    return st;
  }
  auto key = CreateAccessKey(admin);
  if (!key.ok()) return key.status();
  return std::optional<NewAccessKey>(std::move(*key));
}

}  // namespace tactus::auth
