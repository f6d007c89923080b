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

  // Lineage finds data records by namespace and document id. The index is sparse, so the
  // records without a namespace (API calls, transitions: most of them) cost their producer no
  // index entry. Version 2 databases made before had {kind, namespace, ids} over every record.
  constexpr int kIndexNotFound = 27;
  mongo::BsonPtr drop(BCON_NEW("dropIndexes", BCON_UTF8(format::kRecords), "index",
                               BCON_UTF8("kind_namespace_ids")));
  mongo::DbStatus dropped = client.Command(database, drop.get());
  if (!dropped.ok() && dropped.code() != kIndexNotFound) return dropped.ToStatus();
  mongo::BsonPtr records_index(BCON_NEW("createIndexes", BCON_UTF8(format::kRecords), "indexes",
                                        "[", "{", "key", "{", "namespace", BCON_INT32(1), "ids",
                                        BCON_INT32(1), "}", "name", BCON_UTF8("namespace_ids"),
                                        "sparse", BCON_BOOL(true), "}", "]"));
  if (mongo::DbStatus st = client.Command(database, records_index.get()); !st.ok()) {
    return st.ToStatus();
  }
  mongo::BsonPtr chain_keys(BCON_NEW("ids", BCON_INT32(1)));
  mongo::DbStatus ist = mongo::CreateIndex(client.Collection(database, format::kChain),
                                           chain_keys.get(), "ids", false);
  if (!ist.ok()) return ist.ToStatus();
  return common::Status::Ok();
}

}  // namespace tactus::audit
