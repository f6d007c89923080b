// Time zones for the date expressions' `timezone` option: "UTC"/"GMT", fixed offsets
// ("+05:30", "-0800", "+05") and Olson names ("Europe/Berlin") read from the system's TZif
// files under kZoneInfoDir (Debian package tzdata).
//
// Why hand-written: g++ 12's libstdc++ has no std::chrono::tzdb, and no Debian library offers a
// small C++ API over tzdata. TZif v2+ files are parsed (64-bit transitions); instants past the
// last transition follow the file's POSIX TZ footer ("EST5EDT,M3.2.0,M11.1.0"; Mm.w.d rules).
// Loaded zones are cached for the life of the process. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "docdb/error.h"

namespace tactus::docdb::query {

inline constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo";
inline constexpr std::int32_t kUnrecognizedTimeZone = 40485;

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;
  // Resolves a zone. kUnrecognizedTimeZone (40485) 'unrecognized time zone identifier: "X"'
  // for anything else (including names with "..", which never leave kZoneInfoDir).
  static DbResult<TimeZone> Find(std::string_view name);

  // The offset from UTC (seconds, east positive) at the instant `utc_seconds`.
  std::int64_t OffsetAt(std::int64_t utc_seconds) const;
  // The offset to subtract from a local wall time to get UTC (for dates built from parts).
  std::int64_t OffsetForLocal(std::int64_t local_seconds) const;
  bool is_utc() const { return !rules_ && fixed_offset_ == 0; }

  struct Rules;

 private:
  std::int64_t fixed_offset_ = 0;
  std::shared_ptr<const Rules> rules_;
};

}  // namespace tactus::docdb::query
