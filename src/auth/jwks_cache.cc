#include "auth/jwks_cache.h"

#include "common/file.h"

namespace tactus::auth {
namespace {

constexpr common::TimeMs Ms(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s).count();
}

}  // namespace

JwksFetcher FileJwksFetcher() {
  return [](const std::string& url) -> common::Result<std::string> {
    constexpr std::string_view kScheme = "file://";
    const std::string path = url.rfind(kScheme, 0) == 0 ? url.substr(kScheme.size()) : url;
    return common::ReadFile(path);
  };
}

JwksCache::JwksCache(std::string url, JwksFetcher fetcher, const common::Clock& clock)
    : url_(std::move(url)), fetcher_(std::move(fetcher)), clock_(clock) {}

common::Status JwksCache::FetchLocked(common::TimeMs now) {
  last_fetch_ = now;
  ++fetch_count_;
  auto text = fetcher_(url_);
  if (!text.ok()) {
    last_error_ = common::Status::IoError("cannot fetch the JWKS from " + url_ + ": " +
                                          text.status().message());
    return last_error_;
  }
  auto set = ParseJwks(*text);
  if (!set.ok()) {
    last_error_ = common::Status::InvalidArgument("the JWKS from " + url_ + ": " +
                                                  set.status().message());
    return last_error_;
  }
  keys_ = std::move(set).value();
  loaded_at_ = now;
  last_error_ = common::Status::Ok();
  return common::Status::Ok();
}

common::Result<Jwk> JwksCache::Find(std::string_view kid) {
  std::lock_guard lock(mu_);
  const common::TimeMs now = clock_.Now();
  const bool may_fetch = !last_fetch_ || now - *last_fetch_ >= Ms(kJwksRefreshCooldown);
  const bool stale = !keys_ || now - loaded_at_ >= Ms(kJwksMaxAge);
  if (stale && may_fetch) {
    (void)FetchLocked(now);  // on failure the previous keys (if any) stay in use
  }
  if (!keys_) return last_error_;
  if (const Jwk* key = keys_->Find(kid)) return *key;
  if (!last_fetch_ || now - *last_fetch_ >= Ms(kJwksRefreshCooldown)) {
    (void)FetchLocked(now);
    if (const Jwk* key = keys_->Find(kid)) return *key;
  }
  return common::Status::NotFound(
      kid.empty() ? std::string("the token has no kid and the JWKS holds several keys")
                  : "no key with kid '" + std::string(kid.substr(0, 64)) + "' in the JWKS");
}

common::Status JwksCache::Refresh() {
  std::lock_guard lock(mu_);
  return FetchLocked(clock_.Now());
}

std::size_t JwksCache::fetch_count() const {
  std::lock_guard lock(mu_);
  return fetch_count_;
}

}  // namespace tactus::auth
