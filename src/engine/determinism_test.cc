// The engine is deterministic: recorded events replayed into a fresh Execution give the same
// history, and the same seed gives byte-identical runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "asl/model.h"
#include "common/random.h"
#include "engine/execution.h"
#include "engine/test_util.h"

namespace tactus::engine {
namespace {

using common::TimeMs;
using namespace testing;  // NOLINT: test helpers
struct Recorded {
  Event event;
  TimeMs at;
};

class World {
 public:
  // Decides a task's answer and its latency from the request and the state's invocation number.
  using Behaviour = std::function<std::pair<Event, TimeMs>(const RunTask&, int invocation)>;

  explicit World(Behaviour behaviour) : behaviour_(std::move(behaviour)) {}

  void Perform(const std::vector<Action>& actions, TimeMs now) {
    for (const auto& action : actions) {
      trace_.push_back(Describe(action));
      if (const auto* task = std::get_if<RunTask>(&action)) {
        if (task->task_token) tokens_.push_back(*task->task_token);
        auto [event, latency] = behaviour_(*task, invocations_[task->state_name]++);
        task_keys_[task->task_id] = Add(std::move(event), now + latency);
      } else if (const auto* timer = std::get_if<StartTimer>(&action)) {
        timer_keys_[timer->timer_id] = Add(TimerFired{timer->timer_id}, std::max(now, timer->due));
      } else if (const auto* cancel = std::get_if<CancelTask>(&action)) {
        Drop(task_keys_, cancel->task_id);
      } else if (const auto* cancel_timer = std::get_if<CancelTimer>(&action)) {
        Drop(timer_keys_, cancel_timer->timer_id);
      }
    }
  }

  // Pops the earliest pending event. False when nothing is pending.
  bool Next(Event* event, TimeMs* at) {
    if (pending_.empty()) return false;
    auto it = pending_.begin();
    *at = it->first.first;
    *event = std::move(it->second);
    pending_.erase(it);
    return true;
  }

  const std::vector<std::string>& trace() const { return trace_; }
  const std::vector<std::string>& tokens() const { return tokens_; }

  static std::string Describe(const Action& action) {
    if (const auto* t = std::get_if<RunTask>(&action)) {
      return "RunTask " + std::to_string(t->task_id) + " " + t->state_name + " " +
             S(t->parameters) + " token=" + t->task_token.value_or("-");
    }
    if (const auto* t = std::get_if<StartTimer>(&action)) {
      return "StartTimer " + std::to_string(t->timer_id) + " @" + std::to_string(t->due);
    }
    if (const auto* t = std::get_if<CancelTask>(&action)) {
      return "CancelTask " + std::to_string(t->task_id);
    }
    return "CancelTimer " + std::to_string(std::get<CancelTimer>(action).timer_id);
  }

 private:
  using Key = std::pair<TimeMs, std::int64_t>;

  Key Add(Event event, TimeMs at) {
    Key key{at, seq_++};
    pending_.emplace(key, std::move(event));
    return key;
  }

  void Drop(std::map<std::int64_t, Key>& keys, std::int64_t id) {
    auto it = keys.find(id);
    if (it == keys.end()) return;
    pending_.erase(it->second);
    keys.erase(it);
  }

  Behaviour behaviour_;
  std::map<Key, Event> pending_;
  std::map<std::int64_t, Key> task_keys_, timer_keys_;
  std::map<std::string, int> invocations_;
  std::vector<std::string> trace_;
  std::vector<std::string> tokens_;
  std::int64_t seq_ = 0;
};

// Parallel (a Wait then a callback task | a Map of tasks with MaxConcurrency 2), then a task that
// fails twice and is retried with full jitter, then a Wait.
constexpr std::string_view kEverything = R"({
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Fan"},
    "Fan": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Flaky", "Branches": [
      {"StartAt": "Pause", "States": {
        "Pause": {"Type": "Wait", "Seconds": 10, "Next": "Approve"},
        "Approve": {"Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                    "TimeoutSeconds": 300, "End": true}}},
      {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                 "ItemProcessor": {"StartAt": "Work", "States": {
                   "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"n.$": "$", "factor.$": "$factor"},
                            "ResultSelector": {"v.$": "$.Payload"}, "End": true}}},
                 "End": true}}}]},
    "Flaky": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"attempt.$": "$$.State.RetryCount"},
              "Retry": [{"ErrorEquals": ["Flaky.Error"], "IntervalSeconds": 2,
                         "BackoffRate": 2, "MaxAttempts": 3, "JitterStrategy": "FULL"}],
              "ResultPath": "$.flaky", "Next": "Rest"},
    "Rest": {"Type": "Wait", "Seconds": 5, "End": true}
  }
})";

constexpr std::string_view kEverythingInput = R"({"items": [3, 1, 2, 4]})";

std::pair<Event, TimeMs> EverythingBehaviour(const RunTask& task, int invocation) {
  if (task.state_name == "Approve") return {TaskSucceeded{task.task_id, J(R"({"ok": 1})")}, 5000};
  if (task.state_name == "Work") {
    std::int64_t n = task.parameters.at("n").as_int64();
    std::int64_t factor = task.parameters.at("factor").as_int64();
    return {TaskSucceeded{task.task_id, json::object{{"Payload", n * factor}}}, 100 * n};
  }
  if (invocation < 2) return {TaskFailed{task.task_id, "Flaky.Error", "try again"}, 50};
  return {TaskSucceeded{task.task_id, J(R"({"Payload": "finally"})")}, 50};
}

struct LiveRun {
  std::vector<Recorded> log;
  std::vector<std::string> history;  // serialized events
  std::vector<std::string> trace;    // actions, described
  std::vector<std::string> tokens;
  ExecutionStatus status = ExecutionStatus::kRunning;
  std::string output;
};

std::vector<std::string> Serialized(const Execution& execution) {
  std::vector<std::string> out;
  for (const auto& e : execution.history()) out.push_back(S(e));
  return out;
}

LiveRun RunLive(std::uint64_t seed) {
  common::SeededRandom random(seed);
  Execution execution(Machine(kEverything), Info(J(kEverythingInput)), random);
  World world(EverythingBehaviour);
  LiveRun live;
  world.Perform(execution.Start(kT0), kT0);
  Event event;
  TimeMs at = kT0;
  while (execution.status() == ExecutionStatus::kRunning && world.Next(&event, &at)) {
    live.log.push_back({event, at});
    world.Perform(execution.Handle(event, at), at);
  }
  live.history = Serialized(execution);
  live.trace = world.trace();
  live.tokens = world.tokens();
  live.status = execution.status();
  live.output = S(execution.output());
  return live;
}

TEST(ExecutionDeterminismTest, ReplayingARecordedRunArrivesAtTheSameState) {
  LiveRun live = RunLive(42);
  ASSERT_EQ(live.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(live.output,
            R"({"items":[3,1,2,4],"fan":[{"ok":1},[{"v":30},{"v":10},{"v":20},{"v":40}]],)"
            R"("flaky":{"Payload":"finally"}})");
  // The run really exercised what it claims to.
  auto count = [&](std::string_view type) {
    return std::count_if(live.history.begin(), live.history.end(), [&](const std::string& e) {
      return e.find("\"type\":\"" + std::string(type) + "\"") != std::string::npos;
    });
  };
  EXPECT_EQ(count("ParallelStateStarted"), 1);
  EXPECT_EQ(count("MapIterationStarted"), 4);
  EXPECT_EQ(count("TaskSubmitted"), 1);
  EXPECT_EQ(count("WaitStateExited"), 2);
  EXPECT_EQ(count("TaskFailed"), 2);
  ASSERT_EQ(live.tokens.size(), 1u);

  // Replay: a fresh execution with the same seed, fed the recorded events at the recorded times.
  common::SeededRandom random(42);
  Execution replay(Machine(kEverything), Info(J(kEverythingInput)), random);
  std::vector<std::string> trace;
  for (const auto& a : replay.Start(kT0)) trace.push_back(World::Describe(a));
  for (const auto& r : live.log) {
    for (const auto& a : replay.Handle(r.event, r.at)) trace.push_back(World::Describe(a));
  }
  EXPECT_EQ(Serialized(replay), live.history);
  EXPECT_EQ(trace, live.trace);
  EXPECT_EQ(replay.status(), live.status);
  EXPECT_EQ(S(replay.output()), live.output);
}

TEST(ExecutionDeterminismTest, SameSeedGivesByteIdenticalHistories) {
  LiveRun a = RunLive(7);
  LiveRun b = RunLive(7);
  ASSERT_EQ(a.status, ExecutionStatus::kSucceeded);
  std::string ha, hb;
  for (const auto& e : a.history) ha += e + "\n";
  for (const auto& e : b.history) hb += e + "\n";
  EXPECT_EQ(ha, hb);
  EXPECT_EQ(a.trace, b.trace);
}

// The history with timestamps dropped and task tokens replaced by a placeholder.
std::vector<std::string> WithoutTokensAndTimes(const LiveRun& run) {
  std::vector<std::string> out;
  for (const auto& text : run.history) {
    json::value e = J(text);
    e.as_object().erase("timestamp");
    std::string s = S(e);
    for (const auto& token : run.tokens) {
      for (auto pos = s.find(token); pos != std::string::npos; pos = s.find(token)) {
        s.replace(pos, token.size(), "<token>");
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

TEST(ExecutionDeterminismTest, ADifferentSeedChangesOnlyTheTokenAndTheJitter) {
  LiveRun a = RunLive(1);
  LiveRun b = RunLive(2);
  ASSERT_EQ(a.status, ExecutionStatus::kSucceeded);
  ASSERT_EQ(b.status, ExecutionStatus::kSucceeded);
  ASSERT_EQ(a.tokens.size(), 1u);
  ASSERT_EQ(b.tokens.size(), 1u);
  EXPECT_NE(a.tokens[0], b.tokens[0]);
  EXPECT_NE(a.history, b.history);
  EXPECT_EQ(WithoutTokensAndTimes(a), WithoutTokensAndTimes(b));
  EXPECT_EQ(a.output, b.output);
  // Full jitter draws a different retry delay: the recorded retry times differ.
  std::vector<TimeMs> retry_times_a, retry_times_b;
  for (const auto& r : a.log) {
    if (std::holds_alternative<TimerFired>(r.event)) retry_times_a.push_back(r.at);
  }
  for (const auto& r : b.log) {
    if (std::holds_alternative<TimerFired>(r.event)) retry_times_b.push_back(r.at);
  }
  EXPECT_NE(retry_times_a, retry_times_b);
}

}  // namespace
}  // namespace tactus::engine
