// The identities of `tactus serve` (docs/auth.md, "Identities"): the master key, the IAM store,
// and the admin's credentials written on the first start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/iam_store.h"
#include "auth/jwks_cache.h"
#include "auth/oidc.h"
#include "auth/sessions.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::cli {

// The file the first start writes the admin's access key to, in `data`.
inline constexpr const char* kAdminCredentialsFile = "admin-credentials";
inline constexpr const char* kMasterKeyFile = "master.key";

// The AWS shared-credentials text of a key: "[default]\naws_access_key_id = ...\n...".
std::string SharedCredentialsText(const auth::NewAccessKey& key, const std::string& region);

struct Identities {
  std::unique_ptr<auth::IamStore> iam;
  std::unique_ptr<auth::SessionStore> sessions;  // STS sessions, sealed under the same key
};

// Opens the IAM store and the session store of `database` with the master key from
// $TACTUS_MASTER_KEY or `data`/master.key (created when missing), and on the first start (no
// user "admin") creates the admin and writes `data`/admin-credentials (mode 0600). Appends what
// the operator should read to *notes (the credentials' path, never the secret). Fails when the
// key cannot be loaded or the database cannot be written.
common::Result<Identities> OpenIdentities(mongo::Pool& pool, const std::string& data,
                                          const std::string& database, const std::string& region,
                                          const std::string& account, const common::Clock& clock,
                                          std::vector<std::string>* notes);

// Reads `tactus serve --oidc-config FILE`. InvalidArgument naming the member at fault; IoError
// when the file cannot be read.
common::Result<auth::OidcConfig> LoadOidcConfig(const std::string& path);

// Fetches JWKS documents over HTTPS or HTTP with libcurl (tasks/http_client.h: TLS verified, no
// redirects, 10 s, at most 256 KiB); anything but a 200 is an IoError.
auth::JwksFetcher HttpJwksFetcher();

}  // namespace tactus::cli
