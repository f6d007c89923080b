#include "docdb/auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unicode/usprep.h>
#include <unicode/ustring.h>

#include <vector>

namespace tactus::docdb::auth {
namespace {

const EVP_MD* Digest(Mechanism m) { return m == Mechanism::kScramSha1 ? EVP_sha1() : EVP_sha256(); }

std::string Hmac(Mechanism m, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Digest(m), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hash(Mechanism m, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, Digest(m), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

DbError Failed() { return MakeError(kAuthenticationFailed, "Authentication failed."); }

DbError Protocol(const std::string& what) { return MakeError(kProtocolError, "SCRAM: " + what); }

// Splits "a=1,b=2" into attributes; each must be "<letter>=<value>".
std::optional<std::vector<std::pair<char, std::string_view>>> Attributes(std::string_view text) {
  std::vector<std::pair<char, std::string_view>> out;
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed.
std::optional<std::string> DecodeSaslName(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      if (name[i] == ',') return std::nullopt;
      out += name[i];
      continue;
    }
    std::string_view esc = name.substr(i + 1, 2);
    if (esc == "2C") {
      out += ',';
    } else if (esc == "3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

}  // namespace

const char* MechanismName(Mechanism m) {
  return m == Mechanism::kScramSha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

std::optional<Mechanism> ParseMechanism(std::string_view name) {
  if (name == "SCRAM-SHA-256") return Mechanism::kScramSha256;
  if (name == "SCRAM-SHA-1") return Mechanism::kScramSha1;
  return std::nullopt;
}

DbResult<std::string> SaslPrep(std::string_view text, std::string_view field) {
  const std::string name(field);
  if (text.size() > kMaxPasswordBytes) {
    return MakeError(
        kBadValue, "'" + name + "' is longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  bool ascii_printable = true;
  for (char c : text) ascii_printable &= c >= 0x20 && c < 0x7F;
  if (ascii_printable) return std::string(text);  // SASLprep maps printable ASCII to itself

  UErrorCode status = U_ZERO_ERROR;
  std::vector<UChar> utf16(text.size() + 1);
  int32_t len16 = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &len16, text.data(),
                static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) return MakeError(kBadValue, "'" + name + "' is not valid UTF-8");
  UStringPrepProfile* profile = usprep_openByType(USPREP_RFC4013_SASLPREP, &status);
  if (U_FAILURE(status)) {
    return MakeError(kInternalError,
                     std::string("SASLprep is unavailable: ") + u_errorName(status));
  }
  // NFKC may expand a character up to 18 times; leave room for that.
  std::vector<UChar> prepped(static_cast<std::size_t>(len16) * 18 + 1);
  int32_t prepped_len =
      usprep_prepare(profile, utf16.data(), len16, prepped.data(),
                     static_cast<int32_t>(prepped.size()), USPREP_DEFAULT, nullptr, &status);
  usprep_close(profile);
  if (U_FAILURE(status)) {
    return MakeError(
        kBadValue, "'" + name + "' is not allowed by SASLprep (RFC 4013): " + u_errorName(status));
  }
  std::string out(static_cast<std::size_t>(prepped_len) * 3 + 1, '\0');
  int32_t out_len = 0;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_len, prepped.data(), prepped_len,
              &status);
  if (U_FAILURE(status)) return MakeError(kBadValue, "'" + name + "' cannot be SASLprepped");
  out.resize(static_cast<std::size_t>(out_len));
  if (out.empty()) return MakeError(kBadValue, "'" + name + "' is empty after SASLprep");
  return out;
}

DbResult<std::string> MechanismPassword(Mechanism m, std::string_view user,
                                        std::string_view password) {
  if (m == Mechanism::kScramSha256) return SaslPrep(password);
  if (password.size() > kMaxPasswordBytes) {
    return MakeError(kBadValue,
                     "'pwd' is longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  std::string input = std::string(user) + ":mongo:" + std::string(password);
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md5, &len, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md5[i] >> 4];
    hex += kHex[md5[i] & 15];
  }
  return hex;
}

ScramCredentials DeriveCredentials(Mechanism m, std::string_view password, std::string salt,
                                   int iterations) {
  unsigned char salted[EVP_MAX_MD_SIZE];
  int size = EVP_MD_get_size(Digest(m));
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, Digest(m), size, salted);
  std::string salted_password(reinterpret_cast<char*>(salted), static_cast<std::size_t>(size));
  OPENSSL_cleanse(salted, sizeof salted);
  ScramCredentials c;
  c.mechanism = m;
  c.salt = std::move(salt);
  c.iterations = iterations;
  c.stored_key = Hash(m, Hmac(m, salted_password, "Client Key"));
  c.server_key = Hmac(m, salted_password, "Server Key");
  OPENSSL_cleanse(salted_password.data(), salted_password.size());
  return c;
}

DbResult<ScramCredentials> NewCredentials(Mechanism m, std::string_view user,
                                          std::string_view password) {
  auto prepared = MechanismPassword(m, user, password);
  if (!prepared.ok()) return prepared.error();
  auto salt = RandomBytes(m == Mechanism::kScramSha1 ? kScramSha1SaltBytes : kScramSha256SaltBytes);
  if (!salt.ok()) return salt.error();
  return DeriveCredentials(
      m, prepared.value(), std::move(salt).value(),
      m == Mechanism::kScramSha1 ? kScramSha1Iterations : kScramSha256Iterations);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

DbResult<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return MakeError(kInternalError, "OpenSSL could not supply random bytes");
  }
  return out;
}

DbResult<std::string> NewServerNonce() {
  auto bytes = RandomBytes(24);
  if (!bytes.ok()) return bytes.error();
  return Base64Encode(bytes.value());
}

ScramServer::ScramServer(Mechanism mechanism, std::string server_nonce)
    : mechanism_(mechanism), server_nonce_(std::move(server_nonce)) {}

DbResult<std::string> ScramServer::Start(std::string_view client_first, const Lookup& lookup) {
  if (step_ != Step::kStart) return Protocol("the conversation has already started");
  step_ = Step::kDone;  // any failure ends the conversation
  // gs2-header: cbind-flag "," [authzid] ","
  std::size_t first = client_first.find(',');
  std::size_t second = first == std::string_view::npos ? first : client_first.find(',', first + 1);
  if (second == std::string_view::npos) return Protocol("client-first-message has no gs2 header");
  std::string_view flag = client_first.substr(0, first);
  if (flag != "n" && flag != "y") {
    return Protocol("channel binding is not supported (gs2 flag '" + std::string(flag) + "')");
  }
  std::string_view authzid = client_first.substr(first + 1, second - first - 1);
  if (!authzid.empty() && authzid.substr(0, 2) != "a=") return Protocol("malformed authzid");
  gs2_header_ = std::string(client_first.substr(0, second + 1));
  client_first_bare_ = std::string(client_first.substr(second + 1));
  auto attrs = Attributes(client_first_bare_);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'n' || (*attrs)[1].first != 'r') {
    return Protocol("client-first-message must be n=<user>,r=<nonce>");
  }
  if ((*attrs)[0].second.empty() || (*attrs)[1].second.empty()) {
    return Protocol("client-first-message has an empty user or nonce");
  }
  for (std::size_t i = 2; i < attrs->size(); ++i) {
    if ((*attrs)[i].first == 'm') return Protocol("mandatory extensions are not supported");
  }
  auto user = DecodeSaslName((*attrs)[0].second);
  if (!user) return Protocol("malformed user name");
  user_ = std::move(*user);
  auto found = lookup(user_);
  if (!found.ok()) return found.error();
  if (!found.value()) return Failed();
  credentials_ = std::move(*found.value());
  nonce_ = std::string((*attrs)[1].second) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + Base64Encode(credentials_.salt) +
                  ",i=" + std::to_string(credentials_.iterations);
  step_ = Step::kFinish;
  return server_first_;
}

DbResult<std::string> ScramServer::Finish(std::string_view client_final) {
  if (step_ != Step::kFinish) return Protocol("unexpected client-final-message");
  step_ = Step::kDone;
  std::size_t proof_at = client_final.rfind(",p=");
  if (proof_at == std::string_view::npos) return Protocol("client-final-message has no proof");
  std::string_view without_proof = client_final.substr(0, proof_at);
  auto attrs = Attributes(without_proof);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'c' || (*attrs)[1].first != 'r') {
    return Protocol("client-final-message must be c=<binding>,r=<nonce>,...,p=<proof>");
  }
  auto binding = Base64Decode((*attrs)[0].second);
  if (!binding || *binding != gs2_header_) return Protocol("channel binding does not match");
  if ((*attrs)[1].second != nonce_) return Protocol("nonce does not match");
  auto proof = Base64Decode(client_final.substr(proof_at + 3));
  if (!proof || proof->size() != credentials_.stored_key.size()) return Failed();

  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  std::string client_signature = Hmac(mechanism_, credentials_.stored_key, auth_message);
  std::string client_key(proof->size(), '\0');
  for (std::size_t i = 0; i < client_key.size(); ++i) {
    client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  }
  std::string stored = Hash(mechanism_, client_key);
  if (CRYPTO_memcmp(stored.data(), credentials_.stored_key.data(), stored.size()) != 0) {
    return Failed();
  }
  authenticated_ = true;
  return "v=" + Base64Encode(Hmac(mechanism_, credentials_.server_key, auth_message));
}

}  // namespace tactus::docdb::auth
