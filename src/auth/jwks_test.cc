// JWKS parsing, key pinning, the cache's fetch discipline, and strict base64url.
#include "auth/jwks.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "auth/base64url.h"
#include "auth/jwks_cache.h"
#include "auth/jwt.h"
#include "auth/jwt_test_keys.h"

namespace tactus::auth {
namespace {

namespace json = common::json;
using testing::EcKey;
using testing::Ed25519Key;
using testing::RsaKey;
using testing::TestKey;

std::string Jwks(std::vector<json::object> keys) {
  json::array list;
  for (auto& k : keys) list.push_back(std::move(k));
  return json::serialize(json::object{{"keys", list}});
}

TEST(Base64Url, RoundTripAndStrictness) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    auto back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm9v+A").ok());  // base64, not base64url
  EXPECT_FALSE(Base64UrlDecode("Zm9 v").ok());
  EXPECT_FALSE(Base64UrlDecode("Z").ok());       // length 1 mod 4
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());      // non-zero trailing bits ("Zg" is canonical)
  EXPECT_TRUE(Base64UrlDecode("Zg").ok());
}

TEST(Jwks, KeysOfEachTypeWithInferredAlgorithms) {
  auto set = ParseJwks(testing::JwksOf({&RsaKey(), &EcKey(), &Ed25519Key()}));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->keys.size(), 3u);
  EXPECT_EQ(set->Find("rsa-1")->alg(), JwsAlgorithm::kRS256);
  EXPECT_EQ(set->Find("ec-1")->alg(), JwsAlgorithm::kES256);
  EXPECT_EQ(set->Find("ed-1")->alg(), JwsAlgorithm::kEdDSA);
  EXPECT_EQ(set->Find("nope"), nullptr);
  EXPECT_EQ(set->Find(""), nullptr);  // several keys: a token must name one
}

TEST(Jwks, UnusableKeysAreSkippedWithAReason) {
  json::object enc = RsaKey().jwk;
  enc["kid"] = "enc";
  enc["use"] = "enc";
  json::object bad_alg = RsaKey().jwk;
  bad_alg["kid"] = "bad-alg";
  bad_alg["alg"] = "ES256";
  json::object hs = EcKey().jwk;
  hs["kid"] = "hs";
  hs["alg"] = "HS256";
  json::object off_curve = EcKey().jwk;
  off_curve["kid"] = "off";
  off_curve["y"] = Base64UrlEncode(std::string(32, '\x01'));
  json::object short_x = EcKey().jwk;
  short_x["kid"] = "short";
  short_x["x"] = Base64UrlEncode(std::string(31, '\x01'));
  json::object small_rsa = {{"kty", "RSA"},
                            {"kid", "small"},
                            {"n", Base64UrlEncode("\xc1" + std::string(127, '\x01'))},
                            {"e", "AQAB"}};
  json::object padded = Ed25519Key().jwk;
  padded["kid"] = "padded";
  padded["x"] = std::string(padded["x"].as_string()) + "=";
  const json::object oct = {{"kty", "oct"}, {"kid", "oct"}, {"k", "c2VjcmV0"}};
  const json::object x25519 = {{"kty", "OKP"}, {"kid", "x"}, {"crv", "X25519"}, {"x", "AA"}};
  auto set = ParseJwks(Jwks({RsaKey().jwk, enc, bad_alg, hs, off_curve, short_x, small_rsa,
                             padded, oct, x25519}));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->Find(""), &set->keys[0]);  // one key: a token without kid uses it
  const std::vector<std::string> expected = {
      "enc: the key is not for signatures",         "bad-alg: 'alg' does not fit an RSA key",
      "hs: unsupported 'alg' \"HS256\"",            "off: the EC public key is invalid",
      "short: the P-256 coordinates must be 32 bytes", "small: the RSA modulus has 1024 bits",
      "padded: the JWK's 'x': base64url",           "oct: unsupported 'kty' 'oct'",
      "x: unsupported curve 'X25519'"};
  ASSERT_EQ(set->skipped.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(set->skipped[i].rfind(expected[i], 0), 0u) << set->skipped[i];
  }
}

TEST(Jwks, DocumentErrors) {
  EXPECT_FALSE(ParseJwks("not json").ok());
  EXPECT_FALSE(ParseJwks("{}").ok());
  EXPECT_FALSE(ParseJwks(R"({"keys":{}})").ok());
  EXPECT_FALSE(ParseJwks(Jwks({RsaKey().jwk, RsaKey().jwk})).ok());  // duplicate kid
  std::vector<json::object> many(kMaxJwksKeys + 1, json::object{{"kty", "oct"}});
  EXPECT_FALSE(ParseJwks(Jwks(many)).ok());
  EXPECT_FALSE(ParseJwks(std::string(kMaxJwksBytes + 1, ' ')).ok());
}

// A fetcher that counts calls and serves whatever document it holds.
struct CountingFetcher {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::shared_ptr<common::Result<std::string>> document =
      std::make_shared<common::Result<std::string>>(std::string());
  JwksFetcher fetcher() const {
    return [calls = calls, document = document](const std::string&) {
      ++*calls;
      return *document;
    };
  }
};

constexpr common::TimeMs kCooldownMs = kJwksRefreshCooldown.count() * 1000;

TEST(JwksCache, UnknownKidFloodFetchesAtMostOncePerCooldown) {
  common::VirtualClock clock(1'000'000);
  CountingFetcher f;
  *f.document = testing::JwksOf({&RsaKey()});
  JwksCache cache("https://idp/jwks", f.fetcher(), clock);
  ASSERT_TRUE(cache.Find("rsa-1").ok());
  EXPECT_EQ(*f.calls, 1);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(cache.Find("made-up-" + std::to_string(i)).status().code(),
              common::StatusCode::kNotFound);
  }
  EXPECT_EQ(*f.calls, 1);  // the initial load is the only fetch within the cooldown
  clock.AdvanceTo(clock.Now() + kCooldownMs - 1);
  (void)cache.Find("still-made-up");
  EXPECT_EQ(*f.calls, 1);
  clock.AdvanceTo(clock.Now() + 1);
  for (int i = 0; i < 1000; ++i) (void)cache.Find("made-up-again-" + std::to_string(i));
  EXPECT_EQ(*f.calls, 2);
  EXPECT_EQ(cache.fetch_count(), 2u);
  EXPECT_TRUE(cache.Find("rsa-1").ok());  // known keys never fetch
  EXPECT_EQ(*f.calls, 2);
}

TEST(JwksCache, RotatedKeyIsFoundAfterTheCooldown) {
  common::VirtualClock clock(0);
  CountingFetcher f;
  *f.document = testing::JwksOf({&RsaKey()});
  JwksCache cache("u", f.fetcher(), clock);
  ASSERT_TRUE(cache.Find("rsa-1").ok());
  *f.document = testing::JwksOf({&RsaKey(), &EcKey()});
  EXPECT_FALSE(cache.Find("ec-1").ok());  // within the cooldown
  clock.AdvanceTo(kCooldownMs);
  EXPECT_TRUE(cache.Find("ec-1").ok());
  EXPECT_EQ(*f.calls, 2);
}

TEST(JwksCache, FailedFetchesAreRetriedAtTheCooldownPace) {
  common::VirtualClock clock(0);
  CountingFetcher f;
  *f.document = common::Status::IoError("connection refused");
  JwksCache cache("u", f.fetcher(), clock);
  EXPECT_EQ(cache.Find("rsa-1").status().code(), common::StatusCode::kIoError);
  EXPECT_EQ(cache.Find("rsa-1").status().code(), common::StatusCode::kIoError);
  EXPECT_EQ(*f.calls, 1);
  *f.document = std::string("{");
  clock.AdvanceTo(kCooldownMs);
  EXPECT_EQ(cache.Find("rsa-1").status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(*f.calls, 2);
  *f.document = testing::JwksOf({&RsaKey()});
  clock.AdvanceTo(2 * kCooldownMs);
  EXPECT_TRUE(cache.Find("rsa-1").ok());
  // The provider goes down: the cached keys stay in use past their max age.
  *f.document = common::Status::IoError("down");
  clock.AdvanceTo(2 * kCooldownMs + kJwksMaxAge.count() * 1000);
  EXPECT_TRUE(cache.Find("rsa-1").ok());
  EXPECT_EQ(*f.calls, 4);
}

TEST(JwksCache, OldKeysAreRefreshed) {
  common::VirtualClock clock(0);
  CountingFetcher f;
  *f.document = testing::JwksOf({&RsaKey()});
  JwksCache cache("u", f.fetcher(), clock);
  ASSERT_TRUE(cache.Find("rsa-1").ok());
  clock.AdvanceTo(kJwksMaxAge.count() * 1000 - 1);
  ASSERT_TRUE(cache.Find("rsa-1").ok());
  EXPECT_EQ(*f.calls, 1);
  clock.AdvanceTo(kJwksMaxAge.count() * 1000);
  ASSERT_TRUE(cache.Find("rsa-1").ok());
  EXPECT_EQ(*f.calls, 2);
  EXPECT_TRUE(cache.Refresh().ok());
  EXPECT_EQ(*f.calls, 3);
}

TEST(JwksCache, FileFetcherAndVerification) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("tactus_jwks_test_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << testing::JwksOf({&EcKey()});
  common::VirtualClock clock(1714557600000);
  JwksCache cache("file://" + path.string(), FileJwksFetcher(), clock);
  const json::object claims = {{"iss", "i"}, {"aud", "a"}, {"sub", "s"}, {"exp", 1714557700}};
  const std::string token =
      testing::SignToken(EcKey(), {{"alg", "ES256"}, {"kid", "ec-1"}}, claims);
  auto r = VerifyJwt(token, {"i", "a", std::chrono::seconds(0), "groups"}, ResolverFor(cache),
                     clock.Now());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  JwksCache missing(path.string() + ".absent", FileJwksFetcher(), clock);
  EXPECT_EQ(missing.Find("ec-1").status().code(), common::StatusCode::kIoError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tactus::auth
