// The identities of `tactus serve` (docs/auth.md, "Identities"): the master key, the IAM store,
// and the admin's credentials written on the first start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/iam_store.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::cli {

// The file the first start writes the admin's access key to, in `data`.
inline constexpr const char* kAdminCredentialsFile = "admin-credentials";
inline constexpr const char* kMasterKeyFile = "master.key";

// The AWS shared-credentials text of a key: "[default]\naws_access_key_id = ...\n...".
std::string SharedCredentialsText(const auth::NewAccessKey& key, const std::string& region);

// Opens the IAM store of `database` with the master key from $TACTUS_MASTER_KEY or
// `data`/master.key (created when missing), and on the first start (no user "admin") creates the
// admin and writes `data`/admin-credentials (mode 0600). Appends what the operator should read
// to *notes (the credentials' path, never the secret). Fails when the key cannot be loaded or
// the database cannot be written.
common::Result<std::unique_ptr<auth::IamStore>> OpenIdentities(
    mongo::Pool& pool, const std::string& data, const std::string& database,
    const std::string& region, const std::string& account, const common::Clock& clock,
    std::vector<std::string>* notes);

}  // namespace tactus::cli
