// The table of commands by name. Each *_commands.cc file registers its own.
#pragma once

#include <map>
#include <string>

#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

using Registry = std::map<std::string, CommandSpec, std::less<>>;

void RegisterAdminCommands(Registry& registry);
void RegisterCatalogCommands(Registry& registry);
void RegisterReadCommands(Registry& registry);
void RegisterWriteCommands(Registry& registry);
void RegisterSessionCommands(Registry& registry);
void RegisterSaslCommands(Registry& registry);
void RegisterUserCommands(Registry& registry);
void RegisterRoleCommands(Registry& registry);
void RegisterCollModCommand(Registry& registry);
void RegisterBulkWriteCommand(Registry& registry);

// Every command, built once.
const Registry& AllCommands();

}  // namespace tactus::docdb::commands
