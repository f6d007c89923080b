// WAL checkpoints on a thread of the store's own (docs/docdb.md, "Checkpoints"). Private to
// storage/.
//
// SQLite's default is to checkpoint inside the COMMIT that takes the WAL past 1000 frames: that
// writer copies every page of the WAL into the database file and syncs it while its client
// waits, and the store stays locked meanwhile. Here the connections that commit only report the
// WAL's size (sqlite3_wal_hook, which turns the inline checkpoint off on them), and a
// background thread does the copying while writers go on:
//
//   1. a PASSIVE checkpoint, without any lock: it copies every frame committed so far (those
//      still needed by an older read snapshot excepted) and syncs the database file;
//   2. a second PASSIVE checkpoint holding the store's writer gate (taken ahead of waiting
//      writers: WriterGate::AcquireFirst), so no write transaction runs while it copies the frames
//      committed during step 1 (if any). The WAL is then entirely in the database file, and the
//      next write transaction starts it again from its beginning. A writer that began during step 1
//      would instead extend the WAL: under a continuous stream of writes it would never restart,
//      and every commit past the threshold would start another round.
//
// Step 2 holds writers back for the copy of a few frames and one sync, where the inline
// checkpoint held the committing writer for all of them. A read snapshot older than the WAL's
// end keeps its frames in the WAL until it ends, as with the inline checkpoint.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "docdb/storage/sqlite_util.h"

namespace tactus::docdb::storage {

class WriterGate;

namespace internal {

// The WAL size, in frames (pages), at which a checkpoint starts: SQLite's own default for its
// inline checkpoint (about 4 MB with 4 KiB pages).
inline constexpr int kCheckpointFrames = 1000;

class Checkpointer {
 public:
  // `conn`: a connection of its own to the database; `gate`: the store's writer gate (step 2).
  // Starts the thread.
  Checkpointer(std::unique_ptr<Connection> conn, WriterGate* gate);
  // Stops the thread (a checkpoint under way completes first).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Makes `db` report its commits here instead of checkpointing inline.
  void Watch(sqlite3* db);

  // Checkpoint rounds completed since the start (for tests and the bench).
  std::uint64_t rounds() const { return rounds_.load(); }

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Run();
  void Round();

  std::unique_ptr<Connection> conn_;
  WriterGate* gate_;
  // A commit that leaves the WAL at this many frames or more asks for a round: kCheckpointFrames,
  // or more when the last round could not copy everything (an old read snapshot), so that such
  // a WAL does not start a round at every commit.
  std::atomic<int> due_at_{kCheckpointFrames};
  std::atomic<int> wal_frames_{0};  // as the last commit left it
  std::atomic<bool> requested_{false};
  std::atomic<std::uint64_t> rounds_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;  // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace internal
}  // namespace tactus::docdb::storage
