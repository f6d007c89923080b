// The AWS JSON 1.0 protocol of AWS Step Functions (docs/api.md, "Protocol"): how a request names
// its action and carries its parameters, and how responses and errors are written.
//
//   request   POST /   X-Amz-Target: AWSStepFunctions.<Action>
//             Content-Type: application/x-amz-json-1.0   body: a JSON object ("" means {})
//   success   200, Content-Type application/x-amz-json-1.0, body: a JSON object
//   error     4xx/5xx, body {"__type": "<namespace>#<Code>", "message": "..."}, header
//             x-amzn-ErrorType: <Code>
// Every response carries x-amzn-RequestId (a UUID), which botocore reports as
// ResponseMetadata.RequestId. Routing is by X-Amz-Target only: the Host header is never read, so
// botocore's "sync-" host prefix for StartSyncExecution needs no special handling here.
//
// Thread-safe: all functions are pure except NewRequestId, which is thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/http_server.h"

namespace tactus::api {

inline constexpr std::string_view kAwsJsonContentType = "application/x-amz-json-1.0";
inline constexpr std::string_view kStepFunctionsTargetPrefix = "AWSStepFunctions.";
inline constexpr std::string_view kRequestIdHeader = "x-amzn-RequestId";
inline constexpr std::string_view kErrorTypeHeader = "x-amzn-ErrorType";
// The longest action name accepted after the prefix (the longest real one has 29 characters).
inline constexpr std::size_t kMaxActionLength = 64;

struct AwsJsonRequest {
  std::string action;  // "StartExecution": the X-Amz-Target without "AWSStepFunctions."
  boost::json::object params;
};

// Reads an AWS JSON 1.0 request. Accepts Content-Type application/x-amz-json-1.0, -1.1 and
// application/json (parameters such as "; charset=utf-8" are ignored) or no Content-Type.
// Errors:
// - UnknownOperationException: the method is not POST, the path (query ignored) is not "/", or
//   X-Amz-Target is missing, lacks the "AWSStepFunctions." prefix, or names no action (empty,
//   longer than kMaxActionLength, or not letters and digits);
// - SerializationException: another Content-Type, a body that is not JSON (the message gives
//   line and column), or JSON that is not an object.
// Whether the action exists is the caller's business (see UnknownOperation in api_error.h).
ApiResult<AwsJsonRequest> ParseAwsJsonRequest(const HttpRequest& request);

// A fresh request id: a random (version 4) UUID. Thread-safe.
std::string NewRequestId();

// 200 with `body` serialized by common::SerializeJson.
HttpResponse AwsJsonSuccess(const boost::json::value& body, std::string_view request_id);

// error.http_status with {"__type": QualifiedErrorType(code), "message": message}.
HttpResponse AwsJsonError(const ApiError& error, std::string_view request_id);

}  // namespace tactus::api
