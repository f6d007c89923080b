#include "triggers/flexible_window.h"

#include <string>

#include "common/digest.h"
#include "common/json.h"

namespace tactus::triggers {

namespace json = boost::json;
using common::Result;
using common::Status;

Result<FlexibleWindow> ParseFlexibleWindow(const json::value& value) {
  const json::object* object = value.if_object();
  if (!object) {
    return Status::InvalidArgument("FlexibleTimeWindow: expected an object, got " +
                                   std::string(common::JsonKindName(value)));
  }
  for (const auto& member : *object) {
    if (member.key() != "Mode" && member.key() != "MaximumWindowInMinutes") {
      return Status::InvalidArgument("FlexibleTimeWindow: unknown member \"" +
                                     std::string(member.key()) +
                                     "\"; expected Mode and MaximumWindowInMinutes");
    }
  }
  const json::value* mode = object->if_contains("Mode");
  if (!mode) {
    return Status::InvalidArgument("FlexibleTimeWindow.Mode: required (OFF or FLEXIBLE)");
  }
  const json::string* mode_text = mode->if_string();
  if (!mode_text || (*mode_text != "OFF" && *mode_text != "FLEXIBLE")) {
    return Status::InvalidArgument(
        "FlexibleTimeWindow.Mode: must be \"OFF\" or \"FLEXIBLE\", got " +
        common::SerializeJson(*mode));
  }
  FlexibleWindow window;
  window.mode = *mode_text == "OFF" ? FlexibleMode::kOff : FlexibleMode::kFlexible;
  const json::value* minutes = object->if_contains("MaximumWindowInMinutes");
  if (!minutes) {
    if (window.mode == FlexibleMode::kOff) return window;
    return Status::InvalidArgument(
        "FlexibleTimeWindow.MaximumWindowInMinutes: required when Mode is FLEXIBLE (1-1440)");
  }
  std::int64_t n = 0;
  if (!common::AsInt64(*minutes, &n) || minutes->is_bool() || n < kMinFlexibleWindowMinutes ||
      n > kMaxFlexibleWindowMinutes) {
    return Status::InvalidArgument(
        "FlexibleTimeWindow.MaximumWindowInMinutes: must be a whole number from " +
        std::to_string(kMinFlexibleWindowMinutes) + " to " +
        std::to_string(kMaxFlexibleWindowMinutes) + ", got " + common::SerializeJson(*minutes));
  }
  if (window.mode == FlexibleMode::kFlexible) window.maximum_window_minutes = n;
  return window;
}

json::value FlexibleWindowToJson(const FlexibleWindow& window) {
  json::object out;
  if (window.mode == FlexibleMode::kOff) {
    out["Mode"] = "OFF";
  } else {
    out["Mode"] = "FLEXIBLE";
    out["MaximumWindowInMinutes"] = window.maximum_window_minutes;
  }
  return out;
}

std::int64_t FlexibleDelayMs(const FlexibleWindow& window, std::string_view seed) {
  if (window.mode == FlexibleMode::kOff || window.maximum_window_minutes <= 0) return 0;
  const common::Sha256Digest digest = common::Sha256(seed);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  const auto window_ms = static_cast<std::uint64_t>(window.maximum_window_minutes) * 60'000;
  return static_cast<std::int64_t>(v % window_ms);
}

}  // namespace tactus::triggers
