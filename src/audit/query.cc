#include "audit/query.h"

#include <algorithm>
#include <map>

#include "audit/chain_format.h"

namespace tactus::audit {

namespace {

std::string CanonicalString(const json::value& canonical, const char* field) {
  if (!canonical.is_object()) return "";
  const json::value* v = canonical.get_object().if_contains(field);
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

common::Result<std::vector<LineageEntry>> Lineage(mongo::Pool& pool, const std::string& database,
                                                  const std::string& ns, const json::value& id) {
  mongo::Client client = pool.Acquire();
  std::string key = IdKey(id);
  mongo::BsonPtr filter(BCON_NEW("kind", BCON_UTF8("data"), "namespace", BCON_UTF8(ns.c_str()),
                                 "ids", BCON_UTF8(key.c_str())));
  mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
  std::vector<LineageEntry> out;
  mongo::DbStatus st =
      mongo::Find(client.Collection(database, format::kRecords), filter.get(), opts.get(), nullptr,
                  [&](const bson_t* doc) {
                    auto canonical = common::ParseJson(mongo::GetString(doc, "canonical"));
                    LineageEntry e;
                    e.execution = mongo::GetString(doc, "execution");
                    e.operation = canonical.ok() ? CanonicalString(*canonical, "operation") : "";
                    e.time = mongo::GetInt(doc, "time");
                    e.seq = mongo::GetInt(doc, "_id");
                    out.push_back(std::move(e));
                    return true;
                  });
  if (!st.ok()) return st.ToStatus();
  return out;
}

common::Result<std::vector<ExecutionTouch>> ExecutionsTouching(mongo::Pool& pool,
                                                               const std::string& database,
                                                               const std::string& ns,
                                                               common::TimeMs since) {
  mongo::Client client = pool.Acquire();
  mongo::BsonPtr filter(BCON_NEW("kind", BCON_UTF8("data"), "namespace", BCON_UTF8(ns.c_str()),
                                 "time", "{", "$gte", BCON_INT64(since), "}"));
  mongo::BsonPtr opts(
      BCON_NEW("projection", "{", "execution", BCON_INT32(1), "time", BCON_INT32(1), "}"));
  std::map<std::string, ExecutionTouch> by_execution;
  mongo::DbStatus st = mongo::Find(client.Collection(database, format::kRecords), filter.get(),
                                   opts.get(), nullptr, [&](const bson_t* doc) {
                                     std::string execution = mongo::GetString(doc, "execution");
                                     common::TimeMs time = mongo::GetInt(doc, "time");
                                     auto [it, fresh] = by_execution.try_emplace(execution);
                                     ExecutionTouch& t = it->second;
                                     if (fresh) {
                                       t.execution = execution;
                                       t.first = t.last = time;
                                     }
                                     t.first = std::min(t.first, time);
                                     t.last = std::max(t.last, time);
                                     ++t.records;
                                     return true;
                                   });
  if (!st.ok()) return st.ToStatus();
  std::vector<ExecutionTouch> out;
  out.reserve(by_execution.size());
  for (auto& [name, touch] : by_execution) out.push_back(std::move(touch));
  std::stable_sort(out.begin(), out.end(), [](const ExecutionTouch& a, const ExecutionTouch& b) {
    return a.first < b.first;
  });
  return out;
}

common::Status Export(mongo::Pool& pool, const std::string& database, std::int64_t from_seq,
                      const std::function<bool(std::string_view line)>& each) {
  mongo::Client client = pool.Acquire();
  mongo::BsonPtr filter(BCON_NEW("_id", "{", "$gte", BCON_INT64(from_seq), "}"));
  mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{", "prev",
                               BCON_INT32(1), "hash", BCON_INT32(1), "canonical", BCON_INT32(1),
                               "}"));
  mongo::DbStatus st = mongo::Find(client.Collection(database, format::kRecords), filter.get(),
                                   opts.get(), nullptr, [&](const bson_t* doc) {
                                     json::object line;
                                     line["seq"] = mongo::GetInt(doc, "_id");
                                     line["prev"] = mongo::GetString(doc, "prev");
                                     line["hash"] = mongo::GetString(doc, "hash");
                                     line["canonical"] = mongo::GetString(doc, "canonical");
                                     return each(common::SerializeJson(line));
                                   });
  return st.ToStatus();
}

}  // namespace tactus::audit
