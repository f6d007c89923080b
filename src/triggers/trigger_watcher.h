// Database triggers: a change stream per trigger starts one execution per matching change event
// (docs/schedules.md, "Triggers").
//
// Ownership: a trigger is watched by one `tactus serve` process at a time, the holder of its
// lease (owner + expiry in the trigger's document, renewed every poll). When a process dies its
// leases lapse and another process takes the triggers over.
//
// Exactly one execution per event: the execution's name is derived from the event's resume
// token ("<trigger>-<first 16 hex digits of SHA-256(token)>"), and the token is stored in the
// trigger's document after the start. A restart resumes after the stored token; an event
// started but not yet recorded is delivered again and finds its execution started (StartExecution
// is idempotent by name). Creating a trigger records the stream's position at once, so events
// between creation and the first watch are not lost.
//
// The execution's input is the change event in relaxed Extended JSON (updates carry the
// document after the change: fullDocument "updateLookup").
//
// Thread-safe: Start/Stop from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "triggers/registry.h"
#include "triggers/starter.h"

namespace tactus::triggers {

// One process watches at most this many triggers (each holds a connection and a thread).
inline constexpr int kMaxWatchedTriggers = 32;

struct TriggerOptions {
  std::string owner;  // this process's name in leases
  common::TimeMs lease_ms = 30000;
  common::TimeMs poll_ms = 1000;
  // How long one getMore on a change stream waits for events.
  common::TimeMs await_ms = 500;
};

// "<trigger>-<16 hex digits>": the execution started for the event with this resume token.
std::string TriggeredExecutionName(const std::string& trigger, const bson_t* resume_token);

// The current position of a change stream on database.collection (a resume token), so that a
// new trigger starts from the moment it was created.
common::Result<mongo::BsonPtr> CurrentResumeToken(mongo::Client& client,
                                                  const std::string& database,
                                                  const std::string& collection);

class TriggerWatchers {
 public:
  // Everything passed in must outlive the watchers.
  TriggerWatchers(Registry& registry, const common::Clock& clock, Starter starter,
                  TriggerOptions options);
  ~TriggerWatchers();

  void Start();
  // Stops every watcher and releases this process's leases so another takes over at once.
  void Stop();

  // One pass of claiming, renewing and reconciling watchers (the manager thread's loop body).
  void Reconcile();

  // Triggers watched by this process now (for tests and metrics).
  std::size_t watching() const;

  struct Watcher;

 private:
  void Loop();
  // A watcher thread's body: follows its trigger's change stream until stopped.
  void Watch(Watcher& w);

  Registry& registry_;
  const common::Clock& clock_;
  Starter starter_;
  TriggerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::map<std::string, std::unique_ptr<Watcher>> watchers_;  // by trigger name
};

}  // namespace tactus::triggers
