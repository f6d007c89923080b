// MongoDB tasks: `arn:tactus:states:::mongodb:<operation>` (docs/tasks.md).
//
// RunMongoDbTask performs one operation with a client of Tactus's own deployment, joining the
// transaction of `session` (the transaction that also commits the task's result, so the
// operation happens exactly once). Parameters and results are JSON; BSON values travel as
// MongoDB Extended JSON v2 (relaxed on the way out).
//
// Thread-compatible: one call per client at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// What one operation touched in one namespace, for the audit trail (docs/auth.md).
struct DataTouched {
  std::string ns;         // "<database>.<collection>"
  std::string operation;  // the task's operation; archive: "archive.delete" / "archive.insert"
  std::int64_t count = 0;  // documents read, inserted, matched/modified or deleted
  // The _ids affected (relaxed Extended JSON), the first kMaxTouchedIds of them.
  std::vector<json::value> ids;
  bool ids_truncated = false;
};
inline constexpr std::size_t kMaxTouchedIds = 100;

struct MongoDbTaskResult {
  TaskOutcome outcome;
  // On success: each namespace the operation touched (archive: source and target); empty on
  // failure. Per operation (ids: the first kMaxTouchedIds, ids_truncated past them):
  //   insertOne/insertMany: count and ids of the documents inserted; with an idempotency key,
  //     the whole request (also what an earlier attempt inserted).
  //   find/findOne/aggregate: count = documents returned, ids = their _ids; a returned document
  //     without _id (a projection or pipeline dropped it) sets ids_truncated. Note that an
  //     aggregation's output _id (a $group key) is listed as it is.
  //   countDocuments: count = the count; distinct: count = values returned; no ids.
  //   updateOne/updateMany/replaceOne, deleteOne/deleteMany: the _ids the Filter matches just
  //     before the write (one find, projection {_id: 1}, limit 1 for *One, 101 for *Many, in
  //     the same session); count = matched (+1 and the upserted _id on an upsert) / deleted.
  //   findOneAndUpdate/Replace/Delete: the document's _id (or the upserted one), count 0 or 1.
  //   bulkWrite: count = inserted + matched + deleted + upserted; ids = inserted and upserted
  //     _ids only: ids_truncated when updates or deletes by filter matched any document.
  //   archive: {source, "archive.delete", moved, the moved _ids} and
  //     {target, "archive.insert", moved - skipped, the inserted _ids}.
  std::vector<DataTouched> touched;
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
