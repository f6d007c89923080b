// The master key that encrypts secrets at rest (access keys' secrets; docs/auth.md, "Secrets at
// rest"), and the AES-256-GCM sealing it does (OpenSSL EVP).
//
// Thread safety: a MasterKey is immutable after loading; Seal and Open may be called from any
// thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tactus::auth {

// The environment variable that may hold the master key (standard base64 of 32 bytes).
inline constexpr const char* kMasterKeyEnv = "TACTUS_MASTER_KEY";
inline constexpr std::size_t kMasterKeyBytes = 32;

// A sealed secret: what is stored. Hex strings.
struct SealedSecret {
  std::string kid;  // the key that sealed it (MasterKey::kid)
  std::string iv;   // 12 random bytes
  std::string ct;   // the ciphertext followed by the 16-byte GCM tag
};

class MasterKey {
 public:
  // From the raw 32 bytes. InvalidArgument on any other size.
  static common::Result<MasterKey> FromBytes(std::string_view raw);
  // From standard base64 of 32 bytes (whitespace around it ignored). InvalidArgument otherwise.
  static common::Result<MasterKey> FromBase64(std::string_view text);
  // The key of `tactus serve`: from `env_value` when it is non-null and non-empty (the value of
  // TACTUS_MASTER_KEY), else the raw 32 bytes in the file at `path`, created when missing
  // (32 bytes from the CSPRNG, O_CREAT|O_EXCL, mode 0600, fsynced). `*created` (when given)
  // tells whether the file was created. Fails with IoError when the file cannot be read or
  // written, InvalidArgument when the value or file does not hold 32 bytes, FailedPrecondition
  // when the file is readable by group or others.
  static common::Result<MasterKey> Load(const std::string& path, const char* env_value,
                                        bool* created = nullptr);

  // The first 16 hex digits of SHA-256 over the key: names the key without revealing it.
  const std::string& kid() const { return kid_; }

  // Encrypts `plaintext` with a fresh random IV; `aad` is authenticated, not encrypted (the
  // caller passes what the secret belongs to, e.g. the access key id).
  SealedSecret Seal(std::string_view plaintext, std::string_view aad) const;
  // Decrypts. FailedPrecondition when `sealed.kid` names another key; InvalidArgument when the
  // data is malformed or does not authenticate (tampered, or another `aad`).
  common::Result<std::string> Open(const SealedSecret& sealed, std::string_view aad) const;

 private:
  explicit MasterKey(std::string raw);
  std::string raw_;
  std::string kid_;
};

}  // namespace tactus::auth
