// libFuzzer target for BSON command documents: any bytes that form a BSON document are run as a
// command against a real store (in a temporary directory) through the same dispatcher the
// server uses. Every reply must be a document with an `ok` field; nothing may crash or hang.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "docdb/bson_util.h"
#include "docdb/commands/dispatcher.h"
#include "docdb/storage/storage.h"
#include "docdb/wire/bson_check.h"
#include "docdb/wire/limits.h"

namespace {

struct Fixture {
  std::unique_ptr<tactus::docdb::storage::Store> store;
  std::unique_ptr<tactus::docdb::commands::Dispatcher> dispatcher;
};

Fixture& Shared() {
  static Fixture* fixture = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "docdb-fuzz-XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    tactus::docdb::storage::Store::Options options;
    options.durable = false;  // speed: durability is not what this target checks
    auto store = tactus::docdb::storage::Store::Open(dir, options);
    if (!store.ok()) std::abort();
    auto* f = new Fixture();
    f->store = std::move(store).value();
    f->dispatcher = std::make_unique<tactus::docdb::commands::Dispatcher>(
        *f->store, tactus::docdb::commands::ServerInfo{});
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tactus::docdb;
  // The same admission check the server applies to every document it receives.
  if (!wire::CheckWireBson(data, size, wire::kMaxWireNestingDepth).empty()) return 0;
  BsonPtr command = BsonFromBytes(data, size);
  if (!command) return 0;
  Fixture& f = Shared();
  BsonPtr reply = f.dispatcher->Run("fuzz", command.get(), 1, "fuzzer", "local");
  if (!reply || !bson_has_field(reply.get(), "ok")) std::abort();
  // End the input's session, so a transaction it left open does not hold the write lock for the
  // inputs after it.
  bson_iter_t it;
  if (bson_iter_init_find(&it, command.get(), "lsid") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    BsonPtr end = NewBson();
    bson_t ids;
    BSON_APPEND_ARRAY_BEGIN(end.get(), "endSessions", &ids);
    bson_append_iter(&ids, "0", 1, &it);
    bson_append_array_end(end.get(), &ids);
    (void)f.dispatcher->Run("admin", end.get(), 1, "fuzzer", "local");
  }
  return 0;
}
