#include "api/aws_json.h"

#include "common/json.h"
#include "common/random.h"

namespace tactus::api {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string MediaType(std::string_view content_type) {
  std::string type = Trimmed(content_type.substr(0, content_type.find(';')));
  for (char& c : type) c = Lower(c);
  return type;
}

bool IsActionName(std::string_view action) {
  if (action.empty() || action.size() > kMaxActionLength) return false;
  for (char c : action) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) return false;
  }
  return true;
}

HttpResponse JsonResponse(int status, std::string body, std::string_view request_id) {
  HttpResponse response;
  response.status = status;
  response.content_type = std::string(kAwsJsonContentType);
  response.body = std::move(body);
  response.headers.emplace_back(std::string(kRequestIdHeader), std::string(request_id));
  return response;
}

}  // namespace

ApiResult<AwsJsonRequest> ParseAwsJsonRequest(const HttpRequest& request) {
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method != "POST" || path != "/") {
    return MakeApiError(error_code::kUnknownOperation,
                        "AWS JSON requests are 'POST /' with an X-Amz-Target header; got '" +
                            request.method + " " + std::string(path) + "'.");
  }
  const std::string* target = request.FindHeader("X-Amz-Target");
  if (target == nullptr) {
    return MakeApiError(error_code::kUnknownOperation,
                        "Missing the X-Amz-Target header; send 'X-Amz-Target: "
                        "AWSStepFunctions.<Action>'.");
  }
  std::string_view action(*target);
  if (action.substr(0, kStepFunctionsTargetPrefix.size()) != kStepFunctionsTargetPrefix ||
      !IsActionName(action.substr(kStepFunctionsTargetPrefix.size()))) {
    return MakeApiError(
        error_code::kUnknownOperation,
        "X-Amz-Target '" + *target + "' is not 'AWSStepFunctions.<Action>' with an action name.");
  }
  action.remove_prefix(kStepFunctionsTargetPrefix.size());

  if (const std::string* content_type = request.FindHeader("Content-Type")) {
    const std::string media = MediaType(*content_type);
    if (media != kAwsJsonContentType && media != "application/x-amz-json-1.1" &&
        media != "application/json") {
      return SerializationError("Unsupported Content-Type '" + *content_type + "': send " +
                                std::string(kAwsJsonContentType) + ".");
    }
  }

  AwsJsonRequest parsed;
  parsed.action = std::string(action);
  if (request.body.empty()) return parsed;
  auto body = common::ParseJson(request.body);
  if (!body.ok()) {
    return SerializationError("The request body is not valid JSON: " + body.status().message());
  }
  if (!body->is_object()) {
    return SerializationError("The request body must be a JSON object, got " +
                              std::string(common::JsonKindName(*body)) + ".");
  }
  parsed.params = std::move(body.value().as_object());
  return parsed;
}

std::string NewRequestId() {
  thread_local common::SystemRandom random;
  return random.Uuid4();
}

HttpResponse AwsJsonSuccess(const boost::json::value& body, std::string_view request_id) {
  return JsonResponse(200, common::SerializeJson(body), request_id);
}

HttpResponse AwsJsonError(const ApiError& error, std::string_view request_id) {
  boost::json::object body;
  body["__type"] = QualifiedErrorType(error.code);
  body["message"] = error.message;
  HttpResponse response = JsonResponse(error.http_status, common::SerializeJson(body), request_id);
  response.headers.emplace_back(std::string(kErrorTypeHeader), error.code);
  return response;
}

}  // namespace tactus::api
