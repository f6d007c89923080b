// The producers' side of the audit trail: records go into the `outbox` collection, never into
// the chain itself, so a producer needs no coordination with anyone (the Chainer moves them).
//
// Thread safety: AuditOutbox is immutable; Append may be called from any thread with that
// thread's own Client.
#pragma once

#include <string>
#include <vector>

#include "audit/record.h"
#include "mongo/mongo.h"

namespace tactus::audit {

class AuditOutbox {
 public:
  explicit AuditOutbox(std::string database = kDefaultDatabase) : database_(std::move(database)) {}

  // Inserts `record` into `<database>.outbox`: one insert, no reads. With `session` (inside
  // Begin/Commit) it joins that transaction, so the record exists iff the transaction commits;
  // with null it is written on its own. Returns MongoDB's status unchanged, so a caller inside a
  // transaction sees transient errors and retries its whole transaction.
  mongo::DbStatus Append(mongo::Client& client, const mongo::Session* session,
                         const Record& record) const;

  // Several records in one insert (one round trip), in order; as Append otherwise.
  mongo::DbStatus AppendMany(mongo::Client& client, const mongo::Session* session,
                             const std::vector<Record>& records) const;
  const std::string& database() const { return database_; }

 private:
  std::string database_;
};

// Creates the audit collections (outbox, records, checkpoints, meta), the head document
// ({_id: "head", seq: 0, hash: 64 zeros}) and the query indexes on `records`
// ({kind, namespace, ids}, {execution}, {time}). Idempotent; the Chainer calls it before its
// first batch. Producers may call it at start so that their first Append inside a transaction
// does not have to create `outbox`. IoError with MongoDB's message on failure.
common::Status EnsureSchema(mongo::Pool& pool, const std::string& database = kDefaultDatabase);

}  // namespace tactus::audit
