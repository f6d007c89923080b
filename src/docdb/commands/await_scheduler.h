// Deferred change-stream getMores (AwaitRequest): instead of a worker thread blocking for
// maxTimeMS, a waiting getMore is parked here and run again when a commit writes the oplog or
// its deadline passes. ONE thread serves every parked request (docs/docdb.md, "Change
// streams"): it wakes on commits (Store::AddOplogListener) and deadlines, and runs the ready
// callbacks itself (each re-runs a getMore: one oplog read, no waiting).
//
// Thread-safe. Stop (or destruction) runs every parked callback with `stopping` = true and
// every later Add's callback at once, so no request stays parked after the server stops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

class AwaitScheduler {
 public:
  using Ready = std::function<void(bool stopping)>;

  // `store` must outlive the scheduler's thread (Stop joins it).
  explicit AwaitScheduler(storage::Store& store);
  ~AwaitScheduler();

  // Runs `ready(false)` once Store::OplogVersion() != `oplog_version` or at `deadline_ms`
  // (system clock, ms since the epoch), on the scheduler's thread.
  void Add(std::uint64_t oplog_version, std::int64_t deadline_ms, Ready ready);
  void Stop();

  struct State;

 private:
  void Loop();

  storage::Store& store_;
  std::shared_ptr<State> state_;  // shared with the store's oplog listener
  std::thread thread_;
};

}  // namespace tactus::docdb::commands
