// What a bulkWrite command asks for (docs/docdb.md, "bulkWrite"): its ops, the namespaces they
// name (nsInfo) and its options, checked whole before any op runs, with MongoDB's errors naming
// the op and field at fault. Pure; thread-safe.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <string>
#include <vector>

#include "docdb/commands/write_ops.h"
#include "docdb/error.h"

namespace tactus::docdb::commands {

enum class BulkOpKind { kInsert, kUpdate, kDelete };

struct BulkNamespace {
  std::string db, coll;
};

// One entry of `ops`. Its documents are views of the command's bytes (see Statement); a view
// with data == nullptr is absent.
struct BulkOp {
  BulkOpKind kind = BulkOpKind::kInsert;
  std::size_t ns = 0;          // its entry in nsInfo
  Statement document;          // insert: the document; update, delete: the filter
  bson_value_t update_mods{};  // update: a modifier or replacement document, or a pipeline
  Statement array_filters, sort;
  bool multi = false, upsert = false;
};

struct BulkWriteRequest {
  std::vector<BulkNamespace> ns_info;
  std::vector<BulkOp> ops;
  bool ordered = true;
  bool errors_only = false;
};

// Parses the bulkWrite command `command` (with any OP_MSG sequences merged into it). The ops
// view `command`'s bytes: the result is valid while `command` is. Errors: Location40414 for a
// missing field, TypeMismatch for a field of the wrong type, Location40415 for an unknown field
// of an op or nsInfo entry, InvalidOptions for a field docdb does not support, InvalidLength
// for 0 or more than kMaxWriteBatch ops, FailedToParse for an op that is not exactly one of
// insert/update/delete, BadValue for an nsInfo index out of range, InvalidNamespace.
DbResult<BulkWriteRequest> ParseBulkWrite(const bson_t* command);

}  // namespace tactus::docdb::commands
