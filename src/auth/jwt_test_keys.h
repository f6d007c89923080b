// Test keys for the JWT tests: generated with OpenSSL at test time (RSA 2048, EC P-256,
// Ed25519), published as JWKs, and used to sign tokens as an identity provider would.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "common/json.h"

struct evp_pkey_st;

namespace tactus::auth::testing {

struct TestKey {
  std::shared_ptr<evp_pkey_st> private_key;
  common::json::object jwk;  // the public JWK, with kid (and alg when given)
  JwsAlgorithm alg;          // what SignToken signs with
};

// Keys are generated once per process and shared (RSA generation is slow under sanitizers).
const TestKey& RsaKey();      // kid "rsa-1", alg inferred (RS256)
const TestKey& EcKey();       // kid "ec-1", alg inferred (ES256)
const TestKey& Ed25519Key();  // kid "ed-1", alg inferred (EdDSA)

// A copy of `key` with another kid and signing algorithm (the JWK gets "alg" when set_jwk_alg).
TestKey WithAlg(const TestKey& key, std::string kid, JwsAlgorithm alg, bool set_jwk_alg);

// {"keys":[...]} of the keys' public JWKs.
std::string JwksOf(const std::vector<const TestKey*>& keys);

// The JWS signature of `signing_input` with the key's private key and `alg` (raw r||s for EC).
std::string SignBytes(const TestKey& key, JwsAlgorithm alg, std::string_view signing_input);

// A compact JWS: base64url(header).base64url(claims).base64url(signature with key.alg).
std::string SignToken(const TestKey& key, const common::json::object& header,
                      const common::json::object& claims);

// The RSA public key in PEM (SubjectPublicKeyInfo), as an attacker would download it.
std::string PublicKeyPem(const TestKey& key);

// HMAC-SHA256 of data with key.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace tactus::auth::testing
