// The aggregate command (aggregate_command.cc); see docs/docdb.md, "Aggregation".
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

// Registers `aggregate` (called by RegisterReadCommands).
void RegisterAggregateCommands(std::map<std::string, CommandSpec, std::less<>>& registry);

// Test hook: the per-stage memory limit of every later aggregate in this process (0 restores
// agg::kStageMemoryLimitBytes). Not thread-safe with running aggregates.
void SetStageMemoryLimitForTesting(std::int64_t bytes);

}  // namespace tactus::docdb::commands
