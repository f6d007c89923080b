// archive: moves one batch of the documents matching a filter to another collection.
//
// Find the batch, insert it into the target, delete it from the source by _id, count what is
// left: all in the session's transaction, which also commits the task's result, so a batch is
// moved exactly once (never lost, never in both collections) even across a crash.
#include <cstring>
#include <set>

#include "common/digest.h"
#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks::mongodb_internal {

namespace {

constexpr std::int64_t kDefaultArchiveBatch = 1000;
constexpr std::int64_t kMaxArchiveBatch = 10000;
constexpr const char* kDefaultExecutionStamp = "archivedBy";

// `doc` with the `stamp` fields set (replacing fields of the same name).
BsonPtr Stamped(const bson_t* doc, const bson_t* stamp) {
  BsonPtr kept(bson_new());
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (!bson_has_field(stamp, bson_iter_key(&it))) {
      bson_append_iter(kept.get(), nullptr, 0, &it);
    }
  }
  bson_concat(kept.get(), stamp);
  return kept;
}

}  // namespace

std::string IdKey(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id")) return "";
  BsonPtr wrapper(bson_new());
  bson_append_iter(wrapper.get(), "_id", 3, &it);
  std::size_t len = 0;
  char* text = bson_as_canonical_extended_json(wrapper.get(), &len);
  std::string key(text ? text : "", text ? len : 0);
  bson_free(text);
  return key;
}

BsonPtr IdsIn(const std::vector<BsonPtr>& docs) {
  BsonPtr filter(bson_new());
  bson_t id, in;
  BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "_id", &id);
  BSON_APPEND_ARRAY_BEGIN(&id, "$in", &in);
  std::uint32_t i = 0;
  for (const auto& doc : docs) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc.get(), "_id")) continue;
    const char* key = nullptr;
    char buffer[16];
    bson_uint32_to_string(i++, &key, buffer, sizeof buffer);
    bson_append_iter(&in, key, -1, &it);
  }
  bson_append_array_end(&id, &in);
  bson_append_document_end(filter.get(), &id);
  return filter;
}

void DerivedObjectId(std::string_view key, std::size_t index, std::uint8_t out[12]) {
  const common::Sha256Digest digest =
      common::Sha256(std::string(key) + "#" + std::to_string(index));
  std::memcpy(out, digest.data(), 12);
}

MongoDbTaskResult RunArchive(mongo::Client& client, const std::string& db,
                             const std::string& coll_name, Args& args,
                             const mongo::Session* session, const std::string& execution_arn,
                             bool repeatable) {
  auto filter = args.Doc("Filter");
  std::string target_db = args.StringOr("TargetDatabase", db);
  std::string target_name = args.String("TargetCollection");
  std::int64_t batch = args.IntOr("BatchSize", kDefaultArchiveBatch, 1, kMaxArchiveBatch);
  auto stamp = args.Doc("Stamp", false);
  args.CheckOptions({"sort", "skipExisting", "countRemaining"});
  BsonPtr find_opts(bson_new());
  if (const json::value* v = args.Option("sort")) {
    std::string e;
    auto sort = ToBson(*v, &e);
    if (!sort) args.Fail("Parameters.Options.sort " + e);
    if (sort) BSON_APPEND_DOCUMENT(find_opts.get(), "sort", sort->get());
  } else {
    BsonPtr by_id(BCON_NEW("_id", BCON_INT32(1)));
    BSON_APPEND_DOCUMENT(find_opts.get(), "sort", by_id.get());
  }
  // Remaining counts the whole filter again (a scan without an index on its fields): a loop
  // that needs only to know whether to go on sets countRemaining: false and reads HasMore.
  bool count_remaining = true;
  if (const json::value* v = args.Option("countRemaining")) {
    if (!v->is_bool()) args.Fail("Parameters.Options.countRemaining must be a boolean");
    count_remaining = !v->is_bool() || v->as_bool();
  }
  bool skip_existing = false;
  if (const json::value* v = args.Option("skipExisting")) {
    if (!v->is_bool()) args.Fail("Parameters.Options.skipExisting must be a boolean");
    skip_existing = v->is_bool() && v->as_bool();
  }
  skip_existing = skip_existing || repeatable;
  if (const json::value* v = args.Raw("StampExecution"); stamp && v && !v->is_null()) {
    if (v->is_bool()) {
      if (v->as_bool()) {
        BSON_APPEND_UTF8(stamp->get(), kDefaultExecutionStamp, execution_arn.c_str());
      }
    } else if (v->is_string() && !v->as_string().empty()) {
      BSON_APPEND_UTF8(stamp->get(), v->as_string().c_str(), execution_arn.c_str());
    } else {
      args.Fail("Parameters.StampExecution must be a boolean or a field name");
    }
  }
  if (!args.failed() && stamp && bson_has_field(stamp->get(), "_id")) {
    args.Fail("Parameters.Stamp must not set _id");
  }
  if (!args.failed() && target_db == db && target_name == coll_name) {
    args.Fail("Parameters.TargetCollection must differ from the source collection");
  }
  if (args.failed()) return args.Failure();
  // One document more than the batch tells whether more are left (HasMore).
  BSON_APPEND_INT64(find_opts.get(), "limit", batch + 1);
  if (session) session->AppendTo(find_opts.get());

  mongoc_collection_t* source = client.Collection(db, coll_name);
  std::vector<BsonPtr> docs;
  {
    mongo::CursorPtr cursor(
        mongoc_collection_find_with_opts(source, filter->get(), find_opts.get(), nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) docs.emplace_back(bson_copy(doc));
    bson_error_t error{};
    const bson_t* reply = nullptr;
    if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
      return DbFailure(error, reply);
    }
  }
  const bool has_more = static_cast<std::int64_t>(docs.size()) > batch;
  if (has_more) docs.pop_back();
  bson_error_t error{};
  ReplyDoc reply;
  BsonPtr session_opts(bson_new());
  if (session) session->AppendTo(session_opts.get());
  std::int64_t skipped = 0;
  DataTouched deleted, inserted;
  deleted.ns = db + "." + coll_name;
  deleted.operation = "archive.delete";
  inserted.ns = target_db + "." + target_name;
  inserted.operation = "archive.insert";
  if (!docs.empty()) {
    mongoc_collection_t* target = client.Collection(target_db, target_name);
    BsonPtr by_ids = IdsIn(docs);
    std::set<std::string> existing;
    if (skip_existing) {
      BsonPtr opts(BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}"));
      if (session) session->AppendTo(opts.get());
      mongo::CursorPtr cursor(
          mongoc_collection_find_with_opts(target, by_ids.get(), opts.get(), nullptr));
      const bson_t* doc = nullptr;
      while (mongoc_cursor_next(cursor.get(), &doc)) existing.insert(IdKey(doc));
      const bson_t* cursor_reply = nullptr;
      if (mongoc_cursor_error_document(cursor.get(), &error, &cursor_reply)) {
        return DbFailure(error, cursor_reply);
      }
    }
    std::vector<BsonPtr> owned;
    std::vector<const bson_t*> to_insert;
    for (const auto& doc : docs) {
      AddTouchedIdOf(&deleted, doc.get());
      if (skip_existing && existing.count(IdKey(doc.get()))) {
        ++skipped;
        continue;
      }
      AddTouchedIdOf(&inserted, doc.get());
      owned.push_back(bson_empty(stamp->get()) ? BsonPtr(bson_copy(doc.get()))
                                               : Stamped(doc.get(), stamp->get()));
      to_insert.push_back(owned.back().get());
    }
    if (!to_insert.empty() &&
        !mongoc_collection_insert_many(target, to_insert.data(), to_insert.size(),
                                       session_opts.get(), reply.out(), &error)) {
      return DbFailure(error, reply.get());
    }
    if (!mongoc_collection_delete_many(source, by_ids.get(), session_opts.get(), reply.out(),
                                       &error)) {
      return DbFailure(error, reply.get());
    }
  }
  json::object result{{"Moved", static_cast<std::int64_t>(docs.size())}, {"HasMore", has_more}};
  if (count_remaining) {
    std::int64_t remaining = mongoc_collection_count_documents(
        source, filter->get(), session_opts.get(), nullptr, reply.out(), &error);
    if (remaining < 0) return DbFailure(error, reply.get());
    result["Remaining"] = remaining;
  }
  if (skip_existing) result["Skipped"] = skipped;
  deleted.count = static_cast<std::int64_t>(docs.size());
  inserted.count = deleted.count - skipped;
  MongoDbTaskResult r = Success(std::move(result), std::move(deleted));
  r.touched.push_back(std::move(inserted));
  return r;
}

}  // namespace tactus::tasks::mongodb_internal
