// The durable runner against the embedded store, driven directly (no HTTP): first steps inside
// StartExecution, timers, a restart onto a new process, idempotent starts, activities and task
// tokens, stops and retried mocked tasks. Real time: waits are one or two seconds.
#include "runtime/durable_runner.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "common/arn.h"
#include "docdb/testing/temp_store.h"
#include "runtime/runner_internal.h"
#include "tasks/mock.h"
#include "tasks/unconfigured.h"

namespace tactus::runtime {
namespace {

using mongo::BsonPtr;
using Clock = std::chrono::steady_clock;
// What ClaimActivityTask gives: {token, input} or nothing.
using Claim = std::optional<std::pair<std::string, std::string>>;

constexpr const char* kDb = "tactus";
constexpr const char* kRole = "arn:aws:iam::123456789012:role/test";
constexpr const char* kActivity = "arn:aws:states:us-east-1:123456789012:activity:work";

json::value J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v.value() : json::value();
}

constexpr std::string_view kPassChoice = R"({"StartAt": "P", "States": {
  "P": {"Type": "Pass", "Result": {"n": 3}, "ResultPath": "$.r", "Next": "C"},
  "C": {"Type": "Choice", "Choices": [
          {"Variable": "$.r.n", "NumericGreaterThan": 2, "Next": "Big"}],
        "Default": "Small"},
  "Big": {"Type": "Pass", "Parameters": {"size": "big", "in.$": "$.x"}, "End": true},
  "Small": {"Type": "Fail", "Error": "TooSmall"}}})";

// Waits $.seconds, then passes its input on.
constexpr std::string_view kWait = R"({"StartAt": "W", "States": {
  "W": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
  "Done": {"Type": "Pass", "End": true}}})";

constexpr std::string_view kActivityTask = R"({"StartAt": "A", "States": {
  "A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work",
        "End": true}}})";

// A task that times out after a second is caught, and the execution keeps running (so its
// task token is closed by the timeout itself, not by the execution's end).
constexpr std::string_view kActivityTimeout = R"({"StartAt": "A", "States": {
  "A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work",
        "TimeoutSeconds": 1, "Next": "Done",
        "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Linger"}]},
  "Linger": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
  "Done": {"Type": "Succeed"}}})";

constexpr std::string_view kRetried = R"({"StartAt": "T", "States": {
  "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
        "Retry": [{"ErrorEquals": ["Flaky.Error"], "IntervalSeconds": 1, "MaxAttempts": 2}],
        "End": true}}})";

class DurableRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-rt";
    store.pool_size = 32;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();

    std::map<std::string, std::vector<tasks::MockResponse>> responses;
    responses["T"] = {{0, 0, true, nullptr, "Flaky.Error", "the first call fails"},
                      {1, 1, false, J(R"({"ok": true})"), "", ""}};
    mock_ = std::make_unique<tasks::MockDispatcher>("Retried", "flaky", std::move(responses),
                                                    unconfigured_);
  }

  void TearDown() override {
    runners_.clear();
    docdb_.reset();
  }

  DurableRunner& NewRunner(const std::string& owner, common::TimeMs lease_ms = 30000,
                           int shards = 2, const std::string& audit_database = "") {
    DurableOptions options;
    options.shards = shards;
    options.audit_database = audit_database;
    options.lease_ms = lease_ms;
    options.poll_ms = 50;
    options.owner = owner;
    auto dispatchers = [this](const std::string& machine,
                              const std::string& test_case) -> tasks::TaskDispatcher& {
      if (machine == "Retried" && test_case == "flaky") return *mock_;
      if (machine == "Slow") return slow_;
      return unconfigured_;
    };
    runners_.push_back(std::make_unique<DurableRunner>(*pool_, dispatchers, clock_, options));
    EXPECT_TRUE(runners_.back()->Open().ok());
    return *runners_.back();
  }

  // Inserts the machine as CreateStateMachine does (api/sfn_state_machines.cc); its ARN.
  std::string CreateMachine(const std::string& name, std::string_view definition) {
    std::string arn = common::FormatStateMachineArn(arns_, name);
    std::string def(definition);
    common::TimeMs now = clock_.Now();
    mongo::Client c = pool_->Acquire();
    BsonPtr doc(BCON_NEW("_id", BCON_UTF8(arn.c_str()), "name", BCON_UTF8(name.c_str()), "type",
                         BCON_UTF8("STANDARD"), "definition", BCON_UTF8(def.c_str()), "roleArn",
                         BCON_UTF8(kRole), "revision", BCON_INT64(1), "createdAt",
                         BCON_DATE_TIME(now), "updatedAt", BCON_DATE_TIME(now), "tags",
                         BCON_UTF8("[]"), "logging", BCON_UTF8("")));
    EXPECT_TRUE(mongo::InsertOne(c.Collection(kDb, "state_machines"), doc.get(), nullptr).ok());
    std::string rev_id = SeqKey(arn, 1);
    BsonPtr rev(BCON_NEW("_id", BCON_UTF8(rev_id.c_str()), "definition", BCON_UTF8(def.c_str()),
                         "roleArn", BCON_UTF8(kRole), "createdAt", BCON_DATE_TIME(now)));
    EXPECT_TRUE(
        mongo::InsertOne(c.Collection(kDb, "state_machine_revisions"), rev.get(), nullptr).ok());
    return arn;
  }

  NewExecution Execution(const std::string& machine, const std::string& name,
                         const std::string& input, const std::string& test_case = "") {
    NewExecution e;
    e.execution_arn = common::FormatExecutionArn(arns_, machine, name);
    e.name = name;
    e.state_machine_arn = common::FormatStateMachineArn(arns_, machine);
    e.state_machine_name = machine;
    e.revision = 1;
    e.role_arn = kRole;
    e.input = input;
    e.test_case = test_case;
    return e;
  }

  // Starts and expects success; the execution's ARN.
  std::string Start(DurableRunner& runner, const NewExecution& e) {
    auto result = runner.StartExecution(e);
    if (auto* error = std::get_if<RunnerError>(&result)) {
      ADD_FAILURE() << "StartExecution " << e.name << ": " << error->code << ": " << error->message;
    } else {
      EXPECT_FALSE(std::get<StartOutcome>(result).existed);
    }
    return e.execution_arn;
  }

  std::optional<BsonPtr> FindById(const char* collection, const std::string& id) {
    mongo::Client c = pool_->Acquire();
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str())));
    auto doc = mongo::FindOne(c.Collection(kDb, collection), filter.get(), nullptr, nullptr);
    EXPECT_TRUE(doc.ok()) << doc.status().ToString();
    if (!doc.ok()) return std::nullopt;
    return std::move(*doc);
  }

  std::string Status(const std::string& arn) {
    auto doc = FindById("executions", arn);
    return doc ? mongo::GetString(doc->get(), "status") : "(missing)";
  }

  // Polls until the execution is no longer RUNNING; its status.
  std::string WaitForEnd(const std::string& arn, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::string status;
    while (Clock::now() < deadline) {
      status = Status(arn);
      if (status != "RUNNING") return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status;
  }

  std::int64_t Count(const char* collection, const bson_t* filter) {
    mongo::Client c = pool_->Acquire();
    std::int64_t n = -1;
    EXPECT_TRUE(mongo::CountDocuments(c.Collection(kDb, collection), filter, &n).ok());
    return n;
  }

  // Documents of `collection` whose _id starts with "<arn>#".
  std::int64_t CountKeyed(const char* collection, const std::string& arn) {
    std::string lo = arn + "#", hi = arn + "$";
    BsonPtr range(
        BCON_NEW("_id", "{", "$gte", BCON_UTF8(lo.c_str()), "$lt", BCON_UTF8(hi.c_str()), "}"));
    return Count(collection, range.get());
  }

  std::int64_t PendingWork(const std::string& arn) {
    BsonPtr filter(BCON_NEW("e", BCON_UTF8(arn.c_str())));
    return Count("work", filter.get());
  }

  // The execution's history events in order, checking the storage invariants on the way: one
  // document per step keyed by its first event id, ids contiguous from 1, `executions.events`
  // equal to the last id (only for an execution that has ended: the two reads are not one
  // snapshot).
  std::vector<json::object> History(const std::string& arn, bool ended = true) {
    mongo::Client c = pool_->Acquire();
    std::string lo = arn + "#", hi = arn + "$";
    BsonPtr range(
        BCON_NEW("_id", "{", "$gte", BCON_UTF8(lo.c_str()), "$lt", BCON_UTF8(hi.c_str()), "}"));
    BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
    std::vector<json::object> events;
    auto st = mongo::Find(
        c.Collection(kDb, "history"), range.get(), opts.get(), nullptr, [&](const bson_t* doc) {
          auto j = common::ParseJson(mongo::GetString(doc, "j"));
          EXPECT_TRUE(j.ok() && j->is_array()) << mongo::GetString(doc, "_id");
          if (!j.ok() || !j->is_array()) return false;
          EXPECT_EQ(mongo::GetInt(doc, "n"), static_cast<std::int64_t>(j->as_array().size()));
          std::string expected_id = SeqKey(arn, static_cast<std::int64_t>(events.size()) + 1);
          EXPECT_EQ(mongo::GetString(doc, "_id"), expected_id);
          for (const auto& e : j->as_array()) events.push_back(e.as_object());
          return true;
        });
    EXPECT_TRUE(st.ok()) << st.message();
    for (std::size_t i = 0; i < events.size(); ++i) {
      std::int64_t id = 0;
      EXPECT_TRUE(common::AsInt64(events[i].at("id"), &id));
      EXPECT_EQ(id, static_cast<std::int64_t>(i) + 1) << "event ids must be contiguous";
    }
    auto doc = FindById("executions", arn);
    if (doc && ended) {
      EXPECT_EQ(mongo::GetInt(doc->get(), "events"), static_cast<std::int64_t>(events.size()));
    }
    return events;
  }

  static std::vector<std::string> Types(const std::vector<json::object>& events) {
    std::vector<std::string> types;
    for (const auto& e : events) types.emplace_back(e.at("type").as_string());
    return types;
  }

  static int CountType(const std::vector<json::object>& events, std::string_view type) {
    int n = 0;
    for (const auto& e : events) n += e.at("type").as_string() == type;
    return n;
  }

  common::ArnContext arns_;
  common::SystemClock clock_;
  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  tasks::UnconfiguredDispatcher unconfigured_;
  std::unique_ptr<tasks::MockDispatcher> mock_;
  // Blocking: its calls wait until `open` (a slow endpoint), on the runner's task threads.
  struct SlowDispatcher : tasks::TaskDispatcher {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    std::vector<tasks::TaskRequest> calls;
    tasks::TaskOutcome Invoke(const tasks::TaskRequest& request) override {
      std::unique_lock lock(mu);
      calls.push_back(request);
      cv.notify_all();
      cv.wait(lock, [&] { return open; });
      return tasks::TaskOutcome::Success(json::object{{"called", request.state_name}});
    }
    bool Blocking(std::string_view resource) const override {
      return resource == "arn:aws:states:::http:invoke";
    }
  } slow_;
  std::vector<std::unique_ptr<DurableRunner>> runners_;
};

TEST_F(DurableRunnerTest, PassAndChoiceCompleteInsideStartExecution) {
  CreateMachine("PassChoice", kPassChoice);
  DurableRunner& runner = NewRunner("owner-a");
  std::string arn = Start(runner, Execution("PassChoice", "run-1", R"({"x": "hello"})"));

  // No waiting: the first step, which runs the whole machine, committed with the start.
  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(mongo::GetString(doc->get(), "status"), "SUCCEEDED");
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))),
            R"({"size":"big","in":"hello"})");
  EXPECT_EQ(mongo::GetInt(doc->get(), "v"), 1);
  EXPECT_GE(mongo::GetDateMs(doc->get(), "stopDate"), mongo::GetDateMs(doc->get(), "startDate"));
  // StartExecution journals no entry for the start itself (startDate says when).
  EXPECT_EQ(CountKeyed("journal", arn), 0);
  EXPECT_EQ(PendingWork(arn), 0);

  auto history = History(arn);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(Types(history).front(), "ExecutionStarted");
  EXPECT_EQ(Types(history).back(), "ExecutionSucceeded");
  EXPECT_EQ(CountType(history, "ChoiceStateEntered"), 1);
  EXPECT_EQ(CountType(history, "PassStateEntered"), 2);
}

TEST_F(DurableRunnerTest, WaitCompletesAfterItsTime) {
  CreateMachine("Wait", kWait);
  DurableRunner& runner = NewRunner("owner-a");
  auto t0 = Clock::now();
  std::string arn = Start(runner, Execution("Wait", "w1", R"({"seconds": 1})"));
  EXPECT_EQ(Status(arn), "RUNNING");
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, std::chrono::milliseconds(950));
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_GE(mongo::GetDateMs(doc->get(), "stopDate") - mongo::GetDateMs(doc->get(), "startDate"),
            1000);
  EXPECT_EQ(mongo::GetInt(doc->get(), "v"), 2);  // start, timer
  EXPECT_EQ(CountKeyed("journal", arn), 1);        // the timer: the start is implied
  EXPECT_EQ(PendingWork(arn), 0);
  auto history = History(arn);
  EXPECT_EQ(CountType(history, "WaitStateEntered"), 1);
  EXPECT_EQ(CountType(history, "WaitStateExited"), 1);
  EXPECT_EQ(CountType(history, "ExecutionSucceeded"), 1);
}

TEST_F(DurableRunnerTest, AnotherProcessFinishesAnExecutionAfterARestart) {
  CreateMachine("Wait", kWait);
  std::string restarted;
  {
    DurableRunner& first = NewRunner("owner-1", 1000);
    restarted = Start(first, Execution("Wait", "restarted", R"({"seconds": 2})"));
    first.Shutdown();
    runners_.clear();  // the first process is gone; its timer lives only in the store
  }
  EXPECT_EQ(Status(restarted), "RUNNING");
  DurableRunner& second = NewRunner("owner-2", 1000);
  // The same machine run by one process from start to end, for comparison.
  std::string control = Start(second, Execution("Wait", "control", R"({"seconds": 2})"));

  ASSERT_EQ(WaitForEnd(restarted, std::chrono::seconds(10)), "SUCCEEDED");
  ASSERT_EQ(WaitForEnd(control, std::chrono::seconds(10)), "SUCCEEDED");
  // Give a duplicate step (if any) the chance to show up.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  auto restarted_history = History(restarted);
  auto control_history = History(control);
  EXPECT_EQ(Types(restarted_history), Types(control_history));
  EXPECT_EQ(CountType(restarted_history, "ExecutionSucceeded"), 1);
  EXPECT_EQ(CountType(restarted_history, "WaitStateExited"), 1);

  auto doc = FindById("executions", restarted);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(mongo::GetInt(doc->get(), "v"), 2);
  EXPECT_EQ(CountKeyed("journal", restarted), 1);  // the timer: the start is implied
  EXPECT_EQ(PendingWork(restarted), 0);
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))), R"({"seconds":2})");
  EXPECT_GE(mongo::GetDateMs(doc->get(), "stopDate") - mongo::GetDateMs(doc->get(), "startDate"),
            2000);
}

TEST_F(DurableRunnerTest, ClaimsOfAProcessThatDiedExpire) {
  CreateMachine("Wait", kWait);
  std::string arn;
  common::TimeMs lease = 0;
  {
    DurableRunner& first = NewRunner("owner-1", 1000);
    arn = Start(first, Execution("Wait", "orphan", R"({"seconds": 1})"));
    mongo::Client c = pool_->Acquire();
    BsonPtr filter(BCON_NEW("e", BCON_UTF8(arn.c_str())));
    auto item = mongo::FindOne(c.Collection(kDb, "work"), filter.get(), nullptr, nullptr);
    ASSERT_TRUE(item.ok() && item->has_value());
    EXPECT_EQ(mongo::GetString(item->value().get(), "owner"), "owner-1");
    lease = mongo::GetDateMs(item->value().get(), "lease");
    EXPECT_GE(lease - mongo::GetDateMs(item->value().get(), "due"), 1000);
    first.Shutdown();
    runners_.clear();
    // A crash releases nothing: put the claim back as the dead process left it.
    BsonPtr update(
        BCON_NEW("$set", "{", "owner", BCON_UTF8("owner-1"), "lease", BCON_DATE_TIME(lease), "}"));
    ASSERT_TRUE(
        mongo::UpdateMany(c.Collection(kDb, "work"), filter.get(), update.get(), nullptr).ok());
  }
  NewRunner("owner-2", 1000);
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_GE(mongo::GetDateMs(doc->get(), "stopDate"), lease) << "taken over only after the lease";
  EXPECT_EQ(CountType(History(arn), "ExecutionSucceeded"), 1);
  EXPECT_EQ(PendingWork(arn), 0);
}

TEST_F(DurableRunnerTest, StartExecutionIsIdempotentByNameAndInput) {
  CreateMachine("Wait", kWait);
  CreateMachine("PassChoice", kPassChoice);
  DurableRunner& runner = NewRunner("owner-a");
  NewExecution e = Execution("Wait", "dup", R"({"seconds": 60})");
  auto first = runner.StartExecution(e);
  ASSERT_TRUE(std::holds_alternative<StartOutcome>(first));
  EXPECT_FALSE(std::get<StartOutcome>(first).existed);

  auto again = runner.StartExecution(e);
  ASSERT_TRUE(std::holds_alternative<StartOutcome>(again));
  EXPECT_TRUE(std::get<StartOutcome>(again).existed);
  EXPECT_EQ(std::get<StartOutcome>(again).start_date, std::get<StartOutcome>(first).start_date);

  NewExecution other_input = e;
  other_input.input = R"({"seconds": 61})";
  auto conflict = runner.StartExecution(other_input);
  ASSERT_TRUE(std::holds_alternative<RunnerError>(conflict));
  EXPECT_EQ(std::get<RunnerError>(conflict).code, "ExecutionAlreadyExists");

  BsonPtr by_name(BCON_NEW("name", BCON_UTF8("dup")));
  EXPECT_EQ(Count("executions", by_name.get()), 1);
  EXPECT_EQ(CountKeyed("history", e.execution_arn), 1);  // one first step, once

  // An execution that has ended is never started again under its name, whatever the input.
  NewExecution done = Execution("PassChoice", "done", R"({"x": 1})");
  Start(runner, done);
  ASSERT_EQ(Status(done.execution_arn), "SUCCEEDED");
  auto closed = runner.StartExecution(done);
  ASSERT_TRUE(std::holds_alternative<RunnerError>(closed));
  EXPECT_EQ(std::get<RunnerError>(closed).code, "ExecutionAlreadyExists");
}

TEST_F(DurableRunnerTest, ActivityTaskIsClaimedOnceAndAnsweredOnce) {
  CreateMachine("Activity", kActivityTask);
  DurableRunner& runner = NewRunner("owner-a");
  std::string arn = Start(runner, Execution("Activity", "act", R"({"job": 7})"));

  auto claim = runner.ClaimActivityTask(kActivity, "worker-1");
  ASSERT_TRUE(std::holds_alternative<Claim>(claim));
  auto task = std::get<Claim>(claim);
  ASSERT_TRUE(task.has_value());
  const std::string token = task->first;
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(common::SerializeJson(J(task->second)), R"({"job":7})");

  auto second = runner.ClaimActivityTask(kActivity, "worker-2");
  ASSERT_TRUE(std::holds_alternative<Claim>(second));
  EXPECT_FALSE(std::get<Claim>(second).has_value());

  auto sent = runner.SendTaskSuccess(token, J(R"({"result": "done"})"));
  ASSERT_TRUE(std::holds_alternative<bool>(sent))
      << std::get<RunnerError>(sent).code << ": " << std::get<RunnerError>(sent).message;
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))),
            R"({"result":"done"})");

  auto again = runner.SendTaskSuccess(token, J(R"({"result": "twice"})"));
  ASSERT_TRUE(std::holds_alternative<RunnerError>(again));
  EXPECT_EQ(std::get<RunnerError>(again).code, "TaskDoesNotExist");

  auto history = History(arn);
  EXPECT_EQ(CountType(history, "ActivityScheduled"), 1);
  EXPECT_EQ(CountType(history, "ActivityStarted"), 1);
  EXPECT_EQ(CountType(history, "ActivitySucceeded"), 1);
  for (const auto& e : history) {
    if (e.at("type").as_string() != "ActivityStarted") continue;
    EXPECT_EQ(common::SerializeJson(e.at("activityStartedEventDetails")),
              R"({"workerName":"worker-1"})");
  }
  BsonPtr of_activity(BCON_NEW("activity", BCON_UTF8(kActivity)));
  EXPECT_EQ(Count("activity_tasks", of_activity.get()), 0);
}

TEST_F(DurableRunnerTest, UnknownTokensAreRefused) {
  DurableRunner& runner = NewRunner("owner-a");
  auto unknown = runner.SendTaskSuccess(std::string(64, 'a'), J("{}"));
  ASSERT_TRUE(std::holds_alternative<RunnerError>(unknown));
  EXPECT_EQ(std::get<RunnerError>(unknown).code, "TaskDoesNotExist");
  auto empty = runner.SendTaskFailure("", "E", "C");
  ASSERT_TRUE(std::holds_alternative<RunnerError>(empty));
  EXPECT_EQ(std::get<RunnerError>(empty).code, "InvalidToken");
  auto none = runner.ClaimActivityTask(kActivity, "w");
  ASSERT_TRUE(std::holds_alternative<Claim>(none));
  EXPECT_FALSE(std::get<Claim>(none).has_value());
}

TEST_F(DurableRunnerTest, AnswerAfterTheTaskTimedOutIsTaskTimedOut) {
  CreateMachine("ActivityTimeout", kActivityTimeout);
  DurableRunner& runner = NewRunner("owner-a");
  std::string arn = Start(runner, Execution("ActivityTimeout", "late", "{}"));

  // The token, read from the store: no worker claims the task.
  std::string token;
  {
    mongo::Client c = pool_->Acquire();
    BsonPtr filter(BCON_NEW("e", BCON_UTF8(arn.c_str())));
    auto doc = mongo::FindOne(c.Collection(kDb, "activity_tasks"), filter.get(), nullptr, nullptr);
    ASSERT_TRUE(doc.ok() && doc->has_value());
    token = mongo::GetString(doc->value().get(), "_id");
  }
  ASSERT_FALSE(token.empty());

  // Wait until the timeout has been caught (the Wait state entered), execution still running.
  auto deadline = Clock::now() + std::chrono::seconds(10);
  std::vector<json::object> history;
  while (Clock::now() < deadline) {
    history = History(arn, false);
    if (CountType(history, "WaitStateEntered") == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(CountType(history, "ActivityTimedOut"), 1);
  ASSERT_EQ(Status(arn), "RUNNING");

  auto late = runner.SendTaskSuccess(token, J(R"({"late": true})"));
  ASSERT_TRUE(std::holds_alternative<RunnerError>(late));
  EXPECT_EQ(std::get<RunnerError>(late).code, "TaskTimedOut");
  auto late_failure = runner.SendTaskFailure(token, "E", "C");
  ASSERT_TRUE(std::holds_alternative<RunnerError>(late_failure));
  EXPECT_EQ(std::get<RunnerError>(late_failure).code, "TaskTimedOut");
  auto late_beat = runner.SendTaskHeartbeat(token);
  ASSERT_TRUE(std::holds_alternative<RunnerError>(late_beat));
  EXPECT_EQ(std::get<RunnerError>(late_beat).code, "TaskTimedOut");

  // The timed-out task is no longer offered to workers.
  auto claim = runner.ClaimActivityTask(kActivity, "w");
  ASSERT_TRUE(std::holds_alternative<Claim>(claim));
  EXPECT_FALSE(std::get<Claim>(claim).has_value());

  auto stopped = runner.StopExecution(arn, "", "");
  EXPECT_TRUE(std::holds_alternative<common::TimeMs>(stopped));
  EXPECT_EQ(Status(arn), "ABORTED");
}

TEST_F(DurableRunnerTest, StopExecutionAborts) {
  CreateMachine("Wait", kWait);
  DurableRunner& runner = NewRunner("owner-a");
  std::string arn = Start(runner, Execution("Wait", "to-stop", R"({"seconds": 60})"));
  ASSERT_EQ(Status(arn), "RUNNING");

  auto stopped = runner.StopExecution(arn, "Operator.Stop", "no longer needed");
  ASSERT_TRUE(std::holds_alternative<common::TimeMs>(stopped))
      << std::get<RunnerError>(stopped).code;
  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(mongo::GetString(doc->get(), "status"), "ABORTED");
  EXPECT_EQ(mongo::GetString(doc->get(), "error"), "Operator.Stop");
  EXPECT_EQ(mongo::GetString(doc->get(), "cause"), "no longer needed");
  EXPECT_EQ(mongo::GetDateMs(doc->get(), "stopDate"), std::get<common::TimeMs>(stopped));
  EXPECT_EQ(PendingWork(arn), 0) << "the Wait's timer is gone with the execution";
  auto history = History(arn);
  EXPECT_EQ(Types(history).back(), "ExecutionAborted");

  // Stopping an ended execution changes nothing; an unknown one does not exist.
  auto again = runner.StopExecution(arn, "Other", "");
  ASSERT_TRUE(std::holds_alternative<common::TimeMs>(again));
  EXPECT_EQ(std::get<common::TimeMs>(again), std::get<common::TimeMs>(stopped));
  EXPECT_EQ(History(arn).size(), history.size());
  auto missing = runner.StopExecution(arn + "-nope", "", "");
  ASSERT_TRUE(std::holds_alternative<RunnerError>(missing));
  EXPECT_EQ(std::get<RunnerError>(missing).code, "ExecutionDoesNotExist");
}

TEST_F(DurableRunnerTest, MockedTaskSucceedsOnItsRetry) {
  CreateMachine("Retried", kRetried);
  DurableRunner& runner = NewRunner("owner-a");
  auto t0 = Clock::now();
  std::string arn = Start(runner, Execution("Retried", "flaky-run", "{}", "flaky"));
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(950)) << "IntervalSeconds: 1";

  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))), R"({"ok":true})");
  // The invocation count is durable: the mock answered call 0, then call 1.
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "mocks"))), R"({"T":2})");
  auto history = History(arn);
  EXPECT_EQ(CountType(history, "TaskScheduled"), 2);
  EXPECT_EQ(CountType(history, "TaskFailed"), 1);
  EXPECT_EQ(CountType(history, "TaskSucceeded"), 1);
  EXPECT_EQ(CountType(history, "ExecutionSucceeded"), 1);
}

constexpr std::string_view kSlowCall = R"({"StartAt": "Call", "States": {
  "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
           "Parameters": {"ApiEndpoint": "https://example.com", "Method": "GET"},
           "ResultPath": "$.r", "Next": "Pause"},
  "Pause": {"Type": "Wait", "Seconds": 0, "End": true}}})";

TEST_F(DurableRunnerTest, ABlockingTaskDoesNotHoldItsShard) {
  CreateMachine("Slow", kSlowCall);
  DurableRunner& runner = NewRunner("owner-a", 30000, /*shards=*/1);
  std::string slow = Start(runner, Execution("Slow", "slow-run", "{}"));
  {
    std::unique_lock lock(slow_.mu);
    ASSERT_TRUE(slow_.cv.wait_for(lock, std::chrono::seconds(10), [&] { return !slow_.calls.empty(); }));
  }
  // The only shard is free while the call is in flight: another execution's Wait ends.
  CreateMachine("Quick", R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": true}}})");
  std::string quick = Start(runner, Execution("Quick", "quick-run", "{}"));
  EXPECT_EQ(WaitForEnd(quick, std::chrono::seconds(10)), "SUCCEEDED");
  EXPECT_EQ(Status(slow), "RUNNING");
  // The claim on the task outlasts the call (its default bound plus a lease).
  std::string task_work;
  {
    mongo::Client c = pool_->Acquire();
    BsonPtr filter(BCON_NEW("e", BCON_UTF8(slow.c_str()), "k", BCON_UTF8("task")));
    auto work = mongo::FindOne(c.Collection(kDb, "work"), filter.get(), nullptr, nullptr);
    ASSERT_TRUE(work.ok() && work->has_value());
    task_work = mongo::GetString(work->value().get(), "_id");
    EXPECT_GT(mongo::GetDateMs(work->value().get(), "lease"),
              clock_.Now() + kBlockingTaskDefaultSeconds * 1000);
  }
  {
    std::lock_guard lock(slow_.mu);
    slow_.open = true;
  }
  slow_.cv.notify_all();
  ASSERT_EQ(WaitForEnd(slow, std::chrono::seconds(10)), "SUCCEEDED");
  auto doc = FindById("executions", slow);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))),
            R"({"r":{"called":"Call"}})");
  std::lock_guard lock(slow_.mu);
  ASSERT_EQ(slow_.calls.size(), 1u);
  EXPECT_EQ(slow_.calls[0].execution_arn, slow);
  EXPECT_EQ(slow_.calls[0].idempotency_key, task_work);
  EXPECT_EQ(slow_.calls[0].role_arn, kRole);  // the task runs as the execution's role
}

TEST_F(DurableRunnerTest, ACallbackTaskWaitsForItsTokenAfterTheCall) {
  CreateMachine("Slow", R"({"StartAt": "Ask", "States": {
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "approver", "Payload": {"token.$": "$$.Task.Token"}},
            "End": true}}})");
  {
    std::lock_guard lock(slow_.mu);
    slow_.open = true;  // the function answers at once; the task must still wait
  }
  DurableRunner& runner = NewRunner("owner-a");
  std::string arn = Start(runner, Execution("Slow", "ask-run", "{}"));
  std::optional<std::string> token;
  for (int i = 0; i < 500 && !token; ++i) {
    {
      std::lock_guard lock(slow_.mu);
      if (!slow_.calls.empty()) token = slow_.calls[0].task_token;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(token.has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Status(arn), "RUNNING") << "the function's answer is not the task's result";
  auto sent = runner.SendTaskSuccess(*token, J(R"({"approved": true})"));
  ASSERT_TRUE(std::holds_alternative<bool>(sent));
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  auto doc = FindById("executions", arn);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(common::SerializeJson(J(mongo::GetString(doc->get(), "output"))),
            R"({"approved":true})");
}

TEST_F(DurableRunnerTest, StepsWriteTheirTransitionsAndTouchedDataToTheAuditTrail) {
  CreateMachine("Orders", R"({"StartAt": "Add", "States": {
    "Add": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:insertOne",
            "Parameters": {"Database": "shop", "Collection": "orders",
                           "Document": {"_id": "o-1", "total": 5}},
            "Next": "Done"},
    "Done": {"Type": "Succeed"}}})");
  DurableRunner& runner = NewRunner("owner-a", 30000, 2, "audit_db");
  std::string arn = Start(runner, Execution("Orders", "audited", "{}"));
  ASSERT_EQ(WaitForEnd(arn, std::chrono::seconds(10)), "SUCCEEDED");
  audit::ChainerOptions chain;
  chain.database = "audit_db";
  audit::Chainer chainer(pool_, chain);
  auto chained = chainer.Drain();
  ASSERT_TRUE(chained.ok()) << chained.status().ToString();
  EXPECT_GE(*chained, 2) << "the start step and the task's step";
  auto report = audit::Verify(*pool_, "audit_db", {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  auto lineage = audit::Lineage(*pool_, "audit_db", "shop.orders", json::value("o-1"));
  ASSERT_TRUE(lineage.ok()) << lineage.status().ToString();
  ASSERT_EQ(lineage->size(), 1u);
  EXPECT_EQ((*lineage)[0].execution, arn);
  EXPECT_EQ((*lineage)[0].operation, "insertOne");
  // Every history event of the execution is in a transition record.
  std::int64_t transitions = 0;
  mongo::Client c = pool_->Acquire();
  BsonPtr filter(BCON_NEW("kind", BCON_UTF8("transition"), "execution", BCON_UTF8(arn.c_str())));
  EXPECT_TRUE(mongo::Find(c.Collection("audit_db", "records"), filter.get(), nullptr, nullptr,
                          [&](const bson_t* doc) {
                            auto fields = J(mongo::GetString(doc, "fields"));
                            transitions += static_cast<std::int64_t>(
                                fields.at("events").as_array().size());
                            return true;
                          })
                  .ok());
  EXPECT_EQ(transitions, static_cast<std::int64_t>(History(arn).size()));
}

TEST_F(DurableRunnerTest, ShutdownReturnsWhileAnExecutionLoopsAndAnotherProcessContinuesIt) {
  CreateMachine("Loop", R"({"StartAt": "Count", "States": {
    "Count": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:countDocuments",
              "Parameters": {"Database": "shop", "Collection": "none"}, "ResultPath": "$.n",
              "Next": "Again"},
    "Again": {"Type": "Choice", "Default": "Count",
              "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})");
  DurableRunner& first = NewRunner("owner-a");
  std::string arn = Start(first, Execution("Loop", "forever", "{}"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto stopped = std::async(std::launch::async, [&] { first.Shutdown(); });
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "Shutdown must not wait for an execution that never ends";
  std::int64_t events = CountKeyed("history", arn);
  DurableRunner& second = NewRunner("owner-b");
  (void)second;
  bool advanced = false;
  for (int i = 0; i < 200 && !advanced; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    advanced = CountKeyed("history", arn) > events;
  }
  EXPECT_TRUE(advanced) << "the other process takes the execution over at once";
  auto stop = second.StopExecution(arn, "Enough", "the test is over");
  ASSERT_TRUE(std::holds_alternative<common::TimeMs>(stop))
      << std::get<RunnerError>(stop).code << ": " << std::get<RunnerError>(stop).message;
  EXPECT_EQ(Status(arn), "ABORTED");
}

}  // namespace
}  // namespace tactus::runtime
