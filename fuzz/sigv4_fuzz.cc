// Feeds arbitrary bytes to SigV4 verification. The input's lines are: the Authorization header,
// the request target, the X-Amz-Date header, a header value, then the body. Verifies that
// request against a fixed secret at a fixed time (every rejection must say why), parses the
// Authorization header alone (an accepted one must obey the limits), and signs the request with
// SignSigV4 and verifies it again: whatever the target and header bytes, a request Tactus signs
// must verify, so signing and verification can never canonicalize differently.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "auth/sigv4_canonical.h"
#include "auth/sigv4_parse.h"

namespace {

using namespace tactus::auth;

constexpr std::string_view kAkid = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr tactus::common::TimeMs kNow = 1714557600000;  // 2024-05-01T10:00:00Z

tactus::common::Result<SigV4Secret> Lookup(std::string_view akid) {
  if (akid != kAkid) return tactus::common::Status::NotFound("unknown");
  return SigV4Secret{std::string(kSecret), "p"};
}

std::string_view NextLine(std::string_view* rest) {
  const std::size_t nl = rest->find('\n');
  const std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view authorization = NextLine(&rest);
  const std::string_view target = NextLine(&rest);
  const std::string_view date = NextLine(&rest);
  const std::string_view value = NextLine(&rest);
  const std::string_view body = rest;
  const SigV4VerifyOptions options{"us-east-1", {"states", "sts"}, true};

  const std::vector<Header> headers = {{"Host", "localhost"},
                                       {"Authorization", std::string(authorization)},
                                       {"X-Amz-Date", std::string(date)},
                                       {"X-Custom", std::string(value)}};
  const SigV4Result result = VerifySigV4({"POST", target, headers, body}, options, Lookup, kNow);
  if (!result.ok() && result.error().message.empty()) __builtin_trap();

  auto parsed = sigv4::ParseAuthorizationHeader(authorization);
  if (parsed.ok()) {
    if (authorization.size() > kMaxAuthorizationBytes || parsed->signed_headers.empty() ||
        parsed->signed_headers.size() > kMaxSignedHeaders || parsed->signature.size() != 64) {
      __builtin_trap();
    }
  }

  const std::vector<Header> unsigned_headers = {{"Host", std::string(date)},
                                                {"X-Custom", std::string(value)}};
  auto added = SignSigV4({"POST", target, unsigned_headers, body},
                         {std::string(kAkid), std::string(kSecret), std::nullopt},
                         {"us-east-1", "states", kNow});
  if (!added.ok()) return 0;
  std::string_view path, query;
  sigv4::SplitTarget(target, &path, &query);
  auto params = sigv4::DecodeQuery(query);
  if (params.ok() && sigv4::HasPresignedParameters(*params)) return 0;
  std::vector<Header> signed_headers = unsigned_headers;
  signed_headers.insert(signed_headers.end(), added->begin(), added->end());
  const SigV4Result again =
      VerifySigV4({"POST", target, signed_headers, body}, options, Lookup, kNow);
  if (!again.ok()) __builtin_trap();
  return 0;
}
