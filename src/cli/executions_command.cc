// `tactus executions start|start-sync|list|describe|stop|history|wait` against a running
// `tactus serve` (docs/api.md, "CLI").
#include <iostream>
#include <tuple>
#include <utility>

#include "cli/commands.h"
#include "cli/executions.h"
#include "cli/output.h"

namespace tactus::cli {
namespace {

// The StartExecution / StartSyncExecution parameters; false on an unreadable @file.
bool StartParams(const ExecutionArgs& a, json::object* params) {
  (*params)["stateMachineArn"] = StateMachineArnFor(a.target, a.remote);
  if (!a.name.empty()) (*params)["name"] = a.name;
  if (!a.input.empty()) {
    std::string input;
    if (!ReadArgumentOrFile(a.input, &input)) return false;
    (*params)["input"] = input;
  }
  return true;
}

int Start(const ExecutionArgs& a) {
  json::object params;
  if (!StartParams(a, &params)) return 2;
  return CallAndPrint(a.remote, "StartExecution", params,
                      [](const json::object& o) { std::cout << Str(o, "executionArn") << "\n"; });
}

int StartSync(const ExecutionArgs& a) {
  json::object params;
  if (!StartParams(a, &params)) return 2;
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto answer = client.Call("StartSyncExecution", params);
  if (!answer.ok()) return ReportError(answer.error());
  return PrintOutcome(a.remote, *answer);
}

int List(const ExecutionArgs& a) {
  json::object params{{"stateMachineArn", StateMachineArnFor(a.target, a.remote)}};
  if (!a.status.empty()) params["statusFilter"] = a.status;
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto all = CallAllPages(client, "ListExecutions", params, "executions");
  if (!all.ok()) return ReportError(all.error());
  if (a.remote.json) {
    PrintJson(*all);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : all->at("executions").as_array()) {
    const auto& o = e.as_object();
    rows.push_back({Str(o, "name"), Str(o, "status"), FormatTimestamp(o.if_contains("startDate")),
                    FormatTimestamp(o.if_contains("stopDate")), Str(o, "executionArn")});
  }
  PrintTable(std::cout, {"NAME", "STATUS", "STARTED", "STOPPED", "ARN"}, rows);
  return 0;
}

int Describe(const ExecutionArgs& a) {
  json::object params{{"executionArn", ExecutionArnFor(a.target, a.remote)}};
  return CallAndPrint(a.remote, "DescribeExecution", params, [](const json::object& o) {
    PrintFields(std::cout, {{"name", Str(o, "name")},
                            {"arn", Str(o, "executionArn")},
                            {"state machine", Str(o, "stateMachineArn")},
                            {"status", Str(o, "status")},
                            {"started", FormatTimestamp(o.if_contains("startDate"))},
                            {"stopped", FormatTimestamp(o.if_contains("stopDate"))},
                            {"error", Str(o, "error")},
                            {"cause", Str(o, "cause")}});
    if (o.contains("input")) std::cout << "input:\n" << PrettyJsonText(Str(o, "input")) << "\n";
    if (o.contains("output")) std::cout << "output:\n" << PrettyJsonText(Str(o, "output")) << "\n";
  });
}

int Stop(const ExecutionArgs& a) {
  std::string arn = ExecutionArnFor(a.target, a.remote);
  json::object params{{"executionArn", arn}};
  if (!a.error.empty()) params["error"] = a.error;
  if (!a.cause.empty()) params["cause"] = a.cause;
  return CallAndPrint(a.remote, "StopExecution", params,
                      [&](const json::object&) { std::cout << "stopped " << arn << "\n"; });
}

}  // namespace

int PrintOutcome(const RemoteOptions& remote, const json::object& execution) {
  std::string status = Str(execution, "status");
  int code = status == "SUCCEEDED" ? 0 : 1;
  if (remote.json) {
    PrintJson(execution);
  } else if (code == 0) {
    std::cout << PrettyJsonText(Str(execution, "output")) << "\n";
  } else {
    PrintFields(std::cout, {{"status", status},
                            {"error", Str(execution, "error")},
                            {"cause", Str(execution, "cause")}});
  }
  return code;
}

void RegisterExecutions(CLI::App& app, int* exit_code) {
  static ExecutionArgs a;
  auto* group =
      app.add_subcommand("executions", "Start, follow and stop executions on `tactus serve`");
  group->require_subcommand(1);
  // Every subcommand takes one positional argument, a state machine or an execution.
  using Target = std::pair<const char*, const char*>;
  const Target kMachine{"MACHINE", "State machine ARN or name"};
  const Target kExecution{"EXECUTION", "Execution ARN (or MACHINE:EXECUTION)"};
  auto add = [&](const char* name, const char* help, int (*run)(const ExecutionArgs&),
                 Target target) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    cmd->add_option(target.first, a.target, target.second)->required();
    cmd->callback([exit_code, run]() { *exit_code = run(a); });
    return cmd;
  };
  for (auto [name, help, run] :
       {std::tuple{"start", "Start an execution; prints its ARN", &Start},
        std::tuple{"start-sync", "Run an EXPRESS execution and print its result", &StartSync}}) {
    auto* cmd = add(name, help, run, kMachine);
    cmd->add_option("--name", a.name, "Execution name (default: a UUID)");
    cmd->add_option("--input", a.input, "Input JSON, or @FILE");
  }
  add("list", "List a state machine's executions", &List, kMachine)
      ->add_option("--status", a.status, "Only executions with this status")
      ->check(CLI::IsMember(
          {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}));
  add("describe", "Show an execution", &Describe, kExecution);
  auto* stop = add("stop", "Stop a running execution", &Stop, kExecution);
  stop->add_option("--error", a.error, "Error code recorded in ExecutionAborted");
  stop->add_option("--cause", a.cause, "Cause recorded in ExecutionAborted");
  add("history", "Print an execution's history events", &RunHistory, kExecution);
  add("wait", "Wait for an execution to stop; exit 0 when it succeeded", &RunWait, kExecution)
      ->add_option("--timeout", a.timeout_seconds, "Give up after this many seconds (exit 1)");
}

}  // namespace tactus::cli
