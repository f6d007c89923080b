// CronExpression: which days and minutes match, and the search for the next match. (Parsing is
// in cron_parse.cc.)
#include "triggers/cron_expression.h"

#include "docdb/query/civil_time.h"

namespace tactus::triggers {

namespace {

namespace civil = docdb::query;

constexpr std::int64_t kSecondsPerDay = 86400;

// 1 = SUN .. 7 = SAT, AWS's numbering.
int Weekday(std::int64_t year, int month, int day) {
  return civil::WeekdayFromDays(civil::DaysFromCivil(year, month, day)) + 1;
}

}  // namespace

bool CronExpression::MatchesDayOfMonth(std::int64_t year, int month, int day) const {
  const int last = civil::DaysInMonth(year, month);
  switch (day_rule_) {
    case DayOfMonthRule::kAny:
      return true;
    case DayOfMonthRule::kSet:
      return days_.test(static_cast<std::size_t>(day));
    case DayOfMonthRule::kLast:
      return day == last;
    case DayOfMonthRule::kLastWeekday: {
      const int weekday = Weekday(year, month, last);
      return day == last - (weekday == 7 ? 1 : weekday == 1 ? 2 : 0);
    }
    case DayOfMonthRule::kNearestWeekday: {
      // The nearest Monday-Friday to rule_day_ without leaving the month (Quartz's rule, which
      // AWS follows): 1W on a Saturday is Monday the 3rd, and a Sunday month-end moves back to
      // Friday. A month shorter than rule_day_ has no match.
      const int n = rule_day_;
      if (n > last) return false;
      const int weekday = Weekday(year, month, n);
      int target = n;
      if (weekday == 7) target = n == 1 ? 3 : n - 1;
      if (weekday == 1) target = n == last ? n - 2 : n + 1;
      return day == target;
    }
  }
  return false;
}

bool CronExpression::MatchesDayOfWeek(std::int64_t year, int month, int day) const {
  if (weekday_rule_ == DayOfWeekRule::kAny) return true;
  const int weekday = Weekday(year, month, day);
  switch (weekday_rule_) {
    case DayOfWeekRule::kAny:
      return true;
    case DayOfWeekRule::kSet:
      return weekdays_.test(static_cast<std::size_t>(weekday));
    case DayOfWeekRule::kLastInMonth:
      return weekday == rule_weekday_ && day + 7 > civil::DaysInMonth(year, month);
    case DayOfWeekRule::kNth:
      return weekday == rule_weekday_ && (day - 1) / 7 + 1 == rule_nth_;
  }
  return false;
}

bool CronExpression::MatchesDay(std::int64_t year, int month, int day) const {
  if (year < kCronFirstYear || year > kCronLastYear || month < 1 || month > 12 || day < 1 ||
      day > civil::DaysInMonth(year, month)) {
    return false;
  }
  return years_.test(static_cast<std::size_t>(year - kCronFirstYear)) &&
         months_.test(static_cast<std::size_t>(month)) && MatchesDayOfMonth(year, month, day) &&
         MatchesDayOfWeek(year, month, day);
}

std::optional<std::int64_t> CronExpression::NextLocal(std::int64_t local_seconds) const {
  static const std::int64_t kEnd = civil::DaysFromCivil(kCronLastYear + 1, 1, 1) * kSecondsPerDay;
  if (local_seconds >= kEnd) return std::nullopt;
  std::int64_t start = local_seconds < 0 ? 0 : (local_seconds + 59) / 60 * 60;
  if (start >= kEnd) return std::nullopt;

  const std::int64_t start_days = start / kSecondsPerDay;
  const civil::CivilDate from = civil::CivilFromDays(start_days);
  const int from_hour = static_cast<int>(start % kSecondsPerDay / 3600);
  const int from_minute = static_cast<int>(start % 3600 / 60);

  // Year, then month, then day: a field that excludes a whole year or month skips it at once, so
  // the days examined are at most those from `start` to the end of kCronLastYear.
  for (std::int64_t year = from.year; year <= kCronLastYear; ++year) {
    if (!years_.test(static_cast<std::size_t>(year - kCronFirstYear))) continue;
    for (int month = year == from.year ? from.month : 1; month <= 12; ++month) {
      if (!months_.test(static_cast<std::size_t>(month))) continue;
      const bool from_month = year == from.year && month == from.month;
      const int last = civil::DaysInMonth(year, month);
      for (int day = from_month ? from.day : 1; day <= last; ++day) {
        if (!MatchesDayOfMonth(year, month, day) || !MatchesDayOfWeek(year, month, day)) continue;
        const bool from_day = from_month && day == from.day;
        for (int hour = from_day ? from_hour : 0; hour < 24; ++hour) {
          if (!hours_.test(static_cast<std::size_t>(hour))) continue;
          for (int minute = from_day && hour == from_hour ? from_minute : 0; minute < 60;
               ++minute) {
            if (!minutes_.test(static_cast<std::size_t>(minute))) continue;
            return civil::DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 +
                   minute * 60;
          }
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace tactus::triggers
