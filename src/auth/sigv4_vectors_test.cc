// SigV4 against a real client: src/auth/testdata/sigv4_vectors.json holds requests signed by
// botocore (tests/auth/gen_sigv4_vectors.py). Each must verify at its signing time, build
// botocore's canonical request, and be signed again byte for byte by SignSigV4/PresignSigV4.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "auth/sigv4_canonical.h"
#include "auth/sigv4_parse.h"
#include "common/file.h"
#include "common/json.h"

namespace tactus::auth {
namespace {

namespace json = common::json;

struct Vector {
  std::string name, method, target, body, region, service, access_key_id, secret, signature;
  std::string canonical_request, authorization;
  std::optional<std::string> session_token;
  std::vector<Header> headers;
  common::TimeMs time_ms = 0;
  bool presigned = false;
};

std::vector<Vector> LoadVectors() {
  auto text = common::ReadFile(TACTUS_AUTH_TESTDATA "/sigv4_vectors.json");
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto doc = common::ParseJson(*text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  std::vector<Vector> out;
  for (const json::value& item : doc->at("vectors").as_array()) {
    const json::object& o = item.as_object();
    auto str = [&](const char* key) { return std::string(o.at(key).as_string()); };
    Vector v;
    v.name = str("name");
    v.method = str("method");
    v.target = str("target");
    v.body = str("body");
    v.region = str("region");
    v.service = str("service");
    v.access_key_id = str("access_key_id");
    v.secret = str("secret_access_key");
    v.signature = str("signature");
    v.canonical_request = str("canonical_request");
    if (!o.at("presigned").as_bool()) v.authorization = str("authorization");
    if (o.at("session_token").is_string()) v.session_token = str("session_token");
    for (const json::value& h : o.at("headers").as_array()) {
      v.headers.emplace_back(std::string(h.as_array()[0].as_string()),
                             std::string(h.as_array()[1].as_string()));
    }
    v.time_ms = o.at("time_ms").to_number<std::int64_t>();
    v.presigned = o.at("presigned").as_bool();
    out.push_back(std::move(v));
  }
  return out;
}

const std::vector<Vector>& Vectors() {
  static const std::vector<Vector> vectors = LoadVectors();
  return vectors;
}

SecretLookup LookupFor(const Vector& v) {
  return [&v](std::string_view akid) -> common::Result<SigV4Secret> {
    if (akid != v.access_key_id) return common::Status::NotFound("no such key");
    return SigV4Secret{v.secret, "arn:aws:iam::123456789012:user/alice"};
  };
}

SigV4Request RequestOf(const Vector& v) {
  return {v.method, v.target, v.headers, v.body};
}

TEST(SigV4Vectors, ThereAreEnoughOfThem) { EXPECT_GE(Vectors().size(), 20u); }

TEST(SigV4Vectors, EachVerifiesAtItsTime) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    const SigV4Result result =
        VerifySigV4(RequestOf(v), {v.region, {v.service}, true}, LookupFor(v), v.time_ms);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.identity().access_key_id, v.access_key_id);
    EXPECT_EQ(result.identity().principal, "arn:aws:iam::123456789012:user/alice");
    EXPECT_EQ(result.identity().session_token, v.session_token);
    EXPECT_EQ(result.identity().region, v.region);
    EXPECT_EQ(result.identity().service, v.service);
    EXPECT_EQ(result.identity().presigned, v.presigned);
    EXPECT_EQ(result.identity().signed_at, v.time_ms);
  }
}

TEST(SigV4Vectors, EachFailsWithAnotherSecret) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    Vector wrong = v;
    wrong.secret.back() ^= 1;
    const SigV4Result result =
        VerifySigV4(RequestOf(v), {v.region, {v.service}, true}, LookupFor(wrong), v.time_ms);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().kind, SigV4ErrorKind::kSignatureDoesNotMatch);
  }
}

TEST(SigV4Vectors, CanonicalRequestIsBotocores) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    std::string_view path, query;
    sigv4::SplitTarget(v.target, &path, &query);
    std::vector<std::string> names;
    if (v.presigned) {
      auto params = sigv4::DecodeQuery(query);
      ASSERT_TRUE(params.ok());
      auto parsed = sigv4::ParsePresignedQuery(*params);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      names = parsed->signed_headers;
    } else {
      auto parsed = sigv4::ParseAuthorizationHeader(v.authorization);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      names = parsed->signed_headers;
    }
    auto canonical_query = sigv4::CanonicalQuery(query, v.presigned ? "X-Amz-Signature" : "");
    ASSERT_TRUE(canonical_query.ok());
    EXPECT_EQ(sigv4::CanonicalRequest(v.method, sigv4::CanonicalPath(path), *canonical_query,
                                      sigv4::CanonicalHeaders(v.headers, names), names,
                                      sigv4::Sha256Hex(v.body)),
              v.canonical_request);
  }
}

// The headers the client had before botocore signed (Content-Length is added afterwards by
// the HTTP layer; botocore never saw it).
std::vector<Header> UnsignedHeaders(const Vector& v) {
  std::vector<Header> out;
  for (const Header& h : v.headers) {
    const std::string lower = sigv4::Lower(h.first);
    if (lower == "authorization" || lower == "x-amz-date" || lower == "x-amz-security-token" ||
        lower == "content-length") {
      continue;
    }
    out.push_back(h);
  }
  return out;
}

TEST(SigV4Vectors, SignReproducesBotocore) {
  int signed_count = 0;
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    if (v.presigned || v.name == "date_header_instead_of_x_amz_date") continue;
    const std::vector<Header> headers = UnsignedHeaders(v);
    auto added = SignSigV4({v.method, v.target, headers, v.body},
                           {v.access_key_id, v.secret, v.session_token},
                           {v.region, v.service, v.time_ms});
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    ASSERT_FALSE(added->empty());
    EXPECT_EQ(added->back().first, "Authorization");
    EXPECT_EQ(added->back().second, v.authorization);
    EXPECT_EQ(added->front(), Header("X-Amz-Date", sigv4::FormatAmzDate(v.time_ms)));
    ++signed_count;
  }
  EXPECT_GE(signed_count, 20);
}

TEST(SigV4Vectors, PresignReproducesBotocore) {
  int presigned_count = 0;
  for (const Vector& v : Vectors()) {
    if (!v.presigned) continue;
    SCOPED_TRACE(v.name);
    const std::size_t auth_start = v.target.find("X-Amz-Algorithm=");
    ASSERT_NE(auth_start, std::string::npos);
    const std::string original = v.target.substr(0, auth_start);
    const std::size_t expires_at = v.target.find("X-Amz-Expires=") + 14;
    const int expires = std::stoi(v.target.substr(expires_at));
    auto target = PresignSigV4({v.method, original, v.headers, v.body},
                               {v.access_key_id, v.secret, v.session_token},
                               {v.region, v.service, v.time_ms}, std::chrono::seconds(expires));
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    EXPECT_EQ(*target, v.target);
    ++presigned_count;
  }
  EXPECT_EQ(presigned_count, 2);
}

}  // namespace
}  // namespace tactus::auth
