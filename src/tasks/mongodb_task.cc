// The MongoDB task dispatcher and the single-document and plain CRUD operations. The others:
// mongodb_task_read.cc (capped cursors, distinct), mongodb_task_write.cc (findOneAnd*,
// bulkWrite), mongodb_task_archive.cc (archive).
#include "tasks/mongodb_task.h"

#include <openssl/evp.h>

#include <set>

#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks {

using namespace mongodb_internal;

namespace {

// The documents of `docs` whose _id is not in `coll` yet (a repeated task inserts only those).
std::optional<std::vector<const bson_t*>> NotInserted(mongoc_collection_t* coll,
                                                      const std::vector<BsonPtr>& docs,
                                                      MongoDbTaskResult* failure) {
  std::set<std::string> present;
  BsonPtr by_ids = IdsIn(docs);
  BsonPtr opts(BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}"));
  mongo::CursorPtr cursor(mongoc_collection_find_with_opts(coll, by_ids.get(), opts.get(), nullptr));
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) present.insert(IdKey(doc));
  bson_error_t error{};
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    *failure = DbFailure(error, reply);
    return std::nullopt;
  }
  std::vector<const bson_t*> missing;
  for (const auto& d : docs) {
    if (!present.count(IdKey(d.get()))) missing.push_back(d.get());
  }
  return missing;
}

MongoDbTaskResult InsertOne(mongoc_collection_t* coll, Args& args, const mongo::Session* session,
                            std::string_view idempotency_key) {
  auto doc = args.Doc("Document");
  BsonPtr opts = OperationOptions(args, session, {});
  if (args.failed()) return args.Failure();
  std::vector<BsonPtr> with_id;
  with_id.push_back(WithId(doc->get(), idempotency_key, 0));
  json::value id = FieldToJson(with_id[0].get(), "_id");
  json::object result{{"InsertedId", id}};
  DataTouched touched;
  touched.count = 1;
  touched.ids.push_back(std::move(id));
  if (!idempotency_key.empty()) {
    MongoDbTaskResult failure;
    auto missing = NotInserted(coll, with_id, &failure);
    if (!missing) return failure;
    if (missing->empty()) {  // inserted by an earlier attempt
      return Success(std::move(result), std::move(touched));
    }
  }
  ReplyDoc reply;
  bson_error_t error{};
  if (!mongoc_collection_insert_one(coll, with_id[0].get(), opts.get(), reply.out(), &error)) {
    return DbFailure(error, reply.get());
  }
  return Success(std::move(result), std::move(touched));
}

MongoDbTaskResult InsertMany(mongoc_collection_t* coll, Args& args, const mongo::Session* session,
                             std::string_view idempotency_key) {
  const json::value* docs = args.Raw("Documents");
  BsonPtr opts = OperationOptions(args, session, {"ordered"});
  if (!docs || !docs->is_array() || docs->as_array().empty()) {
    args.Fail("Parameters.Documents must be a non-empty array of objects");
  }
  if (args.failed()) return args.Failure();
  std::vector<BsonPtr> owned;
  std::vector<const bson_t*> raw;
  json::array ids;
  for (const auto& d : docs->as_array()) {
    std::string e;
    auto doc = ToBson(d, &e);
    if (!doc) {
      args.Fail("Parameters.Documents[" + std::to_string(owned.size()) + "] " + e);
      return args.Failure();
    }
    owned.push_back(WithId(doc->get(), idempotency_key, owned.size()));
    raw.push_back(owned.back().get());
    ids.push_back(FieldToJson(owned.back().get(), "_id"));
  }
  std::int64_t n = static_cast<std::int64_t>(ids.size());
  // The whole request, also what an earlier attempt inserted: that attempt's step did not
  // commit, so it left no audit record of its own.
  DataTouched touched;
  touched.count = n;
  for (const auto& id : ids) AddTouchedId(&touched, id);
  if (!idempotency_key.empty()) {
    MongoDbTaskResult failure;
    auto missing = NotInserted(coll, owned, &failure);
    if (!missing) return failure;
    raw = std::move(*missing);  // what an earlier attempt did not insert
    if (raw.empty()) {
      return Success(json::object{{"InsertedIds", std::move(ids)}, {"InsertedCount", n}},
                     std::move(touched));
    }
  }
  ReplyDoc reply;
  bson_error_t error{};
  if (!mongoc_collection_insert_many(coll, raw.data(), raw.size(), opts.get(), reply.out(),
                                     &error)) {
    return DbFailure(error, reply.get());
  }
  return Success(json::object{{"InsertedIds", std::move(ids)}, {"InsertedCount", n}},
                 std::move(touched));
}

MongoDbTaskResult Find(mongoc_collection_t* coll, const std::string& op, Args& args,
                       const mongo::Session* session) {
  bool one = op == "findOne";
  auto filter = args.Doc("Filter", false);
  BsonPtr opts = one ? OperationOptions(args, session, {"projection", "sort", "skip"})
                     : OperationOptions(args, session, {"projection", "sort", "skip", "limit"});
  if (args.failed()) return args.Failure();
  if (one) BSON_APPEND_INT64(opts.get(), "limit", 1);
  return Collect(mongoc_collection_find_with_opts(coll, filter->get(), opts.get(), nullptr), one);
}

MongoDbTaskResult CountDocuments(mongoc_collection_t* coll, Args& args,
                                 const mongo::Session* session) {
  auto filter = args.Doc("Filter", false);
  BsonPtr opts = OperationOptions(args, session, {"skip", "limit"});
  if (args.failed()) return args.Failure();
  ReplyDoc reply;
  bson_error_t error{};
  std::int64_t n = mongoc_collection_count_documents(coll, filter->get(), opts.get(), nullptr,
                                                     reply.out(), &error);
  if (n < 0) return DbFailure(error, reply.get());
  DataTouched touched;  // counted, not returned: no ids
  touched.count = n;
  return Success(json::object{{"Count", n}}, std::move(touched));
}

MongoDbTaskResult Update(mongoc_collection_t* coll, const std::string& op, Args& args,
                         const mongo::Session* session) {
  bool replace = op == "replaceOne";
  auto filter = args.Doc("Filter");
  const char* member = replace ? "Replacement" : "Update";
  std::optional<BsonPtr> update;
  bool is_pipeline = false;
  std::string e = "is required";
  if (const json::value* raw = args.Raw(member)) update = ToUpdate(*raw, !replace, &is_pipeline, &e);
  if (!update) args.Fail(std::string("Parameters.") + member + " " + e);
  BsonPtr opts = replace ? OperationOptions(args, session, {"upsert"})
                         : OperationOptions(args, session, {"upsert", "arrayFilters"});
  if (args.failed()) return args.Failure();
  // The documents about to change (updateOne/replaceOne: the one the server picks first, as
  // this find does: same filter, same snapshot).
  DataTouched touched;
  std::int64_t limit = op == "updateMany" ? kMaxTouchedIds + 1 : 1;
  if (auto failure = ListMatchingIds(coll, filter->get(), nullptr, limit, session, &touched)) {
    return std::move(*failure);
  }
  ReplyDoc reply;
  bson_error_t error{};
  bool ok = op == "updateOne"
                ? mongoc_collection_update_one(coll, filter->get(), update->get(), opts.get(),
                                               reply.out(), &error)
            : op == "updateMany"
                ? mongoc_collection_update_many(coll, filter->get(), update->get(), opts.get(),
                                                reply.out(), &error)
                : mongoc_collection_replace_one(coll, filter->get(), update->get(), opts.get(),
                                                reply.out(), &error);
  if (!ok) return DbFailure(error, reply.get());
  json::object result{{"MatchedCount", ReplyInt(reply.get(), "matchedCount")},
                      {"ModifiedCount", ReplyInt(reply.get(), "modifiedCount")}};
  touched.count = ReplyInt(reply.get(), "matchedCount");
  if (bson_has_field(reply.get(), "upsertedId")) {
    json::value id = FieldToJson(reply.get(), "upsertedId");
    result["UpsertedId"] = id;
    touched.count += 1;
    AddTouchedId(&touched, std::move(id));
  }
  return Success(std::move(result), std::move(touched));
}

MongoDbTaskResult Delete(mongoc_collection_t* coll, const std::string& op, Args& args,
                         const mongo::Session* session) {
  auto filter = args.Doc("Filter");
  BsonPtr opts = OperationOptions(args, session, {});
  if (args.failed()) return args.Failure();
  DataTouched touched;
  std::int64_t limit = op == "deleteMany" ? kMaxTouchedIds + 1 : 1;
  if (auto failure = ListMatchingIds(coll, filter->get(), nullptr, limit, session, &touched)) {
    return std::move(*failure);
  }
  ReplyDoc reply;
  bson_error_t error{};
  bool ok = op == "deleteOne"
                ? mongoc_collection_delete_one(coll, filter->get(), opts.get(), reply.out(), &error)
                : mongoc_collection_delete_many(coll, filter->get(), opts.get(), reply.out(),
                                                &error);
  if (!ok) return DbFailure(error, reply.get());
  touched.count = ReplyInt(reply.get(), "deletedCount");
  return Success(json::object{{"DeletedCount", touched.count}}, std::move(touched));
}

MongoDbTaskResult Aggregate(mongoc_collection_t* coll, Args& args,
                            const mongo::Session* session) {
  const json::value* raw = args.Raw("Pipeline");
  std::string e = "is required";
  std::optional<BsonPtr> pipeline;
  if (raw) pipeline = ToBsonArray(*raw, &e);
  if (!pipeline) args.Fail("Parameters.Pipeline " + e);
  BsonPtr opts = OperationOptions(args, session, {"allowDiskUse", "let"});
  if (args.failed()) return args.Failure();
  return Collect(
      mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, pipeline->get(), opts.get(), nullptr),
      false);
}

MongoDbTaskResult Dispatch(mongo::Client& client, mongoc_collection_t* coll, const std::string& db,
                           const std::string& coll_name, const std::string& op, Args& args,
                           const mongo::Session* session, const std::string& execution_arn,
                           std::string_view idempotency_key) {
  if (op == "insertOne") return InsertOne(coll, args, session, idempotency_key);
  if (op == "insertMany") return InsertMany(coll, args, session, idempotency_key);
  if (op == "findOne" || op == "find") return Find(coll, op, args, session);
  if (op == "countDocuments") return CountDocuments(coll, args, session);
  if (op == "distinct") return RunDistinct(coll, args, session);
  if (op == "updateOne" || op == "updateMany" || op == "replaceOne") {
    return Update(coll, op, args, session);
  }
  if (op == "deleteOne" || op == "deleteMany") return Delete(coll, op, args, session);
  if (op == "aggregate") return Aggregate(coll, args, session);
  if (op == "findOneAndUpdate" || op == "findOneAndReplace" || op == "findOneAndDelete") {
    return RunFindOneAnd(coll, op, args, session);
  }
  if (op == "bulkWrite") return RunBulkWrite(coll, args, session);
  if (op == "archive") {
    return RunArchive(client, db, coll_name, args, session, execution_arn,
                      /*repeatable=*/!idempotency_key.empty());
  }
  args.Fail("unknown MongoDB operation '" + op +
            "' (insertOne, insertMany, findOne, find, countDocuments, distinct, updateOne, "
            "updateMany, replaceOne, deleteOne, deleteMany, aggregate, findOneAndUpdate, "
            "findOneAndReplace, findOneAndDelete, bulkWrite, archive)");
  return args.Failure();
}

}  // namespace

bool IsMongoDbResource(std::string_view resource) {
  return resource.substr(0, kMongoDbResourcePrefix.size()) == kMongoDbResourcePrefix;
}

std::optional<std::string> NamedConnection(const json::value* parameters) {
  const json::object* p = parameters ? parameters->if_object() : nullptr;
  const json::value* name = p ? p->if_contains("Connection") : nullptr;
  if (!name || !name->is_string() || name->as_string().empty()) return std::nullopt;
  return std::string(name->as_string());
}

MongoDbTaskResult RunMongoDbTask(mongo::Client& client, const mongo::Session* session,
                                 std::string_view resource, const json::value& parameters,
                                 const std::string& execution_arn,
                                 std::string_view idempotency_key) {
  std::string op(resource.substr(kMongoDbResourcePrefix.size()));
  // `<op>.waitForTaskToken` performs the operation (which carries $$.Task.Token somewhere a
  // person or a program finds it); the runtime then waits for the token.
  if (op.ends_with(kWaitForTaskToken)) op.resize(op.size() - kWaitForTaskToken.size());
  Args args(parameters);
  std::string db = args.String("Database");
  std::string coll_name = args.String("Collection");
  if (args.failed()) return args.Failure();
  mongoc_collection_t* coll = client.Collection(db, coll_name);

  MongoDbTaskResult r =
      Dispatch(client, coll, db, coll_name, op, args, session, execution_arn, idempotency_key);
  if (r.outcome.ok) {
    for (DataTouched& t : r.touched) {
      if (t.ns.empty()) t.ns = db + "." + coll_name;
      if (t.operation.empty()) t.operation = op;
    }
  } else {
    r.touched.clear();
  }
  return r;
}

}  // namespace tactus::tasks
