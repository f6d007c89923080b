#include "runtime/keyed_random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace tactus::runtime {

RandomKey NewRandomKey() {
  RandomKey key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
  return key;
}

std::uint64_t KeyedRandom::Next() {
  if (used_ + 8 > buffer_.size()) {
    std::uint8_t input[kRandomKeyBytes + 8];
    std::memcpy(input, key_.data(), kRandomKeyBytes);
    for (int i = 0; i < 8; ++i) input[kRandomKeyBytes + i] = (block_ >> (8 * i)) & 0xff;
    ++block_;
    unsigned int len = 0;
    EVP_Digest(input, sizeof(input), buffer_.data(), &len, EVP_sha256(), nullptr);
    used_ = 0;
  }
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(buffer_[used_ + i]) << (8 * i);
  used_ += 8;
  return v;
}

std::string NewToken(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    std::abort();
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace tactus::runtime
