// What the commands that drive a running `tactus serve` share (state-machines, executions,
// activities, tasks): the common options, names expanded to ARNs, error reporting and paging.
//
// Exit codes of every remote command: 0 success, 1 an API or connection error (or an execution
// that did not succeed), 2 a usage error (unreadable file).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "cli/api_client.h"
#include "common/arn.h"

namespace tactus::cli {

struct RemoteOptions {
  std::string endpoint = std::string(kDefaultEndpoint);
  bool json = false;
  common::ArnContext arns;
  std::string profile;  // --profile: a section of $AWS_SHARED_CREDENTIALS_FILE
  std::string data;     // --data (default $TACTUS_DATA): DIR/admin-credentials
};

// Adds --endpoint (default: $TACTUS_ENDPOINT, else kDefaultEndpoint), --json, --region,
// --account, --profile and --data to `cmd`, bound to *options, which must outlive the app.
void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options);

// The credentials requests are signed with (docs/auth.md, "Credentials of the tactus CLI"), first
// match: --profile (from $AWS_SHARED_CREDENTIALS_FILE, else DIR/admin-credentials of --data);
// $AWS_ACCESS_KEY_ID + $AWS_SECRET_ACCESS_KEY (+ $AWS_SESSION_TOKEN); --data DIR or $TACTUS_DATA
// -> DIR/admin-credentials, section [default]; ./tactus-data/admin-credentials (where `tactus
// serve` without --data writes it). ~/.aws/credentials is never read implicitly. None:
// no keys (requests go unsigned). A file or profile that cannot be read is reported on stderr.
ClientCredentials CredentialsFor(const RemoteOptions& options);

// Parses AWS shared-credentials text: the keys of section `profile`, or nullopt when it has no
// aws_access_key_id and aws_secret_access_key.
std::optional<auth::SigV4Credentials> ParseSharedCredentials(std::string_view text,
                                                             std::string_view profile);

// An argument that starts with "arn:" is used as is; anything else is a name, expanded with the
// options' partition, region and account (common/arn.h).
std::string StateMachineArnFor(std::string_view name_or_arn, const RemoteOptions& options);
std::string ActivityArnFor(std::string_view name_or_arn, const RemoteOptions& options);
// Also accepts "MACHINE:EXECUTION" (names cannot contain ':').
std::string ExecutionArnFor(std::string_view arn, const RemoteOptions& options);

// Prints `error` to stderr as "tactus: <Code>: <message>"; a connection failure also says how to
// start `tactus serve` and point the CLI at it. Returns 1, the exit code.
int ReportError(const api::ApiError& error);

// Prints `value` as indented JSON on stdout.
void PrintJson(const json::value& value);

// Calls `action` once. On success prints the answer as JSON with --json, or through `print_text`
// otherwise, and returns 0; on failure reports the error and returns 1.
int CallAndPrint(const RemoteOptions& options, std::string_view action, const json::object& params,
                 const std::function<void(const json::object&)>& print_text);

// Calls a paged action (ListExecutions, GetExecutionHistory, ...) until there is no nextToken and
// returns one answer whose `list_key` array holds the items of every page.
api::ApiResult<json::object> CallAllPages(ApiClient& client, std::string_view action,
                                          json::object params, std::string_view list_key);

// "TEXT" as is, "@PATH" the file's content. False (with a message on stderr) when the file
// cannot be read.
bool ReadArgumentOrFile(const std::string& argument, std::string* out);

}  // namespace tactus::cli
