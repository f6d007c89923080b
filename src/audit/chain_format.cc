#include "audit/chain_format.h"

#include <cinttypes>
#include <cstdio>
#include <random>

#include "audit/key.h"

namespace tactus::audit::format {

namespace {

std::uint64_t ThreadRandom() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return engine();
}

void AppendString(bson_t* doc, const char* key, const json::object& o, const char* field) {
  auto it = o.find(field);
  if (it != o.end() && it->value().is_string()) {
    const json::string& s = it->value().get_string();
    bson_append_utf8(doc, key, -1, s.data(), static_cast<int>(s.size()));
  }
}

}  // namespace

mongo::BsonPtr OutboxDoc(const Record& record) {
  char id[40];
  std::snprintf(id, sizeof(id), "%013" PRId64 "-%016" PRIx64, record.time, ThreadRandom());
  std::string fields = common::SerializeJson(record.fields);
  std::string_view kind = RecordKindName(record.kind);
  mongo::BsonPtr doc = mongo::NewBson();
  BSON_APPEND_UTF8(doc.get(), "_id", id);
  BSON_APPEND_INT64(doc.get(), "time", record.time);
  bson_append_utf8(doc.get(), "kind", -1, kind.data(), static_cast<int>(kind.size()));
  bson_append_utf8(doc.get(), "producer", -1, record.producer.data(),
                   static_cast<int>(record.producer.size()));
  bson_append_utf8(doc.get(), "fields", -1, fields.data(), static_cast<int>(fields.size()));
  return doc;
}

std::string CanonicalFromOutbox(std::int64_t seq, const bson_t* outbox_doc) {
  json::object canonical;
  canonical["seq"] = seq;
  canonical["time"] = mongo::GetInt(outbox_doc, "time");
  canonical["kind"] = mongo::GetString(outbox_doc, "kind");
  canonical["producer"] = mongo::GetString(outbox_doc, "producer");
  auto fields = common::ParseJson(mongo::GetString(outbox_doc, "fields"));
  if (fields.ok() && fields->is_object()) {
    for (const auto& member : fields->get_object()) canonical[member.key()] = member.value();
  } else {
    canonical["malformedOutbox"] =
        fields.ok() ? "fields is not a JSON object" : fields.status().message();
  }
  return common::SerializeJson(canonical);
}

std::string ChainHash(std::string_view prev, std::string_view canonical) {
  std::string input;
  input.reserve(prev.size() + 1 + canonical.size());
  input.append(prev).append("\n").append(canonical);
  return Sha256Hex(input);
}

common::Result<mongo::BsonPtr> ChainedDoc(std::int64_t seq, std::string_view prev,
                                          std::string_view hash, std::string_view canonical) {
  auto parsed = common::ParseJson(canonical);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return common::Status::InvalidArgument("not a JSON object");
  const json::object& o = parsed->get_object();
  std::int64_t time = 0;
  if (auto it = o.find("time"); it != o.end()) (void)common::AsInt64(it->value(), &time);

  mongo::BsonPtr doc = mongo::NewBson();
  BSON_APPEND_INT64(doc.get(), "_id", seq);
  bson_append_utf8(doc.get(), "prev", -1, prev.data(), static_cast<int>(prev.size()));
  bson_append_utf8(doc.get(), "hash", -1, hash.data(), static_cast<int>(hash.size()));
  bson_append_utf8(doc.get(), "canonical", -1, canonical.data(),
                   static_cast<int>(canonical.size()));
  AppendString(doc.get(), "kind", o, "kind");
  BSON_APPEND_INT64(doc.get(), "time", time);
  AppendString(doc.get(), "execution", o, "execution");
  AppendString(doc.get(), "namespace", o, "namespace");
  if (auto it = o.find("ids"); it != o.end() && it->value().is_array()) {
    bson_t ids;
    BSON_APPEND_ARRAY_BEGIN(doc.get(), "ids", &ids);
    int i = 0;
    for (const json::value& id : it->value().get_array()) {
      std::string key = std::to_string(i++);
      std::string text = IdKey(id);
      bson_append_utf8(&ids, key.c_str(), -1, text.data(), static_cast<int>(text.size()));
    }
    bson_append_array_end(doc.get(), &ids);
  }
  AppendString(doc.get(), "action", o, "action");
  AppendString(doc.get(), "principal", o, "principal");
  return doc;
}

std::string CheckpointMessage(std::int64_t seq, std::string_view hash, std::int64_t time) {
  std::string m = "tactus-audit-checkpoint\n";
  m.append(std::to_string(seq)).append("\n").append(hash).append("\n").append(std::to_string(time));
  return m;
}

}  // namespace tactus::audit::format
