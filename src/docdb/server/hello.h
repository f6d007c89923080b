// The reply to hello / isMaster (docs/docdb.md, "hello"), shared by the commands layer and the
// server's tests. docdb presents itself as the primary of a one-member replica set so drivers
// allow sessions and transactions.
#pragma once

#include <cstdint>
#include <string>

#include "docdb/bson_util.h"

namespace tactus::docdb::server {

struct HelloInfo {
  // isMaster/ismaster want the legacy field `ismaster`; hello wants `isWritablePrimary`.
  bool legacy = false;
  std::int64_t connection_id = 0;
  // The address clients reach this server by ("host:port" or the Unix socket path): reported as
  // me, primary and the only entry of hosts, so drivers that discover the replica set
  // reconnect to the same place.
  std::string me;
  std::string set_name = "tactus";
  std::int32_t set_version = 1;
  // The caller's clock, in milliseconds since the Unix epoch (hello's localTime).
  std::int64_t local_time_ms = 0;
  // The optime of the last committed write: its timestamp and wall-clock time.
  std::uint32_t last_write_seconds = 0;
  std::uint32_t last_write_increment = 0;
  std::int64_t last_write_date_ms = 0;
};

// {isWritablePrimary|ismaster: true, secondary: false, helloOk: true, setName, setVersion, hosts,
// me, primary, electionId, lastWrite, maxBsonObjectSize, maxMessageSizeBytes, maxWriteBatchSize,
// localTime, logicalSessionTimeoutMinutes, connectionId, minWireVersion, maxWireVersion,
// readOnly: false, ok: 1.0}; sizes and versions are int32 as MongoDB sends them. No
// topologyVersion: awaitable hello is not implemented. Never null.
BsonPtr BuildHelloReply(const HelloInfo& info);

}  // namespace tactus::docdb::server
