// Private state of Store and Txn shared by the storage .cc files (store.cc, txn.cc, catalog.cc,
// documents.cc, scan.cc, indexes.cc, group_commit.cc). Not part of the contract.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "docdb/storage/checkpointer.h"
#include "docdb/storage/index_spec.h"
#include "docdb/storage/sqlite_util.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::storage {

// The order of this process's writers: taken by a write transaction before BEGIN IMMEDIATE and
// given back when it ends. A waiting writer is woken the moment the holder ends, instead of
// sleeping in SQLite's busy handler, whose back-off (1, 2, 5, 10 ... 100 ms) left the store idle
// long after the lock was free whenever two writers met. SQLite's lock (with the busy timeout)
// still orders writers of other processes. Not a std::mutex: a multi-document transaction
// begins in one command and may end in another, on another thread.
class WriterGate {
 public:
  // Waits up to `timeout` for the gate; false when it stayed taken.
  bool Acquire(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !held_ && !priority_waiting_; })) return false;
    held_ = true;
    return true;
  }
  // The same, ahead of every waiting Acquire (the checkpointer's short pass: a writer that
  // commits again and again would otherwise take the gate back each time first).
  bool AcquireFirst(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    priority_waiting_ = true;
    const bool got = cv_.wait_for(lock, timeout, [&] { return !held_; });
    priority_waiting_ = false;
    if (got) {
      held_ = true;
    } else {
      lock.unlock();
      cv_.notify_all();  // the writers it held back
    }
    return got;
  }
  bool TryAcquire() {
    std::lock_guard lock(mu_);
    if (held_) return false;
    held_ = true;
    return true;
  }
  void Release() {
    bool all = false;
    {
      std::lock_guard lock(mu_);
      held_ = false;
      all = priority_waiting_;
    }
    // With AcquireFirst waiting, one woken writer might not be it.
    if (all) {
      cv_.notify_all();
    } else {
      cv_.notify_one();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool priority_waiting_ = false;
};

namespace internal {
// A row of the meta table: its value, or "" when there is none (oplog.cc).
DbResult<std::string> MetaValue(Connection* conn, const char* key);
// Sets a row of the meta table.
DbResult<Done> PutMeta(Connection* conn, const char* key, const std::string& value);
}  // namespace internal

using IndexList = std::vector<std::shared_ptr<const internal::CompiledIndex>>;

// Entries of one kind (collection lookups, index lists) one catalog version caches at most;
// lookups of names that do not exist are cached too, and a flood of them only restarts the map.
inline constexpr std::size_t kMaxCachedCatalogEntries = 10000;

// The committed catalog version of the current snapshot (format version 4).
inline constexpr const char* kCatalogVersionSql =
    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'catalog_version'";

struct Store::Impl {
  std::string dir, path;
  Options options;
  // docdb.lock in the data directory, held (flock, exclusive) while the store is open: one
  // process per data directory, as mongod's mongod.lock. What follows relies on it: every
  // commit to the file is one of this process's.
  int lock_fd = -1;
  ~Impl();

  // The committed catalog_version, for write transactions (which see the latest committed
  // state): -1 when unknown. A transaction that changes the catalog resets it before its COMMIT
  // (holding the write lock); a write transaction that reads the version records it.
  std::atomic<std::int64_t> committed_catalog_version{-1};
  // The ts of the newest oplog entry issued (committed or not; ts only increases), read from the
  // file when the store opens: each new entry takes a larger one (oplog.cc).
  std::atomic<std::uint64_t> last_issued_oplog_ts{0};

  // Each session's last retryable write (docs/docdb.md, "Retryable writes";
  // retryable_writes.cc), by lsid: every committed record, loaded when the store opens from the
  // retryable_writes table and the oplog's retryableWrite entries after `retryable_flushed_seq`.
  struct RetryableRecord {
    std::int64_t txn_number = 0;
    std::int64_t seq = 0;  // its oplog entry; 0 when loaded from the table
    std::string reply;     // BSON
  };
  std::mutex retryable_mu;
  std::unordered_map<std::string, RetryableRecord> retryable;  // guarded by retryable_mu
  // Records of oplog entries up to this seq are in the table too (meta retryable_flushed_seq).
  std::int64_t retryable_flushed_seq = 0;  // guarded by retryable_mu
  // Fills `retryable` at open.
  DbResult<Done> LoadRetryableWrites(internal::Connection* conn);

  std::mutex mu;
  std::vector<std::unique_ptr<internal::Connection>> idle;  // guarded by mu
  WriterGate writers;
  // Checkpoints the WAL in the background; every pooled connection reports its commits to it.
  std::unique_ptr<internal::Checkpointer> checkpointer;

  // Group commit (group_commit.cc): callers queue their bodies; one leads a batch at a time.
  struct PendingWrite {
    const WriteBody* body = nullptr;
    std::optional<DbResult<Done>> result;
  };
  std::mutex group_mu;
  std::condition_variable group_cv;
  std::deque<PendingWrite*> group_queue;  // guarded by group_mu
  bool group_leader = false;              // guarded by group_mu

  // Compiled indexes by id, shared across Txns so a partial filter is compiled once. An entry is
  // valid only while its stored spec bytes are unchanged (ids are reused after a drop).
  struct CachedIndex {
    std::string spec_bytes;
    std::shared_ptr<const internal::CompiledIndex> index;
  };
  std::unordered_map<std::int64_t, CachedIndex> compiled;  // guarded by mu

  // The catalog (collections and their indexes) as of one committed catalog_version
  // (docs/docdb.md, "Catalog cache"; catalog.cc). The meta row catalog_version is bumped by
  // triggers on every change to the collections and indexes tables, and read with each
  // transaction's snapshot: entries read at version V describe every snapshot at V.
  struct CatalogCache {
    std::int64_t version = -1;
    // By "db\0name"; nullptr: no such collection.
    std::unordered_map<std::string, std::shared_ptr<const CollectionInfo>> collections;
    std::unordered_map<std::int64_t, std::shared_ptr<const SharedIndexes>> indexes;  // by coll id
    std::unordered_map<std::int64_t, IndexList> compiled;                            // by coll id
  };
  std::mutex catalog_mu;
  CatalogCache catalog;  // guarded by catalog_mu
  // Runs fn(catalog) when `version` is the cache's version, after starting the cache afresh
  // when `version` is newer; does nothing for an older version (a long-lived snapshot).
  template <typename Fn>
  void WithCatalog(std::int64_t version, Fn&& fn) {
    std::lock_guard lock(catalog_mu);
    if (version < catalog.version) return;
    if (version > catalog.version) {
      catalog = CatalogCache{};
      catalog.version = version;
    }
    fn(catalog);
  }

  // Oplog commit notifications (oplog.cc).
  mutable std::mutex oplog_mu;
  mutable std::condition_variable oplog_cv;
  std::uint64_t oplog_version = 0;                     // guarded by oplog_mu
  std::vector<std::function<void()>> oplog_listeners;  // guarded by oplog_mu
  // Bumps oplog_version, wakes WaitForOplog and runs the listeners.
  void NotifyOplog();

  // Store::Begin and Store::BeginOptimisticRead.
  DbResult<std::unique_ptr<Txn>> Begin(TxnMode mode, bool fail_fast, bool optimistic,
                                       bool one_statement);
  // A pooled connection, or a new one with the per-connection pragmas applied.
  DbResult<std::unique_ptr<internal::Connection>> Acquire();
  // The per-connection settings: synchronous and the busy timeout.
  DbResult<Done> Configure(internal::Connection& conn);
  void Release(std::unique_ptr<internal::Connection> conn);
  DbResult<std::shared_ptr<const internal::CompiledIndex>> Compile(std::int64_t id,
                                                                   std::string_view spec_bytes);
};

struct Txn::Impl {
  Store::Impl* store = nullptr;
  std::unique_ptr<internal::Connection> conn;
  TxnMode mode = TxnMode::kRead;
  bool active = false;
  // A write transaction holds store->writers until it ends.
  bool holds_writers = false;
  void ReleaseWriters() {
    if (holds_writers) store->writers.Release();
    holds_writers = false;
  }
  // The indexes of each collection touched, as of this transaction's snapshot (write
  // transactions hold the write lock, so only their own DDL can change them).
  std::unordered_map<std::int64_t, IndexList> indexes;
  // The committed catalog_version of this transaction's snapshot: from the store's memory when
  // it knows it (write and optimistic read transactions), else read by its first statement
  // (read transactions, Store::Begin) or at its first catalog lookup; -1 until then.
  std::int64_t catalog_version = -1;
  // This transaction changed the catalog: from then on the cache does not describe what it sees.
  bool catalog_changed = false;
  // The version at which this transaction may use Store::Impl::catalog; nullopt: it may not.
  DbResult<std::optional<std::int64_t>> CacheVersion();
  // The entry `key` of the catalog cache's `map` as this transaction sees it: from the store's
  // cache when CacheVersion allows, else load() (a DbResult of the entry), whose success is then
  // cached.
  template <typename Map, typename Load>
  DbResult<typename Map::mapped_type> CachedCatalog(Map Store::Impl::CatalogCache::*map,
                                                    const typename Map::key_type& key,
                                                    Load&& load) {
    using Entry = typename Map::mapped_type;
    DbResult<std::optional<std::int64_t>> version = CacheVersion();
    if (!version.ok()) return version.error();
    if (version.value()) {
      std::optional<Entry> hit;
      store->WithCatalog(*version.value(), [&](Store::Impl::CatalogCache& catalog) {
        auto it = (catalog.*map).find(key);
        if (it != (catalog.*map).end()) hit = it->second;
      });
      if (hit) return std::move(*hit);
    }
    DbResult<Entry> loaded = load();
    if (loaded.ok() && version.value()) {
      store->WithCatalog(*version.value(), [&](Store::Impl::CatalogCache& catalog) {
        Map& entries = catalog.*map;
        if (entries.size() >= kMaxCachedCatalogEntries) entries.clear();
        entries[key] = loaded.value();
      });
    }
    return loaded;
  }
  // Every statement that writes the collections or indexes tables is followed by this call.
  void CatalogChanged() {
    ForgetIndexes();
    catalog_changed = true;
  }
  // Set when this transaction wrote an oplog entry: its commit notifies change streams.
  bool wrote_oplog = false;
  // Retryable-write records of this transaction, published to the store's when it commits (a
  // group-commit body that fails takes its own back: group_commit.cc).
  std::vector<std::pair<std::string, Store::Impl::RetryableRecord>> pending_records;
  // Set by FlushRetryableWrites: the store's retryable_flushed_seq once this commits.
  std::optional<std::int64_t> pending_flushed_seq;
  // Copies the records not in the retryable_writes table yet into it (TrimOplog does, before
  // their oplog entries may go). REQUIRES: a write transaction.
  DbResult<Done> FlushRetryableWrites();
  // Appends an oplog row with operation `op` (oplog.cc); `notify`: its commit wakes change
  // streams. The row is inserted at once; the row of a document change is held instead
  // (deferred_row), so the retryable-write record of the same command can share it.
  DbResult<Done> AppendOplogRow(const char* op, const std::string& db, const std::string& coll,
                                BsonPtr body, bool notify, bool defer);
  // The last document change's oplog row, not inserted yet: its command may still record a
  // retryable write in it (one row, one statement less). Inserted by the next oplog row, or by
  // FlushOplog, which everything that ends a write or reads the oplog in this transaction calls
  // first; dropped with the body or transaction that wrote it (DropDeferredRow).
  struct DeferredRow {
    std::uint64_t ts = 0;
    std::int64_t wall_ms = 0;
    std::string db, coll;
    const char* op = "";
    BsonPtr entry;
  };
  std::optional<DeferredRow> deferred_row;
  // Inserts the deferred row, if any, with `retry` (a record's BSON, or empty) as its
  // retryable-write record; returns the row's seq (0 when there was none).
  DbResult<std::int64_t> FlushOplog(std::string_view retry = {});
  void DropDeferredRow() { deferred_row.reset(); }

  // Appends an oplog entry (oplog.cc). `body` is the entry's BSON body (may be nullptr).
  DbResult<Done> RecordChange(OplogOp op, const std::string& db, const std::string& coll,
                              const bson_t* body);
  // The entry of a change to `doc`: its documentKey, `full_document` when given, and when
  // `updated_from` (the document before) is given, the updateDescription diffed from it.
  DbResult<Done> RecordDocumentChange(OplogOp op, const CollectionInfo& coll, const bson_t* doc,
                                      const bson_t* full_document, const bson_t* updated_from);

  DbResult<Done> CheckActive() const;
  // IllegalOperation unless active and kWrite.
  DbResult<Done> CheckWritable() const;
  // The collection's indexes, the _id index first; NamespaceNotFound when the collection is
  // gone. The pointer is valid until the next DDL (ForgetIndexes).
  DbResult<const IndexList*> Indexes(const CollectionInfo& coll);
  void ForgetIndexes() { indexes.clear(); }

  // Whether a collection row with this id exists.
  DbResult<bool> CollectionExists(std::int64_t coll_id);
  // Deletes the collection's documents, index entries, indexes and catalog row.
  DbResult<Done> DropCollectionById(std::int64_t coll_id);
};

inline std::string Namespace(const CollectionInfo& coll) { return coll.db + "." + coll.name; }

// Resets a statement over index_entries and binds (index_id, key, id_key) to ?1, ?2, ?3.
inline void BindEntry(internal::Stmt& s, std::int64_t index_id, const std::string& key,
                      const std::string& id_key) {
  s.Reset();
  s.BindInt(1, index_id);
  s.BindBlob(2, key);
  s.BindBlob(3, id_key);
}

inline std::string_view BsonBytes(const bson_t* doc) {
  return std::string_view(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
}

}  // namespace tactus::docdb::storage

// Returns the error of a failed DbResult expression from the enclosing function.
#define TACTUS_STORAGE_TRY(expr)                                       \
  do {                                                                 \
    auto&& tactus_storage_try_ = (expr);                               \
    if (!tactus_storage_try_.ok()) return tactus_storage_try_.error(); \
  } while (0)
