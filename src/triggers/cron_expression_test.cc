#include "triggers/cron_expression.h"

#include <gtest/gtest.h>

#include "docdb/query/civil_time.h"

namespace tactus::triggers {
namespace {

CronExpression MustParse(std::string_view fields) {
  auto parsed = CronExpression::Parse(fields);
  EXPECT_TRUE(parsed.ok()) << fields << ": " << parsed.status().ToString();
  return std::move(parsed).value();
}

std::int64_t Local(int y, int m, int d, int h = 0, int mi = 0) {
  return docdb::query::DaysFromCivil(y, m, d) * 86400 + h * 3600 + mi * 60;
}

TEST(CronExpression, MatchesDay) {
  const CronExpression weekdays = MustParse("0 0 ? * MON-FRI *");
  EXPECT_TRUE(weekdays.MatchesDay(2026, 1, 2));    // Friday
  EXPECT_FALSE(weekdays.MatchesDay(2026, 1, 3));   // Saturday
  EXPECT_FALSE(weekdays.MatchesDay(2026, 2, 30));  // no such date
  EXPECT_FALSE(weekdays.MatchesDay(1969, 12, 31));
  EXPECT_FALSE(weekdays.MatchesDay(2200, 1, 1));

  const CronExpression last = MustParse("0 0 L * ? *");
  EXPECT_TRUE(last.MatchesDay(2024, 2, 29));
  EXPECT_FALSE(last.MatchesDay(2024, 2, 28));
  EXPECT_TRUE(last.MatchesDay(2023, 2, 28));

  const CronExpression years = MustParse("0 0 1 1 ? 2030,2040-2042");
  EXPECT_TRUE(years.MatchesDay(2030, 1, 1));
  EXPECT_FALSE(years.MatchesDay(2031, 1, 1));
  EXPECT_TRUE(years.MatchesDay(2041, 1, 1));
}

TEST(CronExpression, NextLocalRoundsUpToTheMinute) {
  const CronExpression every_minute = MustParse("* * * * ? *");
  EXPECT_EQ(every_minute.NextLocal(0), 0);
  EXPECT_EQ(every_minute.NextLocal(1), 60);
  EXPECT_EQ(every_minute.NextLocal(60), 60);
  EXPECT_EQ(every_minute.NextLocal(-100000), 0);
  EXPECT_EQ(every_minute.NextLocal(Local(2199, 12, 31, 23, 59)), Local(2199, 12, 31, 23, 59));
  EXPECT_EQ(every_minute.NextLocal(Local(2199, 12, 31, 23, 59) + 1), std::nullopt);
  EXPECT_EQ(every_minute.NextLocal(std::numeric_limits<std::int64_t>::max()), std::nullopt);
}

TEST(CronExpression, NextLocalCarriesAcrossFields) {
  const CronExpression c = MustParse("15 10 1 3 ? *");
  EXPECT_EQ(c.NextLocal(Local(2026, 3, 1, 10, 15)), Local(2026, 3, 1, 10, 15));
  EXPECT_EQ(c.NextLocal(Local(2026, 3, 1, 10, 16)), Local(2027, 3, 1, 10, 15));
  EXPECT_EQ(c.NextLocal(Local(2026, 3, 1, 11, 0)), Local(2027, 3, 1, 10, 15));
  EXPECT_EQ(c.NextLocal(Local(2026, 12, 31, 23, 59)), Local(2027, 3, 1, 10, 15));
  // Earlier hour on the start day: the minute restarts from 0.
  const CronExpression h = MustParse("5 10,12 * * ? *");
  EXPECT_EQ(h.NextLocal(Local(2026, 1, 1, 10, 30)), Local(2026, 1, 1, 12, 5));
}

TEST(CronExpression, WholeFieldStarIsEveryValue) {
  const CronExpression c = MustParse("* * ? * * *");
  EXPECT_TRUE(c.MatchesDay(1970, 1, 1));
  EXPECT_TRUE(c.MatchesDay(2199, 12, 31));
}

}  // namespace
}  // namespace tactus::triggers
