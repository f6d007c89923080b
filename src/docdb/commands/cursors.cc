#include "docdb/commands/cursors.h"

#include "docdb/wire/byte_order.h"

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
  // {<batch_field>: [docs...], id, ns}, written as bytes and appended once: one libbson append
  // per element costs more than the documents' copy. Lengths are written once known.
  auto set_length_at = [](std::string& out, std::size_t at) {
    wire::StoreLe32(reinterpret_cast<std::uint8_t*>(out.data() + at),
                    static_cast<std::uint32_t>(out.size() - at));
  };
  std::size_t docs_bytes = 0;
  for (const BsonPtr& doc : batch) docs_bytes += doc->len + 12;
  std::string cursor;
  cursor.reserve(64 + docs_bytes + ns.size());
  cursor.append(4, '\0');  // the cursor document's length
  cursor.push_back(static_cast<char>(BSON_TYPE_ARRAY));
  cursor.append(batch_field).push_back('\0');
  const std::size_t array_at = cursor.size();
  cursor.append(4, '\0');  // the array's length
  char key[16];
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const char* k;
    const std::size_t key_len =
        bson_uint32_to_string(static_cast<std::uint32_t>(i), &k, key, sizeof(key));
    cursor.push_back(static_cast<char>(BSON_TYPE_DOCUMENT));
    cursor.append(k, key_len).push_back('\0');
    cursor.append(reinterpret_cast<const char*>(bson_get_data(batch[i].get())), batch[i]->len);
  }
  cursor.push_back('\0');
  set_length_at(cursor, array_at);
  cursor.push_back(static_cast<char>(BSON_TYPE_INT64));
  cursor.append("id").push_back('\0');
  wire::AppendLe64(&cursor, static_cast<std::uint64_t>(id));
  cursor.push_back(static_cast<char>(BSON_TYPE_UTF8));
  cursor.append("ns").push_back('\0');
  wire::AppendLe32(&cursor, static_cast<std::uint32_t>(ns.size() + 1));
  cursor.append(ns).push_back('\0');
  cursor.push_back('\0');
  set_length_at(cursor, 0);
  bson_t view;
  if (bson_init_static(&view, reinterpret_cast<const std::uint8_t*>(cursor.data()),
                       cursor.size())) {
    BSON_APPEND_DOCUMENT(reply, "cursor", &view);
  }
}

}  // namespace tactus::docdb::commands
