#include "audit/outbox.h"

#include "audit/chain_format.h"

namespace tactus::audit {

mongo::DbStatus AuditOutbox::Append(mongo::Client& client, const mongo::Session* session,
                                    const Record& record) const {
  mongo::BsonPtr doc = format::OutboxDoc(record);
  return mongo::InsertOne(client.Collection(database_, format::kOutbox), doc.get(), session);
}

mongo::DbStatus AuditOutbox::AppendMany(mongo::Client& client, const mongo::Session* session,
                                        const std::vector<Record>& records) const {
  if (records.empty()) return mongo::DbStatus::Ok();
  if (records.size() == 1) return Append(client, session, records.front());
  std::vector<mongo::BsonPtr> docs;
  std::vector<const bson_t*> raw;
  for (const auto& record : records) {
    docs.push_back(format::OutboxDoc(record));
    raw.push_back(docs.back().get());
  }
  return mongo::InsertMany(client.Collection(database_, format::kOutbox), raw, session);
}

common::Status EnsureSchema(mongo::Pool& pool, const std::string& database) {
  constexpr int kNamespaceExists = 48;
  mongo::Client client = pool.Acquire();
  for (const char* name :
       {format::kOutbox, format::kRecords, format::kCheckpoints, format::kMeta}) {
    mongo::BsonPtr create(BCON_NEW("create", BCON_UTF8(name)));
    mongo::DbStatus st = client.Command(database, create.get());
    if (!st.ok() && st.code() != kNamespaceExists) return st.ToStatus();
  }

  mongo::BsonPtr head(BCON_NEW("_id", BCON_UTF8(format::kHeadId), "seq", BCON_INT64(0), "hash",
                               BCON_UTF8(std::string(format::kGenesisHash).c_str())));
  mongo::DbStatus st =
      mongo::InsertOne(client.Collection(database, format::kMeta), head.get(), nullptr);
  if (!st.ok() && !st.duplicate_key()) return st.ToStatus();

  mongoc_collection_t* records = client.Collection(database, format::kRecords);
  struct Index {
    const char* name;
    mongo::BsonPtr keys;
  };
  Index indexes[] = {
      {"kind_namespace_ids", mongo::BsonPtr(BCON_NEW("kind", BCON_INT32(1), "namespace",
                                                     BCON_INT32(1), "ids", BCON_INT32(1)))},
      {"execution", mongo::BsonPtr(BCON_NEW("execution", BCON_INT32(1)))},
      {"time", mongo::BsonPtr(BCON_NEW("time", BCON_INT32(1)))},
  };
  for (const Index& index : indexes) {
    mongo::DbStatus ist = mongo::CreateIndex(records, index.keys.get(), index.name, false);
    if (!ist.ok()) return ist.ToStatus();
  }
  return common::Status::Ok();
}

}  // namespace tactus::audit
