#include "docdb/wire/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace tactus::docdb::wire {
namespace {

const std::uint8_t* Bytes(const char* s) { return reinterpret_cast<const std::uint8_t*>(s); }

TEST(Crc32cTest, KnownVector) { EXPECT_EQ(Crc32c(Bytes("123456789"), 9), 0xE3069283u); }

TEST(Crc32cTest, EmptyIsZero) { EXPECT_EQ(Crc32c(nullptr, 0), 0u); }

// RFC 3720 (iSCSI) B.4 test vectors.
TEST(Crc32cTest, Rfc3720Vectors) {
  std::vector<std::uint8_t> zeros(32, 0x00), ones(32, 0xFF), ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<std::uint8_t>(i);
    descending[i] = static_cast<std::uint8_t>(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(ascending.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending.data(), 32), 0x113FDB5Cu);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  const char* text = "The quick brown fox jumps over the lazy dog";
  const std::size_t n = std::strlen(text);
  for (std::size_t split = 0; split <= n; ++split) {
    EXPECT_EQ(Crc32cExtend(Crc32c(Bytes(text), split), Bytes(text) + split, n - split),
              Crc32c(Bytes(text), n));
  }
}

}  // namespace
}  // namespace tactus::docdb::wire
