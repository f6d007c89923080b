// The conditions an update evaluates itself: $pull queries and arrayFilters. A deliberately small
// subset of MongoDB's query language that works on update trees (query/ matches stored BSON for
// find; this one sees values that exist only in the middle of an update):
//   equality (an array matches when it equals the value or holds an equal element; a missing
//   field equals null), $eq $ne $gt $gte $lt $lte (same type class only) $in $nin $exists $not
//   $elemMatch $size, and $and $or $nor at the top level.
#pragma once

#include "docdb/error.h"
#include "docdb/update/node.h"

namespace tactus::docdb::update {

// True when `n` is a document whose first field starts with '$' ({$gt: 1}).
bool IsOperatorDocument(const Node& n);

// Checks that `query` uses only supported operators with well-formed operands. Fails with
// BadValue (2) ("unknown operator: $foo", "$in needs an array", ...).
DbResult<Done> ValidateQuery(const Node& query);

// Whether the document `doc` matches the query document `query`.
// REQUIRES: ValidateQuery(query) succeeded.
bool Matches(const Node& doc, const Node& query);

// Whether a field value (nullptr when missing) satisfies `condition`: an operator document
// ({$gte: 6}) or a value for equality.
// REQUIRES: ValidateQuery succeeded on {x: condition}.
bool ValueMatches(const Node* value, const Node& condition);

}  // namespace tactus::docdb::update
