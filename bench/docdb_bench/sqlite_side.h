// The sqlite side of docdb_bench: the same work done directly on SQLite in-process, with the
// store's own schema and keys. Declared in a header because main owns it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common.h"

namespace docdb_bench {

// The collection's ids in the shared database: coll_id, and the index's id (its index_id).
struct SqliteColl {
  std::int64_t coll_id;
  std::int64_t index_id;
  std::string index_field;
};

class SqliteSide final : public Side {
 public:
  SqliteSide(const std::string& dir, bool durable);
  ~SqliteSide() override { sqlite3_close_v2(db_); }
  const char* name() const override { return "sqlite"; }

  void Prepare(const std::string& coll, const char* index_field, int preload) override;
  std::unique_ptr<Worker> NewWorker(const std::string&) override;

 private:
  std::string path_;
  bool durable_;
  sqlite3* db_;
  std::int64_t next_id_ = 0;
  SqliteColl current_{};
};

}  // namespace docdb_bench
