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
  mongoc_collection_t* chain = client.Collection(database, format::kChain);
  std::string key = IdKey(id);
  mongo::BsonPtr filter(BCON_NEW("kind", BCON_UTF8("data"), "namespace", BCON_UTF8(ns.c_str()),
                                 "ids", BCON_UTF8(key.c_str())));
  std::vector<LineageEntry> out;
  std::vector<std::string> record_ids;
  mongo::DbStatus st =
      mongo::Find(client.Collection(database, format::kRecords), filter.get(), nullptr, nullptr,
                  [&](const bson_t* doc) {
                    auto fields = common::ParseJson(mongo::GetString(doc, "fields"));
                    LineageEntry e;
                    e.execution = mongo::GetString(doc, "execution");
                    e.operation = fields.ok() ? CanonicalString(*fields, "operation") : "";
                    e.time = mongo::GetInt(doc, "time");
                    out.push_back(std::move(e));
                    record_ids.push_back(mongo::GetString(doc, "_id"));
                    return true;
                  });
  if (!st.ok()) return st.ToStatus();
  // Each record's seq: its position in the block that lists it (the index {ids} on `chain`).
  // Records not chained yet are left out.
  std::vector<LineageEntry> chained;
  for (std::size_t i = 0; i < out.size(); ++i) {
    mongo::BsonPtr by_id(BCON_NEW("ids", BCON_UTF8(record_ids[i].c_str())));
    mongo::BsonPtr projection(
        BCON_NEW("projection", "{", "first_seq", BCON_INT32(1), "ids", BCON_INT32(1), "}"));
    auto block = mongo::FindOne(chain, by_id.get(), projection.get(), nullptr);
    if (!block.ok()) return block.status();
    if (!block->has_value()) continue;
    std::int64_t first_seq = mongo::GetInt(block->value().get(), "first_seq");
    bson_iter_t it, ids;
    if (!bson_iter_init_find(&it, block->value().get(), "ids") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &ids)) {
      continue;
    }
    for (std::int64_t index = 0; bson_iter_next(&ids); ++index) {
      if (BSON_ITER_HOLDS_UTF8(&ids) && record_ids[i] == bson_iter_utf8(&ids, nullptr)) {
        out[i].seq = first_seq + index;
        chained.push_back(std::move(out[i]));
        break;
      }
    }
  }
  std::sort(chained.begin(), chained.end(),
            [](const LineageEntry& a, const LineageEntry& b) { return a.seq < b.seq; });
  return chained;
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
  mongoc_collection_t* chain = client.Collection(database, format::kChain);
  mongoc_collection_t* records = client.Collection(database, format::kRecords);
  // The block holding from_seq: blocks are numbered 1, 2, ... and hold contiguous seqs, so a
  // binary search over the numbers up to the head's block, one point read each.
  auto last_seq_of = [&](std::int64_t number) -> common::Result<std::int64_t> {
    mongo::BsonPtr filter(BCON_NEW("_id", BCON_INT64(number)));
    mongo::BsonPtr opts(BCON_NEW("projection", "{", "last_seq", BCON_INT32(1), "}"));
    auto doc = mongo::FindOne(chain, filter.get(), opts.get(), nullptr);
    if (!doc.ok()) return doc.status();
    return doc->has_value() ? mongo::GetInt(doc->value().get(), "last_seq") : -1;
  };
  mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
  auto head = mongo::FindOne(client.Collection(database, format::kMeta), head_filter.get(), nullptr,
                             nullptr);
  if (!head.ok()) return head.status();
  std::int64_t low = 1, high = head->has_value() ? mongo::GetInt(head->value().get(), "block") : 0;
  while (low < high) {  // the first block in [low, high] whose last_seq >= from_seq
    std::int64_t mid = low + (high - low) / 2;
    auto last = last_seq_of(mid);
    if (!last.ok()) return last.status();
    if (*last >= 0 && *last < from_seq) {
      low = mid + 1;
    } else {
      high = mid;  // a missing block stops the search there; the walk below reports nothing past it
    }
  }
  for (std::int64_t number = low;; ++number) {
    std::string problem;
    auto found = format::FindBlock(chain, number, &problem);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return common::Status::Ok();
    const format::Block& block = **found;
    if (!problem.empty()) {
      return common::Status::FailedPrecondition("audit export: block " + std::to_string(number) +
                                                ": " + problem + " (run tactus audit verify)");
    }
    std::map<std::string, mongo::BsonPtr> docs;
    mongo::DbStatus st = format::FindRecords(records, block.ids, &docs);
    if (!st.ok()) return st.ToStatus();
    std::string prev = block.prev;
    for (std::size_t i = 0; i < block.ids.size() && i < block.hashes.size(); ++i) {
      const std::int64_t seq = block.first_seq + static_cast<std::int64_t>(i);
      const std::string& hash = block.hashes[i];
      if (seq >= from_seq) {
        auto doc = docs.find(block.ids[i]);
        if (doc == docs.end()) {
          return common::Status::FailedPrecondition("audit export: record " + std::to_string(seq) +
                                                    " (_id " + block.ids[i] +
                                                    ") is missing (run tactus audit verify)");
        }
        json::object line;
        line["seq"] = seq;
        line["prev"] = prev;
        line["hash"] = hash;
        line["canonical"] = format::CanonicalFromRecord(seq, doc->second.get());
        if (!each(common::SerializeJson(line))) return common::Status::Ok();
      }
      prev = hash;
    }
  }
}

}  // namespace tactus::audit
