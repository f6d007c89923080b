// What a Task needs its execution role to allow (docs/auth.md, "Execution roles"): the IAM
// actions and resources of one task, from its resource ARN and its parameters.
//
//   MongoDB tasks   mongodb:find | insert | update | remove on arn:tactus:mongodb:::<db>/<coll>
//                   (per operation: the table in docs/auth.md; archive: find + remove on the
//                   source, insert on the target; an aggregate's $lookup, $graphLookup,
//                   $unionWith, $out and $merge name more namespaces)
//   HTTP tasks      http:invoke on arn:tactus:http:::<ApiEndpoint without query or fragment>
//   Lambda tasks    lambda:InvokeFunction on arn:aws:lambda:<region>:<account>:function:<name>
//                   [:<qualifier>]
//   nested          states:StartExecution on the state machine ARN (.sync adds
//                   states:DescribeExecution and states:StopExecution on its executions)
//
// The same function serves run time (effective parameters) and `tactus policy suggest` (the
// Parameters template): a field given by a path or an intrinsic ("Collection.$") is computed at
// run time, so its part of the resource is "*" and a note says so.
//
// Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace tactus::tasks {

namespace json = boost::json;

// An IAM action on a resource.
struct Permission {
  std::string action;
  std::string resource;
  bool operator==(const Permission&) const = default;
};

// Where ARNs built from bare names (Lambda function names) live.
struct PermissionContext {
  std::string partition = "aws";
  std::string region = "us-east-1";
  std::string account = "123456789012";
};

inline constexpr std::string_view kMongoDbArnPrefix = "arn:tactus:mongodb:::";
inline constexpr std::string_view kHttpArnPrefix = "arn:tactus:http:::";

// "arn:tactus:mongodb:::<database>/<collection>".
std::string MongoDbNamespaceArn(std::string_view database, std::string_view collection);

// The IAM action of a MongoDB privilege ("find" -> "mongodb:find").
struct TaskPermissions {
  std::vector<Permission> permissions;  // in a stable order, without duplicates
  // Parts computed at run time, e.g. "Parameters.Collection.$ (computed at run time)".
  std::vector<std::string> notes;
  // The database/collection pairs of MongoDB tasks (for the checks on Tactus's own databases).
  std::vector<std::pair<std::string, std::string>> namespaces;
};

// The permissions `resource` with `parameters` needs. Resources that need none (activities,
// mocks' unknown resources, ...) give an empty list. Malformed parameters give what can be told
// (a missing Database or Collection is ""): the task then fails on its own validation, or on a
// denial, before anything is touched.
TaskPermissions RequiredTaskPermissions(std::string_view resource, const json::value& parameters,
                                        const PermissionContext& context = {});

// The MongoDB privilege actions an operation needs on its main namespace ("find", "insert", ...),
// without the "mongodb:" prefix; empty for an unknown operation. `parameters` decides upserts
// and bulkWrite's operations.
std::vector<std::string> MongoDbActionsOf(std::string_view operation,
                                          const json::value& parameters);

}  // namespace tactus::tasks
