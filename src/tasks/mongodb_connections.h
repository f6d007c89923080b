// MongoDB tasks outside the durable runtime's transaction: on a named connection (another
// deployment), and in express executions. At least once (docs/tasks.md, "Exactly once"): a
// repeated task is made harmless where it can be — inserts derive the _ids they generate from
// the task's idempotency key and skip what is there, archive skips documents already moved.
//
// Connections are resolved by name on every call (so a changed URI takes effect at once) and
// one client pool is kept per URI. Credentials never leave this file: an error that quotes the
// URI's password has it replaced by "****".
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "mongo/mongo.h"
#include "tasks/dispatcher.h"

namespace tactus::tasks {

// Connections per deployment pool.
inline constexpr int kConnectionPoolSize = 16;

// The URI of a named connection: nullopt when there is no such connection.
using ConnectionResolver =
    std::function<common::Result<std::optional<std::string>>(const std::string& name)>;

class ConnectionTaskDispatcher final : public TaskDispatcher {
 public:
  // `own`: Tactus's own deployment, for tasks without a Connection. Must outlive this object.
  ConnectionTaskDispatcher(mongo::Pool& own, ConnectionResolver resolver);

  // Resources arn:tactus:states:::mongodb:<op>. Failures: MongoDB.<codeName> as in the
  // transaction path; MongoDB.ConnectionNotFound for an unknown name, MongoDB.InvalidConnection
  // for a URI that libmongoc refuses.
  TaskOutcome Invoke(const TaskRequest& request) override;
  bool Blocking(std::string_view resource) const override;

 private:
  common::Result<std::shared_ptr<mongo::Pool>> PoolFor(const std::string& uri);

  mongo::Pool& own_;
  ConnectionResolver resolver_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<mongo::Pool>> pools_;  // by URI
};

}  // namespace tactus::tasks
