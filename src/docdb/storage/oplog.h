// The oplog: one row per change (insert, update, replace, delete, drop, rename, dropDatabase),
// written by the SAME SQLite transaction as the change, so a crash (kill -9) can neither lose
// an entry of a committed change nor keep one of a rolled-back change. Change streams
// (commands/change_stream.h) read it. Format: docs/docdb.md, "Change streams".
//
// Sequence numbers (`seq`) are allocated under SQLite's write lock (max + 1; trimming keeps the
// newest row, so never reused), so seq order is commit order and every snapshot sees a
// contiguous prefix of the oplog.
//
// The oplog also carries the records of retryable writes (operation "retryableWrite", body
// {lsid, txnNumber, reply}: retryable_writes.cc), durable with their write; ReadOplog and so
// change streams skip them.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>

#include "docdb/bson_util.h"

namespace tactus::docdb::storage {

// The operation of the oplog rows that record retryable writes (not change events).
inline constexpr const char* kRetryableWriteOp = "retryableWrite";

// operationType of an entry, as MongoDB spells it.
enum class OplogOp { kInsert, kUpdate, kReplace, kDelete, kDrop, kRename, kDropDatabase };

const char* OplogOpName(OplogOp op);
// false for an unknown name.
bool ParseOplogOp(std::string_view name, OplogOp* out);

struct OplogEntry {
  std::int64_t seq = 0;
  // Cluster time: a BSON Timestamp as (seconds << 32) | increment; increases with seq.
  std::uint64_t ts = 0;
  std::int64_t wall_ms = 0;  // wall-clock time of the write, ms since the epoch
  std::string db, coll;      // coll is empty for dropDatabase
  OplogOp op = OplogOp::kInsert;
  // {documentKey?: {_id}, fullDocument?, updateDescription?, to?: {db, coll}}
  BsonPtr body;
};

// Where the retained history starts and ends (in a snapshot).
struct OplogBounds {
  std::int64_t last_seq = 0;  // the last seq ever committed (0: none yet)
  // Every entry with seq <= trimmed_seq (and every ts <= trimmed_ts) has been trimmed.
  std::int64_t trimmed_seq = 0;
  std::uint64_t trimmed_ts = 0;
};

// Retention for Store::TrimOplog: entries beyond `max_entries` (oldest first) and entries
// older than `max_age_ms` are removed; the newest entry is always kept.
struct OplogRetention {
  std::int64_t max_entries = 1'000'000;
  std::int64_t max_age_ms = 24LL * 3600 * 1000;
};

// MongoDB's updateDescription for a change from `old_doc` to `new_doc`:
// {updatedFields: {<dotted path>: value}, removedFields: [path], truncatedArrays: [{field,
// newSize}]}. Sub-documents are compared field by field; arrays element by element (a shorter
// new array is truncated, then its changed elements updated; a longer one gets its new
// elements as updatedFields "a.<i>"). A changed type replaces the whole value.
BsonPtr DiffForUpdateDescription(const bson_t* old_doc, const bson_t* new_doc);
// The same, appended to `parent` as the document field `key`, with no copy.
void AppendUpdateDescription(bson_t* parent, const char* key, const bson_t* old_doc,
                             const bson_t* new_doc);

}  // namespace tactus::docdb::storage
