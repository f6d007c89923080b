// The on-disk format of the audit database (docs/auth.md, "Audit trail", format version 2),
// shared by the producers, the chainer, the verifier and the queries. Internal to audit/.
//
// Thread-safe: pure functions (NewRecordId keeps a process-wide, mutex-guarded counter).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::audit::format {

// The version EnsureSchema writes into meta {_id: "format"} and refuses to open otherwise.
inline constexpr std::int64_t kFormatVersion = 2;

inline constexpr const char* kRecords = "records";
inline constexpr const char* kChain = "chain";
inline constexpr const char* kCheckpoints = "checkpoints";
inline constexpr const char* kMeta = "meta";
inline constexpr const char* kHeadId = "head";
inline constexpr const char* kLeaseId = "lease";
inline constexpr const char* kFormatId = "format";

// The `prev` of record 1.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// A new record _id: "<ms, 13 digits>-<8 hex process nonce><8 hex counter>", the ms taken from
// the system clock now and never lower than this process's previous id, so that the ids of one
// process sort in the order they were taken, and all ids sort by the time they were taken to
// the millisecond.
std::string NewRecordId();

// The 13-digit prefix of the ids taken at `ms`: every id taken at or after `ms` sorts at or
// after it, every id taken before sorts before.
std::string IdPrefix(std::int64_t ms);
// The ms of an id's prefix; -1 when `id` does not start with 13 digits.
std::int64_t IdTime(std::string_view id);

// The stored document of `record` under a new id (NewRecordId): {_id, time, kind, producer,
// fields (the JSON text of the kind's fields, in canonical order), and, derived from the fields
// for the queries' indexes: execution, namespace, ids (IdKey of each) when the record has them}.
mongo::BsonPtr RecordDoc(const Record& record);

// What RecordDoc writes for a record with this _id and these stored members: the verifier
// rebuilds it from the stored time/kind/producer/fields and compares it with what is stored.
// Fields that are not a JSON object give no derived members.
mongo::BsonPtr RebuildRecordDoc(const bson_t* stored);

// The canonical text of stored record `doc` chained as record `seq`:
// {"seq","time","kind","producer", then the kind's fields in order}, compact JSON. A document
// that is not what RecordDoc writes is chained anyway (never stalls the chain) with the fields
// {"malformedRecord": <what was wrong>} (the verifier then names its stored fields).
std::string CanonicalFromRecord(std::int64_t seq, const bson_t* doc);

// SHA-256(prev + "\n" + canonical), hex.
std::string ChainHash(std::string_view prev, std::string_view canonical);

// A `chain` document: {_id: block number (1, 2, ...), first_seq, last_seq, prev (the hash
// before the block), ids (the records' _ids in chain order), hashes (each record's hash)}.
struct Block {
  std::int64_t number = 0;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::string prev;
  std::vector<std::string> ids;
  std::vector<std::string> hashes;
};

// Reads a block document; false (with `*problem`) when a member is missing or of another type.
bool ParseBlock(const bson_t* doc, Block* block, std::string* problem);

// The block with _id `number`, if any.
common::Result<std::optional<Block>> FindBlock(mongoc_collection_t* chain, std::int64_t number,
                                               std::string* problem);

// The records with these _ids, by _id (one query: the ids' range, filtered by $in, so that it
// is a range scan of the _id index on any store). Ids without a record are absent.
mongo::DbStatus FindRecords(mongoc_collection_t* records, const std::vector<std::string>& ids,
                            std::map<std::string, mongo::BsonPtr>* out);

// "tactus-audit-checkpoint\n<seq>\n<hash>\n<time>": what a checkpoint signs.
std::string CheckpointMessage(std::int64_t seq, std::string_view hash, std::int64_t time);

}  // namespace tactus::audit::format
