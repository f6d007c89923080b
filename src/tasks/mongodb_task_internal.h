// Shared pieces of the MongoDB task operations (mongodb_task*.cc); not part of the tasks API.
//
// Each Run* function performs one operation of RunMongoDbTask (mongodb_task.h) after the
// dispatcher has read Database and Collection; parameter mistakes fail with
// MongoDB.InvalidParameters naming the parameter, server errors with MongoDB.<codeName>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "tasks/mongodb_task.h"

namespace tactus::tasks::mongodb_internal {

using mongo::BsonPtr;

inline constexpr const char* kInvalid = "MongoDB.InvalidParameters";
// The payload limit of a state's result (engine::kMaxPayloadBytes; tasks do not depend on the
// engine). Cursor results stop short of it and say so with "Truncated": true.
inline constexpr std::size_t kMaxResultBytes = 256 * 1024;

// A JSON object as BSON, reading Extended JSON ($date, $oid, ...); nullopt and *error when it is
// not an object or not valid Extended JSON.
std::optional<BsonPtr> ToBson(const json::value& v, std::string* error);
// A JSON array as a BSON array document ({"0": ..., "1": ...}).
std::optional<BsonPtr> ToBsonArray(const json::value& v, std::string* error);
// An update: an operator document, or (when `allow_pipeline`) a pipeline array. *is_pipeline
// tells which.
std::optional<BsonPtr> ToUpdate(const json::value& v, bool allow_pipeline, bool* is_pipeline,
                                std::string* error);
// A document as relaxed Extended JSON.
json::value ToJson(const bson_t* doc);
// The value of a top-level field as JSON (null when absent).
json::value FieldToJson(const bson_t* doc, const char* field);
// The length of `v` serialized as JSON.
std::size_t JsonSize(const json::value& v);

// A failed server operation: MongoDB.<codeName>, the transaction aborted.
MongoDbTaskResult DbFailure(const bson_error_t& error, const bson_t* reply);
MongoDbTaskResult Success(json::value result);
// MongoDB.ResultTooLarge: one value of `bytes` cannot fit in the payload limit.
MongoDbTaskResult TooLarge(std::size_t bytes);

std::int64_t ReplyInt(const bson_t* reply, const char* field);

// The task's Parameters; the first mistake is kept and reported by Failure().
class Args {
 public:
  explicit Args(const json::value& params) : params_(params.if_object()) {}

  // An object parameter as BSON; when absent and not required, an empty document.
  std::optional<BsonPtr> Doc(const char* name, bool required = true);
  // A non-empty string parameter.
  std::string String(const char* name);
  // A string parameter, or `fallback` when absent.
  std::string StringOr(const char* name, const std::string& fallback);
  // An integer parameter in [min, max], or `fallback` when absent.
  std::int64_t IntOr(const char* name, std::int64_t fallback, std::int64_t min, std::int64_t max);
  const json::value* Raw(const char* name) const;
  // Options.<name>, if present.
  const json::value* Option(const char* name) const;
  // Fails unless Options has only members from `allowed`.
  void CheckOptions(std::initializer_list<const char*> allowed);

  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  bool failed() const { return !error_.empty(); }
  MongoDbTaskResult Failure() const;

 private:
  const json::object* params_;
  std::string error_;
};

// Operation options: the session plus the listed Options members, converted to BSON.
BsonPtr OperationOptions(Args& args, const mongo::Session* session,
                         std::initializer_list<const char*> allowed);

using mongo::ReplyDoc;

// Collects JSON values into an array under kMaxResultBytes: Add refuses the first value that
// would push the serialized result past the limit.
class CappedArray {
 public:
  // `overhead`: the bytes of the result around the array.
  explicit CappedArray(std::size_t overhead) : overhead_(overhead), bytes_(overhead) {}
  enum class Added { kYes, kFull, kTooLarge };
  // kFull: `v` does not fit after the values already added (the result is truncated);
  // kTooLarge: `v` alone does not fit (*size gets its size).
  Added Add(json::value v, std::size_t* size);
  json::array Take() { return std::move(values_); }
  std::int64_t count() const { return static_cast<std::int64_t>(values_.size()); }

 private:
  json::array values_;
  std::size_t overhead_;
  std::size_t bytes_;
};

// find, findOne, aggregate: the cursor's documents, capped.
MongoDbTaskResult Collect(mongoc_cursor_t* cursor, bool one);

MongoDbTaskResult RunDistinct(mongoc_collection_t* coll, Args& args, const mongo::Session* session);
// findOneAndUpdate, findOneAndReplace, findOneAndDelete.
MongoDbTaskResult RunFindOneAnd(mongoc_collection_t* coll, const std::string& op, Args& args,
                                const mongo::Session* session);
MongoDbTaskResult RunBulkWrite(mongoc_collection_t* coll, Args& args,
                               const mongo::Session* session);
// `repeatable`: the batch may have been moved in part by an earlier attempt outside a
// transaction, so documents already in the target are skipped (as Options.skipExisting).
MongoDbTaskResult RunArchive(mongo::Client& client, const std::string& db,
                             const std::string& coll_name, Args& args,
                             const mongo::Session* session, const std::string& execution_arn,
                             bool repeatable = false);

// ---- What an operation touched (MongoDbTaskResult::touched; mongodb_task_touched.cc). The
// dispatcher fills each entry's empty `ns` and `operation` with the task's own. ----

// Success with one entry of `touched`.
MongoDbTaskResult Success(json::value result, DataTouched touched);
// Lists `id` in t->ids, or sets ids_truncated once kMaxTouchedIds are listed.
void AddTouchedId(DataTouched* t, json::value id);
// Lists doc's _id; a document without one (a projection or a pipeline left it out) sets
// ids_truncated: the list no longer names every document counted.
void AddTouchedIdOf(DataTouched* t, const bson_t* doc);
// Lists the _ids of the documents `filter` matches, before a write by the same filter: a find
// with projection {_id: 1}, `sort` (may be null), at most `limit` documents, in `session` (so,
// inside the step's transaction, the same documents the write then changes). nullopt on
// success, else the failure to return.
std::optional<MongoDbTaskResult> ListMatchingIds(mongoc_collection_t* coll, const bson_t* filter,
                                                 const bson_t* sort, std::int64_t limit,
                                                 const mongo::Session* session, DataTouched* t);
// `doc` with an ObjectId _id first when it has none, so the caller can name it. With an
// idempotency key the ObjectId is derived from (key, index): a repeated task generates the
// same _ids and finds its documents inserted.
BsonPtr WithId(const bson_t* doc, std::string_view idempotency_key, std::size_t index);

// {"_id": {"$in": [the _ids of docs]}}.
BsonPtr IdsIn(const std::vector<BsonPtr>& docs);
// The canonical Extended JSON of a document's _id: a set key that tells 1 from "1".
std::string IdKey(const bson_t* doc);
// A 12-byte ObjectId from SHA-256(key "#" index): the same for every attempt of one task.
void DerivedObjectId(std::string_view key, std::size_t index, std::uint8_t out[12]);

}  // namespace tactus::tasks::mongodb_internal
