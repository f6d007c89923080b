// `tactus activities create|list|describe|delete` against a running `tactus serve`
// (docs/api.md, "CLI").
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/remote.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string activity;
};

int Create(const Args& a) {
  return CallAndPrint(a.remote, "CreateActivity", {{"name", a.activity}},
                      [](const json::object& o) { std::cout << Str(o, "activityArn") << "\n"; });
}

int List(const Args& a) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto all = CallAllPages(client, "ListActivities", {}, "activities");
  if (!all.ok()) return ReportError(all.error());
  if (a.remote.json) {
    PrintJson(*all);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : all->at("activities").as_array()) {
    const auto& o = v.as_object();
    rows.push_back(
        {Str(o, "name"), FormatTimestamp(o.if_contains("creationDate")), Str(o, "activityArn")});
  }
  PrintTable(std::cout, {"NAME", "CREATED", "ARN"}, rows);
  return 0;
}

int Describe(const Args& a) {
  return CallAndPrint(
      a.remote, "DescribeActivity", {{"activityArn", ActivityArnFor(a.activity, a.remote)}},
      [](const json::object& o) {
        PrintFields(std::cout, {{"name", Str(o, "name")},
                                {"arn", Str(o, "activityArn")},
                                {"created", FormatTimestamp(o.if_contains("creationDate"))}});
      });
}

int Delete(const Args& a) {
  std::string arn = ActivityArnFor(a.activity, a.remote);
  return CallAndPrint(a.remote, "DeleteActivity", {{"activityArn", arn}},
                      [&](const json::object&) { std::cout << "deleted " << arn << "\n"; });
}

}  // namespace

void RegisterActivities(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand("activities", "Manage the activities of `tactus serve`");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const Args&)) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    cmd->callback([exit_code, run]() { *exit_code = run(a); });
    return cmd;
  };
  add("create", "Create an activity; prints its ARN", &Create)
      ->add_option("NAME", a.activity, "Activity name")
      ->required();
  add("list", "List activities", &List);
  add("describe", "Show an activity", &Describe)
      ->add_option("ACTIVITY", a.activity, "Activity ARN or name")
      ->required();
  add("delete", "Delete an activity", &Delete)
      ->add_option("ACTIVITY", a.activity, "Activity ARN or name")
      ->required();
}

}  // namespace tactus::cli
