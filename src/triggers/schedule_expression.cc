#include "triggers/schedule_expression.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

#include "docdb/query/civil_time.h"
#include "docdb/query/tz.h"

namespace tactus::triggers {

namespace {

namespace civil = docdb::query;
using common::Result;
using common::Status;
using docdb::query::TimeZone;

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kMsPerMinute = 60'000;
// Every UTC offset in use lies within +-15 hours, so the instants whose wall clock reads L lie
// within this distance of L (read as UTC).
constexpr std::int64_t kOffsetReach = 15 * 3600;

// Instants (UTC seconds) whose wall clock in `zone` reads `local`. `first` is the earliest
// (the first occurrence in a fall-back overlap), nullopt inside a spring-forward gap;
// `after_gap` is then the first instant after the gap (the transition itself).
struct Resolved {
  std::optional<std::int64_t> first;
  std::int64_t after_gap = 0;
};

Resolved Resolve(const TimeZone& zone, std::int64_t local) {
  const std::int64_t before = zone.OffsetAt(local - kOffsetReach);
  const std::int64_t after = zone.OffsetAt(local + kOffsetReach);
  Resolved r;
  for (std::int64_t offset : {before, after}) {
    const std::int64_t utc = local - offset;
    if (zone.OffsetAt(utc) == offset && (!r.first || utc < *r.first)) r.first = utc;
  }
  if (r.first) return r;
  // A gap: the wall clock jumps from before `local` to after it. Find the jump: the earliest
  // instant in (local - after, local - before] whose offset is no longer `before`.
  std::int64_t lo = local - after;
  std::int64_t hi = local - before;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (zone.OffsetAt(mid) == before ? lo : hi) = mid;
  }
  r.after_gap = hi;
  return r;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// "rate(value unit)": the period in milliseconds.
Result<std::int64_t> ParseRate(std::string_view body) {
  const std::vector<std::string_view> words = Words(body);
  if (words.size() != 2) {
    return Status::InvalidArgument("rate: expected \"value unit\", as in rate(5 minutes), got " +
                                   std::to_string(words.size()) + " word(s)");
  }
  const std::string_view value_text = words[0];
  const std::string_view unit = words[1];
  if (!AllDigits(value_text) || value_text.size() > 10) {
    return Status::InvalidArgument("rate: value: \"" + std::string(value_text) +
                                   "\" is not a whole number from 1 to " +
                                   std::to_string(kMaxRateValue));
  }
  const std::int64_t value = std::stoll(std::string(value_text));
  if (value < 1 || value > kMaxRateValue) {
    return Status::InvalidArgument("rate: value: " + std::to_string(value) + " is out of range 1-" +
                                   std::to_string(kMaxRateValue));
  }
  std::int64_t unit_ms = 0;
  bool plural = false;
  if (unit == "minute" || unit == "minutes") unit_ms = kMsPerMinute;
  if (unit == "hour" || unit == "hours") unit_ms = 60 * kMsPerMinute;
  if (unit == "day" || unit == "days") unit_ms = kSecondsPerDay * 1000;
  if (unit_ms == 0) {
    return Status::InvalidArgument("rate: unit: \"" + std::string(unit) +
                                   "\" is not one of minute, minutes, hour, hours, day, days");
  }
  plural = unit.back() == 's';
  if (value == 1 && plural) {
    return Status::InvalidArgument(
        "rate: unit: a value of 1 takes the singular unit, as in rate(1 " +
        std::string(unit.substr(0, unit.size() - 1)) + ")");
  }
  if (value > 1 && !plural) {
    return Status::InvalidArgument(
        "rate: unit: a value above 1 takes the plural unit, as in rate(" + std::to_string(value) +
        " " + std::string(unit) + "s)");
  }
  return value * unit_ms;
}

// "at(yyyy-mm-ddThh:mm:ss)": the wall-clock time, in seconds since 1970-01-01T00:00 local.
Result<std::int64_t> ParseAt(std::string_view body) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("at: \"" + std::string(body) + "\" " + why +
                                   "; expected yyyy-mm-ddThh:mm:ss, as in at(2026-05-01T09:30:00)");
  };
  static constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd";
  if (body.size() != kPattern.size()) return bad("is not a date and time");
  for (std::size_t i = 0; i < kPattern.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(body[i])) != 0;
    if (kPattern[i] == 'd' ? !digit : body[i] != kPattern[i]) return bad("is not a date and time");
  }
  auto number = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (body[i] - '0');
    return n;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (year < kCronFirstYear || year > kCronLastYear) {
    return bad("has a year outside " + std::to_string(kCronFirstYear) + "-" +
               std::to_string(kCronLastYear));
  }
  if (month < 1 || month > 12 || day < 1 || day > civil::DaysInMonth(year, month)) {
    return bad("is not a calendar date");
  }
  if (hour > 23 || minute > 59 || second > 59) return bad("is not a time of day");
  return civil::DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 +
         second;
}

Result<TimeZone> FindZone(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("timezone: empty; use an IANA name such as UTC");
  if (name.size() > kMaxScheduleTimezoneLength) {
    return Status::InvalidArgument("timezone: longer than " +
                                   std::to_string(kMaxScheduleTimezoneLength) + " characters");
  }
  if (name == "UTC") return TimeZone();  // the default needs no tz database
  // Only names of zone files pass: the zone code would also take fixed offsets ("+05:30") and
  // "Z", which are not IANA names; reading a directory ("Europe") would throw; and it caches
  // every name it is asked for, so unknown names from callers must not reach it.
  std::error_code error;
  const bool is_zone_file = std::filesystem::is_regular_file(
      std::string(docdb::query::kZoneInfoDir) + "/" + std::string(name), error);
  if (is_zone_file && name[0] != '+' && name[0] != '-') {
    auto zone = TimeZone::Find(name);
    if (zone.ok()) return std::move(zone).value();
  }
  return Status::InvalidArgument("timezone: unknown time zone \"" + std::string(name) +
                                 "\"; use an IANA name such as America/New_York or UTC");
}

}  // namespace

Result<ScheduleExpression> ScheduleExpression::Parse(std::string_view expression,
                                                     std::string_view timezone) {
  if (expression.size() > kMaxScheduleExpressionLength) {
    return Status::InvalidArgument("schedule expression: longer than " +
                                   std::to_string(kMaxScheduleExpressionLength) + " characters");
  }
  ScheduleExpression out;
  std::string_view body;
  auto take = [&](std::string_view prefix, ScheduleKind kind) {
    if (expression.size() < prefix.size() + 1 || expression.substr(0, prefix.size()) != prefix ||
        expression.back() != ')') {
      return false;
    }
    body = expression.substr(prefix.size(), expression.size() - prefix.size() - 1);
    out.kind_ = kind;
    return true;
  };
  if (!take("at(", ScheduleKind::kAt) && !take("rate(", ScheduleKind::kRate) &&
      !take("cron(", ScheduleKind::kCron)) {
    return Status::InvalidArgument(
        "schedule expression: \"" + std::string(expression) +
        "\" is not at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)");
  }
  switch (out.kind_) {
    case ScheduleKind::kAt: {
      auto local = ParseAt(body);
      if (!local.ok()) return local.status();
      out.at_local_seconds_ = *local;
      break;
    }
    case ScheduleKind::kRate: {
      auto period = ParseRate(body);
      if (!period.ok()) return period.status();
      out.rate_period_ms_ = *period;
      break;
    }
    case ScheduleKind::kCron: {
      auto cron = CronExpression::Parse(body);
      if (!cron.ok()) return cron.status();
      out.cron_ = std::move(cron).value();
      break;
    }
  }
  auto zone = FindZone(timezone);
  if (!zone.ok()) return zone.status();
  out.zone_ = std::make_shared<const TimeZone>(std::move(zone).value());
  out.expression_ = std::string(expression);
  out.timezone_ = std::string(timezone);
  return out;
}

std::optional<std::int64_t> ScheduleExpression::NextAfter(std::int64_t after_ms,
                                                          std::int64_t anchor_ms) const {
  switch (kind_) {
    case ScheduleKind::kAt: {
      const Resolved r = Resolve(*zone_, at_local_seconds_);
      const std::int64_t fire_ms = r.first.value_or(r.after_gap) * 1000;
      if (fire_ms > after_ms) return fire_ms;
      return std::nullopt;
    }
    case ScheduleKind::kRate: {
      if (after_ms < anchor_ms) return anchor_ms;
      const __int128 periods = (static_cast<__int128>(after_ms) - anchor_ms) / rate_period_ms_;
      const __int128 fire = anchor_ms + (periods + 1) * rate_period_ms_;
      if (fire > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
      return static_cast<std::int64_t>(fire);
    }
    case ScheduleKind::kCron:
      return NextCron(after_ms);
  }
  return std::nullopt;
}

std::optional<std::int64_t> ScheduleExpression::NextCron(std::int64_t after_ms) const {
  // Outside these bounds nothing can fire, and the arithmetic below stays far from overflow.
  static const std::int64_t kFirstUtc = -2 * kSecondsPerDay;
  static const std::int64_t kLastUtc =
      civil::DaysFromCivil(kCronLastYear + 1, 1, 2) * kSecondsPerDay;
  const std::int64_t after = std::max(civil::FloorDiv(after_ms, 1000), kFirstUtc);
  if (after > kLastUtc) return std::nullopt;
  // A wall-clock time L fires at L - offset > after, so L > after + (the smallest offset in
  // force near `after`): start there, then skip candidates that fall in a gap or whose first
  // occurrence is not after `after` (the second half of a fall-back overlap).
  std::int64_t local =
      after + std::min({zone_->OffsetAt(after - 2 * kSecondsPerDay), zone_->OffsetAt(after),
                        zone_->OffsetAt(after + 2 * kSecondsPerDay)});
  while (true) {
    const std::optional<std::int64_t> candidate = cron_->NextLocal(local);
    if (!candidate) return std::nullopt;
    const Resolved r = Resolve(*zone_, *candidate);
    if (r.first && *r.first * 1000 > after_ms) return *r.first * 1000;
    local = *candidate + 60;
  }
}

}  // namespace tactus::triggers
