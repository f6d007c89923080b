// Errors of the AWS Step Functions API as clients see them (docs/api.md, "Errors").
//
// An ApiError is a stable AWS error code ("StateMachineDoesNotExist"), a message for humans and an
// HTTP status. AwsJsonError (aws_json.h) writes it as AWS does; SDKs turn the code into their
// modeled exception (boto3: client.exceptions.StateMachineDoesNotExist).
//
// Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/status.h"

namespace tactus::api {

struct ApiError {
  std::string code;     // AWS's error code, e.g. "ValidationException"
  std::string message;  // shown to the user as is
  int http_status = 400;

  bool operator==(const ApiError&) const = default;
};

// The error codes Tactus produces. Those modeled by the Step Functions API have an exception
// class in every SDK; the common ones are shared by all AWS JSON services.
namespace error_code {
// Modeled by the Step Functions API (HTTP 400).
inline constexpr std::string_view kActivityAlreadyExists = "ActivityAlreadyExists";
inline constexpr std::string_view kActivityDoesNotExist = "ActivityDoesNotExist";
inline constexpr std::string_view kActivityLimitExceeded = "ActivityLimitExceeded";
inline constexpr std::string_view kActivityWorkerLimitExceeded = "ActivityWorkerLimitExceeded";
inline constexpr std::string_view kConflictException = "ConflictException";
inline constexpr std::string_view kExecutionAlreadyExists = "ExecutionAlreadyExists";
inline constexpr std::string_view kExecutionDoesNotExist = "ExecutionDoesNotExist";
inline constexpr std::string_view kExecutionLimitExceeded = "ExecutionLimitExceeded";
inline constexpr std::string_view kExecutionNotRedrivable = "ExecutionNotRedrivable";
inline constexpr std::string_view kInvalidArn = "InvalidArn";
inline constexpr std::string_view kInvalidDefinition = "InvalidDefinition";
inline constexpr std::string_view kInvalidExecutionInput = "InvalidExecutionInput";
inline constexpr std::string_view kInvalidLoggingConfiguration = "InvalidLoggingConfiguration";
inline constexpr std::string_view kInvalidName = "InvalidName";
inline constexpr std::string_view kInvalidOutput = "InvalidOutput";
inline constexpr std::string_view kInvalidToken = "InvalidToken";
inline constexpr std::string_view kInvalidTracingConfiguration = "InvalidTracingConfiguration";
inline constexpr std::string_view kMissingRequiredParameter = "MissingRequiredParameter";
inline constexpr std::string_view kResourceNotFound = "ResourceNotFound";
inline constexpr std::string_view kServiceQuotaExceeded = "ServiceQuotaExceededException";
inline constexpr std::string_view kStateMachineAlreadyExists = "StateMachineAlreadyExists";
inline constexpr std::string_view kStateMachineDeleting = "StateMachineDeleting";
inline constexpr std::string_view kStateMachineDoesNotExist = "StateMachineDoesNotExist";
inline constexpr std::string_view kStateMachineLimitExceeded = "StateMachineLimitExceeded";
inline constexpr std::string_view kStateMachineTypeNotSupported = "StateMachineTypeNotSupported";
inline constexpr std::string_view kTaskDoesNotExist = "TaskDoesNotExist";
inline constexpr std::string_view kTaskTimedOut = "TaskTimedOut";
inline constexpr std::string_view kTooManyTags = "TooManyTags";
inline constexpr std::string_view kValidationException = "ValidationException";
// Common to AWS JSON services.
inline constexpr std::string_view kAccessDenied = "AccessDeniedException";          // 400
inline constexpr std::string_view kExpiredToken = "ExpiredTokenException";          // 400
inline constexpr std::string_view kIncompleteSignature = "IncompleteSignature";     // 400
inline constexpr std::string_view kInternalFailure = "InternalFailure";             // 500
inline constexpr std::string_view kInvalidClientTokenId = "InvalidClientTokenId";   // 403
inline constexpr std::string_view kInvalidSignature = "InvalidSignatureException";  // 400
inline constexpr std::string_view kMissingAuthenticationToken =
    "MissingAuthenticationToken";                                                       // 403
inline constexpr std::string_view kRequestExpired = "RequestExpired";                   // 400
inline constexpr std::string_view kSerializationException = "SerializationException";   // 400
inline constexpr std::string_view kServiceUnavailable = "ServiceUnavailable";           // 503
inline constexpr std::string_view kThrottlingException = "ThrottlingException";         // 400
inline constexpr std::string_view kUnknownOperation = "UnknownOperationException";      // 400
inline constexpr std::string_view kUnrecognizedClient = "UnrecognizedClientException";  // 400
}  // namespace error_code

// The HTTP status AWS gives `code`: 500 for InternalFailure, 503 for ServiceUnavailable, 403 for
// MissingAuthenticationToken and InvalidClientTokenId, 400 for every other code (also unknown
// ones: an unlisted code is a client error).
int HttpStatusForCode(std::string_view code);

// The `__type` value written for `code`: "<namespace>#<code>", with the namespace AWS uses for
// it. SDKs read only the part after '#'.
std::string QualifiedErrorType(std::string_view code);

// An ApiError with the status HttpStatusForCode(code).
ApiError MakeApiError(std::string_view code, std::string message);

// Shorthands for the commonest errors.
ApiError ValidationError(std::string message);
ApiError SerializationError(std::string message);
ApiError InternalFailure(std::string message);
ApiError UnknownOperation(std::string_view action);  // "... operation <action> is not supported"

// Maps a Status from common/arn.h: ARN problems ("Invalid Arn: ...") become InvalidArn, name
// problems ("Invalid Name: ...") InvalidName, keeping the message.
// REQUIRES: !status.ok()
ApiError ArnOrNameError(const common::Status& status);

// Holds a T or an ApiError; the API's counterpart of common::Result.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok()
  const ApiError& error() const& { return std::get<ApiError>(v_); }
  ApiError&& error() && { return std::get<ApiError>(std::move(v_)); }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace tactus::api
