// The checkpoint signing key (Ed25519, OpenSSL EVP) and the hashing the audit chain uses.
//
// Thread safety: an AuditKey is immutable after loading; Sign may be called from any thread.
// The free functions are pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tactus::audit {

class AuditKey {
 public:
  // Loads the raw 32-byte Ed25519 private key at `path`, or, when no file is there, draws one
  // from the system's CSPRNG and writes it (created with O_CREAT|O_EXCL, mode 0600, fsynced).
  // Fails with IoError when the file cannot be read or written, InvalidArgument when it does
  // not hold exactly 32 bytes, FailedPrecondition when its mode lets group or others read it.
  static common::Result<AuditKey> LoadOrCreate(const std::string& path);
  // From the raw 32-byte private key. InvalidArgument on any other size.
  static common::Result<AuditKey> FromPrivateKey(std::string_view raw);

  AuditKey(AuditKey&&) noexcept;
  AuditKey& operator=(AuditKey&&) noexcept;
  ~AuditKey();

  // The raw 32-byte public key as 64 lower-case hex digits.
  const std::string& public_key_hex() const { return public_hex_; }
  // The public key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block.
  std::string public_key_pem() const;
  // The first 16 hex digits of SHA-256 over the raw public key.
  const std::string& key_id() const { return key_id_; }
  // The Ed25519 signature of `message` as 128 hex digits.
  std::string Sign(std::string_view message) const;

 private:
  explicit AuditKey(EVP_PKEY* key);
  EVP_PKEY* key_ = nullptr;
  std::string public_hex_;
  std::string key_id_;
};

// SHA-256 of `data` as 64 lower-case hex digits.
using common::Sha256Hex;
// The key id of a raw public key given in hex (see AuditKey::key_id); "" when not hex.
std::string KeyIdOf(std::string_view public_key_hex);
// The raw public key (hex) of a PEM "PUBLIC KEY" block holding an Ed25519 key.
common::Result<std::string> PublicKeyHexFromPem(std::string_view pem);
// True when `signature_hex` is a valid Ed25519 signature of `message` by the key
// `public_key_hex`; false for any malformed input.
bool VerifySignature(std::string_view public_key_hex, std::string_view message,
                     std::string_view signature_hex);

}  // namespace tactus::audit
