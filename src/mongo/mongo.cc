#include "mongo/mongo.h"

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "mongo/mongo_internal.h"

namespace tactus::mongo {

using internal::Opts;
using internal::ReplyCount;

namespace {
// libmongoc's own messages, as structured log lines. Its warning about aborting a transaction
// the server has already ended (after a failed statement) is expected and logged at debug.
void LogHandler(mongoc_log_level_t level, const char* domain, const char* message, void*) {
  common::LogLevel ours = common::LogLevel::kDebug;
  if (level <= MONGOC_LOG_LEVEL_ERROR) {
    ours = common::LogLevel::kError;
  } else if (level == MONGOC_LOG_LEVEL_WARNING) {
    ours = std::strstr(message, "abortTransaction") ? common::LogLevel::kDebug
                                                     : common::LogLevel::kWarning;
  } else if (level <= MONGOC_LOG_LEVEL_INFO) {
    ours = common::LogLevel::kInfo;
  }
  if (!common::LogEnabled(ours)) return;
  common::Log(ours, "mongoc", message, {{"domain", domain}});
}
}  // namespace

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_init();
    mongoc_log_set_handler(LogHandler, nullptr);
  });
}

DbStatus DbStatus::From(const bson_error_t& error, const bson_t* reply) {
  if (error.code == 0) return Ok();
  bool transient = reply && (mongoc_error_has_label(reply, "TransientTransactionError") ||
                             mongoc_error_has_label(reply, "UnknownTransactionCommitResult"));
  // A network error inside a transaction is transient too: the transaction did not commit or
  // its outcome is unknown, and both are retried from the start.
  if (error.domain == MONGOC_ERROR_STREAM) transient = true;
  return DbStatus(static_cast<int>(error.code), error.message, transient);
}

common::Status DbStatus::ToStatus() const {
  if (ok()) return common::Status::Ok();
  return common::Status::IoError("MongoDB error " + std::to_string(code_) + ": " + message_);
}

// ---- Session ----

Session::~Session() {
  if (in_transaction_) Abort();
  mongoc_client_session_destroy(session_);
}

DbStatus Session::Begin() {
  bson_error_t error{};
  if (!mongoc_client_session_start_transaction(session_, nullptr, &error)) {
    return DbStatus::From(error, nullptr);
  }
  in_transaction_ = true;
  return DbStatus::Ok();
}

DbStatus Session::Commit() {
  bson_error_t error{};
  ReplyDoc reply;
  in_transaction_ = false;
  if (!mongoc_client_session_commit_transaction(session_, reply.out(), &error)) {
    return DbStatus::From(error, reply.get());
  }
  return DbStatus::Ok();
}

void Session::Abort() {
  bson_error_t error{};
  in_transaction_ = false;
  mongoc_client_session_abort_transaction(session_, &error);
}

void Session::AppendTo(bson_t* opts) const {
  bson_error_t error{};
  mongoc_client_session_append(session_, opts, &error);
}

// ---- Client and Pool ----

Client::~Client() {
  collections_.clear();
  if (client_) mongoc_client_pool_push(pool_, client_);
}

Client::Client(Client&& other) noexcept
    : pool_(other.pool_),
      client_(other.client_),
      bulk_write_(other.bulk_write_),
      collections_(std::move(other.collections_)) {
  other.client_ = nullptr;
}

mongoc_collection_t* Client::Collection(const std::string& db, const std::string& name) {
  std::string ns = db + "." + name;
  auto it = collections_.find(ns);
  if (it != collections_.end()) return it->second.get();
  mongoc_collection_t* c = mongoc_client_get_collection(client_, db.c_str(), name.c_str());
  collections_.emplace(ns, CollectionPtr(c));
  return c;
}

common::Result<std::unique_ptr<Session>> Client::StartSession() {
  bson_error_t error{};
  mongoc_client_session_t* s = mongoc_client_start_session(client_, nullptr, &error);
  if (!s) return common::Status::IoError(std::string("cannot start a session: ") + error.message);
  return std::unique_ptr<Session>(new Session(s));
}

DbStatus Client::Command(const std::string& db, const bson_t* command, bson_t* reply) {
  bson_error_t error{};
  ReplyDoc local;
  bson_t* out = reply ? reply : local.out();
  if (!mongoc_client_command_simple(client_, db.c_str(), command, nullptr, out, &error)) {
    return DbStatus::From(error, out);
  }
  return DbStatus::Ok();
}

common::Result<std::unique_ptr<Pool>> Pool::Open(const std::string& uri_text, int max_size) {
  InitOnce();
  bson_error_t error{};
  mongoc_uri_t* uri = mongoc_uri_new_with_error(uri_text.c_str(), &error);
  if (!uri) {
    return common::Status::InvalidArgument("invalid MongoDB URI: " + std::string(error.message));
  }
  mongoc_client_pool_t* pool = mongoc_client_pool_new(uri);
  mongoc_uri_destroy(uri);
  if (!pool) return common::Status::InvalidArgument("cannot create a client pool for the URI");
  mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_pool_set_appname(pool, "tactus");
  mongoc_client_pool_max_size(pool, static_cast<std::uint32_t>(max_size));
  return std::unique_ptr<Pool>(new Pool(pool));
}

Pool::~Pool() { mongoc_client_pool_destroy(pool_); }

Client Pool::Acquire() { return Client(pool_, mongoc_client_pool_pop(pool_), &bulk_write_); }

bool Client::HasBulkWrite() {
  int known = bulk_write_->load(std::memory_order_relaxed);
  if (known != 0) return known == 1;
  constexpr int kCommandNotFound = 59;
  // No operations: MongoDB 8.0 answers with an error about the batch size, an older server
  // with CommandNotFound; neither writes anything.
  BsonPtr probe(BCON_NEW("bulkWrite", BCON_INT32(1), "ops", "[", "]", "nsInfo", "[", "]"));
  bson_error_t error{};
  ReplyDoc reply;
  if (mongoc_client_command_simple(client_, "admin", probe.get(), nullptr, reply.out(), &error)) {
    known = 1;
  } else if (error.domain == MONGOC_ERROR_STREAM || error.domain == MONGOC_ERROR_SERVER_SELECTION) {
    return false;  // unreachable: ask again next time
  } else {
    known = error.code == kCommandNotFound ? 2 : 1;
  }
  bulk_write_->store(known, std::memory_order_relaxed);
  return known == 1;
}

common::Status Pool::WaitReady(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  BsonPtr ping(BCON_NEW("ping", BCON_INT32(1)));
  while (true) {
    Client client = Acquire();
    DbStatus st = client.Command("admin", ping.get());
    if (st.ok()) return common::Status::Ok();
    if (std::chrono::steady_clock::now() > deadline) {
      return common::Status::IoError("MongoDB did not answer: " + st.message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// ---- Operations ----

DbStatus InsertOne(mongoc_collection_t* c, const bson_t* doc, const Session* session) {
  Opts opts(session);
  bson_error_t error{};
  ReplyDoc reply;
  if (!mongoc_collection_insert_one(c, doc, opts.get(), reply.out(), &error)) {
    return DbStatus::From(error, reply.get());
  }
  return DbStatus::Ok();
}

DbStatus InsertMany(mongoc_collection_t* c, const std::vector<const bson_t*>& docs,
                    const Session* session) {
  if (docs.empty()) return DbStatus::Ok();
  Opts opts(session);
  bson_error_t error{};
  ReplyDoc reply;
  if (!mongoc_collection_insert_many(c, const_cast<const bson_t**>(docs.data()), docs.size(),
                                     opts.get(), reply.out(), &error)) {
    return DbStatus::From(error, reply.get());
  }
  return DbStatus::Ok();
}

namespace {
DbStatus Update(bool many, mongoc_collection_t* c, const bson_t* filter, const bson_t* update,
                const Session* session, std::int64_t* matched, bool upsert) {
  BsonPtr base(BCON_NEW("upsert", BCON_BOOL(upsert)));
  Opts opts(session, base.get());
  bson_error_t error{};
  ReplyDoc reply;
  bool ok = many ? mongoc_collection_update_many(c, filter, update, opts.get(), reply.out(), &error)
                 : mongoc_collection_update_one(c, filter, update, opts.get(), reply.out(), &error);
  if (!ok) return DbStatus::From(error, reply.get());
  if (matched) *matched = ReplyCount(reply.get(), "matchedCount");
  return DbStatus::Ok();
}

DbStatus Delete(bool many, mongoc_collection_t* c, const bson_t* filter, const Session* session,
                std::int64_t* deleted) {
  Opts opts(session);
  bson_error_t error{};
  ReplyDoc reply;
  bool ok = many ? mongoc_collection_delete_many(c, filter, opts.get(), reply.out(), &error)
                 : mongoc_collection_delete_one(c, filter, opts.get(), reply.out(), &error);
  if (!ok) return DbStatus::From(error, reply.get());
  if (deleted) *deleted = ReplyCount(reply.get(), "deletedCount");
  return DbStatus::Ok();
}
}  // namespace

DbStatus UpdateOne(mongoc_collection_t* c, const bson_t* filter, const bson_t* update,
                   const Session* session, std::int64_t* matched, bool upsert) {
  return Update(false, c, filter, update, session, matched, upsert);
}
DbStatus UpdateMany(mongoc_collection_t* c, const bson_t* filter, const bson_t* update,
                    const Session* session, std::int64_t* matched) {
  return Update(true, c, filter, update, session, matched, false);
}
DbStatus DeleteOne(mongoc_collection_t* c, const bson_t* filter, const Session* session,
                   std::int64_t* deleted) {
  return Delete(false, c, filter, session, deleted);
}
DbStatus DeleteMany(mongoc_collection_t* c, const bson_t* filter, const Session* session,
                    std::int64_t* deleted) {
  return Delete(true, c, filter, session, deleted);
}

DbStatus Find(mongoc_collection_t* c, const bson_t* filter, const bson_t* opts_in,
              const Session* session, const std::function<bool(const bson_t*)>& each) {
  Opts opts(session, opts_in);
  CursorPtr cursor(mongoc_collection_find_with_opts(c, filter, opts.get(), nullptr));
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    if (!each(doc)) return DbStatus::Ok();
  }
  bson_error_t error{};
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    return DbStatus::From(error, reply);
  }
  return DbStatus::Ok();
}

common::Result<std::optional<BsonPtr>> FindOne(mongoc_collection_t* c, const bson_t* filter,
                                               const bson_t* opts_in, const Session* session) {
  BsonPtr opts(bson_new());
  if (opts_in) bson_concat(opts.get(), opts_in);
  if (!bson_has_field(opts.get(), "limit")) BSON_APPEND_INT64(opts.get(), "limit", 1);
  std::optional<BsonPtr> found;
  DbStatus st = Find(c, filter, opts.get(), session, [&](const bson_t* doc) {
    found = BsonPtr(bson_copy(doc));
    return false;
  });
  if (!st.ok()) return st.ToStatus();
  return found;
}

DbStatus CountDocuments(mongoc_collection_t* c, const bson_t* filter, std::int64_t* count) {
  bson_error_t error{};
  ReplyDoc reply;
  std::int64_t n =
      mongoc_collection_count_documents(c, filter, nullptr, nullptr, reply.out(), &error);
  if (n < 0) return DbStatus::From(error, reply.get());
  *count = n;
  return DbStatus::Ok();
}

DbStatus CreateIndex(mongoc_collection_t* c, const bson_t* keys, const std::string& name,
                     bool unique) {
  BsonPtr cmd(bson_new());
  BSON_APPEND_UTF8(cmd.get(), "createIndexes", mongoc_collection_get_name(c));
  bson_t indexes, index;
  BSON_APPEND_ARRAY_BEGIN(cmd.get(), "indexes", &indexes);
  BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &index);
  BSON_APPEND_DOCUMENT(&index, "key", keys);
  BSON_APPEND_UTF8(&index, "name", name.c_str());
  if (unique) BSON_APPEND_BOOL(&index, "unique", true);
  bson_append_document_end(&indexes, &index);
  bson_append_array_end(cmd.get(), &indexes);
  bson_error_t error{};
  ReplyDoc reply;
  if (!mongoc_collection_write_command_with_opts(c, cmd.get(), nullptr, reply.out(), &error)) {
    return DbStatus::From(error, reply.get());
  }
  return DbStatus::Ok();
}

// ---- Readers ----

std::string GetString(const bson_t* doc, const char* field, std::string fallback) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_UTF8(&it)) {
    std::uint32_t len = 0;
    const char* s = bson_iter_utf8(&it, &len);
    return std::string(s, len);
  }
  return fallback;
}

std::int64_t GetInt(const bson_t* doc, const char* field, std::int64_t fallback) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_NUMBER(&it)) {
    return bson_iter_as_int64(&it);
  }
  return fallback;
}

bool Has(const bson_t* doc, const char* field) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, field) && !BSON_ITER_HOLDS_NULL(&it);
}

std::int64_t GetDateMs(const bson_t* doc, const char* field, std::int64_t fallback) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_DATE_TIME(&it)) {
    return bson_iter_date_time(&it);
  }
  return fallback;
}

}  // namespace tactus::mongo
