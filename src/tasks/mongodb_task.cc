#include "tasks/mongodb_task.h"

#include <map>
#include <optional>

namespace tactus::tasks {

using mongo::BsonPtr;

namespace {

constexpr const char* kInvalid = "MongoDB.InvalidParameters";

// An error the state fails with (not a server error).
struct ParamError {
  std::string message;
};

std::string Text(const json::value& v) { return common::SerializeJson(v); }

// A JSON object as BSON, reading Extended JSON ($date, $oid, ...).
std::optional<BsonPtr> ToBson(const json::value& v, std::string* error) {
  if (!v.is_object()) {
    *error = "must be an object";
    return std::nullopt;
  }
  std::string text = Text(v);
  bson_error_t e{};
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(text.data()),
                                   static_cast<ssize_t>(text.size()), &e);
  if (!doc) {
    *error = std::string("is not valid Extended JSON: ") + e.message;
    return std::nullopt;
  }
  return BsonPtr(doc);
}

// A JSON array as a BSON array document ({"0": ..., "1": ...}).
std::optional<BsonPtr> ToBsonArray(const json::value& v, std::string* error) {
  if (!v.is_array()) {
    *error = "must be an array";
    return std::nullopt;
  }
  auto wrapped = ToBson(json::object{{"a", v}}, error);
  if (!wrapped) return std::nullopt;
  bson_iter_t it;
  const std::uint8_t* data = nullptr;
  std::uint32_t len = 0;
  if (!bson_iter_init_find(&it, wrapped->get(), "a") || !BSON_ITER_HOLDS_ARRAY(&it)) {
    *error = "must be an array";
    return std::nullopt;
  }
  bson_iter_array(&it, &len, &data);
  return BsonPtr(bson_new_from_data(data, len));
}

json::value ToJson(const bson_t* doc) {
  std::size_t len = 0;
  char* text = bson_as_relaxed_extended_json(doc, &len);
  if (!text) return nullptr;
  auto parsed = common::ParseJson(std::string_view(text, len));
  bson_free(text);
  return parsed.ok() ? std::move(*parsed) : json::value(nullptr);
}

// The value of a top-level BSON field as JSON.
json::value FieldToJson(const bson_t* doc, const char* field) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return nullptr;
  BsonPtr wrapper(bson_new());
  bson_append_iter(wrapper.get(), "v", 1, &it);
  json::value v = ToJson(wrapper.get());
  return v.is_object() && v.as_object().contains("v") ? v.as_object().at("v") : json::value();
}

const std::map<int, const char*>& CodeNames() {
  static const std::map<int, const char*> names = {
      {2, "BadValue"},          {9, "FailedToParse"},
      {11000, "DuplicateKey"},  {112, "WriteConflict"},
      {13, "Unauthorized"},     {26, "NamespaceNotFound"},
      {50, "MaxTimeMSExpired"}, {121, "DocumentValidationFailure"},
      {168, "InvalidPipelineOperator"}, {292, "QueryExceededMemoryLimitNoDiskUseAllowed"},
      {10334, "BSONObjectTooLarge"}, {52, "DollarPrefixedFieldName"},
      {66, "ImmutableField"},   {14, "TypeMismatch"}};
  return names;
}

MongoDbTaskResult DbFailure(const bson_error_t& error, const bson_t* reply) {
  MongoDbTaskResult r;
  r.aborted_transaction = true;
  r.transient = reply && mongoc_error_has_label(reply, "TransientTransactionError");
  std::string name;
  if (error.domain == MONGOC_ERROR_STREAM || error.domain == MONGOC_ERROR_SERVER_SELECTION) {
    name = "NetworkError";
    r.transient = false;
  } else {
    bson_iter_t it;
    if (reply && bson_iter_init_find(&it, reply, "codeName") && BSON_ITER_HOLDS_UTF8(&it)) {
      name = bson_iter_utf8(&it, nullptr);
    } else if (auto found = CodeNames().find(static_cast<int>(error.code));
               found != CodeNames().end()) {
      name = found->second;
    } else {
      name = "ServerError";
    }
  }
  r.outcome = TaskOutcome::Failure("MongoDB." + name, std::string(error.message) + " (code " +
                                                          std::to_string(error.code) + ")");
  return r;
}

MongoDbTaskResult Success(json::value result) {
  MongoDbTaskResult r;
  r.outcome = TaskOutcome::Success(std::move(result));
  return r;
}

class Args {
 public:
  explicit Args(const json::value& params) : params_(params.if_object()) {}

  // A required object parameter as BSON.
  std::optional<BsonPtr> Doc(const char* name, bool required = true) {
    const json::value* v = params_ ? params_->if_contains(name) : nullptr;
    if (!v || v->is_null()) {
      if (required) Fail(std::string("Parameters.") + name + " is required");
      return required ? std::nullopt : std::optional<BsonPtr>(BsonPtr(bson_new()));
    }
    std::string error;
    auto doc = ToBson(*v, &error);
    if (!doc) Fail(std::string("Parameters.") + name + " " + error);
    return doc;
  }
  std::string String(const char* name) {
    const json::value* v = params_ ? params_->if_contains(name) : nullptr;
    if (!v || !v->is_string() || v->as_string().empty()) {
      Fail(std::string("Parameters.") + name + " must be a non-empty string");
      return "";
    }
    return std::string(v->as_string());
  }
  const json::value* Raw(const char* name) const {
    return params_ ? params_->if_contains(name) : nullptr;
  }
  // Options.<name>, if present.
  const json::value* Option(const char* name) const {
    const json::value* options = Raw("Options");
    if (!options || !options->is_object()) return nullptr;
    return options->as_object().if_contains(name);
  }
  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  bool failed() const { return !error_.empty(); }
  MongoDbTaskResult Failure() const {
    MongoDbTaskResult r;
    r.outcome = TaskOutcome::Failure(kInvalid, error_);
    return r;
  }

 private:
  const json::object* params_;
  std::string error_;
};

// Operation options: the session plus the listed Options members, converted to BSON.
BsonPtr OperationOptions(Args& args, const mongo::Session* session,
                         std::initializer_list<const char*> allowed) {
  json::object chosen;
  for (const char* name : allowed) {
    if (const json::value* v = args.Option(name)) chosen[name] = *v;
  }
  if (const json::value* options = args.Raw("Options"); options && !options->is_null()) {
    if (!options->is_object()) {
      args.Fail("Parameters.Options must be an object");
    } else {
      for (const auto& [key, value] : options->as_object()) {
        bool known = false;
        for (const char* name : allowed) known |= key == name;
        if (!known) args.Fail("Parameters.Options." + std::string(key) + " is not supported here");
      }
    }
  }
  std::string error;
  auto opts = ToBson(chosen, &error);
  if (!opts) {
    args.Fail("Parameters.Options " + error);
    opts = BsonPtr(bson_new());
  }
  if (session) session->AppendTo(opts->get());
  return std::move(*opts);
}

// A reply out-parameter: libmongoc initialises every reply it is given, even on failure.
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

// Gives a document an ObjectId _id when it has none, so the result can name it.
BsonPtr WithId(const bson_t* doc) {
  if (bson_has_field(doc, "_id")) return BsonPtr(bson_copy(doc));
  BsonPtr out(bson_new());
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);
  BSON_APPEND_OID(out.get(), "_id", &oid);
  bson_concat(out.get(), doc);
  return out;
}

std::int64_t ReplyInt(const bson_t* reply, const char* field) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply, field) && BSON_ITER_HOLDS_NUMBER(&it)) {
    return bson_iter_as_int64(&it);
  }
  return 0;
}

MongoDbTaskResult Collect(mongoc_cursor_t* raw_cursor, bool one) {
  mongo::CursorPtr cursor(raw_cursor);
  json::array docs;
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    docs.push_back(ToJson(doc));
    if (one) break;
  }
  bson_error_t error{};
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) return DbFailure(error, reply);
  if (one) return Success(json::object{{"Document", docs.empty() ? json::value() : docs[0]}});
  std::int64_t n = static_cast<std::int64_t>(docs.size());
  return Success(json::object{{"Documents", std::move(docs)}, {"Count", n}});
}

}  // namespace

bool IsMongoDbResource(std::string_view resource) {
  return resource.substr(0, kMongoDbResourcePrefix.size()) == kMongoDbResourcePrefix;
}

MongoDbTaskResult RunMongoDbTask(mongo::Client& client, const mongo::Session* session,
                                 std::string_view resource, const json::value& parameters) {
  std::string op(resource.substr(kMongoDbResourcePrefix.size()));
  Args args(parameters);
  std::string db = args.String("Database");
  std::string coll_name = args.String("Collection");
  if (args.failed()) return args.Failure();
  mongoc_collection_t* coll = client.Collection(db, coll_name);
  bson_error_t error{};
  ReplyDoc reply;
  auto fresh_reply = [&]() { return reply.out(); };

  if (op == "insertOne") {
    auto doc = args.Doc("Document");
    BsonPtr opts = OperationOptions(args, session, {});
    if (args.failed()) return args.Failure();
    BsonPtr with_id = WithId(doc->get());
    if (!mongoc_collection_insert_one(coll, with_id.get(), opts.get(), fresh_reply(), &error)) {
      return DbFailure(error, reply.get());
    }
    return Success(json::object{{"InsertedId", FieldToJson(with_id.get(), "_id")}});
  }
  if (op == "insertMany") {
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
      owned.push_back(WithId(doc->get()));
      raw.push_back(owned.back().get());
      ids.push_back(FieldToJson(owned.back().get(), "_id"));
    }
    if (!mongoc_collection_insert_many(coll, raw.data(), raw.size(), opts.get(), fresh_reply(),
                                       &error)) {
      return DbFailure(error, reply.get());
    }
    std::int64_t n = static_cast<std::int64_t>(ids.size());
    return Success(json::object{{"InsertedIds", std::move(ids)}, {"InsertedCount", n}});
  }
  if (op == "findOne" || op == "find") {
    auto filter = args.Doc("Filter", false);
    BsonPtr opts = op == "find"
                       ? OperationOptions(args, session, {"projection", "sort", "skip", "limit"})
                       : OperationOptions(args, session, {"projection", "sort", "skip"});
    if (args.failed()) return args.Failure();
    if (op == "findOne") BSON_APPEND_INT64(opts.get(), "limit", 1);
    return Collect(mongoc_collection_find_with_opts(coll, filter->get(), opts.get(), nullptr),
                   op == "findOne");
  }
  if (op == "countDocuments") {
    auto filter = args.Doc("Filter", false);
    BsonPtr opts = OperationOptions(args, session, {"skip", "limit"});
    if (args.failed()) return args.Failure();
    std::int64_t n = mongoc_collection_count_documents(coll, filter->get(), opts.get(), nullptr,
                                                       fresh_reply(), &error);
    if (n < 0) return DbFailure(error, reply.get());
    return Success(json::object{{"Count", n}});
  }
  if (op == "updateOne" || op == "updateMany" || op == "replaceOne") {
    auto filter = args.Doc("Filter");
    std::optional<BsonPtr> update;
    const char* member = op == "replaceOne" ? "Replacement" : "Update";
    const json::value* raw = args.Raw(member);
    std::string e;
    if (raw && raw->is_array() && op != "replaceOne") {
      update = ToBsonArray(*raw, &e);
    } else if (raw) {
      update = ToBson(*raw, &e);
    } else {
      e = "is required";
    }
    if (!update) args.Fail(std::string("Parameters.") + member + " " + e);
    BsonPtr opts = op == "replaceOne" ? OperationOptions(args, session, {"upsert"})
                                      : OperationOptions(args, session, {"upsert", "arrayFilters"});
    if (args.failed()) return args.Failure();
    bool ok = op == "updateOne"
                  ? mongoc_collection_update_one(coll, filter->get(), update->get(), opts.get(),
                                                 fresh_reply(), &error)
              : op == "updateMany"
                  ? mongoc_collection_update_many(coll, filter->get(), update->get(), opts.get(),
                                                  fresh_reply(), &error)
                  : mongoc_collection_replace_one(coll, filter->get(), update->get(), opts.get(),
                                                  fresh_reply(), &error);
    if (!ok) return DbFailure(error, reply.get());
    json::object result{{"MatchedCount", ReplyInt(reply.get(), "matchedCount")},
                        {"ModifiedCount", ReplyInt(reply.get(), "modifiedCount")}};
    if (bson_has_field(reply.get(), "upsertedId")) {
      result["UpsertedId"] = FieldToJson(reply.get(), "upsertedId");
    }
    return Success(std::move(result));
  }
  if (op == "deleteOne" || op == "deleteMany") {
    auto filter = args.Doc("Filter");
    BsonPtr opts = OperationOptions(args, session, {});
    if (args.failed()) return args.Failure();
    bool ok = op == "deleteOne"
                  ? mongoc_collection_delete_one(coll, filter->get(), opts.get(), fresh_reply(),
                                                 &error)
                  : mongoc_collection_delete_many(coll, filter->get(), opts.get(), fresh_reply(),
                                                  &error);
    if (!ok) return DbFailure(error, reply.get());
    return Success(json::object{{"DeletedCount", ReplyInt(reply.get(), "deletedCount")}});
  }
  if (op == "aggregate") {
    const json::value* raw = args.Raw("Pipeline");
    std::string e = "is required";
    std::optional<BsonPtr> pipeline;
    if (raw) pipeline = ToBsonArray(*raw, &e);
    if (!pipeline) args.Fail("Parameters.Pipeline " + e);
    BsonPtr opts = OperationOptions(args, session, {"allowDiskUse", "let"});
    if (args.failed()) return args.Failure();
    return Collect(mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, pipeline->get(),
                                               opts.get(), nullptr),
                   false);
  }
  args.Fail("unknown MongoDB operation '" + op +
            "' (insertOne, insertMany, findOne, find, countDocuments, updateOne, updateMany, "
            "replaceOne, deleteOne, deleteMany, aggregate)");
  return args.Failure();
}

}  // namespace tactus::tasks
