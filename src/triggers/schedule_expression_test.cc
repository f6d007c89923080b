#include "triggers/schedule_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "docdb/query/civil_time.h"

namespace tactus::triggers {
namespace {

// "2026-03-29T01:00:00Z" (or without the Z) as UTC epoch milliseconds.
std::int64_t Ms(const std::string& text) {
  const int y = std::stoi(text.substr(0, 4)), mo = std::stoi(text.substr(5, 2));
  const int d = std::stoi(text.substr(8, 2)), h = std::stoi(text.substr(11, 2));
  const int mi = std::stoi(text.substr(14, 2)), s = std::stoi(text.substr(17, 2));
  return (docdb::query::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

ScheduleExpression MustParse(const std::string& expression, const std::string& tz = "UTC") {
  auto parsed = ScheduleExpression::Parse(expression, tz);
  EXPECT_TRUE(parsed.ok()) << expression << ": " << parsed.status().ToString();
  return std::move(parsed).value();
}

// The next `n` fire times after `after` (UTC text).
std::vector<std::int64_t> Next(const std::string& expression, const std::string& after, int n,
                               const std::string& tz = "UTC") {
  const ScheduleExpression e = MustParse(expression, tz);
  std::vector<std::int64_t> out;
  std::int64_t t = Ms(after);
  for (int i = 0; i < n; ++i) {
    std::optional<std::int64_t> next = e.NextAfter(t, 0);
    if (!next) break;
    out.push_back(*next);
    t = *next;
  }
  return out;
}

std::vector<std::int64_t> Times(std::initializer_list<const char*> texts) {
  std::vector<std::int64_t> out;
  for (const char* t : texts) out.push_back(Ms(t));
  return out;
}

// The error message of a rejected expression.
std::string Error(const std::string& expression, const std::string& tz = "UTC") {
  auto parsed = ScheduleExpression::Parse(expression, tz);
  if (parsed.ok()) return "(accepted)";
  EXPECT_EQ(parsed.status().code(), common::StatusCode::kInvalidArgument);
  return parsed.status().message();
}

// --- AWS's documented examples (UTC) ---

TEST(ScheduleCron, AwsExamples) {
  EXPECT_EQ(Next("cron(0 10 * * ? *)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-01T10:00:00", "2026-01-02T10:00:00"}));
  EXPECT_EQ(Next("cron(15 12 * * ? *)", "2026-01-01T12:15:00", 1), Times({"2026-01-02T12:15:00"}));
  // 2026-01-02 is a Friday.
  EXPECT_EQ(Next("cron(0 18 ? * MON-FRI *)", "2026-01-02T18:00:00", 2),
            Times({"2026-01-05T18:00:00", "2026-01-06T18:00:00"}));
  EXPECT_EQ(Next("cron(0 8 1 * ? *)", "2026-01-01T08:00:00", 2),
            Times({"2026-02-01T08:00:00", "2026-03-01T08:00:00"}));
  EXPECT_EQ(Next("cron(0/15 * * * ? *)", "2026-01-01T10:07:00", 4),
            Times({"2026-01-01T10:15:00", "2026-01-01T10:30:00", "2026-01-01T10:45:00",
                   "2026-01-01T11:00:00"}));
  EXPECT_EQ(Next("cron(0/10 * ? * MON-FRI *)", "2026-01-02T23:55:00", 2),
            Times({"2026-01-05T00:00:00", "2026-01-05T00:10:00"}));
  EXPECT_EQ(Next("cron(0/5 8-17 ? * MON-FRI *)", "2026-01-05T17:50:00", 2),
            Times({"2026-01-05T17:55:00", "2026-01-06T08:00:00"}));
  // The first Monday of each month: 2026-01-05, 2026-02-02.
  EXPECT_EQ(Next("cron(0 9 ? * 2#1 *)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-05T09:00:00", "2026-02-02T09:00:00"}));
}

TEST(ScheduleCron, ListsRangesStepsAndNames) {
  EXPECT_EQ(Next("cron(5,35 1-2 * * ? *)", "2026-01-01T00:00:00", 5),
            Times({"2026-01-01T01:05:00", "2026-01-01T01:35:00", "2026-01-01T02:05:00",
                   "2026-01-01T02:35:00", "2026-01-02T01:05:00"}));
  EXPECT_EQ(Next("cron(1/20 0 1 * ? *)", "2026-01-01T00:00:00", 3),
            Times({"2026-01-01T00:01:00", "2026-01-01T00:21:00", "2026-01-01T00:41:00"}));
  EXPECT_EQ(Next("cron(10-40/15 0 1 1 ? *)", "2026-01-01T00:00:00", 3),
            Times({"2026-01-01T00:10:00", "2026-01-01T00:25:00", "2026-01-01T00:40:00"}));
  EXPECT_EQ(Next("cron(*/30 0 1 1 ? *)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-01T00:30:00", "2027-01-01T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 1 jan,Jul ? *)", "2026-01-01T00:00:00", 2),
            Times({"2026-07-01T00:00:00", "2027-01-01T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 1/10 FEB ? 2026)", "2026-01-01T00:00:00", 4),
            Times({"2026-02-01T00:00:00", "2026-02-11T00:00:00", "2026-02-21T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 ? * sat,SUN 2026/2)", "2026-12-31T00:00:00", 3),
            Times({"2028-01-01T00:00:00", "2028-01-02T00:00:00", "2028-01-08T00:00:00"}));
  // Extra spaces between fields are allowed.
  EXPECT_EQ(Next("cron(0  10 * *\t? *)", "2026-01-01T00:00:00", 1), Times({"2026-01-01T10:00:00"}));
}

TEST(ScheduleCron, LastNearestWeekdayAndNth) {
  // L: the last day of the month, leap years included.
  EXPECT_EQ(Next("cron(0 0 L * ? *)", "2028-01-31T00:00:00", 2),
            Times({"2028-02-29T00:00:00", "2028-03-31T00:00:00"}));
  // LW: the last weekday; 2026-05-31 is a Sunday, 2026-01-31 a Saturday.
  EXPECT_EQ(Next("cron(0 0 LW 1,5 ? 2026)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-30T00:00:00", "2026-05-29T00:00:00"}));
  // nW stays in its month: 2026-08-01 is a Saturday, so 1W is Monday the 3rd.
  EXPECT_EQ(Next("cron(0 0 1W 8 ? 2026)", "2026-01-01T00:00:00", 1),
            Times({"2026-08-03T00:00:00"}));
  // 2026-11-15 is a Sunday: Monday the 16th. 2026-05-31 is a Sunday and the month's last day:
  // Friday the 29th. 2026-01-31 is a Saturday: Friday the 30th.
  EXPECT_EQ(Next("cron(0 0 15W 11 ? 2026)", "2026-01-01T00:00:00", 1),
            Times({"2026-11-16T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 31W * ? 2026)", "2026-01-01T00:00:00", 3),
            Times({"2026-01-30T00:00:00", "2026-03-31T00:00:00", "2026-05-29T00:00:00"}));
  // A weekday keeps its own day: 2026-04-30 is a Thursday.
  EXPECT_EQ(Next("cron(0 0 30W 4 ? 2026)", "2026-01-01T00:00:00", 1),
            Times({"2026-04-30T00:00:00"}));
  // nL: the last given weekday of the month (6 = FRI); L alone in day-of-week is Saturday.
  EXPECT_EQ(Next("cron(0 0 ? * 6L *)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-30T00:00:00", "2026-02-27T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 ? * FRIL *)", "2026-01-01T00:00:00", 1), Times({"2026-01-30T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 ? * L *)", "2026-01-01T00:00:00", 2),
            Times({"2026-01-03T00:00:00", "2026-01-10T00:00:00"}));
  // n#k: the fifth Thursday exists only in some months (2026: Jan, Apr, Jul, Oct, Dec).
  EXPECT_EQ(Next("cron(0 0 ? * 5#5 *)", "2026-01-01T00:00:00", 3),
            Times({"2026-01-29T00:00:00", "2026-04-30T00:00:00", "2026-07-30T00:00:00"}));
  EXPECT_EQ(Next("cron(0 9 ? * TUE#2 *)", "2026-01-01T00:00:00", 1),
            Times({"2026-01-13T09:00:00"}));
}

TEST(ScheduleCron, LeapYears) {
  EXPECT_EQ(Next("cron(0 0 29 2 ? *)", "2026-01-01T00:00:00", 2),
            Times({"2028-02-29T00:00:00", "2032-02-29T00:00:00"}));
  // 2100 is not a leap year; 2000 was.
  EXPECT_EQ(Next("cron(0 0 29 2 ? *)", "2096-03-01T00:00:00", 1), Times({"2104-02-29T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 29 2 ? *)", "1999-01-01T00:00:00", 1), Times({"2000-02-29T00:00:00"}));
}

TEST(ScheduleCron, YearBoundsAndSearchHorizon) {
  EXPECT_EQ(Next("cron(0 0 * * ? 2199)", "2199-12-30T12:00:00", 3), Times({"2199-12-31T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 1 1 ? 1970)", "1900-01-01T00:00:00", 1), Times({"1970-01-01T00:00:00"}));
  EXPECT_EQ(Next("cron(0 0 1 1 ? 1970)", "1970-01-01T00:00:00", 1), Times({}));

  // Expressions that never fire answer nullopt at once, however far the horizon.
  const auto start = std::chrono::steady_clock::now();
  for (const char* never : {"cron(0 0 29 2 ? 2100)", "cron(0 0 31 2 ? *)", "cron(0 0 30 FEB ? *)",
                            "cron(59 23 31W 4,6,9,11 ? *)"}) {
    EXPECT_EQ(MustParse(never).NextAfter(Ms("1970-01-01T00:00:00"), 0), std::nullopt) << never;
  }
  // 02:30 on the last Sunday of March never exists in Berlin (skipped every year to 2199).
  EXPECT_EQ(
      MustParse("cron(30 2 ? 3 1L *)", "Europe/Berlin").NextAfter(Ms("2026-01-01T00:00:00"), 0),
      std::nullopt);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);

  // Far outside the calendar.
  const ScheduleExpression every_minute = MustParse("cron(* * * * ? *)");
  EXPECT_EQ(every_minute.NextAfter(std::numeric_limits<std::int64_t>::max(), 0), std::nullopt);
  EXPECT_EQ(every_minute.NextAfter(std::numeric_limits<std::int64_t>::min(), 0), 0);
  EXPECT_EQ(every_minute.NextAfter(-1, 0), 0);
  EXPECT_EQ(every_minute.NextAfter(0, 0), 60'000);
  EXPECT_EQ(every_minute.NextAfter(59'999, 0), 60'000);
}

// --- Rejections: every message names its field ---

TEST(ScheduleCron, RejectsNamingTheField) {
  struct Case {
    const char* expression;
    const char* prefix;
  };
  const Case cases[] = {
      {"cron(0 10 * * * *)", "cron: day-of-month, day-of-week: exactly one"},
      {"cron(0 10 1 * MON *)", "cron: day-of-month, day-of-week: exactly one"},
      {"cron(0 10 ? * ? *)", "cron: day-of-month, day-of-week: exactly one"},
      {"cron(0 10 * * ?)", "cron: expected 6 fields"},
      {"cron(0 10 * * ? * *)", "cron: expected 6 fields"},
      {"cron()", "cron: expected 6 fields"},
      {"cron(60 * * * ? *)", "cron: minutes: value 60 is out of range 0-59"},
      {"cron(? * * * ? *)", "cron: minutes: '?'"},
      {"cron(1,,2 * * * ? *)", "cron: minutes: empty element"},
      {"cron(1, * * * ? *)", "cron: minutes: empty element"},
      {"cron(0/0 * * * ? *)", "cron: minutes: step 0 is out of range 1-60"},
      {"cron(0/61 * * * ? *)", "cron: minutes: step 61"},
      {"cron(0/x * * * ? *)", "cron: minutes: step \"x\""},
      {"cron(40-10 * * * ? *)", "cron: minutes: range \"40-10\" runs backwards"},
      {"cron(-5 * * * ? *)", "cron: minutes: a value is missing"},
      {"cron(5- * * * ? *)", "cron: minutes: a value is missing"},
      {"cron(00005 * * * ? *)", "cron: minutes: value 00005 is out of range"},
      {"cron(L * * * ? *)", "cron: minutes: \"L\" is not a value"},
      {"cron(0 24 * * ? *)", "cron: hours: value 24 is out of range 0-23"},
      {"cron(0 0/25 * * ? *)", "cron: hours: step 25"},
      {"cron(0 MON * * ? *)", "cron: hours: \"MON\" is not a value"},
      {"cron(0 0 32 * ? *)", "cron: day-of-month: value 32 is out of range 1-31"},
      {"cron(0 0 0 * ? *)", "cron: day-of-month: value 0 is out of range 1-31"},
      {"cron(0 0 L,15 * ? *)", "cron: day-of-month: \"L,15\": L and W stand alone"},
      {"cron(0 0 L-3 * ? *)", "cron: day-of-month: \"L-3\": L and W stand alone"},
      {"cron(0 0 1-5W * ? *)", "cron: day-of-month: \"1-5W\": L and W stand alone"},
      {"cron(0 0 32W * ? *)", "cron: day-of-month: value 32 is out of range"},
      {"cron(0 0 W * ? *)", "cron: day-of-month: \"W\": L and W stand alone"},
      {"cron(0 0 * 13 ? *)", "cron: month: value 13 is out of range 1-12 or JAN-DEC"},
      {"cron(0 0 * 0 ? *)", "cron: month: value 0 is out of range"},
      {"cron(0 0 * JANUARY ? *)", "cron: month: \"JANUARY\" is not a value"},
      {"cron(0 0 * L ? *)", "cron: month: \"L\" is not a value"},
      {"cron(0 0 * ? * *)", "cron: month: '?'"},
      {"cron(0 0 ? * 8 *)", "cron: day-of-week: value 8 is out of range 1-7 or SUN-SAT"},
      {"cron(0 0 ? * 0 *)", "cron: day-of-week: value 0 is out of range"},
      {"cron(0 0 ? * MON/2 *)", "cron: day-of-week: \"MON/2\": '/' is not allowed"},
      {"cron(0 0 ? * 3#1,6#3 *)", "cron: day-of-week: \"3#1,6#3\": '#' must be the field's only"},
      {"cron(0 0 ? * 3#6 *)", "cron: day-of-week: \"3#6\": the week after '#' must be 1-5"},
      {"cron(0 0 ? * 3#0 *)", "cron: day-of-week: \"3#0\": the week after '#'"},
      {"cron(0 0 ? * 3# *)", "cron: day-of-week: \"3#\": the week after '#'"},
      {"cron(0 0 ? * 9#1 *)", "cron: day-of-week: value 9 is out of range"},
      {"cron(0 0 ? * 8L *)", "cron: day-of-week: value 8 is out of range"},
      {"cron(0 0 ? * L,MON *)", "cron: day-of-week: \"L,MON\": L stands alone"},
      {"cron(0 0 ? * FUNDAY *)", "cron: day-of-week: \"FUNDAY\" is not a value"},
      {"cron(0 0 * * ? 1969)", "cron: year: value 1969 is out of range 1970-2199"},
      {"cron(0 0 * * ? 2200)", "cron: year: value 2200 is out of range 1970-2199"},
      {"cron(0 0 * * ? 2030-2020)", "cron: year: range \"2030-2020\" runs backwards"},
      {"cron(0 0 * * ? 1970/0)", "cron: year: step 0"},
      {"cron(0 0 * * ? ?)", "cron: year: '?'"},
  };
  for (const Case& c : cases) {
    const std::string message = Error(c.expression);
    EXPECT_EQ(message.rfind(c.prefix, 0), 0u) << c.expression << " -> " << message;
  }
}

TEST(ScheduleExpressionParse, RejectsTheOuterForm) {
  for (const char* bad :
       {"", "cron", "cron(0 10 * * ? *", "CRON(0 10 * * ? *)", " cron(0 10 * * ? *)",
        "cron(0 10 * * ? *) ", "every 5 minutes", "rate 5 minutes", "at 2026-01-01T00:00:00"}) {
    EXPECT_EQ(Error(bad).rfind("schedule expression: ", 0), 0u) << bad << " -> " << Error(bad);
  }
  const std::string long_expression = "cron(0 10 * * ? *" + std::string(300, ' ') + ")";
  EXPECT_EQ(Error(long_expression), "schedule expression: longer than 256 characters");
}

// --- rate ---

TEST(ScheduleRate, ParsesUnits) {
  EXPECT_EQ(MustParse("rate(1 minute)").rate_period_ms(), 60'000);
  EXPECT_EQ(MustParse("rate(5 minutes)").rate_period_ms(), 300'000);
  EXPECT_EQ(MustParse("rate(1 hour)").rate_period_ms(), 3'600'000);
  EXPECT_EQ(MustParse("rate(2 hours)").rate_period_ms(), 7'200'000);
  EXPECT_EQ(MustParse("rate(1 day)").rate_period_ms(), 86'400'000);
  EXPECT_EQ(MustParse("rate(7 days)").rate_period_ms(), 7 * 86'400'000LL);
  EXPECT_EQ(MustParse("rate(1000000000 days)").rate_period_ms(), 1'000'000'000 * 86'400'000LL);
  EXPECT_EQ(MustParse("rate(5 minutes)").kind(), ScheduleKind::kRate);
}

TEST(ScheduleRate, Rejects) {
  EXPECT_EQ(Error("rate(1 minutes)"),
            "rate: unit: a value of 1 takes the singular unit, as in rate(1 minute)");
  EXPECT_EQ(Error("rate(1 hours)").rfind("rate: unit: a value of 1", 0), 0u);
  EXPECT_EQ(Error("rate(5 minute)"),
            "rate: unit: a value above 1 takes the plural unit, as in rate(5 minutes)");
  EXPECT_EQ(Error("rate(5 day)").rfind("rate: unit: a value above 1", 0), 0u);
  EXPECT_EQ(Error("rate(0 minutes)"), "rate: value: 0 is out of range 1-1000000000");
  EXPECT_EQ(Error("rate(1000000001 minutes)").rfind("rate: value: 1000000001 is out of range", 0),
            0u);
  EXPECT_EQ(Error("rate(99999999999 minutes)").rfind("rate: value: \"99999999999\"", 0), 0u);
  EXPECT_EQ(Error("rate(-1 minutes)").rfind("rate: value: \"-1\" is not a whole number", 0), 0u);
  EXPECT_EQ(Error("rate(1.5 hours)").rfind("rate: value: \"1.5\"", 0), 0u);
  EXPECT_EQ(Error("rate(five minutes)").rfind("rate: value:", 0), 0u);
  EXPECT_EQ(Error("rate(5 weeks)"),
            "rate: unit: \"weeks\" is not one of minute, minutes, hour, hours, day, days");
  EXPECT_EQ(Error("rate(5 Minutes)").rfind("rate: unit:", 0), 0u);
  EXPECT_EQ(Error("rate(5)").rfind("rate: expected \"value unit\"", 0), 0u);
  EXPECT_EQ(Error("rate()").rfind("rate: expected \"value unit\"", 0), 0u);
  EXPECT_EQ(Error("rate(5 minutes now)").rfind("rate: expected \"value unit\"", 0), 0u);
}

TEST(ScheduleRate, FiresFromTheAnchor) {
  const ScheduleExpression every5 = MustParse("rate(5 minutes)");
  const std::int64_t anchor = Ms("2026-01-01T00:00:30");
  // The anchor itself is the first fire time (a schedule without StartDate fires at once).
  EXPECT_EQ(every5.NextAfter(anchor - 1, anchor), anchor);
  EXPECT_EQ(every5.NextAfter(Ms("2025-01-01T00:00:00"), anchor), anchor);
  EXPECT_EQ(every5.NextAfter(anchor, anchor), Ms("2026-01-01T00:05:30"));
  EXPECT_EQ(every5.NextAfter(Ms("2026-01-01T00:07:00"), anchor), Ms("2026-01-01T00:10:30"));
  EXPECT_EQ(every5.NextAfter(Ms("2026-01-01T00:10:29") + 999, anchor), Ms("2026-01-01T00:10:30"));
  EXPECT_EQ(every5.NextAfter(Ms("2026-01-01T00:10:30"), anchor), Ms("2026-01-01T00:15:30"));
  // Years later the phase is unchanged.
  EXPECT_EQ(every5.NextAfter(Ms("2030-06-01T12:01:00"), anchor), Ms("2030-06-01T12:05:30"));
  // Negative anchors and extremes do not overflow.
  EXPECT_EQ(every5.NextAfter(0, -1), 299'999);
  EXPECT_EQ(every5.NextAfter(std::numeric_limits<std::int64_t>::max(), 0), std::nullopt);
  EXPECT_EQ(every5.NextAfter(std::numeric_limits<std::int64_t>::max() - 1,
                             std::numeric_limits<std::int64_t>::min()),
            std::nullopt);
}

TEST(ScheduleRate, DaysAreTwentyFourHoursAcrossDst) {
  // A day is 24 elapsed hours, as in EventBridge Scheduler: across the spring-forward night the
  // wall-clock time moves from 09:00 CET to 10:00 CEST.
  const ScheduleExpression daily = MustParse("rate(1 day)", "Europe/Berlin");
  const std::int64_t anchor = Ms("2026-03-28T08:00:00");  // 09:00 CET
  EXPECT_EQ(daily.NextAfter(anchor, anchor), Ms("2026-03-29T08:00:00"));
}

// --- at ---

TEST(ScheduleAt, OnceInItsZone) {
  const ScheduleExpression utc = MustParse("at(2026-05-01T09:30:15)");
  EXPECT_EQ(utc.kind(), ScheduleKind::kAt);
  EXPECT_EQ(utc.NextAfter(Ms("2026-01-01T00:00:00"), 0), Ms("2026-05-01T09:30:15"));
  EXPECT_EQ(utc.NextAfter(Ms("2026-05-01T09:30:15") - 1, 0), Ms("2026-05-01T09:30:15"));
  EXPECT_EQ(utc.NextAfter(Ms("2026-05-01T09:30:15"), 0), std::nullopt);  // in the past
  EXPECT_EQ(utc.NextAfter(Ms("2027-01-01T00:00:00"), 0), std::nullopt);

  EXPECT_EQ(MustParse("at(2026-07-01T12:00:00)", "Europe/Berlin").NextAfter(0, 0),
            Ms("2026-07-01T10:00:00"));
  EXPECT_EQ(MustParse("at(2026-01-15T12:00:00)", "America/New_York").NextAfter(0, 0),
            Ms("2026-01-15T17:00:00"));
  EXPECT_EQ(MustParse("at(2028-02-29T00:00:00)").NextAfter(0, 0), Ms("2028-02-29T00:00:00"));
}

TEST(ScheduleAt, DstGapAndOverlap) {
  // 02:30 does not exist on 2026-03-29 in Berlin: the first instant after the gap, 03:00 CEST.
  EXPECT_EQ(MustParse("at(2026-03-29T02:30:00)", "Europe/Berlin").NextAfter(0, 0),
            Ms("2026-03-29T01:00:00"));
  // 02:30 happens twice on 2026-10-25: the first occurrence (CEST).
  EXPECT_EQ(MustParse("at(2026-10-25T02:30:00)", "Europe/Berlin").NextAfter(0, 0),
            Ms("2026-10-25T00:30:00"));
}

TEST(ScheduleAt, Rejects) {
  for (const char* bad :
       {"at(2026-02-29T00:00:00)", "at(2026-13-01T00:00:00)", "at(2026-00-01T00:00:00)",
        "at(2026-04-31T00:00:00)", "at(2026-05-01T24:00:00)", "at(2026-05-01T09:60:00)",
        "at(2026-05-01T09:30:60)", "at(2026-05-01 09:30:00)", "at(2026-05-01T09:30)",
        "at(2026-05-01T09:30:00Z)", "at(2026-5-01T09:30:00)", "at()", "at(1969-12-31T23:59:59)",
        "at(2200-01-01T00:00:00)", "at(+026-05-01T09:30:00)"}) {
    const std::string message = Error(bad);
    EXPECT_EQ(message.rfind("at: \"", 0), 0u) << bad << " -> " << message;
    EXPECT_NE(message.find("expected yyyy-mm-ddThh:mm:ss"), std::string::npos) << message;
  }
}

// --- time zones ---

TEST(ScheduleTimezone, AcceptsIanaNamesOnly) {
  EXPECT_EQ(MustParse("cron(0 10 * * ? *)").timezone(), "UTC");
  EXPECT_EQ(MustParse("cron(0 10 * * ? *)", "Europe/Berlin").timezone(), "Europe/Berlin");
  EXPECT_EQ(MustParse("rate(1 hour)", "Asia/Kolkata").expression(), "rate(1 hour)");
  EXPECT_EQ(Error("cron(0 10 * * ? *)", "Mars/Olympus_Mons"),
            "timezone: unknown time zone \"Mars/Olympus_Mons\"; use an IANA name such as "
            "America/New_York or UTC");
  for (const char* bad : {"+05:30", "-0800", "../../etc/passwd", "/etc/localtime", "Europe/",
                          "Europe", "Z", "europe berlin"}) {
    EXPECT_EQ(Error("cron(0 10 * * ? *)", bad).rfind("timezone: unknown time zone", 0), 0u) << bad;
  }
  EXPECT_EQ(Error("cron(0 10 * * ? *)", "").rfind("timezone: empty", 0), 0u);
  EXPECT_EQ(Error("cron(0 10 * * ? *)", std::string(51, 'A')),
            "timezone: longer than 50 characters");
  // The expression is checked first, then the zone.
  EXPECT_EQ(Error("cron(0 10 * * ? *)", "Nowhere").rfind("timezone:", 0), 0u);
  EXPECT_EQ(Error("cron(0 10 * * * *)", "Nowhere").rfind("cron:", 0), 0u);
}

TEST(ScheduleTimezone, CronFollowsTheWallClock) {
  // 09:00 in Berlin: 08:00Z in winter, 07:00Z in summer.
  EXPECT_EQ(Next("cron(0 9 * * ? *)", "2026-01-10T00:00:00", 1, "Europe/Berlin"),
            Times({"2026-01-10T08:00:00"}));
  EXPECT_EQ(Next("cron(0 9 * * ? *)", "2026-07-10T00:00:00", 1, "Europe/Berlin"),
            Times({"2026-07-10T07:00:00"}));
  // Weekday and day fields are read on the local calendar: 00:30 Monday in Berlin is still
  // Sunday in UTC.
  EXPECT_EQ(Next("cron(30 0 ? * MON *)", "2026-01-01T00:00:00", 1, "Europe/Berlin"),
            Times({"2026-01-04T23:30:00"}));
  // New York weekdays at 09:00: 14:00Z (EST), 13:00Z (EDT).
  EXPECT_EQ(Next("cron(0 9 ? * MON-FRI *)", "2026-01-02T15:00:00", 1, "America/New_York"),
            Times({"2026-01-05T14:00:00"}));
  EXPECT_EQ(Next("cron(0 9 ? * MON-FRI *)", "2026-07-01T00:00:00", 1, "America/New_York"),
            Times({"2026-07-01T13:00:00"}));
}

TEST(ScheduleTimezone, BerlinSpringForwardSkipsMissingTimes) {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. 02:30 does not exist that day: skipped.
  EXPECT_EQ(Next("cron(30 2 * * ? *)", "2026-03-28T12:00:00", 2, "Europe/Berlin"),
            Times({"2026-03-30T00:30:00", "2026-03-31T00:30:00"}));
  // Hourly: 01:00 CET, then 03:00 CEST (02:00 is skipped), then 04:00 CEST.
  EXPECT_EQ(Next("cron(0 * * * ? *)", "2026-03-28T23:30:00", 3, "Europe/Berlin"),
            Times({"2026-03-29T00:00:00", "2026-03-29T01:00:00", "2026-03-29T02:00:00"}));
  EXPECT_EQ(Next("cron(0/20 1-3 29 3 ? 2026)", "2026-03-28T00:00:00", 7, "Europe/Berlin"),
            Times({"2026-03-29T00:00:00", "2026-03-29T00:20:00", "2026-03-29T00:40:00",
                   "2026-03-29T01:00:00", "2026-03-29T01:20:00", "2026-03-29T01:40:00"}));
}

TEST(ScheduleTimezone, BerlinFallBackFiresOnce) {
  // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00-02:59 happen twice. 02:30 fires
  // once, at its first occurrence (00:30Z), and next at 02:30 CET the day after.
  EXPECT_EQ(Next("cron(30 2 * * ? *)", "2026-10-24T12:00:00", 2, "Europe/Berlin"),
            Times({"2026-10-25T00:30:00", "2026-10-26T01:30:00"}));
  // Asked between the two occurrences: the second one does not fire.
  EXPECT_EQ(Next("cron(30 2 * * ? *)", "2026-10-25T00:45:00", 1, "Europe/Berlin"),
            Times({"2026-10-26T01:30:00"}));
  // Hourly: 02:00 CEST (00:00Z), then 03:00 CET (02:00Z); the repeated 02:00 does not fire.
  EXPECT_EQ(Next("cron(0 * * * ? *)", "2026-10-24T23:30:00", 3, "Europe/Berlin"),
            Times({"2026-10-25T00:00:00", "2026-10-25T02:00:00", "2026-10-25T03:00:00"}));
}

TEST(ScheduleTimezone, NewYorkTransitions) {
  // 2026-03-08: 02:00 EST becomes 03:00 EDT; 02:30 is skipped that day.
  EXPECT_EQ(Next("cron(30 2 * * ? *)", "2026-03-07T12:00:00", 2, "America/New_York"),
            Times({"2026-03-09T06:30:00", "2026-03-10T06:30:00"}));
  // 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 fires once, as EDT (05:30Z).
  EXPECT_EQ(Next("cron(30 1 * * ? *)", "2026-10-31T12:00:00", 2, "America/New_York"),
            Times({"2026-11-01T05:30:00", "2026-11-02T06:30:00"}));
}

}  // namespace
}  // namespace tactus::triggers
