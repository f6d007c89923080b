// Deterministic randomness for durable executions: SHA-256 in counter mode over a 256-bit key.
//
// A durable execution is rebuilt by replaying its journal, so its randomness (task tokens,
// States.UUID, retry jitter) must repeat exactly; yet task tokens must be unguessable. The key
// is drawn from the system's CSPRNG once per execution and stored with it (docs/serve.md), and
// every 64-bit value is the next slice of SHA-256(key || block counter).
//
// Not thread-safe (one per execution, driven by one thread at a time).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/random.h"

namespace tactus::runtime {

inline constexpr std::size_t kRandomKeyBytes = 32;
using RandomKey = std::array<std::uint8_t, kRandomKeyBytes>;

// A fresh key from OpenSSL's CSPRNG. Aborts if the CSPRNG fails (nothing safe to fall back to).
RandomKey NewRandomKey();

class KeyedRandom final : public common::Random {
 public:
  explicit KeyedRandom(const RandomKey& key) : key_(key) {}
  std::uint64_t Next() override;

 private:
  RandomKey key_;
  std::uint64_t block_ = 0;
  std::array<std::uint8_t, 32> buffer_{};
  std::size_t used_ = sizeof(buffer_);
};

// A random token of `bytes` bytes from the CSPRNG, hex-encoded (activity task tokens).
std::string NewToken(std::size_t bytes = 32);

}  // namespace tactus::runtime
