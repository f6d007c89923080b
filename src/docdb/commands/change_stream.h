// Change streams: `aggregate` with a leading `$changeStream` stage opens a tailable-await cursor
// over the oplog (storage/oplog.h); getMore returns the next events, waiting up to maxTimeMS
// for new ones (docs/docdb.md, "Change streams").
//
// A stream watches a collection (`aggregate: "coll"`), a database (`aggregate: 1`) or every
// database (`aggregate: 1` on admin with `allChangesForCluster: true`). Events are delivered
// in commit order, each exactly once per cursor; every batch carries `postBatchResumeToken`.
// A collection stream ends with an `invalidate` event after the collection's drop or rename,
// a database stream after dropDatabase; the cursor then closes.
//
// Thread-safe: getMore calls on one cursor are serialized by the cursor's own lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

// getMore waits this long for events when it names no maxTimeMS (MongoDB's default).
inline constexpr std::int64_t kDefaultAwaitMs = 1000;
// An upper bound on one getMore's wait, whatever maxTimeMS asks.
inline constexpr std::int64_t kMaxAwaitMs = 60'000;
inline constexpr std::int32_t kNoMatchingDocument = 47;

// Whether a cursor id belongs to a change stream (their ids have their own range).
bool IsChangeStreamCursorId(std::int64_t id);

// True when the aggregate command's pipeline starts with $changeStream.
bool StartsWithChangeStream(const bson_t* command);

// The open change-stream cursors of a dispatcher.
class ChangeStreams {
 public:
  struct Cursor;
  ChangeStreams();
  ~ChangeStreams();

  std::int64_t Add(std::shared_ptr<Cursor> cursor, std::int64_t now_ms);
  // The cursor, or nullptr when unknown, expired, killed, or of another namespace (*other_ns
  // is then set to its namespace).
  std::shared_ptr<Cursor> Find(std::int64_t id, const std::string& ns, std::int64_t now_ms,
                               std::string* other_ns);
  bool Kill(std::int64_t id);

 private:
  std::mutex mu_;
  std::map<std::int64_t, std::shared_ptr<Cursor>> cursors_;
  std::int64_t next_id_;
  std::int64_t last_sweep_ms_ = 0;
};

// aggregate with a leading $changeStream. Errors as MongoDB: InvalidNamespace (73) for
// admin/config/local or system collections and for `aggregate: 1` on admin without
// allChangesForCluster, OperationNotSupportedInTransaction (263) in a transaction,
// InvalidResumeToken (260) for a malformed token or resumeAfter an invalidate,
// ChangeStreamHistoryLost (286) when the resume point has been trimmed, IllegalOperation (20)
// for stages other than $match, $project, $addFields/$set, $unset, $replaceRoot/$replaceWith.
DbResult<BsonPtr> RunChangeStreamAggregate(CommandContext& ctx);

// getMore on a change-stream cursor `id` of namespace `ns`. Without events it waits
// (min(maxTimeMS or kDefaultAwaitMs, kMaxAwaitMs)) for a commit that writes the oplog, unless
// ctx.await_out is set: then it returns at once with *ctx.await_out filled, and the caller
// re-runs the getMore when the oplog changes or the deadline passes (no thread is held).
DbResult<BsonPtr> ChangeStreamGetMore(CommandContext& ctx, std::int64_t id, const std::string& ns);

}  // namespace tactus::docdb::commands
