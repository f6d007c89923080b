// maxTimeMS: the deadline of the command running on this thread.
//
// A command with maxTimeMS installs a DeadlineScope for its duration; expression evaluation
// (the costliest thing a single command can be made to do, e.g. a $map over a large $range)
// checks it every kDeadlineCheckInterval evaluations and fails with MaxTimeMSExpired (50).
// Commands run on one worker thread from start to end, so the deadline is thread-local.
#pragma once

#include <cstdint>

#include "docdb/error.h"

namespace tactus::docdb::query {

inline constexpr std::uint32_t kDeadlineCheckInterval = 4096;

class DeadlineScope {
 public:
  // `max_time_ms` <= 0: no deadline (the previous one, if any, stays).
  explicit DeadlineScope(std::int64_t max_time_ms);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

 private:
  std::int64_t previous_;
  bool installed_ = false;
};

// Counts one unit of work; every kDeadlineCheckInterval units, fails once the deadline of this
// thread's command has passed.
DbResult<Done> CheckDeadline();

}  // namespace tactus::docdb::query
