#include "common/clock.h"

#include <gtest/gtest.h>

namespace tactus::common {
namespace {

TEST(Iso8601, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(1714557600123), "2024-05-01T10:00:00.123Z");
}

TEST(Iso8601, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ParseIso8601("2024-05-01T10:00:00.123Z"), 1714557600123);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:00:00+02:00"), 1714557600000);
  EXPECT_EQ(ParseIso8601("2016-03-14T01:59:00Z"), 1457920740000);
}

TEST(Iso8601, RejectsWhatAwsRejects) {
  EXPECT_FALSE(ParseIso8601("2016-12-05 21:29:29Z"));        // no 'T'
  EXPECT_FALSE(ParseIso8601("2016-12-05T21:29:29"));         // no offset
  EXPECT_FALSE(ParseIso8601("2016-13-05T21:29:29Z"));        // month 13
  EXPECT_FALSE(ParseIso8601("2026-11-26T22:05:01.000000"));  // no offset
  EXPECT_FALSE(ParseIso8601("2023-02-29T00:00:00Z"));        // not a leap year
}

}  // namespace
}  // namespace tactus::common
