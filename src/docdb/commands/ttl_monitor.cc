#include "docdb/commands/ttl_monitor.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "docdb/commands/command.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/path.h"

namespace tactus::docdb::commands {

struct TtlMonitor::TtlIndex {
  std::string db, collection, index_name, field;
  bool descending = false;
  double expire_after_seconds = 0;
};

namespace {

// The TTL indexes of every collection (the _id index is never one).
struct FoundIndex {
  std::string db, collection;
  storage::IndexInfo index;
};

DbResult<std::vector<FoundIndex>> FindTtlIndexes(storage::Txn& txn) {
  std::vector<FoundIndex> out;
  auto dbs = txn.ListDatabases();
  if (!dbs.ok()) return dbs.error();
  for (const auto& db : dbs.value()) {
    auto colls = txn.ListCollections(db);
    if (!colls.ok()) return colls.error();
    for (auto& coll : colls.value()) {
      auto indexes = txn.ListIndexes(coll);
      if (!indexes.ok()) return indexes.error();
      for (auto& index : indexes.value()) {
        if (bson_has_field(index.spec.get(), "expireAfterSeconds")) {
          out.push_back(FoundIndex{coll.db, coll.name, std::move(index)});
        }
      }
    }
  }
  return out;
}

// The earliest date `path` reaches in `doc` (every element of an array); nullopt without one.
std::optional<std::int64_t> EarliestDate(const bson_t* doc, const std::vector<std::string>& path) {
  std::vector<query::PathHit> hits;
  query::FindPath(doc, path, query::TerminalArrays::kElementsOnly, &hits);
  std::optional<std::int64_t> earliest;
  for (const auto& hit : hits) {
    if (hit.value.value_type != BSON_TYPE_DATE_TIME) continue;
    std::int64_t t = hit.value.value.v_datetime;
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

}  // namespace

TtlMonitor::TtlMonitor(storage::Store& store, const common::Clock& clock, TtlMetrics& metrics,
                       Options options)
    : store_(store), clock_(clock), metrics_(metrics), options_(options) {}

TtlMonitor::~TtlMonitor() { Stop(); }

void TtlMonitor::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                       [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      // A failed pass (storage error) is retried at the next interval.
      (void)RunOnce();
      lock.lock();
    }
  });
}

void TtlMonitor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stop_requested_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DbResult<std::int64_t> TtlMonitor::RunOnce() {
  std::lock_guard pass(pass_mu_);
  std::int64_t now_ms = clock_.Now();
  std::vector<TtlIndex> ttl;
  {
    auto txn = store_.Begin(storage::TxnMode::kRead);
    if (!txn.ok()) return txn.error();
    auto found = FindTtlIndexes(*txn.value());
    if (!found.ok()) return found.error();
    for (const auto& [db, collection, index] : found.value()) {
      TtlIndex t;
      t.db = db;
      t.collection = collection;
      t.index_name = index.name;
      bson_iter_t it;
      if (bson_iter_init_find(&it, index.spec.get(), "expireAfterSeconds")) {
        t.expire_after_seconds = bson_iter_as_double(&it);
      }
      bson_t key;
      if (!GetDocument(index.spec.get(), "key", &key) || !bson_iter_init(&it, &key) ||
          !bson_iter_next(&it)) {
        continue;
      }
      t.field = bson_iter_key(&it);
      t.descending = BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_double(&it) < 0;
      ttl.push_back(std::move(t));
    }
  }
  std::int64_t deleted = 0;
  for (const auto& index : ttl) {
    if (stop_requested_) break;
    auto n = Expire(index, now_ms);
    if (!n.ok()) return n.error();
    deleted += n.value();
  }
  metrics_.passes.fetch_add(1);
  return deleted;
}

DbResult<std::int64_t> TtlMonitor::Expire(const TtlIndex& ttl, std::int64_t now_ms) {
  auto cutoff_ms = now_ms - static_cast<std::int64_t>(ttl.expire_after_seconds * 1000.0);
  // The index keys of dates before the cutoff. Keys are the order-preserving encoding of one
  // value (query/key_encoding.h); a descending index complements every byte, which reverses
  // the order, so the range flips to (complement(E(cutoff)), end of the date class].
  bson_value_t cutoff{};
  cutoff.value_type = BSON_TYPE_DATE_TIME;
  cutoff.value.v_datetime = cutoff_ms;
  storage::KeyRange range;
  if (!ttl.descending) {
    range.lower = std::string(1, static_cast<char>(query::kKeyClassDate));
    range.upper = query::EncodeKeyValue(cutoff);
    range.upper_inclusive = false;
  } else {
    range.lower = query::EncodeKeyValue(cutoff, /*descending=*/true);
    range.lower_inclusive = false;
    range.upper =
        std::string(1, static_cast<char>(static_cast<std::uint8_t>(~query::kKeyClassDate) + 1));
    range.upper_inclusive = false;
  }
  std::vector<std::string> path = query::SplitPath(ttl.field);
  std::int64_t total = 0;
  while (!stop_requested_) {
    std::int64_t batch = 0;
    bool more = false;
    auto done = store_.GroupWrite([&](storage::Txn& txn) -> DbResult<Done> {
      batch = 0;
      more = false;
      auto coll = txn.FindCollection(ttl.db, ttl.collection);
      if (!coll.ok()) return coll.error();
      if (!coll.value()) return Done{};  // dropped meanwhile
      auto indexes = txn.ListIndexes(*coll.value());
      if (!indexes.ok()) return indexes.error();
      const storage::IndexInfo* index = nullptr;
      for (const auto& i : indexes.value()) {
        if (i.name == ttl.index_name) index = &i;
      }
      if (!index) return Done{};  // dropped meanwhile
      // Collect first: the scan must not see its own deletes.
      std::vector<std::pair<std::string, BsonPtr>> expired;
      std::unordered_set<std::string> seen;  // a multikey document has several entries
      auto scanned =
          txn.ScanIndex(*coll.value(), *index, range, /*reverse=*/false,
                        [&](const std::string& id_key, const bson_t* doc) {
                          if (!seen.insert(id_key).second) return true;
                          auto earliest = EarliestDate(doc, path);
                          if (earliest && *earliest < cutoff_ms)
                            expired.emplace_back(id_key, CopyBson(doc));
                          if (static_cast<std::int64_t>(expired.size()) >= options_.batch_size) {
                            more = true;
                            return false;
                          }
                          return true;
                        });
      if (!scanned.ok()) return scanned.error();
      for (const auto& [id_key, doc] : expired) {
        // The same delete path as the `delete` command (write_commands.cc): Txn::Delete inside
        // a group-committed write transaction, which records the oplog entry (a `delete`
        // change event) in this same transaction.
        auto removed = txn.Delete(*coll.value(), id_key, doc.get());
        if (!removed.ok()) return removed.error();
        ++batch;
      }
      return Done{};
    });
    if (!done.ok()) return done.error();
    total += batch;
    metrics_.deleted_documents.fetch_add(batch);
    if (!more) break;
  }
  return total;
}

}  // namespace tactus::docdb::commands
