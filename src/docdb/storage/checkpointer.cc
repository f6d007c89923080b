// The background WAL checkpointer (checkpointer.h).
#include "docdb/storage/checkpointer.h"

#include <algorithm>
#include <chrono>

#include "docdb/storage/store_internal.h"

namespace tactus::docdb::storage::internal {
namespace {

// How long step 2 waits for the writer gate at a time before looking at stop_ again (a
// multi-document transaction may hold the gate for a while; the round then simply ends).
constexpr std::chrono::milliseconds kGateWait{50};
constexpr int kGateAttempts = 20;

}  // namespace

Checkpointer::Checkpointer(std::unique_ptr<Connection> conn, WriterGate* gate)
    : conn_(std::move(conn)), gate_(gate) {
  // This connection never commits; it must not checkpoint inline either.
  sqlite3_wal_autocheckpoint(conn_->db(), 0);
  thread_ = std::thread([this] { Run(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::Watch(sqlite3* db) { sqlite3_wal_hook(db, &Checkpointer::OnCommit, this); }

int Checkpointer::OnCommit(void* self, sqlite3*, const char*, int frames) {
  // Runs inside every COMMIT: one load, and a wake-up once per round.
  auto* me = static_cast<Checkpointer*>(self);
  me->wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames >= me->due_at_.load(std::memory_order_relaxed) && !me->requested_.exchange(true)) {
    {
      std::lock_guard lock(me->mu_);
      me->wake_ = true;
    }
    me->cv_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return wake_ || stop_; });
    if (stop_) return;
    wake_ = false;
    lock.unlock();
    Round();
    lock.lock();
  }
}

void Checkpointer::Round() {
  int wal_frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                     &copied);
  // Even when everything was copied, a writer that began meanwhile read the WAL, and its commit
  // extends the WAL instead of restarting it: the last pass holds the gate, so that the next
  // writer begins once the WAL is entirely in the database file.
  if (rc == SQLITE_OK) {
    bool held = false;
    for (int i = 0; i < kGateAttempts && !held; ++i) {
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
      }
      held = gate_->AcquireFirst(kGateWait);
    }
    if (held) {
      rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                     &copied);
      gate_->Release();
    }
  }
  // Everything copied: the next writer restarts the WAL, and its commits count from zero.
  // Otherwise (an old read snapshot, a busy gate, an error) the next round waits until another
  // kCheckpointFrames frames are in.
  if (rc == SQLITE_OK && copied == wal_frames) {
    due_at_.store(kCheckpointFrames);
  } else {
    due_at_.store(std::max(wal_frames, wal_frames_.load()) + kCheckpointFrames);
  }
  rounds_.fetch_add(1);
  requested_.store(false);
}

}  // namespace tactus::docdb::storage::internal
