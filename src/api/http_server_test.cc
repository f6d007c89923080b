#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "api/http_test_client.h"

namespace tactus::api {
namespace {

using namespace std::chrono_literals;

// Echoes "<method> <target> <body>" and the X-Test header back.
void Echo(HttpRequest request, Responder respond) {
  HttpResponse response;
  response.content_type = "text/plain";
  response.body = request.method + " " + request.target + " " + request.body;
  response.headers.emplace_back("X-Echo", std::string(request.Header("x-test")));
  response.headers.emplace_back("X-Remote", request.remote_ip);
  response.headers.emplace_back("X-Version", std::to_string(request.version));
  respond(std::move(response));
}

std::unique_ptr<HttpServer> StartServer(Handler handler, HttpServerOptions options = {}) {
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return std::move(server).value();
}

// Responders parked by a handler, answered by the test.
class Parking {
 public:
  void Park(Responder responder) {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.push_back(std::move(responder));
    cv_.notify_all();
  }
  bool WaitFor(std::size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return parked_.size() >= count; });
  }
  std::vector<Responder> TakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(parked_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Responder> parked_;
};

HttpResponse Text(std::string body) {
  HttpResponse response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

TEST(HttpRequestTest, HeaderLookupIgnoresCaseAndReturnsFirst) {
  HttpRequest request;
  request.headers = {{"X-Amz-Target", "A"}, {"x-amz-target", "B"}, {"Content-Type", "c"}};
  EXPECT_EQ(request.Header("x-amz-TARGET"), "A");
  EXPECT_EQ(request.Header("content-type"), "c");
  EXPECT_EQ(request.Header("missing"), "");
  EXPECT_EQ(request.Header("content-typ"), "");
}

TEST(HttpServerTest, StartRejectsBadOptions) {
  HttpServerOptions options;
  options.port = 0;
  options.address = "not-an-ip";
  auto bad_address = HttpServer::Start(options, Echo);
  ASSERT_FALSE(bad_address.ok());
  EXPECT_NE(bad_address.status().message().find("HttpServerOptions.address"), std::string::npos);

  options.address = "127.0.0.1";
  options.worker_threads = 0;
  auto bad_workers = HttpServer::Start(options, Echo);
  ASSERT_FALSE(bad_workers.ok());
  EXPECT_NE(bad_workers.status().message().find("worker_threads"), std::string::npos);

  options.worker_threads = 1;
  options.port = 70000;
  EXPECT_FALSE(HttpServer::Start(options, Echo).ok());

  options.port = 0;
  EXPECT_FALSE(HttpServer::Start(options, Handler()).ok());
}

TEST(HttpServerTest, PortInUseIsAnIoError) {
  auto first = StartServer(Echo);
  HttpServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, Echo);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), common::StatusCode::kIoError);
}

TEST(HttpServerTest, KeepAliveServesManyRequestsInOrderOnOneConnection) {
  auto server = StartServer(Echo);
  TestHttpConnection client(server->port());
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 100; ++i) {
    const std::string body = "n" + std::to_string(i);
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/a?b=c", body, {"X-Test: t" + body})));
    auto response = client.Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST /a?b=c " + body);
    EXPECT_EQ(response->Header("X-Echo"), "t" + body);
    EXPECT_EQ(response->Header("X-Remote"), "127.0.0.1");
    EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  }
  // Pipelined requests are answered one at a time, in order.
  std::string three;
  for (int i = 0; i < 3; ++i) three += MakeRawRequest("PUT", "/p" + std::to_string(i), "");
  ASSERT_TRUE(client.Send(three));
  for (int i = 0; i < 3; ++i) {
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "PUT /p" + std::to_string(i) + " ");
  }
}

TEST(HttpServerTest, ChunkedBodyIsDechunked) {
  auto server = StartServer(Echo);
  TestHttpConnection client(server->port());
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "POST / abcde");
}

TEST(HttpServerTest, Http10WithoutKeepAliveClosesAfterTheResponse) {
  auto server = StartServer(Echo);
  TestHttpConnection client(server->port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.0\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("X-Version"), "10");
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerTest, TwoHundredConcurrentConnectionsWithFewThreads) {
  constexpr std::size_t kConnections = 200;
  Parking parking;
  HttpServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 2;
  auto server = StartServer(
      [&](HttpRequest request, Responder respond) { parking.Park(std::move(respond)); }, options);
  std::vector<std::unique_ptr<TestHttpConnection>> clients;
  for (std::size_t i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<TestHttpConnection>(server->port()));
    ASSERT_TRUE(clients.back()->ok()) << i;
    ASSERT_TRUE(clients.back()->Send(MakeRawRequest("POST", "/", "x")));
  }
  // Every request is in flight at once, though only two workers exist.
  ASSERT_TRUE(parking.WaitFor(kConnections));
  EXPECT_EQ(server->connection_count(), kConnections);
  std::thread answerer([&] {
    for (auto& respond : parking.TakeAll()) respond(Text("done"));
  });
  for (auto& client : clients) {
    auto response = client->Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "done");
  }
  answerer.join();
}

TEST(HttpServerTest, DeferredResponseDoesNotBlockOtherRequests) {
  Parking parking;
  HttpServerOptions options;
  options.worker_threads = 1;  // the parked request must not hold the only worker
  auto server = StartServer(
      [&](HttpRequest request, Responder respond) {
        if (request.target == "/slow") return parking.Park(std::move(respond));
        respond(Text("fast"));
      },
      options);
  TestHttpConnection slow(server->port());
  ASSERT_TRUE(slow.Send(MakeRawRequest("POST", "/slow", "")));
  ASSERT_TRUE(parking.WaitFor(1));
  std::atomic<bool> answered{false};
  std::thread later([&] {
    std::this_thread::sleep_for(300ms);
    answered = true;
    for (auto& respond : parking.TakeAll()) respond(Text("slow"));
  });
  TestHttpConnection fast(server->port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(fast.Send(MakeRawRequest("POST", "/fast", "")));
    auto response = fast.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "fast");
  }
  EXPECT_FALSE(answered.load());
  auto response = slow.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "slow");
  later.join();
  // The connection stays usable after a deferred response.
  ASSERT_TRUE(slow.Send(MakeRawRequest("POST", "/fast", "")));
  ASSERT_TRUE(slow.Read());
}

TEST(HttpServerTest, DroppedOrThrowingHandlerAnswers500) {
  auto server = StartServer([](HttpRequest request, Responder respond) {
    if (request.target == "/throw") throw std::runtime_error("boom");
  });
  TestHttpConnection client(server->port());
  for (const char* target : {"/drop", "/throw"}) {
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", target, "")));
    auto response = client.Read();
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 500);
    EXPECT_NE(response->body.find("\"__type\":\"InternalFailure\""), std::string::npos);
    EXPECT_EQ(response->Header("x-amzn-RequestId").size(), 36u);
  }
}

TEST(HttpServerTest, OnlyTheFirstAnswerCounts) {
  auto server = StartServer([](HttpRequest request, Responder respond) {
    Responder copy = respond;
    respond(Text("first"));
    copy(Text("second"));
  });
  TestHttpConnection client(server->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/", "")));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "first");
  }
}

TEST(HttpServerTest, BodyOverTheLimitGets413AndClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  auto server = StartServer(Echo, options);
  {
    TestHttpConnection client(server->port());
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/", std::string(1000, 'a'))));
    auto at_limit = client.Read();
    ASSERT_TRUE(at_limit);
    EXPECT_EQ(at_limit->status, 200);
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/", std::string(1001, 'a'))));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(response->Header("Content-Type"), "application/json");
    EXPECT_NE(response->body.find("RequestEntityTooLargeException"), std::string::npos);
    EXPECT_NE(response->body.find("1000 bytes"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    // Chunked: the limit applies to the de-chunked size.
    TestHttpConnection client(server->port());
    std::string chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) chunked += "190\r\n" + std::string(400, 'b') + "\r\n";
    chunked += "0\r\n\r\n";
    ASSERT_TRUE(client.Send(chunked));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
  }
}

TEST(HttpServerTest, ExpectContinue) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  auto server = StartServer(Echo, options);
  {
    TestHttpConnection client(server->port());
    std::string request = MakeRawRequest("POST", "/", "hello", {"Expect: 100-continue"});
    const std::string head = request.substr(0, request.size() - 5);
    ASSERT_TRUE(client.Send(head));
    auto interim = client.ReadHead();
    ASSERT_TRUE(interim);
    EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(client.Send("hello"));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST / hello");
  }
  {
    // Too large: the refusal comes instead of "100 Continue", before any body is sent.
    TestHttpConnection client(server->port());
    ASSERT_TRUE(client.Send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
  }
}

TEST(HttpServerTest, MalformedRequestGets400AndClose) {
  auto server = StartServer(Echo);
  for (const char* garbage :
       {"NOT HTTP AT ALL\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST / HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    TestHttpConnection client(server->port());
    ASSERT_TRUE(client.Send(garbage));
    auto response = client.Read();
    ASSERT_TRUE(response) << garbage;
    EXPECT_EQ(response->status, 400);
    EXPECT_NE(response->body.find("MalformedHttpRequestException"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
  }
}

TEST(HttpServerTest, OversizedHeaderGets431) {
  auto server = StartServer(Echo);
  TestHttpConnection client(server->port());
  const std::string big(kMaxHeaderBytes, 'h');
  ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/", "", {"X-Big: " + big})));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
}

TEST(HttpServerTest, IdleConnectionIsClosedAfterTheTimeout) {
  HttpServerOptions options;
  options.idle_timeout = 1s;
  auto server = StartServer(Echo, options);
  TestHttpConnection client(server->port());
  ASSERT_TRUE(client.Send(MakeRawRequest("GET", "/", "")));
  ASSERT_TRUE(client.Read());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitClosed(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(HttpServerTest, ClientGoneBeforeDeferredAnswerIsHarmless) {
  Parking parking;
  auto server = StartServer([&](HttpRequest request, Responder respond) {
    if (request.target == "/park") return parking.Park(std::move(respond));
    respond(Text("ok"));
  });
  {
    TestHttpConnection client(server->port());
    ASSERT_TRUE(client.Send(MakeRawRequest("POST", "/park", "")));
    ASSERT_TRUE(parking.WaitFor(1));
  }
  std::this_thread::sleep_for(50ms);
  for (auto& respond : parking.TakeAll()) respond(Text("too late"));
  TestHttpConnection other(server->port());
  ASSERT_TRUE(other.Send(MakeRawRequest("POST", "/", "")));
  auto response = other.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpServerTest, GracefulStopLetsInFlightRequestsAnswer) {
  Parking parking;
  auto server = StartServer([&](HttpRequest request, Responder respond) {
    if (request.target == "/park") return parking.Park(std::move(respond));
    respond(Text("ok"));
  });
  const int port = server->port();
  TestHttpConnection idle(port);
  ASSERT_TRUE(idle.Send(MakeRawRequest("GET", "/", "")));
  ASSERT_TRUE(idle.Read());
  TestHttpConnection busy(port);
  ASSERT_TRUE(busy.Send(MakeRawRequest("POST", "/park", "")));
  ASSERT_TRUE(parking.WaitFor(1));

  std::thread stopper([&] { server->Stop(10s); });
  EXPECT_TRUE(idle.WaitClosed());  // idle connections go at once
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(TestHttpConnection(port).ok());  // no longer accepting, though still answering
  const auto answered_at = std::chrono::steady_clock::now();
  for (auto& respond : parking.TakeAll()) respond(Text("finished"));
  auto response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->Header("Connection"), "close");
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - answered_at, 5s);
  server->Stop(1s);  // idempotent
}

TEST(HttpServerTest, StopClosesEverythingAfterTheGraceAndLateAnswersAreHarmless) {
  Parking parking;
  auto server = StartServer(
      [&](HttpRequest request, Responder respond) { parking.Park(std::move(respond)); });
  TestHttpConnection busy(server->port());
  ASSERT_TRUE(busy.Send(MakeRawRequest("POST", "/", "")));
  ASSERT_TRUE(parking.WaitFor(1));
  const auto start = std::chrono::steady_clock::now();
  server->Stop(300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(busy.WaitClosed());
  server.reset();
  // The server is gone; answering (or dropping) the Responder now does nothing.
  for (auto& respond : parking.TakeAll()) respond(Text("late"));
}

TEST(HttpServerTest, StopUnderLoadEndsEveryConnection) {
  auto server = StartServer(Echo);
  const int port = server->port();
  std::atomic<bool> done{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      while (!done) {
        TestHttpConnection client(port);
        if (!client.ok()) return;  // the server stopped accepting
        while (client.Send(MakeRawRequest("POST", "/", "x"))) {
          auto response = client.Read();
          if (!response) break;
          ++answered;
          // Every answer is complete; the last one on a connection may say "close".
          if (response->body != "POST / x") ADD_FAILURE() << response->body;
        }
      }
    });
  }
  while (answered < 200) std::this_thread::sleep_for(1ms);
  server->Stop(1s);
  done = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(server->connection_count(), 0u);
}

}  // namespace
}  // namespace tactus::api
