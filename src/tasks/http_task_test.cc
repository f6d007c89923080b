#include "tasks/http_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tasks/http_task_test_fixture.h"

namespace tactus::tasks {
namespace {

using namespace http_testing;

TEST(IsHttpResourceTest, RecognizesWhatTheDispatcherPerforms) {
  EXPECT_TRUE(IsHttpResource("arn:aws:states:::http:invoke"));
  EXPECT_TRUE(IsHttpResource("arn:aws-cn:states:::http:invoke"));
  EXPECT_TRUE(IsHttpResource("arn:aws:states:::lambda:invoke"));
  EXPECT_TRUE(IsHttpResource("arn:aws:states:::lambda:invoke.waitForTaskToken"));
  EXPECT_TRUE(IsHttpResource("arn:aws:lambda:us-east-1:123456789012:function:f"));
  EXPECT_TRUE(IsHttpResource("arn:aws:lambda:us-east-1:123456789012:function:f:prod"));
  EXPECT_FALSE(IsHttpResource("arn:aws:states:::http:invoke.waitForTaskToken"));
  EXPECT_FALSE(IsHttpResource("arn:aws:states:::lambda:invoke.sync"));
  EXPECT_FALSE(IsHttpResource("arn:aws:lambda:us-east-1:123456789012:function:"));
  EXPECT_FALSE(IsHttpResource("arn:aws:lambda:us-east-1:123456789012:function:f:1:2"));
  EXPECT_FALSE(IsHttpResource("arn:aws:states:us-east-1:123456789012:activity:a"));
  EXPECT_FALSE(IsHttpResource("arn:tactus:states:::mongodb:find"));
  EXPECT_FALSE(IsHttpResource("http:invoke"));
}

TEST(HttpTaskDispatcherTest, ItsResourcesAreBlocking) {
  HttpTaskDispatcher dispatcher;
  EXPECT_TRUE(dispatcher.Blocking("arn:aws:states:::http:invoke"));
  EXPECT_TRUE(dispatcher.Blocking("arn:aws:lambda:us-east-1:123456789012:function:f"));
  EXPECT_FALSE(dispatcher.Blocking("arn:aws:states:::sqs:sendMessage"));
}

TEST(HttpTaskDispatcherTest, OtherResourcesFailWithStatesRuntime) {
  HttpTaskDispatcher dispatcher;
  TaskRequest r;
  r.state_name = "S";
  r.resource = "arn:aws:states:::sqs:sendMessage";
  auto out = dispatcher.Invoke(r);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Runtime");
  EXPECT_NE(out.cause.find("arn:aws:states:::sqs:sendMessage"), std::string::npos) << out.cause;
}

TEST_F(HttpTaskTest, GetReturnsHeadersBodyStatusCodeAndStatusText) {
  Answer([](const api::HttpRequest&, api::Responder respond) {
    auto r = Reply(200, "application/json; charset=utf-8", R"({"items":[1,2]})");
    r.headers.emplace_back("X-Reply", "r1");
    respond(std::move(r));
  });
  auto out = dispatcher_.Invoke(
      Http(Json(R"({"ApiEndpoint":")" + Url("/items") +
                R"(","Method":"GET","Headers":{"X-Api-Key":"k1","X-Count":3}})")));
  EXPECT_OK(out);
  const json::object& result = out.result.as_object();
  EXPECT_EQ(result.at("StatusCode"), 200);
  EXPECT_EQ(result.at("StatusText"), "OK");
  EXPECT_EQ(result.at("ResponseBody"), Json(R"({"items":[1,2]})"));
  EXPECT_EQ(result.at("Headers").at("x-reply"), Json(R"(["r1"])"));
  EXPECT_EQ(result.at("Headers").at("content-type"),
            Json(R"(["application/json; charset=utf-8"])"));

  auto request = LastRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/items");
  EXPECT_EQ(request.Header("X-Api-Key"), "k1");
  EXPECT_EQ(request.Header("X-Count"), "3");
  EXPECT_EQ(request.Header("User-Agent"), "Tactus-HttpInvoke");
  EXPECT_EQ(request.body, "");
}

TEST_F(HttpTaskTest, QueryParametersFollowTheArrayFormat) {
  struct Case {
    std::string format;
    std::string target;
  } cases[] = {
      {"", "/s?page=2&q=a%20b&tags%5B0%5D=x&tags%5B1%5D=y"},
      {"INDICES", "/s?page=2&q=a%20b&tags%5B0%5D=x&tags%5B1%5D=y"},
      {"REPEAT", "/s?page=2&q=a%20b&tags=x&tags=y"},
      {"COMMAS", "/s?page=2&q=a%20b&tags=x,y"},
      {"BRACKETS", "/s?page=2&q=a%20b&tags%5B%5D=x&tags%5B%5D=y"},
  };
  for (const auto& c : cases) {
    json::object p{{"ApiEndpoint", Url("/s?page=2")},
                   {"Method", "GET"},
                   {"QueryParameters", Json(R"({"q":"a b","tags":["x","y"]})")}};
    if (!c.format.empty()) {
      p["Transform"] =
          json::object{{"RequestEncodingOptions", json::object{{"ArrayFormat", c.format}}}};
    }
    auto out = dispatcher_.Invoke(Http(p));
    EXPECT_OK(out);
    EXPECT_EQ(LastRequest().target, c.target) << c.format;
  }
}

TEST_F(HttpTaskTest, PostSendsTheRequestBodyAsJson) {
  Answer([](const api::HttpRequest& request, api::Responder respond) {
    respond(Reply(201, "application/json", request.body));
  });
  auto out =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/orders")},
                                           {"Method", "POST"},
                                           {"RequestBody", Json(R"({"id":7,"tags":["a"]})")}}));
  EXPECT_OK(out);
  EXPECT_EQ(out.result.at("StatusCode"), 201);
  EXPECT_EQ(out.result.at("StatusText"), "Created");
  EXPECT_EQ(out.result.at("ResponseBody"), Json(R"({"id":7,"tags":["a"]})"));
  auto request = LastRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, R"({"id":7,"tags":["a"]})");
  EXPECT_EQ(request.Header("Content-Type"), "application/json; charset=UTF-8");
}

TEST_F(HttpTaskTest, StringBodyIsSentAsIsWithTheGivenContentType) {
  auto out =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/x")},
                                           {"Method", "PUT"},
                                           {"Headers", json::object{{"Content-Type", "text/csv"}}},
                                           {"RequestBody", "a,b\n1,2"}}));
  EXPECT_OK(out);
  auto request = LastRequest();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.body, "a,b\n1,2");
  EXPECT_EQ(request.Header("Content-Type"), "text/csv");
}

TEST_F(HttpTaskTest, UrlEncodedTransformEncodesTheBody) {
  auto out = dispatcher_.Invoke(Http(Json(R"({"ApiEndpoint":")" + Url("/form") + R"(",
      "Method":"POST",
      "RequestBody":{"name":"Ann Lee","roles":["a","b"],"address":{"city":"Oslo"}},
      "Transform":{"RequestBodyEncoding":"URL_ENCODED",
                   "RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}})")));
  EXPECT_OK(out);
  auto request = LastRequest();
  EXPECT_EQ(request.body, "name=Ann%20Lee&roles%5B%5D=a&roles%5B%5D=b&address%5Bcity%5D=Oslo");
  EXPECT_EQ(request.Header("Content-Type"), "application/x-www-form-urlencoded");
}

TEST_F(HttpTaskTest, NonJsonResponseBodyIsAString) {
  Answer([](const api::HttpRequest&, api::Responder respond) {
    respond(Reply(200, "text/html", "<p>{\"not\": \"parsed\"}</p>"));
  });
  auto out = dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/")}, {"Method", "GET"}}));
  EXPECT_OK(out);
  EXPECT_EQ(out.result.at("ResponseBody"), "<p>{\"not\": \"parsed\"}</p>");
}

TEST_F(HttpTaskTest, HeadAndDeleteWork) {
  auto head =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/h")}, {"Method", "HEAD"}}));
  EXPECT_OK(head);
  EXPECT_EQ(LastRequest().method, "HEAD");
  EXPECT_EQ(head.result.at("ResponseBody"), "");
  auto del =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/d/1")}, {"Method", "DELETE"}}));
  EXPECT_OK(del);
  EXPECT_EQ(LastRequest().method, "DELETE");
  EXPECT_EQ(LastRequest().target, "/d/1");
}

TEST_F(HttpTaskTest, Non2xxFailsWithStatusCodeErrorAndTheResponseAsCause) {
  Answer([](const api::HttpRequest&, api::Responder respond) {
    respond(Reply(404, "application/json", R"({"message":"no such order"})"));
  });
  auto out =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/orders/9")}, {"Method", "GET"}}));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Http.StatusCode.404");
  auto cause = json::parse(out.cause);
  EXPECT_EQ(cause.at("StatusCode"), 404);
  EXPECT_EQ(cause.at("StatusText"), "Not Found");
  EXPECT_EQ(cause.at("ResponseBody"), Json(R"({"message":"no such order"})"));
  EXPECT_TRUE(cause.at("Headers").is_object());
}

TEST_F(HttpTaskTest, RedirectsAreNotFollowed) {
  Answer([this](const api::HttpRequest& request, api::Responder respond) {
    auto r = Reply(302, "", "");
    r.headers.emplace_back("Location", Url("/elsewhere"));
    respond(std::move(r));
  });
  auto out =
      dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/old")}, {"Method", "GET"}}));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Http.StatusCode.302");
  EXPECT_EQ(Requests().size(), 1u);
}

TEST_F(HttpTaskTest, NoAnswerWithinTheTimeoutFailsWithSocketError) {
  Answer([this](const api::HttpRequest&, api::Responder respond) { Park(std::move(respond)); });
  auto request = Http(json::object{{"ApiEndpoint", Url("/slow")}, {"Method", "GET"}});
  request.timeout_seconds = 1;
  auto start = std::chrono::steady_clock::now();
  auto out = dispatcher_.Invoke(request);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Http.Socket");
  EXPECT_NE(out.cause.find("within 1 s"), std::string::npos) << out.cause;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(HttpTaskTest, ConnectionRefusedFailsWithSocketError) {
  int port;
  {
    api::HttpServerOptions options;
    options.port = 0;
    auto closed = api::HttpServer::Start(options, [](api::HttpRequest, api::Responder) {});
    ASSERT_TRUE(closed.ok());
    port = (*closed)->port();
    (*closed)->Stop(0ms);
  }
  auto out = dispatcher_.Invoke(
      Http(json::object{{"ApiEndpoint", "http://127.0.0.1:" + std::to_string(port) + "/x?secret=1"},
                        {"Method", "GET"}}));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.Http.Socket");
  EXPECT_NE(out.cause.find("could not connect"), std::string::npos) << out.cause;
  EXPECT_EQ(out.cause.find("secret"), std::string::npos) << "the query stays out of messages";
}

TEST_F(HttpTaskTest, ResponsesUpToTheLimitPassAndLargerOnesFail) {
  std::atomic<std::size_t> size{kMaxHttpResponseBytes};
  Answer([&size](const api::HttpRequest&, api::Responder respond) {
    respond(Reply(200, "text/plain", std::string(size.load(), 'x')));
  });
  auto call = Http(json::object{{"ApiEndpoint", Url("/big")}, {"Method", "GET"}});
  auto fits = dispatcher_.Invoke(call);
  EXPECT_OK(fits);
  EXPECT_EQ(fits.result.at("ResponseBody").as_string().size(), kMaxHttpResponseBytes);

  size = kMaxHttpResponseBytes + 1;
  auto out = dispatcher_.Invoke(call);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, "States.DataLimitExceeded");
  EXPECT_NE(out.cause.find("262144"), std::string::npos) << out.cause;
}

TEST_F(HttpTaskTest, ParameterMistakesFailWithStatesRuntimeNamingTheField) {
  std::string url = Url("/x");
  struct Case {
    json::value parameters;
    std::string field;
  } cases[] = {
      {Json(R"({"Method":"GET"})"), "Parameters.ApiEndpoint"},
      {json::object{{"ApiEndpoint", url}}, "Parameters.Method"},
      {json::object{{"ApiEndpoint", url}, {"Method", "get"}}, "Parameters.Method"},
      {json::object{{"ApiEndpoint", url}, {"Method", "TRACE"}}, "Parameters.Method"},
      {Json(R"({"ApiEndpoint":42,"Method":"GET"})"), "Parameters.ApiEndpoint"},
      {Json(R"({"ApiEndpoint":"ftp://example.com/f","Method":"GET"})"), "Parameters.ApiEndpoint"},
      {Json(R"({"ApiEndpoint":"/relative/path","Method":"GET"})"), "Parameters.ApiEndpoint"},
      {Json(R"({"ApiEndpoint":"http://exa mple.com/","Method":"GET"})"), "Parameters.ApiEndpoint"},
      {json::object{{"ApiEndpoint", url}, {"Method", "GET"}, {"Body", "x"}}, "Parameters.Body"},
      {json::object{{"ApiEndpoint", url}, {"Method", "GET"}, {"Headers", "x"}},
       "Parameters.Headers"},
      {json::object{
           {"ApiEndpoint", url}, {"Method", "GET"}, {"Headers", Json(R"({"Host":"evil"})")}},
       "Parameters.Headers.Host"},
      {json::object{{"ApiEndpoint", url},
                    {"Method", "GET"},
                    {"Headers", json::object{{"X-A", "v\r\nX-Injected: 1"}}}},
       "Parameters.Headers.X-A"},
      {json::object{{"ApiEndpoint", url}, {"Method", "GET"}, {"Headers", Json(R"({"X-A":["a"]})")}},
       "Parameters.Headers.X-A"},
      {json::object{{"ApiEndpoint", url}, {"Method", "GET"}, {"QueryParameters", "a=b"}},
       "Parameters.QueryParameters"},
      {json::object{{"ApiEndpoint", url},
                    {"Method", "POST"},
                    {"Transform", Json(R"({"RequestBodyEncoding":"GZIP"})")}},
       "Parameters.Transform.RequestBodyEncoding"},
      {json::object{{"ApiEndpoint", url},
                    {"Method", "POST"},
                    {"Transform", Json(R"({"RequestEncodingOptions":{"ArrayFormat":"JSON"}})")}},
       "Parameters.Transform.RequestEncodingOptions.ArrayFormat"},
      {json::object{{"ApiEndpoint", url},
                    {"Method", "POST"},
                    {"RequestBody", "a=b"},
                    {"Transform", Json(R"({"RequestBodyEncoding":"URL_ENCODED"})")}},
       "Parameters.RequestBody"},
      {json::object{{"ApiEndpoint", url},
                    {"Method", "GET"},
                    {"Authentication", Json(R"({"ConnectionArn":1})")}},
       "Parameters.Authentication.ConnectionArn"},
  };
  for (const auto& c : cases) {
    auto out = dispatcher_.Invoke(Http(c.parameters));
    EXPECT_FALSE(out.ok) << c.parameters;
    EXPECT_EQ(out.error, "States.Runtime") << c.parameters;
    EXPECT_EQ(out.cause.rfind(c.field + " ", 0), 0u) << "cause: " << out.cause;
  }
  auto not_object = dispatcher_.Invoke(Http(nullptr));
  EXPECT_EQ(not_object.error, "States.Runtime");
  EXPECT_TRUE(Requests().empty());
}

TEST_F(HttpTaskTest, AuthenticationConnectionArnIsAccepted) {
  auto out = dispatcher_.Invoke(Http(json::object{
      {"ApiEndpoint", Url("/a")},
      {"Method", "GET"},
      {"Authentication",
       json::object{{"ConnectionArn", "arn:aws:events:us-east-1:123456789012:connection/c/1"}}}}));
  EXPECT_OK(out);
}

TEST_F(HttpTaskTest, SequentialCallsOnOneThreadReuseOneConnection) {
  for (int i = 0; i < 5; ++i) {
    auto out =
        dispatcher_.Invoke(Http(json::object{{"ApiEndpoint", Url("/n")}, {"Method", "GET"}}));
    EXPECT_OK(out);
  }
  EXPECT_EQ(Requests().size(), 5u);
  EXPECT_EQ(dispatcher_.connections_opened(), 1u);
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(HttpTaskTest, ParallelCallsFromManyThreadsAllSucceed) {
  Answer([](const api::HttpRequest& request, api::Responder respond) {
    respond(Reply(200, "application/json", request.body));
  });
  constexpr int kThreads = 4;
  constexpr int kCalls = 10;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto out = dispatcher_.Invoke(
            Http(json::object{{"ApiEndpoint", Url("/p")},
                              {"Method", "POST"},
                              {"RequestBody", json::object{{"t", t}, {"i", i}}}}));
        if (out.ok &&
            out.result.at("ResponseBody") == json::value(json::object{{"t", t}, {"i", i}})) {
          ++succeeded;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), kThreads * kCalls);
  EXPECT_LE(dispatcher_.connections_opened(), static_cast<std::size_t>(kThreads));
}

}  // namespace
}  // namespace tactus::tasks
