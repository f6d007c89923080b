// The Chainer links the records producers inserted into `records` into the hash chain, one
// block document in `chain` per batch, and signs checkpoints. Records are never copied, moved or
// rewritten: a block lists their _ids in chain order with each one's hash.
//
// One chainer works per deployment at a time: the holder of the lease `meta {_id: "lease"}`,
// renewed at a poll once half of it has run out. Any number of processes may run one; the others
// poll the lease and take over when it expires (or is released by Stop). Correctness does not rest
// on the lease: every batch moves the head with a conditional update (`{_id: "head", seq: n}`) in
// the same transaction that inserts the block (`{_id: block number}`, a duplicate aborts the
// batch), so two chainers can never fork the chain or chain a record twice; a lost race costs a
// retry. The lease's expiry is wall-clock time compared across processes, so clock skew only makes
// a takeover early or late.
//
// Which records a batch takes: those with _id > the head's cursor (the greatest _id chained so
// far) and taken at or before the chainer's clock's now, in _id order; plus, at most once per
// late window, the "late" ones: records with an _id at or below the cursor (their transaction
// committed after a batch had passed their _id) that are not chained yet, found by re-reading
// the ids in (the previous such scan's time - late_window_ms, cursor] and skipping those the
// recent blocks list. A record whose transaction commits more than late_window_ms after its _id
// was taken (by the chainer's clock) may be left out for good; Verify counts such records as
// `unchained`.
//
// Thread safety: all methods may be called from any thread; batches of one Chainer never run
// concurrently (Drain and the background loop take turns).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "audit/key.h"
#include "audit/record.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit {

// Records chained per transaction (one block), at most.
inline constexpr int kBatch = 1000;
// A checkpoint is signed once this many records were chained since the last one...
inline constexpr std::int64_t kCheckpointRecords = 10'000;
// ... or once this long passed since the last one and there are new records.
inline constexpr common::TimeMs kCheckpointMs = 10'000;
// Pause between polls for new records (and renewals of the lease).
inline constexpr common::TimeMs kPollMs = 200;
// How long a lease lasts unless renewed.
inline constexpr common::TimeMs kLeaseMs = 15'000;
// How long after its _id was taken a record's transaction may commit and still be chained (see
// above); also how often the chainer looks for such late records.
inline constexpr common::TimeMs kLateWindowMs = 1'000;

struct ChainerOptions {
  std::string database = kDefaultDatabase;
  // The lease holder's name; empty: "<hostname>:<pid>:<8 random hex>".
  std::string owner;
  common::TimeMs poll_ms = kPollMs;
  common::TimeMs lease_ms = kLeaseMs;
  int batch = kBatch;
  std::int64_t checkpoint_records = kCheckpointRecords;
  common::TimeMs checkpoint_ms = kCheckpointMs;
  common::TimeMs late_window_ms = kLateWindowMs;
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
  // batches until one is not full (caught up), then sign a checkpoint when one is due. Errors are
  // logged and retried on the next poll. No-op when already running.
  void Start();
  // Stops the loop, waits for the batch in flight, and releases the lease if held.
  void Stop();

  // Takes (or renews) the lease and chains batches until no record is left to chain (looking
  // for late records first, whenever the last look was): the records chained. FailedPrecondition
  // when another chainer holds the lease; IoError on store errors. For shutdown and tests.
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
  // One batch: the records chained (0: nothing to chain). A lost race is retried inside. With
  // `scan_late` (or when one is due) it first looks for late records.
  common::Result<std::int64_t> ChainBatch(mongo::Client& client, bool scan_late);
  // Rebuilds recent_ from the blocks that list ids above `low`.
  common::Status LoadRecent(mongo::Client& client, const std::string& low);
  common::Result<std::int64_t> SignCheckpoint(mongo::Client& client);
  // Chains batches until one finds nothing (`until_empty`) or is not full (caught up; the
  // background loop, so that a busy deployment costs one block per poll, not one per few
  // records). REQUIRES: work_mu_ held.
  common::Result<std::int64_t> DrainLocked(bool scan_late, bool until_empty);
  void Loop();

  mongo::Pool* pool_;
  ChainerOptions options_;
  common::SystemClock system_clock_;

  std::mutex work_mu_;  // one batch at a time; guards the fields below
  bool schema_ready_ = false;
  bool holder_ = false;
  common::TimeMs renew_at_ = 0;  // as holder: when TakeLease next writes the lease
  std::int64_t last_checkpoint_seq_ = 0;
  common::TimeMs last_checkpoint_time_ = 0;
  // The block the head named after this chainer's last batch or rebuild of recent_; -1: none.
  std::int64_t known_block_ = -1;
  // Every chained _id above recent_low_ (all of them when the head names known_block_).
  std::set<std::string> recent_;
  std::string recent_low_;
  // When the last scan for late records began (system clock ms); 0: none since recent_ was built.
  common::TimeMs last_late_scan_ = 0;

  std::atomic<std::int64_t> chained_{0};
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tactus::audit
