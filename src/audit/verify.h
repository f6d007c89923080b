// Verification of the audit chain: everything a reader can check from the store alone plus the
// public keys it trusts.
//
// What is detected (the first problem found is named):
//   - a deleted record (a block lists its _id, `records` lacks it; its seq is named);
//   - a record whose content (time, kind, producer, fields) was changed (hash recomputation
//     against the hash its block lists);
//   - a record whose stored index fields (execution, namespace, ids, or any extra field) differ
//     from what its fields say;
//   - reordered records (contents swapped between _ids, or ids swapped in a block: the hashes
//     no longer match);
//   - a deleted block (a gap in block numbers or seq), or a modified one (its prev, first_seq,
//     last_seq, ids or hashes);
//   - a truncated tail, when the head in meta still names the old last record;
//   - a checkpoint with a bad signature, one signed by an untrusted key, one whose hash differs
//     from the record's at its seq, or one past the last record (a truncated tail).
// Not a failure: records behind the head's cursor that no block lists (their transaction
// committed after the chainer's late window, chainer.h) are counted as `unchained`.
// Limit: whoever can write the store can rewrite or truncate everything after the last signed
// checkpoint and recompute the hashes and the head; only checkpoints (signed with a key the
// attacker lacks) pin the chain, so the guarantee covers records up to the newest checkpoint.
//
// Thread-safe: reads only; may run while a Chainer works (blocks chained after the head was
// read are checked too, and must link).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit {

struct VerifyReport {
  bool ok = true;
  std::int64_t records_checked = 0;
  std::int64_t checkpoints_checked = 0;
  // Records behind the head's cursor that no block lists (never chained); only counted when ok.
  std::int64_t unchained = 0;
  // The seq of the first bad record or checkpoint (or the first missing seq); 0 when ok.
  std::int64_t first_bad_seq = 0;
  // What is wrong, in words ("record 17 is missing", ...); "" when ok.
  std::string reason;
};

// Walks the blocks of `<database>.chain` in order, the records they list (by _id, one query per
// block), and the checkpoints. `trusted_public_keys` are raw
// Ed25519 public keys in hex (AuditKey::public_key_hex; PublicKeyHexFromPem converts PEM): a
// checkpoint signed by any other key fails verification. Returns the report (ok or the first
// problem); IoError only when the store cannot be read.
common::Result<VerifyReport> Verify(mongo::Pool& pool, const std::string& database,
                                    const std::vector<std::string>& trusted_public_keys);

}  // namespace tactus::audit
