#include "docdb/commands/user_records.h"

#include "docdb/commands/command.h"

namespace tactus::docdb::commands {
namespace {

std::optional<std::string> Utf8(const bson_t* doc, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  return std::string(bson_iter_utf8(&it, nullptr));
}

DbError Corrupt(const std::string& what) {
  return MakeError(kInternalError, "a stored " + what + " record is corrupt");
}

}  // namespace

BsonPtr UserRecord::ToBson() const {
  BsonPtr out = NewBson();
  std::string id = db + "." + user;
  BSON_APPEND_UTF8(out.get(), "_id", id.c_str());
  bson_append_binary(out.get(), "userId", -1, BSON_SUBTYPE_UUID,
                     reinterpret_cast<const std::uint8_t*>(user_id.data()),
                     static_cast<std::uint32_t>(user_id.size()));
  BSON_APPEND_UTF8(out.get(), "user", user.c_str());
  BSON_APPEND_UTF8(out.get(), "db", db.c_str());
  bson_t creds;
  BSON_APPEND_DOCUMENT_BEGIN(out.get(), "credentials", &creds);
  for (const auto& [mechanism, c] : credentials) {
    bson_t m;
    BSON_APPEND_DOCUMENT_BEGIN(&creds, auth::MechanismName(mechanism), &m);
    BSON_APPEND_INT32(&m, "iterationCount", c.iterations);
    BSON_APPEND_UTF8(&m, "salt", auth::Base64Encode(c.salt).c_str());
    BSON_APPEND_UTF8(&m, "storedKey", auth::Base64Encode(c.stored_key).c_str());
    BSON_APPEND_UTF8(&m, "serverKey", auth::Base64Encode(c.server_key).c_str());
    bson_append_document_end(&creds, &m);
  }
  bson_append_document_end(out.get(), &creds);
  auth::AppendRoleNames(out.get(), "roles", roles);
  if (custom_data) BSON_APPEND_DOCUMENT(out.get(), "customData", custom_data.get());
  return out;
}

DbResult<UserRecord> UserRecord::FromBson(const bson_t* record) {
  UserRecord u;
  auto user = Utf8(record, "user");
  auto db = Utf8(record, "db");
  if (!user || !db) return Corrupt("user");
  u.user = *user;
  u.db = *db;
  bson_iter_t it;
  if (bson_iter_init_find(&it, record, "userId") && BSON_ITER_HOLDS_BINARY(&it)) {
    bson_subtype_t subtype;
    std::uint32_t len;
    const std::uint8_t* data;
    bson_iter_binary(&it, &subtype, &len, &data);
    u.user_id.assign(reinterpret_cast<const char*>(data), len);
  }
  bson_t roles, creds, custom;
  if (!GetArray(record, "roles", &roles)) return Corrupt("user");
  auto parsed = auth::ParseRoleNames(&roles, u.db, "roles");
  if (!parsed.ok()) return Corrupt("user");
  u.roles = std::move(parsed).value();
  if (GetDocument(record, "credentials", &creds)) {
    bson_iter_init(&it, &creds);
    while (bson_iter_next(&it)) {
      auto mechanism = auth::ParseMechanism(bson_iter_key(&it));
      bson_t m;
      const std::uint8_t* data;
      std::uint32_t len;
      if (!mechanism || !BSON_ITER_HOLDS_DOCUMENT(&it)) continue;
      bson_iter_document(&it, &len, &data);
      bson_init_static(&m, data, len);
      auth::ScramCredentials c;
      c.mechanism = *mechanism;
      c.iterations = static_cast<int>(GetInt64(&m, "iterationCount", 0));
      auto salt = Utf8(&m, "salt");
      auto stored = Utf8(&m, "storedKey");
      auto server = Utf8(&m, "serverKey");
      if (!salt || !stored || !server) return Corrupt("user");
      auto salt_bytes = auth::Base64Decode(*salt);
      auto stored_bytes = auth::Base64Decode(*stored);
      auto server_bytes = auth::Base64Decode(*server);
      if (!salt_bytes || !stored_bytes || !server_bytes || c.iterations < auth::kMinIterations ||
          c.iterations > auth::kMaxIterations) {
        return Corrupt("user");
      }
      c.salt = std::move(*salt_bytes);
      c.stored_key = std::move(*stored_bytes);
      c.server_key = std::move(*server_bytes);
      u.credentials[*mechanism] = std::move(c);
    }
  }
  if (GetDocument(record, "customData", &custom)) u.custom_data = CopyBson(&custom);
  return u;
}

void UserRecord::AppendInfo(bson_t* parent, const char* key) const {
  bson_t doc;
  BSON_APPEND_DOCUMENT_BEGIN(parent, key, &doc);
  std::string id = db + "." + user;
  BSON_APPEND_UTF8(&doc, "_id", id.c_str());
  bson_append_binary(&doc, "userId", -1, BSON_SUBTYPE_UUID,
                     reinterpret_cast<const std::uint8_t*>(user_id.data()),
                     static_cast<std::uint32_t>(user_id.size()));
  BSON_APPEND_UTF8(&doc, "user", user.c_str());
  BSON_APPEND_UTF8(&doc, "db", db.c_str());
  auth::AppendRoleNames(&doc, "roles", roles);
  bson_t mechanisms;
  BSON_APPEND_ARRAY_BEGIN(&doc, "mechanisms", &mechanisms);
  int i = 0;
  for (const auto& [mechanism, c] : credentials) {
    std::string key = std::to_string(i++);  // the macro evaluates its key twice
    BSON_APPEND_UTF8(&mechanisms, key.c_str(), auth::MechanismName(mechanism));
  }
  bson_append_array_end(&doc, &mechanisms);
  if (custom_data) BSON_APPEND_DOCUMENT(&doc, "customData", custom_data.get());
  bson_append_document_end(parent, &doc);
}

BsonPtr RoleRecord::ToBson() const {
  BsonPtr out = NewBson();
  std::string id = db + "." + role;
  BSON_APPEND_UTF8(out.get(), "_id", id.c_str());
  BSON_APPEND_UTF8(out.get(), "role", role.c_str());
  BSON_APPEND_UTF8(out.get(), "db", db.c_str());
  auth::AppendPrivileges(out.get(), "privileges", privileges);
  auth::AppendRoleNames(out.get(), "roles", roles);
  return out;
}

DbResult<RoleRecord> RoleRecord::FromBson(const bson_t* record) {
  RoleRecord r;
  auto role = Utf8(record, "role");
  auto db = Utf8(record, "db");
  bson_t privileges, roles;
  if (!role || !db || !GetArray(record, "privileges", &privileges) ||
      !GetArray(record, "roles", &roles)) {
    return Corrupt("role");
  }
  r.role = *role;
  r.db = *db;
  auto p = auth::ParsePrivileges(&privileges, "privileges");
  auto inherited = auth::ParseRoleNames(&roles, r.db, "roles");
  if (!p.ok() || !inherited.ok()) return Corrupt("role");
  r.privileges = std::move(p).value();
  r.roles = std::move(inherited).value();
  return r;
}

DbResult<std::optional<UserRecord>> LoadUser(storage::Txn& txn, const std::string& db,
                                             const std::string& user) {
  auto record = txn.FindAuthRecord(storage::AuthTable::kUsers, db, user);
  if (!record.ok()) return record.error();
  if (!record.value()) return std::optional<UserRecord>();
  auto parsed = UserRecord::FromBson(record.value().get());
  if (!parsed.ok()) return parsed.error();
  return std::optional<UserRecord>(std::move(parsed).value());
}

DbResult<std::optional<RoleRecord>> LoadRole(storage::Txn& txn, const std::string& db,
                                             const std::string& role) {
  auto record = txn.FindAuthRecord(storage::AuthTable::kRoles, db, role);
  if (!record.ok()) return record.error();
  if (!record.value()) return std::optional<RoleRecord>();
  auto parsed = RoleRecord::FromBson(record.value().get());
  if (!parsed.ok()) return parsed.error();
  return std::optional<RoleRecord>(std::move(parsed).value());
}

auth::RoleLookup RoleLookupIn(storage::Txn& txn) {
  return [&txn](const auth::RoleName& name) -> DbResult<std::optional<auth::RoleDefinition>> {
    auto role = LoadRole(txn, name.db, name.role);
    if (!role.ok()) return role.error();
    if (!role.value()) return std::optional<auth::RoleDefinition>();
    return std::optional<auth::RoleDefinition>(
        auth::RoleDefinition{role.value()->privileges, role.value()->roles});
  };
}

DbResult<std::map<auth::Mechanism, auth::ScramCredentials>> MakeCredentials(
    const std::string& user, const std::string& password,
    const std::vector<auth::Mechanism>& mechanisms) {
  if (mechanisms.empty()) return MakeError(kBadValue, "'mechanisms' field must not be empty");
  std::map<auth::Mechanism, auth::ScramCredentials> out;
  for (auth::Mechanism m : mechanisms) {
    auto c = auth::NewCredentials(m, user, password);
    if (!c.ok()) return c.error();
    out[m] = std::move(c).value();
  }
  return out;
}

}  // namespace tactus::docdb::commands
