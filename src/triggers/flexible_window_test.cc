#include "triggers/flexible_window.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/json.h"

namespace tactus::triggers {
namespace {

common::Result<FlexibleWindow> Parse(std::string_view text) {
  return ParseFlexibleWindow(common::ParseJson(text).value());
}

std::string Error(std::string_view text) {
  auto r = Parse(text);
  return r.ok() ? "(accepted)" : r.status().message();
}

TEST(FlexibleWindow, Parses) {
  auto off = Parse(R"({"Mode":"OFF"})");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->mode, FlexibleMode::kOff);
  EXPECT_EQ(off->maximum_window_minutes, 0);

  auto flexible = Parse(R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":15})");
  ASSERT_TRUE(flexible.ok());
  EXPECT_EQ(flexible->mode, FlexibleMode::kFlexible);
  EXPECT_EQ(flexible->maximum_window_minutes, 15);
  EXPECT_TRUE(Parse(R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":1})").ok());
  EXPECT_TRUE(Parse(R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":1440})").ok());
  EXPECT_TRUE(Parse(R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":15.0})").ok());

  // OFF with a window: checked, then ignored.
  auto off_with = Parse(R"({"Mode":"OFF","MaximumWindowInMinutes":5})");
  ASSERT_TRUE(off_with.ok());
  EXPECT_EQ(off_with->maximum_window_minutes, 0);
}

TEST(FlexibleWindow, RoundTrips) {
  for (const char* text :
       {R"({"Mode":"OFF"})", R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":60})"}) {
    EXPECT_EQ(common::SerializeJson(FlexibleWindowToJson(Parse(text).value())), text);
  }
}

TEST(FlexibleWindow, RejectsNamingTheMember) {
  EXPECT_EQ(Error("[]"), "FlexibleTimeWindow: expected an object, got an array");
  EXPECT_EQ(Error("{}"), "FlexibleTimeWindow.Mode: required (OFF or FLEXIBLE)");
  EXPECT_EQ(Error(R"({"Mode":"off"})"),
            "FlexibleTimeWindow.Mode: must be \"OFF\" or \"FLEXIBLE\", got \"off\"");
  EXPECT_EQ(Error(R"({"Mode":1})").rfind("FlexibleTimeWindow.Mode: must be", 0), 0u);
  EXPECT_EQ(Error(R"({"Mode":"FLEXIBLE"})"),
            "FlexibleTimeWindow.MaximumWindowInMinutes: required when Mode is FLEXIBLE (1-1440)");
  for (const char* bad : {"0", "1441", "-5", "1.5", "\"15\"", "true", "null"}) {
    const std::string text =
        std::string(R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":)") + bad + "}";
    EXPECT_EQ(Error(text).rfind("FlexibleTimeWindow.MaximumWindowInMinutes: must be a whole "
                                "number from 1 to 1440, got ",
                                0),
              0u)
        << text << " -> " << Error(text);
  }
  EXPECT_EQ(Error(R"({"Mode":"OFF","Extra":1})"),
            "FlexibleTimeWindow: unknown member \"Extra\"; expected Mode and "
            "MaximumWindowInMinutes");
}

TEST(FlexibleWindow, DelayIsDeterministicAndInsideTheWindow) {
  const FlexibleWindow off;
  EXPECT_EQ(FlexibleDelayMs(off, "anything"), 0);

  const FlexibleWindow window{FlexibleMode::kFlexible, 15};
  const std::int64_t a = FlexibleDelayMs(window, "nightly/1767225600000");
  EXPECT_EQ(a, FlexibleDelayMs(window, "nightly/1767225600000"));
  // SHA-256("") starts e3b0c44298fc1c14: a fixed value, the same in every process and release.
  EXPECT_EQ(FlexibleDelayMs(window, ""),
            static_cast<std::int64_t>(0xe3b0c44298fc1c14ULL % (15 * 60'000ULL)));
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t d = FlexibleDelayMs(window, "s/" + std::to_string(i));
    EXPECT_GE(d, 0);
    EXPECT_LT(d, 15 * 60'000);
    seen.insert(d);
  }
  EXPECT_GT(seen.size(), 190u);  // spread, not constant
}

}  // namespace
}  // namespace tactus::triggers
