// CallAuditor against the embedded store: every answered call gets its record, written in
// batches after the answers; the record names the caller the answer names for unsigned calls.
#include "api/call_audit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "api/sts_api.h"
#include "docdb/testing/temp_store.h"

namespace tactus::api {
namespace {

constexpr const char* kDb = "audit_calls";

std::int64_t Records(mongo::Pool& pool, const bson_t* filter) {
  mongo::Client client = pool.Acquire();
  std::int64_t n = -1;
  EXPECT_TRUE(mongo::CountDocuments(client.Collection(kDb, "records"), filter, &n).ok());
  return n;
}

TEST(CallAuditorTest, EveryAnsweredCallIsRecordedOnceAfterItsAnswer) {
  auto store = docdb::testing::TempStore::Start({.prefix = "tactus-call-audit"});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  mongo::Pool& pool = (*store)->pool();
  common::SystemClock clock;
  constexpr int kThreads = 8, kCalls = 250;
  std::atomic<int> answered{0};
  {
    CallAuditor auditor(pool, kDb, clock, "test");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCalls; ++i) {
          HttpRequest request;
          request.method = "POST";
          request.target = "/";
          request.remote_ip = "127.0.0.1";
          AuthOutcome auth;
          auth.principal = "arn:aws:iam::123456789012:user/u" + std::to_string(t);
          auth.permission = {"states:ListActivities", "*"};
          auth.decision = "Allow";
          Responder respond = auditor.Wrap(request, auth, [&](HttpResponse) { answered++; });
          respond(HttpResponse{});
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(answered.load(), kThreads * kCalls);
  }  // the auditor writes what is queued before it is gone
  mongo::BsonPtr all(bson_new());
  EXPECT_EQ(Records(pool, all.get()), kThreads * kCalls);
  mongo::BsonPtr api(BCON_NEW("kind", BCON_UTF8("api")));
  EXPECT_EQ(Records(pool, api.get()), kThreads * kCalls);
}

TEST(CallAuditorTest, AnUnsignedCallIsRecordedUnderTheCallerItsAnswerNames) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/";
  AuthOutcome auth;  // "anonymous"
  HttpResponse response;
  response.principal = WebIdentityCaller("https://issuer.example", "alice");
  audit::Record r = ApiCallRecord(request, auth, response, 5, "p");
  EXPECT_EQ(r.fields.at("principal"), "web-identity:https://issuer.example#alice");
  EXPECT_EQ(ApiCallRecord(request, auth, HttpResponse{}, 5, "p").fields.at("principal"),
            "anonymous");
}

}  // namespace
}  // namespace tactus::api
