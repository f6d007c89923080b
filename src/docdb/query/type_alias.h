// The BSON type set a $type operand names: a type number (1 double ... 19 decimal, -1 minKey,
// 127 maxKey), a string alias ("double", "string", "object", "array", "binData", "undefined",
// "objectId", "bool", "date", "null", "regex", "dbPointer", "javascript", "symbol",
// "javascriptWithScope", "int", "timestamp", "long", "decimal", "minKey", "maxKey", and "number"
// for all four numeric types), or an array of those.
// Thread safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <bitset>

#include "docdb/error.h"

namespace tactus::docdb::query {

// Indexed by type code; minKey and maxKey use slots 0 and 20 (kMinKeySlot, kMaxKeySlot).
using BsonTypeSet = std::bitset<21>;

inline constexpr int kMinKeySlot = 0;
inline constexpr int kMaxKeySlot = 20;

// The set an operand names. BadValue (2) "Invalid numerical type code: 100", "Unknown type name
// alias: foo", "type must be represented as a number or a string" (also for an empty array's
// elements of other types).
DbResult<BsonTypeSet> ParseTypeSet(const bson_value_t& operand);

// Whether a value's type is in the set.
bool TypeSetContains(const BsonTypeSet& set, bson_type_t type);

}  // namespace tactus::docdb::query
