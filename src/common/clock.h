// Time behind an interface, so the engine never reads ambient time and tests control it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tactus::common {

// Milliseconds since the Unix epoch, UTC.
using TimeMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs Now() const = 0;
};

// The wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  TimeMs Now() const override;
};

// A clock that moves only when told. Not thread-safe.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(TimeMs start) : now_(start) {}
  TimeMs Now() const override { return now_; }
  // REQUIRES: t >= Now()
  void AdvanceTo(TimeMs t);

 private:
  TimeMs now_;
};

// "2024-05-01T10:00:00.123Z" (ISO-8601, UTC, millisecond precision), as AWS prints times.
std::string FormatIso8601(TimeMs t);

// Parses an RFC 3339 / ISO-8601 extended date-time WITH an offset ("Z" or "+hh:mm"), with
// optional fractional seconds, as AWS's Wait state accepts it. Returns nullopt when the text is
// not such a timestamp or names an impossible date.
std::optional<TimeMs> ParseIso8601(std::string_view text);

}  // namespace tactus::common
