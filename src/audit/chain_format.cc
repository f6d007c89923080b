#include "audit/chain_format.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <random>

#include "audit/key.h"

namespace tactus::audit::format {

namespace {

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AppendString(bson_t* doc, const char* key, const json::object& o, const char* field) {
  auto it = o.find(field);
  if (it != o.end() && it->value().is_string()) {
    const json::string& s = it->value().get_string();
    bson_append_utf8(doc, key, -1, s.data(), static_cast<int>(s.size()));
  }
}

// The members RecordDoc and RebuildRecordDoc share, in this order.
void AppendRecord(bson_t* doc, std::string_view id, std::int64_t time, std::string_view kind,
                  std::string_view producer, std::string_view fields_text,
                  const json::object* fields) {
  bson_append_utf8(doc, "_id", -1, id.data(), static_cast<int>(id.size()));
  BSON_APPEND_INT64(doc, "time", time);
  bson_append_utf8(doc, "kind", -1, kind.data(), static_cast<int>(kind.size()));
  bson_append_utf8(doc, "producer", -1, producer.data(), static_cast<int>(producer.size()));
  bson_append_utf8(doc, "fields", -1, fields_text.data(), static_cast<int>(fields_text.size()));
  if (!fields) return;
  AppendString(doc, "execution", *fields, "execution");
  AppendString(doc, "namespace", *fields, "namespace");
  if (auto it = fields->find("ids"); it != fields->end() && it->value().is_array()) {
    bson_t ids;
    BSON_APPEND_ARRAY_BEGIN(doc, "ids", &ids);
    int i = 0;
    for (const json::value& v : it->value().get_array()) {
      std::string key = std::to_string(i++);
      std::string text = IdKey(v);
      bson_append_utf8(&ids, key.c_str(), -1, text.data(), static_cast<int>(text.size()));
    }
    bson_append_array_end(doc, &ids);
  }
}

}  // namespace

std::string NewRecordId() {
  static std::mutex mu;
  static std::int64_t last_ms = 0;
  static std::uint32_t counter = 0;
  static const std::uint32_t nonce = [] {
    std::random_device rd;
    return static_cast<std::uint32_t>(rd());
  }();
  std::int64_t ms;
  std::uint32_t n;
  {
    std::lock_guard<std::mutex> lock(mu);
    last_ms = std::max(last_ms, SystemNowMs());
    ms = last_ms;
    n = counter++;
  }
  char id[40];
  std::snprintf(id, sizeof(id), "%013" PRId64 "-%08" PRIx32 "%08" PRIx32, ms, nonce, n);
  return id;
}

std::string IdPrefix(std::int64_t ms) {
  char prefix[24];
  std::snprintf(prefix, sizeof(prefix), "%013" PRId64, std::max<std::int64_t>(ms, 0));
  return prefix;
}

std::int64_t IdTime(std::string_view id) {
  if (id.size() < 13) return -1;
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    if (id[i] < '0' || id[i] > '9') return -1;
    ms = ms * 10 + (id[i] - '0');
  }
  return ms;
}

mongo::BsonPtr RecordDoc(const Record& record) {
  std::string id = NewRecordId();
  std::string fields = common::SerializeJson(record.fields);
  mongo::BsonPtr doc = mongo::NewBson();
  AppendRecord(doc.get(), id, record.time, RecordKindName(record.kind), record.producer, fields,
               &record.fields);
  return doc;
}

mongo::BsonPtr RebuildRecordDoc(const bson_t* stored) {
  std::string fields_text = mongo::GetString(stored, "fields");
  auto fields = common::ParseJson(fields_text);
  const json::object* object = fields.ok() && fields->is_object() ? &fields->get_object() : nullptr;
  mongo::BsonPtr doc = mongo::NewBson();
  bson_iter_t it;
  std::string id;
  if (bson_iter_init_find(&it, stored, "_id") && BSON_ITER_HOLDS_UTF8(&it)) {
    id = bson_iter_utf8(&it, nullptr);
  }
  AppendRecord(doc.get(), id, mongo::GetInt(stored, "time"), mongo::GetString(stored, "kind"),
               mongo::GetString(stored, "producer"), fields_text, object);
  return doc;
}

std::string CanonicalFromRecord(std::int64_t seq, const bson_t* doc) {
  json::object canonical;
  canonical["seq"] = seq;
  canonical["time"] = mongo::GetInt(doc, "time");
  canonical["kind"] = mongo::GetString(doc, "kind");
  canonical["producer"] = mongo::GetString(doc, "producer");
  auto fields = common::ParseJson(mongo::GetString(doc, "fields"));
  if (fields.ok() && fields->is_object()) {
    for (const auto& member : fields->get_object()) canonical[member.key()] = member.value();
  } else {
    canonical["malformedRecord"] =
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

bool ParseBlock(const bson_t* doc, Block* block, std::string* problem) {
  bson_iter_t it;
  auto integer = [&](const char* name, std::int64_t* out) {
    if (!bson_iter_init_find(&it, doc, name) || !BSON_ITER_HOLDS_NUMBER(&it)) {
      *problem = std::string("its ") + name + " is missing or not a number";
      return false;
    }
    *out = bson_iter_as_int64(&it);
    return true;
  };
  auto strings = [&](const char* name, std::vector<std::string>* out) {
    bson_iter_t array;
    if (!bson_iter_init_find(&it, doc, name) || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &array)) {
      *problem = std::string("its ") + name + " is missing or not an array";
      return false;
    }
    while (bson_iter_next(&array)) {
      if (!BSON_ITER_HOLDS_UTF8(&array)) {
        *problem = std::string("its ") + name + " holds a non-string";
        return false;
      }
      out->emplace_back(bson_iter_utf8(&array, nullptr));
    }
    return true;
  };
  if (!integer("_id", &block->number) || !integer("first_seq", &block->first_seq) ||
      !integer("last_seq", &block->last_seq) || !strings("ids", &block->ids) ||
      !strings("hashes", &block->hashes)) {
    return false;
  }
  if (!bson_iter_init_find(&it, doc, "prev") || !BSON_ITER_HOLDS_UTF8(&it)) {
    *problem = "its prev is missing or not a string";
    return false;
  }
  block->prev = bson_iter_utf8(&it, nullptr);
  return true;
}

common::Result<std::optional<Block>> FindBlock(mongoc_collection_t* chain, std::int64_t number,
                                               std::string* problem) {
  mongo::BsonPtr filter(BCON_NEW("_id", BCON_INT64(number)));
  auto doc = mongo::FindOne(chain, filter.get(), nullptr, nullptr);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return std::optional<Block>();
  Block block;
  problem->clear();
  if (!ParseBlock(doc->value().get(), &block, problem)) block.number = number;
  return std::optional<Block>(std::move(block));
}

mongo::DbStatus FindRecords(mongoc_collection_t* records, const std::vector<std::string>& ids,
                            std::map<std::string, mongo::BsonPtr>* out) {
  if (ids.empty()) return mongo::DbStatus::Ok();
  const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
  mongo::BsonPtr filter = mongo::NewBson();
  bson_t range, list;
  BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "_id", &range);
  BSON_APPEND_UTF8(&range, "$gte", low->c_str());
  BSON_APPEND_UTF8(&range, "$lte", high->c_str());
  BSON_APPEND_ARRAY_BEGIN(&range, "$in", &list);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string key = std::to_string(i);
    BSON_APPEND_UTF8(&list, key.c_str(), ids[i].c_str());
  }
  bson_append_array_end(&range, &list);
  bson_append_document_end(filter.get(), &range);
  return mongo::Find(records, filter.get(), nullptr, nullptr, [&](const bson_t* doc) {
    out->emplace(mongo::GetString(doc, "_id"), mongo::BsonPtr(bson_copy(doc)));
    return true;
  });
}

std::string CheckpointMessage(std::int64_t seq, std::string_view hash, std::int64_t time) {
  std::string m = "tactus-audit-checkpoint\n";
  m.append(std::to_string(seq)).append("\n").append(hash).append("\n").append(std::to_string(time));
  return m;
}

}  // namespace tactus::audit::format
