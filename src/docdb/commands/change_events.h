// Change events from oplog entries: which entries a stream sees, and the event documents in
// MongoDB's shape (docs/docdb.md, "Change streams"). Used by change_stream.cc.
#pragma once

#include <optional>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

enum class StreamScope { kCollection, kDatabase, kCluster };
enum class FullDocumentMode { kDefault, kUpdateLookup, kWhenAvailable, kRequired };

struct StreamTarget {
  StreamScope scope = StreamScope::kCollection;
  std::string db, coll;  // coll: kCollection only; db: not kCluster
};

// Whether the stream sees the entry (internal databases and system collections never).
bool InScope(const StreamTarget& target, const storage::OplogEntry& entry);
// Whether the entry ends the stream (an invalidate event follows it).
bool Invalidates(const StreamTarget& target, const storage::OplogEntry& entry);

// The change event of `entry`: {_id, operationType, clusterTime, wallTime, fullDocument?, ns,
// to?, documentKey?, updateDescription?}. Updates look up the current document in `txn` for
// kUpdateLookup/kWhenAvailable/kRequired (null when it is gone; kRequired then fails with
// NoMatchingDocument 47).
DbResult<BsonPtr> BuildChangeEvent(storage::Txn& txn, const storage::OplogEntry& entry,
                                   FullDocumentMode mode);
// The invalidate event that follows `entry`.
BsonPtr BuildInvalidateEvent(const storage::OplogEntry& entry);

}  // namespace tactus::docdb::commands
