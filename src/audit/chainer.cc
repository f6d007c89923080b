#include "audit/chainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "audit/chain_format.h"
#include "audit/outbox.h"
#include "common/log.h"

namespace tactus::audit {

namespace {

// A batch that keeps losing races (or hitting transient errors) this often is reported.
constexpr int kMaxAttempts = 100;

std::string DefaultOwner() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown");
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(rd()));
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

void Backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 20) * 5));
}

mongo::BsonPtr CheckpointDoc(std::int64_t seq, const std::string& hash, common::TimeMs time,
                             const AuditKey& key) {
  std::string signature = key.Sign(format::CheckpointMessage(seq, hash, time));
  return mongo::BsonPtr(BCON_NEW("_id", BCON_INT64(seq), "hash", BCON_UTF8(hash.c_str()), "time",
                                 BCON_INT64(time), "keyId", BCON_UTF8(key.key_id().c_str()),
                                 "signature", BCON_UTF8(signature.c_str())));
}

enum class Outcome { kCommitted, kRetry, kFailed };

}  // namespace

Chainer::Chainer(mongo::Pool* pool, ChainerOptions options)
    : pool_(pool), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = DefaultOwner();
}

Chainer::~Chainer() { Stop(); }

common::TimeMs Chainer::Now() const {
  return options_.clock ? options_.clock->Now() : system_clock_.Now();
}

void Chainer::Start() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Chainer::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  loop_cv_.notify_all();
  if (thread.joinable()) thread.join();
  std::lock_guard<std::mutex> work(work_mu_);
  ReleaseLease();
}

void Chainer::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> work(work_mu_);
      auto held = TakeLease();
      if (!held.ok()) {
        common::Log(common::LogLevel::kWarning, "audit", "cannot take the chainer lease",
                    {{"error", held.status().ToString()}});
      } else if (*held) {
        auto drained = DrainLocked();
        if (!drained.ok()) {
          common::Log(common::LogLevel::kWarning, "audit", "chaining failed; retrying",
                      {{"error", drained.status().ToString()}});
        } else if (options_.key && Now() - last_checkpoint_time_ >= options_.checkpoint_ms) {
          mongo::Client client = pool_->Acquire();
          auto signed_seq = SignCheckpoint(client);
          if (!signed_seq.ok()) {
            common::Log(common::LogLevel::kWarning, "audit", "checkpoint failed; retrying",
                        {{"error", signed_seq.status().ToString()}});
          }
        }
      }
    }
    std::unique_lock<std::mutex> lock(loop_mu_);
    if (loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                          [this] { return stopping_; })) {
      return;
    }
  }
}

common::Result<bool> Chainer::TakeLease() {
  if (!schema_ready_) {
    common::Status st = EnsureSchema(*pool_, options_.database);
    if (!st.ok()) return st;
    schema_ready_ = true;
  }
  mongo::Client client = pool_->Acquire();
  common::TimeMs now = Now();
  mongo::BsonPtr filter(BCON_NEW("_id", BCON_UTF8(format::kLeaseId), "$or", "[", "{", "owner",
                                 BCON_UTF8(options_.owner.c_str()), "}", "{", "expires", "{", "$lt",
                                 BCON_INT64(now), "}", "}", "]"));
  mongo::BsonPtr update(BCON_NEW("$set", "{", "owner", BCON_UTF8(options_.owner.c_str()), "expires",
                                 BCON_INT64(now + options_.lease_ms), "}"));
  mongo::DbStatus st = mongo::UpdateOne(client.Collection(options_.database, format::kMeta),
                                        filter.get(), update.get(), nullptr, nullptr, true);
  bool was_holder = holder_;
  if (st.duplicate_key()) {
    holder_ = false;  // the lease document exists and someone else's lease is live
  } else if (!st.ok()) {
    holder_ = false;
    return st.ToStatus();
  } else {
    holder_ = true;
  }
  if (holder_ && !was_holder) {
    common::Status loaded = LoadLastCheckpoint(client);
    if (!loaded.ok()) return loaded;
  }
  return holder_;
}

void Chainer::ReleaseLease() {
  if (!holder_) return;
  holder_ = false;
  mongo::Client client = pool_->Acquire();
  mongo::BsonPtr filter(
      BCON_NEW("_id", BCON_UTF8(format::kLeaseId), "owner", BCON_UTF8(options_.owner.c_str())));
  mongo::BsonPtr update(BCON_NEW("$set", "{", "expires", BCON_INT64(0), "}"));
  (void)mongo::UpdateOne(client.Collection(options_.database, format::kMeta), filter.get(),
                         update.get(), nullptr);
}

common::Status Chainer::LoadLastCheckpoint(mongo::Client& client) {
  mongo::BsonPtr filter = mongo::NewBson();
  mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}"));
  auto last = mongo::FindOne(client.Collection(options_.database, format::kCheckpoints),
                             filter.get(), opts.get(), nullptr);
  if (!last.ok()) return last.status();
  if (last->has_value()) {
    last_checkpoint_seq_ = mongo::GetInt(last->value().get(), "_id");
    last_checkpoint_time_ = mongo::GetInt(last->value().get(), "time");
  } else {
    // No checkpoint yet: the first one is due checkpoint_ms after this chainer took over.
    last_checkpoint_seq_ = 0;
    last_checkpoint_time_ = Now();
  }
  return common::Status::Ok();
}

common::Result<std::int64_t> Chainer::Drain() {
  std::lock_guard<std::mutex> work(work_mu_);
  auto held = TakeLease();
  if (!held.ok()) return held.status();
  if (!*held) {
    return common::Status::FailedPrecondition("another chainer holds the audit lease");
  }
  return DrainLocked();
}

common::Result<std::int64_t> Chainer::DrainLocked() {
  mongo::Client client = pool_->Acquire();
  std::int64_t total = 0;
  while (true) {
    auto n = ChainBatch(client);
    if (!n.ok()) return n.status();
    total += *n;
    if (*n == 0) return total;
    // Renewed per batch, so a long backlog does not let the lease lapse mid-drain.
    auto held = TakeLease();
    if (!held.ok()) return held.status();
    if (!*held) return total;
  }
}

common::Result<std::int64_t> Chainer::ChainBatch(mongo::Client& client) {
  mongoc_collection_t* meta = client.Collection(options_.database, format::kMeta);
  mongoc_collection_t* outbox = client.Collection(options_.database, format::kOutbox);
  mongoc_collection_t* records = client.Collection(options_.database, format::kRecords);
  mongoc_collection_t* checkpoints = client.Collection(options_.database, format::kCheckpoints);
  auto session = client.StartSession();
  if (!session.ok()) return session.status();

  for (int attempt = 1;; ++attempt) {
    if (attempt > kMaxAttempts) {
      return common::Status::IoError("audit chain: a batch lost " + std::to_string(kMaxAttempts) +
                                     " races or transient errors in a row");
    }
    if (attempt > 1) Backoff(attempt);

    mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
    auto head = mongo::FindOne(meta, head_filter.get(), nullptr, nullptr);
    if (!head.ok()) return head.status();
    if (!head->has_value()) {
      return common::Status::FailedPrecondition(
          "the audit chain head (meta {_id: \"head\"}) is missing; run the verifier");
    }
    const std::int64_t n = mongo::GetInt(head->value().get(), "seq");
    std::string prev = mongo::GetString(head->value().get(), "hash");

    std::vector<mongo::BsonPtr> pending;
    mongo::BsonPtr all = mongo::NewBson();
    mongo::BsonPtr find_opts(
        BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit", BCON_INT64(options_.batch)));
    mongo::DbStatus found =
        mongo::Find(outbox, all.get(), find_opts.get(), nullptr, [&](const bson_t* doc) {
          pending.emplace_back(bson_copy(doc));
          return true;
        });
    if (!found.ok()) return found.ToStatus();
    if (pending.empty()) return 0;

    const auto k = static_cast<std::int64_t>(pending.size());
    std::vector<mongo::BsonPtr> chained;
    chained.reserve(pending.size());
    mongo::BsonPtr delete_filter = mongo::NewBson();
    bson_t in, ids;
    BSON_APPEND_DOCUMENT_BEGIN(delete_filter.get(), "_id", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &ids);
    for (std::int64_t i = 0; i < k; ++i) {
      const bson_t* doc = pending[static_cast<std::size_t>(i)].get();
      std::int64_t seq = n + 1 + i;
      std::string canonical = format::CanonicalFromOutbox(seq, doc);
      std::string hash = format::ChainHash(prev, canonical);
      auto built = format::ChainedDoc(seq, prev, hash, canonical);
      if (!built.ok()) return common::Status::Internal("audit: " + built.status().message());
      chained.push_back(std::move(*built));
      prev = std::move(hash);
      std::string key = std::to_string(i);
      bson_iter_t it;
      if (bson_iter_init_find(&it, doc, "_id")) {
        bson_append_value(&ids, key.c_str(), -1, bson_iter_value(&it));
      }
    }
    bson_append_array_end(&in, &ids);
    bson_append_document_end(delete_filter.get(), &in);

    const std::int64_t new_seq = n + k;
    mongo::BsonPtr checkpoint;
    if (options_.key && new_seq - last_checkpoint_seq_ >= options_.checkpoint_records) {
      checkpoint = CheckpointDoc(new_seq, prev, Now(), *options_.key);
    }

    mongo::Session& s = **session;
    auto step = [&]() -> std::pair<Outcome, mongo::DbStatus> {
      mongo::DbStatus st = s.Begin();
      if (!st.ok()) return {Outcome::kFailed, st};
      // The head first: a transaction whose first statement writes takes the embedded store's
      // write lock at once (docs/docdb.md), and a stale head fails here before any other write.
      std::int64_t matched = 0;
      mongo::BsonPtr filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId), "seq", BCON_INT64(n)));
      mongo::BsonPtr update(
          BCON_NEW("$set", "{", "seq", BCON_INT64(new_seq), "hash", BCON_UTF8(prev.c_str()), "}"));
      st = mongo::UpdateOne(meta, filter.get(), update.get(), &s, &matched);
      if (st.ok() && matched != 1) {
        s.Abort();
        return {Outcome::kRetry, st};
      }
      std::int64_t deleted = 0;
      if (st.ok()) st = mongo::DeleteMany(outbox, delete_filter.get(), &s, &deleted);
      if (st.ok() && deleted != k) {
        s.Abort();  // another chainer took some of these records
        return {Outcome::kRetry, st};
      }
      std::vector<const bson_t*> docs;
      docs.reserve(chained.size());
      for (const auto& d : chained) docs.push_back(d.get());
      if (st.ok()) st = mongo::InsertMany(records, docs, &s);
      if (st.ok() && checkpoint) st = mongo::InsertOne(checkpoints, checkpoint.get(), &s);
      if (!st.ok()) {
        s.Abort();
        return {st.transient() || st.duplicate_key() ? Outcome::kRetry : Outcome::kFailed, st};
      }
      st = s.Commit();
      if (!st.ok()) return {st.transient() ? Outcome::kRetry : Outcome::kFailed, st};
      return {Outcome::kCommitted, st};
    };
    auto [outcome, status] = step();
    if (outcome == Outcome::kFailed) return status.ToStatus();
    if (outcome == Outcome::kRetry) {
      // Someone else chained meanwhile and may have signed a checkpoint.
      common::Status loaded = LoadLastCheckpoint(client);
      if (!loaded.ok()) return loaded;
      continue;
    }
    if (checkpoint) {
      last_checkpoint_seq_ = new_seq;
      last_checkpoint_time_ = mongo::GetInt(checkpoint.get(), "time");
    }
    chained_ += k;
    return k;
  }
}

common::Result<std::int64_t> Chainer::SignCheckpoint(mongo::Client& client) {
  mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
  auto head = mongo::FindOne(client.Collection(options_.database, format::kMeta), head_filter.get(),
                             nullptr, nullptr);
  if (!head.ok()) return head.status();
  if (!head->has_value()) return 0;
  std::int64_t seq = mongo::GetInt(head->value().get(), "seq");
  std::string hash = mongo::GetString(head->value().get(), "hash");
  if (seq <= last_checkpoint_seq_) return 0;
  common::TimeMs now = Now();
  mongo::BsonPtr doc = CheckpointDoc(seq, hash, now, *options_.key);
  mongo::DbStatus st = mongo::InsertOne(client.Collection(options_.database, format::kCheckpoints),
                                        doc.get(), nullptr);
  if (st.duplicate_key()) {
    common::Status loaded = LoadLastCheckpoint(client);
    if (!loaded.ok()) return loaded;
    return 0;
  }
  if (!st.ok()) return st.ToStatus();
  last_checkpoint_seq_ = seq;
  last_checkpoint_time_ = now;
  return seq;
}

common::Result<std::int64_t> Chainer::CheckpointNow() {
  std::lock_guard<std::mutex> work(work_mu_);
  if (!options_.key) return common::Status::FailedPrecondition("the chainer has no signing key");
  auto held = TakeLease();
  if (!held.ok()) return held.status();
  if (!*held) {
    return common::Status::FailedPrecondition("another chainer holds the audit lease");
  }
  mongo::Client client = pool_->Acquire();
  return SignCheckpoint(client);
}

}  // namespace tactus::audit
