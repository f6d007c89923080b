// The keys of an identity provider, fetched from its JWKS URL (or read from a file) and cached
// (docs/auth.md, "OIDC tokens").
//
// A token naming an unknown kid refreshes the keys (the provider rotated them), but fetches are
// attempted at most once per kJwksRefreshCooldown, successful or not: a flood of tokens with
// made-up kids cannot make Tactus hammer the provider, and a provider that is down is retried
// at that pace. Keys older than kJwksMaxAge are refreshed on the next lookup (same cooldown);
// when a refresh fails the previous keys stay in use.
//
// Thread-safe: lookups and fetches are serialized by a mutex (a fetch blocks concurrent lookups
// for its duration; the fetcher bounds that with its own timeout).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwks.h"
#include "common/clock.h"
#include "common/status.h"

namespace tactus::auth {

// At most one fetch per this interval.
inline constexpr std::chrono::seconds kJwksRefreshCooldown{60};
// Keys older than this are refreshed.
inline constexpr std::chrono::seconds kJwksMaxAge{3600};

// Returns the JWKS document at `url` (an HTTPS GET in production). IoError when it cannot.
using JwksFetcher = std::function<common::Result<std::string>(const std::string& url)>;

// A fetcher that reads the document from a file: `url` is a path, or "file://" + path.
JwksFetcher FileJwksFetcher();

class JwksCache {
 public:
  // REQUIRES: `clock` outlives the cache.
  JwksCache(std::string url, JwksFetcher fetcher, const common::Clock& clock);

  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The key named `kid` ("" for a token without kid: the only key of a one-key set), fetching
  // as described above. NotFound when no such key is known after any allowed refresh; IoError or
  // InvalidArgument (the document is malformed) when no keys could ever be loaded.
  common::Result<Jwk> Find(std::string_view kid);

  // Fetches now, ignoring the cooldown (an operator's "reload keys"). On failure the previous
  // keys stay in use.
  common::Status Refresh();

  // How many fetches were attempted (for tests and metrics).
  std::size_t fetch_count() const;

 private:
  common::Status FetchLocked(common::TimeMs now);

  const std::string url_;
  const JwksFetcher fetcher_;
  const common::Clock& clock_;
  mutable std::mutex mu_;
  std::optional<JwkSet> keys_;                 // guarded by mu_
  common::TimeMs loaded_at_ = 0;               // guarded by mu_
  std::optional<common::TimeMs> last_fetch_;   // guarded by mu_
  common::Status last_error_;                  // guarded by mu_
  std::size_t fetch_count_ = 0;                // guarded by mu_
};

}  // namespace tactus::auth
