// Archiving old documents (bench/README.md, "archive"): the same job done two ways on the same
// embedded store, in one run.
//   peer:   a plain libmongoc loop, as a user's cron script does it: find up to B documents with
//           createdAt older than 30 days (sort _id, limit B), insertMany them into
//           cold.orders_archive, deleteMany {_id: {$in: ids}}, until none is left;
//   tactus: a STANDARD execution on the durable runner (as `tactus serve` runs it) of
//           Archive (mongodb:archive, same filter, BatchSize B, countRemaining false) -> Choice
//           HasMore -> Archive;
//           each batch commits with its step (exactly once).
// Each side gets a fresh store seeded identically: N documents of shop.orders (~200 bytes) whose
// createdAt spreads over the last 90 days in _id order (ObjectIds made from createdAt, as orders
// inserted over time get), so about 2/3 are older than 30 days. After each side the run checks:
// no old document left in the source, exactly the old count in the target, no duplicate _id.
//
// Each side stops after --max-seconds (the peer after its batch in hand; Tactus, which runs in a
// child process, is killed, and the store reopened)
// and then reports documents moved / seconds, marked partial, and verifies what was moved.
//
// Usage: archive_bench [--docs N] [--batches 1000,5000] [--max-seconds S] [--durable 0|1]
//                      [--dir DIR] [--only peer|tactus]
//   (BENCH_ARCHIVE_DOCS, BENCH_ARCHIVE_BATCHES and BENCH_ARCHIVE_SECONDS give the defaults:
//   1000000, 1000, 300)
#include <mongoc/mongoc.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/sfn_api.h"
#include "docdb/embedded_server.h"
#include "mongo/mongo.h"
#include "runtime/durable_runner.h"
#include "tasks/unconfigured.h"

using namespace tactus;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "archive_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Store {
  std::unique_ptr<docdb::EmbeddedServer> server;
  std::string uri;
};

// A fresh store in `dir`, or with `reopen` the one left there (after a killed process).
Store StartStore(const std::string& dir, bool durable, bool reopen = false) {
  if (!reopen) std::filesystem::remove_all(dir);
  std::filesystem::remove(dir + "/store.sock");
  std::filesystem::create_directories(dir);
  docdb::EmbeddedServer::Options options;
  options.dbpath = dir + "/store";
  options.port = -1;
  options.unix_path = dir + "/store.sock";
  options.worker_threads = 64;  // as `tactus serve`
  options.durable = durable;
  auto started = docdb::EmbeddedServer::Start(options);
  if (!started.ok()) Die(started.status().message());
  Store s;
  s.server = std::move(*started);
  s.uri = s.server->uri() + "/?directConnection=true";
  return s;
}

struct Seeded {
  std::int64_t old_count = 0;
  std::int64_t cutoff_ms = 0;
  double avg_bytes = 0;
  double seconds = 0;
};

// N orders, createdAt from now-90d to now in _id order; the cutoff is now-30d.
Seeded Seed(const std::string& uri, std::int64_t n, std::int64_t now_ms) {
  Seeded s;
  s.cutoff_ms = now_ms - 30 * kDayMs;
  const std::int64_t first = now_ms - 90 * kDayMs;
  mongoc_client_t* client = mongoc_client_new(uri.c_str());
  mongoc_collection_t* orders = mongoc_client_get_collection(client, "shop", "orders");
  const char* statuses[] = {"delivered", "shipped", "cancelled", "returned"};
  std::vector<bson_t*> batch;
  std::int64_t bytes = 0;
  auto start = Clock::now();
  auto flush = [&] {
    if (batch.empty()) return;
    bson_error_t error;
    if (!mongoc_collection_insert_many(orders, const_cast<const bson_t**>(batch.data()),
                                       batch.size(), nullptr, nullptr, &error)) {
      Die(std::string("seeding: ") + error.message);
    }
    for (bson_t* d : batch) bson_destroy(d);
    batch.clear();
  };
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t created = first + (90 * kDayMs) * i / n;
    if (created < s.cutoff_ms) ++s.old_count;
    // An ObjectId as a driver makes it at that time: seconds, then a counter.
    std::uint8_t oid_bytes[12];
    std::uint32_t secs = static_cast<std::uint32_t>(created / 1000);
    for (int b = 0; b < 4; ++b) oid_bytes[b] = static_cast<std::uint8_t>(secs >> (24 - 8 * b));
    for (int b = 0; b < 8; ++b) oid_bytes[4 + b] = static_cast<std::uint8_t>(i >> (56 - 8 * b));
    bson_oid_t oid;
    bson_oid_init_from_data(&oid, oid_bytes);
    char customer[32], sku[32];
    std::snprintf(customer, sizeof customer, "customer-%07lld", static_cast<long long>(i % 50000));
    std::snprintf(sku, sizeof sku, "SKU-%08lld", static_cast<long long>((i * 7919) % 100000000));
    bson_t* doc =
        BCON_NEW("_id", BCON_OID(&oid), "createdAt", BCON_DATE_TIME(created), "customer",
                 BCON_UTF8(customer), "status", BCON_UTF8(statuses[i % 4]), "total",
                 BCON_DOUBLE(static_cast<double>(i % 100000) / 100.0), "items",
                 BCON_INT32(static_cast<std::int32_t>(1 + i % 9)), "sku", BCON_UTF8(sku), "shipTo",
                 BCON_UTF8("221B Baker Street, London NW1 6XE, United Kingdom"));
    bytes += doc->len;
    batch.push_back(doc);
    if (batch.size() == 10000) flush();
  }
  flush();
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  s.avg_bytes = n ? static_cast<double>(bytes) / static_cast<double>(n) : 0;
  mongoc_collection_destroy(orders);
  mongoc_client_destroy(client);
  return s;
}

bson_t* OldFilter(std::int64_t cutoff_ms) {
  return BCON_NEW("createdAt", "{", "$lt", BCON_DATE_TIME(cutoff_ms), "}");
}

// The peer: a plain driver loop, until nothing is left or `deadline` passed. Returns the
// documents moved.
std::int64_t PeerArchive(const std::string& uri, std::int64_t cutoff_ms, std::int64_t batch_size,
                         Clock::time_point deadline, std::int64_t* batches) {
  mongoc_client_t* client = mongoc_client_new(uri.c_str());
  mongoc_collection_t* source = mongoc_client_get_collection(client, "shop", "orders");
  mongoc_collection_t* target = mongoc_client_get_collection(client, "cold", "orders_archive");
  bson_t* filter = OldFilter(cutoff_ms);
  bson_t* opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit", BCON_INT64(batch_size));
  std::int64_t moved = 0;
  *batches = 0;
  while (true) {
    std::vector<bson_t*> docs;
    mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(source, filter, opts, nullptr);
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) docs.push_back(bson_copy(doc));
    bson_error_t error;
    if (mongoc_cursor_error(cursor, &error)) Die(std::string("peer find: ") + error.message);
    mongoc_cursor_destroy(cursor);
    if (docs.empty()) break;
    if (!mongoc_collection_insert_many(target, const_cast<const bson_t**>(docs.data()), docs.size(),
                                       nullptr, nullptr, &error)) {
      Die(std::string("peer insertMany: ") + error.message);
    }
    bson_t del = BSON_INITIALIZER, id, in;
    BSON_APPEND_DOCUMENT_BEGIN(&del, "_id", &id);
    BSON_APPEND_ARRAY_BEGIN(&id, "$in", &in);
    for (std::size_t i = 0; i < docs.size(); ++i) {
      bson_iter_t it;
      if (bson_iter_init_find(&it, docs[i], "_id")) {
        std::string key = std::to_string(i);
        bson_append_iter(&in, key.c_str(), -1, &it);
      }
    }
    bson_append_array_end(&id, &in);
    bson_append_document_end(&del, &id);
    if (!mongoc_collection_delete_many(source, &del, nullptr, nullptr, &error)) {
      Die(std::string("peer deleteMany: ") + error.message);
    }
    bson_destroy(&del);
    moved += static_cast<std::int64_t>(docs.size());
    ++*batches;
    for (bson_t* d : docs) bson_destroy(d);
    if (Clock::now() >= deadline) break;
  }
  bson_destroy(opts);
  bson_destroy(filter);
  mongoc_collection_destroy(source);
  mongoc_collection_destroy(target);
  mongoc_client_destroy(client);
  return moved;
}

std::string Call(api::StepFunctionsApi& sfn, const std::string& action, json::object params,
                 json::object* out = nullptr) {
  std::string text;
  sfn.Call(action, params, [&](api::ApiResult<json::object> r) {
    if (r.ok()) {
      text = common::SerializeJson(*r);
      if (out) *out = *r;
    } else {
      text = "ERROR " + r.error().code + ": " + r.error().message;
    }
  });
  return text;
}

std::string Definition(std::int64_t cutoff_ms, std::int64_t batch_size) {
  std::ostringstream d;
  d << R"({"StartAt":"Archive","States":{
  "Archive":{"Type":"Task","Resource":"arn:tactus:states:::mongodb:archive",
    "Parameters":{"Database":"shop","Collection":"orders",
      "Filter":{"createdAt":{"$lt":{"$date":{"$numberLong":")"
    << cutoff_ms << R"("}}}},
      "TargetDatabase":"cold","TargetCollection":"orders_archive","BatchSize":)"
    << batch_size << R"(,"Options":{"countRemaining":false}},
    "ResultSelector":{"HasMore.$":"$.HasMore","Moved.$":"$.Moved"},
    "ResultPath":"$.batch",
    "Retry":[{"ErrorEquals":["MongoDB.WriteConflict"],"MaxAttempts":5}],
    "Next":"More?"},
  "More?":{"Type":"Choice",
    "Choices":[{"Variable":"$.batch.HasMore","BooleanEquals":true,"Next":"Archive"}],
    "Default":"Done"},
  "Done":{"Type":"Succeed"}}})";
  return d.str();
}

// Tactus: one STANDARD execution of the archive loop on the durable runner, as `tactus serve`
// wires it. Calls `on_start` just before StartExecution; returns seconds from StartExecution until
// the execution is seen SUCCEEDED (or has failed).
double TactusArchive(const std::string& uri, std::int64_t cutoff_ms, std::int64_t batch_size,
                     const std::function<void()>& on_start, std::string* status_out) {
  auto pool = mongo::Pool::Open(uri, 48);
  if (!pool.ok() || !(*pool)->WaitReady(10000).ok()) Die("cannot connect the pool");
  // Own-deployment MongoDB tasks run inside the runner's step transaction whatever the
  // dispatcher (runtime/runner_step.cc); nothing else is called.
  tasks::UnconfiguredDispatcher unconfigured;
  runtime::DispatcherFor dispatchers = [&](const std::string&, const std::string&) -> auto& {
    return unconfigured;
  };
  common::SystemClock clock;
  runtime::DurableRunner runner(**pool, dispatchers, clock, {});
  if (!runner.Open().ok()) Die("runner.Open failed");
  api::StepFunctionsApi sfn(**pool, runner, dispatchers, clock, {});
  const std::string role = "arn:aws:iam::123456789012:role/bench";
  std::string created = Call(
      sfn, "CreateStateMachine",
      {{"name", "archive"}, {"definition", Definition(cutoff_ms, batch_size)}, {"roleArn", role}});
  if (created.rfind("ERROR", 0) == 0) Die(created);
  const std::string machine = "arn:aws:states:us-east-1:123456789012:stateMachine:archive";
  on_start();
  auto start = Clock::now();
  json::object started;
  std::string r =
      Call(sfn, "StartExecution",
           {{"stateMachineArn", machine}, {"name", "archive-1"}, {"input", "{}"}}, &started);
  if (r.rfind("ERROR", 0) == 0) Die(r);
  std::string arn(started.at("executionArn").as_string());
  std::string status = "RUNNING";
  while (status == "RUNNING") {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    json::object described;
    std::string d = Call(sfn, "DescribeExecution", {{"executionArn", arn}}, &described);
    if (d.rfind("ERROR", 0) == 0) Die(d);
    status = std::string(described.at("status").as_string());
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  *status_out = status;
  if (status != "SUCCEEDED") {
    json::object history;
    std::string h = Call(sfn, "GetExecutionHistory",
                         {{"executionArn", arn}, {"reverseOrder", true}, {"maxResults", 3}});
    std::fprintf(stderr, "archive_bench: execution %s: %s\n", status.c_str(), h.c_str());
  }
  runner.Shutdown();
  return seconds;
}

// Every document in exactly one place: the target holds only old documents, each _id once, the
// source the rest (no old document at all when the run was complete), N in all.
bool Verify(const std::string& uri, std::int64_t cutoff_ms, std::int64_t old_count, std::int64_t n,
            bool complete, std::int64_t* moved, std::string* detail) {
  mongoc_client_t* client = mongoc_client_new(uri.c_str());
  mongoc_collection_t* source = mongoc_client_get_collection(client, "shop", "orders");
  mongoc_collection_t* target = mongoc_client_get_collection(client, "cold", "orders_archive");
  bson_t* filter = OldFilter(cutoff_ms);
  bson_t empty = BSON_INITIALIZER;
  bson_error_t error;
  std::int64_t source_old =
      mongoc_collection_count_documents(source, filter, nullptr, nullptr, nullptr, &error);
  std::int64_t source_all =
      mongoc_collection_count_documents(source, &empty, nullptr, nullptr, nullptr, &error);
  std::int64_t target_all =
      mongoc_collection_count_documents(target, &empty, nullptr, nullptr, nullptr, &error);
  std::int64_t target_old =
      mongoc_collection_count_documents(target, filter, nullptr, nullptr, nullptr, &error);
  bson_t* pipeline = BCON_NEW("pipeline", "[", "{", "$group", "{", "_id", BCON_UTF8("$_id"), "}",
                              "}", "{", "$count", BCON_UTF8("n"), "}", "]");
  mongoc_cursor_t* cursor =
      mongoc_collection_aggregate(target, MONGOC_QUERY_NONE, pipeline, nullptr, nullptr);
  std::int64_t distinct = 0;
  const bson_t* doc = nullptr;
  if (mongoc_cursor_next(cursor, &doc)) {
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, "n")) distinct = bson_iter_as_int64(&it);
  }
  mongoc_cursor_destroy(cursor);
  bson_destroy(pipeline);
  bson_destroy(filter);
  mongoc_collection_destroy(source);
  mongoc_collection_destroy(target);
  mongoc_client_destroy(client);
  char text[320];
  std::snprintf(text, sizeof text,
                "source old %lld (want %s), source total %lld, target %lld / old %lld /"
                " distinct _id %lld (want %lld), source + target %lld (want %lld)",
                static_cast<long long>(source_old), complete ? "0" : "old - target",
                static_cast<long long>(source_all), static_cast<long long>(target_all),
                static_cast<long long>(target_old), static_cast<long long>(distinct),
                static_cast<long long>(complete ? old_count : target_all),
                static_cast<long long>(source_all + target_all), static_cast<long long>(n));
  *detail = text;
  *moved = target_all;
  return (!complete || source_old == 0) && source_old + target_all == old_count &&
         source_all + target_all == n && target_old == target_all && distinct == target_all;
}

std::vector<std::int64_t> ParseList(const std::string& text) {
  std::vector<std::int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::atoll(item.c_str()));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t docs = 1000000;
  std::string batches_text = "1000";
  if (const char* e = std::getenv("BENCH_ARCHIVE_DOCS"); e && *e) docs = std::atoll(e);
  if (const char* e = std::getenv("BENCH_ARCHIVE_BATCHES"); e && *e) batches_text = e;
  double max_seconds = 300;
  if (const char* e = std::getenv("BENCH_ARCHIVE_SECONDS"); e && *e) max_seconds = std::atof(e);
  std::string only;  // "peer" or "tactus": one side (for profiling)
  bool durable = true;
  std::string dir = "/tmp/tactus-archive-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--docs")) docs = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batches")) batches_text = argv[i + 1];
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--max-seconds")) max_seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--durable")) durable = std::atoi(argv[i + 1]) != 0;
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  std::vector<std::int64_t> batches = ParseList(batches_text);
  if (docs <= 0 || batches.empty()) Die("--docs and --batches must be positive");
  mongo::InitOnce();
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  std::printf("archive_bench: %lld documents in shop.orders, embedded store on a unix socket, %s\n",
              static_cast<long long>(docs),
              durable ? "durable (synchronous=FULL, the `tactus serve` default)"
                      : "not durable (synchronous=NORMAL)");
  std::fflush(stdout);
  bool all_pass = true;
  for (std::int64_t batch : batches) {
    double rate[2] = {0, 0};
    bool partial = false;
    for (int side = 0; side < 2; ++side) {
      if ((only == "peer" && side != 0) || (only == "tactus" && side != 1)) continue;
      const char* name = side == 0 ? "peer (libmongoc loop)" : "tactus (STANDARD, durable runner)";
      Store store = StartStore(dir, durable);
      Seeded seeded = Seed(store.uri, docs, now_ms);
      std::printf("  B=%lld %-34s seeded %lld docs (%.0f B avg, %lld older than 30 d) in %.1f s\n",
                  static_cast<long long>(batch), name, static_cast<long long>(docs),
                  seeded.avg_bytes, static_cast<long long>(seeded.old_count), seeded.seconds);
      std::fflush(stdout);
      double seconds = 0;
      std::string extra;
      bool complete = true;
      auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(max_seconds));
      if (side == 0) {
        std::int64_t n_batches = 0;
        auto start = Clock::now();
        std::int64_t moved = PeerArchive(store.uri, seeded.cutoff_ms, batch, deadline, &n_batches);
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
        complete = moved == seeded.old_count;
        extra = std::to_string(n_batches) + " batches";
      } else {
        // In a child process killed (SIGKILL) at the time limit: neither StopExecution nor
        // DurableRunner::Shutdown ends a running loop of steps (bench/README.md). The store is
        // then reopened here, so the checks below also cover a crash in the middle of a batch.
        store.server.reset();
        int pipe_fds[2];
        if (pipe(pipe_fds) != 0) Die("pipe failed");
        pid_t child = fork();
        if (child < 0) Die("fork failed");
        if (child == 0) {
          close(pipe_fds[0]);
          Store own = StartStore(dir, durable, /*reopen=*/true);
          std::string status;
          double s = TactusArchive(
              own.uri, seeded.cutoff_ms, batch,
              [&] {
                if (write(pipe_fds[1], "S", 1) != 1) _exit(3);
              },
              &status);
          std::string line = std::to_string(s) + " " + status + "\n";
          if (write(pipe_fds[1], line.data(), line.size()) < 0) _exit(3);
          _exit(0);
        }
        close(pipe_fds[1]);
        std::string got;
        char c = 0;
        if (read(pipe_fds[0], &c, 1) != 1 || c != 'S') Die("the tactus side did not start");
        auto start = Clock::now();
        deadline = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(max_seconds));
        bool done = false;
        while (!done) {
          auto left =
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
          pollfd p{pipe_fds[0], POLLIN, 0};
          int ready = poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
          if (ready <= 0) break;  // the time limit
          char buffer[256];
          ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
          if (n <= 0) break;  // the child died
          got.append(buffer, static_cast<std::size_t>(n));
          done = got.find('\n') != std::string::npos;
        }
        if (done) {
          seconds = std::atof(got.c_str());
          std::string status = got.substr(got.find(' ') + 1);
          status.pop_back();
          complete = status == "SUCCEEDED";
          extra = "execution " + status;
        } else {
          kill(child, SIGKILL);
          seconds = std::chrono::duration<double>(Clock::now() - start).count();
          complete = false;
          extra = "process killed at the time limit";
        }
        waitpid(child, nullptr, 0);
        close(pipe_fds[0]);
        store = StartStore(dir, durable, /*reopen=*/true);
      }
      std::string detail;
      std::int64_t moved = 0;
      bool pass =
          Verify(store.uri, seeded.cutoff_ms, seeded.old_count, docs, complete, &moved, &detail);
      all_pass = all_pass && pass;
      partial = partial || !complete;
      rate[side] = static_cast<double>(moved) / seconds;
      std::printf("  B=%lld %-34s %8.2f s %10.0f docs/s  moved %lld of %lld%s (%s)  %s: %s\n",
                  static_cast<long long>(batch), name, seconds, rate[side],
                  static_cast<long long>(moved), static_cast<long long>(seeded.old_count),
                  complete ? "" : " (time limit: partial)", extra.c_str(), pass ? "PASS" : "FAIL",
                  detail.c_str());
      std::fflush(stdout);
      store.server.reset();
      std::filesystem::remove_all(dir);
    }
    if (!only.empty()) continue;
    std::printf(
        "archive N=%lld B=%lld: tactus %.0f docs/s, peer %.0f docs/s, tactus/peer %.2fx "
        "(target >= 0.8x)%s%s\n\n",
        static_cast<long long>(docs), static_cast<long long>(batch), rate[1], rate[0],
        rate[1] / rate[0], rate[1] / rate[0] >= 0.8 ? "" : "  BELOW TARGET",
        partial ? "  [partial: stopped at the time limit]" : "");
    std::fflush(stdout);
  }
  std::printf("archive verification: %s\n", all_pass ? "PASS" : "FAIL");
  return all_pass ? 0 : 1;
}
