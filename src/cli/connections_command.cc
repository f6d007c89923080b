// `tactus connections create|rotate|list|get|delete`, `tactus functions register|list|get|delete`
// and `tactus secrets list|rotate`: the named MongoDB connections, the function registry and
// their secrets on a running `tactus serve` (api/control_api.h; docs/api.md, "CLI";
// docs/auth.md, "Secrets"). Connection URIs come back with the password masked, function header
// values as "****".
#include <cstdio>
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cli/definitions.h"
#include "common/clock.h"

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

// A new version of a connection's URI (PUT ...?rotate=true); prints the answer.
int RotateConnection(const Args& a) {
  json::object spec{{"Uri", a.uri}};
  if (!a.description.empty()) spec["Description"] = a.description;
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto answer = client.Rest(
      "PUT",
      std::string(kConnectionsCollection.path) + "/" + client.Escape(a.name) + "?rotate=true",
      &spec);
  if (!answer.ok()) return ReportError(answer.error());
  PrintJson(*answer);
  return 0;
}

// One line per connection secret (its newest version, when it was set, its age in days, the
// versions kept) and per function with sealed header values (their names).
int ListSecrets(const Args& a) {
  auto connections = ListAll(a.remote, kConnectionsCollection);
  if (!connections) return 1;
  auto functions = ListAll(a.remote, kFunctionsCollection);
  if (!functions) return 1;
  const double now = static_cast<double>(common::SystemClock().Now()) / 1000.0;
  auto name_of = [](const json::object& item) {
    const json::value* name = item.if_contains("Name");
    return name && name->is_string() ? std::string(name->as_string()) : std::string();
  };
  std::printf("%-10s %-30s %-8s %-20s %9s  %s\n", "KIND", "NAME", "VERSION", "SET AT (UTC)",
              "AGE DAYS", "KEPT");
  for (const auto& item : *connections) {
    const json::object* c = item.if_object();
    const json::value* secret = c ? c->if_contains("Secret") : nullptr;
    if (!secret || !secret->is_object()) continue;
    const json::object& s = secret->as_object();
    std::int64_t version = 0;
    double set_at = 0;
    if (auto* v = s.if_contains("Version")) common::AsInt64(*v, &version);
    if (auto* r = s.if_contains("RotationDate"); r && r->is_number())
      set_at = r->to_number<double>();
    std::string kept;
    if (auto* versions = s.if_contains("Versions"); versions && versions->is_array()) {
      for (const auto& v : versions->as_array()) {
        std::int64_t n = 0;
        if (v.is_object() && v.as_object().contains("Version") &&
            common::AsInt64(v.as_object().at("Version"), &n)) {
          kept += (kept.empty() ? "v" : ", v") + std::to_string(n);
        }
      }
    }
    std::printf(
        "%-10s %-30s %-8s %-20s %9.1f  %s\n", "connection", name_of(*c).c_str(),
        ("v" + std::to_string(version)).c_str(),
        common::FormatIso8601(static_cast<common::TimeMs>(set_at * 1000)).substr(0, 19).c_str(),
        (now - set_at) / 86400.0, kept.c_str());
  }
  for (const auto& item : *functions) {
    const json::object* f = item.if_object();
    const json::value* headers = f ? f->if_contains("Headers") : nullptr;
    if (!headers || !headers->is_object() || headers->as_object().empty()) continue;
    std::string names;
    for (const auto& h : headers->as_object()) {
      names += (names.empty() ? "headers " : ", ") + std::string(h.key());
    }
    std::printf("%-10s %-30s %-8s %-20s %9s  %s\n", "function", name_of(*f).c_str(), "-", "-", "-",
                names.c_str());
  }
  return 0;
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

// `rotate NAME --uri URI`: `tactus connections rotate` and `tactus secrets rotate`.
void AddRotate(CLI::App* group, Args& a, int* exit_code) {
  auto* rotate = group->add_subcommand(
      "rotate",
      "Give a connection a new URI (a new password): the previous one stays usable for the "
      "server's --secret-grace-seconds, for tasks whose server has not learned the new one yet");
  AddRemoteOptions(rotate, &a.remote);
  rotate->add_option("NAME", a.name, "Connection name")->required();
  rotate->add_option("--uri", a.uri, "The new mongodb:// or mongodb+srv:// connection string")
      ->required();
  rotate->add_option("--description", a.description, "Description");
  rotate->callback([exit_code, &a]() { *exit_code = RotateConnection(a); });
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
  AddRotate(group, a, exit_code);
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

void RegisterSecrets(CLI::App& app, int* exit_code) {
  static Args a;
  auto* group = app.add_subcommand(
      "secrets",
      "The secrets `tactus serve` keeps sealed: connection passwords (versioned, with an age) and "
      "function header values");
  group->require_subcommand(1);
  auto* list = group->add_subcommand(
      "list", "Each secret: its newest version, when it was set, its age and the versions kept");
  AddRemoteOptions(list, &a.remote);
  list->callback([exit_code]() { *exit_code = ListSecrets(a); });
  AddRotate(group, a, exit_code);
}

}  // namespace tactus::cli
