// Change-stream event latency of the embedded store (bench/README.md, "docdb change streams"):
// the time from just before a client sends an acknowledged insert to the moment another client
// has the insert's change event in hand through libmongoc (mongoc_change_stream_next). One
// insert in flight at a time, so each latency is one commit (fsync with --durable) plus the
// wake-up of the parked getMore and its reply. Reports p50, p99 and max.
//
// Usage: change_stream_bench [--events=2000] [--durable]
#include <mongoc/mongoc.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "docdb/embedded_server.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "change_stream_bench: %s\n", what.c_str());
  std::exit(1);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int events = 2000;
  bool durable = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--events=", 9) == 0) {
      events = std::atoi(argv[i] + 9);
    } else if (std::strcmp(argv[i], "--durable") == 0) {
      durable = true;
    } else {
      Die(std::string("unknown argument ") + argv[i]);
    }
  }
  char dir_template[] = "/tmp/cs-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp failed");
  tactus::docdb::EmbeddedServer::Options options;
  options.dbpath = dir_template;
  options.port = 0;
  options.durable = durable;
  auto server = tactus::docdb::EmbeddedServer::Start(options);
  if (!server.ok()) Die(server.status().ToString());
  const std::string uri = "mongodb://127.0.0.1:" + std::to_string(server.value()->port()) +
                          "/?directConnection=true";
  mongoc_init();
  mongoc_client_t* writer = mongoc_client_new(uri.c_str());
  mongoc_client_t* watcher = mongoc_client_new(uri.c_str());
  mongoc_collection_t* wcoll = mongoc_client_get_collection(writer, "bench", "c");
  mongoc_collection_t* scoll = mongoc_client_get_collection(watcher, "bench", "c");
  bson_t* opts = BCON_NEW("maxAwaitTimeMS", BCON_INT32(1000));
  bson_t empty = BSON_INITIALIZER;
  mongoc_change_stream_t* stream = mongoc_collection_watch(scoll, &empty, opts);

  std::vector<Clock::time_point> sent(static_cast<std::size_t>(events));
  std::vector<double> latency_us(static_cast<std::size_t>(events), -1);
  std::atomic<int> received{0};
  std::thread reader([&] {
    while (received < events) {
      const bson_t* doc = nullptr;
      if (!mongoc_change_stream_next(stream, &doc)) {
        bson_error_t error;
        if (mongoc_change_stream_error_document(stream, &error, nullptr)) Die(error.message);
        continue;
      }
      auto now = Clock::now();
      bson_iter_t it;
      if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, "documentKey._id", &it)) {
        Die("an event without documentKey._id");
      }
      auto i = static_cast<std::size_t>(bson_iter_as_int64(&it));
      latency_us[i] = std::chrono::duration<double, std::micro>(now - sent[i]).count();
      ++received;
    }
  });
  auto start = Clock::now();
  for (int i = 0; i < events; ++i) {
    bson_t* doc = BCON_NEW("_id", BCON_INT64(i), "pad", BCON_UTF8("change-stream-bench"));
    // Paced: the next insert follows the previous event, so latencies do not queue.
    while (received < i) std::this_thread::yield();
    sent[static_cast<std::size_t>(i)] = Clock::now();
    bson_error_t error;
    if (!mongoc_collection_insert_one(wcoll, doc, nullptr, nullptr, &error)) Die(error.message);
    bson_destroy(doc);
  }
  reader.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("change_stream_bench: %d events (%s), insert -> event through libmongoc:\n", events,
              durable ? "durable, synchronous=FULL" : "synchronous=NORMAL");
  std::printf("  p50 %.0f us   p99 %.0f us   max %.0f us   (%.0f events/s paced)\n",
              Percentile(latency_us, 0.50), Percentile(latency_us, 0.99),
              Percentile(latency_us, 1.0), events / seconds);
  mongoc_change_stream_destroy(stream);
  bson_destroy(opts);
  mongoc_collection_destroy(wcoll);
  mongoc_collection_destroy(scoll);
  mongoc_client_destroy(writer);
  mongoc_client_destroy(watcher);
  mongoc_cleanup();
  server.value().reset();
  std::filesystem::remove_all(dir_template);
  return 0;
}
