// tactus: one binary for everything (see README.md).
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Tactus: Amazon States Language workflows for MongoDB"};
  app.require_subcommand(1);
  int exit_code = 0;
  tactus::cli::RegisterValidate(app, &exit_code);
  tactus::cli::RegisterRun(app, &exit_code);
  tactus::cli::RegisterStore(app, &exit_code);
  tactus::cli::RegisterServe(app, &exit_code);
  tactus::cli::RegisterStateMachines(app, &exit_code);
  tactus::cli::RegisterExecutions(app, &exit_code);
  tactus::cli::RegisterActivities(app, &exit_code);
  tactus::cli::RegisterTasks(app, &exit_code);
  tactus::cli::RegisterSchedules(app, &exit_code);
  tactus::cli::RegisterTriggers(app, &exit_code);
  tactus::cli::RegisterConnections(app, &exit_code);
  tactus::cli::RegisterSecrets(app, &exit_code);
  tactus::cli::RegisterFunctions(app, &exit_code);
  tactus::cli::RegisterIam(app, &exit_code);
  tactus::cli::RegisterAudit(app, &exit_code);
  tactus::cli::RegisterPolicy(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
