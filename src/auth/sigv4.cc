#include "auth/sigv4.h"

#include <algorithm>
#include <array>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_parse.h"

namespace tactus::auth {
namespace {

using sigv4::Lower;

constexpr std::string_view kMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// Headers botocore leaves unsigned (proxies rewrite them), plus the ones that cannot be signed.
constexpr std::array<std::string_view, 5> kUnsignedHeaders = {
    "user-agent", "expect", "x-amzn-trace-id", "authorization", "connection"};

SigV4Error Fail(SigV4ErrorKind kind, std::string message) { return {kind, std::move(message)}; }

// The headers named `lower_name`, in order.
std::vector<const std::string*> FindAll(std::span<const Header> headers,
                                        std::string_view lower_name) {
  std::vector<const std::string*> found;
  for (const auto& [name, value] : headers) {
    if (name.size() == lower_name.size() && Lower(name) == lower_name) found.push_back(&value);
  }
  return found;
}

std::string Join(const std::vector<std::string>& names, char sep) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

struct RequestTime {
  std::string timestamp;  // yyyymmddThhmmssZ, as signed
  common::TimeMs time = 0;
};

std::variant<RequestTime, SigV4Error> FindRequestTime(const SigV4Request& request,
                                                      const sigv4::ParsedAuth& auth) {
  if (auth.presigned) {
    const auto t = sigv4::ParseAmzDate(auth.timestamp);
    if (!t) {
      return Fail(SigV4ErrorKind::kIncompleteSignature,
                  "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
    }
    return RequestTime{auth.timestamp, *t};
  }
  const auto amz_dates = FindAll(request.headers, "x-amz-date");
  if (amz_dates.size() > 1) {
    return Fail(SigV4ErrorKind::kIncompleteSignature, "The request has more than one X-Amz-Date.");
  }
  if (amz_dates.size() == 1) {
    const auto t = sigv4::ParseAmzDate(*amz_dates[0]);
    if (!t) {
      return Fail(SigV4ErrorKind::kIncompleteSignature,
                  "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
    }
    return RequestTime{*amz_dates[0], *t};
  }
  const auto dates = FindAll(request.headers, "date");
  if (dates.size() == 1) {
    const auto t = sigv4::ParseHttpDate(*dates[0]);
    if (!t) {
      return Fail(SigV4ErrorKind::kIncompleteSignature,
                  "Date must be an RFC 1123 date such as 'Wed, 01 May 2024 10:00:00 GMT'.");
    }
    return RequestTime{sigv4::FormatAmzDate(*t), *t};
  }
  return Fail(SigV4ErrorKind::kIncompleteSignature,
              "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
              "header.");
}

std::optional<SigV4Error> CheckScopeAndTime(const sigv4::ParsedAuth& auth,
                                            const RequestTime& when,
                                            const SigV4VerifyOptions& options,
                                            common::TimeMs now) {
  const sigv4::Credential& cred = auth.credential;
  if (when.timestamp.compare(0, 8, cred.date) != 0) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '" + cred.date + "' != '" + when.timestamp.substr(0, 8) +
                    "', from '" + when.timestamp + "'.");
  }
  if (cred.region != options.region) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                "Credential should be scoped to a valid region, not '" + cred.region + "'.");
  }
  if (std::find(options.services.begin(), options.services.end(), cred.service) ==
      options.services.end()) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                "Credential should be scoped to correct service: '" +
                    (options.services.empty() ? std::string() : options.services.front()) +
                    "'.");
  }
  const common::TimeMs skew = std::chrono::milliseconds(kMaxClockSkew).count();
  if (when.time > now + skew) {
    return Fail(SigV4ErrorKind::kSignatureExpired,
                "Signature not yet current: " + when.timestamp + " is still later than " +
                    sigv4::FormatAmzDate(now + skew) + " (" + sigv4::FormatAmzDate(now) +
                    " + 5 min.)");
  }
  if (auth.presigned) {
    if (now > when.time + auth.expires_seconds * 1000) {
      return Fail(SigV4ErrorKind::kRequestExpired, "Request has expired");
    }
  } else if (when.time < now - skew) {
    return Fail(SigV4ErrorKind::kSignatureExpired,
                "Signature expired: " + when.timestamp + " is now earlier than " +
                    sigv4::FormatAmzDate(now - skew) + " (" + sigv4::FormatAmzDate(now) +
                    " - 5 min.)");
  }
  return std::nullopt;
}

// The header rules; on success sets *session_token from the header (header authentication).
std::optional<SigV4Error> CheckHeaders(const SigV4Request& request,
                                       const sigv4::ParsedAuth& auth,
                                       std::string_view payload_hash,
                                       std::optional<std::string>* session_token) {
  const auto& names = auth.signed_headers;
  if (!std::binary_search(names.begin(), names.end(), "host")) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  for (const std::string& name : names) {
    if (FindAll(request.headers, name).empty()) {
      return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                  "The signed header '" + name + "' is not in the request.");
    }
  }
  const auto tokens = FindAll(request.headers, "x-amz-security-token");
  if (tokens.size() > 1) {
    return Fail(SigV4ErrorKind::kIncompleteSignature,
                "The request has more than one X-Amz-Security-Token.");
  }
  if (tokens.size() == 1) {
    if (auth.presigned) {
      return Fail(SigV4ErrorKind::kIncompleteSignature,
                  "A presigned request carries X-Amz-Security-Token in the query, not as a "
                  "header.");
    }
    if (!std::binary_search(names.begin(), names.end(), "x-amz-security-token")) {
      return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                  "X-Amz-Security-Token must be a 'SignedHeader' in the AWS Authorization.");
    }
    *session_token = *tokens[0];
  }
  const auto content_hashes = FindAll(request.headers, "x-amz-content-sha256");
  if (content_hashes.size() > 1 ||
      (content_hashes.size() == 1 && Lower(*content_hashes[0]) != payload_hash)) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch,
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return std::nullopt;
}

// Validates what Sign and Presign need; returns the names to sign (sorted, unique).
common::Result<std::vector<std::string>> NamesToSign(const SigV4Request& request,
                                                     bool presign) {
  if (request.target.empty() || request.target.front() != '/') {
    return common::Status::InvalidArgument("the request target must start with '/'");
  }
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (lower == "x-amz-date" || lower == "date" || lower == "x-amz-security-token" ||
        lower == "authorization") {
      return common::Status::InvalidArgument("the request to sign already has a '" + name +
                                             "' header");
    }
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower) ==
        kUnsignedHeaders.end()) {
      names.push_back(std::move(lower));
    }
  }
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return common::Status::InvalidArgument("the request to sign has no Host header");
  }
  if (!presign) {
    names.push_back("x-amz-date");
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

std::string_view SigV4ErrorCode(SigV4ErrorKind kind, AwsProtocol protocol) {
  const bool json = protocol == AwsProtocol::kJson;
  switch (kind) {
    case SigV4ErrorKind::kMissingAuthenticationToken:
      return json ? "MissingAuthenticationTokenException" : "MissingAuthenticationToken";
    case SigV4ErrorKind::kIncompleteSignature:
      return json ? "IncompleteSignatureException" : "IncompleteSignature";
    case SigV4ErrorKind::kInvalidClientTokenId:
      return json ? "UnrecognizedClientException" : "InvalidClientTokenId";
    case SigV4ErrorKind::kSignatureDoesNotMatch:
    case SigV4ErrorKind::kSignatureExpired:
      return json ? "InvalidSignatureException" : "SignatureDoesNotMatch";
    case SigV4ErrorKind::kRequestExpired:
      return json ? "InvalidSignatureException" : "RequestExpired";
    case SigV4ErrorKind::kInternalFailure:
      return "InternalFailure";
  }
  return "InternalFailure";
}

int SigV4HttpStatus(SigV4ErrorKind kind, AwsProtocol protocol) {
  const bool json = protocol == AwsProtocol::kJson;
  switch (kind) {
    case SigV4ErrorKind::kMissingAuthenticationToken:
      return json ? 400 : 403;
    case SigV4ErrorKind::kIncompleteSignature:
    case SigV4ErrorKind::kRequestExpired:
      return 400;
    case SigV4ErrorKind::kInvalidClientTokenId:
    case SigV4ErrorKind::kSignatureDoesNotMatch:
    case SigV4ErrorKind::kSignatureExpired:
      return json ? 400 : 403;
    case SigV4ErrorKind::kInternalFailure:
      return 500;
  }
  return 500;
}

SigV4Result VerifySigV4(const SigV4Request& request, const SigV4VerifyOptions& options,
                        const SecretLookup& lookup, common::TimeMs now) {
  std::string_view raw_path, raw_query;
  sigv4::SplitTarget(request.target, &raw_path, &raw_query);
  if (raw_path.empty() || raw_path.front() != '/') {
    return Fail(SigV4ErrorKind::kIncompleteSignature, "The request target must start with '/'.");
  }
  const auto authorizations = FindAll(request.headers, "authorization");
  auto params = sigv4::DecodeQuery(raw_query);
  if (!params.ok()) return Fail(SigV4ErrorKind::kIncompleteSignature, params.status().message());
  const bool presigned = sigv4::HasPresignedParameters(*params);
  if (authorizations.empty() && !presigned) {
    return Fail(SigV4ErrorKind::kMissingAuthenticationToken,
                "Request is missing Authentication Token");
  }
  if (authorizations.size() > 1) {
    return Fail(SigV4ErrorKind::kIncompleteSignature,
                "The request has more than one Authorization header.");
  }
  if (!authorizations.empty() && presigned) {
    return Fail(SigV4ErrorKind::kIncompleteSignature,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
                "Authorization header should be specified.");
  }
  if (presigned && !options.allow_presigned) {
    return Fail(SigV4ErrorKind::kIncompleteSignature,
                "Query-string authentication is not accepted here; sign the request with an "
                "Authorization header.");
  }
  auto parsed = presigned ? sigv4::ParsePresignedQuery(*params)
                          : sigv4::ParseAuthorizationHeader(*authorizations[0]);
  if (!parsed.ok()) return Fail(SigV4ErrorKind::kIncompleteSignature, parsed.status().message());
  const sigv4::ParsedAuth& auth = *parsed;

  auto when_or = FindRequestTime(request, auth);
  if (auto* error = std::get_if<SigV4Error>(&when_or)) return std::move(*error);
  const RequestTime& when = std::get<RequestTime>(when_or);
  if (auto error = CheckScopeAndTime(auth, when, options, now)) return std::move(*error);

  const std::string payload_hash = sigv4::Sha256Hex(request.body);
  std::optional<std::string> session_token = auth.session_token;
  if (auto error = CheckHeaders(request, auth, payload_hash, &session_token)) {
    return std::move(*error);
  }
  auto query = sigv4::CanonicalQuery(raw_query, presigned ? "X-Amz-Signature" : "");
  if (!query.ok()) return Fail(SigV4ErrorKind::kIncompleteSignature, query.status().message());

  const sigv4::Credential& cred = auth.credential;
  auto secret = lookup(cred.access_key_id);
  if (!secret.ok()) {
    if (secret.status().code() == common::StatusCode::kNotFound) {
      return Fail(SigV4ErrorKind::kInvalidClientTokenId,
                  "The security token included in the request is invalid.");
    }
    return Fail(SigV4ErrorKind::kInternalFailure,
                "The credentials could not be checked: " + secret.status().message());
  }
  const std::string canonical = sigv4::CanonicalRequest(
      request.method, sigv4::CanonicalPath(raw_path), *query,
      sigv4::CanonicalHeaders(request.headers, auth.signed_headers), auth.signed_headers,
      payload_hash);
  const std::string scope = sigv4::Scope(cred.date, cred.region, cred.service);
  const std::string expected =
      sigv4::Signature(secret->secret_access_key, cred.date, cred.region, cred.service,
                       sigv4::StringToSign(when.timestamp, scope, canonical));
  if (!sigv4::ConstantTimeEquals(expected, auth.signature)) {
    return Fail(SigV4ErrorKind::kSignatureDoesNotMatch, std::string(kMismatchMessage));
  }
  SigV4Identity identity;
  identity.access_key_id = cred.access_key_id;
  identity.principal = std::move(secret->principal);
  identity.session_token = std::move(session_token);
  identity.region = cred.region;
  identity.service = cred.service;
  identity.signed_at = when.time;
  identity.presigned = presigned;
  return identity;
}

common::Result<std::vector<Header>> SignSigV4(const SigV4Request& request,
                                              const SigV4Credentials& credentials,
                                              const SigV4SignOptions& options) {
  auto names = NamesToSign(request, /*presign=*/false);
  if (!names.ok()) return names.status();
  const std::string timestamp = sigv4::FormatAmzDate(options.now);
  const std::string date = timestamp.substr(0, 8);
  std::vector<Header> added = {{"X-Amz-Date", timestamp}};
  if (credentials.session_token) {
    added.emplace_back("X-Amz-Security-Token", *credentials.session_token);
    names->push_back("x-amz-security-token");
    std::sort(names->begin(), names->end());
  }
  std::vector<Header> all(request.headers.begin(), request.headers.end());
  all.insert(all.end(), added.begin(), added.end());

  std::string_view raw_path, raw_query;
  sigv4::SplitTarget(request.target, &raw_path, &raw_query);
  auto query = sigv4::CanonicalQuery(raw_query);
  if (!query.ok()) return query.status();
  const std::string canonical = sigv4::CanonicalRequest(
      request.method, sigv4::CanonicalPath(raw_path), *query, sigv4::CanonicalHeaders(all, *names),
      *names, sigv4::Sha256Hex(request.body));
  const std::string scope = sigv4::Scope(date, options.region, options.service);
  const std::string signature =
      sigv4::Signature(credentials.secret_access_key, date, options.region, options.service,
                       sigv4::StringToSign(timestamp, scope, canonical));
  added.emplace_back("Authorization", std::string(sigv4::kAlgorithm) + " Credential=" +
                                          credentials.access_key_id + "/" + scope +
                                          ", SignedHeaders=" + Join(*names, ';') +
                                          ", Signature=" + signature);
  return added;
}

common::Result<std::string> PresignSigV4(const SigV4Request& request,
                                         const SigV4Credentials& credentials,
                                         const SigV4SignOptions& options,
                                         std::chrono::seconds expires) {
  if (expires.count() < 1 || expires > kMaxPresignedExpiry) {
    return common::Status::InvalidArgument("expires must be from 1 to " +
                                           std::to_string(kMaxPresignedExpiry.count()) +
                                           " seconds");
  }
  auto names = NamesToSign(request, /*presign=*/true);
  if (!names.ok()) return names.status();
  const std::string timestamp = sigv4::FormatAmzDate(options.now);
  const std::string date = timestamp.substr(0, 8);
  const std::string scope = sigv4::Scope(date, options.region, options.service);

  std::string target(request.target);
  const bool has_query = target.find('?') != std::string::npos;
  if (!has_query) {
    target += '?';
  } else if (target.back() != '?' && target.back() != '&') {
    target += '&';
  }
  target += "X-Amz-Algorithm=" + std::string(sigv4::kAlgorithm);
  target += "&X-Amz-Credential=" +
            sigv4::UriEncode(credentials.access_key_id + "/" + scope, /*keep_slash=*/false);
  target += "&X-Amz-Date=" + timestamp;
  target += "&X-Amz-Expires=" + std::to_string(expires.count());
  target += "&X-Amz-SignedHeaders=" + sigv4::UriEncode(Join(*names, ';'), false);
  if (credentials.session_token) {
    target += "&X-Amz-Security-Token=" + sigv4::UriEncode(*credentials.session_token, false);
  }
  std::string_view raw_path, raw_query;
  sigv4::SplitTarget(target, &raw_path, &raw_query);
  auto query = sigv4::CanonicalQuery(raw_query);
  if (!query.ok()) return query.status();
  const std::string canonical = sigv4::CanonicalRequest(
      request.method, sigv4::CanonicalPath(raw_path), *query,
      sigv4::CanonicalHeaders(request.headers, *names), *names, sigv4::Sha256Hex(request.body));
  target += "&X-Amz-Signature=" +
            sigv4::Signature(credentials.secret_access_key, date, options.region, options.service,
                             sigv4::StringToSign(timestamp, scope, canonical));
  return target;
}

}  // namespace tactus::auth
