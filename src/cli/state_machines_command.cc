// `tactus state-machines create|list|describe|update|delete`: the state machine actions of a
// running `tactus serve` (docs/api.md, "CLI").
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/remote.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string machine, definition_file, type = "STANDARD", role_arn;
};

// The role a state machine gets when --role-arn is not given (the API requires one).
std::string DefaultRoleArn(const RemoteOptions& remote) {
  return "arn:" + remote.arns.partition + ":iam::" + remote.arns.account + ":role/tactus";
}

void PrintArn(const json::object& answer, std::string_view key) {
  std::cout << Str(answer, key) << "\n";
}

int Create(const Args& a) {
  std::string definition;
  if (!ReadFile(a.definition_file, &definition)) return 2;
  json::object params{{"name", a.machine},
                      {"definition", definition},
                      {"type", a.type},
                      {"roleArn", a.role_arn.empty() ? DefaultRoleArn(a.remote) : a.role_arn}};
  return CallAndPrint(a.remote, "CreateStateMachine", params,
                      [](const json::object& o) { PrintArn(o, "stateMachineArn"); });
}

int List(const Args& a) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto all = CallAllPages(client, "ListStateMachines", {}, "stateMachines");
  if (!all.ok()) return ReportError(all.error());
  if (a.remote.json) {
    PrintJson(*all);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : all->at("stateMachines").as_array()) {
    const auto& o = m.as_object();
    rows.push_back({Str(o, "name"), Str(o, "type"), FormatTimestamp(o.if_contains("creationDate")),
                    Str(o, "stateMachineArn")});
  }
  PrintTable(std::cout, {"NAME", "TYPE", "CREATED", "ARN"}, rows);
  return 0;
}

int Describe(const Args& a) {
  json::object params{{"stateMachineArn", StateMachineArnFor(a.machine, a.remote)}};
  return CallAndPrint(a.remote, "DescribeStateMachine", params, [](const json::object& o) {
    PrintFields(std::cout, {{"name", Str(o, "name")},
                            {"arn", Str(o, "stateMachineArn")},
                            {"type", Str(o, "type")},
                            {"status", Str(o, "status")},
                            {"role", Str(o, "roleArn")},
                            {"created", FormatTimestamp(o.if_contains("creationDate"))},
                            {"revision", Str(o, "revisionId")}});
    std::cout << "definition:\n" << PrettyJsonText(Str(o, "definition")) << "\n";
  });
}

int Update(const Args& a) {
  std::string definition;
  if (!ReadFile(a.definition_file, &definition)) return 2;
  std::string arn = StateMachineArnFor(a.machine, a.remote);
  json::object params{{"stateMachineArn", arn}, {"definition", definition}};
  if (!a.role_arn.empty()) params["roleArn"] = a.role_arn;
  return CallAndPrint(a.remote, "UpdateStateMachine", params, [&](const json::object& o) {
    std::cout << "updated " << arn << " (revision " << Str(o, "revisionId") << ")\n";
  });
}

int Delete(const Args& a) {
  std::string arn = StateMachineArnFor(a.machine, a.remote);
  return CallAndPrint(a.remote, "DeleteStateMachine", {{"stateMachineArn", arn}},
                      [&](const json::object&) { std::cout << "deleted " << arn << "\n"; });
}

}  // namespace

void RegisterStateMachines(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand("state-machines", "Manage the state machines of `tactus serve`");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const Args&)) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    cmd->callback([exit_code, run]() { *exit_code = run(a); });
    return cmd;
  };
  auto* create = add("create", "Create a state machine from a definition file", &Create);
  create->add_option("NAME", a.machine, "State machine name")->required();
  create->add_option("--definition", a.definition_file, "Definition file (ASL JSON)")->required();
  create->add_option("--type", a.type, "STANDARD or EXPRESS")
      ->check(CLI::IsMember({"STANDARD", "EXPRESS"}));
  create->add_option("--role-arn", a.role_arn, "Execution role (default: role/tactus)");
  add("list", "List state machines", &List);
  add("describe", "Show a state machine and its definition", &Describe)
      ->add_option("MACHINE", a.machine, "State machine ARN or name")
      ->required();
  auto* update = add("update", "Replace a state machine's definition", &Update);
  update->add_option("MACHINE", a.machine, "State machine ARN or name")->required();
  update->add_option("--definition", a.definition_file, "Definition file (ASL JSON)")->required();
  update->add_option("--role-arn", a.role_arn, "New execution role");
  add("delete", "Delete a state machine", &Delete)
      ->add_option("MACHINE", a.machine, "State machine ARN or name")
      ->required();
}

}  // namespace tactus::cli
