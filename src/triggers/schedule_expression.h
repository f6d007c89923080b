// EventBridge Scheduler schedule expressions: when a schedule fires.
//
//   at(yyyy-mm-ddThh:mm:ss)   once, at that wall-clock time in the schedule's time zone
//   rate(value unit)          every value minutes|hours|days from an anchor (the start date)
//   cron(min hour dom month dow year)   on a wall-clock calendar in the schedule's time zone
//
// The time zone is ScheduleExpressionTimezone: an IANA name ("Europe/Berlin"), default "UTC".
// Daylight saving time follows EventBridge Scheduler: a cron time that does not exist (spring
// forward) is skipped; a cron time that happens twice (fall back) fires once, at its first
// occurrence. A rate counts elapsed time, so DST does not move it; an at() that falls in a gap
// fires at the first instant after the gap. Syntax and examples: docs/schedules.md
// ("Expressions").
//
// Immutable after Parse, cheap to copy; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "triggers/cron_expression.h"

namespace tactus::docdb::query {
class TimeZone;
}

namespace tactus::triggers {

// AWS's limits on CreateSchedule's ScheduleExpression and ScheduleExpressionTimezone.
inline constexpr std::size_t kMaxScheduleExpressionLength = 256;
inline constexpr std::size_t kMaxScheduleTimezoneLength = 50;
// The largest rate value accepted (AWS documents none); keeps every period far from overflow.
inline constexpr std::int64_t kMaxRateValue = 1'000'000'000;

enum class ScheduleKind { kAt, kRate, kCron };

class ScheduleExpression {
 public:
  // Parses `expression` to be evaluated in `timezone`. On failure returns InvalidArgument whose
  // message names the part at fault: "cron: day-of-week: ...", "rate: unit: ...", "at: ...",
  // "timezone: ...", or "schedule expression: ..." for the outer form.
  static common::Result<ScheduleExpression> Parse(std::string_view expression,
                                                  std::string_view timezone = "UTC");

  // The first fire time strictly after `after_ms` (UTC epoch milliseconds), or nullopt when the
  // schedule fires no more (an at() at or before `after_ms`, a cron whose years are over).
  // `anchor_ms` is the start of a rate schedule (its StartDate, else its creation time): a rate
  // fires at anchor_ms + k * period for k = 0, 1, 2, ...; cron and at() ignore it.
  // Cron fire times are whole minutes; at() keeps its seconds.
  // Bounded: a cron search visits each calendar day up to 2199-12-31 at most once (see
  // CronExpression::NextLocal), so even an expression that never fires answers quickly.
  std::optional<std::int64_t> NextAfter(std::int64_t after_ms, std::int64_t anchor_ms) const;

  ScheduleKind kind() const { return kind_; }
  // The text as given to Parse.
  const std::string& expression() const { return expression_; }
  const std::string& timezone() const { return timezone_; }
  // REQUIRES: kind() == ScheduleKind::kRate. The period in milliseconds.
  std::int64_t rate_period_ms() const { return rate_period_ms_; }

 private:
  ScheduleExpression() = default;
  std::optional<std::int64_t> NextCron(std::int64_t after_ms) const;

  ScheduleKind kind_ = ScheduleKind::kAt;
  std::string expression_;
  std::string timezone_;
  std::shared_ptr<const docdb::query::TimeZone> zone_;
  std::optional<CronExpression> cron_;
  std::int64_t rate_period_ms_ = 0;
  std::int64_t at_local_seconds_ = 0;  // the at() wall-clock time, seconds since 1970 local
};

}  // namespace tactus::triggers
