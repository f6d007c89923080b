// What both sides of docdb_bench share: the options, the Worker and Side interfaces, and the
// documents, built the same way for both sides so both do exactly the same work. The helpers are
// inline here rather than in a .cc so that both sides can still inline them, as they could when
// everything was one file.
#pragma once

#include <bson/bson.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "docdb/query/key_encoding.h"

namespace docdb_bench {

using Clock = std::chrono::steady_clock;

[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "docdb_bench: %s\n", message.c_str());
  std::exit(1);
}

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
inline double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Options {
  int ops = 2000;       // per measured operation (insertMany: batches instead)
  int batches = 20;     // insertMany batches of kBatch documents
  int preload = 10000;  // documents the finds and updates run against
  std::vector<int> threads{1, 8};
  int idle = 10000;          // idle connections; 0 skips the test
  bool durable = false;      // synchronous=FULL on both sides instead of NORMAL
  bool unix_socket = false;  // drivers connect through the Unix socket (as `tactus serve` does)
  int repetitions = 5;       // each figure is the median of this many runs
  std::string only;          // comma-separated operation names; empty: all
  int agg_docs = 1000000;    // documents of the aggregation figures; 0 skips them
  std::string sides;         // comma-separated sides to run (sqlite, wire, mongoc); empty: all

  bool Runs(const std::string& side) const {
    return sides.empty() || ("," + sides + ",").find("," + side + ",") != std::string::npos;
  }
};

constexpr int kBatch = 1000;
inline const std::string kPayload(100, 'x');

// ---- the documents, built the same way for both sides ----

inline std::string KeyString(std::int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key-%08lld", static_cast<long long>(id));
  return buf;
}

// {_id, k (indexed), n, status, payload}: about 170 bytes.
inline void BuildDoc(bson_t* doc, std::int64_t id) {
  BSON_APPEND_INT64(doc, "_id", id);
  BSON_APPEND_UTF8(doc, "k", KeyString(id).c_str());
  BSON_APPEND_INT64(doc, "n", id);
  BSON_APPEND_UTF8(doc, "status", "ready");
  BSON_APPEND_UTF8(doc, "payload", kPayload.c_str());
}

inline std::string EncodeInt64(std::int64_t v) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_INT64;
  value.value.v_int64 = v;
  return tactus::docdb::query::EncodeKeyValue(value);
}

inline std::string EncodeUtf8(const std::string& s) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_UTF8;
  value.value.v_utf8.str = const_cast<char*>(s.c_str());
  value.value.v_utf8.len = static_cast<std::uint32_t>(s.size());
  return tactus::docdb::query::EncodeKeyValue(value);
}

// What a caller does with a document it read: look at one field.
inline std::int64_t ReadN(const bson_t* doc) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "n") && BSON_ITER_HOLDS_INT64(&it)) return bson_iter_int64(&it);
  return -1;
}

// The documents of one insertMany batch, _id first_id .. first_id + count - 1, with the
// pointers a driver call takes.
class Batch {
 public:
  Batch(std::int64_t first_id, int count) : docs_(static_cast<std::size_t>(count)) {
    for (int i = 0; i < count; ++i) {
      bson_init(&docs_[i]);
      BuildDoc(&docs_[i], first_id + i);
      ptrs_.push_back(&docs_[i]);
    }
  }
  ~Batch() {
    for (auto& d : docs_) bson_destroy(&d);
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  // Non-const elements: mongoc_collection_insert_many takes `const bson_t**`.
  std::vector<const bson_t*>& docs() { return ptrs_; }

 private:
  std::vector<bson_t> docs_;
  std::vector<const bson_t*> ptrs_;
};

// ---- the sides ----

// One thread's handle on a side. Every method performs one measured operation and throws on a
// failure (a benchmark that silently did less work would lie).
class Worker {
 public:
  virtual ~Worker() = default;
  // Anything to do once before the timed operations (a driver connects lazily).
  virtual void Warm() {}
  virtual void InsertOne(std::int64_t id) = 0;
  virtual void InsertMany(std::int64_t first_id, int count) = 0;
  virtual void FindById(std::int64_t id) = 0;
  virtual void FindByKey(std::int64_t id) = 0;
  virtual void UpdateById(std::int64_t id) = 0;
  // findAndModify {status: "ready"} -> {status: "running", owner, leaseUntil}, new: true.
  virtual void ClaimJob(const std::string& owner, std::int64_t lease_until) = 0;
};

// A Worker that finds through a filter document (the libmongoc and wire sides): both finds are
// FindOne with the filter a driver would send.
class FilterFindWorker : public Worker {
 public:
  void FindById(std::int64_t id) final {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_INT64(&filter, "_id", id);
    FindOne(&filter, id);
    bson_destroy(&filter);
  }
  void FindByKey(std::int64_t id) final {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "k", KeyString(id).c_str());
    FindOne(&filter, id);
    bson_destroy(&filter);
  }

 protected:
  // find(filter, limit: 1, singleBatch): the document with _id `id`, whose n is read.
  virtual void FindOne(const bson_t* filter, std::int64_t id) = 0;
};

class Side {
 public:
  virtual ~Side() = default;
  virtual const char* name() const = 0;
  // A fresh empty collection with an index on `index_field`; then `preload` documents.
  virtual void Prepare(const std::string& coll, const char* index_field, int preload) = 0;
  virtual std::unique_ptr<Worker> NewWorker(const std::string& coll) = 0;
};

}  // namespace docdb_bench
