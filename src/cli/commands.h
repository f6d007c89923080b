// The `tactus` subcommands. Each Register* adds one subcommand to the CLI11 app; the callback
// sets the process exit code through *exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace tactus::cli {

void RegisterValidate(CLI::App& app, int* exit_code);
void RegisterRun(CLI::App& app, int* exit_code);
void RegisterStore(CLI::App& app, int* exit_code);
void RegisterServe(CLI::App& app, int* exit_code);
// Clients of a running `tactus serve` (remote.h, docs/api.md "CLI").
void RegisterStateMachines(CLI::App& app, int* exit_code);
void RegisterExecutions(CLI::App& app, int* exit_code);
void RegisterActivities(CLI::App& app, int* exit_code);
void RegisterTasks(CLI::App& app, int* exit_code);
// Tactus's own definitions on a running `tactus serve` (definitions.h, api/control_api.h).
void RegisterSchedules(CLI::App& app, int* exit_code);
void RegisterTriggers(CLI::App& app, int* exit_code);
void RegisterConnections(CLI::App& app, int* exit_code);
void RegisterFunctions(CLI::App& app, int* exit_code);
// `tactus secrets list|rotate` (docs/auth.md, "Secrets").
void RegisterSecrets(CLI::App& app, int* exit_code);
// IAM users, groups, roles and policies on a running `tactus serve` (docs/auth.md).
void RegisterIam(CLI::App& app, int* exit_code);
// The audit trail, read from the store directly (an auditor's tool; docs/auth.md).
void RegisterAudit(CLI::App& app, int* exit_code);
// `tactus policy suggest`: the policy a definition's execution role needs (docs/auth.md).
void RegisterPolicy(CLI::App& app, int* exit_code);

// Reads a whole file. Returns false and prints "tactus: cannot read FILE" to stderr on failure.
bool ReadFile(const std::string& path, std::string* out);

}  // namespace tactus::cli
