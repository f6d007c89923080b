// Index specifications as stored in the `indexes` table, and their compiled form used for key
// maintenance (docs/docdb.md, "Storage").
//
// A stored spec is normalized: {v: 2, key, name, unique: true?, sparse: true?,
// partialFilterExpression?, expireAfterSeconds?, hidden: true?}; false booleans and the legacy
// `ns` / `background` fields are dropped, so two specs with the same meaning compare equal.
// Thread safety: pure functions; a CompiledIndex is immutable and shared between threads.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/query/index_keys.h"
#include "docdb/query/matcher.h"

namespace tactus::docdb::storage::internal {

inline constexpr const char* kIdIndexName = "_id_";
// The largest expireAfterSeconds a TTL index accepts (MongoDB's bound: INT32_MAX seconds).
inline constexpr double kMaxExpireAfterSeconds = 2147483647.0;

// MongoDB's generated name for a key pattern: {a: 1, "b.c": -1} -> "a_1_b.c_-1".
std::string DefaultIndexName(const bson_t* key);

// Validates a createIndexes spec and returns its normalized form (the name defaulted).
// BadValue / FailedToParse / InvalidIndexSpecificationOption (197) with MongoDB-like messages.
// A TTL index (expireAfterSeconds) must be on one field other than _id (CannotCreateIndex 67,
// InvalidIndexSpecificationOption 197), with 0 <= expireAfterSeconds <= kMaxExpireAfterSeconds
// (InvalidOptions 72).
DbResult<BsonPtr> NormalizeIndexSpec(const bson_t* spec);

// The spec of the _id index: {v: 2, key: {_id: 1}, name: "_id_"}.
BsonPtr IdIndexSpec();

// Whether two normalized specs differ in options (unique, sparse, partialFilterExpression,
// expireAfterSeconds, hidden), and whether their key patterns are equal (BSON comparison, so
// {a: 1} equals {a: 1.0}).
bool SameKeyPattern(const bson_t* a, const bson_t* b);
bool SameOptions(const bson_t* a, const bson_t* b);
// Whether two specs with equal key patterns describe the same index for MongoDB's "already
// exists with a different name" rule (same partialFilterExpression).
bool SameSignature(const bson_t* a, const bson_t* b);

struct CompiledIndex {
  std::int64_t id = 0;
  std::string name;
  BsonPtr spec;
  BsonPtr key;  // the key pattern document
  query::IndexKeyPattern pattern;
  std::optional<query::Matcher> partial;
  bool unique = false;
  bool is_id = false;  // the _id index: backed by the documents table, never by index_entries
  // The top-level fields the keys are read from ("a" for a key on "a.b"), distinct. Empty for
  // a partial index, whose membership also depends on its filter's fields.
  std::vector<std::string> key_fields;
};

// Whether `index` may hold other keys for `new_doc` than for `old_doc`: false when every field
// its keys are read from holds the same value, byte for byte, in both (or is missing from
// both). Always true for a partial index.
bool KeysMayDiffer(const CompiledIndex& index, const bson_t* old_doc, const bson_t* new_doc);

// REQUIRES: spec is a normalized spec read from the catalog.
DbResult<std::shared_ptr<const CompiledIndex>> CompileIndex(std::int64_t id, const bson_t* spec);

// The keys `doc` contributes to `index`: none when a partial filter does not match it (or a
// sparse index finds no key field); sorted and distinct.
DbResult<std::vector<std::string>> IndexKeysOf(const CompiledIndex& index, const bson_t* doc);

}  // namespace tactus::docdb::storage::internal
