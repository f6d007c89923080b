#include "api/api_error.h"

#include <array>

namespace tactus::api {

namespace {

struct CodeInfo {
  std::string_view code;
  std::string_view type_namespace;
  int http_status;
};

// Modeled Step Functions errors carry the service's model namespace; the rest are the common
// errors of AWS's JSON services, in the namespaces AWS writes for them.
constexpr std::string_view kServiceNamespace = "com.amazonaws.swf.service.v2.model";
constexpr std::string_view kCoralService = "com.amazon.coral.service";
constexpr std::string_view kCoralValidate = "com.amazon.coral.validate";
constexpr std::string_view kCoralAvailability = "com.amazon.coral.availability";

constexpr std::array kCommonCodes = {
    CodeInfo{error_code::kAccessDenied, kCoralService, 400},
    CodeInfo{error_code::kExpiredToken, kCoralService, 400},
    CodeInfo{error_code::kIncompleteSignature, kCoralService, 400},
    CodeInfo{error_code::kInternalFailure, kCoralService, 500},
    CodeInfo{error_code::kInvalidClientTokenId, kCoralService, 403},
    CodeInfo{error_code::kInvalidSignature, kCoralService, 400},
    CodeInfo{error_code::kMissingAuthenticationToken, kCoralService, 403},
    CodeInfo{error_code::kRequestExpired, kCoralService, 400},
    CodeInfo{error_code::kSerializationException, kCoralService, 400},
    CodeInfo{error_code::kServiceUnavailable, kCoralAvailability, 503},
    CodeInfo{error_code::kThrottlingException, kCoralAvailability, 400},
    CodeInfo{error_code::kUnknownOperation, kCoralService, 400},
    CodeInfo{error_code::kUnrecognizedClient, kCoralService, 400},
    CodeInfo{error_code::kValidationException, kCoralValidate, 400},
};

const CodeInfo* FindCommon(std::string_view code) {
  for (const CodeInfo& info : kCommonCodes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

}  // namespace

int HttpStatusForCode(std::string_view code) {
  const CodeInfo* info = FindCommon(code);
  return info == nullptr ? 400 : info->http_status;
}

std::string QualifiedErrorType(std::string_view code) {
  const CodeInfo* info = FindCommon(code);
  std::string type(info == nullptr ? kServiceNamespace : info->type_namespace);
  type += '#';
  type += code;
  return type;
}

ApiError MakeApiError(std::string_view code, std::string message) {
  return ApiError{std::string(code), std::move(message), HttpStatusForCode(code)};
}

ApiError ValidationError(std::string message) {
  return MakeApiError(error_code::kValidationException, std::move(message));
}

ApiError SerializationError(std::string message) {
  return MakeApiError(error_code::kSerializationException, std::move(message));
}

ApiError InternalFailure(std::string message) {
  return MakeApiError(error_code::kInternalFailure, std::move(message));
}

ApiError UnknownOperation(std::string_view action) {
  return MakeApiError(error_code::kUnknownOperation,
                      "The operation '" + std::string(action) +
                          "' is not supported by this server (AWSStepFunctions.<Action> with one "
                          "of the AWS Step Functions API actions).");
}

ApiError ArnOrNameError(const common::Status& status) {
  const bool is_name = status.message().rfind("Invalid Name", 0) == 0;
  return MakeApiError(is_name ? error_code::kInvalidName : error_code::kInvalidArn,
                      status.message());
}

}  // namespace tactus::api
