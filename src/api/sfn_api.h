// The AWS Step Functions API of `tactus serve` (docs/api.md): every action of the JSON 1.0
// protocol, answered from MongoDB through the durable runner, plus /healthz and /readyz.
//
// Thread-safe: Handle may be called concurrently from the HTTP server's workers.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/http_server.h"
#include "common/arn.h"
#include "common/clock.h"
#include "mongo/mongo.h"
#include "runtime/durable_runner.h"

namespace tactus::api {

namespace json = boost::json;

// The longest GetActivityTask waits for a task before answering with none (AWS: 60 s).
inline constexpr int kActivityPollSeconds = 60;
// Execution input, task output and definitions: AWS's limits.
inline constexpr std::size_t kMaxInputBytes = 256 * 1024;
inline constexpr std::size_t kMaxDefinitionBytes = 1024 * 1024;
// Page sizes of the List* actions and GetExecutionHistory.
inline constexpr std::int64_t kMaxPageSize = 1000;
inline constexpr std::int64_t kDefaultPageSize = 100;
inline constexpr std::size_t kMaxTags = 50;

struct SfnOptions {
  common::ArnContext arns;
  std::string database = "tactus";
  int activity_poll_seconds = kActivityPollSeconds;
};

class StepFunctionsApi {
 public:
  // Everything passed in must outlive the API object.
  StepFunctionsApi(mongo::Pool& pool, runtime::DurableRunner& runner,
                   runtime::DispatcherFor dispatchers, const common::Clock& clock,
                   SfnOptions options);
  ~StepFunctionsApi();

  // The HTTP handler: health endpoints, then AWS JSON 1.0 actions.
  void Handle(HttpRequest request, Responder respond);
  // Marks the server as draining: /readyz answers 503, and workers waiting in GetActivityTask
  // get their (empty) answer at once, so a graceful stop need not wait for their polls.
  void SetDraining();

  // One action, for callers that are not HTTP (the CLI). `respond` gets the body or an error;
  // it may run later on another thread (GetActivityTask).
  using ActionCallback = std::function<void(ApiResult<json::object>)>;
  void Call(const std::string& action, const json::object& params, ActionCallback respond);

  // The name of every action Call answers.
  static std::vector<std::string> ActionNames();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> draining_{false};
};

}  // namespace tactus::api
