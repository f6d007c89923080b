// STS-style sessions: short-lived credentials for an assumed role (docs/auth.md, "STS").
//
// A session is an access key id ("ASIA" + 16 characters), a secret access key (40 characters)
// and a session token (48 random bytes, base64: 64 characters), valid until its expiry. The
// collection iam_sessions holds one document per session: the secret sealed with the MasterKey
// (AES-256-GCM, the key id as AAD, as access keys), the SHA-256 of the token (never the token),
// the role, the session's ARN and name, the optional session policy and the expiry.
//
// Expired sessions stay readable for kExpiredSessionRetentionMs, so a late caller is told its
// token expired (ExpiredToken) rather than that it is unknown; then they are deleted by a TTL
// index on `expires` and, on stores without one, by the sweep each Create does.
//
// Errors: InvalidArgument (bad input), NotFound (no such session), IoError (the database).
// Thread-safe: any method from any thread. Lookup answers from a cache for at most kIamCacheMs.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/master_key.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::auth {

// How long an expired session is kept (to answer ExpiredToken) before it is deleted.
inline constexpr common::TimeMs kExpiredSessionRetentionMs = 24 * 3600 * 1000;
// Session durations (seconds): AWS's DurationSeconds bounds and default.
inline constexpr std::int64_t kMinDurationSeconds = 900;
inline constexpr std::int64_t kMaxDurationSeconds = 43200;
inline constexpr std::int64_t kDefaultDurationSeconds = 3600;

// What a session is created for.
struct SessionSpec {
  std::string role;             // the role's name
  std::string role_arn;         // arn:aws:iam::<account>:role/<role>
  std::string role_id;          // AROA...
  std::string session_name;     // RoleSessionName (2 to 64 of [\w+=,.@-])
  std::string session_policy;   // JSON text of the session policy, or "" for none
  std::string source;           // "AssumeRole", "AssumeRoleWithWebIdentity"
  std::string source_identity;  // who asked: the caller's ARN or the token's iss + sub
  std::int64_t duration_seconds = kDefaultDurationSeconds;
};

// A new session: the only time its secret and token are seen.
struct NewSession {
  std::string access_key_id, secret_access_key, session_token;
  std::string arn;  // arn:aws:sts::<account>:assumed-role/<role>/<session name>
  common::TimeMs expires = 0;
};

// A stored session, as the authorizer checks it.
struct SessionInfo {
  std::string access_key_id;
  std::string secret_access_key;
  std::string token_sha256;  // hex SHA-256 of the session token
  std::string role, role_arn, role_id, session_name, arn;
  std::string session_policy;
  common::TimeMs expires = 0;
};

// True for access key ids of sessions ("ASIA...").
bool IsSessionKeyId(std::string_view access_key_id);
// arn:aws:sts::<account>:assumed-role/<role>/<session>.
std::string AssumedRoleArn(std::string_view account, std::string_view role,
                           std::string_view session_name);
// hex SHA-256 of `token`.
std::string SessionTokenHash(std::string_view token);

class SessionStore {
 public:
  // Everything passed in must outlive the store.
  SessionStore(mongo::Pool& pool, std::string database, std::string account, MasterKey key,
               const common::Clock& clock);

  // Creates the TTL index on `expires`. Idempotent.
  common::Status EnsureSchema();

  // Stores a new session valid from now for spec.duration_seconds. Deletes sessions expired for
  // longer than kExpiredSessionRetentionMs on the way. REQUIRES: spec already validated.
  common::Result<NewSession> Create(const SessionSpec& spec);

  // The session of an access key id, expired or not (the caller compares `expires` with its
  // clock). NotFound when unknown. Cached for at most kIamCacheMs.
  common::Result<SessionInfo> Lookup(std::string_view access_key_id);

  void ClearCache();

 private:
  struct Entry {
    common::TimeMs read_at = 0;
    common::Status status;  // OK or NotFound
    SessionInfo info;
  };
  common::Result<Entry> Read(std::string_view id);

  mongo::Pool& pool_;
  std::string database_, account_;
  MasterKey key_;
  const common::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> cache_;  // guarded by mu_
};

}  // namespace tactus::auth
