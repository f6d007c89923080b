// `tactus schedules create|update|enable|disable|list|get|delete`: the schedules of a running
// `tactus serve`, through its EventBridge Scheduler routes (api/control_api.h; docs/schedules.md).
// `update` reads the schedule, applies the options given and writes the whole of it back, as
// EventBridge Scheduler's UpdateSchedule replaces every field.
#include <iostream>
#include <tuple>

#include "cli/commands.h"
#include "cli/definitions.h"
#include "common/clock.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string name, expression, timezone, machine, input, catch_up, start_date, end_date,
      description;
  int flexible_window = 0;
  bool disabled = false, delete_after_completion = false;
};

// ISO-8601 with "Z" or an offset; without either it is UTC, and a date alone is its midnight.
// Epoch seconds, or false (reported).
bool ParseDate(const std::string& text, std::string_view option, double* seconds) {
  auto t = common::ParseIso8601(text);
  if (!t) t = common::ParseIso8601(text + "Z");
  if (!t) t = common::ParseIso8601(text + "T00:00:00Z");
  if (!t) {
    std::cerr << "tactus: " << option << " " << text
              << ": expected an ISO-8601 date-time such as 2025-01-31T09:00:00Z\n";
    return false;
  }
  *seconds = static_cast<double>(*t) / 1000.0;
  return true;
}

// Applies the options given on `cmd` to `spec` (what GET answered, or {} to create).
bool Apply(const Args& a, const CLI::App& cmd, json::object& spec) {
  auto given = [&](const char* option) { return cmd.count(option) > 0; };
  if (given("--expression")) spec["ScheduleExpression"] = a.expression;
  if (given("--timezone")) spec["ScheduleExpressionTimezone"] = a.timezone;
  if (given("--description")) spec["Description"] = a.description;
  if (given("--flexible-window")) {
    if (a.flexible_window <= 0) {
      spec["FlexibleTimeWindow"] = json::object{{"Mode", "OFF"}};
    } else {
      spec["FlexibleTimeWindow"] =
          json::object{{"Mode", "FLEXIBLE"}, {"MaximumWindowInMinutes", a.flexible_window}};
    }
  } else if (!spec.contains("FlexibleTimeWindow")) {
    spec["FlexibleTimeWindow"] = json::object{{"Mode", "OFF"}};
  }
  json::value& target_value = spec["Target"];
  if (!target_value.is_object()) target_value = json::object();
  json::object& target = target_value.as_object();
  if (given("--state-machine")) target["Arn"] = StateMachineArnFor(a.machine, a.remote);
  if (given("--input")) {
    json::value input;
    if (!ParseJsonOption(a.input, "--input", &input)) return false;
    target["Input"] = common::SerializeJson(input);
  }
  if (given("--catch-up")) spec["CatchUp"] = a.catch_up;
  if (given("--disabled")) spec["State"] = "DISABLED";
  if (given("--delete-after-completion")) spec["ActionAfterCompletion"] = "DELETE";
  for (auto [option, text, key] : {std::tuple{"--start-date", &a.start_date, "StartDate"},
                                   std::tuple{"--end-date", &a.end_date, "EndDate"}}) {
    if (!given(option)) continue;
    double seconds = 0;
    if (!ParseDate(*text, option, &seconds)) return false;
    spec[key] = seconds;
  }
  return true;
}

int SetState(const Args& a, const char* state) {
  return ModifyAndPrint(a.remote, kSchedulesCollection, a.name, [state](json::object& spec) {
    spec["State"] = state;
    return true;
  });
}

void AddSpecOptions(CLI::App* cmd, Args& a, bool create) {
  auto* expression = cmd->add_option("--expression", a.expression,
                                     "at(...), rate(...) or cron(...) (docs/schedules.md)");
  auto* machine =
      cmd->add_option("--state-machine", a.machine, "State machine to start (ARN or name)");
  if (create) {
    expression->required();
    machine->required();
  }
  cmd->add_option("--timezone", a.timezone, "Time zone of the expression (default UTC)");
  cmd->add_option("--input", a.input, "Execution input, JSON or @FILE (default {})");
  cmd->add_option("--flexible-window", a.flexible_window,
                  "Start up to this many minutes late, spread at random (0: exactly on time)")
      ->check(CLI::Range(0, 1440));
  cmd->add_option("--catch-up", a.catch_up, "Missed fire times: LATEST (default), ALL or NONE")
      ->check(CLI::IsMember({"LATEST", "ALL", "NONE"}));
  cmd->add_option("--start-date", a.start_date, "Fire no earlier than this (ISO-8601)");
  cmd->add_option("--end-date", a.end_date, "Fire no later than this (ISO-8601)");
  cmd->add_option("--description", a.description, "Description");
  cmd->add_flag("--disabled", a.disabled, "Create or set the schedule disabled");
  cmd->add_flag("--delete-after-completion", a.delete_after_completion,
                "Delete the schedule after its last fire time");
}

}  // namespace

void RegisterSchedules(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand("schedules", "Manage the schedules of `tactus serve`");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    return cmd;
  };
  auto* create = add("create", "Create a schedule that starts a state machine");
  create->add_option("NAME", a.name, "Schedule name")->required();
  AddSpecOptions(create, a, /*create=*/true);
  create->callback([exit_code, create]() {
    json::object spec;
    if (!Apply(a, *create, spec)) {
      *exit_code = 2;
      return;
    }
    *exit_code = RestAndPrint(a.remote, kSchedulesCollection, "POST", a.name, &spec);
  });
  auto* update = add("update", "Change a schedule: the options given replace those values");
  update->add_option("NAME", a.name, "Schedule name")->required();
  AddSpecOptions(update, a, /*create=*/false);
  update->callback([exit_code, update]() {
    *exit_code = ModifyAndPrint(a.remote, kSchedulesCollection, a.name,
                                [update](json::object& spec) { return Apply(a, *update, spec); });
  });
  auto* enable = add("enable", "Enable a schedule");
  enable->add_option("NAME", a.name, "Schedule name")->required();
  enable->callback([exit_code]() { *exit_code = SetState(a, "ENABLED"); });
  auto* disable = add("disable", "Disable a schedule (it keeps its definition and fires no more)");
  disable->add_option("NAME", a.name, "Schedule name")->required();
  disable->callback([exit_code]() { *exit_code = SetState(a, "DISABLED"); });
  add("list", "List schedules")->callback([exit_code]() {
    *exit_code = ListAndPrint(a.remote, kSchedulesCollection);
  });
  auto* get = add("get", "Show a schedule, with its next fire time and last execution");
  get->add_option("NAME", a.name, "Schedule name")->required();
  get->callback(
      [exit_code]() { *exit_code = RestAndPrint(a.remote, kSchedulesCollection, "GET", a.name); });
  auto* del = add("delete", "Delete a schedule");
  del->add_option("NAME", a.name, "Schedule name")->required();
  del->callback([exit_code]() {
    *exit_code = RestAndPrint(a.remote, kSchedulesCollection, "DELETE", a.name);
  });
}

}  // namespace tactus::cli
