// The aggregation part of docdb_bench: a $group over N documents and a $lookup, each beside the
// equivalent direct SQLite query (GROUP BY, JOIN) over the same data in the same run.
#pragma once

#include <string>

#include "common.h"

namespace docdb_bench {

// Loads `docs` documents into the store at `uri` (database "aggbench") and the same rows into
// an SQLite file under `dir`, then prints the figures. Dies on any failure or disagreement.
void AggregateBench(const std::string& uri, const std::string& dir, int docs, int repetitions);

}  // namespace docdb_bench
