// `tactus tasks success|failure|heartbeat|approve|reject TOKEN`: answering the task tokens of
// activities and `.waitForTaskToken` tasks on a running `tactus serve` (docs/api.md, "CLI").
// approve and reject are success and failure with the defaults of a human approval step.
#include <iostream>

#include "cli/commands.h"
#include "cli/remote.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string token, output, error, cause;
  std::string approval = R"({"approved": true})", rejection = "Rejected";
};

void PrintNothing(const json::object&) {}

int Success(const Args& a) {
  std::string output;
  if (!ReadArgumentOrFile(a.output, &output)) return 2;
  return CallAndPrint(a.remote, "SendTaskSuccess", {{"taskToken", a.token}, {"output", output}},
                      &PrintNothing);
}

int Failure(const Args& a) {
  json::object params{{"taskToken", a.token}};
  if (!a.error.empty()) params["error"] = a.error;
  if (!a.cause.empty()) params["cause"] = a.cause;
  return CallAndPrint(a.remote, "SendTaskFailure", params, &PrintNothing);
}

int Approve(const Args& a) {
  Args success = a;
  success.output = a.approval;
  return Success(success);
}

int Reject(const Args& a) {
  Args failure = a;
  failure.error = a.rejection;
  return Failure(failure);
}

int Heartbeat(const Args& a) {
  return CallAndPrint(a.remote, "SendTaskHeartbeat", {{"taskToken", a.token}}, &PrintNothing);
}

}  // namespace

void RegisterTasks(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand("tasks", "Answer task tokens (activities, .waitForTaskToken)");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const Args&)) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    cmd->add_option("TOKEN", a.token, "Task token")->required();
    cmd->callback([exit_code, run]() { *exit_code = run(a); });
    return cmd;
  };
  add("success", "Complete a task with an output", &Success)
      ->add_option("--output", a.output, "Output JSON, or @FILE")
      ->required();
  auto* failure = add("failure", "Fail a task", &Failure);
  failure->add_option("--error", a.error, "Error code (matched by Retry and Catch)");
  failure->add_option("--cause", a.cause, "Cause");
  add("heartbeat", "Report that the worker is still working on a task", &Heartbeat);
  add("approve", "Approve a task waiting for a person: complete it with an output", &Approve)
      ->add_option("--output", a.approval, "Output JSON, or @FILE")
      ->default_str(a.approval);
  auto* reject = add("reject", "Reject a task waiting for a person: fail it", &Reject);
  reject->add_option("--error", a.rejection, "Error code (matched by Retry and Catch)")
      ->default_str(a.rejection);
  reject->add_option("--cause", a.cause, "Cause");
}

}  // namespace tactus::cli
