// `tactus store` as a child process for the libmongoc crash tests (kill -9 and restart).
// REQUIRES: TACTUS_BIN names the tactus binary.
#pragma once

#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {

// `tactus store --dbpath DIR --port 0` as a child process; its port is read from its stdout.
class StoreProcess {
 public:
  // `extra_args` are added to the command line (e.g. {"--oplog-max-entries", "10"}).
  explicit StoreProcess(std::string dbpath, std::vector<std::string> extra_args = {})
      : dbpath_(std::move(dbpath)), extra_args_(std::move(extra_args)) {}
  ~StoreProcess() { Kill9(); }
  StoreProcess(const StoreProcess&) = delete;
  StoreProcess& operator=(const StoreProcess&) = delete;

  // Starts the store and waits (up to 30 s) for its "listening on" line. Returns "" on success,
  // else what went wrong and what the child printed.
  std::string Start() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    std::vector<std::string> args = {TACTUS_BIN, "store", "--dbpath", dbpath_, "--port", "0"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, TACTUS_BIN, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_fd_ = fds[0];
    if (spawned != 0) {
      pid_ = -1;
      return std::string("cannot run ") + TACTUS_BIN + ": " + strerror(spawned);
    }
    // The child keeps writing to the pipe after this line; it stays open until Kill9().
    const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch match;
      if (std::regex_search(output, match, listening) &&
          output.find('\n', match.position()) != std::string::npos) {
        port_ = std::stoi(match[1]);
        return "";
      }
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      char buf[512];
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) return "tactus store exited before listening: " + output;
      output.append(buf, static_cast<std::size_t>(n));
    }
    return "tactus store did not report its port: " + output;
  }

  void Kill9() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (out_fd_ >= 0) {
      close(out_fd_);
      out_fd_ = -1;
    }
  }

  std::string Uri() const {
    return "mongodb://127.0.0.1:" + std::to_string(port_) +
           "/?directConnection=true&serverSelectionTimeoutMS=10000";
  }

 private:
  std::string dbpath_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
};

}  // namespace tactus::docdb
