// `tactus iam ...`: users, access keys, groups, roles and inline policies of a running `tactus
// serve`, over its /v1/iam routes with signed requests (api/iam_api.h; docs/auth.md, "IAM over
// the API and tactus iam"). Each command is one call; answers print as indented JSON.
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/remote.h"
#include "common/file.h"

namespace tactus::cli {
namespace {

struct Args {
  RemoteOptions remote;
  std::string user, group, role, policy, key, document, trust_policy, description;
  std::int64_t max_session = 0;
};

std::string Segment(ApiClient& client, const std::string& s) { return client.Escape(s); }

// One call; prints the answer (nothing for an empty one). Returns the exit code.
int Send(const Args& a, const std::string& method,
         const std::function<std::string(ApiClient&)>& path, const json::object* body = nullptr) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  auto answer = client.Rest(method, "/v1/iam" + path(client), body);
  if (!answer.ok()) return ReportError(answer.error());
  if (!answer->empty()) PrintJson(*answer);
  return 0;
}

// A list over every page (MaxItems/Marker, as IAM pages); prints {list_key: [...all items...]}.
int ListAllPages(const Args& a, const std::function<std::string(ApiClient&)>& path,
                 const char* list_key) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  json::array all;
  std::string marker;
  while (true) {
    std::string target = "/v1/iam" + path(client) + "?MaxItems=1000";
    if (!marker.empty()) target += "&Marker=" + client.Escape(marker);
    auto answer = client.Rest("GET", target);
    if (!answer.ok()) return ReportError(answer.error());
    if (auto* items = answer->if_contains(list_key); items && items->is_array()) {
      for (auto& item : items->as_array()) all.push_back(std::move(item));
    }
    auto* truncated = answer->if_contains("IsTruncated");
    auto* next = answer->if_contains("Marker");
    if (!truncated || !truncated->is_bool() || !truncated->as_bool() || !next ||
        !next->is_string() || next->as_string() == marker) {
      break;
    }
    marker = std::string(next->as_string());
  }
  PrintJson(json::object{{list_key, std::move(all)}});
  return 0;
}

// A policy given as JSON text, "@FILE" or a file path. False (reported) when unreadable or not
// a JSON object.
bool ReadPolicy(const std::string& text, const char* option, json::object* out) {
  std::string content;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    content = text;
  } else {
    auto file = common::ReadFile(text.starts_with("@") ? text.substr(1) : text);
    if (!file.ok()) {
      std::cerr << "tactus: " << option << ": " << file.status().message() << "\n";
      return false;
    }
    content = std::move(*file);
  }
  auto parsed = common::ParseJson(content);
  if (!parsed.ok() || !parsed->is_object()) {
    std::cerr << "tactus: " << option << ": not a JSON object"
              << (parsed.ok() ? "" : ": " + parsed.status().message()) << "\n";
    return false;
  }
  *out = std::move(parsed->as_object());
  return true;
}

}  // namespace

void RegisterIam(CLI::App& app, int* exit_code) {
  auto* iam = app.add_subcommand(
      "iam", "IAM users, access keys, groups, roles and policies of a running tactus serve");
  iam->require_subcommand(1);
  static Args a;
  auto add = [&](const char* name, const char* help) {
    auto* cmd = iam->add_subcommand(name, help);
    AddRemoteOptions(cmd, &a.remote);
    return cmd;
  };
  auto user_arg = [](CLI::App* cmd) { cmd->add_option("USER", a.user, "User name")->required(); };
  auto group_arg = [](CLI::App* cmd) {
    cmd->add_option("GROUP", a.group, "Group name")->required();
  };
  auto role_arg = [](CLI::App* cmd) { cmd->add_option("ROLE", a.role, "Role name")->required(); };
  auto policy_arg = [](CLI::App* cmd) {
    cmd->add_option("POLICY", a.policy, "Inline policy name")->required();
  };
  auto document_opt = [](CLI::App* cmd) {
    cmd->add_option("--document", a.document, "The policy: JSON, @FILE or a file path")->required();
  };
  using P = std::function<std::string(ApiClient&)>;
  auto user_path = [](const std::string& rest) -> P {
    return [rest](ApiClient& c) { return "/users/" + Segment(c, a.user) + rest; };
  };

  // Users and access keys.
  auto* create_user = add("create-user", "Create a user");
  user_arg(create_user);
  create_user->callback([=] { *exit_code = Send(a, "POST", user_path("")); });
  auto* get_user = add("get-user", "Show a user");
  user_arg(get_user);
  get_user->callback([=] { *exit_code = Send(a, "GET", user_path("")); });
  auto* delete_user = add("delete-user", "Delete a user (its access keys first)");
  user_arg(delete_user);
  delete_user->callback([=] { *exit_code = Send(a, "DELETE", user_path("")); });
  add("list-users", "List the users")->callback([=] {
    *exit_code = ListAllPages(
        a, [](ApiClient&) { return std::string("/users"); }, "Users");
  });
  auto* create_key = add("create-access-key",
                         "Create an access key for a user; prints its secret, this once only");
  user_arg(create_key);
  create_key->callback([=] { *exit_code = Send(a, "POST", user_path("/access-keys")); });
  auto* list_keys = add("list-access-keys", "List a user's access keys (without secrets)");
  user_arg(list_keys);
  list_keys->callback(
      [=] { *exit_code = ListAllPages(a, user_path("/access-keys"), "AccessKeyMetadata"); });
  auto* delete_key = add("delete-access-key", "Delete an access key");
  user_arg(delete_key);
  delete_key->add_option("ACCESS_KEY_ID", a.key, "The key's id (AKIA...)")->required();
  delete_key->callback([=] {
    *exit_code = Send(a, "DELETE", [](ApiClient& c) {
      return "/users/" + Segment(c, a.user) + "/access-keys/" + Segment(c, a.key);
    });
  });

  // Inline policies of users, groups and roles.
  auto policy_commands = [&](const char* holder, const char* collection, std::string* name,
                             void (*name_arg)(CLI::App*)) {
    auto path = [collection, name](ApiClient& c) {
      return std::string("/") + collection + "/" + Segment(c, *name) + "/policies/" +
             Segment(c, a.policy);
    };
    auto* put = add(("put-" + std::string(holder) + "-policy").c_str(),
                    "Add or replace an inline policy (validated by the server)");
    name_arg(put);
    policy_arg(put);
    document_opt(put);
    put->callback([=] {
      json::object document;
      if (!ReadPolicy(a.document, "--document", &document)) {
        *exit_code = 2;
        return;
      }
      *exit_code = Send(a, "PUT", path, &document);
    });
    auto* get = add(("get-" + std::string(holder) + "-policy").c_str(), "Show an inline policy");
    name_arg(get);
    policy_arg(get);
    get->callback([=] { *exit_code = Send(a, "GET", path); });
    auto* del =
        add(("delete-" + std::string(holder) + "-policy").c_str(), "Delete an inline policy");
    name_arg(del);
    policy_arg(del);
    del->callback([=] { *exit_code = Send(a, "DELETE", path); });
  };
  policy_commands("user", "users", &a.user,
                  [](CLI::App* c) { c->add_option("USER", a.user, "User name")->required(); });
  policy_commands("group", "groups", &a.group,
                  [](CLI::App* c) { c->add_option("GROUP", a.group, "Group name")->required(); });
  policy_commands("role", "roles", &a.role,
                  [](CLI::App* c) { c->add_option("ROLE", a.role, "Role name")->required(); });

  // Groups.
  auto group_path = [](const std::string& rest) -> P {
    return [rest](ApiClient& c) { return "/groups/" + Segment(c, a.group) + rest; };
  };
  auto* create_group = add("create-group", "Create a group");
  group_arg(create_group);
  create_group->callback([=] { *exit_code = Send(a, "POST", group_path("")); });
  auto* get_group = add("get-group", "Show a group and its members");
  group_arg(get_group);
  get_group->callback([=] { *exit_code = Send(a, "GET", group_path("")); });
  auto* delete_group = add("delete-group", "Delete a group (without members)");
  group_arg(delete_group);
  delete_group->callback([=] { *exit_code = Send(a, "DELETE", group_path("")); });
  add("list-groups", "List the groups")->callback([=] {
    *exit_code = ListAllPages(
        a, [](ApiClient&) { return std::string("/groups"); }, "Groups");
  });
  auto* add_user = add("add-user-to-group", "Add a user to a group");
  group_arg(add_user);
  user_arg(add_user);
  add_user->callback([=] {
    *exit_code = Send(a, "PUT", [](ApiClient& c) {
      return "/groups/" + Segment(c, a.group) + "/users/" + Segment(c, a.user);
    });
  });
  auto* remove_user = add("remove-user-from-group", "Remove a user from a group");
  group_arg(remove_user);
  user_arg(remove_user);
  remove_user->callback([=] {
    *exit_code = Send(a, "DELETE", [](ApiClient& c) {
      return "/groups/" + Segment(c, a.group) + "/users/" + Segment(c, a.user);
    });
  });

  // Roles.
  auto role_path = [](ApiClient& c) { return "/roles/" + Segment(c, a.role); };
  auto* create_role = add("create-role", "Create a role with its trust policy");
  role_arg(create_role);
  create_role
      ->add_option("--trust-policy", a.trust_policy,
                   "Who may assume it: JSON, @FILE or a file path")
      ->required();
  create_role->add_option("--max-session-duration", a.max_session,
                          "Seconds, 3600 to 43200 (default 3600)");
  create_role->add_option("--description", a.description, "What the role is for");
  create_role->callback([=] {
    json::object trust;
    if (!ReadPolicy(a.trust_policy, "--trust-policy", &trust)) {
      *exit_code = 2;
      return;
    }
    json::object body{{"AssumeRolePolicyDocument", std::move(trust)}};
    if (a.max_session != 0) body["MaxSessionDuration"] = a.max_session;
    if (!a.description.empty()) body["Description"] = a.description;
    *exit_code = Send(a, "POST", role_path, &body);
  });
  auto* get_role = add("get-role", "Show a role");
  role_arg(get_role);
  get_role->callback([=] { *exit_code = Send(a, "GET", role_path); });
  auto* delete_role = add("delete-role", "Delete a role");
  role_arg(delete_role);
  delete_role->callback([=] { *exit_code = Send(a, "DELETE", role_path); });
  add("list-roles", "List the roles")->callback([=] {
    *exit_code = ListAllPages(
        a, [](ApiClient&) { return std::string("/roles"); }, "Roles");
  });
}

}  // namespace tactus::cli
