// RAII over libmongoc and libbson handles, and small BSON helpers, for integration tests that
// drive the embedded store through libmongoc. Header-only; every function here is for tests and
// reports a malformed literal with a GoogleTest failure rather than a Status.
#pragma once

#include <bson/bson.h>
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tactus::docdb::mongoc_util {

template <typename T, void (*kDestroy)(T*)>
struct Destroyer {
  void operator()(T* handle) const { kDestroy(handle); }
};

// A unique_ptr that releases a libmongoc/libbson handle with its own destroy function.
template <typename T, void (*kDestroy)(T*)>
using Handle = std::unique_ptr<T, Destroyer<T, kDestroy>>;

using BsonPtr = Handle<bson_t, bson_destroy>;
using UriPtr = Handle<mongoc_uri_t, mongoc_uri_destroy>;
using ClientPtr = Handle<mongoc_client_t, mongoc_client_destroy>;
using PoolPtr = Handle<mongoc_client_pool_t, mongoc_client_pool_destroy>;
using DatabasePtr = Handle<mongoc_database_t, mongoc_database_destroy>;
using CollectionPtr = Handle<mongoc_collection_t, mongoc_collection_destroy>;
using CursorPtr = Handle<mongoc_cursor_t, mongoc_cursor_destroy>;
using SessionPtr = Handle<mongoc_client_session_t, mongoc_client_session_destroy>;
using FindAndModifyOptsPtr =
    Handle<mongoc_find_and_modify_opts_t, mongoc_find_and_modify_opts_destroy>;
using ApmCallbacksPtr = Handle<mongoc_apm_callbacks_t, mongoc_apm_callbacks_destroy>;

// A reply out-parameter. libmongoc initializes every reply it is given, even on failure, so out()
// hands over an empty document and the destructor releases whatever libmongoc put there.
class Reply {
 public:
  Reply() { bson_init(&doc_); }
  ~Reply() { bson_destroy(&doc_); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  bson_t* out() {
    bson_destroy(&doc_);
    bson_init(&doc_);
    return &doc_;
  }
  const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_;
};

// A client borrowed from a pool; pushed back when it goes out of scope.
class PooledClient {
 public:
  explicit PooledClient(mongoc_client_pool_t* pool)
      : pool_(pool), client_(mongoc_client_pool_pop(pool)) {}
  ~PooledClient() { mongoc_client_pool_push(pool_, client_); }
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;

  mongoc_client_t* get() const { return client_; }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};

// Parses (relaxed or canonical) Extended JSON; a malformed literal fails the test.
inline BsonPtr Json(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  if (doc == nullptr) {
    ADD_FAILURE() << "bad JSON literal " << json << ": " << error.message;
    return BsonPtr(bson_new());
  }
  return BsonPtr(doc);
}

// Relaxed Extended JSON, for comparisons and failure messages.
inline std::string ToJson(const bson_t* doc) {
  char* json = bson_as_relaxed_extended_json(doc, nullptr);
  std::string out = json != nullptr ? json : "<invalid BSON>";
  bson_free(json);
  return out;
}

// The value at a dotted path ("writeErrors.0.code"), if present.
inline std::optional<bson_iter_t> Lookup(const bson_t* doc, const char* path) {
  bson_iter_t it, found;
  if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &found)) {
    return std::nullopt;
  }
  return found;
}

// A number (int32, int64 or double) at `path`, if there is one.
inline std::optional<int64_t> GetInt(const bson_t* doc, const char* path) {
  auto it = Lookup(doc, path);
  if (!it || !BSON_ITER_HOLDS_NUMBER(&*it)) return std::nullopt;
  return bson_iter_as_int64(&*it);
}

// A string at `path`, if there is one.
inline std::optional<std::string> GetString(const bson_t* doc, const char* path) {
  auto it = Lookup(doc, path);
  if (!it || !BSON_ITER_HOLDS_UTF8(&*it)) return std::nullopt;
  return std::string(bson_iter_utf8(&*it, nullptr));
}

// The sub-document or array at `path` as relaxed Extended JSON, if there is one.
inline std::optional<std::string> GetJson(const bson_t* doc, const char* path) {
  auto it = Lookup(doc, path);
  if (!it || !(BSON_ITER_HOLDS_DOCUMENT(&*it) || BSON_ITER_HOLDS_ARRAY(&*it))) {
    return std::nullopt;
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_DOCUMENT(&*it)) {
    bson_iter_document(&*it, &len, &data);
  } else {
    bson_iter_array(&*it, &len, &data);
  }
  bson_t sub;
  if (!bson_init_static(&sub, data, len)) return std::nullopt;
  return ToJson(&sub);
}

// Every document a cursor returns, as relaxed Extended JSON; a cursor error fails the test.
inline std::vector<std::string> DrainJson(mongoc_cursor_t* cursor) {
  std::vector<std::string> out;
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor, &doc)) out.push_back(ToJson(doc));
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error)) ADD_FAILURE() << "cursor error: " << error.message;
  return out;
}

// The numeric `_id`s a cursor returns, in order; a cursor error fails the test.
inline std::vector<int64_t> DrainIds(mongoc_cursor_t* cursor) {
  std::vector<int64_t> out;
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor, &doc)) out.push_back(GetInt(doc, "_id").value_or(-1));
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error)) ADD_FAILURE() << "cursor error: " << error.message;
  return out;
}

// A client for `uri` that reports server errors with their server codes (error API version 2).
inline ClientPtr Connect(const std::string& uri) {
  bson_error_t error;
  UriPtr parsed(mongoc_uri_new_with_error(uri.c_str(), &error));
  if (!parsed) {
    ADD_FAILURE() << "bad URI " << uri << ": " << error.message;
    return nullptr;
  }
  ClientPtr client(mongoc_client_new_from_uri_with_error(parsed.get(), &error));
  if (!client) {
    ADD_FAILURE() << "no client for " << uri << ": " << error.message;
    return nullptr;
  }
  mongoc_client_set_error_api(client.get(), MONGOC_ERROR_API_VERSION_2);
  return client;
}

}  // namespace tactus::docdb::mongoc_util
