#include "cli/remote.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <utility>

#include "common/file.h"

namespace tactus::cli {

void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options) {
  // Read here rather than with CLI11's envname: every leaf command binds the same options, and
  // CLI11 would let a sibling's environment default overwrite an --endpoint given explicitly.
  if (const char* env = std::getenv("TACTUS_ENDPOINT"); env && *env) options->endpoint = env;
  cmd->add_option("--endpoint", options->endpoint,
                  "URL of `tactus serve` (default: $TACTUS_ENDPOINT, else " +
                      std::string(kDefaultEndpoint) + ")");
  cmd->add_flag("--json", options->json, "Print the API's JSON answer");
  cmd->add_option("--region", options->arns.region, "Region of the ARNs names expand to")
      ->default_str(options->arns.region);
  cmd->add_option("--account", options->arns.account, "Account of the ARNs names expand to")
      ->default_str(options->arns.account);
  if (const char* env = std::getenv("TACTUS_DATA"); env && *env) options->data = env;
  cmd->add_option("--profile", options->profile,
                  "Credentials: this section of $AWS_SHARED_CREDENTIALS_FILE (else of "
                  "DIR/admin-credentials with --data)");
  cmd->add_option("--data", options->data,
                  "Credentials: DIR/admin-credentials, written by `tactus serve --data DIR` "
                  "(default: $TACTUS_DATA)");
}

namespace {

constexpr const char* kDefaultAdminCredentials = "tactus-data/admin-credentials";

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<auth::SigV4Credentials> FromFile(const std::string& path,
                                               const std::string& profile) {
  auto text = common::ReadFile(path);
  if (!text.ok()) {
    std::cerr << "tactus: cannot read credentials: " << text.status().message() << "\n";
    return std::nullopt;
  }
  auto keys = ParseSharedCredentials(*text, profile);
  if (!keys) std::cerr << "tactus: no credentials for profile " << profile << " in " << path << "\n";
  return keys;
}

}  // namespace

std::optional<auth::SigV4Credentials> ParseSharedCredentials(std::string_view text,
                                                             std::string_view profile) {
  auth::SigV4Credentials keys;
  bool in_section = false;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string line = Trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string name = Trim(std::string_view(line).substr(1, line.size() - 2));
      if (name.starts_with("profile ")) name = Trim(std::string_view(name).substr(8));
      in_section = name == profile;
      continue;
    }
    if (!in_section) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trim(std::string_view(line).substr(0, eq));
    std::string value = Trim(std::string_view(line).substr(eq + 1));
    if (key == "aws_access_key_id") keys.access_key_id = value;
    if (key == "aws_secret_access_key") keys.secret_access_key = value;
    if (key == "aws_session_token") keys.session_token = value;
  }
  if (keys.access_key_id.empty() || keys.secret_access_key.empty()) return std::nullopt;
  return keys;
}

ClientCredentials CredentialsFor(const RemoteOptions& options) {
  ClientCredentials c;
  c.region = options.arns.region;
  const std::string admin_file =
      options.data.empty() ? "" : options.data + "/admin-credentials";
  if (!options.profile.empty()) {
    const char* file = std::getenv("AWS_SHARED_CREDENTIALS_FILE");
    if (file && *file) {
      c.keys = FromFile(file, options.profile);
    } else if (!admin_file.empty()) {
      c.keys = FromFile(admin_file, options.profile);
    } else {
      std::cerr << "tactus: --profile needs $AWS_SHARED_CREDENTIALS_FILE or --data "
                   "(~/.aws/credentials is not read)\n";
    }
    return c;
  }
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id && *id && secret && *secret) {
    auth::SigV4Credentials keys{id, secret, std::nullopt};
    if (const char* token = std::getenv("AWS_SESSION_TOKEN"); token && *token) {
      keys.session_token = token;
    }
    c.keys = std::move(keys);
    return c;
  }
  if (!admin_file.empty()) {
    c.keys = FromFile(admin_file, "default");
  } else if (std::ifstream probe(kDefaultAdminCredentials); probe.good()) {
    // `tactus serve` with no --data keeps its files in ./tactus-data: the quick start of the
    // READMEs (serve in one terminal, the CLI in another, same directory) works unchanged.
    c.keys = FromFile(kDefaultAdminCredentials, "default");
  }
  return c;
}

namespace {
bool IsArn(std::string_view text) { return text.starts_with("arn:"); }
}  // namespace

std::string StateMachineArnFor(std::string_view name_or_arn, const RemoteOptions& options) {
  if (IsArn(name_or_arn)) return std::string(name_or_arn);
  return common::FormatStateMachineArn(options.arns, name_or_arn);
}

std::string ActivityArnFor(std::string_view name_or_arn, const RemoteOptions& options) {
  if (IsArn(name_or_arn)) return std::string(name_or_arn);
  return common::FormatActivityArn(options.arns, name_or_arn);
}

std::string ExecutionArnFor(std::string_view arn, const RemoteOptions& options) {
  if (IsArn(arn)) return std::string(arn);
  auto colon = arn.find(':');
  if (colon == std::string_view::npos) return std::string(arn);
  return common::FormatExecutionArn(options.arns, arn.substr(0, colon), arn.substr(colon + 1));
}

int ReportError(const api::ApiError& error) {
  std::cerr << "tactus: " << error.code << ": " << error.message << "\n";
  if (error.http_status == 0 && error.code == kEndpointConnectionError) {
    std::cerr << "tactus: is the server running? Start it with `tactus serve` (it listens on "
              << kDefaultEndpoint.substr(7)
              << " by default), or point --endpoint or TACTUS_ENDPOINT at it.\n";
  }
  if (error.code == "MissingAuthenticationTokenException") {
    std::cerr << "tactus: the request was not signed: pass credentials with --data DIR (the "
                 "`tactus serve --data` directory, for its admin-credentials), TACTUS_DATA, "
                 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile.\n";
  }
  return 1;
}

void PrintJson(const json::value& value) {
  std::string text = common::SerializePrettyJson(value);
  std::cout << text << (text.ends_with('\n') ? "" : "\n");
}

int CallAndPrint(const RemoteOptions& options, std::string_view action, const json::object& params,
                 const std::function<void(const json::object&)>& print_text) {
  ApiClient client(options.endpoint, CredentialsFor(options));
  auto answer = client.Call(action, params);
  if (!answer.ok()) return ReportError(answer.error());
  if (options.json) {
    PrintJson(*answer);
  } else {
    print_text(*answer);
  }
  return 0;
}

api::ApiResult<json::object> CallAllPages(ApiClient& client, std::string_view action,
                                          json::object params, std::string_view list_key) {
  json::array items;
  while (true) {
    auto page = client.Call(action, params);
    if (!page.ok()) return std::move(page).error();
    if (auto* list = page->if_contains(list_key); list && list->is_array()) {
      for (auto& item : list->as_array()) items.push_back(std::move(item));
    }
    auto* token = page->if_contains("nextToken");
    if (!token || !token->is_string() || token->as_string().empty()) break;
    params["nextToken"] = *token;
  }
  json::object all;
  all[list_key] = std::move(items);
  return all;
}

bool ReadArgumentOrFile(const std::string& argument, std::string* out) {
  if (!argument.starts_with("@")) {
    *out = argument;
    return true;
  }
  auto content = common::ReadFile(argument.substr(1));
  if (!content.ok()) {
    std::cerr << "tactus: " << content.status().message() << "\n";
    return false;
  }
  *out = std::move(content).value();
  return true;
}

}  // namespace tactus::cli
