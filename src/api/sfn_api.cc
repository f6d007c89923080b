// The Step Functions API: routing of actions and health endpoints.
#include "api/sfn_api.h"

#include <unordered_map>

#include "api/aws_json.h"
#include "api/sfn_internal.h"

namespace tactus::api {

namespace {
// Threads running asynchronous EXPRESS executions.
constexpr int kExpressThreads = 4;
}  // namespace

StepFunctionsApi::StepFunctionsApi(mongo::Pool& pool, runtime::DurableRunner& runner,
                                   runtime::DispatcherFor dispatchers, const common::Clock& clock,
                                   SfnOptions options)
    : impl_(std::make_unique<Impl>(pool, runner, std::move(dispatchers), clock,
                                   std::move(options))) {
  Impl& x = *impl_;
  x.poll_thread = std::thread([&x] { x.PollLoop(); });
  for (int i = 0; i < kExpressThreads; ++i) {
    x.express_threads.emplace_back([&x] {
      std::unique_lock lock(x.express_mu);
      while (true) {
        x.express_cv.wait(lock, [&] { return x.express_stop || !x.express_queue.empty(); });
        if (x.express_queue.empty()) return;
        auto job = std::move(x.express_queue.front());
        x.express_queue.pop_front();
        lock.unlock();
        job();
        lock.lock();
      }
    });
  }
}

StepFunctionsApi::~StepFunctionsApi() = default;

void StepFunctionsApi::SetDraining() {
  draining_ = true;
  impl_->StopPolls();
}

void StepFunctionsApi::Impl::StopPolls() {
  {
    std::lock_guard lock(polls_mu);
    polls_stop = true;
  }
  polls_cv.notify_all();
  if (poll_thread.joinable()) poll_thread.join();
}

StepFunctionsApi::Impl::~Impl() {
  StopPolls();
  {
    std::lock_guard lock(express_mu);
    express_stop = true;
  }
  express_cv.notify_all();
  for (auto& t : express_threads) t.join();
}

void StepFunctionsApi::Impl::RunExpressAsync(std::function<void()> job) {
  {
    std::lock_guard lock(express_mu);
    express_queue.push_back(std::move(job));
  }
  express_cv.notify_one();
}

namespace {
using Action = Reply (StepFunctionsApi::Impl::*)(const Params&);
using Impl = StepFunctionsApi::Impl;

// Every action but GetActivityTask (which answers asynchronously).
const std::unordered_map<std::string, Action>& ActionTable() {
  static const std::unordered_map<std::string, Action> kActions = {
      {"CreateStateMachine", &Impl::CreateStateMachine},
      {"DescribeStateMachine", &Impl::DescribeStateMachine},
      {"UpdateStateMachine", &Impl::UpdateStateMachine},
      {"DeleteStateMachine", &Impl::DeleteStateMachine},
      {"ListStateMachines", &Impl::ListStateMachines},
      {"ValidateStateMachineDefinition", &Impl::ValidateStateMachineDefinition},
      {"DescribeStateMachineForExecution", &Impl::DescribeStateMachineForExecution},
      {"TagResource", &Impl::TagResource},
      {"UntagResource", &Impl::UntagResource},
      {"ListTagsForResource", &Impl::ListTagsForResource},
      {"StartExecution", &Impl::StartExecution},
      {"StartSyncExecution", &Impl::StartSyncExecution},
      {"StopExecution", &Impl::StopExecution},
      {"DescribeExecution", &Impl::DescribeExecution},
      {"ListExecutions", &Impl::ListExecutions},
      {"GetExecutionHistory", &Impl::GetExecutionHistory},
      {"CreateActivity", &Impl::CreateActivity},
      {"DescribeActivity", &Impl::DescribeActivity},
      {"ListActivities", &Impl::ListActivities},
      {"DeleteActivity", &Impl::DeleteActivity},
      {"SendTaskSuccess", &Impl::SendTaskSuccess},
      {"SendTaskFailure", &Impl::SendTaskFailure},
      {"SendTaskHeartbeat", &Impl::SendTaskHeartbeat},
  };
  return kActions;
}
}  // namespace

std::vector<std::string> StepFunctionsApi::ActionNames() {
  std::vector<std::string> names{"GetActivityTask"};
  for (const auto& [name, action] : ActionTable()) names.push_back(name);
  return names;
}

void StepFunctionsApi::Call(const std::string& action, const json::object& params,
                            ActionCallback respond) {
  if (action == "GetActivityTask") return impl_->GetActivityTask(params, std::move(respond));
  auto it = ActionTable().find(action);
  if (it == ActionTable().end()) return respond(UnknownOperation(action));
  respond(((*impl_).*(it->second))(params));
}

void StepFunctionsApi::Handle(HttpRequest request, Responder respond) {
  if (request.method == "GET" && (request.target == "/healthz" || request.target == "/readyz")) {
    bool ready = request.target == "/healthz" || !draining_;
    HttpResponse r;
    r.status = ready ? 200 : 503;
    r.body = ready ? R"({"status":"ok"})" : R"({"status":"draining"})";
    return respond(std::move(r));
  }
  std::string request_id = NewRequestId();
  auto parsed = ParseAwsJsonRequest(request);
  if (!parsed.ok()) return respond(AwsJsonError(parsed.error(), request_id));
  Call(parsed->action, parsed->params,
       [respond = std::move(respond), request_id](ApiResult<json::object> result) {
         if (result.ok()) {
           respond(AwsJsonSuccess(*result, request_id));
         } else {
           respond(AwsJsonError(result.error(), request_id));
         }
       });
}

}  // namespace tactus::api
