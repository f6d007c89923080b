// Questions answered from the audit records ("which workflow touched this document, and
// when") and the export of the chain as JSON lines. Lineage and Export see chained records
// only; ExecutionsTouching sees every committed record, chained or not yet.
//
// Thread-safe: reads only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "common/clock.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit {

struct LineageEntry {
  std::string execution;
  std::string operation;
  common::TimeMs time = 0;
  std::int64_t seq = 0;
};

// The data records on namespace `ns` ("db.coll") whose ids list `id` (relaxed Extended JSON,
// matched by IdKey: the string "7" is not the number 7), in chain order. A record that listed
// only its first kMaxDataIds ids (idsTruncated) is found only when `id` is among those.
// Uses the sparse index {namespace, ids} on `records`, then {ids} on `chain` for each record's
// seq; records not chained yet are left out. IoError on store errors.
common::Result<std::vector<LineageEntry>> Lineage(mongo::Pool& pool, const std::string& database,
                                                  const std::string& ns, const json::value& id);

struct ExecutionTouch {
  std::string execution;
  common::TimeMs first = 0;  // time of its first data record on the namespace since `since`
  common::TimeMs last = 0;
  std::int64_t records = 0;
};

// The executions with data records on `ns` at or after `since` (ms), each once, ordered by
// first time then ARN. Grouped here rather than by an aggregation so it runs on any store.
common::Result<std::vector<ExecutionTouch>> ExecutionsTouching(mongo::Pool& pool,
                                                               const std::string& database,
                                                               const std::string& ns,
                                                               common::TimeMs since);

// Calls `each` with one JSON line (no newline) per chained record with seq >= from_seq, in seq
// order, until it returns false:
//   {"seq":N,"prev":"<hex>","hash":"<hex>","canonical":"<the canonical text, as a string>"}
// The canonical text travels as a string so an offline checker hashes the exact bytes; prev and
// hash are the chain's (its blocks'). By seq, not time, so that an export is a contiguous,
// verifiable piece of the chain. Walks the blocks from the one holding from_seq (found by a
// binary search over the block numbers), one records query per block. FailedPrecondition when a
// block lists a record that is missing or is malformed (Verify names it); IoError on store errors.
common::Status Export(mongo::Pool& pool, const std::string& database, std::int64_t from_seq,
                      const std::function<bool(std::string_view line)>& each);

}  // namespace tactus::audit
