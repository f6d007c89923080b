#include "audit/outbox.h"

#include "audit/chain_format.h"

namespace tactus::audit {

mongo::DbStatus AuditOutbox::Append(mongo::Client& client, const mongo::Session* session,
                                    const Record& record) const {
  mongo::BsonPtr doc = format::RecordDoc(record);
  return mongo::InsertOne(client.Collection(database_, format::kRecords), doc.get(), session);
}

void AuditOutbox::AddTo(mongo::WriteBatch& batch, const std::vector<Record>& records) const {
  for (const auto& record : records) {
    mongo::BsonPtr doc = format::RecordDoc(record);
    batch.Insert(database_, format::kRecords, doc.get());
  }
}

common::Status EnsureSchema(mongo::Pool& pool, const std::string& database) {
  constexpr int kNamespaceExists = 48;
  mongo::Client client = pool.Acquire();
  for (const char* name : {format::kRecords, format::kChain, format::kCheckpoints, format::kMeta}) {
    mongo::BsonPtr create(BCON_NEW("create", BCON_UTF8(name)));
    mongo::DbStatus st = client.Command(database, create.get());
    if (!st.ok() && st.code() != kNamespaceExists) return st.ToStatus();
  }
  mongoc_collection_t* meta = client.Collection(database, format::kMeta);

  // A version-1 database has a head without `block` (and records keyed by seq): refused.
  mongo::BsonPtr head_filter(BCON_NEW("_id", BCON_UTF8(format::kHeadId)));
  auto head = mongo::FindOne(meta, head_filter.get(), nullptr, nullptr);
  if (!head.ok()) return head.status();
  mongo::BsonPtr format_filter(BCON_NEW("_id", BCON_UTF8(format::kFormatId)));
  auto version = mongo::FindOne(meta, format_filter.get(), nullptr, nullptr);
  if (!version.ok()) return version.status();
  std::int64_t found = 0;
  if (version->has_value()) {
    found = mongo::GetInt(version->value().get(), "version");
  } else if (head->has_value() && !mongo::Has(head->value().get(), "block")) {
    found = 1;
  }
  if (found != 0 && found != format::kFormatVersion) {
    return common::Status::FailedPrecondition(
        "audit database '" + database + "' has format version " + std::to_string(found) +
        "; this build reads and writes version " + std::to_string(format::kFormatVersion) +
        " only (export it with the build that wrote it, then use a new audit database)");
  }
  if (!version->has_value()) {
    mongo::BsonPtr doc(BCON_NEW("_id", BCON_UTF8(format::kFormatId), "version",
                                BCON_INT64(format::kFormatVersion)));
    mongo::DbStatus st = mongo::InsertOne(meta, doc.get(), nullptr);
    if (!st.ok() && !st.duplicate_key()) return st.ToStatus();
  }
  if (!head->has_value()) {
    mongo::BsonPtr doc(BCON_NEW("_id", BCON_UTF8(format::kHeadId), "seq", BCON_INT64(0), "hash",
                                BCON_UTF8(std::string(format::kGenesisHash).c_str()), "block",
                                BCON_INT64(0), "cursor", BCON_UTF8("")));
    mongo::DbStatus st = mongo::InsertOne(meta, doc.get(), nullptr);
    if (!st.ok() && !st.duplicate_key()) return st.ToStatus();
  }

  struct Index {
    const char* collection;
    const char* name;
    mongo::BsonPtr keys;
  };
  Index indexes[] = {
      {format::kRecords, "kind_namespace_ids",
       mongo::BsonPtr(
           BCON_NEW("kind", BCON_INT32(1), "namespace", BCON_INT32(1), "ids", BCON_INT32(1)))},
      {format::kChain, "ids", mongo::BsonPtr(BCON_NEW("ids", BCON_INT32(1)))},
  };
  for (const Index& index : indexes) {
    mongo::DbStatus ist = mongo::CreateIndex(client.Collection(database, index.collection),
                                             index.keys.get(), index.name, false);
    if (!ist.ok()) return ist.ToStatus();
  }
  return common::Status::Ok();
}

}  // namespace tactus::audit
