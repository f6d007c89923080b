// NextAfter against a brute force, minute by minute, around every DST transition of 2026 in
// several zones (including Lord Howe's 30-minute shift and Santiago's midnight change): a
// minute u fires iff its wall-clock reading matches the cron and no earlier instant read the
// same wall-clock time (a fall-back repeat fires once; a spring-forward gap never reads).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "docdb/query/civil_time.h"
#include "docdb/query/tz.h"
#include "triggers/cron_expression.h"
#include "triggers/schedule_expression.h"

namespace tactus::triggers {
namespace {

using docdb::query::TimeZone;

std::vector<std::int64_t> Transitions2026(const TimeZone& zone) {
  std::vector<std::int64_t> out;
  const std::int64_t start = docdb::query::DaysFromCivil(2026, 1, 1) * 86400;
  for (std::int64_t t = start; t < start + 366 * 86400; t += 900) {
    if (zone.OffsetAt(t) != zone.OffsetAt(t + 900)) out.push_back(t + 900);
  }
  return out;
}

bool BruteFires(const CronExpression& cron, const TimeZone& zone, std::int64_t u) {
  const std::int64_t local = u + zone.OffsetAt(u);
  if (cron.NextLocal(local) != local) return false;
  if (zone.OffsetAt(u - 3 * 3600) == zone.OffsetAt(u)) return true;  // no transition near
  for (std::int64_t earlier = u - 60; earlier >= u - 3 * 3600; earlier -= 60) {
    if (earlier + zone.OffsetAt(earlier) == local) return false;
  }
  return true;
}

TEST(ScheduleDst, MatchesBruteForceAroundTransitions) {
  const char* zones[] = {"Europe/Berlin", "America/New_York", "America/Santiago",
                         "Australia/Lord_Howe", "Pacific/Auckland"};
  const char* crons[] = {"* * * * ? *",      "0/7 * * * ? *",   "30 2 * * ? *",  "0/15 0-3 * * ? *",
                         "59 1 ? * SUN *",   "0 0 * * ? *",     "45 23 L * ? *", "10 0/2 ? * 1L *",
                         "0,30 * ? * 1#1 *", "15 2 1W * ? 2026"};
  int transitions = 0;
  for (const char* zone_name : zones) {
    const TimeZone zone = TimeZone::Find(zone_name).value();
    for (const std::int64_t transition : Transitions2026(zone)) {
      ++transitions;
      const std::int64_t from = transition - 86400;
      const std::int64_t to = transition + 86400;
      for (const char* fields : crons) {
        const CronExpression cron = CronExpression::Parse(fields).value();
        const ScheduleExpression schedule =
            ScheduleExpression::Parse("cron(" + std::string(fields) + ")", zone_name).value();
        std::vector<std::int64_t> expected, actual;
        for (std::int64_t u = from + 60; u <= to; u += 60) {
          if (BruteFires(cron, zone, u)) expected.push_back(u * 1000);
        }
        for (std::int64_t t = from * 1000;;) {
          const std::optional<std::int64_t> next = schedule.NextAfter(t, 0);
          if (!next || *next > to * 1000) break;
          actual.push_back(*next);
          t = *next;
        }
        EXPECT_EQ(actual, expected) << zone_name << " cron(" << fields << ") around " << transition;
      }
    }
  }
  EXPECT_GE(transitions, 9);  // two per zone, but Santiago's and Lord Howe's may vary
}

}  // namespace
}  // namespace tactus::triggers
