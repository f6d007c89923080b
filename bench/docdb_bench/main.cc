// The embedded store against SQLite itself (`make bench`; bench/README.md, "docdb").
//
// Every operation runs three times in the same process and the same run:
//   sqlite  the work done directly on SQLite in-process with prepared statements: the store's
//           own schema (documents + index_entries), the same keys (query::EncodeKeyValue),
//           documents built with libbson the same way, one connection per thread, WAL, the same
//           synchronous setting and busy timeout, BEGIN IMMEDIATE around every write;
//   wire    docdb in-process: the OP_MSG messages libmongoc sends for the operation, handed to
//           the store without a socket (EmbeddedServer::InProcessClient; wire_side.cc): the
//           server's parsing, sessions, matching, key encoding, its SQLite transaction, the BSON
//           reply and its framing, and reading the reply;
//   mongoc  docdb through libmongoc (a mongoc_client_pool_t, one client per thread) against the
//           same EmbeddedServer on loopback TCP: all of the above plus the driver and the socket.
// "wire x" (wire cost / sqlite cost) is what the wire protocol and the BSON handling add to
// SQLite: the target is at most 2x for every operation. "mongoc x" adds the driver and the
// socket, whose floor (a bare loopback echo, a libmongoc ping) is measured in the same run.
//
// Then the idle-connection test: a child process (this binary, re-executed: the client sockets
// need file descriptors of their own, the server's 10,000 already use half of a 20,000 limit)
// opens N raw TCP connections and sends one OP_MSG hello on each; with all of them held, a fresh
// libmongoc client must still ping within 100 ms; finally every held connection is pinged once.
//
// Plain std::chrono rather than Google Benchmark: each figure is one timed run of a fixed number
// of operations over 1 or 8 threads, and all sides must see exactly the same operations.
//
// Usage: docdb_bench [--ops=2000] [--batches=20] [--preload=10000] [--threads=1,8]
//                    [--idle=10000] [--repetitions=5] [--durable] [--unix]
//                    [--only=insertOne,find,...] [--agg-docs=1000000] [--sides=sqlite,wire,mongoc]
//   --agg-docs the size of the aggregation figures ($group, $lookup vs GROUP BY, JOIN;
//              aggregate_bench.cc); 0 skips them
//   --durable  synchronous=FULL on both sides (default NORMAL on both: the store's non-durable
//              mode; FULL adds an fsync per commit that hides everything else)
//   --unix     the driver connects through the store's Unix socket, as `tactus serve` does
//   --sides    which of sqlite,wire,mongoc to run (default all; for profiling one of them)
//
// The files: common.h (options, the Worker/Side interfaces, the documents), mongoc_side.* (docdb
// through libmongoc), sqlite_side.* (direct SQLite), idle_connections.* (the idle-connection
// test), and this one (the operations, Measure, the arguments and the table).
#include <mongoc/mongoc.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "aggregate_bench.h"
#include "common.h"
#include "idle_connections.h"
#include "mongoc_side.h"
#include "sqlite_side.h"
#include "transport_floor.h"
#include "wire_side.h"

namespace docdb_bench {
namespace {

// ---- the measured operations ----

struct Operation {
  const char* name;
  const char* index_field;  // the collection's secondary index
  bool preload;             // runs against `preload` existing documents
  // Operations of this kind in one run (insertMany: batches).
  std::function<int(const Options&)> count;
  // Performs operation number `i` (0 <= i < count) as thread `t`.
  std::function<void(Worker&, int i, int t, std::mt19937_64& rng, const Options&)> run;
};

std::vector<Operation> Operations() {
  auto random_id = [](std::mt19937_64& rng, const Options& o) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(o.preload));
  };
  return {
      {"insertOne", "k", false, [](const Options& o) { return o.ops; },
       [](Worker& w, int i, int, std::mt19937_64&, const Options&) { w.InsertOne(i); }},
      {"insertMany(1000)", "k", false, [](const Options& o) { return o.batches; },
       [](Worker& w, int i, int, std::mt19937_64&, const Options&) {
         w.InsertMany(static_cast<std::int64_t>(i) * kBatch, kBatch);
       }},
      {"find by _id", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.FindById(random_id(rng, o));
       }},
      {"find by indexed field", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.FindByKey(random_id(rng, o));
       }},
      {"updateOne by _id", "k", true, [](const Options& o) { return o.ops; },
       [random_id](Worker& w, int, int, std::mt19937_64& rng, const Options& o) {
         w.UpdateById(random_id(rng, o));
       }},
      // Every claim needs a ready job: preload >= ops (checked in main).
      {"findAndModify claim", "status", true, [](const Options& o) { return o.ops; },
       [](Worker& w, int i, int t, std::mt19937_64&, const Options&) {
         w.ClaimJob("worker-" + std::to_string(t), 1700000000000LL + i);
       }},
  };
}

// Runs `op` with `threads` threads on `side`; returns operations per second.
double Measure(Side& side, const Operation& op, int threads, const Options& options) {
  static int runs = 0;
  // Appended piecewise: GCC 12 warns (-Wrestrict, falsely) about operator+ chains here.
  std::string coll = "c";
  coll += std::to_string(++runs);
  coll += '_';
  coll += std::to_string(threads);
  side.Prepare(coll, op.index_field, op.preload ? options.preload : 0);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(side.NewWorker(coll));
  for (auto& w : workers) w->Warm();  // connections and handshakes, not timed
  const int total = op.count(options);
  // The clock starts in the barrier's completion step, before any thread is released.
  Clock::time_point t0;
  std::barrier start(threads + 1, [&t0]() noexcept { t0 = Clock::now(); });
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(42 + static_cast<std::uint64_t>(t));
      start.arrive_and_wait();
      try {
        for (int i = t; i < total && !failed; i += threads) op.run(*workers[t], i, t, rng, options);
      } catch (const std::exception& e) {
        std::lock_guard lock(failure_mu);
        if (!failed.exchange(true)) failure = e.what();
      }
    });
  }
  start.arrive_and_wait();
  for (auto& th : pool) th.join();
  double elapsed = Seconds(Clock::now() - t0);
  if (failed) Die(std::string(side.name()) + " " + op.name + ": " + failure);
  return total / elapsed;
}

std::vector<int> ParseInts(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

bool Selected(const Options& options, const std::string& name) {
  if (options.only.empty()) return true;
  std::string list = "," + options.only + ",";
  std::string key = name.substr(0, name.find_first_of(" ("));
  return list.find("," + key + ",") != std::string::npos ||
         list.find("," + name + ",") != std::string::npos;
}

}  // namespace

// main's body, in the namespace so that it names everything above unqualified.
int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      std::size_t n = std::strlen(flag);
      return arg.compare(0, n, flag) == 0 ? arg.c_str() + n : nullptr;
    };
    if (const char* v = value("--hold-connections=")) {
      int port = 0, count = 0;
      if (std::sscanf(v, "%d:%d", &port, &count) != 2) Die("bad --hold-connections");
      return HoldConnections(port, count);
    } else if (const char* v = value("--ops=")) {
      options.ops = std::atoi(v);
    } else if (const char* v = value("--batches=")) {
      options.batches = std::atoi(v);
    } else if (const char* v = value("--preload=")) {
      options.preload = std::atoi(v);
    } else if (const char* v = value("--threads=")) {
      options.threads = ParseInts(v);
    } else if (const char* v = value("--idle=")) {
      options.idle = std::atoi(v);
    } else if (const char* v = value("--sides=")) {
      options.sides = v;
    } else if (const char* v = value("--only=")) {
      options.only = v;
    } else if (const char* v = value("--repetitions=")) {
      options.repetitions = std::max(1, std::atoi(v));
    } else if (const char* v = value("--agg-docs=")) {
      options.agg_docs = std::atoi(v);
    } else if (arg == "--durable") {
      options.durable = true;
    } else if (arg == "--unix") {
      options.unix_socket = true;
    } else {
      std::fprintf(stderr,
                   "usage: docdb_bench [--ops=N] [--batches=N] [--preload=N] [--threads=1,8] "
                   "[--idle=N] [--repetitions=N] [--durable] [--unix] "
                   "[--only=insertOne,find,...] [--agg-docs=N] [--sides=sqlite,wire,mongoc]\n");
      return 2;
    }
  }
  if (options.preload < options.ops) options.preload = options.ops;  // enough jobs to claim

  mongoc_init();
  char dir_template[] = "/tmp/docdb-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp failed");
  std::string dir = dir_template;
  std::filesystem::create_directories(dir + "/docdb");
  std::filesystem::create_directories(dir + "/sqlite");
  {
    DocdbSide docdb(dir + "/docdb", options.durable, options.unix_socket);
    WireSide wire(docdb);
    SqliteSide sqlite(dir + "/sqlite", options.durable);
    std::printf(
        "docdb (libmongoc %s over %s; and in-process: the same OP_MSG messages, no socket) vs "
        "direct SQLite %s; WAL, synchronous=%s on all sides\n",
        MONGOC_VERSION_S, options.unix_socket ? "the Unix socket" : "loopback TCP",
        sqlite3_libversion(), options.durable ? "FULL" : "NORMAL");
    std::printf(
        "%d operations per run (insertMany: %d batches of %d); finds and updates on "
        "%d documents; each figure the median of %d runs\n\n",
        options.ops, options.batches, kBatch, options.preload, options.repetitions);
    std::printf("| %-22s | %7s | %12s | %12s | %12s | %10s | %10s | %-6s |\n", "operation",
                "threads", "sqlite ops/s", "wire ops/s", "mongoc ops/s", "wire x", "mongoc x",
                "<= 2x");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(24, '-').c_str(),
                std::string(9, '-').c_str(), std::string(14, '-').c_str(),
                std::string(14, '-').c_str(), std::string(14, '-').c_str(),
                std::string(12, '-').c_str(), std::string(12, '-').c_str(),
                std::string(8, '-').c_str());
    int missed = 0;
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    for (const Operation& op : Operations()) {
      if (!Selected(options, op.name)) continue;
      for (int threads : options.threads) {
        // Alternating sides, so a burst of load on the (shared) machine hits all three.
        std::vector<double> ms, ws, ss;
        for (int r = 0; r < options.repetitions; ++r) {
          ss.push_back(options.Runs("sqlite") ? Measure(sqlite, op, threads, options) : 0);
          ws.push_back(options.Runs("wire") ? Measure(wire, op, threads, options) : 0);
          ms.push_back(options.Runs("mongoc") ? Measure(docdb, op, threads, options) : 0);
        }
        const double s = median(ss), w = median(ws), m = median(ms);
        missed += s / w > 2.0;
        std::printf("| %-22s | %7d | %12.0f | %12.0f | %12.0f | %10.2f | %10.2f | %-6s |\n",
                    op.name, threads, s, w, m, s / w, s / m, s / w <= 2.0 ? "yes" : "NO");
        std::fflush(stdout);
      }
    }
    std::printf(
        "\nwire x = cost of the in-process wire path / direct SQLite cost (the target: the wire "
        "protocol\nand BSON handling at most 2x); mongoc x = the same through libmongoc and the "
        "socket. insertMany\ncounts batches of %d. Wire target met for %s.\n\n",
        kBatch, missed == 0 ? "every operation" : "not every operation");
    // The socket's share: round trips with no command behind them.
    const int floor_ops = options.Runs("mongoc") ? std::max(options.ops, 2000) : 0;
    std::vector<double> echo;
    for (int r = 0; r < options.repetitions && floor_ops > 0; ++r) {
      echo.push_back(RawEchoRate(floor_ops));
    }
    if (floor_ops > 0) {
      std::printf("transport floor: bare loopback TCP echo (1 thread) %.0f round trips/s (%.1f us)",
                  median(echo), 1e6 / median(echo));
    }
    for (int threads : options.threads) {
      if (floor_ops == 0) break;
      std::vector<double> pings;
      for (int r = 0; r < options.repetitions; ++r) {
        pings.push_back(PingRate(docdb, threads, floor_ops));
      }
      std::printf("; libmongoc ping (%d thread%s) %.0f/s", threads, threads == 1 ? "" : "s",
                  median(pings));
    }
    std::printf("\n");
    if (options.agg_docs > 0) {
      AggregateBench(docdb.tcp_uri(), dir + "/sqlite", options.agg_docs, options.repetitions);
    }
    if (options.idle > 0) IdleConnectionTest(docdb, options.idle);
  }
  std::filesystem::remove_all(dir);
  mongoc_cleanup();
  return 0;
}

}  // namespace docdb_bench

int main(int argc, char** argv) { return docdb_bench::Main(argc, argv); }
