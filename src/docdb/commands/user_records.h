// The stored shape of users and roles (storage's users and roles tables; docs/docdb.md, "Users
// and authentication"), and loading them inside a transaction.
//
// A user record: {_id: "<db>.<user>", userId: UUID, user, db, credentials: {"SCRAM-SHA-256":
// {iterationCount, salt, storedKey, serverKey}, "SCRAM-SHA-1": {...}}, roles: [{role, db}],
// customData?}. Keys and salts are base64, as MongoDB's admin.system.users. No password is
// ever stored, and usersInfo never returns credentials.
// A role record: {_id: "<db>.<role>", role, db, privileges: [...], roles: [{role, db}]}.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "docdb/auth/privileges.h"
#include "docdb/auth/scram.h"
#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

struct UserRecord {
  std::string user, db;
  std::string user_id;  // 16 random bytes (a version 4 UUID)
  std::vector<auth::RoleName> roles;
  std::map<auth::Mechanism, auth::ScramCredentials> credentials;
  BsonPtr custom_data;  // nullptr when none

  BsonPtr ToBson() const;
  static DbResult<UserRecord> FromBson(const bson_t* record);
  // usersInfo's entry: {_id, userId, user, db, roles, mechanisms, customData?}; no credentials.
  void AppendInfo(bson_t* parent, const char* key) const;
};

struct RoleRecord {
  std::string role, db;
  auth::PrivilegeSet privileges;
  std::vector<auth::RoleName> roles;

  BsonPtr ToBson() const;
  static DbResult<RoleRecord> FromBson(const bson_t* record);
};

DbResult<std::optional<UserRecord>> LoadUser(storage::Txn& txn, const std::string& db,
                                             const std::string& user);
DbResult<std::optional<RoleRecord>> LoadRole(storage::Txn& txn, const std::string& db,
                                             const std::string& role);
// Custom roles as stored in `txn` (valid while `txn` is).
auth::RoleLookup RoleLookupIn(storage::Txn& txn);

// A new user's credentials for each mechanism. BadValue naming `mechanisms` for an unknown or
// empty list; SaslPrep's errors for a password it refuses.
DbResult<std::map<auth::Mechanism, auth::ScramCredentials>> MakeCredentials(
    const std::string& user, const std::string& password,
    const std::vector<auth::Mechanism>& mechanisms);

}  // namespace tactus::docdb::commands
