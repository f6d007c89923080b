#include "transport_floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

namespace docdb_bench {
namespace {

constexpr int kEchoBytes = 100;

bool WriteAll(int fd, const char* data, int len) {
  while (len > 0) {
    ssize_t n = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    len -= static_cast<int>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, int len) {
  while (len > 0) {
    ssize_t n = ::recv(fd, data, static_cast<std::size_t>(len), 0);
    if (n <= 0) return false;
    data += n;
    len -= static_cast<int>(n);
  }
  return true;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

double PingRate(DocdbSide& docdb, int threads, int ops) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(docdb.NewWorker("ping"));
  for (auto& w : workers) w->Warm();
  Clock::time_point t0;
  std::barrier start(threads + 1, [&t0]() noexcept { t0 = Clock::now(); });
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = t; i < ops; i += threads) workers[t]->Warm();  // Warm is one ping
    });
  }
  start.arrive_and_wait();
  for (auto& th : pool) th.join();
  return ops / Seconds(Clock::now() - t0);
}

double RawEchoRate(int ops) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("raw echo: cannot listen on loopback");
  }
  std::thread echo([listener] {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    NoDelay(fd);
    char buf[kEchoBytes];
    while (ReadAll(fd, buf, kEchoBytes) && WriteAll(fd, buf, kEchoBytes)) {
    }
    ::close(fd);
  });
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Die("raw echo: cannot connect");
  }
  NoDelay(fd);
  char buf[kEchoBytes] = {};
  bool ok = WriteAll(fd, buf, kEchoBytes) && ReadAll(fd, buf, kEchoBytes);  // warm
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; ok && i < ops; ++i) ok = WriteAll(fd, buf, kEchoBytes) && ReadAll(fd, buf, kEchoBytes);
  const double rate = ops / Seconds(Clock::now() - t0);
  ::close(fd);
  echo.join();
  ::close(listener);
  if (!ok) Die("raw echo: the connection failed");
  return rate;
}

}  // namespace docdb_bench
