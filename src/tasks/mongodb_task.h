// MongoDB tasks: `arn:tactus:states:::mongodb:<operation>` (docs/tasks.md).
//
// RunMongoDbTask performs one operation with a client of Tactus's own deployment, joining the
// transaction of `session` (the transaction that also commits the task's result, so the
// operation happens exactly once). Parameters and results are JSON; BSON values travel as
// MongoDB Extended JSON v2 (relaxed on the way out).
//
// Thread-compatible: one call per client at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "mongo/mongo.h"
#include "tasks/dispatcher.h"

namespace tactus::tasks {

inline constexpr std::string_view kMongoDbResourcePrefix = "arn:tactus:states:::mongodb:";
inline constexpr std::string_view kWaitForTaskToken = ".waitForTaskToken";

bool IsMongoDbResource(std::string_view resource);

// The `Connection` parameter of a MongoDB task's parameters, when it names a connection
// (absent, null or "" mean Tactus's own deployment).
std::optional<std::string> NamedConnection(const json::value* parameters);

struct MongoDbTaskResult {
  TaskOutcome outcome;
  // The server refused the operation: its transaction can no longer commit, so the caller
  // aborts it and records `outcome` (a failure) in a transaction of its own.
  bool aborted_transaction = false;
  // A transient transaction error (write conflict): retry the whole step.
  bool transient = false;
};

// `execution_arn`: the running execution, for `archive`'s StampExecution.
// `idempotency_key` (TaskRequest::idempotency_key), for operations outside Tactus's transaction
// that may be repeated (at least once: docs/tasks.md): inserts derive the _ids they generate
// from it and skip documents already inserted; archive skips documents already in the target.
MongoDbTaskResult RunMongoDbTask(mongo::Client& client, const mongo::Session* session,
                                 std::string_view resource, const json::value& parameters,
                                 const std::string& execution_arn = "",
                                 std::string_view idempotency_key = "");

}  // namespace tactus::tasks
