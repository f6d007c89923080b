// Open cursors: the documents a find/aggregate/listCollections produced beyond its first batch,
// kept until getMore drains them, killCursors kills them, or they idle past kCursorTimeoutMs.
//
// Results are materialized when the cursor opens (a consistent snapshot of the query), which
// bounds memory by the result size; see docs/docdb.md. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"

namespace tactus::docdb::commands {

inline constexpr std::int64_t kCursorTimeoutMs = 10 * 60 * 1000;
inline constexpr std::int64_t kDefaultFirstBatch = 101;
// Replies stay under the 16 MiB document limit with room for the envelope.
inline constexpr std::size_t kMaxBatchBytes = 16 * 1024 * 1024 - 64 * 1024;

class CursorManager {
 public:
  // Moves up to `batch_size` documents (0 = no count limit; always within kMaxBatchBytes) from
  // `docs` into `batch`; with `empty_first_batch` (find's batchSize: 0) it moves none. If
  // documents remain, registers a cursor over them and returns its id; otherwise 0.
  std::int64_t Open(const std::string& ns, std::deque<BsonPtr> docs, std::int64_t batch_size,
                    std::vector<BsonPtr>* batch, std::int64_t now_ms,
                    bool empty_first_batch = false);

  // The next batch of cursor `id` over `ns`. CursorNotFound (43) for an unknown, expired or
  // killed cursor, or one of another namespace. *id_out is 0 when the cursor is exhausted.
  DbResult<Done> Next(std::int64_t id, const std::string& ns, std::int64_t batch_size,
                      std::vector<BsonPtr>* batch, std::int64_t* id_out, std::int64_t now_ms);

  // True when the cursor existed.
  bool Kill(std::int64_t id);

  // Moves documents into a batch (shared by Open and Next).
  static void TakeBatch(std::deque<BsonPtr>& docs, std::int64_t batch_size,
                        std::vector<BsonPtr>* batch);

 private:
  struct Cursor {
    std::string ns;
    std::deque<BsonPtr> docs;
    std::int64_t last_used_ms = 0;
  };
  void ExpireLocked(std::int64_t now_ms);

  std::mutex mu_;
  std::map<std::int64_t, Cursor> cursors_;
  std::int64_t last_sweep_ms_ = 0;
  std::int64_t next_id_ = 0x5A17000000000000;
};

// Appends {cursor: {<batch_field>: [...], id, ns}} to `reply`.
void AppendCursorReply(bson_t* reply, const std::string& ns, const char* batch_field,
                       const std::vector<BsonPtr>& batch, std::int64_t id);

}  // namespace tactus::docdb::commands
