#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tasks/http_task.h"
#include "tasks/http_task_test_fixture.h"

namespace tactus::tasks {
namespace {

using namespace http_testing;

// Lambda tasks: functions served by the test server under /fn/<name>.
class LambdaTaskTest : public HttpTaskTest {
 protected:
  void SetUp() override {
    HttpTaskTest::SetUp();
    lambda_ = std::make_unique<HttpTaskDispatcher>(
        [this](const std::string& name) -> std::optional<FunctionEndpoint> {
          {
            std::lock_guard<std::mutex> lock(mu_);
            resolved_.push_back(name);
          }
          if (name == "missing") return std::nullopt;
          return FunctionEndpoint{Url("/fn/" + name), {{"X-Fn-Key", "s3cret"}}};
        });
  }

  static TaskRequest Lambda(json::value parameters,
                            std::string resource = std::string(kLambdaInvokeResource)) {
    TaskRequest r;
    r.state_name = "Fn";
    r.resource = std::move(resource);
    r.parameters = std::move(parameters);
    return r;
  }

  std::vector<std::string> Resolved() {
    std::lock_guard<std::mutex> lock(mu_);
    return resolved_;
  }

  std::vector<std::string> resolved_;
  std::unique_ptr<HttpTaskDispatcher> lambda_;
};

TEST_F(LambdaTaskTest, InvokeAnswersLambdasResultShape) {
  Answer([](const api::HttpRequest& request, api::Responder respond) {
    respond(Reply(200, "application/json", R"({"got":)" + request.body + "}"));
  });
  auto out = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"echo","Payload":{"x":1}})")));
  EXPECT_OK(out);
  const json::object& result = out.result.as_object();
  EXPECT_EQ(result.at("ExecutedVersion"), "$LATEST");
  EXPECT_EQ(result.at("Payload"), Json(R"({"got":{"x":1}})"));
  EXPECT_EQ(result.at("StatusCode"), 200);
  EXPECT_EQ(result.at("SdkHttpMetadata").at("HttpStatusCode"), 200);
  EXPECT_TRUE(result.at("SdkHttpMetadata").at("AllHttpHeaders").is_object());
  EXPECT_TRUE(result.at("SdkHttpMetadata").at("HttpHeaders").is_object());
  EXPECT_FALSE(result.at("SdkResponseMetadata").at("RequestId").as_string().empty());

  auto request = LastRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/fn/echo");
  EXPECT_EQ(request.body, R"({"x":1})");
  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.Header("X-Fn-Key"), "s3cret");
  EXPECT_EQ(request.Header("X-Amz-Invocation-Type"), "RequestResponse");
}

TEST_F(LambdaTaskTest, FunctionNameMayBeANamePartialArnOrArn) {
  for (std::string name : {"echo", "echo:7", "123456789012:function:echo",
                           "arn:aws:lambda:us-east-1:123456789012:function:echo",
                           "arn:aws:lambda:us-east-1:123456789012:function:echo:prod"}) {
    auto out = lambda_->Invoke(Lambda(json::object{{"FunctionName", name}}));
    EXPECT_OK(out);
    EXPECT_EQ(Resolved().back(), "echo") << name;
    EXPECT_EQ(out.result.at("ExecutedVersion"), name == "echo:7" ? "7" : "$LATEST") << name;
  }
  EXPECT_EQ(LastRequest().body, "{}") << "no Payload sends an empty object";
  auto bad = lambda_->Invoke(Lambda(json::object{{"FunctionName", "a:b:c"}}));
  EXPECT_EQ(bad.error, "States.Runtime");
  EXPECT_EQ(bad.cause.rfind("Parameters.FunctionName ", 0), 0u) << bad.cause;
}

TEST_F(LambdaTaskTest, LegacyFunctionArnTakesTheInputAndAnswersTheRawResult) {
  Answer([](const api::HttpRequest& request, api::Responder respond) {
    respond(Reply(200, "application/json", R"({"sum":3,"in":)" + request.body + "}"));
  });
  auto out = lambda_->Invoke(
      Lambda(Json(R"({"a":1,"b":2})"), "arn:aws:lambda:eu-west-1:123456789012:function:adder:3"));
  EXPECT_OK(out);
  EXPECT_EQ(out.result, Json(R"({"sum":3,"in":{"a":1,"b":2}})"));
  EXPECT_EQ(Resolved().back(), "adder");
  EXPECT_EQ(LastRequest().target, "/fn/adder");
}

TEST_F(LambdaTaskTest, WaitForTaskTokenStillInvokesTheFunction) {
  auto request = Lambda(Json(R"({"FunctionName":"notify","Payload":{"token":"t-1"}})"),
                        "arn:aws:states:::lambda:invoke.waitForTaskToken");
  request.task_token = "t-1";
  auto out = lambda_->Invoke(request);
  EXPECT_OK(out);
  EXPECT_EQ(LastRequest().body, R"({"token":"t-1"})");
}

TEST_F(LambdaTaskTest, EmptyBodyIsNullAndTextIsAString) {
  Answer([](const api::HttpRequest& request, api::Responder respond) {
    respond(request.target == "/fn/nothing" ? Reply(200, "", "")
                                            : Reply(200, "text/plain", "done"));
  });
  auto nothing = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"nothing"})")));
  EXPECT_OK(nothing);
  EXPECT_TRUE(nothing.result.at("Payload").is_null());
  auto text = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"text"})")));
  EXPECT_OK(text);
  EXPECT_EQ(text.result.at("Payload"), "done");
}

TEST_F(LambdaTaskTest, UnknownFunctionFailsWithResourceNotFound) {
  auto out = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"missing"})")));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "Lambda.ResourceNotFoundException");
  EXPECT_NE(out.cause.find("missing"), std::string::npos);

  HttpTaskDispatcher no_functions;
  auto legacy = no_functions.Invoke(
      Lambda(json::object(), "arn:aws:lambda:us-east-1:123456789012:function:any"));
  EXPECT_EQ(legacy.error, "Lambda.ResourceNotFoundException");
  EXPECT_TRUE(Requests().empty());
}

TEST_F(LambdaTaskTest, FunctionErrorsFailWithTheirErrorTypeAndBodyAsCause) {
  const std::string error_body = R"({"errorType":"ValueError","errorMessage":"bad input"})";
  Answer([&](const api::HttpRequest& request, api::Responder respond) {
    if (request.target == "/fn/raises") {
      auto r = Reply(200, "application/json", error_body);
      r.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
      respond(std::move(r));
    } else {
      respond(Reply(500, "text/plain", "crashed"));
    }
  });
  auto raised = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"raises"})")));
  ASSERT_FALSE(raised.ok);
  EXPECT_EQ(raised.error, "ValueError");
  EXPECT_EQ(raised.cause, error_body);

  auto legacy = lambda_->Invoke(
      Lambda(json::object(), "arn:aws:lambda:us-east-1:123456789012:function:raises"));
  EXPECT_EQ(legacy.error, "ValueError");

  auto crashed = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"crashes"})")));
  ASSERT_FALSE(crashed.ok);
  EXPECT_EQ(crashed.error, "Lambda.Unknown");
  EXPECT_EQ(crashed.cause, "crashed");
}

TEST_F(LambdaTaskTest, EventAnswers202AndDryRunCallsNothing) {
  Answer([](const api::HttpRequest&, api::Responder respond) {
    respond(Reply(500, "text/plain", "ignored for events"));
  });
  auto event = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"f","InvocationType":"Event"})")));
  EXPECT_OK(event);
  EXPECT_EQ(event.result.at("StatusCode"), 202);
  EXPECT_EQ(LastRequest().Header("X-Amz-Invocation-Type"), "Event");

  std::size_t before = Requests().size();
  auto dry = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"f","InvocationType":"DryRun"})")));
  EXPECT_OK(dry);
  EXPECT_EQ(dry.result.at("StatusCode"), 204);
  EXPECT_EQ(Requests().size(), before);

  auto bad = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"f","InvocationType":"Async"})")));
  EXPECT_EQ(bad.error, "States.Runtime");
  EXPECT_EQ(bad.cause.rfind("Parameters.InvocationType ", 0), 0u) << bad.cause;
}

TEST_F(LambdaTaskTest, ParameterMistakesNameTheField) {
  auto missing = lambda_->Invoke(Lambda(Json(R"({"Payload":{}})")));
  EXPECT_EQ(missing.error, "States.Runtime");
  EXPECT_EQ(missing.cause.rfind("Parameters.FunctionName ", 0), 0u) << missing.cause;
  auto unknown = lambda_->Invoke(Lambda(Json(R"({"FunctionName":"f","Input":{}})")));
  EXPECT_EQ(unknown.error, "States.Runtime");
  EXPECT_EQ(unknown.cause.rfind("Parameters.Input ", 0), 0u) << unknown.cause;
  EXPECT_TRUE(Requests().empty());
}

TEST_F(LambdaTaskTest, UnreachableEndpointFailsWithSdkClientException) {
  HttpTaskDispatcher dispatcher([](const std::string&) -> std::optional<FunctionEndpoint> {
    return FunctionEndpoint{"http://127.0.0.1:1/fn", {}};
  });
  auto out = dispatcher.Invoke(Lambda(Json(R"({"FunctionName":"f"})")));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "Lambda.SdkClientException");
}

TEST_F(LambdaTaskTest, SequentialInvocationsReuseOneConnection) {
  for (int i = 0; i < 5; ++i) EXPECT_OK(lambda_->Invoke(Lambda(Json(R"({"FunctionName":"f"})"))));
  EXPECT_EQ(lambda_->connections_opened(), 1u);
}

}  // namespace
}  // namespace tactus::tasks
