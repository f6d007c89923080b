// The audit trail (library tactus_audit): append-only, hash-chained, signed records of API
// decisions, execution steps and data access, in a database of its own (default
// "tactus_audit"). On-disk format: docs/auth.md, "Audit trail".
//
// The contract (format version 2):
//   - Producers (api/, runtime/, tasks/) build a Record (record.h) and call
//     AuditOutbox::Append (outbox.h): one insert into `records`, inside the producer's own
//     transaction when it passes its session, so a step's records exist iff the step
//     committed. The record is written once and never moved or rewritten; it carries its
//     content and the fields the queries' indexes need. Producers never read or write the
//     chain.
//   - One Chainer (chainer.h) per deployment at a time (the holder of a lease in `meta`) links
//     new records, in _id (time) order, into the chain: per batch ONE block document in `chain`
//     listing the records' _ids and hashes, record n's hash = SHA-256(record n-1's hash + "\n" +
//     its canonical text with seq n). Each batch is one transaction that also moves the head
//     (`meta {_id: "head"}`) conditionally, so the chain never forks and no record is chained
//     twice. Records whose transaction committed after a batch passed their _id are chained
//     by a later batch if they commit within the late window (chainer.h). Every
//     kCheckpointRecords records or kCheckpointMs (when there are new records) it signs a
//     checkpoint (seq, hash, time) with an Ed25519 AuditKey (key.h).
//   - Verify (verify.h) proves the chain intact from the store plus trusted public keys, and
//     names the first record deleted, modified or reordered, or block deleted or modified.
//   - Lineage, ExecutionsTouching and Export (query.h) read the records and the chain.
//
// Records are durable once their producer's transaction commits, but enter the chain (and so
// Lineage, Export and verification) only when the chainer has linked them: a poll interval
// later.
#pragma once

#include "audit/chainer.h"
#include "audit/key.h"
#include "audit/outbox.h"
#include "audit/query.h"
#include "audit/record.h"
#include "audit/verify.h"
