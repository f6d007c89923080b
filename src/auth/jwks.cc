#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <set>

#include "auth/base64url.h"

namespace tactus::auth {
namespace {

using common::Status;
namespace json = common::json;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

common::Result<std::string> StringMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Status::InvalidArgument("the JWK has no '" + std::string(name) + "'");
  if (!v->is_string()) {
    return Status::InvalidArgument("the JWK's '" + std::string(name) + "' is not a string");
  }
  return std::string(v->as_string());
}

common::Result<std::string> Base64Member(const json::object& o, std::string_view name) {
  auto text = StringMember(o, name);
  if (!text.ok()) return text.status();
  auto bytes = Base64UrlDecode(*text);
  if (!bytes.ok()) {
    return Status::InvalidArgument("the JWK's '" + std::string(name) +
                                   "': " + bytes.status().message());
  }
  return bytes;
}

common::Result<std::shared_ptr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status::InvalidArgument(std::string("the ") + type +
                                   " public key is invalid (OpenSSL refused it; for EC: a point "
                                   "not on the curve)");
  }
  auto owned = Own(key);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return Status::InvalidArgument(std::string("the ") + type +
                                   " public key is invalid (failed OpenSSL's public key check)");
  }
  return owned;
}

common::Result<std::shared_ptr<EVP_PKEY>> RsaKey(const json::object& o) {
  auto n = Base64Member(o, "n");
  if (!n.ok()) return n.status();
  auto e = Base64Member(o, "e");
  if (!e.ok()) return e.status();
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return Status::Internal("BN_bin2bn failed");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Status::InvalidArgument("the RSA modulus has " + std::to_string(bits) +
                                   " bits; accepted: " + std::to_string(kMinRsaBits) + " to " +
                                   std::to_string(kMaxRsaBits));
  }
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > 32) {
    return Status::InvalidArgument("the RSA exponent must be odd, above 1 and below 2^32");
  }
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Status::Internal("OSSL_PARAM_BLD failed");
  }
  return FromParams("RSA", bld.get());
}

common::Result<std::shared_ptr<EVP_PKEY>> EcKey(const json::object& o, std::string_view crv) {
  const std::size_t size = crv == "P-256" ? 32 : 48;
  auto x = Base64Member(o, "x");
  if (!x.ok()) return x.status();
  auto y = Base64Member(o, "y");
  if (!y.ok()) return y.status();
  if (x->size() != size || y->size() != size) {
    return Status::InvalidArgument("the " + std::string(crv) + " coordinates must be " +
                                   std::to_string(size) + " bytes each");
  }
  std::string point = "\x04" + *x + *y;
  BldPtr bld(OSSL_PARAM_BLD_new());
  const char* group = crv == "P-256" ? "P-256" : "P-384";
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Status::Internal("OSSL_PARAM_BLD failed");
  }
  return FromParams("EC", bld.get());
}

common::Result<std::shared_ptr<EVP_PKEY>> Ed25519Key(const json::object& o) {
  auto x = Base64Member(o, "x");
  if (!x.ok()) return x.status();
  if (x->size() != 32) return Status::InvalidArgument("the Ed25519 key must be 32 bytes");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (key == nullptr) return Status::InvalidArgument("OpenSSL refused the Ed25519 key");
  return Own(key);
}

bool IsRsaAlg(JwsAlgorithm a) {
  return a == JwsAlgorithm::kRS256 || a == JwsAlgorithm::kRS384 || a == JwsAlgorithm::kRS512 ||
         a == JwsAlgorithm::kPS256 || a == JwsAlgorithm::kPS384 || a == JwsAlgorithm::kPS512;
}

const EVP_MD* Digest(JwsAlgorithm a) {
  switch (a) {
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kPS256:
    case JwsAlgorithm::kES256:
      return EVP_sha256();
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kPS384:
    case JwsAlgorithm::kES384:
      return EVP_sha384();
    case JwsAlgorithm::kRS512:
    case JwsAlgorithm::kPS512:
      return EVP_sha512();
    case JwsAlgorithm::kEdDSA:
      return nullptr;
  }
  return nullptr;
}

// JWS ECDSA signatures are r||s, each `half` bytes; OpenSSL wants DER.
std::optional<std::string> RawToDer(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRS256: return "RS256";
    case JwsAlgorithm::kRS384: return "RS384";
    case JwsAlgorithm::kRS512: return "RS512";
    case JwsAlgorithm::kPS256: return "PS256";
    case JwsAlgorithm::kPS384: return "PS384";
    case JwsAlgorithm::kPS512: return "PS512";
    case JwsAlgorithm::kES256: return "ES256";
    case JwsAlgorithm::kES384: return "ES384";
    case JwsAlgorithm::kEdDSA: return "EdDSA";
  }
  return "?";
}

std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  for (JwsAlgorithm a : {JwsAlgorithm::kRS256, JwsAlgorithm::kRS384, JwsAlgorithm::kRS512,
                         JwsAlgorithm::kPS256, JwsAlgorithm::kPS384, JwsAlgorithm::kPS512,
                         JwsAlgorithm::kES256, JwsAlgorithm::kES384, JwsAlgorithm::kEdDSA}) {
    if (JwsAlgorithmName(a) == name) return a;
  }
  return std::nullopt;
}

common::Result<Jwk> Jwk::FromJson(const json::object& o) {
  std::string kid;
  if (const json::value* v = o.if_contains("kid")) {
    if (!v->is_string() || v->as_string().empty() || v->as_string().size() > kMaxKidBytes) {
      return Status::InvalidArgument("'kid' must be a string of 1 to " +
                                     std::to_string(kMaxKidBytes) + " bytes");
    }
    kid = std::string(v->as_string());
  }
  if (const json::value* use = o.if_contains("use"); use != nullptr && (!use->is_string() || use->as_string() != "sig")) {
    return Status::InvalidArgument("the key is not for signatures ('use' is not \"sig\")");
  }
  auto kty = StringMember(o, "kty");
  if (!kty.ok()) return kty.status();
  std::optional<JwsAlgorithm> alg;
  if (const json::value* v = o.if_contains("alg")) {
    alg = v->is_string() ? ParseJwsAlgorithm(v->as_string()) : std::nullopt;
    if (!alg) {
      return Status::InvalidArgument("unsupported 'alg' " + json::serialize(*v).substr(0, 32));
    }
  }
  common::Result<std::shared_ptr<EVP_PKEY>> key = Status::InvalidArgument("unset");
  JwsAlgorithm inferred = JwsAlgorithm::kRS256;
  if (*kty == "RSA") {
    inferred = JwsAlgorithm::kRS256;
    if (alg && !IsRsaAlg(*alg)) return Status::InvalidArgument("'alg' does not fit an RSA key");
    key = RsaKey(o);
  } else if (*kty == "EC" || *kty == "OKP") {
    auto crv = StringMember(o, "crv");
    if (!crv.ok()) return crv.status();
    if (*kty == "EC" && (*crv == "P-256" || *crv == "P-384")) {
      inferred = *crv == "P-256" ? JwsAlgorithm::kES256 : JwsAlgorithm::kES384;
      key = EcKey(o, *crv);
    } else if (*kty == "OKP" && *crv == "Ed25519") {
      inferred = JwsAlgorithm::kEdDSA;
      key = Ed25519Key(o);
    } else {
      return Status::InvalidArgument("unsupported curve '" + crv->substr(0, 32) + "'");
    }
    if (alg && *alg != inferred) {
      return Status::InvalidArgument("'alg' " + std::string(JwsAlgorithmName(*alg)) +
                                     " does not fit a " + *crv + " key");
    }
  } else {
    return Status::InvalidArgument("unsupported 'kty' '" + kty->substr(0, 32) + "'");
  }
  if (!key.ok()) return key.status();
  return Jwk(std::move(kid), alg.value_or(inferred), std::move(key).value());
}

bool Jwk::Verify(std::string_view signing_input, std::string_view signature) const {
  std::string der;
  std::string_view sig = signature;
  if (alg_ == JwsAlgorithm::kES256 || alg_ == JwsAlgorithm::kES384) {
    auto converted = RawToDer(signature, alg_ == JwsAlgorithm::kES256 ? 32 : 48);
    if (!converted) return false;
    der = std::move(*converted);
    sig = der;
  } else if (IsRsaAlg(alg_) &&
             signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()))) {
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, Digest(alg_), nullptr, key_.get()) != 1) {
    return false;
  }
  if (alg_ == JwsAlgorithm::kPS256 || alg_ == JwsAlgorithm::kPS384 ||
      alg_ == JwsAlgorithm::kPS512) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                          sig.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

const Jwk* JwkSet::Find(std::string_view kid) const {
  if (kid.empty()) return keys.size() == 1 ? &keys.front() : nullptr;
  for (const Jwk& key : keys) {
    if (key.kid() == kid) return &key;
  }
  return nullptr;
}

common::Result<JwkSet> ParseJwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) {
    return Status::InvalidArgument("the JWKS document is larger than " +
                                   std::to_string(kMaxJwksBytes) + " bytes");
  }
  auto doc = common::ParseJson(text);
  if (!doc.ok()) return Status::InvalidArgument("the JWKS document: " + doc.status().message());
  const json::value* keys = doc->is_object() ? doc->as_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) {
    return Status::InvalidArgument("the JWKS document has no \"keys\" array");
  }
  if (keys->as_array().size() > kMaxJwksKeys) {
    return Status::InvalidArgument("the JWKS document has more than " +
                                   std::to_string(kMaxJwksKeys) + " keys");
  }
  JwkSet set;
  std::set<std::string, std::less<>> kids;
  for (const json::value& item : keys->as_array()) {
    const json::value* kid = item.is_object() ? item.as_object().if_contains("kid") : nullptr;
    if (kid != nullptr && kid->is_string() && !kids.emplace(kid->as_string()).second) {
      return Status::InvalidArgument("the JWKS document has two keys with kid '" +
                                     std::string(kid->as_string()).substr(0, 64) + "'");
    }
    const std::string name = kid != nullptr && kid->is_string()
                                 ? std::string(kid->as_string()).substr(0, 64)
                                 : std::string("(no kid)");
    if (!item.is_object()) {
      set.skipped.push_back(name + ": not an object");
      continue;
    }
    auto key = Jwk::FromJson(item.as_object());
    if (!key.ok()) {
      set.skipped.push_back(name + ": " + key.status().message());
      continue;
    }
    set.keys.push_back(std::move(key).value());
  }
  return set;
}

}  // namespace tactus::auth
