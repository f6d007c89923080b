// `tactus triggers create|list|get|delete|enable|disable`: the database triggers of a running
// `tactus serve`, which start a state machine for each matching change in a collection
// (api/control_api.h; docs/schedules.md).
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/definitions.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string name, database, collection, operations, match, machine, description;
  bool disabled = false;
};

int Create(const Args& a, const CLI::App& cmd) {
  json::object spec{{"Database", a.database},
                    {"Collection", a.collection},
                    {"Target", json::object{{"Arn", StateMachineArnFor(a.machine, a.remote)}}}};
  if (cmd.count("--operations") > 0) {
    json::array ops;
    std::stringstream list(a.operations);
    for (std::string op; std::getline(list, op, ',');) {
      if (!op.empty()) ops.emplace_back(op);
    }
    spec["Operations"] = std::move(ops);
  }
  if (cmd.count("--match") > 0) {
    json::value match;
    if (!ParseJsonOption(a.match, "--match", &match)) return 2;
    spec["Match"] = std::move(match);
  }
  if (a.disabled) spec["State"] = "DISABLED";
  if (!a.description.empty()) spec["Description"] = a.description;
  return RestAndPrint(a.remote, kTriggersCollection, "POST", a.name, &spec);
}

int SetState(const Args& a, const char* state) {
  return ModifyAndPrint(a.remote, kTriggersCollection, a.name, [state](json::object& spec) {
    spec["State"] = state;
    return true;
  });
}

}  // namespace

void RegisterTriggers(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand(
      "triggers", "Manage the database triggers of `tactus serve` (changes start executions)");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    cmd->add_option("NAME", a.name, "Trigger name")->required();
    return cmd;
  };
  auto* create = add("create", "Start a state machine for each change in a collection");
  create->add_option("--database", a.database, "Database to watch")->required();
  create->add_option("--collection", a.collection, "Collection to watch")->required();
  create->add_option("--operations", a.operations,
                     "Changes that fire, comma-separated: insert, update, replace, delete "
                     "(default insert)");
  create->add_option("--match", a.match,
                     "Filter on the change event, JSON or @FILE (e.g. "
                     "{\"fullDocument.status\": \"new\"})");
  create->add_option("--state-machine", a.machine, "State machine to start (ARN or name)")
      ->required();
  create->add_option("--description", a.description, "Description");
  create->add_flag("--disabled", a.disabled, "Create the trigger disabled");
  create->callback([exit_code, create]() { *exit_code = Create(a, *create); });
  add("get", "Show a trigger, with its last execution")->callback([exit_code]() {
    *exit_code = RestAndPrint(a.remote, kTriggersCollection, "GET", a.name);
  });
  add("delete", "Delete a trigger")->callback([exit_code]() {
    *exit_code = RestAndPrint(a.remote, kTriggersCollection, "DELETE", a.name);
  });
  add("enable", "Enable a trigger")->callback([exit_code]() {
    *exit_code = SetState(a, "ENABLED");
  });
  add("disable", "Disable a trigger")->callback([exit_code]() {
    *exit_code = SetState(a, "DISABLED");
  });
  auto* list = group->add_subcommand("list", "List triggers");
  AddRemoteOptions(list, &a.remote);
  list->callback([exit_code]() { *exit_code = ListAndPrint(a.remote, kTriggersCollection); });
}

}  // namespace tactus::cli
