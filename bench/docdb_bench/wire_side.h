// The "wire" side of docdb_bench: the same operations as the libmongoc side, as the OP_MSG
// messages libmongoc writes for them (lsid on every command, txnNumber on writes, insert's
// documents as a kind-1 sequence), handed to the embedded store in-process
// (EmbeddedServer::InProcessClient): the server's whole message path (parse, sessions,
// retryable-write records, the command, BSON replies, framing) and the driver's reading of the
// reply, without the socket and without libmongoc's own work. It measures what the target names:
// the wire protocol and BSON handling on top of SQLite.
#pragma once

#include <memory>
#include <string>

#include "common.h"
#include "mongoc_side.h"

namespace docdb_bench {

class WireSide final : public Side {
 public:
  // Uses `docdb`'s store; `docdb` prepares the collections (through libmongoc).
  explicit WireSide(DocdbSide& docdb) : docdb_(docdb) {}
  const char* name() const override { return "docdb in-process"; }
  void Prepare(const std::string& coll, const char* index_field, int preload) override {
    docdb_.Prepare(coll, index_field, preload);
  }
  std::unique_ptr<Worker> NewWorker(const std::string& coll) override;

 private:
  DocdbSide& docdb_;
};

}  // namespace docdb_bench
