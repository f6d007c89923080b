// The pieces of a SigV4 signature (docs/auth.md, "SigV4"): URI encoding, the canonical path,
// query and headers, the canonical request, the string to sign and the signing key. Shared by
// verification and signing so both build byte-identical canonical requests.
//
// Thread-safe: all functions are pure.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/status.h"

namespace tactus::auth::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";

// Percent-encodes every byte but the unreserved characters A-Z a-z 0-9 - . _ ~ (and '/' when
// keep_slash), with upper-case hex, as AWS's UriEncode does.
std::string UriEncode(std::string_view bytes, bool keep_slash);

// Decodes %XX escapes, and '+' as a space (botocore sends spaces in query values as '+' while
// signing them as %20). InvalidArgument on a '%' not followed by two hex digits.
common::Result<std::string> QueryDecode(std::string_view text);

// The canonical URI of a raw path for every service but S3: dot segments removed and empty
// segments dropped (botocore's remove_dot_segments), then the raw (already percent-encoded)
// path URI-encoded once more, keeping '/'. "" -> "/".
std::string CanonicalPath(std::string_view raw_path);

// The canonical query string: each "name=value" parameter (a parameter without '=' has an empty
// value; empty parameters are skipped) decoded, re-encoded with UriEncode, sorted by name then
// value, joined with '&'. Parameters named `skip` (decoded) are left out. InvalidArgument on a
// malformed escape.
common::Result<std::string> CanonicalQuery(std::string_view raw_query, std::string_view skip = {});

// A header value as signed: leading and trailing whitespace trimmed, inner runs of whitespace
// (space, tab, CR, LF, VT, FF) collapsed to one space.
std::string CanonicalHeaderValue(std::string_view value);

// "name:value\n" for each signed name (lower-case, sorted), the value being the canonical values
// of every header of that name in arrival order joined by ','. REQUIRES: each signed name is
// present in `headers` (compared case-insensitively).
std::string CanonicalHeaders(std::span<const Header> headers,
                             std::span<const std::string> signed_names);

// Splits a target into its raw path and raw query (without the '?').
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query);

// METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nPAYLOAD_HASH
std::string CanonicalRequest(std::string_view method, std::string_view canonical_path,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::span<const std::string> signed_names,
                             std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<yyyymmddThhmmssZ>\n<scope>\n<hex SHA-256 of the canonical request>"
std::string StringToSign(std::string_view timestamp, std::string_view scope,
                         std::string_view canonical_request);

// "yyyymmdd/region/service/aws4_request"
std::string Scope(std::string_view date, std::string_view region, std::string_view service);

// The lower-case hex signature of string_to_sign with the key derived from the secret:
// HMAC("AWS4" + secret, date) -> region -> service -> "aws4_request" -> string_to_sign.
std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view bytes);

// True when a and b are equal, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ASCII lower case.
std::string Lower(std::string_view s);

}  // namespace tactus::auth::sigv4
