// The index keys of a document under an index key pattern such as {a: 1, "b.c": -1}: each key
// is the concatenation of its fields' key encodings (key_encoding.h), a descending field
// complemented.
//   - A field whose path reaches an array yields one key per distinct element (multikey); an
//     empty array indexes as null (MongoDB indexes it as undefined, which this store folds into
//     null). A missing field indexes as null.
//   - At most one field of a compound pattern may reach an array in a given document; otherwise
//     CannotIndexParallelArrays (171), as MongoDB.
//   - A sparse index skips documents in which every key field is missing (no keys at all).
// Thread safety: IndexKeyPattern is immutable after Parse; use from any thread.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::query {

inline constexpr std::int32_t kCannotIndexParallelArrays = 171;

struct IndexKeyField {
  std::string path;  // dotted
  bool descending = false;
};

struct IndexKeyPattern {
  std::vector<IndexKeyField> fields;
  bool sparse = false;

  // Parses a key pattern document ({a: 1, b: -1}; any positive number is ascending, negative
  // descending). BadValue (2) for an empty pattern, a zero or non-numeric direction, an empty
  // or dollar-prefixed path component, or a special index type ("text", "2dsphere", ...):
  // those are not supported.
  static DbResult<IndexKeyPattern> Parse(const bson_t* key, bool sparse);
};

// Every distinct key of `doc`, sorted bytewise. Empty for a sparse index when every key field
// is missing. CannotIndexParallelArrays (171) as described above.
DbResult<std::vector<std::string>> KeysForDocument(const bson_t* doc,
                                                   const IndexKeyPattern& pattern);

}  // namespace tactus::docdb::query
