// Feeds arbitrary bytes to the API's request parser (api/aws_json.h) and, when they parse, to
// the parameter readers (api/params.h) and the ARN and name rules (common/arn.h) on every member
// and every string inside. Catches crashes and sanitizer reports, and checks the contracts the
// headers promise: actions are letters and digits, errors carry a code and a 4xx/5xx status,
// Format(Parse(arn)) == arn.
//
// The input is tried twice: whole, as the body of a well-formed request; and with its first
// byte choosing the method and path, the X-Amz-Target and the Content-Type (some built from the
// input's own bytes) and the rest as the body, so random bytes reach every branch of the header
// checks as well as the JSON parser.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/aws_json.h"
#include "api/params.h"
#include "common/arn.h"
#include "common/json.h"

namespace {

namespace api = tactus::api;
namespace common = tactus::common;
namespace json = boost::json;

// The members the Step Functions actions read.
constexpr std::string_view kMembers[] = {"name",         "stateMachineArn",
                                         "executionArn", "activityArn",
                                         "input",        "definition",
                                         "roleArn",      "type",
                                         "maxResults",   "nextToken",
                                         "taskToken",    "output",
                                         "error",        "cause",
                                         "workerName",   "statusFilter",
                                         "reverseOrder", "includeExecutionData",
                                         "traceHeader",  "tags",
                                         "tagKeys",      "resourceArn",
                                         "mapRunArn",    "revisionId"};

constexpr common::ArnResourceType kArnTypes[] = {
    common::ArnResourceType::kStateMachine, common::ArnResourceType::kExecution,
    common::ArnResourceType::kExpressExecution, common::ArnResourceType::kActivity};

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckError(const api::ApiError& error) {
  Check(!error.code.empty());
  Check(error.http_status >= 400 && error.http_status <= 599);
  // Writing the error must work for any message the parser produced.
  (void)api::AwsJsonError(error, "00000000-0000-4000-8000-000000000000");
}

template <typename T>
void Consume(const api::ApiResult<T>& result) {
  if (!result.ok()) CheckError(result.error());
}

// The ARN and name rules on one string found in the request.
void ExerciseString(std::string_view text) {
  auto any = common::ParseStatesArn(text);
  if (any.ok()) {
    Check(common::FormatArn(*any) == text);
    Check(common::ParseStatesArn(text, any->type).ok());
    (void)common::CheckArnContext(*any, common::ArnContext{});
  }
  for (auto type : kArnTypes) {
    auto typed = common::ParseStatesArn(text, type);
    if (typed.ok()) Check(typed->type == type && any.ok());
  }
  auto name = common::ValidateResourceName(text);
  if (name.ok()) Check(!text.empty() && text.size() <= 4 * common::kMaxResourceNameChars);
}

void Walk(const json::value& value, int budget_depth) {
  if (budget_depth <= 0) return;
  switch (value.kind()) {
    case json::kind::string:
      ExerciseString(value.get_string());
      break;
    case json::kind::array:
      for (const auto& item : value.get_array()) Walk(item, budget_depth - 1);
      break;
    case json::kind::object:
      for (const auto& [key, item] : value.get_object()) {
        ExerciseString(key);
        Walk(item, budget_depth - 1);
      }
      break;
    default:
      break;
  }
}

// Every reader on one member, as the actions call them.
void ExerciseMember(const json::object& params, std::string_view member) {
  Consume(api::RequireString(params, member, common::kMaxResourceNameChars));
  Consume(api::RequireString(params, member, 256 * 1024, 0));
  auto optional = api::OptionalString(params, member, 1024, 1);
  Consume(optional);
  if (optional.ok() && optional->has_value()) Check(!(*optional)->empty());
  auto number = api::OptionalInt(params, member, 0, 1000);
  Consume(number);
  if (number.ok() && number->has_value()) Check(**number >= 0 && **number <= 1000);
  Consume(api::OptionalInt(params, member, INT64_MIN, INT64_MAX));
  Consume(api::OptionalBool(params, member));
  for (auto type : kArnTypes) {
    auto arn = api::RequireArn(params, member, type);
    Consume(arn);
    if (arn.ok()) Check(arn->type == type);
  }
  (void)api::ConstraintViolation(member, params.if_contains(member), "Member must be fuzzed");
}

void Exercise(const api::HttpRequest& request) {
  auto parsed = api::ParseAwsJsonRequest(request);
  if (!parsed.ok()) {
    CheckError(parsed.error());
    return;
  }
  const std::string& action = parsed->action;
  Check(!action.empty() && action.size() <= api::kMaxActionLength);
  for (char c : action) {
    Check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  const json::object& params = parsed->params;
  for (std::string_view member : kMembers) ExerciseMember(params, member);
  for (const auto& [key, value] : params) ExerciseMember(params, key);
  Walk(params, static_cast<int>(common::kMaxJsonDepth) + 2);
  (void)api::AwsJsonSuccess(params, "00000000-0000-4000-8000-000000000000");
}

api::HttpRequest WellFormed(std::string body) {
  api::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.body = std::move(body);
  request.headers = {{"X-Amz-Target", "AWSStepFunctions.StartExecution"},
                     {"Content-Type", std::string(api::kAwsJsonContentType)}};
  return request;
}

// The request chosen by `selector`, with `body`; `raw` supplies header bytes for some choices.
api::HttpRequest Chosen(std::uint8_t selector, std::string_view raw, std::string body) {
  api::HttpRequest request = WellFormed(std::move(body));
  request.headers.clear();
  // A short run of the input's own bytes, for headers that carry arbitrary text.
  const std::string snippet(raw.substr(0, std::min<std::size_t>(raw.size(), 80)));
  switch (selector & 7) {
    case 0:
      request.headers.emplace_back("X-Amz-Target", "AWSStepFunctions.CreateStateMachine");
      break;
    case 1:
      request.headers.emplace_back("x-amz-target", "AWSStepFunctions.SendTaskSuccess");
      break;
    case 2:
      break;  // no X-Amz-Target
    case 3:
      request.headers.emplace_back("X-Amz-Target", "AWSStepFunctions.");
      break;
    case 4:
      request.headers.emplace_back("X-Amz-Target", "AmazonStates.StartExecution");
      break;
    case 5:
      request.headers.emplace_back("X-Amz-Target", "AWSStepFunctions." + snippet);
      break;
    case 6:
      request.headers.emplace_back("X-Amz-Target", snippet);
      break;
    case 7:
      request.headers.emplace_back(
          "X-Amz-Target", "AWSStepFunctions." + std::string(api::kMaxActionLength + 1, 'A'));
      break;
  }
  switch ((selector >> 3) & 7) {
    case 0:
      break;  // no Content-Type
    case 1:
      request.headers.emplace_back("Content-Type", std::string(api::kAwsJsonContentType));
      break;
    case 2:
      request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1; charset=utf-8");
      break;
    case 3:
      request.headers.emplace_back("content-type", " Application/JSON ;");
      break;
    case 4:
      request.headers.emplace_back("Content-Type", "text/plain");
      break;
    case 5:
      request.headers.emplace_back("Content-Type", snippet);
      break;
    case 6:
      request.headers.emplace_back("Content-Type", "");
      break;
    case 7:
      request.headers.emplace_back("Content-Type", ";;;");
      request.headers.emplace_back("Content-Type", std::string(api::kAwsJsonContentType));
      break;
  }
  switch ((selector >> 6) & 3) {
    case 0:
      break;  // POST /
    case 1:
      request.target = "/?" + snippet;
      break;
    case 2:
      request.method = "GET";
      break;
    case 3:
      request.target = snippet;
      break;
  }
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  Exercise(WellFormed(input));
  if (size >= 1) {
    std::string_view rest(input);
    rest.remove_prefix(1);
    Exercise(Chosen(data[0], rest, std::string(rest)));
  }
  return 0;
}
