// WriteBatch: writes to any collections of one deployment, sent as few round trips as the
// server allows. A transaction that writes five collections used to pay five round trips while
// holding the store's write lock; batched, it pays one.
//
// Where the server has MongoDB 8.0's `bulkWrite` admin command (MongoDB 8.0+ and the embedded
// store), the operations go in one bulkWrite per kMaxBulkWriteBytes of operations (ordered).
// Elsewhere they run as the single-collection commands, one per operation, except that
// consecutive inserts into one collection share an insert command. Which one a deployment has is
// probed once per Pool (a bulkWrite with no operations: CommandNotFound means no).
//
// Either way the operations run in order and stop at the first failure, whose status Execute
// returns (MongoDB's code and message; transient labels as the other operations report them).
// Inside a transaction the batch joins it, so either all of it commits or none of it does;
// outside one, the operations before a failure stay written.
//
// Thread safety: a WriteBatch belongs to one thread; Execute uses that thread's Client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mongo/mongo.h"

namespace tactus::mongo {

// Operations per bulkWrite command are also bounded by size: a batch whose operations exceed
// this many bytes of BSON is sent as several commands (still in order, still in the same
// transaction). Half of MongoDB's 16 MiB command limit, so one large document still fits.
inline constexpr std::size_t kMaxBulkWriteBytes = 8 * 1024 * 1024;
// MongoDB's limit on operations per write command.
inline constexpr std::size_t kMaxBulkWriteOps = 100'000;

class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // Each adds one operation (the documents are copied) and returns its index, by which n()
  // reads its outcome after Execute.
  std::size_t Insert(std::string_view db, std::string_view collection, const bson_t* doc);
  // `update` is an update document ({$set: ...}) or a pipeline (an array document).
  std::size_t Update(std::string_view db, std::string_view collection, const bson_t* filter,
                     const bson_t* update, bool multi, bool upsert = false);
  std::size_t Delete(std::string_view db, std::string_view collection, const bson_t* filter,
                     bool multi);

  std::size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

  // Runs the operations in order on `client`, in `session`'s transaction when given. Stops at
  // the first failure and returns it. May be called once.
  DbStatus Execute(Client& client, const Session* session);

  // After Execute: what operation `op` did: documents inserted (1), matched by an update (an
  // upsert that inserted counts 1), or deleted. 0 for operations not run.
  std::int64_t n(std::size_t op) const { return op < n_.size() ? n_[op] : 0; }
  // After Execute: how many operations (from the first) succeeded; the rest failed or did not
  // run. size() when Execute returned OK.
  std::size_t completed() const { return completed_; }

 private:
  enum class Kind { kInsert, kUpdate, kDelete };
  struct Op {
    Kind kind;
    std::string db, collection;
    BsonPtr a;  // insert: the document; update and delete: the filter
    BsonPtr b;  // update: the update
    bool multi = false, upsert = false;
  };
  std::size_t Add(Op op);
  DbStatus ExecuteBulk(Client& client, const Session* session);
  DbStatus ExecuteEach(Client& client, const Session* session);
  // One bulkWrite command for ops_[begin, end).
  DbStatus SendBulk(Client& client, const Session* session, std::size_t begin, std::size_t end);

  std::vector<Op> ops_;
  std::vector<std::int64_t> n_;
  std::size_t completed_ = 0;
};

}  // namespace tactus::mongo
