#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "api/http_server.h"
#include "common/json.h"

namespace tactus::cli {
namespace {

TEST(ErrorFromResponse, CodeIsTheTypeAfterTheHash) {
  auto e = ErrorFromResponse(
      400, R"({"__type":"com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist",)"
           R"("message":"State Machine Does Not Exist: 'x'"})");
  EXPECT_EQ(e.code, "StateMachineDoesNotExist");
  EXPECT_EQ(e.message, "State Machine Does Not Exist: 'x'");
  EXPECT_EQ(e.http_status, 400);
}

TEST(ErrorFromResponse, StripsWhatFollowsAColonAndReadsCapitalMessage) {
  auto e = ErrorFromResponse(400, R"({"__type":"ValidationException:http://x","Message":"m"})");
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message, "m");
}

TEST(ErrorFromResponse, BodyThatIsNotAnErrorGivesHttpError) {
  auto e = ErrorFromResponse(502, "Bad Gateway");
  EXPECT_EQ(e.code, "HttpError");
  EXPECT_EQ(e.message, "HTTP 502: Bad Gateway");
  EXPECT_EQ(ErrorFromResponse(500, "").message, "HTTP 500");
}

TEST(ApiClient, UnreachableServerIsAnEndpointConnectionError) {
  // Port 1 (tcpmux) is not served on test machines: the connection is refused.
  ApiClient client("http://127.0.0.1:1");
  auto r = client.Call("ListStateMachines", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kEndpointConnectionError);
  EXPECT_EQ(r.error().http_status, 0);
  EXPECT_NE(r.error().message.find("http://127.0.0.1:1"), std::string::npos) << r.error().message;
}

TEST(ApiClient, RestSendsMethodPathAndBodyAndReadsTheAnswer) {
  // Echoes the request as JSON; /missing answers a REST error, /empty an empty body.
  auto server = api::HttpServer::Start(
      api::HttpServerOptions{.port = 0, .io_threads = 1, .worker_threads = 1},
      [](api::HttpRequest r, api::Responder respond) {
        api::HttpResponse response;
        if (r.target == "/missing") {
          response.status = 404;
          response.headers = {{"x-amzn-ErrorType", "ResourceNotFoundException"}};
          response.body = R"({"__type":"ResourceNotFoundException","Message":"no such thing"})";
        } else if (r.target != "/empty") {
          response.body =
              common::SerializeJson(json::object{{"method", r.method},
                                                 {"target", r.target},
                                                 {"body", r.body},
                                                 {"type", std::string(r.Header("Content-Type"))}});
        }
        respond(std::move(response));
      });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ApiClient client("http://127.0.0.1:" + std::to_string((*server)->port()) + "/");
  json::object body{{"a", 1}};
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    auto r = client.Rest(method, "/v1/x/n?q=" + client.Escape("a b&c"), &body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->at("method").as_string(), method);
    EXPECT_EQ(r->at("target").as_string(), "/v1/x/n?q=a%20b%26c");
    EXPECT_EQ(r->at("body").as_string(), R"({"a":1})");
    EXPECT_EQ(r->at("type").as_string(), "application/json");
  }
  auto get = client.Rest("GET", "/v1/x");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->at("method").as_string(), "GET");
  EXPECT_EQ(get->at("body").as_string(), "");
  auto empty = client.Rest("DELETE", "/empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto missing = client.Rest("GET", "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "no such thing");
  EXPECT_EQ(missing.error().http_status, 404);
}

TEST(ApiClient, RestToAnUnreachableServerIsAnEndpointConnectionError) {
  ApiClient client("http://127.0.0.1:1");
  auto r = client.Rest("GET", "/schedules");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kEndpointConnectionError);
}

}  // namespace
}  // namespace tactus::cli
