// JSON Web Key Sets (RFC 7517): the public keys an OIDC identity provider signs tokens with
// (docs/auth.md, "OIDC tokens").
//
// Supported keys: RSA (n, e; 2048 to 8192 bits), EC P-256 and P-384 (x, y), OKP Ed25519 (x).
// Each key is pinned to ONE algorithm: its `alg` member, or when absent RSA -> RS256,
// P-256 -> ES256, P-384 -> ES384, Ed25519 -> EdDSA. Symmetric keys ("oct") and the algorithms
// "none" and HS* never verify anything.
//
// Thread-safe: Jwk and JwkSet are immutable once built; copies share the key.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace tactus::auth {

// The largest JWKS document accepted (real ones are a few KiB).
inline constexpr std::size_t kMaxJwksBytes = 256 * 1024;
// The most keys a JWKS document may hold.
inline constexpr std::size_t kMaxJwksKeys = 64;
// RSA modulus sizes accepted, in bits: smaller keys are breakable, larger ones make every
// verification slow.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;
// The longest `kid` accepted.
inline constexpr std::size_t kMaxKidBytes = 256;

enum class JwsAlgorithm { kRS256, kRS384, kRS512, kPS256, kPS384, kPS512, kES256, kES384, kEdDSA };

// "RS256", ..., "EdDSA".
std::string_view JwsAlgorithmName(JwsAlgorithm alg);
// The algorithm a JWS header or a JWK names; nullopt for any other name (including "none",
// "HS256" and lower-case spellings).
std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);

// A public key pinned to one algorithm.
class Jwk {
 public:
  // Builds a key from one JWK object. InvalidArgument when the key is not usable for signature
  // verification, saying why: unsupported kty/crv/alg, use other than "sig", alg incompatible
  // with the key type, members missing or not strict base64url, wrong coordinate sizes, a point
  // not on the curve, an RSA modulus outside [kMinRsaBits, kMaxRsaBits].
  static common::Result<Jwk> FromJson(const common::json::object& jwk);

  const std::string& kid() const { return kid_; }  // "" when the JWK has none
  JwsAlgorithm alg() const { return alg_; }

  // True when `signature` (as carried by a JWS: raw r||s for ECDSA) is this key's signature of
  // `signing_input` with its pinned algorithm.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  Jwk(std::string kid, JwsAlgorithm alg, std::shared_ptr<evp_pkey_st> key)
      : kid_(std::move(kid)), alg_(alg), key_(std::move(key)) {}

  std::string kid_;
  JwsAlgorithm alg_;
  std::shared_ptr<evp_pkey_st> key_;
};

struct JwkSet {
  std::vector<Jwk> keys;
  // "<kid>: <reason>" for each JWK left out because Jwk::FromJson refused it (for the log).
  std::vector<std::string> skipped;

  // The key with this kid; with an empty kid, the only key of a one-key set. nullptr otherwise.
  const Jwk* Find(std::string_view kid) const;
};

// Parses a JWKS document {"keys": [...]}. Keys that cannot be used are skipped (see `skipped`),
// so an identity provider publishing an encryption key beside its signing keys still works.
// InvalidArgument when the text is larger than kMaxJwksBytes, not JSON, has no "keys" array, has
// more than kMaxJwksKeys keys, or two keys share a kid.
common::Result<JwkSet> ParseJwks(std::string_view text);

}  // namespace tactus::auth
