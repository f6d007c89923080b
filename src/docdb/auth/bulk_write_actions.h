// What a bulkWrite command requires (docs/docdb.md, "Command -> action mapping"), as MongoDB
// 8.0: for each op, its action on the namespace of its nsInfo entry (insert; update, + insert
// when it upserts; remove), and bypassDocumentValidation on every namespace when the command
// asks for it. Pure; thread-safe.
#pragma once

#include <bson/bson.h>

#include "docdb/auth/command_actions.h"

namespace tactus::docdb::auth {

// The requirements of `command` (the bulkWrite document, its ops and nsInfo merged from OP_MSG
// sequences). Each (namespace, action) appears once, in the order of the ops. A request the
// command refuses because an op names no valid nsInfo entry (a kind other than exactly one of
// insert/update/delete, an index that is not an integer in range, an nsInfo entry without a
// "db.coll" string) requires kAnyAction on the cluster, so it is never run on a guess.
CommandAuth BulkWriteAuth(const bson_t* command);

}  // namespace tactus::docdb::auth
