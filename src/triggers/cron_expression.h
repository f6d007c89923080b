// The body of an EventBridge Scheduler cron(...) expression: six fields evaluated against a
// local wall clock (no time zone here; ScheduleExpression maps wall-clock minutes to instants).
//
//   minutes       0-59                , - * /
//   hours         0-23                , - * /
//   day-of-month  1-31                , - * / ?  L  LW  nW
//   month         1-12 or JAN-DEC     , - * /
//   day-of-week   1-7 or SUN-SAT      , - * ?  L  nL  n#k      (1 = SUN ... 7 = SAT)
//   year          1970-2199           , - * /
//
// Exactly one of day-of-month and day-of-week is '?'. L, LW, nW, nL and n#k stand alone in their
// field. Names and letters are case-insensitive. The full syntax and semantics are in
// docs/schedules.md ("Expressions").
//
// Immutable after Parse; thread-safe.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace tactus::triggers {

// The years a cron expression can name (AWS's bounds). They also bound every search: nothing
// fires after 2199-12-31T23:59 local time.
inline constexpr int kCronFirstYear = 1970;
inline constexpr int kCronLastYear = 2199;

class CronExpression {
 public:
  // Parses the six space-separated fields (the text between "cron(" and ")"). On failure returns
  // InvalidArgument "cron: <field>: <reason>" naming the offending field.
  static common::Result<CronExpression> Parse(std::string_view fields);

  // The first matching wall-clock minute at or after `local_seconds` (seconds since
  // 1970-01-01T00:00 on the local wall clock), as local seconds (a multiple of 60); nullopt when
  // none remains before kCronLastYear ends. Examines each calendar day at most once, so any
  // expression answers in at most ~84,000 day tests (cron(0 0 29 2 ? 2100) included).
  std::optional<std::int64_t> NextLocal(std::int64_t local_seconds) const;

  // Whether the day-of-month, month, day-of-week and year fields accept this civil date.
  bool MatchesDay(std::int64_t year, int month, int day) const;

 private:
  enum class DayOfMonthRule { kAny, kSet, kLast, kLastWeekday, kNearestWeekday };
  enum class DayOfWeekRule { kAny, kSet, kLastInMonth, kNth };

  CronExpression() = default;
  bool MatchesDayOfMonth(std::int64_t year, int month, int day) const;
  bool MatchesDayOfWeek(std::int64_t year, int month, int day) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;                                   // bit d = day d of the month (1-31)
  std::bitset<13> months_;                                 // bit m = month m (1-12)
  std::bitset<8> weekdays_;                                // bit w = weekday w (1 = SUN .. 7 = SAT)
  std::bitset<kCronLastYear - kCronFirstYear + 1> years_;  // bit y - kCronFirstYear
  DayOfMonthRule day_rule_ = DayOfMonthRule::kAny;
  DayOfWeekRule weekday_rule_ = DayOfWeekRule::kAny;
  int rule_day_ = 0;      // the n of nW
  int rule_weekday_ = 0;  // the weekday of nL and n#k
  int rule_nth_ = 0;      // the k of n#k

  friend class CronParser;
};

}  // namespace tactus::triggers
