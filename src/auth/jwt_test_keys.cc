#include "auth/jwt_test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cassert>

#include "auth/base64url.h"

namespace tactus::auth::testing {
namespace {

namespace json = common::json;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  assert(key != nullptr);
  return {key, EVP_PKEY_free};
}

std::string BnBytes(EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  const int got = EVP_PKEY_get_bn_param(key, name, &bn);
  assert(got == 1);
  (void)got;
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  BN_free(bn);
  return out;
}

const EVP_MD* Md(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kPS384:
    case JwsAlgorithm::kES384:
      return EVP_sha384();
    case JwsAlgorithm::kRS512:
    case JwsAlgorithm::kPS512:
      return EVP_sha512();
    case JwsAlgorithm::kEdDSA:
      return nullptr;
    default:
      return EVP_sha256();
  }
}

}  // namespace

const TestKey& RsaKey() {
  static const TestKey key = [] {
    TestKey k{Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))), {},
              JwsAlgorithm::kRS256};
    k.jwk = {{"kty", "RSA"},
             {"kid", "rsa-1"},
             {"use", "sig"},
             {"n", Base64UrlEncode(BnBytes(k.private_key.get(), OSSL_PKEY_PARAM_RSA_N))},
             {"e", Base64UrlEncode(BnBytes(k.private_key.get(), OSSL_PKEY_PARAM_RSA_E))}};
    return k;
  }();
  return key;
}

const TestKey& EcKey() {
  static const TestKey key = [] {
    TestKey k{Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")), {}, JwsAlgorithm::kES256};
    k.jwk = {{"kty", "EC"},
             {"kid", "ec-1"},
             {"crv", "P-256"},
             {"x", Base64UrlEncode(BnBytes(k.private_key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
             {"y", Base64UrlEncode(BnBytes(k.private_key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
    return k;
  }();
  return key;
}

const TestKey& Ed25519Key() {
  static const TestKey key = [] {
    TestKey k{Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")), {}, JwsAlgorithm::kEdDSA};
    std::string raw(32, '\0');
    size_t size = raw.size();
    EVP_PKEY_get_raw_public_key(k.private_key.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                &size);
    k.jwk = {{"kty", "OKP"}, {"kid", "ed-1"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(raw)}};
    return k;
  }();
  return key;
}

TestKey WithAlg(const TestKey& key, std::string kid, JwsAlgorithm alg, bool set_jwk_alg) {
  TestKey copy = key;
  copy.jwk["kid"] = kid;
  if (set_jwk_alg) copy.jwk["alg"] = JwsAlgorithmName(alg);
  copy.alg = alg;
  return copy;
}

std::string JwksOf(const std::vector<const TestKey*>& keys) {
  json::array list;
  for (const TestKey* k : keys) list.push_back(k->jwk);
  return json::serialize(json::object{{"keys", list}});
}

std::string SignBytes(const TestKey& key, JwsAlgorithm alg, std::string_view signing_input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, Md(alg), nullptr, key.private_key.get());
  if (alg == JwsAlgorithm::kPS256 || alg == JwsAlgorithm::kPS384 || alg == JwsAlgorithm::kPS512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t size = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  EVP_DigestSign(ctx, nullptr, &size, input, signing_input.size());
  std::string sig(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size, input,
                 signing_input.size());
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  if (alg != JwsAlgorithm::kES256 && alg != JwsAlgorithm::kES384) return sig;
  const int half = alg == JwsAlgorithm::kES256 ? 32 : 48;
  const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size()));
  std::string raw(static_cast<std::size_t>(2 * half), '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), half);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + half,
               half);
  ECDSA_SIG_free(ecdsa);
  return raw;
}

std::string SignToken(const TestKey& key, const json::object& header, const json::object& claims) {
  const std::string input =
      Base64UrlEncode(json::serialize(header)) + "." + Base64UrlEncode(json::serialize(claims));
  return input + "." + Base64UrlEncode(SignBytes(key, key.alg, input));
}

std::string PublicKeyPem(const TestKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.private_key.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

}  // namespace tactus::auth::testing
