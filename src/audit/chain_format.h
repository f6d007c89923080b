// The on-disk format of the audit database (docs/auth.md, "Audit trail"), shared by the
// outbox, the chainer, the verifier and the queries. Internal to audit/.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/record.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit::format {

inline constexpr const char* kOutbox = "outbox";
inline constexpr const char* kRecords = "records";
inline constexpr const char* kCheckpoints = "checkpoints";
inline constexpr const char* kMeta = "meta";
inline constexpr const char* kHeadId = "head";
inline constexpr const char* kLeaseId = "lease";

// The `prev` of record 1.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The outbox document of `record`, with `_id` = "<time, 13 digits>-<16 hex random>" so that
// _id order is arrival order to the millisecond.
mongo::BsonPtr OutboxDoc(const Record& record);

// The canonical text of an outbox document chained as record `seq`:
// {"seq","time","kind","producer", then the kind's fields in order}, compact JSON. An outbox
// document that is not what OutboxDoc writes is chained anyway (never stalls the chain) with
// the fields {"malformedOutbox": <what was wrong>}.
std::string CanonicalFromOutbox(std::int64_t seq, const bson_t* outbox_doc);

// SHA-256(prev + "\n" + canonical), hex.
std::string ChainHash(std::string_view prev, std::string_view canonical);

// The stored chained document: {_id: seq, prev, hash, canonical, kind, time, and the index
// fields execution, namespace, ids (IdKey of each), action, principal when the record has
// them}. Everything but seq/prev/hash is derived from the canonical text, so the verifier
// rebuilds it and compares it with what is stored. InvalidArgument when the text is not a
// JSON object.
common::Result<mongo::BsonPtr> ChainedDoc(std::int64_t seq, std::string_view prev,
                                          std::string_view hash, std::string_view canonical);

// "tactus-audit-checkpoint\n<seq>\n<hash>\n<time>": what a checkpoint signs.
std::string CheckpointMessage(std::int64_t seq, std::string_view hash, std::int64_t time);

}  // namespace tactus::audit::format
