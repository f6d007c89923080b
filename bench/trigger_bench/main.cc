// Change-stream trigger latency (bench/README.md, "triggers"): the time from just before a client
// inserts a document into shop.events to the moment the trigger's StartExecution has returned
// for it (the execution of a one-Pass state machine is then committed), with the trigger wired
// as `tactus serve` wires it: Registry + TriggerWatchers + a Starter that calls the real
// StartExecution of the Step Functions API on the durable runner.
// Peer, in the same run on the same store: the raw change-stream latency, insert -> event in
// hand of a plain libmongoc change stream opened with the watcher's own options ($match on the
// operation, fullDocument updateLookup, maxAwaitTimeMS 500). The difference is what Tactus adds.
//
// Both sides insert M documents one at a time: each insert waits for the previous one's event
// (or start), then pauses --pause-ms, so latencies do not queue. The peer watches its own
// collection (shop.events_peer) so the trigger does not fire for its inserts; the two sides take
// turns in 5 rounds of M/5 inserts, so a change of machine load hits both alike.
//
// Usage: trigger_bench [--events M] [--pause-ms P] [--durable 0|1] [--dir DIR]
//   (BENCH_TRIGGER_EVENTS gives the default M: 500)
#include <mongoc/mongoc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/sfn_api.h"
#include "docdb/embedded_server.h"
#include "mongo/mongo.h"
#include "runtime/durable_runner.h"
#include "tasks/unconfigured.h"
#include "triggers/registry.h"
#include "triggers/trigger_watcher.h"

using namespace tactus;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

constexpr std::int64_t kPeerBase = 1'000'000;
constexpr std::int64_t kWarmupBase = 2'000'000;
constexpr int kWarmup = 20;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "trigger_bench: %s\n", what.c_str());
  std::exit(1);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Arrival times by document _id, and a wait for one of them.
class Arrivals {
 public:
  void Seen(std::int64_t id) {
    auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      seen_.emplace_back(id, now);
    }
    cv_.notify_all();
  }
  // The time `id` arrived, or nullopt after `timeout`.
  std::optional<Clock::time_point> WaitFor(std::int64_t id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<Clock::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = seen_.rbegin(); it != seen_.rend(); ++it) {
        if (it->first == id) {
          at = it->second;
          return true;
        }
      }
      return false;
    });
    return at;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::int64_t, Clock::time_point>> seen_;
};

struct Figures {
  std::vector<double> latency_ms;
  std::vector<double> insert_ms;  // the acknowledged insert alone
  int missing = 0;
};

// Inserts ids first..first+count-1 into shop.events one at a time, each after the previous one
// arrived, and measures insert -> arrival.
Figures Drive(mongoc_collection_t* events, Arrivals& arrivals, std::int64_t first, int count,
              int pause_ms, std::chrono::milliseconds timeout) {
  Figures f;
  for (int i = 0; i < count; ++i) {
    std::int64_t id = first + i;
    bson_t* doc = BCON_NEW("_id", BCON_INT64(id), "type", BCON_UTF8("order.created"), "amount",
                           BCON_DOUBLE(12.5), "pad", BCON_UTF8("trigger-bench"));
    auto sent = Clock::now();
    bson_error_t error;
    if (!mongoc_collection_insert_one(events, doc, nullptr, nullptr, &error)) Die(error.message);
    auto acked = Clock::now();
    bson_destroy(doc);
    auto at = arrivals.WaitFor(id, timeout);
    if (!at) {
      ++f.missing;
    } else {
      f.latency_ms.push_back(std::chrono::duration<double, std::milli>(*at - sent).count());
    }
    f.insert_ms.push_back(std::chrono::duration<double, std::milli>(acked - sent).count());
    if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  return f;
}

std::int64_t DocumentKeyOf(const bson_t* event) {
  bson_iter_t it;
  if (!bson_iter_init(&it, event) || !bson_iter_find_descendant(&it, "documentKey._id", &it)) {
    return -1;
  }
  return bson_iter_as_int64(&it);
}

void Print(const char* name, const Figures& f) {
  std::printf(
      "  %-44s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu events%s; insert alone p50 "
      "%.2f ms)\n",
      name, Percentile(f.latency_ms, 0.5), Percentile(f.latency_ms, 0.99),
      Percentile(f.latency_ms, 1.0), f.latency_ms.size(),
      f.missing ? (", " + std::to_string(f.missing) + " MISSING").c_str() : "",
      Percentile(f.insert_ms, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  int events = 500;
  if (const char* e = std::getenv("BENCH_TRIGGER_EVENTS"); e && *e) events = std::atoi(e);
  int pause_ms = 5;
  bool durable = true;
  std::string dir = "/tmp/tactus-trigger-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--pause-ms")) pause_ms = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--durable")) durable = std::atoi(argv[i + 1]) != 0;
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  if (events <= 0) Die("--events must be positive");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  docdb::EmbeddedServer::Options store_options;
  store_options.dbpath = dir + "/store";
  store_options.port = -1;
  store_options.unix_path = dir + "/store.sock";
  store_options.worker_threads = 64;  // as `tactus serve`
  store_options.durable = durable;
  auto store = docdb::EmbeddedServer::Start(store_options);
  if (!store.ok()) Die(store.status().message());
  const std::string uri = (*store)->uri() + "/?directConnection=true";
  auto pool = mongo::Pool::Open(uri, 48);
  if (!pool.ok() || !(*pool)->WaitReady(10000).ok()) Die("cannot connect the pool");

  mongoc_client_t* writer = mongoc_client_new(uri.c_str());
  mongoc_collection_t* events_coll = mongoc_client_get_collection(writer, "shop", "events");
  for (const char* name : {"events", "events_peer"}) {
    mongoc_collection_t* c = mongoc_client_get_collection(writer, "shop", name);
    bson_t* doc = BCON_NEW("_id", BCON_INT64(-1));
    bson_error_t error;
    if (!mongoc_collection_insert_one(c, doc, nullptr, nullptr, &error)) Die(error.message);
    bson_destroy(doc);
    mongoc_collection_destroy(c);
  }
  std::printf(
      "trigger_bench: %d inserts per side, one at a time (%d ms pause), embedded "
      "store on a unix socket, %s\n",
      events, pause_ms,
      durable ? "durable (synchronous=FULL, the `tactus serve` default)"
              : "not durable (synchronous=NORMAL)");
  std::fflush(stdout);

  // Tactus: the trigger, as `tactus serve` wires it.
  tasks::UnconfiguredDispatcher unconfigured;
  runtime::DispatcherFor dispatchers = [&](const std::string&, const std::string&) -> auto& {
    return unconfigured;
  };
  common::SystemClock clock;
  runtime::DurableRunner runner(**pool, dispatchers, clock, {});
  if (!runner.Open().ok()) Die("runner.Open failed");
  api::StepFunctionsApi sfn(**pool, runner, dispatchers, clock, {});
  std::string machine;
  sfn.Call(
      "CreateStateMachine",
      json::object{{"name", "on-event"},
                   {"definition", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})"},
                   {"roleArn", "arn:aws:iam::123456789012:role/bench"}},
      [&](api::ApiResult<json::object> r) {
        if (!r.ok()) Die(r.error().code + ": " + r.error().message);
        machine = std::string(r->at("stateMachineArn").as_string());
      });
  Arrivals started;
  std::atomic<int> failures{0};
  // serve_command.cc's Starter, with the moment StartExecution returned recorded.
  triggers::Starter starter = [&](const std::string& arn, const std::string& name,
                                  const std::string& input) {
    std::promise<api::ApiResult<json::object>> answer;
    auto future = answer.get_future();
    sfn.Call("StartExecution",
             json::object{{"stateMachineArn", arn}, {"name", name}, {"input", input}},
             [&answer](api::ApiResult<json::object> r) { answer.set_value(std::move(r)); });
    api::ApiResult<json::object> r = future.get();
    triggers::StartResult result;
    if (r.ok()) {
      if (auto* a = r.value().if_contains("executionArn"); a && a->is_string()) {
        result.execution_arn = std::string(a->as_string());
      }
      auto parsed = common::ParseJson(input);
      std::int64_t id = -1;
      if (parsed.ok() && parsed->is_object()) {
        if (auto* key = parsed->as_object().if_contains("documentKey"); key && key->is_object()) {
          if (auto* v = key->as_object().if_contains("_id")) common::AsInt64(*v, &id);
        }
      }
      started.Seen(id);
      return result;
    }
    ++failures;
    result.message = r.error().code + ": " + r.error().message;
    result.code = r.error().http_status >= 500 ? triggers::StartResult::Code::kUnavailable
                                               : triggers::StartResult::Code::kRejected;
    return result;
  };
  triggers::Registry registry(**pool, "tactus");
  auto created = registry.Create(
      triggers::Kind::kTrigger, "bench",
      json::object{{"Database", "shop"}, {"Collection", "events"}, {"Target", {{"Arn", machine}}}},
      clock.Now());
  if (!created.ok()) Die(created.message());
  triggers::TriggerOptions trigger_options;
  trigger_options.owner = runner.options().owner;
  triggers::TriggerWatchers watchers(registry, clock, starter, trigger_options);
  watchers.Start();

  // The peer: a plain change stream with the watcher's options.
  mongoc_client_t* watcher = mongoc_client_new(uri.c_str());
  mongoc_collection_t* peer_coll = mongoc_client_get_collection(watcher, "shop", "events_peer");
  mongoc_collection_t* peer_events = mongoc_client_get_collection(writer, "shop", "events_peer");
  bson_t* pipeline = BCON_NEW("pipeline", "[", "{", "$match", "{", "operationType", "{", "$in", "[",
                              BCON_UTF8("insert"), "]", "}", "}", "}", "]");
  bson_t* opts =
      BCON_NEW("fullDocument", BCON_UTF8("updateLookup"), "maxAwaitTimeMS", BCON_INT64(500));
  mongoc_change_stream_t* stream = mongoc_collection_watch(peer_coll, pipeline, opts);
  Arrivals seen;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      const bson_t* event = nullptr;
      if (!mongoc_change_stream_next(stream, &event)) {
        bson_error_t error;
        if (mongoc_change_stream_error_document(stream, &error, nullptr)) Die(error.message);
        continue;
      }
      seen.Seen(DocumentKeyOf(event));
    }
  });

  Drive(peer_events, seen, kWarmupBase, kWarmup, pause_ms, std::chrono::seconds(10));
  Drive(events_coll, started, kWarmupBase, kWarmup, pause_ms, std::chrono::seconds(15));
  Figures peer, tactus;
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    int from = events * round / kRounds, to = events * (round + 1) / kRounds;
    auto append = [](Figures& all, const Figures& f) {
      all.latency_ms.insert(all.latency_ms.end(), f.latency_ms.begin(), f.latency_ms.end());
      all.insert_ms.insert(all.insert_ms.end(), f.insert_ms.begin(), f.insert_ms.end());
      all.missing += f.missing;
    };
    append(peer, Drive(peer_events, seen, kPeerBase + from, to - from, pause_ms,
                       std::chrono::seconds(10)));
    append(tactus,
           Drive(events_coll, started, from, to - from, pause_ms, std::chrono::seconds(10)));
  }
  stop = true;
  reader.join();  // the parked getMore returns within maxAwaitTimeMS
  mongoc_change_stream_destroy(stream);
  bson_destroy(opts);
  bson_destroy(pipeline);
  mongoc_collection_destroy(peer_events);
  mongoc_collection_destroy(peer_coll);
  mongoc_client_destroy(watcher);
  watchers.Stop();
  runner.Shutdown();

  std::printf("insert -> event / execution started (%d events each, paced):\n", events);
  Print("peer: plain libmongoc change stream", peer);
  Print("tactus: trigger -> StartExecution returned", tactus);
  std::printf(
      "trigger latency: tactus p50 %.2f ms / p99 %.2f ms, change stream p50 %.2f ms / p99 "
      "%.2f ms: tactus adds %.2f ms at p50, %.2f ms at p99%s\n",
      Percentile(tactus.latency_ms, 0.5), Percentile(tactus.latency_ms, 0.99),
      Percentile(peer.latency_ms, 0.5), Percentile(peer.latency_ms, 0.99),
      Percentile(tactus.latency_ms, 0.5) - Percentile(peer.latency_ms, 0.5),
      Percentile(tactus.latency_ms, 0.99) - Percentile(peer.latency_ms, 0.99),
      failures || tactus.missing || peer.missing ? "  (FAILURES)" : "");
  mongoc_collection_destroy(events_coll);
  mongoc_client_destroy(writer);
  pool->reset();
  store->reset();
  std::filesystem::remove_all(dir);
  return failures || tactus.missing || peer.missing ? 1 : 0;
}
