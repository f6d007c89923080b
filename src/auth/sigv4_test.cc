// VerifySigV4's refusals, each with AWS's error kind, and SignSigV4/PresignSigV4 round trips.
#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/sigv4_parse.h"

namespace tactus::auth {
namespace {

constexpr std::string_view kAkid = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr common::TimeMs kNow = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr common::TimeMs kMinute = 60'000;
const std::string kBody = R"({"stateMachineArn":"arn:aws:states:us-east-1:123456789012:x"})";

common::Result<SigV4Secret> Lookup(std::string_view akid) {
  if (akid != kAkid) return common::Status::NotFound("unknown key");
  return SigV4Secret{std::string(kSecret), "alice"};
}

const SigV4VerifyOptions kOptions{"us-east-1", {"states"}, true};

// A StartExecution request signed at `at`, as the AWS CLI sends it.
struct Signed {
  std::string method = "POST";
  std::string target = "/";
  std::string body = kBody;
  std::vector<Header> headers;

  SigV4Request request() const { return {method, target, headers, body}; }
  void Set(std::string_view name, std::string value) {
    for (Header& h : headers) {
      if (h.first == name) h.second = std::move(value);
    }
  }
  void Remove(std::string_view name) {
    std::erase_if(headers, [&](const Header& h) { return h.first == name; });
  }
  const std::string& Get(std::string_view name) const {
    for (const Header& h : headers) {
      if (h.first == name) return h.second;
    }
    static const std::string empty;
    return empty;
  }
};

Signed Sign(common::TimeMs at = kNow, std::optional<std::string> token = std::nullopt,
            std::string service = "states") {
  Signed s;
  s.headers = {{"Host", "localhost:8080"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "AWSStepFunctions.StartExecution"}};
  auto added = SignSigV4(s.request(), {std::string(kAkid), std::string(kSecret), token},
                         {"us-east-1", service, at});
  EXPECT_TRUE(added.ok()) << added.status().ToString();
  s.headers.insert(s.headers.end(), added->begin(), added->end());
  return s;
}

SigV4Result Verify(const Signed& s, common::TimeMs now = kNow,
                   const SigV4VerifyOptions& options = kOptions) {
  return VerifySigV4(s.request(), options, Lookup, now);
}

void ExpectError(const SigV4Result& r, SigV4ErrorKind kind, std::string_view fragment = "") {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, kind) << r.error().message;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(SigV4, SignedRequestVerifies) {
  const SigV4Result r = Verify(Sign());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.identity().principal, "alice");
  EXPECT_FALSE(r.identity().session_token.has_value());
}

TEST(SigV4, SessionTokenIsReturned) {
  const SigV4Result r = Verify(Sign(kNow, "token/abc+="));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.identity().session_token, "token/abc+=");
}

TEST(SigV4, WrongSecret) {
  const SigV4Result r = VerifySigV4(
      Sign().request(), kOptions,
      [](std::string_view) -> common::Result<SigV4Secret> { return SigV4Secret{"other", "x"}; },
      kNow);
  ExpectError(r, SigV4ErrorKind::kSignatureDoesNotMatch,
              "The request signature we calculated does not match the signature you provided.");
}

TEST(SigV4, ClockSkewWindow) {
  const Signed s = Sign();
  EXPECT_TRUE(Verify(s, kNow + 5 * kMinute).ok());
  EXPECT_TRUE(Verify(s, kNow - 5 * kMinute).ok());
  ExpectError(Verify(s, kNow + 6 * kMinute), SigV4ErrorKind::kSignatureExpired,
              "Signature expired: 20240501T100000Z is now earlier than 20240501T100100Z "
              "(20240501T100600Z - 5 min.)");
  ExpectError(Verify(s, kNow - 6 * kMinute), SigV4ErrorKind::kSignatureExpired,
              "Signature not yet current");
}

TEST(SigV4, DateMustMatchTheScope) {
  const common::TimeMs before_midnight = kNow + 14 * 60 * kMinute - kMinute;  // 23:59 UTC
  Signed s = Sign(before_midnight);
  s.Set("X-Amz-Date", "20240502T000100Z");
  ExpectError(Verify(s, before_midnight + 2 * kMinute), SigV4ErrorKind::kSignatureDoesNotMatch,
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20240501' != '20240502', from '20240502T000100Z'.");
}

TEST(SigV4, ModifiedBody) {
  Signed s = Sign();
  s.body += " ";
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch, "does not match");
}

TEST(SigV4, ModifiedSignedHeader) {
  Signed s = Sign();
  s.Set("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine");
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch, "does not match");
}

TEST(SigV4, WhitespaceInSignedHeaderValuesIsCanonical) {
  Signed s = Sign();
  s.Set("Content-Type", "  application/x-amz-json-1.0\t ");
  EXPECT_TRUE(Verify(s).ok());
}

TEST(SigV4, UnsignedHeadersMayChange) {
  Signed s = Sign();
  s.headers.emplace_back("User-Agent", "aws-cli/2.15");
  EXPECT_TRUE(Verify(s).ok());
}

TEST(SigV4, HostMustBeSigned) {
  Signed s = Sign();
  std::string auth = s.Get("Authorization");
  auth.replace(auth.find("host;"), 5, "");
  s.Set("Authorization", auth);
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch,
              "'Host' or ':authority' must be a 'SignedHeader'");
}

TEST(SigV4, SignedHeaderMissingFromRequest) {
  Signed s = Sign();
  s.Remove("X-Amz-Target");
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch,
              "signed header 'x-amz-target' is not in the request");
}

TEST(SigV4, UnknownAccessKey) {
  Signed s = Sign();
  std::string auth = s.Get("Authorization");
  auth.replace(auth.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN");
  s.Set("Authorization", auth);
  ExpectError(Verify(s), SigV4ErrorKind::kInvalidClientTokenId,
              "The security token included in the request is invalid.");
}

TEST(SigV4, LookupFailureIsInternal) {
  const SigV4Result r = VerifySigV4(
      Sign().request(), kOptions,
      [](std::string_view) -> common::Result<SigV4Secret> {
        return common::Status::IoError("store down");
      },
      kNow);
  ExpectError(r, SigV4ErrorKind::kInternalFailure, "store down");
}

TEST(SigV4, MissingAuthentication) {
  Signed s = Sign();
  s.Remove("Authorization");
  ExpectError(Verify(s), SigV4ErrorKind::kMissingAuthenticationToken, "missing");
}

TEST(SigV4, MalformedAuthorizationHeaders) {
  const std::string good_cred = "Credential=AKIDEXAMPLE/20240501/us-east-1/states/aws4_request";
  const std::string good_sh = "SignedHeaders=host;x-amz-date";
  const std::string good_sig = "Signature=" + std::string(64, 'a');
  const struct {
    std::string header;
    std::string fragment;
  } cases[] = {
      {"", "Unsupported AWS 'algorithm': ''"},
      {"AWS4-HMAC-SHA1 " + good_cred + ", " + good_sh + ", " + good_sig,
       "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'"},
      {"AWS AKIDEXAMPLE:abc", "Unsupported AWS 'algorithm': 'AWS'"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh,
       "Authorization header requires 'Signature' parameter."},
      {"AWS4-HMAC-SHA256 " + good_sh + ", " + good_sig,
       "Authorization header requires 'Credential' parameter."},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sig,
       "Authorization header requires 'SignedHeaders' parameter."},
      {"AWS4-HMAC-SHA256", "requires 'Credential'"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_cred + ", " + good_sh + ", " + good_sig,
       "'Credential' more than once"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh + ", " + good_sig + ", Foo=bar",
       "unknown component 'Foo'"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh + " " + good_sig,
       "requires 'Signature' parameter"},
      {"AWS4-HMAC-SHA256 " + good_cred + ",," + good_sh + ", " + good_sig, "Name=value"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/states, " + good_sh + ", " +
           good_sig,
       "Credential is malformed"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/states/aws4_request/x, " +
           good_sh + ", " + good_sig,
       "Credential is malformed"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/states/aws5_request, " +
           good_sh + ", " + good_sig,
       "valid terminator: 'aws4_request', not 'aws5_request'"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20241301/us-east-1/states/aws4_request, " +
           good_sh + ", " + good_sig,
       "scope date '20241301'"},
      {"AWS4-HMAC-SHA256 Credential=/20240501/us-east-1/states/aws4_request, " + good_sh + ", " +
           good_sig,
       "access key id"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501//states/aws4_request, " + good_sh +
           ", " + good_sig,
       "valid region"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=x-amz-date;host, " + good_sig,
       "sorted and unique"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host;host, " + good_sig,
       "sorted and unique"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host;;x-amz-date, " + good_sig,
       "SignedHeaders is malformed"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=Host, " + good_sig,
       "SignedHeaders is malformed"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh + ", Signature=" + std::string(64, 'A'),
       "Signature must be 64 lower-case hexadecimal digits"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh + ", Signature=abc",
       "Signature must be 64"},
      {"AWS4-HMAC-SHA256 " + good_cred + ", " + good_sh + ", " + good_sig +
           std::string(kMaxAuthorizationBytes, ' '),
       "longer than"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    Signed s = Sign();
    s.Set("Authorization", c.header);
    ExpectError(Verify(s), SigV4ErrorKind::kIncompleteSignature, c.fragment);
  }
}

TEST(SigV4, TooManySignedHeaders) {
  std::string names = "a0";
  for (std::size_t i = 1; i <= kMaxSignedHeaders; ++i) names += ";a" + std::to_string(100 + i);
  auto parsed = sigv4::ParseSignedHeaders(names);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("more than 64"), std::string::npos);
}

TEST(SigV4, TwoAuthorizationHeaders) {
  Signed s = Sign();
  s.headers.emplace_back("authorization", s.Get("Authorization"));
  ExpectError(Verify(s), SigV4ErrorKind::kIncompleteSignature, "more than one Authorization");
}

TEST(SigV4, RequestDateIsRequiredAndStrict) {
  Signed s = Sign();
  s.Remove("X-Amz-Date");
  ExpectError(Verify(s), SigV4ErrorKind::kIncompleteSignature,
              "requires existence of either a 'X-Amz-Date' or a 'Date' header");
  s = Sign();
  s.Set("X-Amz-Date", "2024-05-01T10:00:00Z");
  ExpectError(Verify(s), SigV4ErrorKind::kIncompleteSignature, "ISO8601 Long Format");
}

TEST(SigV4, ScopeRegionAndService) {
  const Signed s = Sign();
  ExpectError(Verify(s, kNow, {"eu-west-1", {"states"}, true}),
              SigV4ErrorKind::kSignatureDoesNotMatch,
              "Credential should be scoped to a valid region, not 'us-east-1'.");
  ExpectError(Verify(s, kNow, {"us-east-1", {"sts"}, true}),
              SigV4ErrorKind::kSignatureDoesNotMatch,
              "Credential should be scoped to correct service: 'sts'.");
  EXPECT_TRUE(Verify(Sign(kNow, std::nullopt, "scheduler"), kNow,
                     {"us-east-1", {"states", "scheduler"}, true})
                  .ok());
}

TEST(SigV4, ContentSha256MustMatchTheBody) {
  Signed s;
  s.headers = {{"Host", "h"}, {"X-Amz-Content-SHA256", std::string(64, '0')}};
  auto added = SignSigV4(s.request(), {std::string(kAkid), std::string(kSecret), std::nullopt},
                         {"us-east-1", "states", kNow});
  ASSERT_TRUE(added.ok());
  s.headers.insert(s.headers.end(), added->begin(), added->end());
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch,
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST(SigV4, SessionTokenHeaderMustBeSigned) {
  Signed s = Sign();
  s.headers.emplace_back("X-Amz-Security-Token", "injected");
  ExpectError(Verify(s), SigV4ErrorKind::kSignatureDoesNotMatch,
              "X-Amz-Security-Token must be a 'SignedHeader'");
}

TEST(SigV4, SignRefusesIncompleteRequests) {
  const std::vector<Header> no_host = {{"Content-Type", "x"}};
  EXPECT_FALSE(SignSigV4({"GET", "/", no_host, ""}, {"a", "b", std::nullopt},
                         {"us-east-1", "states", kNow})
                   .ok());
  const std::vector<Header> host = {{"Host", "h"}};
  EXPECT_FALSE(SignSigV4({"GET", "http://h/", host, ""}, {"a", "b", std::nullopt},
                         {"us-east-1", "states", kNow})
                   .ok());
  const std::vector<Header> dated = {{"Host", "h"}, {"X-Amz-Date", "20240501T100000Z"}};
  EXPECT_FALSE(SignSigV4({"GET", "/", dated, ""}, {"a", "b", std::nullopt},
                         {"us-east-1", "states", kNow})
                   .ok());
}

struct Presigned {
  std::string target;
  std::vector<Header> headers = {{"Host", "localhost:8080"}};
  SigV4Request request() const { return {"GET", target, headers, ""}; }
};

Presigned Presign(std::chrono::seconds expires, std::optional<std::string> token = {}) {
  Presigned p;
  p.target = "/?Action=GetCallerIdentity&Version=2011-06-15";
  auto target = PresignSigV4(p.request(), {std::string(kAkid), std::string(kSecret), token},
                             {"us-east-1", "sts", kNow}, expires);
  EXPECT_TRUE(target.ok());
  p.target = *target;
  return p;
}

const SigV4VerifyOptions kStsOptions{"us-east-1", {"sts"}, true};

TEST(SigV4Presigned, VerifiesUntilItExpires) {
  const Presigned p = Presign(std::chrono::seconds(900), "tok");
  SigV4Result r = VerifySigV4(p.request(), kStsOptions, Lookup, kNow + 15 * kMinute);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.identity().presigned);
  EXPECT_EQ(r.identity().session_token, "tok");
  ExpectError(VerifySigV4(p.request(), kStsOptions, Lookup, kNow + 15 * kMinute + 1000),
              SigV4ErrorKind::kRequestExpired, "Request has expired");
  ExpectError(VerifySigV4(p.request(), kStsOptions, Lookup, kNow - 6 * kMinute),
              SigV4ErrorKind::kSignatureExpired, "not yet current");
}

TEST(SigV4Presigned, ModifiedParameterFails) {
  Presigned p = Presign(std::chrono::seconds(60));
  p.target.replace(p.target.find("GetCallerIdentity"), 17, "AssumeRole");
  ExpectError(VerifySigV4(p.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kSignatureDoesNotMatch, "does not match");
}

TEST(SigV4Presigned, RefusedWhenNotAllowedOrMixed) {
  Presigned p = Presign(std::chrono::seconds(60));
  ExpectError(VerifySigV4(p.request(), {"us-east-1", {"sts"}, false}, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "Query-string authentication");
  p.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 x");
  ExpectError(VerifySigV4(p.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "Only one auth mechanism");
}

TEST(SigV4Presigned, StrictParameters) {
  Presigned p = Presign(std::chrono::seconds(60));
  Presigned twice = p;
  twice.target += "&X-Amz-Signature=" + std::string(64, 'a');
  ExpectError(VerifySigV4(twice.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "more than once");
  Presigned missing = p;
  missing.target.replace(missing.target.find("X-Amz-Expires=60"), 16, "");
  ExpectError(VerifySigV4(missing.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "must include 'X-Amz-Expires'");
  Presigned too_long = p;
  too_long.target.replace(too_long.target.find("X-Amz-Expires=60"), 16,
                          "X-Amz-Expires=604801");
  ExpectError(VerifySigV4(too_long.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "X-Amz-Expires must be");
  Presigned bad_escape = p;
  bad_escape.target += "&x=%zz";
  ExpectError(VerifySigV4(bad_escape.request(), kStsOptions, Lookup, kNow),
              SigV4ErrorKind::kIncompleteSignature, "two hex digits");
}

TEST(SigV4, ErrorCodesPerProtocol) {
  using K = SigV4ErrorKind;
  EXPECT_EQ(SigV4ErrorCode(K::kSignatureDoesNotMatch, AwsProtocol::kJson),
            "InvalidSignatureException");
  EXPECT_EQ(SigV4ErrorCode(K::kSignatureDoesNotMatch, AwsProtocol::kQuery),
            "SignatureDoesNotMatch");
  EXPECT_EQ(SigV4ErrorCode(K::kInvalidClientTokenId, AwsProtocol::kJson),
            "UnrecognizedClientException");
  EXPECT_EQ(SigV4ErrorCode(K::kInvalidClientTokenId, AwsProtocol::kQuery),
            "InvalidClientTokenId");
  EXPECT_EQ(SigV4ErrorCode(K::kIncompleteSignature, AwsProtocol::kQuery), "IncompleteSignature");
  EXPECT_EQ(SigV4ErrorCode(K::kMissingAuthenticationToken, AwsProtocol::kQuery),
            "MissingAuthenticationToken");
  EXPECT_EQ(SigV4ErrorCode(K::kRequestExpired, AwsProtocol::kQuery), "RequestExpired");
  EXPECT_EQ(SigV4ErrorCode(K::kSignatureExpired, AwsProtocol::kJson),
            "InvalidSignatureException");
  EXPECT_EQ(SigV4HttpStatus(K::kSignatureDoesNotMatch, AwsProtocol::kQuery), 403);
  EXPECT_EQ(SigV4HttpStatus(K::kIncompleteSignature, AwsProtocol::kJson), 400);
  EXPECT_EQ(SigV4HttpStatus(K::kInternalFailure, AwsProtocol::kJson), 500);
}

}  // namespace
}  // namespace tactus::auth
