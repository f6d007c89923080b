// Verifies arbitrary bytes as an OIDC bearer token against a fixed JWKS (RSA, EC P-256, Ed25519
// keys whose private halves signed the seeds in corpus/jwt), and parses them as base64url and as
// a JWKS document. Catches crashes, sanitizer reports and hangs in auth/'s JWT code, and checks
// that an accepted token obeys the limits, that every rejection says why, and that strict
// base64url has exactly one encoding per byte string.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwks.h"
#include "auth/jwt.h"

namespace {

constexpr std::string_view kJwks =
    R"jwks({"keys": [{"kty": "RSA", "kid": "rsa", "n": "8yMONStULgiuXk-QML2tfIELV7L-YmVUozYHK-cQFctG6FKimHuQGNqDnHPUKTPnci1Ad0Ne954wmWBkryIwsB_3uqQSzaKQ8AQY8WOwL24RN2RTObWZWuJC24oR75MiqKc3CN1tmciy0fy2fn5qURiM3Pm10uHAbOs6ZZTfs5fLzcBubvsHYFyAQX6EP4v585YTQKBNrSMfGfoBT6UPV0CUjMySbJp19Zrz-W9CIl2JIwnl9iWP8jol5t6CT882RY-U7EDXzGVRaSVBLhFNjlLmD5p0JxI8Od46skygZ5bHx8_KpjmunJ9SPKXX89YqDWk0k3k7KUJ_ZSM74kgZRQ", "e": "AQAB"}, {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "EbQcbaFmP3TEv8NJrYNUvx8WL6N5aB91DR2yZ8UXPx4", "y": "gnGrMxH0CIlqau9wwWctuhZgnJs90FOzPrVgb0bUygY"}, {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "TKQaX_GOSt2paACHCpQtpTqOmYe8LC1LmsujOBhjYwI"}]})jwks";
constexpr tactus::common::TimeMs kNow = 1714557600000;  // 2024-05-01T10:00:00Z, inside the seeds'

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tactus::auth;
  static const JwkSet keys = ParseJwks(kJwks).value();
  static const JwtOptions options{"https://idp.example", "tactus", std::chrono::seconds(60),
                                  "groups"};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto verified = VerifyJwt(text, options, ResolverFor(keys), kNow);
  if (verified.ok()) {
    if (text.size() > kMaxTokenBytes || verified->subject.empty() ||
        verified->groups.size() > kMaxGroups || verified->issuer != options.issuer) {
      __builtin_trap();
    }
  } else if (verified.status().message().empty()) {
    __builtin_trap();
  }
  auto decoded = Base64UrlDecode(text);
  if (decoded.ok() && Base64UrlEncode(*decoded) != text) __builtin_trap();
  (void)ParseJwks(text);
  return 0;
}
