#include "docdb/auth/scram.h"

#include <gtest/gtest.h>

namespace tactus::docdb::auth {
namespace {

// RFC 7677, section 3: user "user", password "pencil", i=4096.
constexpr const char* kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr const char* kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramServer::Lookup LookupFor(const std::string& name, const ScramCredentials& creds) {
  return [name, creds](const std::string& user) -> DbResult<std::optional<ScramCredentials>> {
    if (user != name) return std::optional<ScramCredentials>();
    return std::optional<ScramCredentials>(creds);
  };
}

ScramCredentials PencilCredentials() {
  return DeriveCredentials(Mechanism::kScramSha256, "pencil", *Base64Decode(kSalt), 4096);
}

TEST(Scram, Rfc7677TestVector) {
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  auto first = server.Start(kClientFirst, LookupFor("user", PencilCredentials()));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first.value(), kServerFirst);
  auto last = server.Finish(kClientFinal);
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last.value(), kServerFinal);
  EXPECT_TRUE(server.authenticated());
  EXPECT_EQ(server.user(), "user");
}

TEST(Scram, WrongProofFailsAuthentication) {
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  auto creds = DeriveCredentials(Mechanism::kScramSha256, "pencil2", *Base64Decode(kSalt), 4096);
  ASSERT_TRUE(server.Start(kClientFirst, LookupFor("user", creds)).ok());
  auto last = server.Finish(kClientFinal);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, kAuthenticationFailed);
  EXPECT_FALSE(server.authenticated());
}

TEST(Scram, UnknownUserFailsAuthentication) {
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  auto first = server.Start("n,,n=nobody,r=abc", LookupFor("user", PencilCredentials()));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, kAuthenticationFailed);
}

TEST(Scram, MalformedMessagesAreProtocolErrors) {
  for (const char* bad : {"", "n,,", "x,,n=user,r=a", "p=tls-unique,,n=user,r=a", "n,,r=a,n=user",
                          "n,,n=us=er,r=abc", "n,,n=user,r=a,m=ext"}) {
    ScramServer server(Mechanism::kScramSha256, kServerNonce);
    auto first = server.Start(bad, LookupFor("user", PencilCredentials()));
    ASSERT_FALSE(first.ok()) << bad;
    EXPECT_EQ(first.error().code, kProtocolError) << bad;
  }
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  ASSERT_TRUE(server.Start(kClientFirst, LookupFor("user", PencilCredentials())).ok());
  // The nonce must be the combined one.
  auto last =
      server.Finish("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, kProtocolError);
  // The conversation is over after a failure.
  EXPECT_FALSE(server.Finish(kClientFinal).ok());
}

TEST(Scram, FinishBeforeStartIsAProtocolError) {
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  auto last = server.Finish(kClientFinal);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, kProtocolError);
}

TEST(Scram, EscapedUserNames) {
  ScramServer server(Mechanism::kScramSha256, kServerNonce);
  auto first = server.Start("n,,n=a=2Cb=3Dc,r=xyz", LookupFor("a,b=c", PencilCredentials()));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(server.user(), "a,b=c");
}

TEST(Scram, NewCredentialsUseMongoDbDefaults) {
  auto creds = NewCredentials(Mechanism::kScramSha256, "u", "secret");
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds.value().iterations, kScramSha256Iterations);
  EXPECT_EQ(creds.value().iterations, 15000);
  EXPECT_EQ(creds.value().salt.size(), kScramSha256SaltBytes);
  EXPECT_EQ(creds.value().stored_key.size(), 32u);
  auto again = NewCredentials(Mechanism::kScramSha256, "u", "secret");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(creds.value().salt, again.value().salt);  // fresh salt each time
  auto sha1 = NewCredentials(Mechanism::kScramSha1, "u", "secret");
  ASSERT_TRUE(sha1.ok());
  EXPECT_EQ(sha1.value().iterations, kScramSha1Iterations);
  EXPECT_EQ(sha1.value().stored_key.size(), 20u);
}

TEST(Scram, Sha1UsesMongoDbPasswordDigest) {
  // hex(MD5("user:mongo:pencil")), the SCRAM-SHA-1 password MongoDB's drivers hash.
  auto digest = MechanismPassword(Mechanism::kScramSha1, "user", "pencil");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(digest.value(), "1c33006ec1ffd90f9cadcbcc0e118200");
}

TEST(SaslPrep, AsciiPassesUnchanged) {
  auto p = SaslPrep("Pencil 1!~");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value(), "Pencil 1!~");
}

TEST(SaslPrep, Rfc4013Examples) {
  // RFC 4013, section 3: SOFT HYPHEN maps to nothing; U+00AA and U+2168 are NFKC-normalized.
  EXPECT_EQ(SaslPrep("I\xC2\xADX").value(), "IX");
  EXPECT_EQ(SaslPrep("\xC2\xAA").value(), "a");
  EXPECT_EQ(SaslPrep("\xE2\x85\xA8").value(), "IX");
  // A non-ASCII space maps to a space.
  EXPECT_EQ(SaslPrep("a\xC2\xA0"
                     "b")
                .value(),
            "a b");
}

TEST(SaslPrep, ProhibitedCharactersAreRejected) {
  auto control = SaslPrep(
      "a\x07"
      "b");
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().code, kBadValue);
  EXPECT_NE(control.error().message.find("pwd"), std::string::npos);
  // U+0627 (Arabic) followed by U+0031: violates the bidi rule.
  EXPECT_FALSE(SaslPrep("\xD8\xA7"
                        "1")
                   .ok());
  EXPECT_FALSE(SaslPrep("\xFF\xFE").ok());  // not UTF-8
  EXPECT_FALSE(SaslPrep(std::string(kMaxPasswordBytes + 1, 'a')).ok());
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff", 2)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("ab!=").has_value());
}

}  // namespace
}  // namespace tactus::docdb::auth
