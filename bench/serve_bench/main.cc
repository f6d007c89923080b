// `tactus serve` benchmarks (bench/README.md, "serve"): the durable runner on the embedded store
// in this process, measured as the issue asks:
//   1. STANDARD state transitions/s with 1, 16 and 64 concurrent clients starting a 5-state
//      Pass/Choice workflow (each StartExecution commits all five transitions in one step);
//   2. StartSyncExecution over HTTP with 16 keep-alive connections: requests/s, p50/p99;
//   3. RSS with N executions parked on a Wait state.
// AWS's published figures are printed beside ours as the reference (there is no local peer
// that runs Step Functions durably): the default StateTransition quota of 5,000/s.
//
// Usage: serve_bench [--seconds S] [--parked N] [--dir DIR] [--durable 0|1]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "api/call_audit.h"
#include "api/http_test_client.h"
#include "api/sfn_api.h"
#include "audit/audit.h"
#include "docdb/embedded_server.h"
#include "mongo/mongo.h"
#include "runtime/durable_runner.h"
#include "tasks/unconfigured.h"

using namespace tactus;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

constexpr const char* kFiveStates = R"({"StartAt":"A","States":{
  "A":{"Type":"Pass","Result":{"n":1},"Next":"B"},
  "B":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"C"}],"Default":"D"},
  "C":{"Type":"Pass","Next":"D"},
  "D":{"Type":"Pass","Next":"E"},
  "E":{"Type":"Succeed"}}})";
constexpr int kTransitionsPerExecution = 5;
constexpr const char* kParked = R"({"StartAt":"W","States":{
  "W":{"Type":"Wait","Seconds":86400,"End":true}}})";

long RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string Call(api::StepFunctionsApi& sfn, const std::string& action, json::object params) {
  std::string out;
  sfn.Call(action, params, [&](api::ApiResult<json::object> r) {
    out = r.ok() ? common::SerializeJson(*r) : "ERROR " + r.error().code + ": " + r.error().message;
  });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int parked = 100000;
  bool durable = true;
  std::string dir = "/tmp/tactus-serve-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--parked")) parked = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    // --durable 0: the store skips fsync (synchronous=NORMAL), to see what the disk costs.
    if (!std::strcmp(argv[i], "--durable")) durable = std::atoi(argv[i + 1]) != 0;
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  docdb::EmbeddedServer::Options store_options;
  store_options.dbpath = dir + "/store";
  store_options.port = -1;
  store_options.unix_path = dir + "/store.sock";
  store_options.worker_threads = 64;
  store_options.durable = durable;  // as `tactus serve`: more workers than connections
  auto store = docdb::EmbeddedServer::Start(store_options);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return 1;
  }
  auto pool = mongo::Pool::Open((*store)->uri() + "/?directConnection=true", 48);
  if (!pool.ok() || !(*pool)->WaitReady(10000).ok()) return 1;
  tasks::UnconfiguredDispatcher unconfigured;
  runtime::DispatcherFor dispatchers = [&](const std::string&, const std::string&) -> auto& {
    return unconfigured;
  };
  common::SystemClock clock;
  runtime::DurableRunner runner(**pool, dispatchers, clock, {});
  if (!runner.Open().ok()) return 1;
  api::StepFunctionsApi sfn(**pool, runner, dispatchers, clock, {});
  const std::string role = "arn:aws:iam::123456789012:role/bench";
  std::cout << Call(sfn, "CreateStateMachine",
                    {{"name", "five"}, {"definition", kFiveStates}, {"roleArn", role}})
            << "\n";
  Call(sfn, "CreateStateMachine",
       {{"name", "five-express"}, {"definition", kFiveStates}, {"roleArn", role},
        {"type", "EXPRESS"}});
  Call(sfn, "CreateStateMachine", {{"name", "parked"}, {"definition", kParked}, {"roleArn", role}});
  const std::string prefix = "arn:aws:states:us-east-1:123456789012:stateMachine:";

  std::printf("\n%-44s %14s %14s %8s\n", "benchmark", "tactus", "reference", "ratio");
  // 1. STANDARD transitions/s.
  auto transitions = [&](api::StepFunctionsApi& api, const std::string& tag, int clients,
                         long* failures) {
    std::atomic<long> done{0}, failed{0};
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    auto start = Clock::now();
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        for (long i = 0; Clock::now() < deadline; ++i) {
          std::string r = Call(api, "StartExecution",
                               {{"stateMachineArn", prefix + "five"},
                                {"name", tag + std::to_string(clients) + "-" + std::to_string(t) +
                                             "-" + std::to_string(i)}});
          (r.rfind("ERROR", 0) == 0 ? failed : done)++;
        }
      });
    }
    for (auto& th : threads) th.join();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    *failures += failed;
    return done * kTransitionsPerExecution / elapsed;
  };
  for (int clients : {1, 16, 64}) {
    long failed = 0;
    double rate = transitions(sfn, "c", clients, &failed);
    char name[64];
    std::snprintf(name, sizeof(name), "STANDARD transitions/s, %d clients", clients);
    std::printf("%-44s %14.0f %14s %8.2f  (AWS default quota 5,000/s; target 20,000)%s\n", name,
                rate, "5000", rate / 5000, failed ? " FAILURES" : "");
  }
  {
    // Audit on vs off at 16 clients. On, as `tactus serve` runs by default: every step also
    // inserts its audit records and a chainer links them meanwhile. Each side has its own Tactus
    // database on the same store, and the sides alternate for kAuditRounds rounds so that neither
    // gains from running first on a smaller store; the medians are compared.
    constexpr int kAuditRounds = 3;
    runtime::DurableOptions audited_options;
    audited_options.database = "tactus_audited";
    audited_options.audit_database = "bench_audit";
    runtime::DurableRunner audited(**pool, dispatchers, clock, audited_options);
    if (!audited.Open().ok()) return 1;
    api::SfnOptions audited_api_options;
    audited_api_options.database = "tactus_audited";
    api::StepFunctionsApi audited_api(**pool, audited, dispatchers, clock, audited_api_options);
    Call(audited_api, "CreateStateMachine",
         {{"name", "five"}, {"definition", kFiveStates}, {"roleArn", role}});
    audit::ChainerOptions chain;
    chain.database = "bench_audit";
    audit::Chainer chainer(pool->get(), chain);
    std::vector<double> off, on;
    long failed = 0;
    for (int round = 0; round < kAuditRounds; ++round) {
      off.push_back(transitions(sfn, "off" + std::to_string(round) + "-", 16, &failed));
      chainer.Start();
      on.push_back(transitions(audited_api, "on" + std::to_string(round) + "-", 16, &failed));
      chainer.Stop();
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("%-44s %14.0f %14.0f %8.2f  (reference: audit off; target >= 0.80; "
                "medians of %d alternating rounds)%s\n",
                "  with the audit trail, 16 clients", median(on), median(off),
                median(on) / median(off), kAuditRounds, failed ? " FAILURES" : "");

    // The same over HTTP, as `tactus serve` serves it: audited, each call also gets its API
    // record (api/call_audit.h) after its answer. (Without SigV4: its cost is the same on both
    // sides.)
    api::CallAuditor auditor(**pool, "bench_audit", clock, "bench");
    auto serve = [&](api::StepFunctionsApi& api, bool audit) {
      api::HttpServerOptions options;
      options.port = 0;
      return api::HttpServer::Start(options, [&, audit](api::HttpRequest r, api::Responder w) {
        if (audit) {
          api::AuthOutcome auth;
          auth.principal = "arn:aws:iam::123456789012:user/bench";
          auth.permission = {"states:StartExecution", prefix + "five"};
          auth.decision = "Allow";
          w = auditor.Wrap(r, std::move(auth), std::move(w));
        }
        api.Handle(std::move(r), std::move(w));
      });
    };
    auto plain_server = serve(sfn, false);
    auto audited_server = serve(audited_api, true);
    if (!plain_server.ok() || !audited_server.ok()) return 1;
    auto over_http = [&](int port, const std::string& tag) {
      std::atomic<long> done{0}, errors{0};
      auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
      auto start = Clock::now();
      std::vector<std::thread> threads;
      for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
          api::TestHttpConnection conn(port);
          for (long i = 0; Clock::now() < deadline; ++i) {
            std::string body = R"({"stateMachineArn":")" + prefix + R"(five","name":")" + tag +
                               std::to_string(t) + "-" + std::to_string(i) + R"("})";
            if (!conn.Send(api::MakeRawRequest(
                    "POST", "/", body,
                    {"X-Amz-Target: AWSStepFunctions.StartExecution",
                     "Content-Type: application/x-amz-json-1.0"}))) {
              break;
            }
            auto r = conn.Read();
            if (!r || r->status != 200) {
              errors++;
              break;
            }
            done++;
          }
        });
      }
      for (auto& th : threads) th.join();
      failed += errors;
      return done * kTransitionsPerExecution /
             std::chrono::duration<double>(Clock::now() - start).count();
    };
    std::vector<double> http_off, http_on;
    for (int round = 0; round < kAuditRounds; ++round) {
      http_off.push_back(over_http((*plain_server)->port(), "hoff" + std::to_string(round) + "-"));
      chainer.Start();
      http_on.push_back(over_http((*audited_server)->port(), "hon" + std::to_string(round) + "-"));
      chainer.Stop();
    }
    std::printf("%-44s %14.0f %14.0f %8.2f  (StartExecution over HTTP, 16 connections; with "
                "API records; reference: audit off; target >= 0.80)%s\n",
                "  ... over HTTP, with API records", median(http_on), median(http_off),
                median(http_on) / median(http_off), failed ? " FAILURES" : "");
    (*plain_server)->Stop(std::chrono::milliseconds(1000));
    (*audited_server)->Stop(std::chrono::milliseconds(1000));
    audited.Shutdown();
  }

  // 2. StartSyncExecution over HTTP, 16 connections.
  api::HttpServerOptions http;
  http.port = 0;
  auto server = api::HttpServer::Start(
      http, [&](api::HttpRequest r, api::Responder w) { sfn.Handle(std::move(r), std::move(w)); });
  if (!server.ok()) return 1;
  int port = (*server)->port();
  std::string body = R"({"stateMachineArn":")" + prefix + R"(five-express","input":"{}"})";
  std::string raw = api::MakeRawRequest(
      "POST", "/", body,
      {"X-Amz-Target: AWSStepFunctions.StartSyncExecution",
       "Content-Type: application/x-amz-json-1.0"});
  std::vector<std::vector<double>> latencies(16);
  std::atomic<long> errors{0};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      api::TestHttpConnection conn(port);
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        if (!conn.Send(raw)) break;
        auto r = conn.Read();
        if (!r || r->status != 200) {
          errors++;
          break;
        }
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0 : all[std::min(all.size() - 1, size_t(p * all.size()))]; };
  std::printf("%-44s %14.0f %14s %8.2f  (target 10,000/s)%s\n",
              "StartSyncExecution req/s, 16 connections", all.size() / elapsed, "10000",
              all.size() / elapsed / 10000, errors ? " ERRORS" : "");
  std::printf("%-44s %14.2f %14s %8s\n", "  latency p50 (ms)", pct(0.50), "-", "");
  std::printf("%-44s %14.2f %14s %8.2f  (target p99 < 5 ms)\n", "  latency p99 (ms)", pct(0.99),
              "5", pct(0.99) / 5);
  (*server)->Stop(std::chrono::milliseconds(1000));

  // 3. RSS with parked executions.
  long rss_before = RssKiB();
  std::atomic<int> next{0};
  start = Clock::now();
  threads.clear();
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < parked; i = next++) {
        Call(sfn, "StartExecution",
             {{"stateMachineArn", prefix + "parked"}, {"name", "p" + std::to_string(i)}});
      }
    });
  }
  for (auto& th : threads) th.join();
  elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  long rss = RssKiB();
  char name[64];
  std::snprintf(name, sizeof(name), "RSS MiB with %d parked executions", parked);
  std::printf("%-44s %14.0f %14s %8.2f  (target <= 1 GiB; before: %ld MiB; started in %.1f s)\n",
              name, rss / 1024.0, "1024", rss / 1024.0 / 1024, rss_before / 1024, elapsed);
  runner.Shutdown();
  return 0;
}
