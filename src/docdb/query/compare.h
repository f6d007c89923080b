// MongoDB's total order over BSON values (the "Comparison/Sort Order" of the MongoDB manual).
//
// Type brackets, lowest first: MinKey < null/undefined (and a missing value, BSON_TYPE_EOD) <
// numbers < string/symbol < object < array < binData < ObjectId < bool < date < timestamp <
// regex < dbPointer < JavaScript code < code with scope < MaxKey. Within a bracket:
//   numbers   by exact value across int32/int64/double/decimal128; NaN == NaN < -Infinity.
//   strings   by bytes (simple binary collation); a string equals the symbol with its bytes.
//   objects   element by element: the value's bracket, then the field name (bytes), then the
//             value; a proper prefix is less. Arrays likewise, without names.
//   binData   by length, then subtype, then bytes.      regex   by pattern, then options.
//   timestamp as an unsigned (t, i) pair.               date    as a signed int64.
// Unlike MongoDB, undefined is in the null bracket and equals null (docs/docdb.md).
//
// Thread safety: pure functions.
#pragma once

#include <bson/bson.h>

namespace tactus::docdb::query {

// The bracket of a type, MongoDB's canonical type numbers (MinKey -1, null 5, numbers 10,
// strings 15, ..., MaxKey 127). BSON_TYPE_EOD (missing) and undefined share null's bracket.
int CanonicalTypeRank(bson_type_t type);

// <0, 0 or >0 as a sorts before, equal to or after b.
int CompareValues(const bson_value_t& a, const bson_value_t& b);

// The same for the values under two iterators.
// REQUIRES: both iterators are positioned on an element.
int CompareIters(const bson_iter_t& a, const bson_iter_t& b);

// Compares two documents as objects (see above).
int CompareDocuments(const bson_t* a, const bson_t* b);

// The value under an iterator (a view into the iterated document, valid while it is).
bson_value_t IterValue(const bson_iter_t& iter);

}  // namespace tactus::docdb::query
