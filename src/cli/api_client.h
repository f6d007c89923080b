// A client of the AWS Step Functions JSON 1.0 API of a running `tactus serve` (docs/api.md), for
// the CLI's remote commands. Over libcurl; requests are signed with SigV4 when the client has
// credentials (docs/auth.md, "Credentials of the tactus CLI"): service "states" for the JSON
// API, "scheduler" for /schedules, "tactus" for /v1/*.
//
// Each call is `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>`,
// `Content-Type: application/x-amz-json-1.0` and the parameters as a JSON object; Rest calls
// Tactus's own REST routes (schedules, triggers, connections, functions).
//
// Not thread-safe: one ApiClient per thread. Consecutive calls reuse the connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_error.h"
#include "auth/sigv4.h"
#include "common/json.h"

namespace tactus::cli {

namespace json = boost::json;

// The code of the ApiError a call returns when no HTTP answer arrived (refused connection, unknown
// host, timeout); its http_status is 0 and its message names the endpoint and the reason. The name
// is botocore's for the same failure.
inline constexpr std::string_view kEndpointConnectionError = "EndpointConnectionError";

// The default endpoint of `tactus serve` (its default --listen).
inline constexpr std::string_view kDefaultEndpoint = "http://127.0.0.1:8083";

// The error a non-200 answer carries: the code is the part of `__type` after the last '#' and
// before any ':' (as botocore reads it), the message is `message` (or `Message`). A body that is
// not such an object gives the code "HttpError" and a message with the status and the start of
// the body. Pure.
api::ApiError ErrorFromResponse(int http_status, std::string_view body);

// What requests are signed with: no keys, no signature.
struct ClientCredentials {
  std::optional<auth::SigV4Credentials> keys;
  std::string region = "us-east-1";
};

// The SigV4 service a request to `path` is signed for.
std::string_view SigningServiceFor(std::string_view path);

class ApiClient {
 public:
  // `endpoint` is the server's base URL, e.g. "http://127.0.0.1:8083".
  explicit ApiClient(std::string endpoint, ClientCredentials credentials = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Calls `action` ("DescribeExecution") with `params`. Returns the answer's JSON object on HTTP
  // 200; the API's error (ErrorFromResponse) on any other status; an ApiError with code
  // kEndpointConnectionError and http_status 0 when the server could not be reached; and
  // "SerializationException" when a 200 answer is not a JSON object.
  api::ApiResult<json::object> Call(std::string_view action, const json::object& params);

  // A REST call to Tactus's own routes (api/control_api.h): `method` ("GET", "POST", ...) on
  // `path` (with its query, already encoded, e.g. "/v1/triggers?NextToken=t"), with `body` as
  // its JSON body when given. Returns the answer's JSON object on a 2xx status (an empty body
  // counts as {}); otherwise the errors Call gives.
  api::ApiResult<json::object> Rest(std::string_view method, std::string_view path,
                                    const json::object* body = nullptr);

  // `text` percent-encoded for a path segment or a query value.
  std::string Escape(std::string_view text);

  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Handle;
  // One request: the HTTP status and body, or a kEndpointConnectionError.
  api::ApiResult<std::pair<int, std::string>> Perform(std::string_view method,
                                                      const std::string& url,
                                                      const std::vector<std::string>& headers,
                                                      const std::string* body,
                                                      std::string_view service);
  std::string endpoint_;
  ClientCredentials credentials_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace tactus::cli
