// Every command the dispatcher runs has an entry in the authorization table
// (auth/command_actions.h), so none is enforced only by the fail-closed default.
#include <gtest/gtest.h>

#include "docdb/auth/command_actions.h"
#include "docdb/commands/registry.h"

namespace tactus::docdb::commands {
namespace {

TEST(CommandTable, EveryRegisteredCommandHasAnAuthorizationEntry) {
  for (const auto& [name, spec] : AllCommands()) {
    EXPECT_TRUE(auth::IsMappedCommand(name))
        << "command '" << name << "' has no entry in auth/command_actions.cc";
  }
}

}  // namespace
}  // namespace tactus::docdb::commands
