// `tactus policy suggest`: the least-privilege identity policy a definition's execution role
// needs, from static analysis (docs/auth.md, "Policy suggestions").
//
// Every state is visited, Parallel branches and Map item processors included. Each Task's
// permissions come from the run-time table (tasks/task_permissions.h) applied to its Parameters
// (JSONPath) or Arguments (JSONata) template: a part given by a path or an intrinsic
// ("Collection.$", "{% ... %}") is computed at run time, so it is "*" in the resource and named
// in the notes. A state with Credentials.RoleArn acts as that role: the policy allows
// sts:AssumeRole on it, and the state's own permissions are listed in the notes (they belong in
// that role's policy).
//
// Thread-safe: pure.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "tasks/task_permissions.h"

namespace tactus::cli {

struct PolicySuggestion {
  // {"Version": "2012-10-17", "Statement": [...]}: one Allow statement per action, its resources
  // sorted; a definition that needs nothing gets an empty Statement array.
  boost::json::object policy;
  // For people: what is computed at run time, roles assumed, activities. Each starts with the
  // state's path, e.g. "States.Archive.Parameters.Collection.$ (computed at run time)".
  std::vector<std::string> notes;
};

// InvalidArgument when `definition` is not a JSON object with States.
common::Result<PolicySuggestion> SuggestPolicy(const boost::json::value& definition,
                                               const tasks::PermissionContext& context = {});

}  // namespace tactus::cli
