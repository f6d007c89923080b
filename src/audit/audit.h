// The audit trail (library tactus_audit): append-only, hash-chained, signed records of API
// decisions, execution steps and data access, in a database of its own (default
// "tactus_audit"). On-disk format: docs/auth.md, "Audit trail".
//
// The contract:
//   - Producers (api/, runtime/, tasks/) build a Record (record.h) and call
//     AuditOutbox::Append (outbox.h): one insert into `outbox`, inside the producer's own
//     transaction when it passes its session, so a step's records exist iff the step
//     committed. Producers never read or write the chain.
//   - One Chainer (chainer.h) per deployment at a time (the holder of a lease in `meta`) moves
//     outbox records, in _id (arrival) order, into `records`: record n carries
//     hash = SHA-256(prev_hash + "\n" + canonical text) and prev = record n-1's hash. Each batch
//     is one transaction that also moves the head (`meta {_id: "head"}`) conditionally and
//     deletes the outbox documents, so the chain never forks and no record is chained twice
//     or lost. Every kCheckpointRecords records or kCheckpointMs (when there are new records)
//     it signs a checkpoint (seq, hash, time) with an Ed25519 AuditKey (key.h).
//   - Verify (verify.h) proves the chain intact from the store plus trusted public keys, and
//     names the first record deleted, modified or reordered.
//   - Lineage, ExecutionsTouching and Export (query.h) read the chain.
//
// Records are durable once their producer's transaction commits, but enter the chain (and so
// queries and verification) only when the chainer has moved them: a poll interval later.
#pragma once

#include "audit/chainer.h"
#include "audit/key.h"
#include "audit/outbox.h"
#include "audit/query.h"
#include "audit/record.h"
#include "audit/verify.h"
