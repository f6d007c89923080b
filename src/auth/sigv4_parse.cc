#include "auth/sigv4_parse.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "auth/sigv4.h"
#include "auth/sigv4_canonical.h"

namespace tactus::auth::sigv4 {
namespace {

using common::Status;

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool IsTokenChar(char c) {
  // RFC 9110 tchar, lower-case letters only (SignedHeaders names are lower-case).
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsRegionOrServiceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool IsAccessKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

common::Result<Credential> ParseCredential(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() <= 5) {
    const std::size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5) {
    return Status::InvalidArgument(
        "Credential is malformed: expected <access key id>/<yyyymmdd>/<region>/<service>/"
        "aws4_request.");
  }
  const std::string_view akid = parts[0], date = parts[1], region = parts[2],
                         service = parts[3], terminator = parts[4];
  if (akid.empty() || akid.size() > kMaxAccessKeyIdBytes ||
      !std::all_of(akid.begin(), akid.end(), IsAccessKeyChar)) {
    return Status::InvalidArgument(
        "Credential is malformed: the access key id must be 1 to " +
        std::to_string(kMaxAccessKeyIdBytes) + " letters, digits, '-' or '_'.");
  }
  if (date.size() != 8 || !AllDigits(date) ||
      !ParseAmzDate(std::string(date) + "T000000Z").has_value()) {
    return Status::InvalidArgument("Credential is malformed: the scope date '" +
                                   std::string(date) + "' is not a yyyymmdd date.");
  }
  if (region.empty() || !std::all_of(region.begin(), region.end(), IsRegionOrServiceChar)) {
    return Status::InvalidArgument("Credential should be scoped to a valid region, not '" +
                                   std::string(region) + "'.");
  }
  if (service.empty() || !std::all_of(service.begin(), service.end(), IsRegionOrServiceChar)) {
    return Status::InvalidArgument("Credential should be scoped to a valid service, not '" +
                                   std::string(service) + "'.");
  }
  if (terminator != kTerminator) {
    return Status::InvalidArgument(
        "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
        std::string(terminator) + "'.");
  }
  return Credential{std::string(akid), std::string(date), std::string(region),
                    std::string(service)};
}

common::Result<std::vector<std::string>> ParseSignedHeaders(std::string_view text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t semi = text.find(';', start);
    if (semi == std::string_view::npos) semi = text.size();
    const std::string_view name = text.substr(start, semi - start);
    start = semi + 1;
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::InvalidArgument(
          "SignedHeaders is malformed: it must list lower-case header names separated by ';'.");
    }
    if (!names.empty() && name <= names.back()) {
      return Status::InvalidArgument(
          "SignedHeaders is malformed: the names must be sorted and unique ('" +
          std::string(name) + "' after '" + names.back() + "').");
    }
    if (names.size() == kMaxSignedHeaders) {
      return Status::InvalidArgument("SignedHeaders lists more than " +
                                     std::to_string(kMaxSignedHeaders) + " headers.");
    }
    names.emplace_back(name);
  }
  return names;
}

common::Result<ParsedAuth> ParseAuthorizationHeader(std::string_view value) {
  if (value.size() > kMaxAuthorizationBytes) {
    return Status::InvalidArgument("The Authorization header is longer than " +
                                   std::to_string(kMaxAuthorizationBytes) + " bytes.");
  }
  const std::size_t space = value.find(' ');
  const std::string_view algorithm = value.substr(0, space);
  if (algorithm != kAlgorithm) {
    return Status::InvalidArgument("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                                   "'. Sign with AWS4-HMAC-SHA256.");
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  const std::string_view rest =
      Trim(space == std::string_view::npos ? "" : value.substr(space + 1));
  std::size_t start = 0;
  while (!rest.empty() && start <= rest.size()) {
    std::size_t comma = rest.find(',', start);
    if (comma == std::string_view::npos) comma = rest.size();
    const std::string_view component = Trim(rest.substr(start, comma - start));
    start = comma + 1;
    const std::size_t eq = component.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("Authorization header component '" +
                                     std::string(component.substr(0, 64)) +
                                     "' is not of the form Name=value.");
    }
    const std::string_view name = component.substr(0, eq);
    const std::string_view part = component.substr(eq + 1);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_headers
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (slot == nullptr) {
      return Status::InvalidArgument("Authorization header has an unknown component '" +
                                     std::string(name.substr(0, 64)) + "'.");
    }
    if (slot->has_value()) {
      return Status::InvalidArgument("Authorization header has '" + std::string(name) +
                                     "' more than once.");
    }
    *slot = part;
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    return Status::InvalidArgument(missing);
  }
  ParsedAuth parsed;
  auto cred = ParseCredential(*credential);
  if (!cred.ok()) return cred.status();
  parsed.credential = std::move(cred).value();
  auto names = ParseSignedHeaders(*signed_headers);
  if (!names.ok()) return names.status();
  parsed.signed_headers = std::move(names).value();
  if (!IsLowerHex64(*signature)) {
    return Status::InvalidArgument("Signature must be 64 lower-case hexadecimal digits.");
  }
  parsed.signature = std::string(*signature);
  return parsed;
}

common::Result<std::vector<std::pair<std::string, std::string>>> DecodeQuery(
    std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    std::size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view param = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    auto name = QueryDecode(param.substr(0, eq));
    if (!name.ok()) return name.status();
    auto value = QueryDecode(eq == std::string_view::npos ? "" : param.substr(eq + 1));
    if (!value.ok()) return value.status();
    params.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return params;
}

bool HasPresignedParameters(const std::vector<std::pair<std::string, std::string>>& params) {
  return std::any_of(params.begin(), params.end(), [](const auto& p) {
    return p.first == "X-Amz-Algorithm" || p.first == "X-Amz-Credential" ||
           p.first == "X-Amz-Signature";
  });
}

common::Result<ParsedAuth> ParsePresignedQuery(
    const std::vector<std::pair<std::string, std::string>>& params) {
  constexpr std::array<std::string_view, 7> kNames = {
      "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",          "X-Amz-Expires",
      "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"};
  std::array<const std::string*, kNames.size()> found{};
  for (const auto& [name, value] : params) {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (name != kNames[i]) continue;
      if (found[i] != nullptr) {
        return Status::InvalidArgument("AWS query-string parameter '" + name +
                                       "' appears more than once.");
      }
      found[i] = &value;
    }
  }
  for (std::size_t i = 0; i + 1 < kNames.size(); ++i) {
    if (found[i] == nullptr) {
      return Status::InvalidArgument("AWS query-string parameters must include '" +
                                     std::string(kNames[i]) +
                                     "'. Re-examine the query-string parameters.");
    }
  }
  if (*found[0] != kAlgorithm) {
    return Status::InvalidArgument("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256', not '" +
                                   found[0]->substr(0, 64) + "'.");
  }
  ParsedAuth parsed;
  parsed.presigned = true;
  auto cred = ParseCredential(*found[1]);
  if (!cred.ok()) return cred.status();
  parsed.credential = std::move(cred).value();
  parsed.timestamp = *found[2];
  const std::string& expires = *found[3];
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), seconds);
  if (expires.empty() || !AllDigits(expires) || ec != std::errc() ||
      end != expires.data() + expires.size() || seconds < 1 ||
      seconds > kMaxPresignedExpiry.count()) {
    return Status::InvalidArgument("X-Amz-Expires must be an integer number of seconds from 1 to " +
                                   std::to_string(kMaxPresignedExpiry.count()) + ".");
  }
  parsed.expires_seconds = seconds;
  auto names = ParseSignedHeaders(*found[4]);
  if (!names.ok()) return names.status();
  parsed.signed_headers = std::move(names).value();
  if (!IsLowerHex64(*found[5])) {
    return Status::InvalidArgument("X-Amz-Signature must be 64 lower-case hexadecimal digits.");
  }
  parsed.signature = *found[5];
  if (found[6] != nullptr) parsed.session_token = *found[6];
  return parsed;
}

std::optional<common::TimeMs> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !AllDigits(text.substr(0, 8)) ||
      !AllDigits(text.substr(9, 6))) {
    return std::nullopt;
  }
  std::string iso;
  iso.append(text.substr(0, 4)).append("-").append(text.substr(4, 2)).append("-");
  iso.append(text.substr(6, 2)).append("T").append(text.substr(9, 2)).append(":");
  iso.append(text.substr(11, 2)).append(":").append(text.substr(13, 2)).append("Z");
  return common::ParseIso8601(iso);
}

std::optional<common::TimeMs> ParseHttpDate(std::string_view text) {
  // "Wed, 01 May 2024 10:00:00 GMT": 29 bytes with a 3-letter zone, 31 with "+0000".
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 29) return std::nullopt;
  const std::string_view zone = text.substr(26);
  if (zone != "GMT" && zone != "UTC" && zone != "+0000" && zone != "-0000") return std::nullopt;
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end() ||
      text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text[25] != ' ' || !AllDigits(text.substr(5, 2)) ||
      !AllDigits(text.substr(12, 4)) || !AllDigits(text.substr(17, 2)) ||
      !AllDigits(text.substr(20, 2)) || !AllDigits(text.substr(23, 2))) {
    return std::nullopt;
  }
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  const int m = static_cast<int>(month - kMonths.begin()) + 1;
  std::string amz;
  amz.append(text.substr(12, 4));
  amz.push_back(static_cast<char>('0' + m / 10));
  amz.push_back(static_cast<char>('0' + m % 10));
  amz.append(text.substr(5, 2)).append("T");
  amz.append(text.substr(17, 2)).append(text.substr(20, 2)).append(text.substr(23, 2));
  amz.append("Z");
  return ParseAmzDate(amz);
}

std::string FormatAmzDate(common::TimeMs t) {
  // FormatIso8601: "2024-05-01T10:00:00.123Z"
  const std::string iso = common::FormatIso8601(t);
  std::string out;
  for (std::size_t i = 0; i < iso.size() && iso[i] != '.'; ++i) {
    if (iso[i] != '-' && iso[i] != ':') out.push_back(iso[i]);
  }
  out.push_back('Z');
  return out;
}

}  // namespace tactus::auth::sigv4
