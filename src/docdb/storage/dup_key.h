// The DuplicateKey (11000) error of a unique index violation, with MongoDB's message
//   E11000 duplicate key error collection: db.coll index: a_1 dup key: { a: 1 }
// and the keyPattern / keyValue documents drivers expose (DbError::key_pattern / key_value).
// Thread safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>

#include "docdb/error.h"
#include "docdb/storage/index_spec.h"

namespace tactus::docdb::storage::internal {

// `key` is the encoded key of `doc` that already exists in `index` of collection `ns` ("db.coll").
// The values shown are recovered from `doc` (for a multikey index, the element that collided).
DbError DuplicateKeyError(const std::string& ns, const CompiledIndex& index, const bson_t* doc,
                          std::string_view key);

// A value as MongoDB's server prints it in messages: 1, 1.5, "s", ObjectId('...'), { a: 1 }.
std::string ValueForMessage(const bson_value_t& value);

}  // namespace tactus::docdb::storage::internal
