// HTTP and Lambda tasks (docs/tasks.md, "HTTP tasks" and "Lambda tasks"):
//
// - `arn:aws:states:::http:invoke`: AWS Step Functions' HTTP Task. Calls ApiEndpoint with Method,
//   Headers, QueryParameters and RequestBody; answers {Headers, ResponseBody, StatusCode,
//   StatusText}. A non-2xx answer fails with States.Http.StatusCode.<code> (Cause: that object as
//   JSON text); no answer (refused, unreachable, timed out, TLS failure) fails with
//   States.Http.Socket.
// - `arn:aws:states:::lambda:invoke[.waitForTaskToken]` and the legacy function ARNs
//   `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`: Lambda functions served at
//   HTTP endpoints. A FunctionResolver maps a function name to its endpoint; the function is
//   invoked by POSTing its payload as JSON, and a 2xx answer's body is its return value.
//
// Every call is bounded: by the request's timeout_seconds (kDefaultHttpTimeoutSeconds when
// absent), kHttpConnectTimeoutSeconds to connect, and kMaxHttpResponseBytes of response body
// (more fails the task with States.DataLimitExceeded). Connections are kept alive and reused.
// TLS certificates and host names are verified against the system's trust store. Redirects are
// not followed.
//
// Parameter mistakes (a missing ApiEndpoint, a Method that is not one of the seven, ...) fail with
// States.Runtime naming the field, as AWS fails a task whose Parameters cannot start it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tasks/dispatcher.h"

namespace tactus::tasks {

namespace http_internal {
class Client;
}

inline constexpr std::string_view kHttpInvokeResource = "arn:aws:states:::http:invoke";
inline constexpr std::string_view kLambdaInvokeResource = "arn:aws:states:::lambda:invoke";

// How long a call may take when the request has no timeout_seconds: 60 s, the HTTP Task's limit
// in AWS.
inline constexpr std::int64_t kDefaultHttpTimeoutSeconds = 60;
// How long connecting (DNS, TCP and TLS handshakes) may take, within the call's timeout.
inline constexpr std::int64_t kHttpConnectTimeoutSeconds = 10;
// The largest response body read: 256 KiB, the payload limit of a state's result.
inline constexpr std::size_t kMaxHttpResponseBytes = 256 * 1024;

// True for the resources HttpTaskDispatcher performs: http:invoke, lambda:invoke,
// lambda:invoke.waitForTaskToken (any partition, e.g. `arn:aws-cn:states:::http:invoke`) and
// legacy Lambda function ARNs (which take no suffix).
bool IsHttpResource(std::string_view resource);

// Where a Lambda function is served: the URL its payload is POSTed to, and headers to send with
// it (e.g. credentials of the function's host).
struct FunctionEndpoint {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Maps a function name (no ARN, no qualifier: "my-function") to its endpoint; nullopt when no
// such function exists. Called concurrently from every thread that invokes tasks, so it must be
// thread-safe.
using FunctionResolver = std::function<std::optional<FunctionEndpoint>(const std::string& name)>;

class HttpTaskDispatcher final : public TaskDispatcher {
 public:
  // `resolver` finds Lambda functions; when empty, every Lambda task fails with
  // Lambda.ResourceNotFoundException.
  explicit HttpTaskDispatcher(FunctionResolver resolver = nullptr);
  // REQUIRES: no Invoke in progress.
  ~HttpTaskDispatcher() override;
  HttpTaskDispatcher(const HttpTaskDispatcher&) = delete;
  HttpTaskDispatcher& operator=(const HttpTaskDispatcher&) = delete;

  // Performs the call and answers its result, or an ASL error (docs/tasks.md lists them).
  // For a resource that !IsHttpResource, fails with States.Runtime. For
  // lambda:invoke.waitForTaskToken, invokes the function and answers like lambda:invoke: the
  // runtime then waits for the task token.
  // Thread-safe: any number of calls may run at once; each blocks its thread for up to the
  // call's timeout.
  TaskOutcome Invoke(const TaskRequest& request) override;

  // True for every resource it performs (IsHttpResource): each is a network call.
  bool Blocking(std::string_view resource) const override;

  // Connections opened so far; a call that reuses a kept-alive connection opens none. Thread-safe;
  // for tests and metrics.
  std::size_t connections_opened() const;

 private:
  TaskOutcome InvokeHttp(const TaskRequest& request);
  TaskOutcome InvokeLambda(const TaskRequest& request, bool legacy);

  FunctionResolver resolver_;
  std::unique_ptr<http_internal::Client> client_;
};

}  // namespace tactus::tasks
