#include "auth/oidc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "auth/jwt_test_keys.h"

namespace tactus::auth {
namespace {

namespace json = common::json;

constexpr std::string_view kConfig = R"({"issuers": [{
  "issuer": "https://login.example.com/realms/x", "audience": "tactus",
  "jwks_url": "https://login.example.com/realms/x/certs",
  "role_mappings": [
    {"claim": "groups", "value": "ops", "role_arn": "arn:aws:iam::123456789012:role/operator"},
    {"claim": "email", "value": "a@example.com", "role_arn": "arn:aws:iam::123456789012:role/audit"}
  ]}]})";

TEST(OidcConfigTest, ParsesIssuersAndMappings) {
  auto config = ParseOidcConfig(kConfig);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->issuers.size(), 1u);
  const OidcIssuerConfig& i = config->issuers[0];
  EXPECT_EQ(i.audience, "tactus");
  EXPECT_EQ(i.groups_claim, "groups");
  EXPECT_EQ(i.leeway.count(), 60);
  ASSERT_EQ(i.role_mappings.size(), 2u);
  EXPECT_EQ(i.role_mappings[1].role_arn, "arn:aws:iam::123456789012:role/audit");
}

TEST(OidcConfigTest, RefusesWhatItCannotUse) {
  auto error = [](std::string_view text) {
    auto config = ParseOidcConfig(text);
    return config.ok() ? std::string("ok") : config.status().message();
  };
  EXPECT_NE(error(R"({"issuers": []})").find("issuers: must be a non-empty array"),
            std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a"}]})")
                .find("exactly one of jwks_url, jwks_file"),
            std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a", "jwks_file": "f",
                                   "jwks_url": "https://x"}]})")
                .find("exactly one"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"issuers": [{"issuer": "i", "jwks_file": "f"}]})").find("'audience' is required"),
      std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a", "jwks_file": "f",
                                   "extra": 1}]})")
                .find("unknown member 'extra'"),
            std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a", "jwks_file": "f",
                                   "role_mappings": [{"claim": "g", "value": "v",
                                                      "role_arn": "admin"}]}]})")
                .find("issuers[0].role_mappings[0].role_arn: 'admin' is not a role ARN"),
            std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a", "jwks_file": "f",
                                   "leeway_seconds": 600}]})")
                .find("leeway_seconds"),
            std::string::npos);
  EXPECT_NE(error(R"({"issuers": [{"issuer": "i", "audience": "a", "jwks_file": "f"},
                                  {"issuer": "i", "audience": "b", "jwks_file": "g"}]})")
                .find("listed twice"),
            std::string::npos);
}

TEST(OidcConfigTest, ProviderNamesAndRoleArns) {
  EXPECT_EQ(OidcProviderName("https://login.example.com/realms/x"), "login.example.com/realms/x");
  EXPECT_EQ(OidcProviderName("https://accounts.example.com/"), "accounts.example.com");
  EXPECT_EQ(OidcProviderArn("123456789012", "https://accounts.example.com"),
            "arn:aws:iam::123456789012:oidc-provider/accounts.example.com");
  EXPECT_EQ(RoleNameOfArn("arn:aws:iam::123456789012:role/ops", "123456789012"), "ops");
  EXPECT_EQ(RoleNameOfArn("arn:aws:iam::123456789012:role/team/ops", "123456789012"), "ops");
  EXPECT_EQ(RoleNameOfArn("arn:aws:iam::999999999999:role/ops", "123456789012"), std::nullopt);
  EXPECT_EQ(RoleNameOfArn("arn:aws:iam::123456789012:user/ops", "123456789012"), std::nullopt);
}

class OidcVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tactus-oidc-" + std::to_string(std::rand()) + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    jwks_ = (dir_ / "jwks.json").string();
    std::ofstream(jwks_) << testing::JwksOf({&testing::RsaKey()});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  OidcConfig TwoIssuers() {
    std::string text = R"({"issuers": [
      {"issuer": "https://a.example.com", "audience": "tactus", "jwks_file": ")" +
                       jwks_ + R"(",
       "role_mappings": [{"claim": "groups", "value": "ops",
                          "role_arn": "arn:aws:iam::123456789012:role/operator"},
                         {"claim": "email", "value": "x@example.com",
                          "role_arn": "arn:aws:iam::123456789012:role/x"}]},
      {"issuer": "https://b.example.com", "audience": "tactus", "jwks_file": ")" +
                       jwks_ + R"("}]})";
    auto config = ParseOidcConfig(text);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return std::move(*config);
  }

  std::string Token(const std::string& iss, json::object extra = {}, double lifetime = 300) {
    json::object claims{{"iss", iss},
                        {"sub", "alice"},
                        {"aud", "tactus"},
                        {"exp", static_cast<double>(clock_.Now()) / 1000 + lifetime}};
    for (auto& [k, v] : extra) claims[k] = v;
    return testing::SignToken(testing::RsaKey(), json::object{{"alg", "RS256"}, {"kid", "rsa-1"}},
                              claims);
  }

  std::filesystem::path dir_;
  std::string jwks_;
  common::VirtualClock clock_{1'700'000'000'000};
};

TEST_F(OidcVerifierTest, PicksTheIssuerByIssAndMapsClaimsToRoles) {
  OidcVerifier verifier(TwoIssuers(), nullptr, clock_);
  auto a = verifier.Verify(Token("https://a.example.com", {{"groups", json::array{"dev", "ops"}}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->issuer->issuer, "https://a.example.com");
  EXPECT_EQ(OidcVerifier::MapRole(*a), "arn:aws:iam::123456789012:role/operator");
  auto email = verifier.Verify(Token("https://a.example.com", {{"email", "x@example.com"}}));
  ASSERT_TRUE(email.ok());
  EXPECT_EQ(OidcVerifier::MapRole(*email), "arn:aws:iam::123456789012:role/x");
  auto none = verifier.Verify(Token("https://a.example.com", {{"groups", json::array{"dev"}}}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(OidcVerifier::MapRole(*none), std::nullopt);
  auto b = verifier.Verify(Token("https://b.example.com"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(OidcVerifier::MapRole(*b), std::nullopt);  // b maps nothing

  auto unknown = verifier.Verify(Token("https://evil.example.com"));
  EXPECT_EQ(unknown.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("no OpenID Connect provider"), std::string::npos);
  auto expired = verifier.Verify(Token("https://a.example.com", {}, -600));
  EXPECT_TRUE(IsExpiredTokenError(expired.status())) << expired.status().ToString();
  // A groups claim that cannot be read exactly is refused, not truncated.
  auto groups = verifier.Verify(Token("https://a.example.com", {{"groups", "ops"}}));
  EXPECT_EQ(groups.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsExpiredTokenError(groups.status()));
}

}  // namespace
}  // namespace tactus::auth
