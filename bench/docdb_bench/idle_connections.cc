// The idle-connection test: the client sockets live in a child process (this binary,
// re-executed) because they need file descriptors of their own; the server's 10,000 already use
// half of a 20,000 limit.
#include "idle_connections.h"

#include <arpa/inet.h>
#include <bson/bson.h>
#include <mongoc/mongoc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace docdb_bench {
namespace {

// An OP_MSG with one body section: `doc` on `db`.
std::string OpMsg(std::int32_t request_id, const char* command) {
  bson_t doc = BSON_INITIALIZER;
  BSON_APPEND_INT32(&doc, command, 1);
  BSON_APPEND_UTF8(&doc, "$db", "admin");
  std::string msg(16, '\0');
  std::uint32_t flags = 0;
  msg.append(reinterpret_cast<const char*>(&flags), 4);
  msg.push_back('\0');  // section kind 0: the body
  msg.append(reinterpret_cast<const char*>(bson_get_data(&doc)), doc.len);
  bson_destroy(&doc);
  std::int32_t header[4] = {static_cast<std::int32_t>(msg.size()), request_id, 0, 2013};
  std::memcpy(msg.data(), header, sizeof header);  // little-endian host
  return msg;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool RecvReply(int fd) {
  std::int32_t length = 0;
  if (::recv(fd, &length, 4, MSG_WAITALL) != 4 || length < 16) return false;
  std::string rest(static_cast<std::size_t>(length) - 4, '\0');
  return ::recv(fd, rest.data(), rest.size(), MSG_WAITALL) == static_cast<ssize_t>(rest.size());
}

bool RoundTrip(int fd, std::int32_t id, const char* command) {
  return SendAll(fd, OpMsg(id, command)) && RecvReply(fd);
}

std::uint64_t RaiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

struct PingStats {
  double first_ms = -1;  // connect + handshake + ping on a fresh client
  double p50_ms = -1, max_ms = -1;
  std::string error;
};

PingStats PingFreshClient(const std::string& uri_string) {
  PingStats stats;
  bson_error_t error;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(uri_string.c_str(), &error);
  auto t0 = Clock::now();
  mongoc_client_t* client = mongoc_client_new_from_uri(uri);
  mongoc_uri_destroy(uri);
  bson_t* ping = BCON_NEW("ping", BCON_INT32(1));
  std::vector<double> times;
  for (int i = 0; i < 101; ++i) {
    auto t = Clock::now();
    if (!mongoc_client_command_simple(client, "admin", ping, nullptr, nullptr, &error)) {
      stats.error = error.message;
      break;
    }
    double ms = Millis(Clock::now() - t);
    if (i == 0) {
      stats.first_ms = Millis(Clock::now() - t0);
    } else {
      times.push_back(ms);
    }
  }
  bson_destroy(ping);
  mongoc_client_destroy(client);
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    stats.p50_ms = times[times.size() / 2];
    stats.max_ms = times.back();
  }
  return stats;
}

}  // namespace

// The child: opens `count` connections to 127.0.0.1:`port`, one hello on each; reports
// "held N MS"; on "check" pings every connection and reports "alive N MS"; exits at EOF.
int HoldConnections(int port, int count) {
  std::uint64_t limit = RaiseFileLimit();
  if (limit < static_cast<std::uint64_t>(count) + 64) {
    std::printf("error RLIMIT_NOFILE hard limit %llu is below %d connections\n",
                static_cast<unsigned long long>(limit), count);
    return 1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(count));
  auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        !RoundTrip(fd, i + 1, "hello")) {
      std::printf("error connection %d failed: %s\n", i, std::strerror(errno));
      std::fflush(stdout);
      return 1;
    }
    fds.push_back(fd);
  }
  std::printf("held %d %.1f\n", count, Millis(Clock::now() - t0));
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    if (std::strncmp(line, "check", 5) != 0) continue;
    auto t1 = Clock::now();
    int alive = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      alive += RoundTrip(fds[i], static_cast<std::int32_t>(count + i + 1), "ping") ? 1 : 0;
    }
    std::printf("alive %d %.1f\n", alive, Millis(Clock::now() - t1));
    std::fflush(stdout);
  }
  for (int fd : fds) ::close(fd);
  return 0;
}

void IdleConnectionTest(const DocdbSide& docdb, int count) {
  std::printf("\n%d idle connections (held by a child process; RLIMIT_NOFILE here %llu)\n", count,
              static_cast<unsigned long long>(RaiseFileLimit()));
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) Die("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::string hold =
      "--hold-connections=" + std::to_string(docdb.port()) + ":" + std::to_string(count);
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  char* argv[] = {self.data(), hold.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ) != 0) {
    Die("cannot start the connection-holding child");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  FILE* in = fdopen(from_child[0], "r");
  FILE* out = fdopen(to_child[1], "w");
  char line[256] = "";
  bool held = std::fgets(line, sizeof line, in) != nullptr && std::strncmp(line, "held", 4) == 0;
  if (!held) {
    std::printf("  FAILED: %s", line[0] ? line : "the child exited\n");
  } else {
    int n = 0;
    double ms = 0;
    std::sscanf(line, "held %d %lf", &n, &ms);
    std::printf("  opened %d connections, one hello each: %.0f ms (%.0f connections/s)\n", n, ms,
                n / (ms / 1000.0));
    // Let the server settle with everything idle, then a fresh client.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    PingStats ping = PingFreshClient(docdb.tcp_uri());
    if (!ping.error.empty()) {
      std::printf("  FAILED: ping on a fresh client: %s\n", ping.error.c_str());
    } else {
      std::printf(
          "  fresh libmongoc client while they are held: first ping (connect + "
          "handshake) %.2f ms; then 100 pings p50 %.3f ms, max %.3f ms -> %s\n",
          ping.first_ms, ping.p50_ms, ping.max_ms,
          ping.first_ms <= 100 && ping.max_ms <= 100 ? "target (<= 100 ms) met"
                                                     : "target (<= 100 ms) NOT met");
    }
    std::fputs("check\n", out);
    std::fflush(out);
    if (std::fgets(line, sizeof line, in) != nullptr && std::strncmp(line, "alive", 5) == 0) {
      int alive = 0;
      std::sscanf(line, "alive %d %lf", &alive, &ms);
      std::printf("  afterwards every held connection pinged once: %d of %d answered (%.0f ms)\n",
                  alive, n, ms);
    } else {
      std::printf("  FAILED: the held connections could not be checked\n");
    }
  }
  fclose(out);
  fclose(in);
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace docdb_bench
