// The storage engine of docdb: collections, documents and index entries in ONE SQLite database
// per data directory (docs/docdb.md, "Storage", format version 2).
//
// Ownership and threading: a Store is shared by all connections (thread-safe). Each Txn owns one
// SQLite connection taken from the Store's pool for its lifetime and is used by one thread at a
// time. Documents are BSON; `_id` and index keys use query/key_encoding.h, so SQLite's BLOB order
// is MongoDB's comparison order.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/storage/oplog.h"

namespace tactus::docdb::storage {

// Version 2 added the users and roles tables, version 3 the oplog (change streams), version 4
// the catalog version, version 5 retryable-write records in the oplog, version 6 those records
// in the oplog row of their write's change; older directories are migrated on open.
inline constexpr int kFormatVersion = 6;

struct CollectionInfo {
  std::int64_t id = 0;
  std::string db, name;
  BsonPtr options;  // the create command's options (may be empty)
};

struct IndexInfo {
  std::int64_t id = 0;
  std::string name;
  BsonPtr spec;  // {v: 2, key: {...}, name, unique?, sparse?, partialFilterExpression?}
  // Whether keys are unique: true for the _id index, although its spec (like MongoDB's) omits
  // `unique`.
  bool unique = false;
  // Read from the spec once, for the query planner: `sparse`, whether it has a
  // partialFilterExpression, and the key's first field and its direction ("" when none).
  bool sparse = false;
  bool partial = false;
  std::string first_field;
  bool first_descending = false;

  // A copy (`spec` is owned, so the struct is move-only). Kept beside the fields it copies.
  IndexInfo Copy() const {
    return IndexInfo{id,     name,    CopyBson(spec.get()), unique,
                     sparse, partial, first_field,          first_descending};
  }
};
using SharedIndexes = std::vector<std::shared_ptr<const IndexInfo>>;

// A key range over an index or over `_id`: encoded keys (query/key_encoding.h); an empty
// optional is unbounded on that side. Bounds compare bytewise (memcmp, shorter-is-less).
//
// Building bounds: a key is the concatenation of its fields' encodings (each prefix-free), a
// descending field complemented (query/index_keys.h). With E = query::EncodeKeyValue and an
// index {a: 1, b: -1}:
//   a == 5                PrefixRange(E(5))
//   a == 5 and b == "x"   PrefixRange(E(5) + E("x", true))
//   3 <= a < 7            lower E(3) inclusive, upper E(7) exclusive
//   3 < a <= 7            lower PrefixRange(E(3)).upper inclusive (past every key that starts
//                         with E(3)), upper PrefixRange(E(7)).upper exclusive
//   a >= 3, numbers only  lower E(3) inclusive, upper std::string(1, kKeyClassNumber + 1)
//                         exclusive (type bracketing: the class byte ends the numbers)
// Longer keys follow their prefix, so on a compound index an inclusive upper bound on a field
// is PrefixRange(prefix).upper, exclusive. A descending field's encoding is complemented, so
// its bounds swap ends: a >= 3 on {a: -1} is upper PrefixRange(E(3, true)).upper, exclusive.
struct KeyRange {
  std::optional<std::string> lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
};

// Every key that starts with `prefix`: [prefix, successor) where successor is the smallest byte
// string greater than all of them (trailing 0xFF bytes dropped, the last byte incremented);
// unbounded above when `prefix` is empty or all 0xFF.
KeyRange PrefixRange(const std::string& prefix);

// The encoded `_id` key of a document (query::EncodeKeyValue of its _id); nullopt without _id.
std::optional<std::string> IdKeyOf(const bson_t* doc);

enum class TxnMode {
  kRead,   // a snapshot of the last committed state (SQLite read transaction in WAL mode)
  kWrite,  // takes the write lock at Begin (BEGIN IMMEDIATE); waits up to busy_timeout_ms
  // A snapshot that may write (multi-document transactions): reads see the state as of Begin;
  // the first write takes the write lock without waiting, and fails with WriteConflict when
  // another writer holds it or has committed since the snapshot (first committer wins).
  kSnapshot,
};

class Txn;

// The two tables of authentication records (docs/docdb.md, "Users and authentication").
enum class AuthTable { kUsers, kRoles };

class Store {
 public:
  struct Options {
    // SQLite synchronous=FULL: an acknowledged write survives power loss.
    bool durable = true;
    // How long a plain write waits for the write lock before failing with WriteConflict.
    int busy_timeout_ms = 5000;
  };

  // Opens (creating DIR and DIR/docdb.sqlite if needed). Fails (InternalError 1) with a message
  // that says what to do when DIR is not a writable directory, when DIR/docdb.sqlite holds an
  // unknown format_version (the message names it and kFormatVersion), is not a docdb database,
  // or is open already: one Store at a time, in any process, holds DIR/docdb.lock.
  static DbResult<std::unique_ptr<Store>> Open(const std::string& dir, const Options& options);
  // REQUIRES: every Txn of this Store has been destroyed.
  ~Store();

  // Starts a transaction on a pooled connection (opened lazily, reused after the Txn ends).
  // kWrite with `fail_fast` returns WriteConflict (112, label TransientTransactionError) at once
  // when another transaction holds the write lock (for multi-document transactions: first
  // writer wins); otherwise it waits busy_timeout_ms, then returns WriteConflict. kRead pins its
  // snapshot here: it never sees commits that happen after Begin returns.
  // Thread-safe. The Txn must not outlive the Store.
  DbResult<std::unique_ptr<Txn>> Begin(TxnMode mode, bool fail_fast = false);
  // A kRead transaction that takes its snapshot's catalog version from memory instead of reading
  // it (one statement less per read): its snapshot is taken by its first statement, which
  // fails with kSnapshotMoved when a change to the catalog may have committed since this call.
  // The caller then starts again with Begin(kRead). Before any failure it has read nothing, so
  // a body without side effects before its first read can simply be run again.
  //
  // With `one_statement`, the read runs no BEGIN (nor ROLLBACK at its end): its one statement
  // takes and releases its snapshot, as SQLite's autocommit does. A second statement fails with
  // kSnapshotMoved before it reads anything (its snapshot could differ from the first's), and the
  // caller starts again as above. For reads that usually need one statement: a point read, one
  // index range.
  DbResult<std::unique_ptr<Txn>> BeginOptimisticRead(bool one_statement = false);

  // The database file, DIR/docdb.sqlite.
  const std::string& path() const;
  // WAL checkpoint rounds completed since the store opened (docs/docdb.md, "Checkpoints"), for
  // tests and benchmarks: about one per 1000 pages written.
  std::uint64_t checkpoint_rounds() const;

  // Group commit: runs `body` in a write transaction shared with the other callers waiting at
  // the same moment, each body inside its own SAVEPOINT, and commits them all with one fsync.
  // A body that fails is rolled back to its savepoint (leaving nothing behind) without
  // affecting the others; a failed commit fails them all. Blocks until the commit. The body runs
  // on whichever caller's thread leads the group, after the caller's own earlier statements;
  // it must not start or commit transactions itself. Thread-safe.
  using WriteBody = std::function<DbResult<Done>(Txn&)>;
  DbResult<Done> GroupWrite(const WriteBody& body);

  // ---- oplog (oplog.h) ----
  // Removes the entries `retention` does not keep, in write transactions of at most
  // `batch` entries each (so the write lock is held briefly); returns how many were removed.
  // Records the last trimmed seq and ts (OplogBounds). Thread-safe.
  DbResult<std::int64_t> TrimOplog(const OplogRetention& retention, std::int64_t now_ms,
                                   std::int64_t batch = 10'000);
  // A counter bumped after every commit that wrote oplog entries (in this process).
  std::uint64_t OplogVersion() const;
  // Blocks until OplogVersion() != `seen` or `deadline_ms` (system clock, ms since the epoch)
  // passes; returns the current version. Thread-safe.
  std::uint64_t WaitForOplog(std::uint64_t seen, std::int64_t deadline_ms) const;
  // `listener` runs (on the committing thread, after the commit, without storage locks held)
  // after every commit that wrote oplog entries; it must be quick and must not call the Store.
  // Listeners live as long as the Store. Thread-safe.
  void AddOplogListener(std::function<void()> listener);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One SQLite transaction. Destroying a Txn that was not committed rolls it back.
//
// Every mutating call of a kRead Txn fails with IllegalOperation (20); there is no implicit
// upgrade. After Commit or Rollback every call fails with IllegalOperation. A failed mutating
// call leaves the transaction usable and its effect absent (nothing half-written), except for
// storage errors (InternalError), after which the caller must roll back. SQLite errors map to
// InternalError naming the operation; SQLITE_BUSY maps to WriteConflict.
// Not thread-safe: one thread at a time.
class Txn {
 public:
  ~Txn();

  // Makes the writes durable (one fsync when the Store is durable). On a kRead Txn it just ends
  // the snapshot. On failure the transaction is rolled back.
  DbResult<Done> Commit();
  // Discards every write. Idempotent.
  void Rollback();
  TxnMode mode() const;

  // ---- catalog ----
  DbResult<std::optional<CollectionInfo>> FindCollection(const std::string& db,
                                                         const std::string& name);
  // Creates the collection and its _id index. NamespaceExists (48) when it exists and
  // `must_not_exist`; otherwise returns the existing one. `options` may be nullptr.
  DbResult<CollectionInfo> CreateCollection(const std::string& db, const std::string& name,
                                            const bson_t* options, bool must_not_exist);
  // Removes the collection with its documents, indexes and entries; NamespaceNotFound (26)
  // when it no longer exists.
  DbResult<Done> DropCollection(const CollectionInfo& coll);
  // Drops every collection of `db`; succeeds when there are none.
  DbResult<Done> DropDatabase(const std::string& db);
  // NamespaceNotFound / NamespaceExists as MongoDB; drop_target drops an existing target first.
  // Moves documents and indexes with the collection, also across databases (one SQL UPDATE).
  // Renaming a collection to itself is IllegalOperation (20).
  DbResult<Done> RenameCollection(const CollectionInfo& coll, const std::string& to_db,
                                  const std::string& to_name, bool drop_target);
  // In name order.
  DbResult<std::vector<CollectionInfo>> ListCollections(const std::string& db);
  // Databases with at least one collection, in name order.
  DbResult<std::vector<std::string>> ListDatabases();
  // Sum of document sizes and count, for dbStats/collStats.
  DbResult<std::pair<std::int64_t, std::int64_t>> CollectionSize(const CollectionInfo& coll);

  // ---- documents ----
  // REQUIRES: doc has an _id. Maintains every index; DuplicateKey (11000) with keyPattern and
  // keyValue on a unique violation (including _id), leaving nothing written.
  DbResult<Done> Insert(const CollectionInfo& coll, const bson_t* doc);
  // Replaces the document whose _id is `id_key` (`old_doc` is its current content, as read in
  // this Txn, for index maintenance): only the index entries that change are written.
  // DuplicateKey as Insert, leaving the old document in place; NoSuchKey (4) when no document
  // has that _id. REQUIRES: new_doc has the same _id. The oplog records an `update` (with the
  // updateDescription diffed from old_doc) or, with OplogOp::kReplace, a `replace` carrying
  // new_doc (replacement-style updates).
  DbResult<Done> Replace(const CollectionInfo& coll, const std::string& id_key,
                         const bson_t* old_doc, const bson_t* new_doc,
                         OplogOp as = OplogOp::kUpdate);
  // Deletes the document and its index entries; NoSuchKey (4) when no document has that _id.
  DbResult<Done> Delete(const CollectionInfo& coll, const std::string& id_key,
                        const bson_t* old_doc);
  // The document whose _id key is `id_key`; nullptr if none.
  DbResult<BsonPtr> FindById(const CollectionInfo& coll, const std::string& id_key);

  // Visits documents in _id order (or reverse), optionally within an _id key range. The
  // visitor returns false to stop. Arguments are valid only during the call. The visitor may
  // call other methods of this Txn, but writes to the scanned collection during a scan may or
  // may not be visited (collect ids first to update or delete).
  using Visitor = std::function<bool(const std::string& id_key, const bson_t* doc)>;
  DbResult<Done> ScanCollection(const CollectionInfo& coll, const KeyRange& id_range, bool reverse,
                                const Visitor& visit);
  // Visits the documents of an index key range in (key, id_key) order, or the reverse. A
  // multikey document may be visited more than once; callers deduplicate by id_key. The _id
  // index ("_id_") scans the documents table (its keys are the id keys). Only documents with
  // entries are visited: a sparse or partial index does not cover the whole collection.
  DbResult<Done> ScanIndex(const CollectionInfo& coll, const IndexInfo& index,
                           const KeyRange& range, bool reverse, const Visitor& visit);

  // ---- retryable writes ----
  // The reply recorded for write `txn_number` of session `lsid`, or nullptr when that is not the
  // session's last recorded write (drivers only ever retry their latest write).
  DbResult<BsonPtr> FindRetryableWrite(std::string_view lsid, std::int64_t txn_number);
  // Records `reply` as the outcome of write `txn_number` of session `lsid`, replacing the
  // session's previous record. REQUIRES: a write transaction (the write's own).
  DbResult<Done> RecordRetryableWrite(std::string_view lsid, std::int64_t txn_number,
                                      const bson_t* reply);

  // ---- oplog (oplog.h) ----
  // Every write above records its oplog entry in this transaction (Insert, Replace, Delete,
  // DropCollection: one drop; DropDatabase: a drop per collection then dropDatabase, nothing
  // when the database has no collection; RenameCollection: a drop of a replaced target, then
  // rename). These read this transaction's snapshot.
  DbResult<OplogBounds> ReadOplogBounds();
  // Up to `limit` entries with seq > after_seq, in seq order.
  DbResult<std::vector<OplogEntry>> ReadOplog(std::int64_t after_seq, std::size_t limit);
  // The seq just before the first retained entry with ts >= `ts` (last_seq when none has).
  DbResult<std::int64_t> OplogSeqBefore(std::uint64_t ts);

  // ---- users and roles (BSON records keyed by (db, name); their shape is commands/'s) ----
  // The record, or nullptr when there is none.
  DbResult<BsonPtr> FindAuthRecord(AuthTable table, const std::string& db, const std::string& name);
  // Inserts or replaces the record of (db, name).
  DbResult<Done> PutAuthRecord(AuthTable table, const std::string& db, const std::string& name,
                               const bson_t* record);
  // True when a record was deleted.
  DbResult<bool> DeleteAuthRecord(AuthTable table, const std::string& db, const std::string& name);
  // Records of `db` (every database when nullopt) in (db, name) order.
  DbResult<std::vector<BsonPtr>> ListAuthRecords(AuthTable table,
                                                 const std::optional<std::string>& db);
  // How many records the table holds (the localhost exception applies while users has none).
  DbResult<std::int64_t> CountAuthRecords(AuthTable table);

  // ---- indexes ----
  // Every index, the _id index first, then in creation order. Specs are normalized (see
  // CreateIndex). NamespaceNotFound (26) when the collection does not exist.
  DbResult<std::vector<IndexInfo>> ListIndexes(const CollectionInfo& coll);
  // The same list, shared and immutable: served from the store's catalog cache when this
  // transaction's snapshot has the cached catalog (docs/docdb.md, "Catalog cache"), so a query
  // plan costs no catalog read. Valid for as long as the caller keeps it.
  DbResult<std::shared_ptr<const SharedIndexes>> ListIndexesShared(const CollectionInfo& coll);
  // Validates `spec` ({key, name?, unique?, sparse?, partialFilterExpression?,
  // expireAfterSeconds?, hidden?, v?}; `ns` and `background` are ignored; any other field is
  // InvalidIndexSpecificationOption 197; a bad key pattern is BadValue), stores it normalized
  // ({v: 2, key, name, ...} with the name defaulted to MongoDB's "a_1_b_-1" and false flags
  // dropped) and builds entries for existing documents. IndexKeySpecsConflict (86) for a
  // same-name index with another key; IndexOptionsConflict (85) for a same-name index with
  // other options, or a same-key (and same partialFilterExpression) index with another name;
  // DuplicateKey when a unique index cannot be built (nothing is left behind); returns false
  // when an identical index already exists, true when created.
  DbResult<bool> CreateIndex(const CollectionInfo& coll, const bson_t* spec);
  // IndexNotFound (27); the _id index cannot be dropped (InvalidOptions 72).
  DbResult<Done> DropIndex(const CollectionInfo& coll, const std::string& name);
  // collMod of a TTL index: sets the expireAfterSeconds of index `name` and returns the
  // previous value. IndexNotFound (27); InvalidOptions (72) when the index is not a TTL index or
  // `seconds` is out of range (see NormalizeIndexSpec).
  DbResult<double> SetExpireAfterSeconds(const CollectionInfo& coll, const std::string& name,
                                         double seconds);

  struct Impl;

 private:
  friend class Store;
  explicit Txn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tactus::docdb::storage
