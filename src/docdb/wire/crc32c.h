// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of OP_MSG's optional
// trailing checksum field. Hand-written (a 256-entry table, one byte per step) because no
// library in the dependency list exposes it and the wire needs only a few lines of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tactus::docdb::wire {

// The CRC-32C of `len` bytes at `data`; Crc32c("123456789") == 0xE3069283.
// Thread-safe (the table is a compile-time constant).
std::uint32_t Crc32c(const std::uint8_t* data, std::size_t len);

// Continues a checksum: Crc32cExtend(Crc32c(a), b) == Crc32c(a followed by b).
std::uint32_t Crc32cExtend(std::uint32_t crc, const std::uint8_t* data, std::size_t len);

}  // namespace tactus::docdb::wire
