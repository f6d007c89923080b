// Conversions, errors and parameter reading shared by the MongoDB task operations.
#include <map>

#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks::mongodb_internal {

namespace {

// libbson reads {"$type": ...} without "$binary" beside it as broken legacy binary, but in a
// filter it is the query operator. Such keys are renamed to this placeholder before parsing and
// back after it.
constexpr std::string_view kTypeOperatorPlaceholder = "\x01tactus$type";

// Renames query-operator "$type" keys (objects holding "$type" and no "$binary").
json::value HideTypeOperators(const json::value& v, bool* hidden) {
  if (v.is_array()) {
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(HideTypeOperators(e, hidden));
    return out;
  }
  if (!v.is_object()) return v;
  const json::object& o = v.as_object();
  bool is_operator = o.contains("$type") && !o.contains("$binary");
  json::object out;
  for (const auto& [key, value] : o) {
    std::string_view name = key;
    if (is_operator && name == "$type") {
      name = kTypeOperatorPlaceholder;
      *hidden = true;
    }
    out[name] = HideTypeOperators(value, hidden);
  }
  return out;
}

// Copies `in` into `out`, renaming placeholder keys back to "$type".
void RestoreTypeOperators(const bson_t* in, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, in)) return;
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    std::string name(key == kTypeOperatorPlaceholder ? std::string_view("$type") : key);
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      const std::uint8_t* data = nullptr;
      std::uint32_t len = 0;
      bool array = BSON_ITER_HOLDS_ARRAY(&it);
      if (array) {
        bson_iter_array(&it, &len, &data);
      } else {
        bson_iter_document(&it, &len, &data);
      }
      bson_t child, copy;
      if (!bson_init_static(&child, data, len)) continue;
      if (array) {
        bson_append_array_begin(out, name.c_str(), static_cast<int>(name.size()), &copy);
      } else {
        bson_append_document_begin(out, name.c_str(), static_cast<int>(name.size()), &copy);
      }
      RestoreTypeOperators(&child, &copy);
      if (array) {
        bson_append_array_end(out, &copy);
      } else {
        bson_append_document_end(out, &copy);
      }
    } else {
      bson_append_iter(out, name.c_str(), static_cast<int>(name.size()), &it);
    }
  }
}

}  // namespace

std::optional<BsonPtr> ToBson(const json::value& v, std::string* error) {
  if (!v.is_object()) {
    *error = "must be an object";
    return std::nullopt;
  }
  bool hidden = false;
  std::string text = common::SerializeJson(HideTypeOperators(v, &hidden));
  bson_error_t e{};
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(text.data()),
                                   static_cast<ssize_t>(text.size()), &e);
  if (!doc) {
    *error = std::string("is not valid Extended JSON: ") + e.message;
    return std::nullopt;
  }
  BsonPtr parsed(doc);
  if (!hidden) return parsed;
  BsonPtr restored(bson_new());
  RestoreTypeOperators(parsed.get(), restored.get());
  return restored;
}

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

std::optional<BsonPtr> ToUpdate(const json::value& v, bool allow_pipeline, bool* is_pipeline,
                                std::string* error) {
  *is_pipeline = allow_pipeline && v.is_array();
  if (*is_pipeline) return ToBsonArray(v, error);
  return ToBson(v, error);
}

json::value ToJson(const bson_t* doc) {
  std::size_t len = 0;
  char* text = bson_as_relaxed_extended_json(doc, &len);
  if (!text) return nullptr;
  auto parsed = common::ParseJson(std::string_view(text, len));
  bson_free(text);
  return parsed.ok() ? std::move(*parsed) : json::value(nullptr);
}

json::value FieldToJson(const bson_t* doc, const char* field) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return nullptr;
  BsonPtr wrapper(bson_new());
  bson_append_iter(wrapper.get(), "v", 1, &it);
  json::value v = ToJson(wrapper.get());
  return v.is_object() && v.as_object().contains("v") ? v.as_object().at("v") : json::value();
}

std::size_t JsonSize(const json::value& v) { return common::JsonSize(v); }

namespace {

// Names for codes whose reply carries no codeName (write errors of bulk writes, client errors).
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

}  // namespace

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

MongoDbTaskResult TooLarge(std::size_t bytes) {
  MongoDbTaskResult r;
  r.outcome = TaskOutcome::Failure(
      "MongoDB.ResultTooLarge",
      "a document of " + std::to_string(bytes) + " bytes as JSON does not fit in the " +
          std::to_string(kMaxResultBytes) +
          " byte payload limit; select fewer fields with Options.projection or $project");
  return r;
}

std::int64_t ReplyInt(const bson_t* reply, const char* field) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply, field) && BSON_ITER_HOLDS_NUMBER(&it)) {
    return bson_iter_as_int64(&it);
  }
  return 0;
}

std::optional<BsonPtr> Args::Doc(const char* name, bool required) {
  const json::value* v = Raw(name);
  if (!v || v->is_null()) {
    if (required) Fail(std::string("Parameters.") + name + " is required");
    return required ? std::nullopt : std::optional<BsonPtr>(BsonPtr(bson_new()));
  }
  std::string error;
  auto doc = ToBson(*v, &error);
  if (!doc) Fail(std::string("Parameters.") + name + " " + error);
  return doc;
}

std::string Args::String(const char* name) {
  const json::value* v = Raw(name);
  if (!v || !v->is_string() || v->as_string().empty()) {
    Fail(std::string("Parameters.") + name + " must be a non-empty string");
    return "";
  }
  return std::string(v->as_string());
}

std::string Args::StringOr(const char* name, const std::string& fallback) {
  const json::value* v = Raw(name);
  return !v || v->is_null() ? fallback : String(name);
}

std::int64_t Args::IntOr(const char* name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) {
  const json::value* v = Raw(name);
  if (!v || v->is_null()) return fallback;
  std::int64_t n = 0;
  if (!common::AsInt64(*v, &n) || n < min || n > max) {
    Fail(std::string("Parameters.") + name + " must be an integer from " + std::to_string(min) +
         " to " + std::to_string(max));
    return fallback;
  }
  return n;
}

const json::value* Args::Raw(const char* name) const {
  return params_ ? params_->if_contains(name) : nullptr;
}

const json::value* Args::Option(const char* name) const {
  const json::value* options = Raw("Options");
  if (!options || !options->is_object()) return nullptr;
  return options->as_object().if_contains(name);
}

void Args::CheckOptions(std::initializer_list<const char*> allowed) {
  const json::value* options = Raw("Options");
  if (!options || options->is_null()) return;
  if (!options->is_object()) {
    Fail("Parameters.Options must be an object");
    return;
  }
  for (const auto& [key, value] : options->as_object()) {
    bool known = false;
    for (const char* name : allowed) known |= key == name;
    if (!known) Fail("Parameters.Options." + std::string(key) + " is not supported here");
  }
}

MongoDbTaskResult Args::Failure() const {
  MongoDbTaskResult r;
  r.outcome = TaskOutcome::Failure(kInvalid, error_);
  return r;
}

BsonPtr OperationOptions(Args& args, const mongo::Session* session,
                         std::initializer_list<const char*> allowed) {
  args.CheckOptions(allowed);
  json::object chosen;
  for (const char* name : allowed) {
    if (const json::value* v = args.Option(name)) chosen[name] = *v;
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

}  // namespace tactus::tasks::mongodb_internal
