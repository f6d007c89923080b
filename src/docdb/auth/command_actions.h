// What each command needs to be allowed to run (docs/docdb.md, "Command -> action mapping"):
// nothing (the handshake), any authenticated user, the ownership of a cursor, or actions on
// resources derived from the command document. Pure; thread-safe.
//
// Commands this table does not know require kAnyAction (root only), so a command added to the
// registry without an entry here fails closed; a test checks that every registered command
// has an entry.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>
#include <vector>

#include "docdb/auth/privileges.h"
#include "docdb/error.h"

namespace tactus::docdb::auth {

enum class AuthRule {
  kNone,           // allowed before authentication (hello, saslStart, ping, ...)
  kAuthenticated,  // any authenticated user (sessions, whatsmyuri, transactions' end, ...)
  kCursorOwner,    // getMore, killCursors: only the user who opened the cursors
  kPrivileges,     // every requirement must be met
};

struct Requirement {
  Resource resource;
  std::string action;
};

struct CommandAuth {
  AuthRule rule = AuthRule::kPrivileges;
  std::vector<Requirement> requirements;
};

// What running command `name` (its document `command`, sent to database `db`) requires.
// Malformed documents (a namespace that is not a string, ...) yield the requirements the
// command would have if well formed, or kAnyAction; the command itself then reports the
// malformation to those allowed to run it.
CommandAuth RequiredAuth(std::string_view name, const std::string& db, const bson_t* command);

// Whether the table has an entry for `name` (false: the fail-closed kAnyAction requirement).
bool IsMappedCommand(std::string_view name);

}  // namespace tactus::docdb::auth
