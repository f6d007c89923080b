// VerifyJwt with keys generated at test time: each algorithm passes, every attack and every
// broken claim is refused.
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "auth/jwt_test_keys.h"

namespace tactus::auth {
namespace {

namespace json = common::json;
using testing::EcKey;
using testing::Ed25519Key;
using testing::RsaKey;
using testing::SignToken;
using testing::TestKey;

constexpr common::TimeMs kNow = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr std::int64_t kNowS = kNow / 1000;
constexpr char kIssuer[] = "https://idp.example.com/realms/tactus";
constexpr char kAudience[] = "tactus";

const JwtOptions kOptions{kIssuer, kAudience, std::chrono::seconds(60), "groups"};

json::object Claims() {
  return {{"iss", kIssuer},       {"aud", kAudience},        {"sub", "alice"},
          {"exp", kNowS + 300},   {"iat", kNowS - 10},       {"nbf", kNowS - 10},
          {"groups", json::array{"admins", "ops"}}};
}

json::object Header(const TestKey& key) {
  return {{"alg", JwsAlgorithmName(key.alg)}, {"typ", "JWT"}, {"kid", key.jwk.at("kid")}};
}

const JwkSet& Keys() {
  static const JwkSet keys = [] {
    const TestKey ps = testing::WithAlg(RsaKey(), "rsa-ps", JwsAlgorithm::kPS256, true);
    auto set = ParseJwks(testing::JwksOf({&RsaKey(), &EcKey(), &Ed25519Key(), &ps}));
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return std::move(set).value();
  }();
  return keys;
}

common::Result<VerifiedJwt> Verify(std::string_view token, const JwtOptions& options = kOptions,
                                   common::TimeMs now = kNow) {
  return VerifyJwt(token, options, ResolverFor(Keys()), now);
}

std::string Token(const TestKey& key, const json::object& claims = Claims()) {
  return SignToken(key, Header(key), claims);
}

void ExpectRejected(const common::Result<VerifiedJwt>& r, std::string_view fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

TEST(Jwt, EachAlgorithmVerifies) {
  const TestKey ps = testing::WithAlg(RsaKey(), "rsa-ps", JwsAlgorithm::kPS256, true);
  for (const TestKey* key : {&RsaKey(), &EcKey(), &Ed25519Key(), &ps}) {
    SCOPED_TRACE(JwsAlgorithmName(key->alg));
    auto r = Verify(Token(*key));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->subject, "alice");
    EXPECT_EQ(r->issuer, kIssuer);
    EXPECT_EQ(r->alg, key->alg);
    EXPECT_EQ(r->kid, std::string(key->jwk.at("kid").as_string()));
    EXPECT_EQ(r->groups, (std::vector<std::string>{"admins", "ops"}));
    EXPECT_EQ(r->expires_at, (kNowS + 300) * 1000);
    EXPECT_EQ(r->issued_at, (kNowS - 10) * 1000);
    EXPECT_EQ(r->claims.at("sub"), "alice");
  }
}

TEST(Jwt, AlgNoneIsRefused) {
  const std::string header = Base64UrlEncode(R"({"alg":"none","kid":"rsa-1"})");
  const std::string claims = Base64UrlEncode(json::serialize(Claims()));
  ExpectRejected(Verify(header + "." + claims + "."), "alg 'none' is not accepted");
  ExpectRejected(Verify(header + "." + claims + ".AAAA"), "alg 'none' is not accepted");
  const std::string none_upper = Base64UrlEncode(R"({"alg":"NONE"})");
  ExpectRejected(Verify(none_upper + "." + claims + "."), "not accepted");
}

TEST(Jwt, HmacWithThePublicKeyAsSecretIsRefused) {
  // The classic confusion: sign HS256 with the RSA public key's PEM, hoping the verifier feeds
  // its RSA key to HMAC.
  const std::string input = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT","kid":"rsa-1"})") +
                            "." + Base64UrlEncode(json::serialize(Claims()));
  const std::string mac = testing::HmacSha256(testing::PublicKeyPem(RsaKey()), input);
  ExpectRejected(Verify(input + "." + Base64UrlEncode(mac)), "symmetric algorithms");
}

TEST(Jwt, AlgMustEqualTheKeysPin) {
  // RSA key pinned to RS256 (inferred); token signed by that key with RS384 or PS256.
  for (JwsAlgorithm alg : {JwsAlgorithm::kRS384, JwsAlgorithm::kPS256, JwsAlgorithm::kRS512}) {
    const TestKey other = testing::WithAlg(RsaKey(), "rsa-1", alg, false);
    ExpectRejected(Verify(Token(other)), "does not match the RS256 its key is pinned to");
  }
  // The PS256-pinned key refuses RS256 even though it is the same RSA key.
  const TestKey rs_on_ps = testing::WithAlg(RsaKey(), "rsa-ps", JwsAlgorithm::kRS256, false);
  ExpectRejected(Verify(Token(rs_on_ps)), "pinned to");
  // An ES256 header naming the RSA key.
  json::object header = Header(EcKey());
  header["kid"] = "rsa-1";
  ExpectRejected(Verify(SignToken(EcKey(), header, Claims())), "pinned to");
}

TEST(Jwt, Expiry) {
  json::object claims = Claims();
  claims["exp"] = kNowS - 61;
  ExpectRejected(Verify(Token(RsaKey(), claims)), "expired");
  claims["exp"] = kNowS - 59;  // within the 60 s leeway
  EXPECT_TRUE(Verify(Token(RsaKey(), claims)).ok());
  claims.erase("exp");
  ExpectRejected(Verify(Token(RsaKey(), claims)), "no 'exp'");
  claims["exp"] = "tomorrow";
  ExpectRejected(Verify(Token(RsaKey(), claims)), "'exp' is not a number");
  claims["exp"] = 1e300;
  ExpectRejected(Verify(Token(RsaKey(), claims)), "between 1970 and 9999");
}

TEST(Jwt, NotBeforeAndIssuedAtInTheFuture) {
  json::object claims = Claims();
  claims["nbf"] = kNowS + 61;
  ExpectRejected(Verify(Token(EcKey(), claims)), "not valid yet");
  claims["nbf"] = kNowS + 59;
  EXPECT_TRUE(Verify(Token(EcKey(), claims)).ok());
  claims = Claims();
  claims["iat"] = kNowS + 120;
  ExpectRejected(Verify(Token(EcKey(), claims)), "issued in the future");
}

TEST(Jwt, AudienceAndIssuer) {
  json::object claims = Claims();
  claims["aud"] = "someone-else";
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "does not include the audience");
  claims["aud"] = json::array{"a", kAudience};
  EXPECT_TRUE(Verify(Token(Ed25519Key(), claims)).ok());
  claims["aud"] = json::array{"a", "b"};
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "does not include");
  claims["aud"] = json::array{};
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "'aud' must hold");
  claims.erase("aud");
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "no 'aud'");
  claims = Claims();
  claims["iss"] = std::string(kIssuer) + "/";
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "'iss' is not the issuer");
}

TEST(Jwt, TamperedPayloadOrSignature) {
  const std::string token = Token(RsaKey());
  const std::size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  json::object admin = Claims();
  admin["sub"] = "root";
  const std::string forged = token.substr(0, dot1 + 1) +
                             Base64UrlEncode(json::serialize(admin)) + token.substr(dot2);
  ExpectRejected(Verify(forged), "signature does not verify");
  for (const TestKey* key : {&RsaKey(), &EcKey(), &Ed25519Key()}) {
    std::string t = Token(*key);
    const std::size_t sig = t.rfind('.') + 1;
    t[sig + 5] = t[sig + 5] == 'A' ? 'B' : 'A';
    ExpectRejected(Verify(t), "signature does not verify");
    ExpectRejected(Verify(t.substr(0, t.size() - 4)), "");
  }
}

TEST(Jwt, StrictEncoding) {
  const std::string token = Token(EcKey());
  const std::size_t dot1 = token.find('.');
  ExpectRejected(Verify(token.substr(0, dot1) + "=" + token.substr(dot1)), "header");
  ExpectRejected(Verify("*" + token), "invalid character");
  ExpectRejected(Verify(token + ".x"), "three parts");
  ExpectRejected(Verify("abc"), "three parts");
  ExpectRejected(Verify(Base64UrlEncode("[1]") + ".e30.AAAA"), "not a JSON object");
  ExpectRejected(Verify(Base64UrlEncode(R"({"alg":"ES256","kid":"ec-1","crit":["b64"]})") +
                        ".e30.AAAA"),
                 "crit");
}

TEST(Jwt, OversizedToken) {
  json::object claims = Claims();
  claims["pad"] = std::string(kMaxTokenBytes, 'x');
  ExpectRejected(Verify(Token(Ed25519Key(), claims)), "longer than 16384 bytes");
}

TEST(Jwt, GroupsAreExactOrDenied) {
  json::object claims = Claims();
  claims["groups"] = "admins";
  ExpectRejected(Verify(Token(EcKey(), claims)), "not an array of strings");
  claims["groups"] = json::array{"admins", 7};
  ExpectRejected(Verify(Token(EcKey(), claims)), "non-string");
  claims["groups"] = json::array{"admins", ""};
  ExpectRejected(Verify(Token(EcKey(), claims)), "empty or longer");
  claims["groups"] = json::array{std::string(kMaxGroupBytes + 1, 'g')};
  ExpectRejected(Verify(Token(EcKey(), claims)), "empty or longer");
  json::array many;
  for (std::size_t i = 0; i <= kMaxGroups; ++i) many.push_back(json::string("g"));
  claims["groups"] = many;
  ExpectRejected(Verify(Token(EcKey(), claims)), "more than 256 groups");
  many.pop_back();
  claims["groups"] = many;
  EXPECT_TRUE(Verify(Token(EcKey(), claims)).ok());
  // Entra ID's overage: the groups were left out ("truncated") and a pointer given instead.
  claims.erase("groups");
  claims["_claim_names"] = json::object{{"groups", "src1"}};
  ExpectRejected(Verify(Token(EcKey(), claims)), "left 'groups' out of the token");
  claims.erase("_claim_names");
  auto none = Verify(Token(EcKey(), claims));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->groups.empty());
}

TEST(Jwt, ConfigurableGroupsClaim) {
  json::object claims = Claims();
  claims["roles"] = json::array{"reader"};
  JwtOptions options = kOptions;
  options.groups_claim = "roles";
  auto r = Verify(Token(RsaKey(), claims), options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->groups, std::vector<std::string>{"reader"});
}

TEST(Jwt, MisconfiguredVerifier) {
  JwtOptions options = kOptions;
  options.leeway = kMaxLeeway + std::chrono::seconds(1);
  ExpectRejected(Verify(Token(RsaKey()), options), "misconfigured");
  options = kOptions;
  options.audience.clear();
  ExpectRejected(Verify(Token(RsaKey()), options), "misconfigured");
}

TEST(Jwt, UnknownKidAndMissingKid) {
  json::object header = Header(RsaKey());
  header["kid"] = "rotated-away";
  ExpectRejected(Verify(SignToken(RsaKey(), header, Claims())), "no key with kid");
  header.erase("kid");
  ExpectRejected(Verify(SignToken(RsaKey(), header, Claims())), "no key with kid ''");
}

TEST(Jwt, ResolverErrorsOtherThanNotFoundPassThrough) {
  const JwkResolver down = [](std::string_view) -> common::Result<Jwk> {
    return common::Status::IoError("idp down");
  };
  auto r = VerifyJwt(Token(RsaKey()), kOptions, down, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), common::StatusCode::kIoError);
}

}  // namespace
}  // namespace tactus::auth
