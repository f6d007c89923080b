// findOneAndUpdate / findOneAndReplace / findOneAndDelete and bulkWrite.
#include <strings.h>

#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks::mongodb_internal {

namespace {

using BulkPtr = mongo::Handle<mongoc_bulk_operation_t, mongoc_bulk_operation_destroy>;

// Drivers tell an update from a replacement by its first key.
bool HasOperators(const bson_t* doc) {
  bson_iter_t it;
  return bson_iter_init(&it, doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$';
}

// Checks the kind of an update or replacement; `where` names it in the message.
void CheckUpdateKind(Args& args, const std::string& where, const bson_t* doc, bool is_pipeline,
                     bool replacement) {
  if (is_pipeline) return;
  if (replacement && HasOperators(doc)) {
    args.Fail(where + " must be a replacement document, without update operators");
  } else if (!replacement && !HasOperators(doc)) {
    args.Fail(where + " must contain update operators ($set, ...) or be a pipeline");
  }
}

// Whether a projection excludes _id ({_id: 0} or {_id: false}).
bool ExcludesId(const bson_t* projection) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, projection, "_id")) return false;
  if (BSON_ITER_HOLDS_BOOL(&it)) return !bson_iter_bool(&it);
  return BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_int64(&it) == 0;
}

// `doc` without its top-level `field`.
BsonPtr Without(const bson_t* doc, const char* field) {
  BsonPtr out(bson_new());
  bson_copy_to_excluding_noinit(doc, out.get(), field, nullptr);
  return out;
}

// One member of a bulkWrite operation, or of the task's Parameters.
const json::value* Member(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

}  // namespace

MongoDbTaskResult RunFindOneAnd(mongoc_collection_t* coll, const std::string& op, Args& args,
                                const mongo::Session* session) {
  bool remove = op == "findOneAndDelete";
  bool replace = op == "findOneAndReplace";
  auto filter = args.Doc("Filter", false);
  std::optional<BsonPtr> update;
  bool is_pipeline = false;
  if (!remove) {
    const char* member = replace ? "Replacement" : "Update";
    std::string where = std::string("Parameters.") + member;
    std::string e = "is required";
    if (const json::value* raw = args.Raw(member); raw && !raw->is_null()) {
      update = ToUpdate(*raw, !replace, &is_pipeline, &e);
    }
    if (!update) {
      args.Fail(where + " " + e);
    } else {
      CheckUpdateKind(args, where, update->get(), is_pipeline, replace);
    }
  }
  if (remove) {
    args.CheckOptions({"sort", "projection"});
  } else if (replace) {
    args.CheckOptions({"sort", "projection", "upsert", "returnDocument"});
  } else {
    args.CheckOptions({"sort", "projection", "upsert", "returnDocument", "arrayFilters"});
  }
  if (args.failed()) return args.Failure();

  BsonPtr command(bson_new());
  BSON_APPEND_UTF8(command.get(), "findAndModify", mongoc_collection_get_name(coll));
  BSON_APPEND_DOCUMENT(command.get(), "query", filter->get());
  // The audit trail needs the document's _id: a projection that excludes it is sent without
  // that exclusion, and _id is removed from the result instead.
  bool hide_id = false;
  for (auto [option, field] : {std::pair{"sort", "sort"}, std::pair{"projection", "fields"}}) {
    if (const json::value* v = args.Option(option)) {
      std::string e;
      auto doc = ToBson(*v, &e);
      if (!doc) {
        args.Fail(std::string("Parameters.Options.") + option + " " + e);
        return args.Failure();
      }
      if (std::string_view(field) == "fields" && ExcludesId(doc->get())) {
        hide_id = true;
        doc = Without(doc->get(), "_id");
      }
      BSON_APPEND_DOCUMENT(command.get(), field, doc->get());
    }
  }
  if (remove) {
    BSON_APPEND_BOOL(command.get(), "remove", true);
  } else {
    if (is_pipeline) {
      BSON_APPEND_ARRAY(command.get(), "update", update->get());
    } else {
      BSON_APPEND_DOCUMENT(command.get(), "update", update->get());
    }
    bool after = false;
    if (const json::value* v = args.Option("returnDocument")) {
      bool before = v->is_string() && strcasecmp(v->as_string().c_str(), "before") == 0;
      after = v->is_string() && strcasecmp(v->as_string().c_str(), "after") == 0;
      if (!before && !after) {
        args.Fail("Parameters.Options.returnDocument must be \"Before\" or \"After\"");
      }
    }
    BSON_APPEND_BOOL(command.get(), "new", after);
    if (const json::value* v = args.Option("upsert")) {
      if (!v->is_bool()) args.Fail("Parameters.Options.upsert must be a boolean");
      BSON_APPEND_BOOL(command.get(), "upsert", v->is_bool() && v->as_bool());
    }
    if (const json::value* v = args.Option("arrayFilters")) {
      std::string e;
      auto filters = ToBsonArray(*v, &e);
      if (!filters) args.Fail("Parameters.Options.arrayFilters " + e);
      if (filters) BSON_APPEND_ARRAY(command.get(), "arrayFilters", filters->get());
    }
  }
  if (args.failed()) return args.Failure();
  BsonPtr opts(bson_new());
  if (session) session->AppendTo(opts.get());
  ReplyDoc reply;
  bson_error_t error{};
  if (!mongoc_collection_write_command_with_opts(coll, command.get(), opts.get(), reply.out(),
                                                 &error)) {
    return DbFailure(error, reply.get());
  }
  json::value doc = FieldToJson(reply.get(), "value");
  DataTouched touched;
  if (json::object* o = doc.if_object(); o && o->contains("_id")) {
    AddTouchedId(&touched, o->at("_id"));
    if (hide_id) o->erase("_id");
  }
  // No document answered (none matched, or an upsert answered the document before it): the
  // upserted _id is in lastErrorObject.
  bson_iter_t it, upserted;
  if (touched.ids.empty() && bson_iter_init(&it, reply.get()) &&
      bson_iter_find_descendant(&it, "lastErrorObject.upserted", &upserted)) {
    BsonPtr wrapper(bson_new());
    bson_append_iter(wrapper.get(), "_id", 3, &upserted);
    AddTouchedId(&touched, FieldToJson(wrapper.get(), "_id"));
  }
  touched.count = static_cast<std::int64_t>(touched.ids.size());
  if (std::size_t size = JsonSize(doc); size + 16 > kMaxResultBytes) return TooLarge(size);
  return Success(json::object{{"Document", std::move(doc)}}, std::move(touched));
}

MongoDbTaskResult RunBulkWrite(mongoc_collection_t* coll, Args& args,
                               const mongo::Session* session) {
  const json::value* operations = args.Raw("Operations");
  if (!operations || !operations->is_array() || operations->as_array().empty()) {
    args.Fail("Parameters.Operations must be a non-empty array of operations");
  }
  BsonPtr opts = OperationOptions(args, session, {"ordered"});
  if (args.failed()) return args.Failure();
  BulkPtr bulk(mongoc_collection_create_bulk_operation_with_opts(coll, opts.get()));
  // The audit trail's ids: the inserted documents' (given an _id here, as the driver would),
  // then the upserted ones from the reply. Documents matched by a filter are not listed.
  DataTouched touched;
  bool by_filter = false;

  std::size_t index = 0;
  for (const json::value& operation : operations->as_array()) {
    std::string at = "Parameters.Operations[" + std::to_string(index++) + "]";
    const json::object* o = operation.if_object();
    if (!o || o->size() != 1) {
      args.Fail(at + " must be an object with one of insertOne, updateOne, updateMany, "
                     "replaceOne, deleteOne, deleteMany");
      return args.Failure();
    }
    const std::string kind(o->begin()->key());
    at += "." + kind;
    const json::object* body = o->begin()->value().if_object();
    if (!body) {
      args.Fail(at + " must be an object");
      return args.Failure();
    }
    auto doc = [&](const char* name) -> std::optional<BsonPtr> {
      const json::value* v = Member(*body, name);
      std::string e = "is required";
      std::optional<BsonPtr> d;
      if (v) d = ToBson(*v, &e);
      if (!d) args.Fail(at + "." + name + " " + e);
      return d;
    };
    auto check_members = [&](std::initializer_list<const char*> allowed) {
      for (const auto& [key, value] : *body) {
        bool known = false;
        for (const char* name : allowed) known |= key == name;
        if (!known) args.Fail(at + "." + std::string(key) + " is not supported here");
      }
    };
    // Upsert and ArrayFilters as the options of one update.
    auto update_opts = [&](bool array_filters) {
      BsonPtr u(bson_new());
      if (const json::value* v = Member(*body, "Upsert")) {
        if (!v->is_bool()) args.Fail(at + ".Upsert must be a boolean");
        BSON_APPEND_BOOL(u.get(), "upsert", v->is_bool() && v->as_bool());
      }
      if (const json::value* v = array_filters ? Member(*body, "ArrayFilters") : nullptr) {
        std::string e;
        auto filters = ToBsonArray(*v, &e);
        if (!filters) args.Fail(at + ".ArrayFilters " + e);
        if (filters) BSON_APPEND_ARRAY(u.get(), "arrayFilters", filters->get());
      }
      return u;
    };
    bson_error_t error{};
    bool ok = true;
    if (kind == "insertOne") {
      check_members({"Document"});
      auto d = doc("Document");
      if (args.failed()) return args.Failure();
      BsonPtr with_id = WithId(d->get(), "", 0);
      AddTouchedId(&touched, FieldToJson(with_id.get(), "_id"));
      ok = mongoc_bulk_operation_insert_with_opts(bulk.get(), with_id.get(), nullptr, &error);
    } else if (kind == "updateOne" || kind == "updateMany" || kind == "replaceOne") {
      bool replace = kind == "replaceOne";
      const char* member = replace ? "Replacement" : "Update";
      check_members(replace ? std::initializer_list<const char*>{"Filter", "Replacement", "Upsert"}
                            : std::initializer_list<const char*>{"Filter", "Update", "Upsert",
                                                                 "ArrayFilters"});
      auto filter = doc("Filter");
      std::optional<BsonPtr> update;
      bool is_pipeline = false;
      std::string e = "is required";
      if (const json::value* v = Member(*body, member)) {
        update = ToUpdate(*v, !replace, &is_pipeline, &e);
      }
      if (!update) {
        args.Fail(at + "." + member + " " + e);
      } else {
        CheckUpdateKind(args, at + "." + member, update->get(), is_pipeline, replace);
      }
      BsonPtr u = update_opts(!replace);
      if (args.failed()) return args.Failure();
      by_filter = true;
      ok = kind == "updateOne"
               ? mongoc_bulk_operation_update_one_with_opts(bulk.get(), filter->get(),
                                                            update->get(), u.get(), &error)
           : kind == "updateMany"
               ? mongoc_bulk_operation_update_many_with_opts(bulk.get(), filter->get(),
                                                             update->get(), u.get(), &error)
               : mongoc_bulk_operation_replace_one_with_opts(bulk.get(), filter->get(),
                                                             update->get(), u.get(), &error);
    } else if (kind == "deleteOne" || kind == "deleteMany") {
      check_members({"Filter"});
      auto filter = doc("Filter");
      if (args.failed()) return args.Failure();
      by_filter = true;
      ok = kind == "deleteOne"
               ? mongoc_bulk_operation_remove_one_with_opts(bulk.get(), filter->get(), nullptr,
                                                            &error)
               : mongoc_bulk_operation_remove_many_with_opts(bulk.get(), filter->get(), nullptr,
                                                             &error);
    } else {
      args.Fail(at + " is not an operation (insertOne, updateOne, updateMany, replaceOne, "
                     "deleteOne, deleteMany)");
      return args.Failure();
    }
    if (!ok) {
      args.Fail(at + " " + error.message);
      return args.Failure();
    }
  }

  ReplyDoc reply;
  bson_error_t error{};
  if (!mongoc_bulk_operation_execute(bulk.get(), reply.out(), &error)) {
    MongoDbTaskResult r = DbFailure(error, reply.get());
    // Say which operation failed: the first write error's index.
    bson_iter_t it, errors;
    if (bson_iter_init_find(&it, reply.get(), "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
        bson_iter_recurse(&it, &errors) && bson_iter_next(&errors) &&
        BSON_ITER_HOLDS_DOCUMENT(&errors)) {
      bson_iter_t failed;
      if (bson_iter_recurse(&errors, &failed) && bson_iter_find(&failed, "index") &&
          BSON_ITER_HOLDS_NUMBER(&failed)) {
        r.outcome.cause += " at Parameters.Operations[" +
                           std::to_string(bson_iter_as_int64(&failed)) + "]";
      }
    }
    return r;
  }
  json::object upserted_ids;
  bson_iter_t it, list;
  if (bson_iter_init_find(&it, reply.get(), "upserted") && BSON_ITER_HOLDS_ARRAY(&it) &&
      bson_iter_recurse(&it, &list)) {
    while (bson_iter_next(&list)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&list)) continue;
      const std::uint8_t* data = nullptr;
      std::uint32_t len = 0;
      bson_iter_document(&list, &len, &data);
      bson_t entry;
      if (!bson_init_static(&entry, data, len)) continue;
      json::value id = FieldToJson(&entry, "_id");
      AddTouchedId(&touched, id);
      upserted_ids[std::to_string(ReplyInt(&entry, "index"))] = std::move(id);
    }
  }
  std::int64_t matched = ReplyInt(reply.get(), "nMatched");
  std::int64_t deleted = ReplyInt(reply.get(), "nRemoved");
  touched.count = ReplyInt(reply.get(), "nInserted") + matched + deleted +
                  ReplyInt(reply.get(), "nUpserted");
  // Documents an update or delete found by its filter are counted but not listed.
  if (by_filter && matched + deleted > 0) touched.ids_truncated = true;
  return Success(json::object{{"InsertedCount", ReplyInt(reply.get(), "nInserted")},
                              {"MatchedCount", matched},
                              {"ModifiedCount", ReplyInt(reply.get(), "nModified")},
                              {"DeletedCount", deleted},
                              {"UpsertedCount", ReplyInt(reply.get(), "nUpserted")},
                              {"UpsertedIds", std::move(upserted_ids)}},
                 std::move(touched));
}

}  // namespace tactus::tasks::mongodb_internal
