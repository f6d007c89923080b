// The producers' side of the audit trail: each record is inserted once into `records`, where it
// stays; the Chainer links it into the chain later by listing its _id in a block (chainer.h), so
// a producer needs no coordination with anyone and never reads or rewrites the chain.
//
// Thread safety: AuditOutbox is immutable; Append may be called from any thread with that
// thread's own Client.
#pragma once

#include <string>
#include <vector>

#include "audit/record.h"
#include "mongo/mongo.h"
#include "mongo/write_batch.h"

namespace tactus::audit {

class AuditOutbox {
 public:
  explicit AuditOutbox(std::string database = kDefaultDatabase) : database_(std::move(database)) {}

  // Inserts `record` into `<database>.records` under a new time-ordered _id: one insert, no
  // reads. With `session` (inside Begin/Commit) it joins that transaction, so the record exists
  // iff the transaction commits; with null it is written on its own. Append late in the
  // transaction: the chainer chains a record only if its transaction commits within the late window
  // of its _id (chainer.h). Returns MongoDB's status unchanged, so a caller inside a
  // transaction sees transient errors and retries its whole transaction.
  mongo::DbStatus Append(mongo::Client& client, const mongo::Session* session,
                         const Record& record) const;

  // Adds the inserts of `records` (in order) to `batch`, to be written with the batch's other
  // operations in one round trip; as Append otherwise: run the batch inside the transaction
  // and late in it.
  void AddTo(mongo::WriteBatch& batch, const std::vector<Record>& records) const;
  const std::string& database() const { return database_; }

 private:
  std::string database_;
};

// Creates the audit collections (records, chain, checkpoints, meta), the format document
// ({_id: "format", version: 2}), the head ({_id: "head", seq: 0, hash: 64 zeros, block: 0,
// cursor: ""}) and the indexes: on `records` {namespace, ids}, sparse, only (every secondary
// index entry there is paid by a producer's insert; only data records have a namespace); on
// `chain` {ids}. An older {kind, namespace, ids} index is dropped. Idempotent; the
// Chainer calls it before its first batch. Producers may call it at start so that their first
// Append inside a transaction does not have to create `records`. FailedPrecondition on a database
// of another format version (version 1: a head without `block`); IoError with MongoDB's message on
// failure.
common::Status EnsureSchema(mongo::Pool& pool, const std::string& database = kDefaultDatabase);

}  // namespace tactus::audit
