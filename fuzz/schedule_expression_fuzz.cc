// Parses arbitrary bytes as an EventBridge Scheduler expression (the first byte picks the time
// zone) and, when they parse, walks fire times from fixed instants. Catches crashes, sanitizer
// reports and hangs in triggers/ (an unbounded search shows as a libFuzzer timeout), and checks
// that fire times are strictly after the asked instant, increase, and are found again from just
// before them.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "triggers/schedule_expression.h"

namespace {

constexpr const char* kZones[] = {
    "UTC",         "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
    "Asia/Kolkata"};
constexpr std::int64_t kInstants[] = {
    std::numeric_limits<std::int64_t>::min(),
    -1,
    0,
    1'774'746'000'000,  // 2026-03-29T01:00:00Z, Berlin springs forward
    1'792'890'000'000,  // 2026-10-25T01:00:00Z, Berlin falls back
    7'258'118'400'000,  // 2200-01-01T00:00:00Z
    std::numeric_limits<std::int64_t>::max(),
};
constexpr std::int64_t kAnchor = 1'767'225'630'000;  // 2026-01-01T00:00:30Z
constexpr int kSteps = 16;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* zone = kZones[data[0] % (sizeof(kZones) / sizeof(kZones[0]))];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = tactus::triggers::ScheduleExpression::Parse(text, zone);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  const tactus::triggers::ScheduleExpression& schedule = parsed.value();
  if (schedule.expression() != text || schedule.timezone() != zone) __builtin_trap();
  for (std::int64_t start : kInstants) {
    std::int64_t after = start;
    for (int step = 0; step < kSteps; ++step) {
      const std::optional<std::int64_t> next = schedule.NextAfter(after, kAnchor);
      if (!next) break;
      if (*next <= after) __builtin_trap();
      if (schedule.NextAfter(*next - 1, kAnchor) != next) __builtin_trap();
      if (schedule.kind() == tactus::triggers::ScheduleKind::kCron && *next % 60'000 != 0) {
        __builtin_trap();
      }
      after = *next;
    }
  }
  return 0;
}
