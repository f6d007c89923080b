// FlexibleTimeWindow of an EventBridge Scheduler schedule: fire at the scheduled time (OFF), or
// at a time within MaximumWindowInMinutes after it (FLEXIBLE), spreading load.
//
// The delay inside the window is a pure function of a seed (the schedule's name and the fire
// time), so every `tactus serve` process sharing one MongoDB computes the same moment without
// coordinating. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace tactus::triggers {

// AWS's bounds on MaximumWindowInMinutes.
inline constexpr std::int64_t kMinFlexibleWindowMinutes = 1;
inline constexpr std::int64_t kMaxFlexibleWindowMinutes = 1440;

enum class FlexibleMode { kOff, kFlexible };

struct FlexibleWindow {
  FlexibleMode mode = FlexibleMode::kOff;
  std::int64_t maximum_window_minutes = 0;  // 0 when mode is kOff
};

// Reads {"Mode": "OFF"} or {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1-1440}. With OFF a
// MaximumWindowInMinutes is range-checked and ignored (AWS documents no rule for it). On failure
// returns InvalidArgument naming the member ("FlexibleTimeWindow.Mode: ...").
common::Result<FlexibleWindow> ParseFlexibleWindow(const boost::json::value& value);

// The JSON form ParseFlexibleWindow reads (what GetSchedule returns).
boost::json::value FlexibleWindowToJson(const FlexibleWindow& window);

// A delay in [0, window) milliseconds, from the first 8 bytes of SHA-256(seed); 0 when the mode
// is kOff. The same seed gives the same delay in every process and release.
std::int64_t FlexibleDelayMs(const FlexibleWindow& window, std::string_view seed);

}  // namespace tactus::triggers
