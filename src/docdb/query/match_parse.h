// Internal to matcher.cc: compiles a filter document into match nodes (match_nodes.h).
#pragma once

#include <bson/bson.h>

#include "docdb/error.h"
#include "docdb/query/match_nodes.h"

namespace tactus::docdb::query::internal {

// The filter's compiled form; errors as documented on Matcher::Compile.
// REQUIRES: `filter` outlives the nodes (they keep views into it).
DbResult<NodePtr> ParseFilter(const bson_t* filter);

}  // namespace tactus::docdb::query::internal
