#include "audit/chainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "audit/chain_format.h"
#include "audit/outbox.h"
#include "common/log.h"
#include "mongo/write_batch.h"

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
        auto drained = DrainLocked(/*scan_late=*/false, /*until_empty=*/false);
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
  common::TimeMs now = Now();
  // Renewed once half of it has run out, not on every poll: one write fewer per poll.
  if (holder_ && now < renew_at_) return true;
  mongo::Client client = pool_->Acquire();
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
    renew_at_ = now + options_.lease_ms / 2;
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
  return DrainLocked(/*scan_late=*/true, /*until_empty=*/true);
}

common::Result<std::int64_t> Chainer::DrainLocked(bool scan_late, bool until_empty) {
  mongo::Client client = pool_->Acquire();
  std::int64_t total = 0;
  while (true) {
    auto n = ChainBatch(client, scan_late);
    if (!n.ok()) return n.status();
    scan_late = false;
    total += *n;
    if (*n == 0) return total;
    // A batch that was not full caught up with the producers: what they write meanwhile waits
    // for the next poll, in one block, rather than in a transaction of its own each.
    if (!until_empty && *n < options_.batch) return total;
    // Renewed per batch, so a long backlog does not let the lease lapse mid-drain.
    auto held = TakeLease();
    if (!held.ok()) return held.status();
    if (!*held) return total;
  }
}

common::Status Chainer::LoadRecent(mongo::Client& client, const std::string& low) {
  recent_.clear();
  recent_low_ = low;
  mongo::BsonPtr filter(BCON_NEW("ids", "{", "$gt", BCON_UTF8(low.c_str()), "}"));
  mongo::BsonPtr opts(BCON_NEW("projection", "{", "ids", BCON_INT32(1), "}"));
  mongo::DbStatus st =
      mongo::Find(client.Collection(options_.database, format::kChain), filter.get(), opts.get(),
                  nullptr, [&](const bson_t* doc) {
                    bson_iter_t it, ids;
                    if (bson_iter_init_find(&it, doc, "ids") && BSON_ITER_HOLDS_ARRAY(&it) &&
                        bson_iter_recurse(&it, &ids)) {
                      while (bson_iter_next(&ids)) {
                        if (!BSON_ITER_HOLDS_UTF8(&ids)) continue;
                        std::string id = bson_iter_utf8(&ids, nullptr);
                        if (id > low) recent_.insert(std::move(id));
                      }
                    }
                    return true;
                  });
  return st.ToStatus();
}

common::Result<std::int64_t> Chainer::ChainBatch(mongo::Client& client, bool scan_late) {
  mongoc_collection_t* meta = client.Collection(options_.database, format::kMeta);
  mongoc_collection_t* records = client.Collection(options_.database, format::kRecords);
  auto session = client.StartSession();
  if (!session.ok()) return session.status();
  const common::TimeMs window = options_.late_window_ms;
  // At a takeover (or after another chainer's batch) the late scan looks this far back once.
  constexpr std::int64_t kTakeoverWindows = 10;

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
    const bson_t* h = head->value().get();
    const std::int64_t n = mongo::GetInt(h, "seq");
    const std::int64_t block = mongo::GetInt(h, "block");
    const std::string cursor = mongo::GetString(h, "cursor");
    const std::string head_hash = mongo::GetString(h, "hash");
    std::string prev = head_hash;

    if (block != known_block_) {
      // First batch, or another chainer moved the head: learn which recent ids are chained.
      std::int64_t cursor_time = format::IdTime(cursor);
      std::string low =
          cursor_time < 0 ? cursor : format::IdPrefix(cursor_time - kTakeoverWindows * window);
      common::Status loaded = LoadRecent(client, low);
      if (!loaded.ok()) return loaded;
      known_block_ = block;
      last_late_scan_ = 0;
    }

    const common::TimeMs now = system_clock_.Now();
    const bool scan = !cursor.empty() && window > 0 &&
                      (scan_late || last_late_scan_ == 0 || now - last_late_scan_ >= window);
    std::vector<mongo::BsonPtr> pending;  // in chain order
    bool late_left = false;               // more late records than a batch holds
    if (scan) {
      std::string low = recent_low_;
      if (last_late_scan_ != 0) low = std::max(low, format::IdPrefix(last_late_scan_ - window));
      std::vector<std::string> late;
      mongo::BsonPtr filter(BCON_NEW("_id", "{", "$gt", BCON_UTF8(low.c_str()), "$lte",
                                     BCON_UTF8(cursor.c_str()), "}"));
      mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{", "_id",
                                   BCON_INT32(1), "}"));
      mongo::DbStatus st =
          mongo::Find(records, filter.get(), opts.get(), nullptr, [&](const bson_t* doc) {
            std::string id = mongo::GetString(doc, "_id");
            if (recent_.count(id)) return true;
            if (static_cast<int>(late.size()) == options_.batch) {
              late_left = true;
              return false;
            }
            late.push_back(std::move(id));
            return true;
          });
      if (!st.ok()) return st.ToStatus();
      std::map<std::string, mongo::BsonPtr> found;
      st = format::FindRecords(records, late, &found);
      if (!st.ok()) return st.ToStatus();
      for (const std::string& id : late) {
        if (auto it = found.find(id); it != found.end()) pending.push_back(std::move(it->second));
      }
    }
    const std::size_t late_count = pending.size();
    if (static_cast<int>(late_count) < options_.batch) {
      // New records: past the cursor, and not taken after the chainer's now (so that an id
      // from a clock running ahead cannot push the cursor past records still to come).
      std::string upper = format::IdPrefix(now + 1);
      mongo::BsonPtr filter(BCON_NEW("_id", "{", "$gt", BCON_UTF8(cursor.c_str()), "$lt",
                                     BCON_UTF8(upper.c_str()), "}"));
      mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit",
                                   BCON_INT64(options_.batch - static_cast<int>(late_count))));
      mongo::DbStatus st =
          mongo::Find(records, filter.get(), opts.get(), nullptr, [&](const bson_t* doc) {
            pending.emplace_back(bson_copy(doc));
            return true;
          });
      if (!st.ok()) return st.ToStatus();
    }
    auto finish_scan = [&] {
      if (!scan || late_left) return;
      last_late_scan_ = now;
      std::string low = format::IdPrefix(now - window);
      if (low > recent_low_) {
        recent_.erase(recent_.begin(), recent_.upper_bound(low));
        recent_low_ = std::move(low);
      }
    };
    if (pending.empty()) {
      finish_scan();
      return 0;
    }

    const auto k = static_cast<std::int64_t>(pending.size());
    std::vector<std::string> ids;
    ids.reserve(pending.size());
    mongo::BsonPtr block_doc = mongo::NewBson();
    BSON_APPEND_INT64(block_doc.get(), "_id", block + 1);
    BSON_APPEND_INT64(block_doc.get(), "first_seq", n + 1);
    BSON_APPEND_INT64(block_doc.get(), "last_seq", n + k);
    BSON_APPEND_UTF8(block_doc.get(), "prev", head_hash.c_str());
    bson_t ids_array, hashes_array;
    BSON_APPEND_ARRAY_BEGIN(block_doc.get(), "ids", &ids_array);
    std::vector<std::string> hashes;
    hashes.reserve(pending.size());
    for (std::int64_t i = 0; i < k; ++i) {
      const bson_t* doc = pending[static_cast<std::size_t>(i)].get();
      std::string canonical = format::CanonicalFromRecord(n + 1 + i, doc);
      std::string hash = format::ChainHash(prev, canonical);
      std::string key = std::to_string(i);
      ids.push_back(mongo::GetString(doc, "_id"));
      BSON_APPEND_UTF8(&ids_array, key.c_str(), ids.back().c_str());
      prev = hash;
      hashes.push_back(std::move(hash));
    }
    bson_append_array_end(block_doc.get(), &ids_array);
    BSON_APPEND_ARRAY_BEGIN(block_doc.get(), "hashes", &hashes_array);
    for (std::int64_t i = 0; i < k; ++i) {
      std::string key = std::to_string(i);
      BSON_APPEND_UTF8(&hashes_array, key.c_str(), hashes[static_cast<std::size_t>(i)].c_str());
    }
    bson_append_array_end(block_doc.get(), &hashes_array);
    std::string new_cursor = std::max(cursor, ids.back());

    const std::int64_t new_seq = n + k;
    mongo::BsonPtr checkpoint;
    if (options_.key && new_seq - last_checkpoint_seq_ >= options_.checkpoint_records) {
      checkpoint = CheckpointDoc(new_seq, prev, Now(), *options_.key);
    }

    mongo::Session& s = **session;
    auto step = [&]() -> std::pair<Outcome, mongo::DbStatus> {
      mongo::DbStatus st = s.Begin();
      if (!st.ok()) return {Outcome::kFailed, st};
      // One round trip: the head first (a stale head matches nothing), then the block and the
      // checkpoint.
      mongo::WriteBatch batch;
      mongo::BsonPtr filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId), "seq", BCON_INT64(n)));
      mongo::BsonPtr update(BCON_NEW("$set", "{", "seq", BCON_INT64(new_seq), "hash",
                                     BCON_UTF8(prev.c_str()), "block", BCON_INT64(block + 1),
                                     "cursor", BCON_UTF8(new_cursor.c_str()), "}"));
      std::size_t head_op =
          batch.Update(options_.database, format::kMeta, filter.get(), update.get(), false);
      batch.Insert(options_.database, format::kChain, block_doc.get());
      if (checkpoint) batch.Insert(options_.database, format::kCheckpoints, checkpoint.get());
      st = batch.Execute(client, &s);
      if (batch.completed() > head_op && batch.n(head_op) != 1) {
        s.Abort();
        return {Outcome::kRetry, st};
      }
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
    known_block_ = block + 1;
    for (std::string& id : ids) recent_.insert(std::move(id));
    finish_scan();
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
