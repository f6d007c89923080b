#include "wire_side.h"

#include <bson/bson.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace docdb_bench {
namespace {

constexpr std::int32_t kOpMsg = 2013;

void PutInt32(std::vector<std::uint8_t>& out, std::int32_t v) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(out.data() + at, &v, 4);  // little-endian host (x86-64)
}

void PutDoc(std::vector<std::uint8_t>& out, const bson_t* doc) {
  const std::uint8_t* data = bson_get_data(doc);
  out.insert(out.end(), data, data + doc->len);
}

// One OP_MSG as libmongoc writes it: flagBits 0, the body as a kind-0 section, then optionally
// one kind-1 document sequence.
std::vector<std::uint8_t> OpMsg(std::int32_t request_id, const bson_t* body,
                                const char* sequence_id = nullptr,
                                const std::vector<const bson_t*>& sequence = {}) {
  std::vector<std::uint8_t> out;
  out.reserve(64 + body->len);
  PutInt32(out, 0);  // messageLength, patched below
  PutInt32(out, request_id);
  PutInt32(out, 0);
  PutInt32(out, kOpMsg);
  PutInt32(out, 0);
  out.push_back(0);
  PutDoc(out, body);
  if (sequence_id != nullptr) {
    out.push_back(1);
    const std::size_t size_at = out.size();
    PutInt32(out, 0);
    out.insert(out.end(), sequence_id, sequence_id + std::strlen(sequence_id) + 1);
    for (const bson_t* doc : sequence) PutDoc(out, doc);
    const auto size = static_cast<std::int32_t>(out.size() - size_at);
    std::memcpy(out.data() + size_at, &size, 4);
  }
  const auto length = static_cast<std::int32_t>(out.size());
  std::memcpy(out.data(), &length, 4);
  return out;
}

class WireWorker final : public FilterFindWorker {
 public:
  WireWorker(tactus::docdb::EmbeddedServer& server, std::string coll)
      : client_(server.ConnectInProcess()), coll_(std::move(coll)) {
    // An implicit session, as libmongoc starts one per client.
    const int session = next_session_.fetch_add(1);
    std::uint8_t uuid[16];
    for (int i = 0; i < 16; ++i) {
      uuid[i] = i < 4 ? static_cast<std::uint8_t>(session >> (8 * i)) : std::uint8_t{0x5a};
    }
    bson_init(&lsid_);
    BSON_APPEND_BINARY(&lsid_, "id", BSON_SUBTYPE_UUID, uuid, 16);
  }
  ~WireWorker() override { bson_destroy(&lsid_); }

  void InsertOne(std::int64_t id) override {
    bson_t doc = BSON_INITIALIZER;
    BuildDoc(&doc, id);
    bson_t body = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&body, "insert", coll_.c_str());
    BSON_APPEND_BOOL(&body, "ordered", true);
    Finish(&body, true);
    Reply reply(Call(OpMsg(++request_id_, &body, "documents", {&doc})), "insert");
    bson_destroy(&body);
    bson_destroy(&doc);
    if (reply.Int("n") != 1) throw std::runtime_error("insert: n != 1");
  }

  void InsertMany(std::int64_t first_id, int count) override {
    Batch batch(first_id, count);
    bson_t body = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&body, "insert", coll_.c_str());
    BSON_APPEND_BOOL(&body, "ordered", true);
    Finish(&body, true);
    Reply reply(Call(OpMsg(++request_id_, &body, "documents", batch.docs())), "insert");
    bson_destroy(&body);
    if (reply.Int("n") != count) throw std::runtime_error("insertMany: short count");
  }

  void UpdateById(std::int64_t id) override {
    bson_t body = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&body, "update", coll_.c_str());
    BSON_APPEND_BOOL(&body, "ordered", true);
    Finish(&body, true);
    // {q: {_id}, u: {$inc: {n: 1}, $set: {status: "updated"}}}, appended as a driver does.
    bson_t statement = BSON_INITIALIZER, q, u, inc, set;
    BSON_APPEND_DOCUMENT_BEGIN(&statement, "q", &q);
    BSON_APPEND_INT64(&q, "_id", id);
    bson_append_document_end(&statement, &q);
    BSON_APPEND_DOCUMENT_BEGIN(&statement, "u", &u);
    BSON_APPEND_DOCUMENT_BEGIN(&u, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "n", 1);
    bson_append_document_end(&u, &inc);
    BSON_APPEND_DOCUMENT_BEGIN(&u, "$set", &set);
    BSON_APPEND_UTF8(&set, "status", "updated");
    bson_append_document_end(&u, &set);
    bson_append_document_end(&statement, &u);
    Reply reply(Call(OpMsg(++request_id_, &body, "updates", {&statement})), "update");
    bson_destroy(&statement);
    bson_destroy(&body);
    if (reply.Int("n") != 1) throw std::runtime_error("updateOne matched nothing");
  }

  void ClaimJob(const std::string& owner, std::int64_t lease_until) override {
    bson_t body = BSON_INITIALIZER, query, update, set;
    BSON_APPEND_UTF8(&body, "findAndModify", coll_.c_str());
    BSON_APPEND_DOCUMENT_BEGIN(&body, "query", &query);
    BSON_APPEND_UTF8(&query, "status", "ready");
    bson_append_document_end(&body, &query);
    BSON_APPEND_DOCUMENT_BEGIN(&body, "update", &update);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_UTF8(&set, "status", "running");
    BSON_APPEND_UTF8(&set, "owner", owner.c_str());
    BSON_APPEND_INT64(&set, "leaseUntil", lease_until);
    bson_append_document_end(&update, &set);
    bson_append_document_end(&body, &update);
    BSON_APPEND_BOOL(&body, "new", true);
    Finish(&body, true);
    Reply reply(Call(OpMsg(++request_id_, &body)), "findAndModify");
    bson_destroy(&body);
    bson_iter_t it;
    if (!bson_iter_init_find(&it, reply.body(), "value") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
      throw std::runtime_error("findAndModify claimed no job");
    }
  }

 private:
  // The reply as the driver reads it: the OP_MSG header and flags, then the kind-0 body, which
  // must say ok: 1.
  class Reply {
   public:
    Reply(std::string bytes, const char* what) : bytes_(std::move(bytes)) {
      constexpr std::size_t kBodyAt = 16 + 4 + 1;
      if (bytes_.size() < kBodyAt + 5 || bytes_[kBodyAt - 1] != 0 ||
          !bson_init_static(&body_, reinterpret_cast<const std::uint8_t*>(bytes_.data()) + kBodyAt,
                            bytes_.size() - kBodyAt)) {
        throw std::runtime_error(std::string(what) + ": malformed reply");
      }
      bson_iter_t it;
      if (!bson_iter_init_find(&it, &body_, "ok") || bson_iter_as_double(&it) != 1.0) {
        throw std::runtime_error(std::string(what) + ": command failed");
      }
    }
    const bson_t* body() const { return &body_; }
    std::int64_t Int(const char* key) const {
      bson_iter_t it;
      return bson_iter_init_find(&it, &body_, key) ? bson_iter_as_int64(&it) : -1;
    }

   private:
    std::string bytes_;
    bson_t body_;
  };

  void FindOne(const bson_t* filter, std::int64_t id) override {
    bson_t body = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&body, "find", coll_.c_str());
    BSON_APPEND_DOCUMENT(&body, "filter", filter);
    BSON_APPEND_INT64(&body, "limit", 1);
    BSON_APPEND_BOOL(&body, "singleBatch", true);
    Finish(&body, false);
    Reply reply(Call(OpMsg(++request_id_, &body)), "find");
    bson_destroy(&body);
    bson_iter_t it, batch;
    const bson_t* doc = nullptr;
    bson_t first;
    if (bson_iter_init_find(&it, reply.body(), "cursor") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
        bson_iter_recurse(&it, &batch) && bson_iter_find(&batch, "firstBatch") &&
        BSON_ITER_HOLDS_ARRAY(&batch) && bson_iter_recurse(&batch, &it) && bson_iter_next(&it) &&
        BSON_ITER_HOLDS_DOCUMENT(&it)) {
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      if (bson_init_static(&first, data, len)) doc = &first;
    }
    if (doc == nullptr || ReadN(doc) < id) {
      throw std::runtime_error("find: no document " + std::to_string(id));
    }
  }

  // $db and lsid on every command, txnNumber on retryable writes: what libmongoc adds.
  void Finish(bson_t* body, bool retryable_write) {
    BSON_APPEND_UTF8(body, "$db", "bench");
    BSON_APPEND_DOCUMENT(body, "lsid", &lsid_);
    if (retryable_write) BSON_APPEND_INT64(body, "txnNumber", ++txn_number_);
  }

  std::string Call(const std::vector<std::uint8_t>& message) {
    return client_->Call(message.data(), message.size());
  }

  static inline std::atomic<int> next_session_{0};
  std::unique_ptr<tactus::docdb::EmbeddedServer::InProcessClient> client_;
  std::string coll_;
  bson_t lsid_;
  std::int32_t request_id_ = 0;
  std::int64_t txn_number_ = 0;
};

}  // namespace

std::unique_ptr<Worker> WireSide::NewWorker(const std::string& coll) {
  return std::make_unique<WireWorker>(docdb_.server(), coll);
}

}  // namespace docdb_bench
