#include "audit/verify.h"

#include <algorithm>
#include <map>
#include <set>

#include "audit/chain_format.h"
#include "audit/key.h"

namespace tactus::audit {

namespace {

struct Checkpoint {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t time = 0;
  std::string key_id;
  std::string signature;
};

// The bytes of the value under `it`, for exact comparison (type included).
std::string ValueBytes(const bson_iter_t* it) {
  bson_t tmp = BSON_INITIALIZER;
  bson_append_iter(&tmp, "v", 1, it);
  std::string bytes(reinterpret_cast<const char*>(bson_get_data(&tmp)), tmp.len);
  bson_destroy(&tmp);
  return bytes;
}

// "" when `stored` holds exactly the fields of `expected`; else the first field that differs.
std::string FieldDifference(const bson_t* expected, const bson_t* stored) {
  std::set<std::string> names;
  bson_iter_t e;
  bson_iter_init(&e, expected);
  while (bson_iter_next(&e)) {
    const char* key = bson_iter_key(&e);
    names.insert(key);
    bson_iter_t s;
    if (!bson_iter_init_find(&s, stored, key)) return std::string("field '") + key + "' is missing";
    if (ValueBytes(&e) != ValueBytes(&s)) {
      return std::string("field '") + key + "' differs from its canonical text";
    }
  }
  bson_iter_t s;
  bson_iter_init(&s, stored);
  while (bson_iter_next(&s)) {
    if (!names.count(bson_iter_key(&s))) {
      return std::string("field '") + bson_iter_key(&s) + "' is not part of the chain format";
    }
  }
  return "";
}

}  // namespace

common::Result<VerifyReport> Verify(mongo::Pool& pool, const std::string& database,
                                    const std::vector<std::string>& trusted_public_keys) {
  mongo::Client client = pool.Acquire();
  mongoc_collection_t* records = client.Collection(database, format::kRecords);
  mongoc_collection_t* chain = client.Collection(database, format::kChain);
  std::map<std::string, std::string> trusted;  // key id -> public key
  for (const std::string& key : trusted_public_keys) trusted[KeyIdOf(key)] = key;

  VerifyReport report;
  auto fail = [&report](std::int64_t seq, std::string reason) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.reason = std::move(reason);
    return report;
  };

  // The head first: blocks chained after this read are walked too, and must link.
  mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
  auto head = mongo::FindOne(client.Collection(database, format::kMeta), head_filter.get(), nullptr,
                             nullptr);
  if (!head.ok()) return head.status();
  const bool has_head = head->has_value();
  const bson_t* h = has_head ? head->value().get() : nullptr;
  const std::int64_t head_seq = has_head ? mongo::GetInt(h, "seq") : 0;
  const std::string head_hash = has_head ? mongo::GetString(h, "hash") : "";
  const std::int64_t head_block = has_head ? mongo::GetInt(h, "block") : 0;
  const std::string head_cursor = has_head ? mongo::GetString(h, "cursor") : "";

  std::map<std::int64_t, Checkpoint> checkpoints;
  mongo::BsonPtr all = mongo::NewBson();
  mongo::BsonPtr by_id(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
  mongo::DbStatus st =
      mongo::Find(client.Collection(database, format::kCheckpoints), all.get(), by_id.get(),
                  nullptr, [&](const bson_t* doc) {
                    Checkpoint c{mongo::GetInt(doc, "_id"), mongo::GetString(doc, "hash"),
                                 mongo::GetInt(doc, "time"), mongo::GetString(doc, "keyId"),
                                 mongo::GetString(doc, "signature")};
                    checkpoints[c.seq] = std::move(c);
                    return true;
                  });
  if (!st.ok()) return st.ToStatus();

  std::int64_t expected = 1;  // the next seq
  std::string prev(format::kGenesisHash);
  std::string hash_at_head = head_seq == 0 ? std::string(format::kGenesisHash) : "";
  std::int64_t behind_cursor = 0;  // chained records with _id <= head_cursor
  std::int64_t number = 1;
  for (;; ++number) {
    std::string problem;
    auto found = format::FindBlock(chain, number, &problem);
    if (!found.ok()) return found.status();
    const std::string name = "block " + std::to_string(number);
    if (!found->has_value()) {
      if (number <= head_block) {
        // The records it listed: up to the next block's first, or the head's seq.
        mongo::BsonPtr after(BCON_NEW("_id", "{", "$gt", BCON_INT64(number), "}"));
        mongo::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{",
                                     "first_seq", BCON_INT32(1), "}"));
        auto next = mongo::FindOne(chain, after.get(), opts.get(), nullptr);
        if (!next.ok()) return next.status();
        std::int64_t end =
            next->has_value() ? mongo::GetInt(next->value().get(), "first_seq") - 1 : head_seq;
        return fail(expected, "records " + std::to_string(expected) + ".." +
                                  std::to_string(std::max(end, expected)) + " are missing (" +
                                  name + " is missing; the head names block " +
                                  std::to_string(head_block) + ")");
      }
      break;
    }
    const format::Block& block = **found;
    if (!problem.empty()) return fail(expected, name + ": " + problem);
    const auto size = static_cast<std::int64_t>(block.ids.size());
    if (block.first_seq != expected) {
      return fail(expected, name + ": it starts at record " + std::to_string(block.first_seq) +
                                " where record " + std::to_string(expected) +
                                " belongs (a block was deleted or modified)");
    }
    if (size == 0 || block.hashes.size() != block.ids.size() ||
        block.last_seq != block.first_seq + size - 1) {
      return fail(expected, name +
                                ": its ids, hashes and last_seq disagree (the block was "
                                "modified)");
    }
    if (block.prev != prev) {
      return fail(expected, name + ": prev does not match the hash of record " +
                                std::to_string(expected - 1));
    }
    std::map<std::string, mongo::BsonPtr> docs;
    st = format::FindRecords(records, block.ids, &docs);
    if (!st.ok()) return st.ToStatus();
    for (std::int64_t i = 0; i < size; ++i) {
      const std::int64_t seq = block.first_seq + i;
      const std::string& id = block.ids[static_cast<std::size_t>(i)];
      const std::string rname = "record " + std::to_string(seq);
      auto doc = docs.find(id);
      if (doc == docs.end()) {
        return fail(seq,
                    rname + " is missing (" + name + " lists _id " + id + ", which no record has)");
      }
      std::string hash =
          format::ChainHash(prev, format::CanonicalFromRecord(seq, doc->second.get()));
      if (hash != block.hashes[static_cast<std::size_t>(i)]) {
        return fail(seq, rname + " (_id " + id +
                             "): its hash does not match its content (the record was modified, "
                             "records were reordered, or " +
                             name + "'s hash was changed)");
      }
      mongo::BsonPtr rebuilt = format::RebuildRecordDoc(doc->second.get());
      if (std::string diff = FieldDifference(rebuilt.get(), doc->second.get()); !diff.empty()) {
        return fail(seq, rname + " (_id " + id + "): stored " + diff);
      }
      if (auto cp = checkpoints.find(seq); cp != checkpoints.end() && cp->second.hash != hash) {
        return fail(seq, "checkpoint " + std::to_string(seq) + ": its hash differs from record " +
                             std::to_string(seq) + "'s");
      }
      if (seq == head_seq) hash_at_head = hash;
      if (!head_cursor.empty() && id <= head_cursor) ++behind_cursor;
      prev = std::move(hash);
      ++expected;
      ++report.records_checked;
    }
    docs.clear();
  }

  const std::int64_t last = expected - 1;
  if (!has_head) {
    if (last > 0) return fail(1, "the chain head (meta {_id: \"head\"}) is missing");
  } else if (head_seq > last) {
    return fail(last + 1, "records " + std::to_string(last + 1) + ".." + std::to_string(head_seq) +
                              " are missing (the head names record " + std::to_string(head_seq) +
                              "; the tail was truncated)");
  } else if (hash_at_head != head_hash) {
    return fail(head_seq, "the head's hash differs from record " + std::to_string(head_seq) + "'s");
  }

  for (const auto& [seq, cp] : checkpoints) {
    const std::string name = "checkpoint " + std::to_string(seq);
    auto key = trusted.find(cp.key_id);
    if (key == trusted.end()) {
      return fail(seq, name + ": signed by key " + cp.key_id + ", which is not trusted");
    }
    if (!VerifySignature(key->second, format::CheckpointMessage(seq, cp.hash, cp.time),
                         cp.signature)) {
      return fail(seq, name + ": the signature is invalid");
    }
    if (seq > last) {
      return fail(seq, name + ": record " + std::to_string(seq) +
                           " is missing (the chain was truncated after record " +
                           std::to_string(last) + ")");
    }
    ++report.checkpoints_checked;
  }

  // Records behind the cursor that no block lists: committed too late to be chained.
  if (!head_cursor.empty()) {
    mongo::BsonPtr behind(BCON_NEW("_id", "{", "$lte", BCON_UTF8(head_cursor.c_str()), "}"));
    std::int64_t stored = 0;
    st = mongo::CountDocuments(records, behind.get(), &stored);
    if (!st.ok()) return st.ToStatus();
    report.unchained = std::max<std::int64_t>(0, stored - behind_cursor);
  }
  return report;
}

}  // namespace tactus::audit
