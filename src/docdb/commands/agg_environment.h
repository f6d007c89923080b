// The aggregation pipeline's view of the store (agg::Environment) over one storage::Txn: reads
// go through the query planner (indexes), writes maintain indexes and unique constraints like
// the write commands. REQUIRES: writes only on a write transaction. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

class TxnEnvironment : public agg::Environment {
 public:
  TxnEnvironment(storage::Txn& txn, bool in_transaction)
      : txn_(txn), in_transaction_(in_transaction) {}

  DbResult<std::vector<BsonPtr>> Read(const std::string& db, const std::string& coll,
                                      const bson_t* filter) override;
  DbResult<Done> ReplaceCollection(const std::string& db, const std::string& coll,
                                   const std::vector<BsonPtr>& docs) override;
  DbResult<Done> Insert(const std::string& db, const std::string& coll, const bson_t* doc) override;
  DbResult<Done> Replace(const std::string& db, const std::string& coll, const bson_t* old_doc,
                         const bson_t* new_doc) override;
  bool in_transaction() const override { return in_transaction_; }

 private:
  storage::Txn& txn_;
  bool in_transaction_;
};

}  // namespace tactus::docdb::commands
