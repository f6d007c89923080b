#include "cli/remote.h"

#include <cstdlib>
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
  return 1;
}

void PrintJson(const json::value& value) {
  std::string text = common::SerializePrettyJson(value);
  std::cout << text << (text.ends_with('\n') ? "" : "\n");
}

int CallAndPrint(const RemoteOptions& options, std::string_view action, const json::object& params,
                 const std::function<void(const json::object&)>& print_text) {
  ApiClient client(options.endpoint);
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
