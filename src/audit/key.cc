#include "audit/key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/digest.h"

namespace tactus::audit {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSignatureBytes = 64;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

bool Unhex(std::string_view hex, std::vector<unsigned char>* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<unsigned char>(hi << 4 | lo));
  }
  return true;
}

std::string RawPublicHex(EVP_PKEY* key) {
  std::array<unsigned char, kKeyBytes> raw{};
  std::size_t len = raw.size();
  int rc = EVP_PKEY_get_raw_public_key(key, raw.data(), &len);
  assert(rc == 1 && len == kKeyBytes);
  (void)rc;
  return common::HexEncode(raw.data(), len);
}

common::Status Errno(const std::string& what, const std::string& path) {
  return common::Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

common::Result<AuditKey> Load(const std::string& path, int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    common::Status s = Errno("cannot stat", path);
    close(fd);
    return s;
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return common::Status::FailedPrecondition(
        "audit key " + path + " is readable by group or others; run chmod 600 on it");
  }
  std::array<unsigned char, kKeyBytes + 1> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      common::Status s = Errno("cannot read", path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fd);
  if (got != kKeyBytes) {
    return common::Status::InvalidArgument("audit key " + path +
                                           " must hold exactly 32 bytes (a raw Ed25519 key)");
  }
  return AuditKey::FromPrivateKey(
      std::string_view(reinterpret_cast<const char*>(buf.data()), kKeyBytes));
}

common::Status WriteAll(int fd, const unsigned char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return common::Status::IoError(std::strerror(errno));
    done += static_cast<std::size_t>(w);
  }
  return common::Status::Ok();
}

}  // namespace

AuditKey::AuditKey(EVP_PKEY* key) : key_(key), public_hex_(RawPublicHex(key)) {
  key_id_ = KeyIdOf(public_hex_);
}

AuditKey::AuditKey(AuditKey&& other) noexcept
    : key_(other.key_),
      public_hex_(std::move(other.public_hex_)),
      key_id_(std::move(other.key_id_)) {
  other.key_ = nullptr;
}

AuditKey& AuditKey::operator=(AuditKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    other.key_ = nullptr;
    public_hex_ = std::move(other.public_hex_);
    key_id_ = std::move(other.key_id_);
  }
  return *this;
}

AuditKey::~AuditKey() { EVP_PKEY_free(key_); }

common::Result<AuditKey> AuditKey::FromPrivateKey(std::string_view raw) {
  if (raw.size() != kKeyBytes) {
    return common::Status::InvalidArgument("an Ed25519 private key has exactly 32 bytes");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (!key) return common::Status::InvalidArgument("OpenSSL rejected the Ed25519 private key");
  return AuditKey(key);
}

common::Result<AuditKey> AuditKey::LoadOrCreate(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return Load(path, fd);
  if (errno != ENOENT) return Errno("cannot open", path);

  std::array<unsigned char, kKeyBytes> raw{};
  if (RAND_priv_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    return common::Status::Internal("the system's CSPRNG failed");
  }
  fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Another process created it between our two opens: use theirs.
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open", path);
    return Load(path, fd);
  }
  if (fd < 0) return Errno("cannot create", path);
  // The umask may have narrowed 0600 further; fchmod makes the mode exact.
  common::Status s = fchmod(fd, 0600) == 0 ? WriteAll(fd, raw.data(), raw.size())
                                           : common::Status::IoError(std::strerror(errno));
  if (s.ok() && fsync(fd) != 0) s = common::Status::IoError(std::strerror(errno));
  close(fd);
  if (!s.ok()) {
    unlink(path.c_str());
    return common::Status::IoError("cannot write " + path + ": " + s.message());
  }
  auto key =
      FromPrivateKey(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

std::string AuditKey::public_key_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string AuditKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::array<unsigned char, kSignatureBytes> sig{};
  std::size_t len = sig.size();
  // Ed25519 hashes internally: no digest (NULL md) and the one-shot DigestSign.
  bool ok =
      ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  assert(ok && "Ed25519 signing with a loaded key cannot fail");
  (void)ok;
  return common::HexEncode(sig.data(), len);
}

std::string KeyIdOf(std::string_view public_key_hex) {
  std::vector<unsigned char> raw;
  if (!Unhex(public_key_hex, &raw)) return "";
  return Sha256Hex(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()))
      .substr(0, 16);
}

common::Result<std::string> PublicKeyHexFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return common::Status::InvalidArgument("not a PEM PUBLIC KEY block holding an Ed25519 key");
  }
  return RawPublicHex(key.get());
}

bool VerifySignature(std::string_view public_key_hex, std::string_view message,
                     std::string_view signature_hex) {
  std::vector<unsigned char> pub, sig;
  if (!Unhex(public_key_hex, &pub) || pub.size() != kKeyBytes) return false;
  if (!Unhex(signature_hex, &sig) || sig.size() != kSignatureBytes) return false;
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace tactus::audit
