// Little-endian loads and stores for wire integers. The protocol is little-endian whatever the
// host; memcpy keeps unaligned access defined.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace tactus::docdb::wire {

inline std::uint32_t LoadLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

inline std::int32_t LoadLeInt32(const std::uint8_t* p) {
  return static_cast<std::int32_t>(LoadLe32(p));
}

inline void StoreLe32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

inline void AppendLe32(std::string* out, std::uint32_t v) {
  std::uint8_t b[4];
  StoreLe32(b, v);
  out->append(reinterpret_cast<const char*>(b), 4);
}

inline void AppendLe64(std::string* out, std::uint64_t v) {
  AppendLe32(out, static_cast<std::uint32_t>(v));
  AppendLe32(out, static_cast<std::uint32_t>(v >> 32));
}

}  // namespace tactus::docdb::wire
