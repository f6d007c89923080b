// The fixture of the HTTP and Lambda task tests: a real HTTP server on 127.0.0.1 (port 0) whose
// answers each test chooses, and that records the requests it gets.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "tasks/http_task.h"

namespace tactus::tasks::http_testing {

using namespace std::chrono_literals;

inline json::value Json(std::string_view text) { return json::parse(text); }

inline api::HttpResponse Reply(int status, std::string content_type, std::string body) {
  api::HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

class HttpTaskTest : public ::testing::Test {
 protected:
  using AnswerFn = std::function<void(const api::HttpRequest&, api::Responder)>;

  void SetUp() override {
    api::HttpServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.worker_threads = 8;
    auto server =
        api::HttpServer::Start(options, [this](api::HttpRequest request, api::Responder respond) {
          AnswerFn answer;
          {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(request);
            answer = answer_;
          }
          if (answer) {
            answer(request, std::move(respond));
          } else {
            respond(Reply(200, "application/json", R"({"ok":true})"));
          }
        });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  void TearDown() override {
    ReleaseParked();
    server_->Stop(200ms);
  }

  void Answer(AnswerFn answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }

  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::vector<api::HttpRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  api::HttpRequest LastRequest() {
    auto all = Requests();
    EXPECT_FALSE(all.empty());
    return all.empty() ? api::HttpRequest{} : all.back();
  }

  // Answers nothing: keeps the responder until the test ends.
  void Park(api::Responder respond) {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.push_back(std::move(respond));
  }

  void ReleaseParked() {
    std::vector<api::Responder> parked;
    {
      std::lock_guard<std::mutex> lock(mu_);
      parked.swap(parked_);
    }
    for (auto& respond : parked) respond(Reply(200, "text/plain", "late"));
  }

  static TaskRequest Http(json::value parameters) {
    TaskRequest r;
    r.state_name = "Call";
    r.resource = std::string(kHttpInvokeResource);
    r.parameters = std::move(parameters);
    return r;
  }

  std::unique_ptr<api::HttpServer> server_;
  std::mutex mu_;
  AnswerFn answer_;
  std::vector<api::HttpRequest> requests_;
  std::vector<api::Responder> parked_;
  HttpTaskDispatcher dispatcher_;
};

#define EXPECT_OK(outcome) EXPECT_TRUE((outcome).ok) << (outcome).error << ": " << (outcome).cause

}  // namespace tactus::tasks::http_testing
