#include "auth/sessions.h"

#include <utility>

#include "auth/iam_store.h"
#include "auth/sigv4_canonical.h"
#include "auth/stored_credentials.h"

namespace tactus::auth {

namespace {

using common::Status;
using mongo::BsonPtr;

constexpr const char* kSessions = "iam_sessions";

// 64 characters of 6 random bits each: 48 random bytes.
constexpr std::size_t kTokenChars = 64;

Status Db(const mongo::DbStatus& st) { return Status::IoError(st.message()); }

}  // namespace

bool IsSessionKeyId(std::string_view access_key_id) { return access_key_id.starts_with("ASIA"); }

std::string AssumedRoleArn(std::string_view account, std::string_view role,
                           std::string_view session_name) {
  return "arn:aws:sts::" + std::string(account) + ":assumed-role/" + std::string(role) + "/" +
         std::string(session_name);
}

std::string SessionTokenHash(std::string_view token) { return sigv4::Sha256Hex(token); }

SessionStore::SessionStore(mongo::Pool& pool, std::string database, std::string account,
                           MasterKey key, const common::Clock& clock)
    : pool_(pool),
      database_(std::move(database)),
      account_(std::move(account)),
      key_(std::move(key)),
      clock_(clock) {}

Status SessionStore::EnsureSchema() {
  // A TTL index: the store deletes sessions kExpiredSessionRetentionMs after they expire.
  BsonPtr cmd(BCON_NEW("createIndexes", BCON_UTF8(kSessions), "indexes", "[", "{", "key", "{",
                       "expires", BCON_INT32(1), "}", "name", BCON_UTF8("expires_ttl"),
                       "expireAfterSeconds", BCON_INT64(kExpiredSessionRetentionMs / 1000), "}",
                       "]"));
  mongo::Client client = pool_.Acquire();
  auto st = client.Command(database_, cmd.get());
  return st.ok() ? Status::Ok() : Db(st);
}

common::Result<NewSession> SessionStore::Create(const SessionSpec& spec) {
  const common::TimeMs now = clock_.Now();
  NewSession s;
  s.access_key_id = "ASIA" + RandomString(16, kIdAlphabet);
  s.secret_access_key = RandomString(40, kSecretAlphabet);
  s.session_token = RandomString(kTokenChars, kSecretAlphabet);
  s.arn = AssumedRoleArn(account_, spec.role, spec.session_name);
  s.expires = now + spec.duration_seconds * 1000;
  SealedSecret sealed = key_.Seal(s.secret_access_key, s.access_key_id);
  const std::string token_hash = SessionTokenHash(s.session_token);
  BsonPtr doc(BCON_NEW(
      "_id", BCON_UTF8(s.access_key_id.c_str()), "tokenSha256", BCON_UTF8(token_hash.c_str()),
      "role", BCON_UTF8(spec.role.c_str()), "roleArn", BCON_UTF8(spec.role_arn.c_str()), "roleId",
      BCON_UTF8(spec.role_id.c_str()), "sessionName", BCON_UTF8(spec.session_name.c_str()), "arn",
      BCON_UTF8(s.arn.c_str()), "sessionPolicy", BCON_UTF8(spec.session_policy.c_str()), "source",
      BCON_UTF8(spec.source.c_str()), "sourceIdentity", BCON_UTF8(spec.source_identity.c_str()),
      "created", BCON_DATE_TIME(now), "expires", BCON_DATE_TIME(s.expires), "secret", "{", "v",
      BCON_INT32(1), "alg", BCON_UTF8("AES-256-GCM"), "kid", BCON_UTF8(sealed.kid.c_str()), "iv",
      BCON_UTF8(sealed.iv.c_str()), "ct", BCON_UTF8(sealed.ct.c_str()), "}"));
  mongo::Client client = pool_.Acquire();
  mongoc_collection_t* coll = client.Collection(database_, kSessions);
  // The sweep for stores that do not run TTL indexes.
  BsonPtr stale(
      BCON_NEW("expires", "{", "$lt", BCON_DATE_TIME(now - kExpiredSessionRetentionMs), "}"));
  if (auto st = mongo::DeleteMany(coll, stale.get(), nullptr); !st.ok()) return Db(st);
  if (auto st = mongo::InsertOne(coll, doc.get(), nullptr); !st.ok()) return Db(st);
  return s;
}

common::Result<SessionStore::Entry> SessionStore::Read(std::string_view id) {
  Entry e;
  mongo::Client client = pool_.Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(std::string(id).c_str())));
  auto doc =
      mongo::FindOne(client.Collection(database_, kSessions), filter.get(), nullptr, nullptr);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) {
    e.status = Status::NotFound("unknown session");
    return e;
  }
  const bson_t* d = doc->value().get();
  auto secret = key_.Open(SealedSecretOf(d), id);
  if (!secret.ok()) {
    return Status::Internal("the secret of session " + std::string(id) +
                            " cannot be decrypted: " + secret.status().message());
  }
  SessionInfo& s = e.info;
  s.access_key_id = std::string(id);
  s.secret_access_key = std::move(*secret);
  s.token_sha256 = mongo::GetString(d, "tokenSha256");
  s.role = mongo::GetString(d, "role");
  s.role_arn = mongo::GetString(d, "roleArn");
  s.role_id = mongo::GetString(d, "roleId");
  s.session_name = mongo::GetString(d, "sessionName");
  s.arn = mongo::GetString(d, "arn");
  s.session_policy = mongo::GetString(d, "sessionPolicy");
  s.expires = mongo::GetDateMs(d, "expires");
  return e;
}

common::Result<SessionInfo> SessionStore::Lookup(std::string_view access_key_id) {
  const common::TimeMs now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(access_key_id);
    if (it != cache_.end() && now - it->second.read_at < kIamCacheMs) {
      if (!it->second.status.ok()) return it->second.status;
      return it->second.info;
    }
  }
  auto e = Read(access_key_id);
  if (!e.ok()) return e.status();  // not cached: the next request retries
  e->read_at = now;
  std::lock_guard lock(mu_);
  if (cache_.size() > 10000) cache_.clear();  // bounds memory under a flood of made-up ids
  cache_[std::string(access_key_id)] = *e;
  if (!e->status.ok()) return e->status;
  return e->info;
}

void SessionStore::ClearCache() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

}  // namespace tactus::auth
