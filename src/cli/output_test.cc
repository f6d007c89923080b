#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tactus::cli {
namespace {

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

TEST(PrintTable, PadsColumnsButNotTheLast) {
  std::ostringstream out;
  PrintTable(out, {"ID", "TYPE", "DETAIL"}, {{"1", "ExecutionStarted", "x"}, {"10", "T", ""}});
  EXPECT_EQ(out.str(),
            "ID  TYPE              DETAIL\n"
            "1   ExecutionStarted  x\n"
            "10  T                 \n");
}

TEST(PrintFields, AlignsValuesAndSkipsEmptyOnes) {
  std::ostringstream out;
  PrintFields(out, {{"name", "a"}, {"error", ""}, {"status", "OK"}});
  EXPECT_EQ(out.str(), "name:    a\nstatus:  OK\n");
}

TEST(OneLine, FlattensAndCutsWithoutSplittingUtf8) {
  EXPECT_EQ(OneLine("a\nb\tc", 10), "a b c");
  EXPECT_EQ(OneLine("abcdefghij", 6), "abc...");
  EXPECT_EQ(OneLine("ab\xC3\xA9xyzw", 6), "ab...");
}

TEST(FormatTimestamp, NumbersOnly) {
  json::value text = "x";
  EXPECT_EQ(FormatTimestamp(&text), "");
  EXPECT_EQ(FormatTimestamp(nullptr), "");
  json::value seconds = 1700000000.5;
  EXPECT_TRUE(FormatTimestamp(&seconds).ends_with(".500"));
}

TEST(EventDetail, PicksTheInterestingField) {
  EXPECT_EQ(EventDetail(Parse(R"({"type":"PassStateEntered",
      "stateEnteredEventDetails":{"name":"Hello","input":"{}"}})"),
                        80),
            "Hello");
  EXPECT_EQ(EventDetail(Parse(R"({"type":"ExecutionFailed",
      "executionFailedEventDetails":{"error":"Boom","cause":"it broke"}})"),
                        80),
            "Boom: it broke");
  EXPECT_EQ(EventDetail(Parse(R"({"type":"TaskScheduled",
      "taskScheduledEventDetails":{"resourceType":"lambda","resource":"invoke","parameters":"{}"}})"),
                        80),
            "lambda:invoke");
  EXPECT_EQ(EventDetail(Parse(R"({"type":"ExecutionSucceeded",
      "executionSucceededEventDetails":{"output":"{\"a\":1}"}})"),
                        80),
            R"(output {"a":1})");
  EXPECT_EQ(EventDetail(Parse(R"({"type":"MapIterationStarted",
      "mapIterationStartedEventDetails":{"name":"M","index":2}})"),
                        80),
            "M");
  EXPECT_EQ(EventDetail(Parse(R"({"type":"WaitStateAborted"})"), 80), "");
}

TEST(PrettyJsonText, FallsBackToTheText) {
  EXPECT_EQ(PrettyJsonText("not json"), "not json");
  EXPECT_NE(PrettyJsonText(R"({"a":1})").find("\"a\": 1"), std::string::npos);
}

}  // namespace
}  // namespace tactus::cli
