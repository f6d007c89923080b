// What a MongoDB task operation touched, for the audit trail (MongoDbTaskResult::touched).
#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks::mongodb_internal {

MongoDbTaskResult Success(json::value result, DataTouched touched) {
  MongoDbTaskResult r = Success(std::move(result));
  r.touched.push_back(std::move(touched));
  return r;
}

void AddTouchedId(DataTouched* t, json::value id) {
  if (t->ids.size() < kMaxTouchedIds) {
    t->ids.push_back(std::move(id));
  } else {
    t->ids_truncated = true;
  }
}

void AddTouchedIdOf(DataTouched* t, const bson_t* doc) {
  if (bson_has_field(doc, "_id")) {
    AddTouchedId(t, FieldToJson(doc, "_id"));
  } else {
    t->ids_truncated = true;
  }
}

std::optional<MongoDbTaskResult> ListMatchingIds(mongoc_collection_t* coll, const bson_t* filter,
                                                 const bson_t* sort, std::int64_t limit,
                                                 const mongo::Session* session, DataTouched* t) {
  BsonPtr opts(BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}"));
  BSON_APPEND_INT64(opts.get(), "limit", limit);
  if (sort) BSON_APPEND_DOCUMENT(opts.get(), "sort", sort);
  if (session) session->AppendTo(opts.get());
  mongo::CursorPtr cursor(mongoc_collection_find_with_opts(coll, filter, opts.get(), nullptr));
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) AddTouchedIdOf(t, doc);
  bson_error_t error{};
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) return DbFailure(error, reply);
  return std::nullopt;
}

BsonPtr WithId(const bson_t* doc, std::string_view idempotency_key, std::size_t index) {
  if (bson_has_field(doc, "_id")) return BsonPtr(bson_copy(doc));
  BsonPtr out(bson_new());
  bson_oid_t oid;
  if (idempotency_key.empty()) {
    bson_oid_init(&oid, nullptr);
  } else {
    DerivedObjectId(idempotency_key, index, oid.bytes);
  }
  BSON_APPEND_OID(out.get(), "_id", &oid);
  bson_concat(out.get(), doc);
  return out;
}

}  // namespace tactus::tasks::mongodb_internal
