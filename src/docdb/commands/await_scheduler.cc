#include "docdb/commands/await_scheduler.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace tactus::docdb::commands {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct AwaitScheduler::State {
  struct Parked {
    std::uint64_t oplog_version;
    std::int64_t deadline_ms;
    Ready ready;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::uint64_t pulses = 0;  // commits and Adds since the loop last looked
  bool stopped = false;
  std::vector<Parked> parked;
};

AwaitScheduler::AwaitScheduler(storage::Store& store)
    : store_(store), state_(std::make_shared<State>()) {
  // The listener may outlive this object (the store keeps it): it holds the state, not `this`.
  // With nothing parked the loop has nothing to re-run: a commit then costs no wake-up (a
  // futex syscall and a context switch per write, the largest cost of a small update).
  store_.AddOplogListener([state = state_] {
    bool wake;
    {
      std::lock_guard lock(state->mu);
      ++state->pulses;
      wake = !state->parked.empty();
    }
    if (wake) state->cv.notify_one();
  });
  thread_ = std::thread([this] { Loop(); });
}

AwaitScheduler::~AwaitScheduler() { Stop(); }

void AwaitScheduler::Add(std::uint64_t oplog_version, std::int64_t deadline_ms, Ready ready) {
  {
    std::lock_guard lock(state_->mu);
    if (!state_->stopped) {
      state_->parked.push_back({oplog_version, deadline_ms, std::move(ready)});
      ++state_->pulses;
      state_->cv.notify_one();
      return;
    }
  }
  ready(true);
}

void AwaitScheduler::Stop() {
  std::vector<State::Parked> parked;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    parked.swap(state_->parked);
  }
  state_->cv.notify_one();
  if (thread_.joinable()) thread_.join();
  for (auto& p : parked) p.ready(true);
}

void AwaitScheduler::Loop() {
  std::unique_lock lock(state_->mu);
  while (!state_->stopped) {
    std::uint64_t seen = state_->pulses;
    std::uint64_t version = store_.OplogVersion();
    std::int64_t now = NowMs();
    std::vector<State::Parked> ready;
    std::int64_t next_deadline = INT64_MAX;
    std::erase_if(state_->parked, [&](State::Parked& p) {
      if (p.oplog_version != version || now >= p.deadline_ms) {
        ready.push_back(std::move(p));
        return true;
      }
      next_deadline = std::min(next_deadline, p.deadline_ms);
      return false;
    });
    if (!ready.empty()) {
      lock.unlock();
      for (auto& p : ready) p.ready(false);
      lock.lock();
      continue;
    }
    auto wake = [&] { return state_->stopped || state_->pulses != seen; };
    if (next_deadline == INT64_MAX) {
      state_->cv.wait(lock, wake);
    } else {
      state_->cv.wait_until(
          lock,
          std::chrono::system_clock::time_point(std::chrono::milliseconds(next_deadline)), wake);
    }
  }
}

}  // namespace tactus::docdb::commands
