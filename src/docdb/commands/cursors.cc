#include "docdb/commands/cursors.h"

namespace tactus::docdb::commands {

void CursorManager::TakeBatch(std::deque<BsonPtr>& docs, std::int64_t batch_size,
                              std::vector<BsonPtr>* batch) {
  std::size_t bytes = 0;
  while (!docs.empty() &&
         (batch_size <= 0 || static_cast<std::int64_t>(batch->size()) < batch_size)) {
    std::size_t len = docs.front()->len;
    if (!batch->empty() && bytes + len > kMaxBatchBytes) break;
    bytes += len;
    batch->push_back(std::move(docs.front()));
    docs.pop_front();
  }
}

std::int64_t CursorManager::Open(const std::string& ns, std::deque<BsonPtr> docs,
                                 std::int64_t batch_size, std::vector<BsonPtr>* batch,
                                 std::int64_t now_ms, bool empty_first_batch) {
  if (!empty_first_batch) TakeBatch(docs, batch_size, batch);
  if (docs.empty()) return 0;
  std::lock_guard lock(mu_);
  ExpireLocked(now_ms);
  std::int64_t id = ++next_id_;
  cursors_[id] = Cursor{ns, std::move(docs), now_ms};
  return id;
}

DbResult<Done> CursorManager::Next(std::int64_t id, const std::string& ns, std::int64_t batch_size,
                                   std::vector<BsonPtr>* batch, std::int64_t* id_out,
                                   std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  ExpireLocked(now_ms);
  auto it = cursors_.find(id);
  if (it == cursors_.end()) {
    return MakeError(kCursorNotFound, "cursor id " + std::to_string(id) + " not found");
  }
  if (it->second.ns != ns) {
    return MakeError(kCursorNotFound, "cursor id " + std::to_string(id) + " belongs to namespace " +
                                          it->second.ns + ", not " + ns);
  }
  TakeBatch(it->second.docs, batch_size, batch);
  it->second.last_used_ms = now_ms;
  if (it->second.docs.empty()) {
    cursors_.erase(it);
    *id_out = 0;
  } else {
    *id_out = id;
  }
  return Done{};
}

bool CursorManager::Kill(std::int64_t id) {
  std::lock_guard lock(mu_);
  return cursors_.erase(id) > 0;
}

void CursorManager::ExpireLocked(std::int64_t now_ms) {
  // A sweep per second at most: cursors are many, requests more.
  if (now_ms - last_sweep_ms_ < 1000) return;
  last_sweep_ms_ = now_ms;
  std::erase_if(cursors_, [now_ms](const auto& kv) {
    return now_ms - kv.second.last_used_ms > kCursorTimeoutMs;
  });
}

void AppendCursorReply(bson_t* reply, const std::string& ns, const char* batch_field,
                       const std::vector<BsonPtr>& batch, std::int64_t id) {
  bson_t cursor, docs;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "cursor", &cursor);
  BSON_APPEND_ARRAY_BEGIN(&cursor, batch_field, &docs);
  char key[16];
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const char* k;
    bson_uint32_to_string(static_cast<std::uint32_t>(i), &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT(&docs, k, batch[i].get());
  }
  bson_append_array_end(&cursor, &docs);
  BSON_APPEND_INT64(&cursor, "id", id);
  BSON_APPEND_UTF8(&cursor, "ns", ns.c_str());
  bson_append_document_end(reply, &cursor);
}

}  // namespace tactus::docdb::commands
