// The TTL monitor (docs/docdb.md, "TTL indexes"): a background thread that, every interval,
// deletes the documents whose TTL-indexed date (the earliest date, for an array) is older than
// now - expireAfterSeconds. Documents without a date in that field are never deleted.
//
// Deletes run in batches of at most Options::batch_size documents, each batch its own group
// commit (Store::GroupWrite), so the write lock is held for one batch at a time and client
// writes interleave with a long expiry. Thread-safe; RunOnce may be called from any thread
// (tests call it directly) and passes never overlap.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "docdb/error.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

// MongoDB's ttlMonitorSleepSecs default.
inline constexpr std::int64_t kDefaultTtlMonitorIntervalMs = 60 * 1000;
// Documents deleted per write transaction: small enough that the write lock is released within
// a few milliseconds, large enough that a million expired documents take few commits.
inline constexpr std::int64_t kDefaultTtlBatchSize = 1000;

// serverStatus's metrics.ttl.
struct TtlMetrics {
  std::atomic<std::int64_t> deleted_documents{0};
  std::atomic<std::int64_t> passes{0};
};

class TtlMonitor {
 public:
  struct Options {
    std::int64_t interval_ms = kDefaultTtlMonitorIntervalMs;  // > 0
    std::int64_t batch_size = kDefaultTtlBatchSize;           // > 0
  };

  // REQUIRES: store, clock and metrics outlive the monitor.
  TtlMonitor(storage::Store& store, const common::Clock& clock, TtlMetrics& metrics,
             Options options);
  // Stops the thread (see Stop).
  ~TtlMonitor();
  TtlMonitor(const TtlMonitor&) = delete;
  TtlMonitor& operator=(const TtlMonitor&) = delete;

  // Starts the background thread: a pass every interval_ms, the first after one interval.
  void Start();
  // Stops the thread, interrupting a pass between batches. Idempotent.
  void Stop();

  // One pass over every TTL index of every collection, now. Returns the documents deleted;
  // fails on a storage error (the batches before it stay deleted).
  DbResult<std::int64_t> RunOnce();

 private:
  struct TtlIndex;
  DbResult<std::int64_t> Expire(const TtlIndex& index, std::int64_t now_ms);

  storage::Store& store_;
  const common::Clock& clock_;
  TtlMetrics& metrics_;
  const Options options_;

  std::mutex pass_mu_;  // one pass at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace tactus::docdb::commands
