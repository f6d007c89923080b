#include "api/call_audit.h"

#include "api/aws_json.h"
#include "common/json.h"
#include "common/log.h"
#include "mongo/write_batch.h"

namespace tactus::api {

audit::Record ApiCallRecord(const HttpRequest& request, const AuthOutcome& auth,
                            const HttpResponse& response, common::TimeMs now,
                            const std::string& producer) {
  audit::ApiRecord r;
  // An unsigned call names its caller in the answer (a web identity token's subject).
  r.principal = response.principal.empty() ? auth.principal : response.principal;
  r.source_ip = request.remote_ip;
  r.resource = auth.permission.resource;
  std::string_view target = request.Header("X-Amz-Target");
  if (!auth.permission.action.empty()) {
    r.action = auth.permission.action;
  } else if (!target.empty()) {
    r.action = std::string(
        target.substr(target.find('.') == std::string_view::npos ? 0 : target.find('.') + 1));
  } else {
    r.action = request.method + " " + request.target.substr(0, request.target.find('?'));
  }
  r.decision = auth.decision;
  r.statement = auth.statement;
  for (const auto& [name, value] : response.headers) {
    if (name == kRequestIdHeader) r.request_id = value;
  }
  r.outcome = std::to_string(response.status);
  if (response.status >= 400) {
    if (auto body = common::ParseJson(response.body); body.ok() && body->is_object()) {
      if (auto* type = body->as_object().if_contains("__type"); type && type->is_string()) {
        r.outcome += " " + std::string(type->as_string());
      }
    } else if (auto code = response.body.find("<Code>"); code != std::string::npos) {
      // An STS (XML) error.
      auto end = response.body.find("</Code>", code);
      if (end != std::string::npos) {
        r.outcome += " " + response.body.substr(code + 6, end - code - 6);
      }
    }
  }
  return audit::Record::Api(now, producer, r);
}

CallAuditor::CallAuditor(mongo::Pool& pool, std::string database, const common::Clock& clock,
                         std::string producer)
    : pool_(pool), outbox_(std::move(database)), clock_(clock), producer_(std::move(producer)) {
  writer_ = std::thread([this] { WriteLoop(); });
}

CallAuditor::~CallAuditor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

Responder CallAuditor::Wrap(const HttpRequest& request, AuthOutcome auth, Responder respond) {
  auth.refusal.reset();
  return [this, respond = std::move(respond), auth = std::move(auth),
          request_copy = HttpRequest{request.method, request.target, "", request.remote_ip,
                                     request.headers, request.version}](HttpResponse response) {
    audit::Record record = ApiCallRecord(request_copy, auth, response, clock_.Now(), producer_);
    respond(std::move(response));
    Enqueue(std::move(record));
  };
}

void CallAuditor::Enqueue(audit::Record record) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return pending_.size() < kMaxPendingCallRecords || stopping_; });
  pending_.push_back(std::move(record));
  // The writer waits for a first record, then for a full batch (or its gather time).
  if (pending_.size() == 1 || pending_.size() == kCallRecordBatch) cv_.notify_all();
}

void CallAuditor::WriteLoop() {
  constexpr auto kRetryPause = std::chrono::milliseconds(200);
  mongo::Client client = pool_.Acquire();
  while (true) {
    std::vector<audit::Record> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;  // stopping, and everything is written
      // Let a batch gather: one insert per kCallRecordGatherMs at most under load.
      cv_.wait_for(lock, std::chrono::milliseconds(kCallRecordGatherMs),
                   [&] { return pending_.size() >= kCallRecordBatch || stopping_; });
      while (!pending_.empty() && batch.size() < kCallRecordBatch) {
        batch.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    cv_.notify_all();  // room for waiting responders
    mongo::WriteBatch insert;
    outbox_.AddTo(insert, batch);
    mongo::DbStatus st = insert.Execute(client, nullptr);
    if (st.ok()) continue;
    common::Log(common::LogLevel::kError, "audit", "cannot record API calls; retrying",
                {{"records", static_cast<std::int64_t>(batch.size() - insert.completed())},
                 {"error", st.message()}});
    // What was not written goes back first, in order, and is tried again after a pause (a
    // store that is down keeps the records queued, and responders wait once the queue is full).
    std::unique_lock lock(mu_);
    for (std::size_t i = batch.size(); i > insert.completed(); --i) {
      pending_.push_front(std::move(batch[i - 1]));
    }
    if (stopping_) {
      common::Log(common::LogLevel::kError, "audit", "API call records lost at shutdown",
                  {{"records", static_cast<std::int64_t>(pending_.size())}});
      return;
    }
    cv_.wait_for(lock, kRetryPause, [&] { return stopping_; });
  }
}

}  // namespace tactus::api
