#include "docdb/query/deadline.h"

#include <chrono>

namespace tactus::docdb::query {
namespace {

thread_local std::int64_t t_deadline_ns = 0;  // steady clock; 0: none
thread_local std::uint32_t t_ticks = 0;

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DeadlineScope::DeadlineScope(std::int64_t max_time_ms) : previous_(t_deadline_ns) {
  if (max_time_ms <= 0) return;
  t_deadline_ns = NowNs() + max_time_ms * 1'000'000;
  installed_ = true;
}

DeadlineScope::~DeadlineScope() {
  if (installed_) t_deadline_ns = previous_;
}

DbResult<Done> CheckDeadline() {
  if (t_deadline_ns == 0 || ++t_ticks % kDeadlineCheckInterval != 0) return Done{};
  if (NowNs() < t_deadline_ns) return Done{};
  return MakeError(kMaxTimeMSExpired, "operation exceeded time limit");
}

}  // namespace tactus::docdb::query
