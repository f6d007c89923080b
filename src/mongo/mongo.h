// The only code that calls libmongoc (DESIGN.md). RAII handles, a client pool, sessions with
// transactions, and the handful of collection operations the runtime needs, each reporting
// MongoDB's error code and labels so callers can tell a duplicate key or a transient
// transaction error from a real failure.
//
// The same code runs against the embedded store (a Unix socket URI) and a MongoDB replica set.
//
// Thread safety: Pool is thread-safe. A Client (borrowed from the pool), its Sessions and the
// Collections taken from it belong to one thread at a time.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace tactus::mongo {

template <typename T, void (*kDestroy)(T*)>
struct Destroyer {
  void operator()(T* handle) const { kDestroy(handle); }
};
template <typename T, void (*kDestroy)(T*)>
using Handle = std::unique_ptr<T, Destroyer<T, kDestroy>>;

using BsonPtr = Handle<bson_t, bson_destroy>;
using CursorPtr = Handle<mongoc_cursor_t, mongoc_cursor_destroy>;
using CollectionPtr = Handle<mongoc_collection_t, mongoc_collection_destroy>;

inline BsonPtr NewBson() { return BsonPtr(bson_new()); }

// A reply out-parameter for libmongoc calls: libmongoc initialises every reply it is given, even
// on failure, so out() frees the previous contents first.
class ReplyDoc {
 public:
  ReplyDoc() { bson_init(&doc_); }
  ~ReplyDoc() { bson_destroy(&doc_); }
  ReplyDoc(const ReplyDoc&) = delete;
  ReplyDoc& operator=(const ReplyDoc&) = delete;
  bson_t* out() {
    bson_destroy(&doc_);
    return &doc_;
  }
  const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_;
};

// The outcome of one operation: OK, or MongoDB's code, message and error labels.
class [[nodiscard]] DbStatus {
 public:
  DbStatus() = default;
  DbStatus(int code, std::string message, bool transient)
      : code_(code), message_(std::move(message)), transient_(transient) {}
  static DbStatus Ok() { return {}; }
  // From libmongoc's error and the server reply (for the labels); OK when error->code is 0.
  static DbStatus From(const bson_error_t& error, const bson_t* reply);

  bool ok() const { return code_ == 0; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  // TransientTransactionError or UnknownTransactionCommitResult: retry the whole transaction.
  bool transient() const { return transient_; }
  bool duplicate_key() const { return code_ == 11000; }
  common::Status ToStatus() const;

 private:
  int code_ = 0;
  std::string message_;
  bool transient_ = false;
};

class Client;

// A client-side session; with Begin/Commit a multi-document transaction (snapshot, majority).
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  DbStatus Begin();
  DbStatus Commit();
  void Abort();
  // Appends the session id to operation options. REQUIRES: opts is a valid document.
  void AppendTo(bson_t* opts) const;

 private:
  friend class Client;
  explicit Session(mongoc_client_session_t* s) : session_(s) {}
  mongoc_client_session_t* session_;
  bool in_transaction_ = false;
};

// One connection (borrowed from a Pool) with its collections cached by namespace.
class Client {
 public:
  ~Client();
  Client(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  mongoc_collection_t* Collection(const std::string& db, const std::string& name);
  common::Result<std::unique_ptr<Session>> StartSession();
  // Runs a command on `db`; the reply goes to *reply when given.
  DbStatus Command(const std::string& db, const bson_t* command, bson_t* reply = nullptr);
  mongoc_client_t* raw() const { return client_; }
  // Whether the server has MongoDB 8.0's bulkWrite command (write_batch.h). Asked once per Pool
  // (a bulkWrite without operations: CommandNotFound means no) and remembered; false without
  // remembering when the server cannot be reached.
  bool HasBulkWrite();

 private:
  friend class Pool;
  // 0: not known yet, 1: yes, 2: no.
  using BulkWriteSupport = std::atomic<int>;
  Client(mongoc_client_pool_t* pool, mongoc_client_t* client, BulkWriteSupport* bulk_write)
      : pool_(pool), client_(client), bulk_write_(bulk_write) {}
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
  BulkWriteSupport* bulk_write_;
  std::map<std::string, CollectionPtr> collections_;
};

class Pool {
 public:
  // `uri` is a MongoDB connection string (mongodb://..., or a Unix socket path URL-encoded as
  // mongodb://%2Fpath%2Fto%2Fsock). Fails on a malformed URI; does not connect yet.
  static common::Result<std::unique_ptr<Pool>> Open(const std::string& uri, int max_size = 100);
  ~Pool();

  // Borrows a connection; blocks while max_size clients are out.
  Client Acquire();
  // Sends ping until the server answers or `timeout_ms` passes.
  common::Status WaitReady(int timeout_ms);
  // Makes WriteBatch use the single-collection commands, as with a server before MongoDB 8.0.
  // For tests of that path.
  void DisableBulkWriteForTesting() { bulk_write_ = 2; }

 private:
  explicit Pool(mongoc_client_pool_t* pool) : pool_(pool) {}
  mongoc_client_pool_t* pool_;
  Client::BulkWriteSupport bulk_write_{0};
};

// Calls mongoc_init once per process (thread-safe, idempotent).
void InitOnce();

// ---- Operations. `session` may be null (no session); with one inside Begin/Commit they join
// its transaction. ----
DbStatus InsertOne(mongoc_collection_t* c, const bson_t* doc, const Session* session);
// Inserts in order and stops at the first error.
DbStatus InsertMany(mongoc_collection_t* c, const std::vector<const bson_t*>& docs,
                    const Session* session);
// *matched (when given) gets the number of documents the filter matched (0 or 1).
DbStatus UpdateOne(mongoc_collection_t* c, const bson_t* filter, const bson_t* update,
                   const Session* session, std::int64_t* matched = nullptr, bool upsert = false);
DbStatus UpdateMany(mongoc_collection_t* c, const bson_t* filter, const bson_t* update,
                    const Session* session, std::int64_t* matched = nullptr);
DbStatus DeleteOne(mongoc_collection_t* c, const bson_t* filter, const Session* session,
                   std::int64_t* deleted = nullptr);
DbStatus DeleteMany(mongoc_collection_t* c, const bson_t* filter, const Session* session,
                    std::int64_t* deleted = nullptr);
// The first matching document, or nullopt.
common::Result<std::optional<BsonPtr>> FindOne(mongoc_collection_t* c, const bson_t* filter,
                                               const bson_t* opts, const Session* session);
// Calls `each` for every matching document until it returns false.
DbStatus Find(mongoc_collection_t* c, const bson_t* filter, const bson_t* opts,
              const Session* session, const std::function<bool(const bson_t*)>& each);
DbStatus CountDocuments(mongoc_collection_t* c, const bson_t* filter, std::int64_t* count);
DbStatus CreateIndex(mongoc_collection_t* c, const bson_t* keys, const std::string& name,
                     bool unique);

// ---- Small BSON readers: the value of a top-level field, or the fallback when it is absent or
// of another type. ----
std::string GetString(const bson_t* doc, const char* field, std::string fallback = "");
std::int64_t GetInt(const bson_t* doc, const char* field, std::int64_t fallback = 0);
bool Has(const bson_t* doc, const char* field);
// A BSON date as milliseconds since the epoch.
std::int64_t GetDateMs(const bson_t* doc, const char* field, std::int64_t fallback = 0);

}  // namespace tactus::mongo
