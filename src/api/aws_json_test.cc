#include "api/aws_json.h"

#include <gtest/gtest.h>

#include "common/json.h"

namespace tactus::api {
namespace {

HttpRequest Request(std::string body, std::string target = "AWSStepFunctions.ListStateMachines",
                    std::string content_type = "application/x-amz-json-1.0") {
  HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.body = std::move(body);
  if (!target.empty()) request.headers.emplace_back("X-Amz-Target", std::move(target));
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", std::move(content_type));
  return request;
}

TEST(AwsJsonTest, ParsesActionAndParams) {
  auto parsed = ParseAwsJsonRequest(Request(R"({"stateMachineArn":"arn:x","maxResults":5})",
                                            "AWSStepFunctions.DescribeStateMachine"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->action, "DescribeStateMachine");
  EXPECT_EQ(parsed->params.at("stateMachineArn"), "arn:x");
  EXPECT_EQ(parsed->params.at("maxResults"), 5);
}

TEST(AwsJsonTest, EmptyBodyIsAnEmptyObject) {
  auto parsed = ParseAwsJsonRequest(Request(""));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->params.empty());
}

TEST(AwsJsonTest, AcceptsJsonContentTypesAndHeaderCase) {
  for (const char* type :
       {"application/x-amz-json-1.0", "application/json",
        "Application/X-Amz-Json-1.0; charset=UTF-8", "application/x-amz-json-1.1", ""}) {
    EXPECT_TRUE(ParseAwsJsonRequest(Request("{}", "AWSStepFunctions.ListActivities", type)).ok())
        << type;
  }
  HttpRequest lower = Request("{}", "");
  lower.headers.emplace_back("x-amz-target", "AWSStepFunctions.ListActivities");
  auto parsed = ParseAwsJsonRequest(lower);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->action, "ListActivities");
}

TEST(AwsJsonTest, QueryStringIsIgnored) {
  HttpRequest request = Request("{}");
  request.target = "/?x=1";
  EXPECT_TRUE(ParseAwsJsonRequest(request).ok());
}

TEST(AwsJsonTest, BadTargetsAreUnknownOperations) {
  for (const char* target :
       {"", "DynamoDB_20120810.ListTables", "AWSStepFunctions.", "AWSStepFunctions.List-It",
        "awsstepfunctions.ListActivities", "AWSStepFunctionsListActivities"}) {
    auto parsed = ParseAwsJsonRequest(Request("{}", target));
    ASSERT_FALSE(parsed.ok()) << target;
    EXPECT_EQ(parsed.error().code, "UnknownOperationException") << target;
    EXPECT_EQ(parsed.error().http_status, 400);
  }
  const std::string too_long = "AWSStepFunctions." + std::string(kMaxActionLength + 1, 'A');
  EXPECT_FALSE(ParseAwsJsonRequest(Request("{}", too_long)).ok());
  EXPECT_TRUE(
      ParseAwsJsonRequest(Request("{}", "AWSStepFunctions." + std::string(kMaxActionLength, 'A')))
          .ok());
}

TEST(AwsJsonTest, WrongMethodOrPathIsAnUnknownOperation) {
  HttpRequest get = Request("{}");
  get.method = "GET";
  auto parsed = ParseAwsJsonRequest(get);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "UnknownOperationException");
  EXPECT_NE(parsed.error().message.find("GET /"), std::string::npos);
  HttpRequest path = Request("{}");
  path.target = "/other";
  EXPECT_FALSE(ParseAwsJsonRequest(path).ok());
}

TEST(AwsJsonTest, BadBodiesAreSerializationExceptions) {
  auto broken = ParseAwsJsonRequest(Request("{\"a\":"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "SerializationException");
  EXPECT_NE(broken.error().message.find("line 1"), std::string::npos);

  auto array = ParseAwsJsonRequest(Request("[1]"));
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().code, "SerializationException");
  EXPECT_NE(array.error().message.find("an array"), std::string::npos);

  auto form = ParseAwsJsonRequest(
      Request("{}", "AWSStepFunctions.ListActivities", "application/x-www-form-urlencoded"));
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.error().code, "SerializationException");
  EXPECT_NE(form.error().message.find("application/x-www-form-urlencoded"), std::string::npos);
}

TEST(AwsJsonTest, SuccessResponse) {
  boost::json::object body;
  body["stateMachines"] = boost::json::array();
  const HttpResponse response = AwsJsonSuccess(body, "req-1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(response.body, R"({"stateMachines":[]})");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "x-amzn-RequestId");
  EXPECT_EQ(response.headers[0].second, "req-1");
}

TEST(AwsJsonTest, ErrorResponseHasAwsShape) {
  const HttpResponse response = AwsJsonError(
      MakeApiError(error_code::kStateMachineDoesNotExist, "State Machine Does Not Exist: 'x'"),
      "req-2");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/x-amz-json-1.0");
  auto body = common::ParseJson(response.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->at("__type"), "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist");
  EXPECT_EQ(body->at("message"), "State Machine Does Not Exist: 'x'");
  bool has_id = false, has_type = false;
  for (const auto& [name, value] : response.headers) {
    if (name == "x-amzn-RequestId") has_id = value == "req-2";
    if (name == "x-amzn-ErrorType") has_type = value == "StateMachineDoesNotExist";
  }
  EXPECT_TRUE(has_id);
  EXPECT_TRUE(has_type);
  EXPECT_EQ(AwsJsonError(InternalFailure("x"), "r").status, 500);
}

TEST(AwsJsonTest, RequestIdsAreDistinctUuids) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace tactus::api
