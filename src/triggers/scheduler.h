// The scheduler: fires schedules (docs/schedules.md).
//
// Each `tactus serve` process runs one. Every `poll_ms` it reads the enabled schedules whose
// next fire time (plus the schedule's flexible delay) has come, and for each fire time F:
//   1. starts the execution "<schedule>-<F as yyyymmddThhmmssZ>" — StartExecution is idempotent
//      by name, so processes that fire the same F at once start ONE execution;
//   2. advances the schedule from F to its next fire time with a conditional update
//      ({next: F} -> {next: F'}), so exactly one process moves it on.
// A crash between 1 and 2 repeats step 1 for F, which finds the execution started: each fire
// time starts exactly one execution.
//
// Missed fire times (the server was down): a fire time older than `grace_ms` is "missed", and
// the schedule's CatchUp decides: LATEST (default) fires once for the latest missed time, ALL
// fires each (at most kMaxCatchUpFires per pass), NONE skips to the next time in the future.
//
// Target.Input may carry EventBridge Scheduler's context placeholders, replaced before the
// start: <aws.scheduler.scheduled-time>, <aws.scheduler.schedule-arn>,
// <aws.scheduler.execution-id>, <aws.scheduler.attempt-number>.
//
// Thread-safe: Start/Stop from one thread; FirePass from tests.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "triggers/registry.h"
#include "triggers/starter.h"

namespace tactus::triggers {

// ALL fires at most this many missed times of one schedule per pass (the rest on later passes).
inline constexpr int kMaxCatchUpFires = 100;

struct SchedulerOptions {
  common::TimeMs poll_ms = 1000;
  // A fire time this much in the past when first seen counts as missed.
  common::TimeMs grace_ms = 60000;
  // For the schedule ARN placeholder.
  std::string region = "us-east-1", account = "123456789012";
};

// "<name>-<yyyymmddThhmmssZ>": the execution a schedule starts for a fire time.
std::string ScheduledExecutionName(const std::string& schedule, common::TimeMs fire_time);
// arn:aws:scheduler:<region>:<account>:schedule/default/<name>
std::string ScheduleArn(const SchedulerOptions& options, const std::string& name);

class Scheduler {
 public:
  // Everything passed in must outlive the scheduler.
  Scheduler(Registry& registry, const common::Clock& clock, Starter starter,
            SchedulerOptions options);
  ~Scheduler();

  void Start();
  void Stop();  // idempotent

  // One pass over the due schedules: how many executions it started (or found started).
  int FirePass();

 private:
  // Fires one schedule's due times; false when the store failed (try again next pass).
  int FireSchedule(const Definition& d, common::TimeMs now);
  void Loop();

  Registry& registry_;
  const common::Clock& clock_;
  Starter starter_;
  SchedulerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tactus::triggers
