#include "common/random.h"

#include <cstdio>

namespace tactus::common {

double Random::NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

std::string Random::Uuid4() {
  std::uint64_t hi = Next(), lo = Next();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

SystemRandom::SystemRandom() {
  std::random_device rd;
  engine_.seed((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
}

}  // namespace tactus::common
