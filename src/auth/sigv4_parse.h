// Parsing the SigV4 authentication a request carries: the Authorization header, the presigned
// query parameters, the credential scope, the signed headers list and the two date formats.
// Every rejection is InvalidArgument with a message naming the part that is wrong, in AWS's
// words where AWS has them; VerifySigV4 answers it as IncompleteSignature.
//
// Thread-safe: all functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace tactus::auth::sigv4 {

// "AKID/yyyymmdd/region/service/aws4_request"
struct Credential {
  std::string access_key_id;
  std::string date;  // yyyymmdd, a real calendar day
  std::string region;
  std::string service;
};

struct ParsedAuth {
  Credential credential;
  std::vector<std::string> signed_headers;  // lower-case, sorted, unique, never empty
  std::string signature;                    // 64 lower-case hex digits
  // Presigned requests only: the parameters that live in the query.
  bool presigned = false;
  std::string timestamp;  // X-Amz-Date: yyyymmddThhmmssZ
  std::int64_t expires_seconds = 0;
  std::optional<std::string> session_token;
};

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." (components in any
// order, separated by ',' with optional spaces; each exactly once; nothing else).
common::Result<ParsedAuth> ParseAuthorizationHeader(std::string_view value);

// The decoded (name, value) parameters of a raw query, in order. InvalidArgument on a malformed
// escape.
common::Result<std::vector<std::pair<std::string, std::string>>> DecodeQuery(
    std::string_view raw_query);

// True when the parameters include one of X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature.
bool HasPresignedParameters(const std::vector<std::pair<std::string, std::string>>& params);

// Parses the presigned parameters (each exactly once; X-Amz-Security-Token optional;
// X-Amz-Expires an integer in [1, 604800]).
common::Result<ParsedAuth> ParsePresignedQuery(
    const std::vector<std::pair<std::string, std::string>>& params);

common::Result<Credential> ParseCredential(std::string_view text);
common::Result<std::vector<std::string>> ParseSignedHeaders(std::string_view text);

// "20240501T100000Z" -> its time; nullopt unless exactly that shape and a real instant.
std::optional<common::TimeMs> ParseAmzDate(std::string_view text);
// RFC 1123 "Wed, 01 May 2024 10:00:00 GMT" (also "UTC", "+0000", "-0000", as botocore sends);
// nullopt otherwise.
std::optional<common::TimeMs> ParseHttpDate(std::string_view text);
// REQUIRES: t is in years 1000..9999. "20240501T100000Z" (milliseconds dropped).
std::string FormatAmzDate(common::TimeMs t);

}  // namespace tactus::auth::sigv4
