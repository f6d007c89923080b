#include "runtime/express_runner.h"

#include <chrono>
#include <deque>
#include <map>
#include <thread>

#include "engine/execution.h"

namespace tactus::runtime {

ExpressRunner::ExpressRunner(tasks::TaskDispatcher& dispatcher, const common::Clock& clock)
    : dispatcher_(dispatcher), clock_(clock) {}

RunResult ExpressRunner::Run(std::shared_ptr<const asl::StateMachine> machine,
                             engine::ExecutionInfo info, const RunOptions& options) {
  // Seeding from the system costs more than a short run itself: unseeded runs of one thread
  // share one generator.
  thread_local common::SystemRandom system_random;
  std::unique_ptr<common::SeededRandom> seeded;
  if (options.seed) seeded = std::make_unique<common::SeededRandom>(options.seed);
  common::Random* random = seeded ? static_cast<common::Random*>(seeded.get()) : &system_random;
  common::TimeMs now = info.start_time ? info.start_time : clock_.Now();
  info.start_time = now;
  const std::string execution_arn = info.execution_arn;  // `info` moves into the execution
  const std::string role_arn = info.role_arn;
  // Under virtual time the run's clock starts at the real start and moves only with timers.
  common::VirtualClock virtual_clock(now);
  auto current_time = [&]() {
    return options.virtual_time ? virtual_clock.Now() : std::max(now, clock_.Now());
  };

  engine::Execution execution(std::move(machine), std::move(info), *random,
                              engine::ExecutionOptions{options.record_history});
  std::deque<engine::Event> events;
  std::map<std::pair<common::TimeMs, std::int64_t>, std::int64_t> timers;  // (due, id) -> id
  std::map<std::int64_t, common::TimeMs> timer_due;
  std::map<std::string, std::int64_t> invocations;  // per state

  auto perform = [&](std::vector<engine::Action> actions) {
    for (auto& action : actions) {
      if (auto* task = std::get_if<engine::RunTask>(&action)) {
        // Invocations are numbered per execution, so a dispatcher shared by many runs (mocks)
        // answers each run from its first response.
        tasks::TaskRequest request{task->state_name,
                                   task->resource,
                                   std::move(task->parameters),
                                   task->task_token,
                                   task->timeout_seconds,
                                   task->heartbeat_seconds,
                                   invocations[task->state_name]++,
                                   execution_arn,
                                   execution_arn + "#task#" + std::to_string(task->task_id),
                                   role_arn,
                                   tasks::CredentialsRoleArn(task->credentials)};
        tasks::TaskOutcome outcome = dispatcher_.Invoke(request);
        if (outcome.ok) {
          events.push_back(engine::TaskSucceeded{task->task_id, std::move(outcome.result)});
        } else {
          events.push_back(engine::TaskFailed{task->task_id, std::move(outcome.error),
                                              std::move(outcome.cause)});
        }
      } else if (auto* start = std::get_if<engine::StartTimer>(&action)) {
        timers[{start->due, start->timer_id}] = start->timer_id;
        timer_due[start->timer_id] = start->due;
      } else if (auto* cancel = std::get_if<engine::CancelTimer>(&action)) {
        auto it = timer_due.find(cancel->timer_id);
        if (it != timer_due.end()) {
          timers.erase({it->second, it->first});
          timer_due.erase(it);
        }
      }
      // CancelTask: tasks complete synchronously here, so there is nothing left to cancel; the
      // engine ignores answers for tasks it no longer waits on.
    }
  };

  perform(execution.Start(current_time()));
  while (execution.status() == engine::ExecutionStatus::kRunning) {
    if (!events.empty()) {
      engine::Event event = std::move(events.front());
      events.pop_front();
      perform(execution.Handle(event, current_time()));
      continue;
    }
    if (timers.empty()) {
      // Every task answers synchronously, so a running execution always has an event or a timer.
      perform(execution.Handle(engine::StopRequested{"States.Runtime",
                                                     "The execution has nothing left to wait "
                                                     "for (internal error)"},
                               current_time()));
      break;
    }
    auto [key, id] = *timers.begin();
    timers.erase(timers.begin());
    timer_due.erase(id);
    if (options.virtual_time) {
      if (key.first > virtual_clock.Now()) virtual_clock.AdvanceTo(key.first);
    } else {
      common::TimeMs wait = key.first - clock_.Now();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
    perform(execution.Handle(engine::TimerFired{id}, current_time()));
  }

  RunResult result;
  result.status = execution.status();
  result.output = execution.ReleaseOutput();
  result.error = execution.error();
  result.cause = execution.cause();
  result.history = execution.ReleaseHistory();
  return result;
}

json::object ResultToJson(const RunResult& result) {
  json::object out{{"status", engine::ExecutionStatusName(result.status)}};
  if (result.status == engine::ExecutionStatus::kSucceeded) {
    out["output"] = result.output;
  } else {
    out["error"] = result.error.empty() ? json::value() : json::value(result.error);
    out["cause"] = result.cause.empty() ? json::value() : json::value(result.cause);
  }
  return out;
}

}  // namespace tactus::runtime
