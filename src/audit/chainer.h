// The Chainer moves records from `outbox` into the hash chain `records`, and signs checkpoints.
//
// One chainer works per deployment at a time: the holder of the lease `meta {_id: "lease"}`,
// renewed on every poll. Any number of processes may run one; the others poll the lease and
// take over when it expires (or is released by Stop). Correctness does not rest on the lease:
// every batch moves the head with a conditional update (`{_id: "head", seq: n}`) in the same
// transaction that inserts the chained records and deletes their outbox documents (all of
// them, or the batch aborts), so two chainers can never fork the chain or chain a record
// twice; a lost race costs a retry. The lease's expiry is wall-clock time compared across
// processes, so clock skew only makes a takeover early or late.
//
// Thread safety: all methods may be called from any thread; batches of one Chainer never run
// concurrently (Drain and the background loop take turns).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "audit/key.h"
#include "audit/record.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit {

// Outbox records chained per transaction, at most.
inline constexpr int kBatch = 1000;
// A checkpoint is signed once this many records were chained since the last one...
inline constexpr std::int64_t kCheckpointRecords = 10'000;
// ... or once this long passed since the last one and there are new records.
inline constexpr common::TimeMs kCheckpointMs = 10'000;
// Pause between polls of the outbox (and renewals of the lease).
inline constexpr common::TimeMs kPollMs = 200;
// How long a lease lasts unless renewed.
inline constexpr common::TimeMs kLeaseMs = 15'000;

struct ChainerOptions {
  std::string database = kDefaultDatabase;
  // The lease holder's name; empty: "<hostname>:<pid>:<8 random hex>".
  std::string owner;
  common::TimeMs poll_ms = kPollMs;
  common::TimeMs lease_ms = kLeaseMs;
  int batch = kBatch;
  std::int64_t checkpoint_records = kCheckpointRecords;
  common::TimeMs checkpoint_ms = kCheckpointMs;
  // Signs checkpoints; null: no checkpoints. Not owned; must outlive the Chainer.
  const AuditKey* key = nullptr;
  // The time of records' checkpoints and of the lease; null: the system clock. Not owned.
  const common::Clock* clock = nullptr;
};

class Chainer {
 public:
  // REQUIRES: pool outlives the Chainer; options.batch > 0.
  Chainer(mongo::Pool* pool, ChainerOptions options);
  // Stops the loop (see Stop).
  ~Chainer();
  Chainer(const Chainer&) = delete;
  Chainer& operator=(const Chainer&) = delete;

  // Starts the background loop: every poll_ms, take or renew the lease; as holder, chain
  // batches until the outbox is empty, then sign a checkpoint when one is due. Errors are
  // logged and retried on the next poll. No-op when already running.
  void Start();
  // Stops the loop, waits for the batch in flight, and releases the lease if held.
  void Stop();

  // Takes (or renews) the lease and chains batches until the outbox is empty: the records
  // chained. FailedPrecondition when another chainer holds the lease; IoError on store errors.
  // For shutdown and tests.
  common::Result<std::int64_t> Drain();
  // As lease holder, signs a checkpoint at the current head now, if the head moved past the
  // last checkpoint: its seq, or 0 when there was nothing to sign. FailedPrecondition without
  // a key or without the lease.
  common::Result<std::int64_t> CheckpointNow();

  const std::string& owner() const { return options_.owner; }
  // Records chained by this Chainer since it was built.
  std::int64_t chained() const { return chained_.load(); }

 private:
  common::TimeMs Now() const;
  // Takes or renews the lease: true when this chainer holds it.
  common::Result<bool> TakeLease();
  void ReleaseLease();
  common::Status LoadLastCheckpoint(mongo::Client& client);
  // One batch: the records chained (0: the outbox was empty). A lost race is retried inside.
  common::Result<std::int64_t> ChainBatch(mongo::Client& client);
  common::Result<std::int64_t> SignCheckpoint(mongo::Client& client);
  // REQUIRES: work_mu_ held.
  common::Result<std::int64_t> DrainLocked();
  void Loop();

  mongo::Pool* pool_;
  ChainerOptions options_;
  common::SystemClock system_clock_;

  std::mutex work_mu_;  // one batch at a time; guards the fields below
  bool schema_ready_ = false;
  bool holder_ = false;
  std::int64_t last_checkpoint_seq_ = 0;
  common::TimeMs last_checkpoint_time_ = 0;

  std::atomic<std::int64_t> chained_{0};
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tactus::audit
