#include "audit/verify.h"

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
  std::map<std::string, std::string> trusted;  // key id -> public key
  for (const std::string& key : trusted_public_keys) trusted[KeyIdOf(key)] = key;

  VerifyReport report;
  auto fail = [&report](std::int64_t seq, std::string reason) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.reason = std::move(reason);
    return report;
  };

  // The head first: records chained after this read are walked too, and must link.
  mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
  auto head = mongo::FindOne(client.Collection(database, format::kMeta), head_filter.get(), nullptr,
                             nullptr);
  if (!head.ok()) return head.status();
  const bool has_head = head->has_value();
  const std::int64_t head_seq = has_head ? mongo::GetInt(head->value().get(), "seq") : 0;
  const std::string head_hash = has_head ? mongo::GetString(head->value().get(), "hash") : "";

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

  std::int64_t expected = 1;
  std::string prev(format::kGenesisHash);
  std::string hash_at_head = head_seq == 0 ? std::string(format::kGenesisHash) : "";
  std::string problem;
  std::int64_t problem_seq = 0;
  st = mongo::Find(
      client.Collection(database, format::kRecords), all.get(), by_id.get(), nullptr,
      [&](const bson_t* doc) {
        bson_iter_t id;
        std::int64_t seq = 0;
        if (!bson_iter_init_find(&id, doc, "_id") || !BSON_ITER_HOLDS_NUMBER(&id) ||
            (seq = bson_iter_as_int64(&id)) < expected) {
          problem_seq = expected;
          problem = "a record with a non-sequence _id sits where record " +
                    std::to_string(expected) + " belongs";
          return false;
        }
        const std::string name = "record " + std::to_string(seq);
        if (seq > expected) {
          problem_seq = expected;
          problem = "record " + std::to_string(expected) + " is missing" +
                    (seq > expected + 1 ? " (records " + std::to_string(expected) + ".." +
                                              std::to_string(seq - 1) + ")"
                                        : "");
          return false;
        }
        problem_seq = seq;
        const std::string canonical = mongo::GetString(doc, "canonical");
        const std::string stored_prev = mongo::GetString(doc, "prev");
        const std::string stored_hash = mongo::GetString(doc, "hash");
        auto parsed = common::ParseJson(canonical);
        std::int64_t canonical_seq = 0;
        if (!parsed.ok() || !parsed->is_object() || !parsed->get_object().contains("seq") ||
            !common::AsInt64(parsed->get_object().at("seq"), &canonical_seq)) {
          problem = name + ": its canonical text is not a record";
          return false;
        }
        if (canonical_seq != seq) {
          problem = name + ": its canonical text is record " + std::to_string(canonical_seq) +
                    "'s (records reordered)";
          return false;
        }
        if (stored_prev != prev) {
          problem = name + ": prev does not match the hash of record " + std::to_string(seq - 1);
          return false;
        }
        if (format::ChainHash(prev, canonical) != stored_hash) {
          problem = name + ": hash does not match its canonical text (the record was modified)";
          return false;
        }
        auto rebuilt = format::ChainedDoc(seq, prev, stored_hash, canonical);
        if (!rebuilt.ok()) {
          problem = name + ": its canonical text is not a record";
          return false;
        }
        if (std::string diff = FieldDifference(rebuilt->get(), doc); !diff.empty()) {
          problem = name + ": stored " + diff;
          return false;
        }
        if (auto cp = checkpoints.find(seq);
            cp != checkpoints.end() && cp->second.hash != stored_hash) {
          problem = "checkpoint " + std::to_string(seq) + ": its hash differs from record " +
                    std::to_string(seq) + "'s";
          return false;
        }
        if (seq == head_seq) hash_at_head = stored_hash;
        prev = stored_hash;
        ++expected;
        ++report.records_checked;
        problem.clear();
        return true;
      });
  if (!st.ok()) return st.ToStatus();
  if (!problem.empty()) return fail(problem_seq, problem);

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
  return report;
}

}  // namespace tactus::audit
