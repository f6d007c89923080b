// The dispatcher's routing and the HTTP task (`http:invoke`). The Lambda task: lambda_task.cc.
#include "tasks/http_task.h"

#include <array>
#include <cctype>

#include "tasks/http_client.h"
#include "tasks/http_encoding.h"
#include "tasks/http_task_internal.h"

namespace tactus::tasks {

using namespace http_internal;

namespace {

enum class Route { kNone, kHttp, kLambdaInvoke, kLambdaFunction };

Route RouteOf(std::string_view resource) {
  auto parts = SplitColons(resource);
  if (parts.size() < 7 || parts[0] != "arn" || parts[1].empty()) return Route::kNone;
  if (parts.size() == 7 && parts[2] == "states" && parts[3].empty() && parts[4].empty()) {
    if (parts[5] == "http" && parts[6] == "invoke") return Route::kHttp;
    if (parts[5] == "lambda" && (parts[6] == "invoke" || parts[6] == "invoke.waitForTaskToken")) {
      return Route::kLambdaInvoke;
    }
    return Route::kNone;
  }
  // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
  if (parts[2] == "lambda" && parts.size() <= 8 && parts[5] == "function") {
    for (std::size_t i = 3; i < parts.size(); ++i) {
      if (parts[i].empty()) return Route::kNone;
    }
    return Route::kLambdaFunction;
  }
  return Route::kNone;
}

constexpr std::array<std::string_view, 7> kMethods = {"GET",   "POST",    "PUT", "DELETE",
                                                      "PATCH", "OPTIONS", "HEAD"};

// Headers the transport owns: a value from the workflow would break the message's framing or
// the connection's reuse.
constexpr std::array<std::string_view, 10> kTransportHeaders = {
    "host", "content-length", "transfer-encoding", "connection",      "keep-alive", "expect",
    "te",   "trailer",        "upgrade",           "proxy-connection"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 token characters.
bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) &&
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

struct HttpCall {
  Request request;
  bool has_content_type = false;
  bool has_user_agent = false;
};

// Reads Headers into call->request.headers.
std::optional<TaskOutcome> ReadHeaders(const json::value* headers, HttpCall* call) {
  if (!headers) return std::nullopt;
  if (!headers->is_object()) {
    return ParameterFailure("Headers", "must be an object of header names to values; got " +
                                           std::string(common::JsonKindName(*headers)));
  }
  for (const auto& [key, value] : headers->as_object()) {
    std::string field = "Headers." + std::string(key);
    if (!IsHeaderName(key)) {
      return ParameterFailure(field,
                              "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
    }
    std::string lower = Lower(key);
    for (std::string_view reserved : kTransportHeaders) {
      if (lower == reserved) {
        return ParameterFailure(field, "is set by the HTTP task itself; remove it");
      }
    }
    std::string text;
    if (value.is_string()) {
      text = std::string(value.as_string());
    } else if (common::IsNumber(value) || value.is_bool()) {
      text = common::SerializeJson(value);
    } else {
      return ParameterFailure(field, "must be a string, a number or a boolean; got " +
                                         std::string(common::JsonKindName(value)));
    }
    if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return ParameterFailure(field, "must not contain line breaks or NUL characters");
    }
    call->has_content_type |= lower == "content-type";
    call->has_user_agent |= lower == "user-agent";
    call->request.headers.emplace_back(std::string(key), std::move(text));
  }
  return std::nullopt;
}

std::optional<TaskOutcome> ReadTransform(const json::value* transform, bool* url_encoded,
                                         ArrayFormat* format) {
  if (!transform) return std::nullopt;
  if (!transform->is_object()) {
    return ParameterFailure(
        "Transform", "must be an object; got " + std::string(common::JsonKindName(*transform)));
  }
  for (const auto& [key, value] : transform->as_object()) {
    if (key == "RequestBodyEncoding") {
      if (value == "NONE") {
        *url_encoded = false;
      } else if (value == "URL_ENCODED") {
        *url_encoded = true;
      } else {
        return ParameterFailure("Transform.RequestBodyEncoding", "must be NONE or URL_ENCODED");
      }
    } else if (key == "RequestEncodingOptions") {
      if (!value.is_object()) {
        return ParameterFailure("Transform.RequestEncodingOptions", "must be an object");
      }
      for (const auto& [option, v] : value.as_object()) {
        if (option != "ArrayFormat") {
          return ParameterFailure("Transform.RequestEncodingOptions." + std::string(option),
                                  "is not an option (ArrayFormat is)");
        }
        if (v == "INDICES") {
          *format = ArrayFormat::kIndices;
        } else if (v == "REPEAT") {
          *format = ArrayFormat::kRepeat;
        } else if (v == "COMMAS") {
          *format = ArrayFormat::kCommas;
        } else if (v == "BRACKETS") {
          *format = ArrayFormat::kBrackets;
        } else {
          return ParameterFailure("Transform.RequestEncodingOptions.ArrayFormat",
                                  "must be INDICES, REPEAT, COMMAS or BRACKETS");
        }
      }
    } else {
      return ParameterFailure("Transform." + std::string(key),
                              "is not a Transform field (RequestBodyEncoding and "
                              "RequestEncodingOptions are)");
    }
  }
  return std::nullopt;
}

// Reads Authentication. Its ConnectionArn names an EventBridge connection in AWS; Tactus has no
// connections yet, so the value is checked for shape and otherwise unused (docs/tasks.md).
std::optional<TaskOutcome> ReadAuthentication(const json::value* auth) {
  if (!auth) return std::nullopt;
  if (!auth->is_object()) return ParameterFailure("Authentication", "must be an object");
  for (const auto& [key, value] : auth->as_object()) {
    if (key != "ConnectionArn") {
      return ParameterFailure("Authentication." + std::string(key),
                              "is not an Authentication field (ConnectionArn is)");
    }
    if (!value.is_string()) {
      return ParameterFailure("Authentication.ConnectionArn", "must be a string");
    }
  }
  return std::nullopt;
}

std::string MethodAndUrl(const Request& r) { return r.method + " " + UrlForMessages(r.url); }

}  // namespace

bool IsHttpResource(std::string_view resource) { return RouteOf(resource) != Route::kNone; }

HttpTaskDispatcher::HttpTaskDispatcher(FunctionResolver resolver)
    : resolver_(std::move(resolver)), client_(std::make_unique<Client>()) {}

HttpTaskDispatcher::~HttpTaskDispatcher() = default;

bool HttpTaskDispatcher::Blocking(std::string_view resource) const {
  return IsHttpResource(resource);
}

std::size_t HttpTaskDispatcher::connections_opened() const { return client_->connections_opened(); }

TaskOutcome HttpTaskDispatcher::Invoke(const TaskRequest& request) {
  switch (RouteOf(request.resource)) {
    case Route::kHttp:
      return InvokeHttp(request);
    case Route::kLambdaInvoke:
      return InvokeLambda(request, false);
    case Route::kLambdaFunction:
      return InvokeLambda(request, true);
    case Route::kNone:
      break;
  }
  return TaskOutcome::Failure(
      "States.Runtime", "Task state '" + request.state_name + "' calls '" + request.resource +
                            "', which the HTTP integration does not perform: it performs "
                            "arn:aws:states:::http:invoke, arn:aws:states:::lambda:invoke (and its "
                            ".waitForTaskToken) and Lambda function ARNs");
}

TaskOutcome HttpTaskDispatcher::InvokeHttp(const TaskRequest& request) {
  if (!request.parameters.is_object()) {
    return TaskOutcome::Failure(
        "States.Runtime",
        "The HTTP task needs Parameters: an object with ApiEndpoint and Method; got " +
            std::string(common::JsonKindName(request.parameters)));
  }
  const json::object& p = request.parameters.as_object();
  for (const auto& [key, value] : p) {
    if (key != "ApiEndpoint" && key != "Method" && key != "Headers" && key != "QueryParameters" &&
        key != "RequestBody" && key != "Transform" && key != "Authentication") {
      return ParameterFailure(key,
                              "is not a parameter of the HTTP task (it takes ApiEndpoint, Method, "
                              "Authentication, Headers, QueryParameters, RequestBody, Transform)");
    }
  }

  const json::value* endpoint = p.if_contains("ApiEndpoint");
  if (!endpoint) {
    return ParameterFailure("ApiEndpoint", "is required: the http:// or https:// URL to call");
  }
  if (!endpoint->is_string()) {
    return ParameterFailure("ApiEndpoint", "must be a string (a URL); got " +
                                               std::string(common::JsonKindName(*endpoint)));
  }
  const json::value* method = p.if_contains("Method");
  if (!method)
    return ParameterFailure("Method",
                            "is required: GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD");
  bool known_method = false;
  for (std::string_view m : kMethods)
    known_method |= method->is_string() && method->as_string() == m;
  if (!known_method) {
    return ParameterFailure("Method",
                            "must be GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD; got " +
                                common::SerializeJson(*method));
  }

  bool url_encoded = false;
  ArrayFormat format = ArrayFormat::kIndices;
  if (auto f = ReadTransform(p.if_contains("Transform"), &url_encoded, &format)) return *f;
  if (auto f = ReadAuthentication(p.if_contains("Authentication"))) return *f;

  std::string query;
  if (const json::value* q = p.if_contains("QueryParameters")) {
    if (!q->is_object()) {
      return ParameterFailure("QueryParameters", "must be an object of names to values; got " +
                                                     std::string(common::JsonKindName(*q)));
    }
    query = FormEncode(q->as_object(), format);
  }
  std::string url_error;
  std::string url = BuildUrl(endpoint->as_string(), query, &url_error);
  if (url.empty()) return ParameterFailure("ApiEndpoint", url_error);

  HttpCall call;
  call.request = BoundedRequest(std::string(method->as_string()), url, CallTimeout(request));
  if (auto f = ReadHeaders(p.if_contains("Headers"), &call)) return *f;

  std::string_view default_type;
  if (const json::value* body = p.if_contains("RequestBody")) {
    if (url_encoded) {
      if (!body->is_object()) {
        return ParameterFailure("RequestBody",
                                "must be an object when Transform.RequestBodyEncoding is "
                                "URL_ENCODED; got " +
                                    std::string(common::JsonKindName(*body)));
      }
      call.request.body = FormEncode(body->as_object(), format);
      default_type = "application/x-www-form-urlencoded";
    } else if (body->is_string()) {
      call.request.body = std::string(body->as_string());
      default_type = "text/plain; charset=UTF-8";
    } else {
      call.request.body = common::SerializeJson(*body);
      default_type = "application/json; charset=UTF-8";
    }
  } else if (call.request.method == "POST" || call.request.method == "PUT" ||
             call.request.method == "PATCH") {
    call.request.body = "";  // sends Content-Length: 0, which some servers insist on
  }
  if (!default_type.empty() && !call.has_content_type) {
    call.request.headers.emplace_back("Content-Type", std::string(default_type));
  }
  if (!call.has_user_agent) call.request.headers.emplace_back("User-Agent", "Tactus-HttpInvoke");

  Exchange ex = client_->Perform(call.request);
  const std::string what = MethodAndUrl(call.request);
  switch (ex.failure) {
    case Failure::kNone:
      break;
    case Failure::kTimeout:
      return TaskOutcome::Failure("States.Http.Socket",
                                  what + ": no complete response within " +
                                      std::to_string(call.request.timeout.count() / 1000) +
                                      " s (the state's TimeoutSeconds, or " +
                                      std::to_string(kDefaultHttpTimeoutSeconds) +
                                      " s when it has none)");
    case Failure::kConnect:
      return TaskOutcome::Failure("States.Http.Socket",
                                  what + ": could not connect: " + ex.message);
    case Failure::kTooLarge:
      return TaskOutcome::Failure(
          "States.DataLimitExceeded",
          what + ": the response is larger than " + std::to_string(kMaxHttpResponseBytes) +
              " bytes, the payload limit of a task result; ask the API for less (a page, fewer "
              "fields)");
    case Failure::kOther:
      return TaskOutcome::Failure("States.Http.Socket", what + ": " + ex.message);
  }

  Response& r = ex.response;
  if (!IsValidUtf8(r.body)) {
    return TaskOutcome::Failure(
        "States.TaskFailed",
        what + " answered " + std::to_string(r.status) + " with a body that is not UTF-8 text (" +
            "Content-Type: " + std::string(HeaderValue(r.headers, "content-type")) +
            "); the HTTP task takes text and JSON responses");
  }
  json::value body(r.body);
  if (!r.body.empty() && IsJsonMediaType(HeaderValue(r.headers, "content-type"))) {
    if (auto parsed = common::ParseJson(r.body); parsed.ok()) body = std::move(*parsed);
  }
  json::object result;
  result["Headers"] = HeaderLists(r.headers, true);
  result["ResponseBody"] = std::move(body);
  result["StatusCode"] = r.status;
  result["StatusText"] = r.reason;
  if (r.status < 200 || r.status > 299) {
    return TaskOutcome::Failure("States.Http.StatusCode." + std::to_string(r.status),
                                common::SerializeJson(result));
  }
  return TaskOutcome::Success(std::move(result));
}

}  // namespace tactus::tasks
