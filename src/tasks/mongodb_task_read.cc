// find, findOne, aggregate and distinct: results capped to the payload limit.
#include <limits>

#include "tasks/mongodb_task_internal.h"

namespace tactus::tasks::mongodb_internal {

namespace {

// The bytes of a capped result around its array: the largest Count and the Truncated flag.
std::size_t Overhead(const char* array_name) {
  return JsonSize(json::object{{array_name, json::array()},
                               {"Count", std::numeric_limits<std::int64_t>::max()},
                               {"Truncated", true}});
}

}  // namespace

CappedArray::Added CappedArray::Add(json::value v, std::size_t* size) {
  *size = JsonSize(v);
  if (overhead_ + *size > kMaxResultBytes) return Added::kTooLarge;
  std::size_t separator = values_.empty() ? 0 : 1;
  if (bytes_ + separator + *size > kMaxResultBytes) return Added::kFull;
  bytes_ += separator + *size;
  values_.push_back(std::move(v));
  return Added::kYes;
}

MongoDbTaskResult Collect(mongoc_cursor_t* raw_cursor, bool one) {
  mongo::CursorPtr cursor(raw_cursor);
  CappedArray docs(one ? JsonSize(json::object{{"Document", nullptr}}) : Overhead("Documents"));
  bool truncated = false;
  DataTouched touched;  // the documents returned (not those a pipeline only read)
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    std::size_t size = 0;
    auto added = docs.Add(ToJson(doc), &size);
    if (added == CappedArray::Added::kTooLarge) return TooLarge(size);
    if (added == CappedArray::Added::kFull) {
      truncated = true;
      break;
    }
    AddTouchedIdOf(&touched, doc);
    if (one) break;
  }
  bson_error_t error{};
  const bson_t* reply = nullptr;
  if (!truncated && mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    return DbFailure(error, reply);
  }
  std::int64_t n = docs.count();
  touched.count = n;
  json::array values = docs.Take();
  if (one) {
    return Success(json::object{{"Document", values.empty() ? json::value() : values[0]}},
                   std::move(touched));
  }
  json::object result{{"Documents", std::move(values)}, {"Count", n}};
  if (truncated) result["Truncated"] = true;
  return Success(std::move(result), std::move(touched));
}

MongoDbTaskResult RunDistinct(mongoc_collection_t* coll, Args& args,
                              const mongo::Session* session) {
  std::string key = args.String("Key");
  auto filter = args.Doc("Filter", false);
  BsonPtr opts = OperationOptions(args, session, {});
  if (args.failed()) return args.Failure();
  BsonPtr command(bson_new());
  BSON_APPEND_UTF8(command.get(), "distinct", mongoc_collection_get_name(coll));
  BSON_APPEND_UTF8(command.get(), "key", key.c_str());
  BSON_APPEND_DOCUMENT(command.get(), "query", filter->get());
  ReplyDoc reply;
  bson_error_t error{};
  if (!mongoc_collection_read_command_with_opts(coll, command.get(), nullptr, opts.get(),
                                                reply.out(), &error)) {
    return DbFailure(error, reply.get());
  }
  json::value all = FieldToJson(reply.get(), "values");
  CappedArray values(Overhead("Values"));
  bool truncated = false;
  if (all.is_array()) {
    for (auto& v : all.as_array()) {
      std::size_t size = 0;
      auto added = values.Add(std::move(v), &size);
      if (added == CappedArray::Added::kTooLarge) return TooLarge(size);
      if (added == CappedArray::Added::kFull) {
        truncated = true;
        break;
      }
    }
  }
  DataTouched touched;  // values, not documents: no ids
  touched.count = values.count();
  json::object result{{"Values", values.Take()}};
  if (truncated) result["Truncated"] = true;
  return Success(std::move(result), std::move(touched));
}

}  // namespace tactus::tasks::mongodb_internal
