#include "auth/master_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "common/digest.h"

namespace tactus::auth {

namespace {

constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::string Hex(std::string_view data) {
  return common::HexEncode(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

common::Status Errno(const std::string& what, const std::string& path) {
  return common::Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

common::Result<MasterKey> ReadKeyFile(const std::string& path, int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Errno("cannot stat", path);
  if ((st.st_mode & 077) != 0) {
    return common::Status::FailedPrecondition(
        "master key " + path + " is readable by group or others; run chmod 600 on it");
  }
  std::string buf(kMasterKeyBytes + 1, '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read", path);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != kMasterKeyBytes) {
    return common::Status::InvalidArgument("master key " + path + " must hold exactly 32 bytes");
  }
  buf.resize(got);
  return MasterKey::FromBytes(buf);
}

}  // namespace

MasterKey::MasterKey(std::string raw) : raw_(std::move(raw)) {
  const common::Sha256Digest digest = common::Sha256(raw_);
  kid_ = common::HexEncode(digest.data(), 8);
}

common::Result<MasterKey> MasterKey::FromBytes(std::string_view raw) {
  if (raw.size() != kMasterKeyBytes) {
    return common::Status::InvalidArgument("a master key is 32 bytes, not " +
                                           std::to_string(raw.size()));
  }
  return MasterKey(std::string(raw));
}

common::Result<MasterKey> MasterKey::FromBase64(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  // 32 bytes are 44 base64 characters ending in one '='.
  if (text.size() != 44 || text[43] != '=' || text[42] == '=') {
    return common::Status::InvalidArgument(std::string(kMasterKeyEnv) +
                                           " must be the standard base64 of 32 bytes "
                                           "(e.g. `openssl rand -base64 32`)");
  }
  unsigned char out[33];
  int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n != 33) {
    return common::Status::InvalidArgument(std::string(kMasterKeyEnv) + " is not valid base64");
  }
  return FromBytes(std::string_view(reinterpret_cast<const char*>(out), kMasterKeyBytes));
}

common::Result<MasterKey> MasterKey::Load(const std::string& path, const char* env_value,
                                          bool* created) {
  if (created) *created = false;
  if (env_value && *env_value) return FromBase64(env_value);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    auto key = ReadKeyFile(path, fd);
    close(fd);
    return key;
  }
  if (errno != ENOENT) return Errno("cannot open", path);
  std::string raw(kMasterKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    return common::Status::Internal("the CSPRNG failed");
  }
  fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Load(path, nullptr, created);  // another process won the race
    return Errno("cannot create", path);
  }
  std::size_t done = 0;
  while (done < raw.size()) {
    ssize_t w = write(fd, raw.data() + done, raw.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      common::Status s = Errno("cannot write", path);
      close(fd);
      unlink(path.c_str());
      return s;
    }
    done += static_cast<std::size_t>(w);
  }
  if (fsync(fd) != 0) {
    common::Status s = Errno("cannot sync", path);
    close(fd);
    return s;
  }
  close(fd);
  if (created) *created = true;
  return MasterKey(std::move(raw));
}

SealedSecret MasterKey::Seal(std::string_view plaintext, std::string_view aad) const {
  unsigned char iv[kIvBytes];
  int rc = RAND_bytes(iv, sizeof iv);
  if (rc != 1) std::abort();  // no randomness: refusing beats reusing an IV
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string ct(plaintext.size() + kTagBytes, '\0');
  int len = 0, total = 0;
  bool ok = ctx &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                               reinterpret_cast<const unsigned char*>(raw_.data()), iv) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(ct.data()), &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(ct.data()) + total,
                                 &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                 reinterpret_cast<unsigned char*>(ct.data()) + total) == 1;
  if (!ok) std::abort();  // AES-GCM with valid sizes cannot fail short of a broken OpenSSL
  ct.resize(static_cast<std::size_t>(total) + kTagBytes);
  return SealedSecret{kid_, Hex(std::string_view(reinterpret_cast<const char*>(iv), kIvBytes)),
                      Hex(ct)};
}

common::Result<std::string> MasterKey::Open(const SealedSecret& sealed,
                                            std::string_view aad) const {
  if (sealed.kid != kid_) {
    return common::Status::FailedPrecondition("sealed under another master key (kid " + sealed.kid +
                                              ", this key is " + kid_ + ")");
  }
  std::string iv, ct;
  if (!Unhex(sealed.iv, &iv) || iv.size() != kIvBytes || !Unhex(sealed.ct, &ct) ||
      ct.size() < kTagBytes) {
    return common::Status::InvalidArgument("malformed sealed secret");
  }
  std::size_t n = ct.size() - kTagBytes;
  std::string plain(n, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                               reinterpret_cast<const unsigned char*>(raw_.data()),
                               reinterpret_cast<const unsigned char*>(iv.data())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                              reinterpret_cast<const unsigned char*>(ct.data()),
                              static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, ct.data() + n) == 1;
  int tail = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                                 &tail) == 1;
  if (!ok) return common::Status::InvalidArgument("the sealed secret does not authenticate");
  return plain;
}

}  // namespace tactus::auth
