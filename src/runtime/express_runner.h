// Runs one execution to completion in memory: the runner behind `tactus run` and express
// executions. It performs the engine's actions: tasks through a TaskDispatcher, timers on a
// clock that is either real (it sleeps) or virtual (it jumps to the next due time, so Wait states
// and retry backoffs take no wall time).
//
// Thread-compatible: one Run at a time per runner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "asl/model.h"
#include "common/clock.h"
#include "common/random.h"
#include "engine/types.h"
#include "tasks/dispatcher.h"

namespace tactus::runtime {

namespace json = boost::json;

struct RunOptions {
  // Jump over waits instead of sleeping.
  bool virtual_time = false;
  // Seed for the engine's randomness; 0 draws one from the system.
  std::uint64_t seed = 0;
  // Keep the history (RunResult::history); without it runs are faster.
  bool record_history = true;
};

struct RunResult {
  engine::ExecutionStatus status = engine::ExecutionStatus::kRunning;
  json::value output;  // SUCCEEDED
  std::string error;   // otherwise
  std::string cause;
  std::vector<json::value> history;
};

class ExpressRunner {
 public:
  // `dispatcher` and `clock` must outlive the runner.
  ExpressRunner(tasks::TaskDispatcher& dispatcher, const common::Clock& clock);

  // `info.start_time` is set from the clock when 0.
  RunResult Run(std::shared_ptr<const asl::StateMachine> machine, engine::ExecutionInfo info,
                const RunOptions& options);

 private:
  tasks::TaskDispatcher& dispatcher_;
  const common::Clock& clock_;
};

// "{"status":"SUCCEEDED","output":...}" or "{"status":"FAILED","error":...,"cause":...}".
json::object ResultToJson(const RunResult& result);

}  // namespace tactus::runtime
