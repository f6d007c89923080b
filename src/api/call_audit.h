// The audit record of each API call (docs/auth.md, "The audit record of a call"): who, from
// where, which action on which resource, the decision and its deciding statement, the request id
// and how it ended. `tactus serve` wraps every request's Responder with CallAuditor::Wrap.
//
// Thread safety: CallAuditor is thread-safe; ApiCallRecord is pure.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "api/authorize.h"
#include "api/http_server.h"
#include "audit/audit.h"
#include "common/clock.h"
#include "mongo/mongo.h"

namespace tactus::api {

// The record of `request`, decided as `auth` and answered with `response`. The principal is the
// one the response names when the request was not signed (HttpResponse::principal).
audit::Record ApiCallRecord(const HttpRequest& request, const AuthOutcome& auth,
                            const HttpResponse& response, common::TimeMs now,
                            const std::string& producer);

// Records written per insert, at most.
inline constexpr std::size_t kCallRecordBatch = 1000;
// How long the writer lets records gather after the first one before it inserts them.
inline constexpr int kCallRecordGatherMs = 100;
// Records waiting to be written, at most; a responder that would queue more waits for room.
inline constexpr std::size_t kMaxPendingCallRecords = 100'000;

// Queues each call's record after its answer; one writer thread inserts what gathered in
// kCallRecordGatherMs (or kCallRecordBatch records) in one insert, so API records cost the
// store one write per batch, not one per call. A record is written within about
// kCallRecordGatherMs of its answer; a crash loses the records still queued (the answers were
// sent already).
class CallAuditor {
 public:
  // Starts the writer. REQUIRES: pool and clock outlive the auditor.
  CallAuditor(mongo::Pool& pool, std::string database, const common::Clock& clock,
              std::string producer);
  // Writes what is queued, then stops the writer. REQUIRES: no Responder it wrapped is called
  // afterwards.
  ~CallAuditor();
  CallAuditor(const CallAuditor&) = delete;
  CallAuditor& operator=(const CallAuditor&) = delete;

  // A Responder that answers through `respond`, then queues the call's record.
  Responder Wrap(const HttpRequest& request, AuthOutcome auth, Responder respond);

 private:
  void Enqueue(audit::Record record);
  void WriteLoop();

  mongo::Pool& pool_;
  audit::AuditOutbox outbox_;
  const common::Clock& clock_;
  std::string producer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<audit::Record> pending_;  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::thread writer_;
};

}  // namespace tactus::api
