// The dispatcher of last resort for in-memory runs: no integrations are configured, so every
// task fails with States.Runtime (not catchable) and a cause that says what to do. An activity
// resource fails as AWS fails it for an activity that does not exist.
#pragma once

#include "tasks/dispatcher.h"

namespace tactus::tasks {

class UnconfiguredDispatcher final : public TaskDispatcher {
 public:
  TaskOutcome Invoke(const TaskRequest& request) override;
};

}  // namespace tactus::tasks
