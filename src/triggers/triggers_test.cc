// Schedules and triggers against the embedded store, with a starter that records what it is
// asked to start and, like StartExecution, starts each name once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "docdb/testing/temp_store.h"
#include "triggers/flexible_window.h"
#include "triggers/registry.h"
#include "triggers/scheduler.h"
#include "triggers/trigger_watcher.h"

namespace tactus::triggers {
namespace {

using mongo::BsonPtr;

constexpr const char* kDb = "tactus";
constexpr const char* kMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
// 2026-12-01T00:00:00Z
constexpr common::TimeMs kT0 = 1796083200000;
constexpr common::TimeMs kMinute = 60000;

json::object J(std::string_view text) {
  auto v = common::ParseJson(text);
  EXPECT_TRUE(v.ok() && v->is_object()) << text;
  return v.ok() && v->is_object() ? v->as_object() : json::object();
}

// StartExecution as the scheduler sees it: idempotent by name.
struct RecordingStarter {
  std::mutex mu;
  std::map<std::string, std::string> started;  // name -> input
  int calls = 0;
  bool unavailable = false;

  Starter Get() {
    return [this](const std::string& machine, const std::string& name, const std::string& input) {
      std::lock_guard lock(mu);
      ++calls;
      StartResult r;
      if (unavailable) {
        r.code = StartResult::Code::kUnavailable;
        return r;
      }
      if (machine != kMachine) {
        r.code = StartResult::Code::kRejected;
        r.message = "StateMachineDoesNotExist";
        return r;
      }
      r.code = started.emplace(name, input).second ? StartResult::Code::kStarted
                                                   : StartResult::Code::kExisted;
      r.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:M:" + name;
      return r;
    };
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return started.size();
  }
};

class TriggersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-trig";
    store.pool_size = 16;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();
    registry_ = std::make_unique<Registry>(*pool_, kDb);
  }
  void TearDown() override {
    registry_.reset();
    docdb_.reset();
  }

  void CreateSchedule(const std::string& name, const std::string& extra, common::TimeMs now = kT0) {
    std::string spec = R"J({"ScheduleExpression": "rate(1 minute)", "Target": {"Arn": ")J" +
                       std::string(kMachine) +
                       R"(", "Input": "{\"at\": \"<aws.scheduler.scheduled-time>\"}"})" + extra +
                       "}";
    ASSERT_TRUE(registry_->Create(Kind::kSchedule, name, J(spec), now).ok()) << spec;
  }

  // Every document of a collection of the registry, as relaxed Extended JSON.
  std::string Stored(const char* collection) {
    std::string all;
    mongo::Client client = pool_->Acquire();
    mongo::BsonPtr filter(bson_new());
    EXPECT_TRUE(mongo::Find(client.Collection(kDb, collection), filter.get(), nullptr, nullptr,
                            [&](const bson_t* d) {
                              char* text = bson_as_relaxed_extended_json(d, nullptr);
                              all += text;
                              bson_free(text);
                              return true;
                            })
                    .ok());
    return all;
  }

  std::optional<Definition> Get(Kind kind, const std::string& name) {
    auto d = registry_->Get(kind, name);
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : std::nullopt;
  }

  void Insert(const std::string& coll, const std::string& json_doc) {
    mongo::Client c = pool_->Acquire();
    bson_error_t error{};
    BsonPtr doc(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json_doc.data()),
                                   static_cast<ssize_t>(json_doc.size()), &error));
    ASSERT_TRUE(doc) << error.message;
    ASSERT_TRUE(mongo::InsertOne(c.Collection("shop", coll), doc.get(), nullptr).ok());
  }

  // Waits until the starter has `n` executions (or 10 s).
  bool WaitStarted(RecordingStarter& s, std::size_t n) {
    for (int i = 0; i < 500 && s.count() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return s.count() >= n;
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  std::unique_ptr<Registry> registry_;
};

TEST_F(TriggersTest, SpecsAreValidatedNamingTheField) {
  auto bad = [&](Kind kind, const char* spec) {
    common::Status st = registry_->Create(kind, "x", J(spec), kT0);
    EXPECT_EQ(st.code(), common::StatusCode::kInvalidArgument) << spec;
    return st.message();
  };
  EXPECT_NE(bad(Kind::kSchedule, R"J({"ScheduleExpression": "rate(0 minutes)",
      "Target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:M"}})J")
                .find("ScheduleExpression"),
            std::string::npos);
  EXPECT_NE(bad(Kind::kSchedule, R"J({"ScheduleExpression": "rate(1 minute)",
      "Target": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}})J")
                .find("Target.Arn"),
            std::string::npos);
  EXPECT_NE(bad(Kind::kSchedule, R"J({"ScheduleExpression": "rate(1 minute)", "Bogus": 1,
      "Target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:M"}})J")
                .find("Bogus"),
            std::string::npos);
  EXPECT_NE(bad(Kind::kTrigger, R"({"Database": "shop", "Collection": "c",
      "Operations": ["drop"], "Target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:M"}})")
                .find("Operations"),
            std::string::npos);
  EXPECT_NE(bad(Kind::kConnection, R"({"Uri": "http://x"})").find("Uri"), std::string::npos);
  EXPECT_NE(bad(Kind::kFunction, R"({"Url": "ftp://x"})").find("Url"), std::string::npos);
  common::Status name =
      registry_->Create(Kind::kFunction, "no spaces", J(R"({"Url": "http://x"})"), kT0);
  EXPECT_NE(name.message().find("Name"), std::string::npos);
  ASSERT_TRUE(registry_->Create(Kind::kFunction, "f", J(R"({"Url": "http://x"})"), kT0).ok());
  EXPECT_EQ(registry_->Create(Kind::kFunction, "f", J(R"({"Url": "http://x"})"), kT0).code(),
            common::StatusCode::kAlreadyExists);
}

TEST_F(TriggersTest, ConnectionUrisAreRedactedForDisplay) {
  EXPECT_EQ(RedactUri("mongodb://app:s3cret@db1:27017,db2/shop?replicaSet=rs"),
            "mongodb://app:****@db1:27017,db2/shop?replicaSet=rs");
  EXPECT_EQ(RedactUri("mongodb://db1/shop"), "mongodb://db1/shop");
  ASSERT_TRUE(registry_
                  ->Create(Kind::kConnection, "cold",
                           J(R"({"Uri": "mongodb://app:s3cret@localhost:27017/"})"), kT0)
                  .ok());
  auto d = Get(Kind::kConnection, "cold");
  ASSERT_TRUE(d);
  std::string shown = common::SerializeJson(DefinitionToJson(Kind::kConnection, *d, ""));
  EXPECT_EQ(shown.find("s3cret"), std::string::npos) << shown;
  auto uri = registry_->ConnectionUri("cold");
  ASSERT_TRUE(uri.ok() && *uri);
  EXPECT_EQ(**uri, "mongodb://app:s3cret@localhost:27017/");
}

// A stand-in for the master key: reverses the text (so it is not in clear) and checks the AAD.
class ReversingSealer final : public SecretSealer {
 public:
  json::object Seal(std::string_view plaintext, std::string_view aad) const override {
    return json::object{{"ct", std::string(plaintext.rbegin(), plaintext.rend())},
                        {"aad", std::string(aad)}};
  }
  common::Result<std::string> Open(const json::object& sealed,
                                   std::string_view aad) const override {
    if (sealed.at("aad").as_string() != aad) return common::Status::InvalidArgument("aad");
    std::string ct(sealed.at("ct").as_string());
    return std::string(ct.rbegin(), ct.rend());
  }
};

TEST_F(TriggersTest, ConnectionSecretsAreSealedAndRotatedWithVersions) {
  ASSERT_TRUE(registry_
                  ->Create(Kind::kConnection, "clear",
                           J(R"({"Uri": "mongodb://app:old-pw@localhost/"})"), kT0)
                  .ok());
  ReversingSealer sealer;
  registry_->SetSealer(&sealer);
  // Written in clear before the sealer: sealed on request, once.
  auto sealed = registry_->SealClearSecrets(kT0 + 1);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*sealed, 1);
  EXPECT_EQ(*registry_->SealClearSecrets(kT0 + 2), 0);
  ASSERT_TRUE(
      registry_
          ->Create(Kind::kConnection, "w", J(R"({"Uri": "mongodb://app:pw-1@localhost/"})"), kT0)
          .ok());
  auto stored = [&] { return Stored("connections"); };
  for (const char* secret : {"old-pw", "pw-1"}) {
    EXPECT_EQ(stored().find(secret), std::string::npos) << stored();
  }
  EXPECT_EQ(**registry_->ConnectionUri("clear"), "mongodb://app:old-pw@localhost/");
  ASSERT_TRUE(
      registry_->RotateConnection("w", J(R"({"Uri": "mongodb://app:pw-2@localhost/"})"), kT0 + 10)
          .ok());
  ASSERT_TRUE(
      registry_->RotateConnection("w", J(R"({"Uri": "mongodb://app:pw-3@localhost/"})"), kT0 + 20)
          .ok());
  auto versions = registry_->ConnectionVersions("w");
  ASSERT_TRUE(versions.ok() && *versions);
  ASSERT_EQ((*versions)->size(), 2u);  // the newest and the one before it
  EXPECT_EQ((**versions)[0].version, 3);
  EXPECT_EQ((**versions)[0].uri, "mongodb://app:pw-3@localhost/");
  EXPECT_EQ((**versions)[0].created, kT0 + 20);
  EXPECT_EQ((**versions)[1].version, 2);
  EXPECT_EQ((**versions)[1].uri, "mongodb://app:pw-2@localhost/");
  auto d = Get(Kind::kConnection, "w");
  ASSERT_TRUE(d);
  json::object shown = DefinitionToJson(Kind::kConnection, *d, "");
  EXPECT_EQ(shown.at("Uri"), "mongodb://app:****@localhost/");
  EXPECT_EQ(shown.at("Secret").at("Version"), 3);
  EXPECT_EQ(shown.at("Secret").at("Versions").as_array().size(), 2u);
  EXPECT_EQ(common::SerializeJson(shown).find("pw-"), std::string::npos);
  EXPECT_EQ(registry_->RotateConnection("none", J(R"({"Uri": "mongodb://x/"})"), kT0).code(),
            common::StatusCode::kNotFound);
  // An update replaces every version.
  ASSERT_TRUE(registry_
                  ->Update(Kind::kConnection, "w", J(R"({"Uri": "mongodb://app:pw-4@localhost/"})"),
                           kT0 + 30)
                  .ok());
  versions = registry_->ConnectionVersions("w");
  ASSERT_EQ((*versions)->size(), 1u);
  EXPECT_EQ((**versions)[0].version, 4);
  registry_->SetSealer(nullptr);
}

TEST_F(TriggersTest, FunctionHeaderValuesAreSealed) {
  auto stored = [&] { return Stored("functions"); };
  ASSERT_TRUE(registry_
                  ->Create(Kind::kFunction, "clear",
                           J(R"({"Url": "https://a.example/", "Headers": {"X-Key": "key-0"}})"),
                           kT0)
                  .ok());
  ReversingSealer sealer;
  registry_->SetSealer(&sealer);
  // Written in clear before the sealer: sealed on request, once.
  ASSERT_EQ(*registry_->SealClearSecrets(kT0 + 1), 1);
  EXPECT_EQ(*registry_->SealClearSecrets(kT0 + 2), 0);
  ASSERT_TRUE(registry_
                  ->Create(Kind::kFunction, "f", J(R"({"Url": "https://b.example/",
                                 "Headers": {"Authorization": "Bearer key-1", "X-Other": "key-2"}})"),
                           kT0)
                  .ok());
  ASSERT_TRUE(
      registry_->Create(Kind::kFunction, "bare", J(R"({"Url": "https://c.example/"})"), kT0).ok());
  for (const char* secret : {"key-0", "key-1", "key-2"}) {
    EXPECT_EQ(stored().find(secret), std::string::npos) << stored();
  }
  auto f = registry_->FunctionSpec("f");
  ASSERT_TRUE(f.ok() && *f) << f.status().ToString();
  EXPECT_EQ((**f).at("Headers").at("Authorization"), "Bearer key-1");
  EXPECT_EQ((**f).at("Headers").at("X-Other"), "key-2");
  EXPECT_EQ((**f).at("Url"), "https://b.example/");
  EXPECT_EQ((**registry_->FunctionSpec("clear")).at("Headers").at("X-Key"), "key-0");
  EXPECT_FALSE((**registry_->FunctionSpec("bare")).contains("Headers"));
  EXPECT_FALSE(*registry_->FunctionSpec("none"));
  // The API's view names the headers, never their values.
  auto d = Get(Kind::kFunction, "f");
  ASSERT_TRUE(d);
  EXPECT_EQ(DefinitionToJson(Kind::kFunction, *d, "").at("Headers").at("X-Other"), kMaskedValue);
  // An update without headers drops the sealed ones.
  ASSERT_TRUE(
      registry_->Update(Kind::kFunction, "f", J(R"({"Url": "https://b.example/"})"), kT0 + 5).ok());
  EXPECT_FALSE((**registry_->FunctionSpec("f")).contains("Headers"));
  // Another key cannot open them.
  registry_->SetSealer(nullptr);
  EXPECT_EQ(registry_->FunctionSpec("clear").status().code(),
            common::StatusCode::kFailedPrecondition);
}

TEST_F(TriggersTest, EachFireTimeStartsOneExecutionEvenWithTwoSchedulers) {
  CreateSchedule("nightly", "");
  common::VirtualClock clock(kT0);
  RecordingStarter starter;
  Scheduler a(*registry_, clock, starter.Get(), {});
  Scheduler b(*registry_, clock, starter.Get(), {});
  EXPECT_EQ(a.FirePass(), 0) << "nothing is due at creation";
  clock.AdvanceTo(kT0 + kMinute);
  a.FirePass();
  b.FirePass();
  a.FirePass();
  ASSERT_EQ(starter.count(), 1u);
  EXPECT_EQ(starter.started.begin()->first, "nightly-20261201T000100Z");
  EXPECT_EQ(starter.started.begin()->second, R"({"at": "2026-12-01T00:01:00Z"})");
  auto d = Get(Kind::kSchedule, "nightly");
  ASSERT_TRUE(d && d->next_fire);
  EXPECT_EQ(*d->next_fire, kT0 + 2 * kMinute);
  EXPECT_EQ(*d->last_fire, kT0 + kMinute);
  EXPECT_EQ(d->fired, 1);
  EXPECT_NE(d->last_execution.find("nightly-20261201T000100Z"), std::string::npos);
}

TEST_F(TriggersTest, AStartThatFailsIsRetriedWithTheSameName) {
  CreateSchedule("s", "");
  common::VirtualClock clock(kT0 + kMinute);
  RecordingStarter starter;
  Scheduler scheduler(*registry_, clock, starter.Get(), {});
  starter.unavailable = true;
  scheduler.FirePass();
  EXPECT_EQ(Get(Kind::kSchedule, "s")->next_fire, kT0 + kMinute) << "not advanced";
  starter.unavailable = false;
  scheduler.FirePass();
  ASSERT_EQ(starter.count(), 1u);
  EXPECT_EQ(starter.started.begin()->first, "s-20261201T000100Z");
}

TEST_F(TriggersTest, MissedFireTimesFollowTheCatchUpPolicy) {
  CreateSchedule("latest", "");
  CreateSchedule("all", R"(, "CatchUp": "ALL")");
  CreateSchedule("none", R"(, "CatchUp": "NONE")");
  common::VirtualClock clock(kT0 + 10 * kMinute + 30000);  // down for ten fire times
  RecordingStarter starter;
  Scheduler scheduler(*registry_, clock, starter.Get(), {});
  scheduler.FirePass();
  std::vector<std::string> latest, all, none;
  for (const auto& [name, input] : starter.started) {
    (name.rfind("latest", 0) == 0 ? latest
     : name.rfind("all", 0) == 0  ? all
                                  : none)
        .push_back(name);
  }
  EXPECT_EQ(latest, std::vector<std::string>{"latest-20261201T001000Z"});
  EXPECT_EQ(all.size(), 10u);
  EXPECT_TRUE(none.empty());
  for (const char* name : {"latest", "all", "none"}) {
    EXPECT_EQ(Get(Kind::kSchedule, name)->next_fire, kT0 + 11 * kMinute) << name;
  }
}

TEST_F(TriggersTest, AFlexibleWindowDelaysTheStartWithinTheWindow) {
  CreateSchedule("flex",
                 R"(, "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})");
  std::int64_t delay = FlexibleDelayMs(FlexibleWindow{FlexibleMode::kFlexible, 10},
                                       "flex@" + std::to_string(kT0 + kMinute));
  ASSERT_GE(delay, 0);
  ASSERT_LT(delay, 10 * kMinute);
  common::VirtualClock clock(kT0 + kMinute + delay - 1);
  RecordingStarter starter;
  Scheduler scheduler(*registry_, clock, starter.Get(), {});
  scheduler.FirePass();
  EXPECT_EQ(starter.count(), 0u);
  clock.AdvanceTo(kT0 + kMinute + delay);
  scheduler.FirePass();
  EXPECT_EQ(starter.count(), 1u);
}

TEST_F(TriggersTest, AOneTimeScheduleFiresOnceAndMayDeleteItself) {
  for (const char* name : {"once", "once-delete"}) {
    std::string spec =
        R"J({"ScheduleExpression": "at(2026-12-01T00:05:00)", "Target": {"Arn": ")J" +
        std::string(kMachine) + R"("})" +
        (std::string(name) == "once" ? "" : R"(, "ActionAfterCompletion": "DELETE")") + "}";
    ASSERT_TRUE(registry_->Create(Kind::kSchedule, name, J(spec), kT0).ok());
  }
  common::VirtualClock clock(kT0 + 5 * kMinute);
  RecordingStarter starter;
  Scheduler scheduler(*registry_, clock, starter.Get(), {});
  scheduler.FirePass();
  clock.AdvanceTo(kT0 + 60 * kMinute);
  scheduler.FirePass();
  EXPECT_EQ(starter.count(), 2u);
  auto once = Get(Kind::kSchedule, "once");
  ASSERT_TRUE(once);
  EXPECT_FALSE(once->next_fire);
  EXPECT_FALSE(Get(Kind::kSchedule, "once-delete"));
}

TEST_F(TriggersTest, ARejectedTargetIsRecordedAndTheScheduleMovesOn) {
  ASSERT_TRUE(registry_
                  ->Create(Kind::kSchedule, "orphan", J(R"J({"ScheduleExpression": "rate(1 minute)",
      "Target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:Gone"}})J"),
                           kT0)
                  .ok());
  common::VirtualClock clock(kT0 + kMinute);
  RecordingStarter starter;
  Scheduler scheduler(*registry_, clock, starter.Get(), {});
  scheduler.FirePass();
  auto d = Get(Kind::kSchedule, "orphan");
  ASSERT_TRUE(d);
  EXPECT_NE(d->last_error.find("StateMachineDoesNotExist"), std::string::npos);
  EXPECT_EQ(d->next_fire, kT0 + 2 * kMinute);
}

TEST_F(TriggersTest, ATriggerStartsOneExecutionPerMatchingEventAcrossARestart) {
  std::string spec = R"({"Database": "shop", "Collection": "refunds", "Operations": ["insert"],
      "Match": {"fullDocument.amount": {"$gt": 100}}, "Target": {"Arn": ")" +
                     std::string(kMachine) + R"("}})";
  ASSERT_TRUE(registry_->Create(Kind::kTrigger, "big-refunds", J(spec), kT0).ok());
  // Before any watcher runs: still delivered (the trigger's position was taken at creation).
  Insert("refunds", R"({"_id": 1, "amount": 500})");
  common::SystemClock clock;
  RecordingStarter starter;
  TriggerOptions options;
  options.owner = "process-a";
  options.poll_ms = 50;
  options.await_ms = 50;
  {
    TriggerWatchers a(*registry_, clock, starter.Get(), options);
    a.Start();
    Insert("refunds", R"({"_id": 2, "amount": 5})");
    Insert("refunds", R"({"_id": 3, "amount": 250})");
    ASSERT_TRUE(WaitStarted(starter, 2));
    a.Stop();
  }
  Insert("refunds", R"({"_id": 4, "amount": 900})");  // while nobody watches
  options.owner = "process-b";
  TriggerWatchers b(*registry_, clock, starter.Get(), options);
  b.Start();
  ASSERT_TRUE(WaitStarted(starter, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  b.Stop();
  std::lock_guard lock(starter.mu);
  EXPECT_EQ(starter.started.size(), 3u);
  EXPECT_EQ(starter.calls, 3) << "no event was started twice";
  std::set<std::int64_t> ids;
  for (const auto& [name, input] : starter.started) {
    EXPECT_EQ(name.rfind("big-refunds-", 0), 0u) << name;
    auto event = J(input);
    EXPECT_EQ(event.at("operationType").as_string(), "insert");
    ids.insert(event.at("fullDocument").as_object().at("_id").to_number<std::int64_t>());
  }
  EXPECT_EQ(ids, (std::set<std::int64_t>{1, 3, 4}));
  auto d = Get(Kind::kTrigger, "big-refunds");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->fired, 3);
}

TEST_F(TriggersTest, TheExecutionNameComesFromTheResumeToken) {
  BsonPtr a(BCON_NEW("_data", BCON_UTF8("8265A1")));
  BsonPtr b(BCON_NEW("_data", BCON_UTF8("8265A2")));
  std::string na = TriggeredExecutionName("t", a.get());
  EXPECT_EQ(na, TriggeredExecutionName("t", a.get()));
  EXPECT_NE(na, TriggeredExecutionName("t", b.get()));
  EXPECT_EQ(na.size(), 2u + 16u);
}

}  // namespace
}  // namespace tactus::triggers
