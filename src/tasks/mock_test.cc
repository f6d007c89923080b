#include "tasks/mock.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tactus::tasks {
namespace {

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

// A mock file in AWS Step Functions Local's format.
constexpr std::string_view kConfig = R"({
  "StateMachines": {
    "Orders": {
      "TestCases": {
        "HappyPath": {"Charge": "ChargeOk", "Ship": "ShipOk"},
        "FlakyCharge": {"Charge": "ChargeFlaky"}
      }
    },
    "Other": {"TestCases": {"Only": {"X": "ShipOk"}}}
  },
  "MockedResponses": {
    "ChargeOk": {"0": {"Return": {"charged": true}}},
    "ShipOk": {"0": {"Return": "shipped"}, "1": {"Return": "shipped again"}},
    "ChargeFlaky": {
      "0-1": {"Throw": {"Error": "Payment.Declined", "Cause": "try later"}},
      "2": {"Return": {"charged": true, "attempt": 3}}
    }
  }
})";

// Records what reaches it and answers with a fixed result.
class RecordingDispatcher final : public TaskDispatcher {
 public:
  TaskOutcome Invoke(const TaskRequest& request) override {
    seen.push_back(request.state_name);
    return TaskOutcome::Success(json::value("from fallback"));
  }
  std::vector<std::string> seen;
};

TaskRequest Request(std::string state) {
  TaskRequest r;
  r.state_name = std::move(state);
  r.resource = "arn:aws:states:::lambda:invoke";
  r.parameters = json::object{{"FunctionName", "f"}};
  return r;
}

MockConfig MustParse(std::string_view text) {
  auto config = MockConfig::Parse(J(text));
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? std::move(config).value() : MockConfig::Parse(J(kConfig)).value();
}

// Parses `text` and returns the error message (empty when it parsed).
std::string ParseError(std::string_view text) {
  auto config = MockConfig::Parse(J(text));
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), common::StatusCode::kInvalidArgument);
  return config.status().message();
}

TEST(MockConfigTest, ParsesNumberedAndRangeKeys) {
  MockConfig config = MustParse(kConfig);
  auto tc = config.TestCase("Orders", "FlakyCharge");
  ASSERT_TRUE(tc.ok()) << tc.status().ToString();
  ASSERT_EQ(tc->size(), 1u);
  const auto& responses = tc->at("Charge");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].first, 0);
  EXPECT_EQ(responses[0].last, 1);
  EXPECT_TRUE(responses[0].is_throw);
  EXPECT_EQ(responses[0].error, "Payment.Declined");
  EXPECT_EQ(responses[0].cause, "try later");
  EXPECT_EQ(responses[1].first, 2);
  EXPECT_EQ(responses[1].last, 2);
  EXPECT_FALSE(responses[1].is_throw);
  EXPECT_EQ(common::SerializeJson(responses[1].value), R"({"charged":true,"attempt":3})");
}

TEST(MockConfigTest, TestCaseMapsEveryMockedState) {
  MockConfig config = MustParse(kConfig);
  auto tc = config.TestCase("Orders", "HappyPath");
  ASSERT_TRUE(tc.ok());
  ASSERT_EQ(tc->size(), 2u);
  EXPECT_EQ(common::SerializeJson(tc->at("Charge")[0].value), R"({"charged":true})");
  ASSERT_EQ(tc->at("Ship").size(), 2u);
  EXPECT_EQ(common::SerializeJson(tc->at("Ship")[1].value), R"("shipped again")");
}

TEST(MockConfigTest, ThrowWithoutCauseHasEmptyCause) {
  MockConfig config = MustParse(R"({
    "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
    "MockedResponses": {"R": {"0": {"Throw": {"Error": "Only.Error"}}}}})");
  auto tc = config.TestCase("M", "T");
  ASSERT_TRUE(tc.ok());
  EXPECT_EQ(tc->at("S")[0].error, "Only.Error");
  EXPECT_EQ(tc->at("S")[0].cause, "");
}

TEST(MockConfigTest, UnknownMachineIsNotFoundListingTheMachines) {
  MockConfig config = MustParse(kConfig);
  auto tc = config.TestCase("Nope", "HappyPath");
  ASSERT_FALSE(tc.ok());
  EXPECT_EQ(tc.status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(tc.status().message(),
            "mock config has no state machine 'Nope' (it has: Orders, Other); pass --name to "
            "choose one");
}

TEST(MockConfigTest, UnknownTestCaseIsNotFoundListingTheTestCases) {
  MockConfig config = MustParse(kConfig);
  auto tc = config.TestCase("Orders", "SadPath");
  ASSERT_FALSE(tc.ok());
  EXPECT_EQ(tc.status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(tc.status().message(),
            "state machine 'Orders' has no test case 'SadPath' in the mock config (it has: "
            "HappyPath, FlakyCharge)");
}

TEST(MockConfigTest, MalformedFilesNameTheJsonPointerAtFault) {
  EXPECT_EQ(ParseError("[]"), "mock config: must be a JSON object");
  EXPECT_EQ(ParseError("{}"), "mock config /StateMachines: required object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {}, "MockedResponses": []})"),
            "mock config /MockedResponses: must be an object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {"M": {}}})"),
            "mock config /StateMachines/M/TestCases: required object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {"M": {"TestCases": {"T": 1}}}})"),
            "mock config /StateMachines/M/TestCases/T: must be an object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}},
                           "MockedResponses": {}})"),
            "mock config /StateMachines/M/TestCases/T/S: must name an entry of /MockedResponses");
  EXPECT_EQ(ParseError(R"({"StateMachines": {}, "MockedResponses": {"R": []}})"),
            "mock config /MockedResponses/R: must be an object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {}, "MockedResponses": {"R": {"0": 5}}})"),
            "mock config /MockedResponses/R/0: must be an object");
  EXPECT_EQ(ParseError(R"({"StateMachines": {}, "MockedResponses": {"R": {"0": {}}}})"),
            "mock config /MockedResponses/R/0: needs 'Return' or 'Throw'");
  EXPECT_EQ(ParseError(R"({"StateMachines": {},
                           "MockedResponses": {"R": {"0": {"Throw": "E"}}}})"),
            "mock config /MockedResponses/R/0/Throw: must be an object");
}

TEST(MockConfigTest, BadResponseKeysAreRefused) {
  for (const char* key : {"x", "-1", "1-", "-", "3-2", "1-2-3", "", "1.5"}) {
    SCOPED_TRACE(key);
    json::object file{
        {"StateMachines", json::object()},
        {"MockedResponses", json::object{{"R", json::object{{key, json::object{{"Return", 1}}}}}}}};
    std::string error = ParseError(common::SerializeJson(file));
    EXPECT_EQ(error, "mock config /MockedResponses/R/" + common::JsonPointerEscape(key) +
                         ": key must be an invocation number or a range 'a-b'");
  }
}

TEST(MockConfigTest, PointerTokensAreEscaped) {
  EXPECT_EQ(ParseError(R"({"StateMachines": {"a/b": {"TestCases": {"t~1": {"S": "?"}}}},
                           "MockedResponses": {}})"),
            "mock config /StateMachines/a~1b/TestCases/t~01/S: must name an entry of "
            "/MockedResponses");
}

TEST(MockConfigTest, LoadReadsAFileAndReportsMissingOrInvalidFiles) {
  auto dir =
      std::filesystem::temp_directory_path() /
      ("tactus_mock_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  auto good = (dir / "good.json").string();
  auto bad = (dir / "bad.json").string();
  std::ofstream(good) << kConfig;
  std::ofstream(bad) << "{\n  \"StateMachines\": ,\n}";

  auto loaded = MockConfig::Load(good);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->TestCase("Orders", "HappyPath").ok());

  auto invalid = MockConfig::Load(bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status().message().rfind("mock config '" + bad + "': line 2, column ", 0), 0u)
      << invalid.status().message();

  auto missing = MockConfig::Load((dir / "missing.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), common::StatusCode::kIoError);

  std::filesystem::remove_all(dir);
}

// ---- MockDispatcher ----

class MockDispatcherTest : public ::testing::Test {
 protected:
  MockDispatcher Make(const std::string& test_case) {
    auto tc = config_.TestCase("Orders", test_case);
    EXPECT_TRUE(tc.ok());
    std::map<std::string, std::vector<MockResponse>> responses;
    if (tc.ok()) responses = tc.value();
    return MockDispatcher("Orders", test_case, std::move(responses), fallback_);
  }

  MockConfig config_ = MustParse(kConfig);
  RecordingDispatcher fallback_;
};

TEST_F(MockDispatcherTest, ReturnsTheMockedValue) {
  MockDispatcher d = Make("HappyPath");
  TaskOutcome out = d.Invoke(Request("Charge"));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(common::SerializeJson(out.result), R"({"charged":true})");
  EXPECT_TRUE(fallback_.seen.empty());
}

TEST_F(MockDispatcherTest, EachInvocationTakesTheNextResponse) {
  MockDispatcher d = Make("FlakyCharge");
  // Retries: invocations 0 and 1 throw (the range "0-1"), invocation 2 returns.
  for (int i = 0; i < 2; ++i) {
    TaskOutcome out = d.Invoke(Request("Charge"));
    ASSERT_FALSE(out.ok) << "invocation " << i;
    EXPECT_EQ(out.error, "Payment.Declined");
    EXPECT_EQ(out.cause, "try later");
  }
  TaskOutcome third = d.Invoke(Request("Charge"));
  ASSERT_TRUE(third.ok);
  EXPECT_EQ(common::SerializeJson(third.result), R"({"charged":true,"attempt":3})");
}

TEST_F(MockDispatcherTest, InvocationsAreCountedPerState) {
  MockDispatcher d = Make("HappyPath");
  // Map iterations of "Ship" each take the next response, independent of "Charge".
  EXPECT_EQ(common::SerializeJson(d.Invoke(Request("Ship")).result), R"("shipped")");
  EXPECT_TRUE(d.Invoke(Request("Charge")).ok);
  EXPECT_EQ(common::SerializeJson(d.Invoke(Request("Ship")).result), R"("shipped again")");
}

TEST_F(MockDispatcherTest, RunningPastTheLastResponseFailsWithStatesRuntime) {
  MockDispatcher d = Make("HappyPath");
  ASSERT_TRUE(d.Invoke(Request("Charge")).ok);
  TaskOutcome out = d.Invoke(Request("Charge"));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Runtime");
  EXPECT_EQ(out.cause,
            "No mocked response for state 'Charge' (invocation 1) in test case 'HappyPath' of "
            "state machine 'Orders'; add one to the mock config file");
  // And it keeps failing: the counter moves on.
  TaskOutcome again = d.Invoke(Request("Charge"));
  EXPECT_NE(again.cause.find("(invocation 2)"), std::string::npos) << again.cause;
}

TEST_F(MockDispatcherTest, UnmockedStatesGoToTheFallback) {
  MockDispatcher d = Make("FlakyCharge");
  TaskOutcome out = d.Invoke(Request("Ship"));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(common::SerializeJson(out.result), R"("from fallback")");
  EXPECT_EQ(fallback_.seen, std::vector<std::string>{"Ship"});
  // The fallback does not consume mocked invocations.
  EXPECT_FALSE(d.Invoke(Request("Charge")).ok);
}

TEST_F(MockDispatcherTest, GapsBetweenKeysAreMissingResponses) {
  auto config = MockConfig::Parse(J(R"({
    "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
    "MockedResponses": {"R": {"0": {"Return": 0}, "2": {"Return": 2}}}})"));
  ASSERT_TRUE(config.ok());
  auto tc = config->TestCase("M", "T");
  ASSERT_TRUE(tc.ok());
  MockDispatcher d("M", "T", tc.value(), fallback_);
  EXPECT_TRUE(d.Invoke(Request("S")).ok);
  TaskOutcome gap = d.Invoke(Request("S"));
  EXPECT_FALSE(gap.ok);
  EXPECT_EQ(gap.error, "States.Runtime");
  TaskOutcome two = d.Invoke(Request("S"));
  ASSERT_TRUE(two.ok);
  EXPECT_EQ(common::SerializeJson(two.result), "2");
}

}  // namespace
}  // namespace tactus::tasks
