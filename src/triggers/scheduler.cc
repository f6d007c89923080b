#include "triggers/scheduler.h"

#include <chrono>
#include <ctime>

#include "common/log.h"
#include "triggers/flexible_window.h"

namespace tactus::triggers {

using mongo::BsonPtr;

namespace {

// LATEST looks at most this many missed fire times for the latest one.
constexpr int kMaxCatchUpScan = 1'000'000;

std::string FormatUtc(common::TimeMs ms, const char* format) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

void ReplaceAll(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string ScheduledExecutionName(const std::string& schedule, common::TimeMs fire_time) {
  return schedule + "-" + FormatUtc(fire_time, "%Y%m%dT%H%M%SZ");
}

std::string ScheduleArn(const SchedulerOptions& options, const std::string& name) {
  return "arn:aws:scheduler:" + options.region + ":" + options.account + ":schedule/default/" +
         name;
}

Scheduler::Scheduler(Registry& registry, const common::Clock& clock, Starter starter,
                     SchedulerOptions options)
    : registry_(registry),
      clock_(clock),
      starter_(std::move(starter)),
      options_(std::move(options)) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    FirePass();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stop_; });
  }
}

int Scheduler::FirePass() {
  common::TimeMs now = clock_.Now();
  std::vector<Definition> due;
  {
    mongo::Client client = registry_.pool().Acquire();
    BsonPtr filter(BCON_NEW("next", "{", "$lte", BCON_DATE_TIME(now), "}"));
    BsonPtr opts(BCON_NEW("sort", "{", "next", BCON_INT32(1), "}", "limit", BCON_INT64(1000)));
    mongo::DbStatus st =
        mongo::Find(client.Collection(registry_.database(), CollectionOf(Kind::kSchedule)),
                    filter.get(), opts.get(), nullptr, [&](const bson_t* doc) {
                      due.push_back(DefinitionFromDocument(doc));
                      return true;
                    });
    if (!st.ok()) {
      common::Log(common::LogLevel::kWarning, "scheduler", "cannot read schedules",
                  {{"error", st.message()}});
      return 0;
    }
  }
  int fired = 0;
  for (const auto& d : due) fired += FireSchedule(d, now);
  return fired;
}

int Scheduler::FireSchedule(const Definition& d, common::TimeMs now) {
  if (!d.next_fire || SpecString(d.spec, "State", "ENABLED") != "ENABLED") return 0;
  const common::TimeMs scheduled = *d.next_fire;
  FlexibleWindow window;
  if (const json::value* w = d.spec.if_contains("FlexibleTimeWindow")) {
    if (auto parsed = ParseFlexibleWindow(*w); parsed.ok()) window = *parsed;
  }
  auto delay = [&](common::TimeMs fire) {
    return FlexibleDelayMs(window, d.name + "@" + std::to_string(fire));
  };
  if (now < scheduled + delay(scheduled)) return 0;  // inside its flexible window: not yet
  auto next_after = [&](common::TimeMs t) -> std::optional<common::TimeMs> {
    auto next = NextFireTime(d.spec, t, d.created);
    return next.ok() ? *next : std::nullopt;
  };

  std::string catch_up = SpecString(d.spec, "CatchUp", "LATEST");
  bool missed = now - scheduled > options_.grace_ms + window.maximum_window_minutes * 60000;
  // The fire times to start now.
  std::vector<common::TimeMs> fires;
  std::optional<common::TimeMs> next = next_after(scheduled);
  if (!missed || catch_up == "ALL") {
    fires.push_back(scheduled);
    while (missed && next && *next <= now && static_cast<int>(fires.size()) < kMaxCatchUpFires) {
      fires.push_back(*next);
      next = next_after(*next);
    }
  } else {
    common::TimeMs latest = scheduled;
    for (int i = 0; next && *next <= now && i < kMaxCatchUpScan; ++i) {
      latest = *next;
      next = next_after(*next);
    }
    if (catch_up == "LATEST") fires.push_back(latest);
    common::Log(common::LogLevel::kWarning, "scheduler", "missed fire times",
                {{"schedule", d.name},
                 {"from", FormatUtc(scheduled, "%Y-%m-%dT%H:%M:%SZ")},
                 {"catchUp", catch_up}});
  }

  std::string arn = ScheduleArn(options_, d.name);
  std::string target, input_template = "{}";
  if (const json::value* t = d.spec.if_contains("Target"); t && t->is_object()) {
    target = SpecString(t->as_object(), "Arn", "");
    input_template = SpecString(t->as_object(), "Input", "{}");
  }
  int started = 0;
  std::string last_execution = d.last_execution, last_error;
  common::TimeMs last_fire = d.last_fire.value_or(0);
  for (common::TimeMs fire : fires) {
    std::string name = ScheduledExecutionName(d.name, fire);
    std::string input = input_template;
    ReplaceAll(input, "<aws.scheduler.scheduled-time>", FormatUtc(fire, "%Y-%m-%dT%H:%M:%SZ"));
    ReplaceAll(input, "<aws.scheduler.schedule-arn>", arn);
    ReplaceAll(input, "<aws.scheduler.execution-id>", name);
    ReplaceAll(input, "<aws.scheduler.attempt-number>", "1");
    StartResult r = starter_(target, name, input);
    if (r.code == StartResult::Code::kUnavailable) {
      common::Log(common::LogLevel::kWarning, "scheduler", "cannot start; will retry",
                  {{"schedule", d.name}, {"execution", name}, {"error", r.message}});
      if (fire == fires.front()) return started;  // nothing done: the next pass tries again
      next = fire;                                // advance only past what started
      break;
    }
    if (r.code == StartResult::Code::kRejected) {
      last_error = name + ": " + r.message;
      common::Log(common::LogLevel::kError, "scheduler", "schedule target refused the start",
                  {{"schedule", d.name}, {"execution", name}, {"error", r.message}});
    } else {
      last_execution = r.execution_arn;
      ++started;
    }
    last_fire = fire;
  }

  // Move the schedule on, once: only the process that still sees `scheduled` does it.
  mongo::Client client = registry_.pool().Acquire();
  auto* coll = client.Collection(registry_.database(), CollectionOf(Kind::kSchedule));
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(d.name.c_str()), "next", BCON_DATE_TIME(scheduled)));
  mongo::DbStatus st;
  if (!next && SpecString(d.spec, "ActionAfterCompletion", "NONE") == "DELETE") {
    st = mongo::DeleteOne(coll, filter.get(), nullptr);
  } else {
    BsonPtr set(BCON_NEW("lastExecution", BCON_UTF8(last_execution.c_str()), "lastError",
                         BCON_UTF8(last_error.c_str())));
    if (last_fire) BSON_APPEND_DATE_TIME(set.get(), "lastFire", last_fire);
    if (next) {
      BSON_APPEND_DATE_TIME(set.get(), "next", *next);
    } else {
      BSON_APPEND_NULL(set.get(), "next");
    }
    BsonPtr update(bson_new());
    BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
    BsonPtr inc(BCON_NEW("fired", BCON_INT64(started)));
    BSON_APPEND_DOCUMENT(update.get(), "$inc", inc.get());
    st = mongo::UpdateOne(coll, filter.get(), update.get(), nullptr);
  }
  if (!st.ok()) {
    common::Log(common::LogLevel::kWarning, "scheduler", "cannot advance schedule",
                {{"schedule", d.name}, {"error", st.message()}});
  }
  return started;
}

}  // namespace tactus::triggers
