// `tactus connections create|list|get|delete` and `tactus functions register|list|get|delete`:
// the named MongoDB connections and the function registry of a running `tactus serve`
// (api/control_api.h; docs/api.md, "CLI"). Connection URIs come back with the password masked.
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cli/definitions.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string name, uri, url, description;
  std::vector<std::string> headers;
};

int CreateConnection(const Args& a) {
  json::object spec{{"Uri", a.uri}};
  if (!a.description.empty()) spec["Description"] = a.description;
  return RestAndPrint(a.remote, kConnectionsCollection, "POST", a.name, &spec);
}

int RegisterFunction(const Args& a) {
  json::object spec{{"Url", a.url}};
  if (!a.headers.empty()) {
    json::object headers;
    for (const auto& h : a.headers) {
      auto eq = h.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "tactus: --header " << h << ": expected NAME=VALUE\n";
        return 2;
      }
      headers[h.substr(0, eq)] = h.substr(eq + 1);
    }
    spec["Headers"] = std::move(headers);
  }
  if (!a.description.empty()) spec["Description"] = a.description;
  return RestAndPrint(a.remote, kFunctionsCollection, "POST", a.name, &spec);
}

// list, get and delete, the same for both kinds.
void AddCommon(CLI::App* group, Args& a, const Collection& collection, int* exit_code,
               const char* kind) {
  auto add = [&](const char* name, const char* help) {
    auto* cmd = group->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    return cmd;
  };
  add("list", "List them")->callback([exit_code, &a, &collection]() {
    *exit_code = ListAndPrint(a.remote, collection);
  });
  auto* get = add("get", "Show one");
  get->add_option("NAME", a.name, std::string(kind) + " name")->required();
  get->callback([exit_code, &a, &collection]() {
    *exit_code = RestAndPrint(a.remote, collection, "GET", a.name);
  });
  auto* del = add("delete", "Delete one");
  del->add_option("NAME", a.name, std::string(kind) + " name")->required();
  del->callback([exit_code, &a, &collection]() {
    *exit_code = RestAndPrint(a.remote, collection, "DELETE", a.name);
  });
}

}  // namespace

void RegisterConnections(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand(
      "connections", "Manage the named MongoDB connections of `tactus serve` (tasks' Connection)");
  group->require_subcommand(1);
  auto* create = group->add_subcommand("create", "Name a MongoDB connection string");
  AddRemoteOptions(create, &a.remote);
  create->add_option("NAME", a.name, "Connection name")->required();
  create->add_option("--uri", a.uri, "mongodb:// or mongodb+srv:// connection string")->required();
  create->add_option("--description", a.description, "Description");
  create->callback([exit_code]() { *exit_code = CreateConnection(a); });
  auto* rotate = group->add_subcommand(
      "rotate",
      "Give a connection a new URI (a new password): the previous one stays usable for the "
      "server's --secret-grace-seconds, for tasks whose server has not learned the new one yet");
  AddRemoteOptions(rotate, &a.remote);
  rotate->add_option("NAME", a.name, "Connection name")->required();
  rotate->add_option("--uri", a.uri, "The new mongodb:// or mongodb+srv:// connection string")
      ->required();
  rotate->add_option("--description", a.description, "Description");
  rotate->callback([exit_code]() {
    json::object spec{{"Uri", a.uri}};
    if (!a.description.empty()) spec["Description"] = a.description;
    ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
    auto answer = client.Rest(
        "PUT",
        std::string(kConnectionsCollection.path) + "/" + client.Escape(a.name) + "?rotate=true",
        &spec);
    if (!answer.ok()) {
      *exit_code = ReportError(answer.error());
      return;
    }
    PrintJson(*answer);
    *exit_code = 0;
  });
  AddCommon(group, a, kConnectionsCollection, exit_code, "Connection");
}

void RegisterFunctions(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand(
      "functions", "Manage the function registry of `tactus serve` (lambda:invoke by name)");
  group->require_subcommand(1);
  auto* reg = group->add_subcommand("register", "Register a function: its HTTP endpoint");
  AddRemoteOptions(reg, &a.remote);
  reg->add_option("NAME", a.name, "Function name")->required();
  reg->add_option("--url", a.url, "http:// or https:// URL the function is invoked at")->required();
  reg->add_option("--header", a.headers, "Header sent with each invocation, NAME=VALUE")
      ->take_all();
  reg->add_option("--description", a.description, "Description");
  reg->callback([exit_code]() { *exit_code = RegisterFunction(a); });
  AddCommon(group, a, kFunctionsCollection, exit_code, "Function");
}

}  // namespace tactus::cli
