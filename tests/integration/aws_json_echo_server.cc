// A tiny AWS JSON 1.0 server for tests/integration/test_api_protocol.py: the real HttpServer and
// protocol code (src/api) with canned Step Functions answers, so real clients (boto3, awscli) can
// prove the framing before the real actions exist.
//
//   aws_json_echo_server [max_body_bytes]
// Prints the port it listens on (127.0.0.1, any free port) on stdout, then serves until SIGINT or
// SIGTERM.
//
// Answers:
//   every request without "Authorization: AWS4-HMAC-SHA256 ..." -> 403 MissingAuthenticationToken
//   ListStateMachines      {"stateMachines": []}
//   DescribeStateMachine   validates stateMachineArn (ValidationException / InvalidArn), then
//                          StateMachineDoesNotExist
//   StartSyncExecution     SUCCEEDED; its output is {"host": <the Host header received>}
//   anything else          UnknownOperationException
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "api/aws_json.h"
#include "api/http_server.h"
#include "api/params.h"
#include "common/json.h"

namespace {

using namespace tactus;
using api::ApiError;
using api::HttpRequest;
using api::HttpResponse;

api::ApiResult<boost::json::object> Answer(const HttpRequest& http,
                                           const api::AwsJsonRequest& request) {
  if (request.action == "ListStateMachines") {
    boost::json::object out;
    out["stateMachines"] = boost::json::array();
    return out;
  }
  if (request.action == "DescribeStateMachine") {
    auto arn =
        api::RequireArn(request.params, "stateMachineArn", common::ArnResourceType::kStateMachine);
    if (!arn.ok()) return std::move(arn).error();
    return api::MakeApiError(api::error_code::kStateMachineDoesNotExist,
                             "State Machine Does Not Exist: '" + common::FormatArn(*arn) + "'");
  }
  if (request.action == "StartSyncExecution") {
    auto arn =
        api::RequireArn(request.params, "stateMachineArn", common::ArnResourceType::kStateMachine);
    if (!arn.ok()) return std::move(arn).error();
    boost::json::object output;
    output["host"] = http.Header("Host");
    boost::json::object out;
    out["executionArn"] = common::FormatExpressExecutionArn(
        common::ArnContext(), arn->name, "sync-run", "00000000-0000-4000-8000-000000000000");
    out["stateMachineArn"] = common::FormatArn(*arn);
    out["startDate"] = 1700000000.0;
    out["stopDate"] = 1700000001.5;
    out["status"] = "SUCCEEDED";
    out["output"] = common::SerializeJson(output);
    return out;
  }
  return api::UnknownOperation(request.action);
}

void Handle(HttpRequest http, api::Responder respond) {
  const std::string request_id = api::NewRequestId();
  if (http.Header("Authorization").rfind("AWS4-HMAC-SHA256 ", 0) != 0) {
    return respond(api::AwsJsonError(
        api::MakeApiError(api::error_code::kMissingAuthenticationToken,
                          "Missing Authentication Token: sign requests with AWS Signature V4."),
        request_id));
  }
  auto request = api::ParseAwsJsonRequest(http);
  if (!request.ok()) return respond(api::AwsJsonError(request.error(), request_id));
  auto answer = Answer(http, *request);
  if (!answer.ok()) return respond(api::AwsJsonError(answer.error(), request_id));
  respond(api::AwsJsonSuccess(*answer, request_id));
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  api::HttpServerOptions options;
  options.port = 0;
  options.worker_threads = 4;
  if (argc > 1) options.max_body_bytes = std::strtoull(argv[1], nullptr, 10);
  auto server = api::HttpServer::Start(options, Handle);
  if (!server.ok()) {
    std::cerr << server.status().ToString() << "\n";
    return 1;
  }
  std::cout << (*server)->port() << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*server)->Stop(std::chrono::seconds(2));
  return 0;
}
