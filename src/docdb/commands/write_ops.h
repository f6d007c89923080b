// One write statement at a time, shared by the single-collection write commands (insert, update,
// delete, findAndModify: write_commands.cc) and bulkWrite (bulk_write_command.cc). Each function
// performs one statement in the caller's Txn through Txn::Insert / Replace / Delete, so indexes,
// the oplog (change streams) and the errors are the same whichever command carried it.
//
// Errors: IsStatementError() tells a statement's own failure (a duplicate key, a bad update, ...),
// which the command reports for that statement and goes on from, from a conflict or a storage
// failure, after which the whole command must roll back. Not thread-safe: the Txn is not.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "docdb/commands/command.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

// The most statements one write command carries (MongoDB's maxWriteBatchSize).
inline constexpr std::size_t kMaxWriteBatch = 100000;

// True for a user-level error of one statement, false for WriteConflict and InternalError.
bool IsStatementError(const DbError& e);

// Appends a statement's error as write errors carry it: code, codeName, errmsg and, for a
// duplicate key, keyPattern and keyValue.
void AppendWriteError(bson_t* out, const DbError& error);

// One statement's document inside the command. bson_t structs must not be copied (a static
// bson_t points into itself), so statements are kept as byte ranges and viewed on use.
struct Statement {
  const std::uint8_t* data = nullptr;
  std::uint32_t len = 0;
  // REQUIRES: the bytes were checked by Statements().
  void View(bson_t* out) const { bson_init_static(out, data, len); }
};

// The statements of a write command: its array field `field`, each item a document. Errors:
// TypeMismatch when the field is missing or not an array of documents, InvalidBSON, and
// InvalidLength beyond kMaxWriteBatch statements. The statements view `command`'s bytes.
DbResult<std::vector<Statement>> Statements(const bson_t* command, const char* field);

// MongoDB's error for a batch of `n` statements, outside [1, kMaxWriteBatch].
DbError BatchSizeError(std::size_t n);

// The collection db.name, created with its _id index when missing: writes create collections
// implicitly, as MongoDB does.
DbResult<storage::CollectionInfo> CollectionForWrite(storage::Txn& txn, const std::string& db,
                                                     const std::string& name);

// Inserts `doc` made ready to store (DocumentForStorage: an ObjectId _id when it has none, the
// size and name checks). Errors: DocumentForStorage's, DuplicateKey with keyPattern/keyValue.
DbResult<Done> InsertOne(storage::Txn& txn, const storage::CollectionInfo& coll, const bson_t* doc);

// Deletes the documents matching `filter` (only the first unless `multi`) and returns how many.
// `coll` nullptr stands for a missing collection: the filter is still checked, nothing matches.
DbResult<std::int64_t> DeleteMatching(storage::Txn& txn, const storage::CollectionInfo* coll,
                                      const bson_t* filter, bool multi);

struct UpdateOutcome {
  std::int64_t matched = 0, modified = 0;
  std::optional<BsonPtr> upserted_id;  // {_id: value} when an upsert inserted
  BsonPtr before, after;               // findAndModify: the affected document
};

// One update statement: filter `q`, update `u` (a modifier or replacement document, or a
// pipeline array), optional arrayFilters, multi, upsert and (findAndModify, bulkWrite) `sort`,
// which picks the document a single update modifies. `coll` nullptr stands for a missing
// collection, where nothing matches. REQUIRES: coll != nullptr when upsert.
DbResult<UpdateOutcome> RunUpdate(CommandContext& ctx, storage::Txn& txn,
                                  const storage::CollectionInfo* coll, const bson_t* q,
                                  const bson_value_t& u, const bson_t* array_filters, bool multi,
                                  bool upsert, const bson_t* sort);

}  // namespace tactus::docdb::commands
