// The Lambda task: `lambda:invoke[.waitForTaskToken]` and legacy function ARNs, over functions
// served at HTTP endpoints (docs/tasks.md, "Lambda tasks").
#include <cctype>

#include "common/random.h"
#include "tasks/http_client.h"
#include "tasks/http_task.h"
#include "tasks/http_task_internal.h"

namespace tactus::tasks {

using namespace http_internal;

namespace {

struct FunctionRef {
  std::string name;
  std::string qualifier;
};

// FunctionName as Lambda takes it: "name", "name:qualifier", "account:function:name[:qualifier]"
// or "arn:<partition>:lambda:<region>:<account>:function:name[:qualifier]".
std::optional<FunctionRef> ParseFunctionName(std::string_view text) {
  auto parts = SplitColons(text);
  for (auto part : parts) {
    if (part.empty()) return std::nullopt;
  }
  std::size_t name_at;
  if (parts.size() <= 2) {
    name_at = 0;
  } else if ((parts.size() == 3 || parts.size() == 4) && parts[1] == "function") {
    name_at = 2;
  } else if ((parts.size() == 7 || parts.size() == 8) && parts[0] == "arn" &&
             parts[2] == "lambda" && parts[5] == "function") {
    name_at = 6;
  } else {
    return std::nullopt;
  }
  FunctionRef ref{std::string(parts[name_at]), ""};
  if (parts.size() > name_at + 1) ref.qualifier = std::string(parts[name_at + 1]);
  return ref;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isdigit(c)) return false;
  }
  return true;
}

std::string RequestId(const Headers& headers) {
  std::string_view id = HeaderValue(headers, "x-amzn-RequestId");
  if (!id.empty()) return std::string(id);
  thread_local common::SystemRandom random;
  return random.Uuid4();
}

// lambda:invoke's result: Lambda's Invoke response as the AWS SDK for Java reports it.
json::object InvokeResult(int status, json::value payload, const Headers& headers,
                          const std::string& executed_version) {
  json::object single;
  for (const auto& [name, value] : headers) single[name] = value;
  return json::object{
      {"ExecutedVersion", executed_version},
      {"Payload", std::move(payload)},
      {"SdkHttpMetadata", json::object{{"AllHttpHeaders", HeaderLists(headers, false)},
                                       {"HttpHeaders", std::move(single)},
                                       {"HttpStatusCode", status}}},
      {"SdkResponseMetadata", json::object{{"RequestId", RequestId(headers)}}},
      {"StatusCode", status},
  };
}

std::string FunctionErrorType(const std::string& body) {
  auto parsed = common::ParseJson(body);
  if (parsed.ok() && parsed->is_object()) {
    const json::value* type = parsed->as_object().if_contains("errorType");
    if (type && type->is_string() && !type->as_string().empty()) {
      return std::string(type->as_string());
    }
  }
  return "Lambda.Unknown";
}

}  // namespace

TaskOutcome HttpTaskDispatcher::InvokeLambda(const TaskRequest& request, bool legacy) {
  FunctionRef ref;
  json::value payload;
  std::string invocation_type = "RequestResponse";
  if (legacy) {
    auto parts = SplitColons(request.resource);
    ref.name = std::string(parts[6]);
    if (parts.size() == 8) ref.qualifier = std::string(parts[7]);
    payload = request.parameters;
  } else {
    if (!request.parameters.is_object()) {
      return TaskOutcome::Failure(
          "States.Runtime", "The Lambda task needs Parameters: an object with FunctionName; got " +
                                std::string(common::JsonKindName(request.parameters)));
    }
    const json::object& p = request.parameters.as_object();
    for (const auto& [key, value] : p) {
      if (key != "FunctionName" && key != "Payload" && key != "InvocationType" &&
          key != "Qualifier" && key != "ClientContext" && key != "LogType") {
        return ParameterFailure(key,
                                "is not a parameter of lambda:invoke (it takes FunctionName, "
                                "Payload, InvocationType, Qualifier, ClientContext, LogType)");
      }
    }
    const json::value* name = p.if_contains("FunctionName");
    if (!name) {
      return ParameterFailure("FunctionName", "is required: the function's name or ARN");
    }
    if (!name->is_string()) {
      return ParameterFailure("FunctionName",
                              "must be a string; got " + std::string(common::JsonKindName(*name)));
    }
    auto parsed = ParseFunctionName(name->as_string());
    if (!parsed) {
      return ParameterFailure("FunctionName",
                              "must be a function name (my-function), a partial ARN "
                              "(123456789012:function:my-function) or a function ARN; got '" +
                                  std::string(name->as_string()) + "'");
    }
    ref = std::move(*parsed);
    if (const json::value* q = p.if_contains("Qualifier")) {
      if (!q->is_string() || q->as_string().empty()) {
        return ParameterFailure("Qualifier", "must be a version number or an alias name");
      }
      ref.qualifier = std::string(q->as_string());
    }
    if (const json::value* t = p.if_contains("InvocationType")) {
      if (*t != "RequestResponse" && *t != "Event" && *t != "DryRun") {
        return ParameterFailure("InvocationType", "must be RequestResponse, Event or DryRun");
      }
      invocation_type = std::string(t->as_string());
    }
    if (const json::value* c = p.if_contains("ClientContext"); c && !c->is_string()) {
      return ParameterFailure("ClientContext", "must be a string");
    }
    if (const json::value* l = p.if_contains("LogType"); l && *l != "None" && *l != "Tail") {
      return ParameterFailure("LogType", "must be None or Tail");
    }
    const json::value* given = p.if_contains("Payload");
    payload = given ? *given : json::value(json::object());
  }

  std::string qualified = ref.name + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  std::optional<FunctionEndpoint> endpoint;
  if (resolver_) endpoint = resolver_(ref.name);
  if (!endpoint) {
    return TaskOutcome::Failure(
        "Lambda.ResourceNotFoundException",
        "Function not found: " + qualified +
            ". No function of that name is configured in this Tactus deployment; check "
            "the name, or configure the function's endpoint");
  }
  std::string version = AllDigits(ref.qualifier) ? ref.qualifier : "$LATEST";
  if (invocation_type == "DryRun") {
    return TaskOutcome::Success(InvokeResult(204, json::string(), {}, version));
  }

  std::string url_error;
  std::string url = BuildUrl(endpoint->url, "", &url_error);
  if (url.empty()) {
    return TaskOutcome::Failure(
        "States.Runtime", "The endpoint configured for function " + ref.name + " " + url_error);
  }
  Request call = BoundedRequest("POST", url, CallTimeout(request));
  call.headers = endpoint->headers;
  call.headers.emplace_back("Content-Type", "application/json");
  call.headers.emplace_back("X-Amz-Invocation-Type", invocation_type);
  call.body = common::SerializeJson(payload);

  Exchange ex = client_->Perform(call);
  const std::string what = "function " + qualified + " (POST " + UrlForMessages(url) + ")";
  switch (ex.failure) {
    case Failure::kNone:
      break;
    case Failure::kTimeout:
      return TaskOutcome::Failure(
          "States.Timeout",
          "The " + what + " did not answer within " + std::to_string(call.timeout.count() / 1000) +
              " s (the state's TimeoutSeconds, or " + std::to_string(kDefaultHttpTimeoutSeconds) +
              " s when it has none)");
    case Failure::kTooLarge:
      return TaskOutcome::Failure("States.DataLimitExceeded",
                                  "The " + what + " returned more than " +
                                      std::to_string(kMaxHttpResponseBytes) +
                                      " bytes, the payload limit of a task result");
    case Failure::kConnect:
    case Failure::kOther:
      return TaskOutcome::Failure("Lambda.SdkClientException",
                                  "Could not invoke the " + what + ": " + ex.message);
  }

  Response& r = ex.response;
  if (std::string_view v = HeaderValue(r.headers, "X-Amz-Executed-Version"); !v.empty()) {
    version = std::string(v);
  }
  if (invocation_type == "Event") {
    // Fire and forget: what the function makes of the event is not the task's concern.
    return TaskOutcome::Success(InvokeResult(202, json::string(), r.headers, version));
  }
  bool function_error = !HeaderValue(r.headers, "X-Amz-Function-Error").empty();
  if (function_error || r.status < 200 || r.status > 299) {
    std::string cause = r.body.empty() || !IsValidUtf8(r.body)
                            ? "The " + what + " failed: HTTP " + std::to_string(r.status) +
                                  (r.body.empty() ? " with an empty body" : " with a binary body")
                            : r.body;
    return TaskOutcome::Failure(FunctionErrorType(r.body), std::move(cause));
  }

  json::value result;  // an empty body is a function that returned nothing: null
  if (!r.body.empty()) {
    auto parsed = common::ParseJson(r.body);
    if (parsed.ok()) {
      result = std::move(*parsed);
    } else if (IsValidUtf8(r.body)) {
      result = json::string(r.body);
    } else {
      return TaskOutcome::Failure("Lambda.Unknown",
                                  "The " + what + " returned a body that is neither JSON nor text");
    }
  }
  if (legacy) return TaskOutcome::Success(std::move(result));
  return TaskOutcome::Success(InvokeResult(200, std::move(result), r.headers, version));
}

}  // namespace tactus::tasks
