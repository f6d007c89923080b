// SHA-256 and hex encoding: the one place the rest of Tactus gets them from (OpenSSL).
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tactus::common {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
// Lower-case hex of `size` bytes.
std::string HexEncode(const std::uint8_t* data, std::size_t size);
// HexEncode(Sha256(data)): 64 characters.
std::string Sha256Hex(std::string_view data);

}  // namespace tactus::common
