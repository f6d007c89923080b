// The transport's floor, measured in the same run as the operations: what a round trip costs
// before any command runs. `ping` through libmongoc against the embedded store (the driver, the
// socket, the server's framing and its thread hand-offs, no storage), and a bare loopback TCP
// echo between two threads of this process (the kernel and the machine alone: no driver, no
// server, no BSON).
#pragma once

#include "mongoc_side.h"

namespace docdb_bench {

// libmongoc `ping` round trips per second with `threads` client threads, `ops` in all.
double PingRate(DocdbSide& docdb, int threads, int ops);

// Round trips per second of a 100-byte echo over loopback TCP (TCP_NODELAY on both ends), one
// client thread and one echoing thread.
double RawEchoRate(int ops);

}  // namespace docdb_bench
