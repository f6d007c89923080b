#include "tasks/unconfigured.h"

namespace tactus::tasks {

TaskOutcome UnconfiguredDispatcher::Invoke(const TaskRequest& request) {
  if (request.resource.find(":activity:") != std::string::npos) {
    return TaskOutcome::Failure("States.Runtime",
                                "The activity " + request.resource + " does not exist.");
  }
  return TaskOutcome::Failure(
      "States.Runtime", "Task state '" + request.state_name + "' calls '" + request.resource +
                            "', but no integration is configured for it; pass --mock-config FILE "
                            "--test-case NAME to mock its responses");
}

}  // namespace tactus::tasks
