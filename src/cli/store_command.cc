#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "docdb/embedded_server.h"

namespace tactus::cli {
namespace {

struct StoreArgs {
  std::string dbpath = "./tactus-data", bind = "127.0.0.1", unix_path;
  int port = 27017;
  bool auth = false;
  int ttl_monitor_seconds = 60;
  std::int64_t oplog_max_entries = 1'000'000;
  std::int64_t oplog_max_age_seconds = 24 * 3600;
};

int RunStore(const StoreArgs& args) {
  // Block the stop signals before any thread starts, then wait for one of them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  docdb::EmbeddedServer::Options options;
  options.dbpath = args.dbpath;
  options.bind_ip = args.bind;
  options.port = args.port;
  options.unix_path = args.unix_path;
  options.auth = args.auth;
  options.ttl_monitor_seconds = args.ttl_monitor_seconds;
  options.oplog_max_entries = args.oplog_max_entries;
  options.oplog_max_age_seconds = args.oplog_max_age_seconds;
  auto server = docdb::EmbeddedServer::Start(options);
  if (!server.ok()) {
    std::cerr << "tactus store: " << server.status().message() << "\n";
    return 1;
  }
  if (args.port >= 0) {
    std::cout << "tactus store: listening on " << args.bind << ":" << server.value()->port()
              << " (data in " << args.dbpath << ")" << std::endl;
  }
  if (!args.unix_path.empty()) {
    std::cout << "tactus store: listening on " << args.unix_path << std::endl;
  }
  std::cout << "tactus store: connect with " << server.value()->uri() << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << "tactus store: stopping" << std::endl;
  server.value()->Stop();
  return 0;
}

}  // namespace

void RegisterStore(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "store", "Run the embedded MongoDB-compatible store (drivers connect to it as to MongoDB)");
  static StoreArgs args;
  cmd->add_option("--dbpath", args.dbpath, "Data directory (created if missing)");
  cmd->add_option("--bind", args.bind, "Address to listen on");
  cmd->add_option("--port", args.port, "TCP port (0: any free port; -1: no TCP)");
  cmd->add_option("--unix", args.unix_path, "Also listen on this Unix socket");
  cmd->add_flag("--auth", args.auth,
                "Require authentication (SCRAM-SHA-256) and enforce roles; with no user yet, "
                "a localhost client may create the first user in admin");
  cmd->add_option("--ttl-monitor-seconds", args.ttl_monitor_seconds,
                  "Seconds between passes of the TTL monitor that deletes expired documents "
                  "(0: never)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--oplog-max-entries", args.oplog_max_entries,
                  "Change-stream history: keep at most this many oplog entries")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--oplog-max-age-seconds", args.oplog_max_age_seconds,
                  "Change-stream history: trim oplog entries older than this")
      ->check(CLI::PositiveNumber);
  cmd->callback([exit_code]() { *exit_code = RunStore(args); });
}

}  // namespace tactus::cli
