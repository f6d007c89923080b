#include "runtime/journal.h"

#include <gtest/gtest.h>

#include <string>

#include "common/json.h"

namespace tactus::runtime {
namespace {

namespace json = boost::json;

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

// Encodes, decodes and returns the engine event (failing the test if it is not one).
engine::Event RoundTrip(const engine::Event& event) {
  std::string text = EncodeEvent(JournalEvent(event));
  auto decoded = DecodeEvent(text);
  EXPECT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
  if (!decoded.ok()) return engine::TimerFired{-1};
  EXPECT_TRUE(std::holds_alternative<engine::Event>(*decoded)) << text;
  if (!std::holds_alternative<engine::Event>(*decoded)) return engine::TimerFired{-1};
  // Decoding then encoding again gives the same text: the journal is canonical.
  EXPECT_EQ(EncodeEvent(*decoded), text);
  return std::get<engine::Event>(*decoded);
}

TEST(JournalTest, StartRoundTrips) {
  std::string text = EncodeEvent(StartEvent{});
  EXPECT_EQ(text, R"({"k":"start"})");
  auto decoded = DecodeEvent(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(std::holds_alternative<StartEvent>(*decoded));
}

TEST(JournalTest, TaskSucceededRoundTrips) {
  json::value output = J(R"({"a": [1, 2.5, "x", null, true], "b": {"c": {}}})");
  auto e = RoundTrip(engine::TaskSucceeded{42, output});
  auto* ok = std::get_if<engine::TaskSucceeded>(&e);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->task_id, 42);
  EXPECT_TRUE(common::JsonEquals(ok->output, output)) << common::SerializeJson(ok->output);
}

TEST(JournalTest, TaskSucceededWithScalarAndNullOutputs) {
  for (const char* text : {"null", "0", "-7", "1.5", R"("text")", "[]", "false"}) {
    json::value output = J(text);
    auto e = RoundTrip(engine::TaskSucceeded{1, output});
    auto* ok = std::get_if<engine::TaskSucceeded>(&e);
    ASSERT_NE(ok, nullptr) << text;
    EXPECT_TRUE(common::JsonEquals(ok->output, output)) << text;
  }
}

TEST(JournalTest, LargeOutputRoundTrips) {
  // About 256 KiB, AWS's payload limit, in nested and flat shapes.
  json::array items;
  for (int i = 0; i < 4096; ++i) {
    items.push_back(
        json::object{{"i", i}, {"s", std::string(48, static_cast<char>('a' + i % 26))}});
  }
  json::value output = json::object{{"items", items}, {"blob", std::string(64 * 1024, 'z')}};
  auto e = RoundTrip(engine::TaskSucceeded{7, output});
  auto* ok = std::get_if<engine::TaskSucceeded>(&e);
  ASSERT_NE(ok, nullptr);
  EXPECT_TRUE(common::JsonEquals(ok->output, output));
  EXPECT_GT(EncodeEvent(JournalEvent(engine::Event(engine::TaskSucceeded{7, output}))).size(),
            256u * 1024u);
}

TEST(JournalTest, UnicodeRoundTrips) {
  const std::string text = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87";
  const std::string controls = std::string("tab\tnewline\nquote\"backslash\\nul") + '\0' + "end";
  json::value output = json::object{{text, text}, {"controls", controls}};
  auto e = RoundTrip(engine::TaskSucceeded{3, output});
  auto* ok = std::get_if<engine::TaskSucceeded>(&e);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->output.as_object().at(text).as_string(), text);
  EXPECT_EQ(std::string(ok->output.as_object().at("controls").as_string()), controls);

  auto f = RoundTrip(engine::TaskFailed{4, text, controls});
  auto* fail = std::get_if<engine::TaskFailed>(&f);
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->error, text);
  EXPECT_EQ(fail->cause, controls);

  auto s = RoundTrip(engine::TaskStarted{5, text});
  ASSERT_NE(std::get_if<engine::TaskStarted>(&s), nullptr);
  EXPECT_EQ(std::get<engine::TaskStarted>(s).worker_name, text);
}

TEST(JournalTest, TaskFailedRoundTrips) {
  auto e = RoundTrip(engine::TaskFailed{9, "States.Timeout", "the task took too long"});
  auto* fail = std::get_if<engine::TaskFailed>(&e);
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->task_id, 9);
  EXPECT_EQ(fail->error, "States.Timeout");
  EXPECT_EQ(fail->cause, "the task took too long");

  auto empty = RoundTrip(engine::TaskFailed{0, "", ""});
  ASSERT_NE(std::get_if<engine::TaskFailed>(&empty), nullptr);
  EXPECT_EQ(std::get<engine::TaskFailed>(empty).error, "");
}

TEST(JournalTest, HeartbeatRoundTrips) {
  auto e = RoundTrip(engine::TaskHeartbeat{11});
  auto* beat = std::get_if<engine::TaskHeartbeat>(&e);
  ASSERT_NE(beat, nullptr);
  EXPECT_EQ(beat->task_id, 11);
}

TEST(JournalTest, TaskStartedRoundTripsWithWorkerName) {
  auto e = RoundTrip(engine::TaskStarted{12, "worker-7.example"});
  auto* started = std::get_if<engine::TaskStarted>(&e);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->task_id, 12);
  EXPECT_EQ(started->worker_name, "worker-7.example");

  auto anonymous = RoundTrip(engine::TaskStarted{13, ""});
  ASSERT_NE(std::get_if<engine::TaskStarted>(&anonymous), nullptr);
  EXPECT_EQ(std::get<engine::TaskStarted>(anonymous).worker_name, "");
}

TEST(JournalTest, TimerFiredRoundTrips) {
  auto e = RoundTrip(engine::TimerFired{1234567890123});
  auto* timer = std::get_if<engine::TimerFired>(&e);
  ASSERT_NE(timer, nullptr);
  EXPECT_EQ(timer->timer_id, 1234567890123);
}

TEST(JournalTest, StopRequestedRoundTrips) {
  auto e = RoundTrip(engine::StopRequested{"Operator.Stop", "maintenance"});
  auto* stop = std::get_if<engine::StopRequested>(&e);
  ASSERT_NE(stop, nullptr);
  EXPECT_EQ(stop->error, "Operator.Stop");
  EXPECT_EQ(stop->cause, "maintenance");
}

TEST(JournalTest, EncodingMatchesTheDocumentedShape) {
  // docs/serve.md names the journal's fields; stored journals depend on them.
  EXPECT_EQ(EncodeEvent(engine::Event(engine::TaskSucceeded{1, J(R"({"x":1})")})),
            R"({"k":"ok","task":1,"out":{"x":1}})");
  EXPECT_EQ(EncodeEvent(engine::Event(engine::TaskFailed{2, "E", "C"})),
            R"({"k":"fail","task":2,"error":"E","cause":"C"})");
  EXPECT_EQ(EncodeEvent(engine::Event(engine::TaskHeartbeat{3})), R"({"k":"beat","task":3})");
  EXPECT_EQ(EncodeEvent(engine::Event(engine::TimerFired{4})), R"({"k":"timer","timer":4})");
  EXPECT_EQ(EncodeEvent(engine::Event(engine::StopRequested{"E", "C"})),
            R"({"k":"stop","error":"E","cause":"C"})");
  EXPECT_EQ(EncodeEvent(engine::Event(engine::TaskStarted{5, "w"})),
            R"({"k":"started","task":5,"worker":"w"})");
}

TEST(JournalTest, TextThatIsNotJsonFails) {
  for (std::string_view text : {"", "{", "not json", R"({"k":"start",})", "{\"k\":\"\xFF\"}"}) {
    auto decoded = DecodeEvent(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), common::StatusCode::kInvalidArgument) << text;
  }
}

TEST(JournalTest, JsonThatIsNotAnObjectFails) {
  for (std::string_view text : {"[]", R"(["start"])", R"("start")", "1", "null", "true"}) {
    auto decoded = DecodeEvent(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), common::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(decoded.status().message().find("not an object"), std::string::npos)
        << decoded.status().message();
  }
}

TEST(JournalTest, UnknownOrMissingKindFails) {
  for (std::string_view text : {"{}", R"({"k":"bogus"})", R"({"k":"START"})", R"({"k":1})",
                                R"({"kind":"start"})", R"({"k":null,"task":1})"}) {
    auto decoded = DecodeEvent(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), common::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(decoded.status().message().find("unknown journal event kind"), std::string::npos)
        << decoded.status().message();
  }
}

TEST(JournalTest, EventsWithoutTheirIdsOrOutputFail) {
  for (const char* text : {R"({"k":"ok","out":1})", R"({"k":"ok","task":1})",
                           R"({"k":"fail","task":1.5})", R"({"k":"beat"})",
                           R"({"k":"started","task":"7"})", R"({"k":"timer","timer":"x"})",
                           R"({"k":"timer"})"}) {
    auto decoded = DecodeEvent(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), common::StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace tactus::runtime
