// Structured logs: one JSON object per line on stderr, e.g.
//   {"time":"2026-11-27T02:15:00.123Z","level":"warning","component":"runtime","msg":"...",...}
// so that log collectors parse them without patterns. Messages below the process's level are
// dropped (default info).
//
// Thread-safe: lines from concurrent callers never interleave.
#pragma once

#include <string_view>

#include "common/json.h"

namespace tactus::common {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// "debug", "info", "warning", "error" -> level; false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// Writes one line with `fields` merged after time, level, component and msg.
void Log(LogLevel level, std::string_view component, std::string_view message,
         const json::object& fields = {});

}  // namespace tactus::common
