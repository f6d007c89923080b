// AWS Signature Version 4: verifying the signature of an incoming request (the server side of
// awscli, boto3 and the SDKs) and signing one (the client side, for tests and the CLI).
//
// Verification follows AWS's rules for every service but S3 (docs/auth.md, "SigV4"):
// - the Authorization header "AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/
//   aws4_request, SignedHeaders=a;b;c, Signature=<64 hex>", parsed strictly, or the presigned
//   query parameters X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
//   X-Amz-SignedHeaders, X-Amz-Signature (and X-Amz-Security-Token);
// - the request time (X-Amz-Date, else Date) within kMaxClockSkew of now, and its day equal to
//   the credential scope's; the scope's region and service among the expected ones;
// - `host` among the signed headers, every signed header present, X-Amz-Security-Token signed
//   when sent as a header, X-Amz-Content-SHA256 (when sent) equal to the body's SHA-256;
// - the canonical request built exactly as AWS builds it (path normalized and each segment
//   URI-encoded, query parameters decoded then re-encoded and sorted, header values trimmed with
//   inner whitespace runs collapsed), and the signature compared in constant time.
// Failures carry a kind that maps to AWS's error code for the API's protocol and AWS's message,
// so the API answers exactly as AWS does.
//
// Thread-safe: all functions are pure apart from calling the SecretLookup.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace tactus::auth {

// How far the request time may be from now, either way (AWS's value).
inline constexpr std::chrono::seconds kMaxClockSkew{300};
// The longest X-Amz-Expires a presigned request may carry: 7 days (AWS's value).
inline constexpr std::chrono::seconds kMaxPresignedExpiry{604800};
// The longest Authorization header accepted (a real one is ~250 bytes).
inline constexpr std::size_t kMaxAuthorizationBytes = 4096;
// The most headers a request may sign.
inline constexpr std::size_t kMaxSignedHeaders = 64;
// The longest access key id accepted (AWS's are 20 characters; some stores use longer ones).
inline constexpr std::size_t kMaxAccessKeyIdBytes = 128;

using Header = std::pair<std::string, std::string>;

// A request as it arrived. Views: the caller keeps the data alive during the call.
struct SigV4Request {
  std::string_view method;               // as sent, e.g. "POST"
  std::string_view target;               // raw path and query as sent, e.g. "/a%20b?x=1"
  std::span<const Header> headers;       // in arrival order, names as sent
  std::string_view body;
};

// Why a request was refused. Each kind maps to AWS's error code for a protocol (SigV4ErrorCode).
enum class SigV4ErrorKind {
  kMissingAuthenticationToken,  // neither an Authorization header nor presigned parameters
  kIncompleteSignature,         // the Authorization header or the parameters are malformed,
                                // or the request has no date
  kInvalidClientTokenId,        // the access key id is not known
  kSignatureDoesNotMatch,       // wrong signature, or a scope/date/header rule was broken
  kSignatureExpired,            // the request time is more than kMaxClockSkew from now
  kRequestExpired,              // a presigned request past X-Amz-Date + X-Amz-Expires
  kInternalFailure,             // the SecretLookup failed for another reason than NotFound
};

// The protocol the API answers in: the error code names differ.
enum class AwsProtocol {
  kJson,   // AWS JSON 1.0/1.1 and REST-JSON (Step Functions, EventBridge Scheduler)
  kQuery,  // the query protocol (STS)
};

// AWS's error code for a failure, e.g. kSignatureDoesNotMatch -> "InvalidSignatureException"
// (kJson) or "SignatureDoesNotMatch" (kQuery). Table in docs/auth.md.
std::string_view SigV4ErrorCode(SigV4ErrorKind kind, AwsProtocol protocol);
// The HTTP status AWS answers the failure with (400, 403 or 500).
int SigV4HttpStatus(SigV4ErrorKind kind, AwsProtocol protocol);

struct SigV4Error {
  SigV4ErrorKind kind;
  std::string message;  // AWS's wording where AWS has one
};

// Who signed a verified request.
struct SigV4Identity {
  std::string access_key_id;
  std::string principal;                     // from the SecretLookup
  std::optional<std::string> session_token;  // X-Amz-Security-Token: the CALLER validates it
  std::string region;                        // from the credential scope
  std::string service;                       // from the credential scope
  common::TimeMs signed_at = 0;              // the request time
  bool presigned = false;                    // query-string authentication
};

class [[nodiscard]] SigV4Result {
 public:
  SigV4Result(SigV4Identity identity) : v_(std::move(identity)) {}  // NOLINT
  SigV4Result(SigV4Error error) : v_(std::move(error)) {}           // NOLINT
  bool ok() const { return std::holds_alternative<SigV4Identity>(v_); }
  // REQUIRES: ok()
  const SigV4Identity& identity() const { return std::get<SigV4Identity>(v_); }
  // REQUIRES: !ok()
  const SigV4Error& error() const { return std::get<SigV4Error>(v_); }

 private:
  std::variant<SigV4Identity, SigV4Error> v_;
};

struct SigV4Secret {
  std::string secret_access_key;
  std::string principal;  // e.g. "arn:aws:iam::123456789012:user/alice"
};
// Finds the secret of an access key id. NotFound: unknown key (InvalidClientTokenId); any other
// failure: InternalFailure. Called at most once per VerifySigV4, after the request parsed.
using SecretLookup = std::function<common::Result<SigV4Secret>(std::string_view access_key_id)>;

struct SigV4VerifyOptions {
  std::string region;                 // the credential scope must name it, e.g. "us-east-1"
  std::vector<std::string> services;  // ... and one of these, e.g. {"states"} or {"sts"}
  bool allow_presigned = true;        // accept query-string authentication
};

// Verifies the request's signature at time `now`. On success, who signed it; on failure, why.
SigV4Result VerifySigV4(const SigV4Request& request, const SigV4VerifyOptions& options,
                        const SecretLookup& lookup, common::TimeMs now);

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;
};

struct SigV4SignOptions {
  std::string region;
  std::string service;
  common::TimeMs now = 0;  // the signing time (seconds are kept, milliseconds dropped)
};

// Signs a request with the Authorization header, as botocore does: every header of the request
// is signed except User-Agent, Expect, X-Amzn-Trace-Id, Authorization and Connection. Returns
// the headers to add, in this order: X-Amz-Date, X-Amz-Security-Token (with a session token),
// Authorization. The request must not carry those three already, nor a Date header.
// InvalidArgument when it has no Host header, carries one of them, or its target is not a path.
common::Result<std::vector<Header>> SignSigV4(const SigV4Request& request,
                                              const SigV4Credentials& credentials,
                                              const SigV4SignOptions& options);

// Presigns a request, as botocore's SigV4QueryAuth does: returns the new target, the old one
// followed by X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Security-Token (with a session token) and X-Amz-Signature. Signs
// the same headers as SignSigV4 and the body's SHA-256. InvalidArgument as SignSigV4, or when
// `expires` is not in [1 s, kMaxPresignedExpiry].
common::Result<std::string> PresignSigV4(const SigV4Request& request,
                                         const SigV4Credentials& credentials,
                                         const SigV4SignOptions& options,
                                         std::chrono::seconds expires);

}  // namespace tactus::auth
