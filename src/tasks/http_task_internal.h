// Helpers shared by the HTTP task (http_task.cc) and the Lambda task (lambda_task.cc).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/http_client.h"
#include "tasks/http_task.h"

namespace tactus::tasks::http_internal {

// "a:b::c" -> {"a", "b", "", "c"}.
std::vector<std::string_view> SplitColons(std::string_view s);

// The request's timeout_seconds when positive, else kDefaultHttpTimeoutSeconds.
std::chrono::milliseconds CallTimeout(const TaskRequest& request);

// A Request with the limits of docs/tasks.md: `timeout`, kHttpConnectTimeoutSeconds,
// kMaxHttpResponseBytes.
Request BoundedRequest(std::string method, std::string url, std::chrono::milliseconds timeout);

// {"name": ["value", ...]}, values in arrival order; names lower-cased when `lower`.
json::object HeaderLists(const Headers& headers, bool lower);

// The value of the first header called `name` (compared case-insensitively), or "".
std::string_view HeaderValue(const Headers& headers, std::string_view name);

// True for application/json and any media type ending in "+json" (parameters ignored).
bool IsJsonMediaType(std::string_view content_type);

bool IsValidUtf8(std::string_view s);

// The URL without its query and fragment, for messages (queries often carry credentials).
std::string UrlForMessages(std::string_view url);

// States.Runtime with "Parameters.<field> <problem>".
TaskOutcome ParameterFailure(std::string_view field, std::string_view problem);

}  // namespace tactus::tasks::http_internal
