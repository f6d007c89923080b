// The embedded MongoDB-compatible store as one object: storage on DIR/docdb.sqlite, the
// command dispatcher, and the network server (TCP and/or a Unix socket). `tactus store` runs
// one; `tactus serve` starts one in-process on a Unix socket inside its data directory.
//
// Thread-safe. Destroying the server stops it (connections closed, in-flight commands finish).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace tactus::docdb {

class EmbeddedServer {
 public:
  struct Options {
    std::string dbpath;  // created if missing
    std::string bind_ip = "127.0.0.1";
    int port = 27017;       // 0: an ephemeral port; -1: no TCP listener
    std::string unix_path;  // empty: no Unix socket
    bool durable = true;    // synchronous=FULL
    // Writers waiting for SQLite's write lock hold a worker each; enough workers keep reads
    // and pings answering meanwhile.
    int worker_threads = 16;
    // Require authentication (SCRAM) and enforce roles on every command (docs/docdb.md,
    // "Users and authentication"). With no user yet, a localhost client may create the first
    // user in admin (the localhost exception).
    bool auth = false;
    // Seconds between passes of the TTL monitor (MongoDB's ttlMonitorSleepSecs); 0: no monitor
    // thread (RunTtlMonitorOnce still works).
    int ttl_monitor_seconds = 60;
    // Oplog retention for change streams (docs/docdb.md, "Change streams"): entries beyond the
    // newest `oplog_max_entries`, and entries older than `oplog_max_age_seconds`, are trimmed
    // by a background thread every `oplog_trim_interval_ms` (0: no thread); the newest entry
    // always stays. Resuming from a trimmed position fails with ChangeStreamHistoryLost (286).
    std::int64_t oplog_max_entries = 1'000'000;
    std::int64_t oplog_max_age_seconds = 24 * 3600;
    std::int64_t oplog_trim_interval_ms = 10'000;
  };

  // Opens the store and starts listening. Fails when the data directory cannot be used (see
  // storage::Store::Open) or a listener cannot bind.
  static common::Result<std::unique_ptr<EmbeddedServer>> Start(const Options& options);
  ~EmbeddedServer();

  // The bound TCP port (useful with port 0); -1 without TCP.
  int port() const;
  // A connection string for drivers: the Unix socket when there is one, else TCP.
  std::string uri() const;
  void Stop();

  // A client inside this process: each Call sends one whole wire message (as a driver would
  // write it to the socket) through the same path as a socket connection's messages (parse,
  // session and auth checks, the command, the framed reply) and returns the reply's bytes
  // ("" for moreToCome). No socket and no thread hand-off: docdb_bench uses it to measure the
  // wire protocol and command layer apart from the transport. It is a connection of its own
  // (sessions, authentication); destroying it disconnects it. One Call at a time per client;
  // a Call waits when the command does (a change stream's awaitData getMore).
  // REQUIRES: the client is destroyed before the server.
  class InProcessClient {
   public:
    ~InProcessClient();
    InProcessClient(const InProcessClient&) = delete;
    InProcessClient& operator=(const InProcessClient&) = delete;
    std::string Call(const std::uint8_t* message, std::size_t len);

   private:
    friend class EmbeddedServer;
    struct State;
    explicit InProcessClient(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  std::unique_ptr<InProcessClient> ConnectInProcess();

  // One TTL monitor pass now (tests, and `tactus store` never needs it): the documents
  // deleted, or the storage error that stopped the pass.
  common::Result<std::int64_t> RunTtlMonitorOnce();
  // One oplog trim now (tests): the entries removed.
  common::Result<std::int64_t> TrimOplogOnce();

  struct Impl;

 private:
  explicit EmbeddedServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tactus::docdb
