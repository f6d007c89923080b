// Internal to the date expressions (expr_date*.cc) and $convert: dates broken into local parts
// in a time zone, and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "docdb/error.h"
#include "docdb/query/tz.h"
#include "docdb/query/value.h"

namespace tactus::docdb::query::internal {

struct LocalParts {
  std::int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
  int day_of_week = 1;      // 1 = Sunday .. 7 = Saturday
  int day_of_year = 1;      // 1..366
  int iso_day_of_week = 1;  // 1 = Monday .. 7 = Sunday
  int iso_week = 1;
  std::int64_t iso_week_year = 1970;
  int week = 0;  // %U: weeks starting on Sunday, 0..53
  std::int64_t offset_seconds = 0;
  std::int64_t local_days = 0;  // days since 1970-01-01 in local time
};

// The instant `utc_ms` in `zone`.
LocalParts Breakdown(std::int64_t utc_ms, const TimeZone& zone);
// The UTC instant of a local wall time given as milliseconds since the local epoch.
std::int64_t LocalToUtc(std::int64_t local_ms, const TimeZone& zone);

// A date operand: dates, timestamps and ObjectIds convert; nullopt for null/missing;
// 16006 "can't convert from BSON type X to Date" otherwise.
DbResult<std::optional<std::int64_t>> DateOf(const Value& v, std::string_view op);
// A timezone operand: UTC when missing; nullopt for null; 40517 when not a string; 40485 when
// unknown.
DbResult<std::optional<TimeZone>> ZoneOf(const Value& v);

// Parses a date string: ISO 8601 forms ("2017-02-08", "2017-02-08T12:10:40.787Z",
// "2017-02-08 12:10:40+02:00") or, with `format`, the $dateToString specifiers. A string that
// names its own offset ignores `zone`. ConversionFailure (241) naming the string otherwise.
DbResult<std::int64_t> ParseDateString(std::string_view text,
                                       const std::optional<std::string>& format,
                                       const TimeZone& zone);
// Formats with $dateToString's specifiers; 18536 for an unknown one.
DbResult<std::string> FormatDate(std::int64_t utc_ms, std::string_view format,
                                 const TimeZone& zone);

inline constexpr const char* kDefaultDateFormat = "%Y-%m-%dT%H:%M:%S.%LZ";
inline constexpr std::int32_t kConversionFailure = 241;

}  // namespace tactus::docdb::query::internal
