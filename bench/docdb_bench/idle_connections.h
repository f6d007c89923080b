// The idle-connection test of docdb_bench: a child process (this binary, re-executed with
// --hold-connections) holds N raw connections to the store while a fresh libmongoc client pings.
#pragma once

#include "mongoc_side.h"

namespace docdb_bench {

// The child: opens `count` connections to 127.0.0.1:`port`, one hello on each; reports
// "held N MS"; on "check" pings every connection and reports "alive N MS"; exits at EOF.
int HoldConnections(int port, int count);

// The parent: starts the child against `docdb`, times a fresh client, prints the results.
void IdleConnectionTest(const DocdbSide& docdb, int count);

}  // namespace docdb_bench
