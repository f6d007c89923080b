#include "auth/sigv4_canonical.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

#include "common/digest.h"

namespace tactus::auth::sigv4 {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

using Mac = std::array<unsigned char, 32>;

Mac Hmac(std::string_view key, std::string_view data) {
  Mac out{};
  unsigned int size = 0;
  unsigned char* done =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  assert(done != nullptr && size == out.size() && "HMAC-SHA256 failed");
  (void)done;
  return out;
}

std::string_view View(const Mac& mac) {
  return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

common::Result<std::string> QueryDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      const bool room = i + 2 < text.size();
      const int hi = room ? HexValue(text[i + 1]) : -1;
      const int lo = room ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return common::Status::InvalidArgument(
            "the query string has a '%' not followed by two hex digits at offset " +
            std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string CanonicalPath(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= raw_path.size()) {
    std::size_t slash = raw_path.find('/', start);
    if (slash == std::string_view::npos) slash = raw_path.size();
    const std::string_view segment = raw_path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  std::string path = raw_path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) path += '/';
    path += segments[i];
  }
  if (raw_path.back() == '/' && !segments.empty()) path += '/';
  return UriEncode(path, /*keep_slash=*/true);
}

common::Result<std::string> CanonicalQuery(std::string_view raw_query, std::string_view skip) {
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
    if (!skip.empty() && *name == skip) continue;
    params.emplace_back(UriEncode(*name, false), UriEncode(*value, false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string CanonicalHeaders(std::span<const Header> headers,
                             std::span<const std::string> signed_names) {
  std::string out;
  for (const std::string& name : signed_names) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [header_name, value] : headers) {
      if (Lower(header_name) != name) continue;
      if (!first) out += ',';
      out += CanonicalHeaderValue(value);
      first = false;
    }
    assert(!first && "signed header missing from the request");
    out += '\n';
  }
  return out;
}

void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  const std::size_t q = target.find('?');
  *path = target.substr(0, q);
  *query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_path,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::span<const std::string> signed_names,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_path.size() + canonical_query.size() +
              canonical_headers.size() + 256);
  out.append(method).append("\n");
  out.append(canonical_path).append("\n");
  out.append(canonical_query).append("\n");
  out.append(canonical_headers).append("\n");
  for (std::size_t i = 0; i < signed_names.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_names[i];
  }
  out.append("\n").append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view timestamp, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(timestamp).append("\n").append(scope).append("\n");
  out += Sha256Hex(canonical_request);
  return out;
}

std::string Scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out(date);
  out.append("/").append(region).append("/").append(service).append("/").append(kTerminator);
  return out;
}

std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  std::string first_key = "AWS4";
  first_key.append(secret);
  const Mac k_date = Hmac(first_key, date);
  OPENSSL_cleanse(first_key.data(), first_key.size());
  const Mac k_region = Hmac(View(k_date), region);
  const Mac k_service = Hmac(View(k_region), service);
  const Mac k_signing = Hmac(View(k_service), kTerminator);
  const Mac signature = Hmac(View(k_signing), string_to_sign);
  return common::HexEncode(signature.data(), signature.size());
}

std::string Sha256Hex(std::string_view bytes) { return common::Sha256Hex(bytes); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tactus::auth::sigv4
