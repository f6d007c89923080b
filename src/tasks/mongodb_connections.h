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
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"
#include "tasks/dispatcher.h"

namespace tactus::tasks {

// Connections per deployment pool.
inline constexpr int kConnectionPoolSize = 16;

// One version of a named connection's URI (docs/auth.md, "Secrets").
struct ConnectionUriVersion {
  std::int64_t version = 0;
  common::TimeMs created = 0;  // when this version was set: the secret's age counts from it
  std::string uri;
};

// The versions of a named connection's URI, newest first: nullopt when there is no such
// connection.
using ConnectionResolver =
    std::function<common::Result<std::optional<std::vector<ConnectionUriVersion>>>(
        const std::string& name)>;

// How versions are used. The newest always; the one before it only after the newest fails to
// authenticate, and only within `grace_ms` of the newest's creation (so executions running
// while a password is rotated on the server finish). A newest version older than
// `max_age_ms` (0: no limit) is logged as a warning (once per version and process) and, with
// `refuse_stale`, not used: the task fails with MongoDB.StaleSecret.
struct SecretUse {
  common::TimeMs grace_ms = 3600 * 1000;
  common::TimeMs max_age_ms = 0;
  bool refuse_stale = false;
};

class ConnectionTaskDispatcher final : public TaskDispatcher {
 public:
  // `own`: Tactus's own deployment, for tasks without a Connection. Must outlive this object.
  // `clock` (null: the system's) must outlive this object.
  ConnectionTaskDispatcher(mongo::Pool& own, ConnectionResolver resolver, SecretUse use = {},
                           const common::Clock* clock = nullptr);

  // Resources arn:tactus:states:::mongodb:<op>. Failures: MongoDB.<codeName> as in the
  // transaction path; MongoDB.ConnectionNotFound for an unknown name, MongoDB.InvalidConnection
  // for a URI that libmongoc refuses, MongoDB.StaleSecret for a secret past its maximum age
  // (with SecretUse::refuse_stale).
  TaskOutcome Invoke(const TaskRequest& request) override;
  bool Blocking(std::string_view resource) const override;

 private:
  common::Result<std::shared_ptr<mongo::Pool>> PoolFor(const std::string& uri);
  TaskOutcome RunOn(const std::string& name, const std::string& uri, const TaskRequest& request,
                    const std::vector<ConnectionUriVersion>& versions);

  mongo::Pool& own_;
  ConnectionResolver resolver_;
  SecretUse use_;
  common::SystemClock system_clock_;
  const common::Clock& clock_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::int64_t>> warned_;      // stale versions logged
  std::map<std::string, std::shared_ptr<mongo::Pool>> pools_;  // by URI
};

}  // namespace tactus::tasks
