// The docdb side of docdb_bench: every operation through libmongoc (a mongoc_client_pool_t, one
// client per thread) against an EmbeddedServer.
#include "mongoc_side.h"

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace docdb_bench {
namespace {

// docdb through libmongoc.
class MongocWorker final : public FilterFindWorker {
 public:
  MongocWorker(mongoc_client_pool_t* pool, const std::string& coll) : pool_(pool) {
    client_ = mongoc_client_pool_pop(pool_);
    coll_ = mongoc_client_get_collection(client_, "bench", coll.c_str());
  }
  ~MongocWorker() override {
    mongoc_collection_destroy(coll_);
    mongoc_client_pool_push(pool_, client_);
  }

  void Warm() override {
    bson_t* ping = BCON_NEW("ping", BCON_INT32(1));
    bson_error_t error;
    bool ok = mongoc_client_command_simple(client_, "admin", ping, nullptr, nullptr, &error);
    bson_destroy(ping);
    if (!ok) throw std::runtime_error(std::string("ping: ") + error.message);
  }

  void InsertOne(std::int64_t id) override {
    bson_t doc = BSON_INITIALIZER;
    BuildDoc(&doc, id);
    bson_error_t error;
    bool ok = mongoc_collection_insert_one(coll_, &doc, nullptr, nullptr, &error);
    bson_destroy(&doc);
    if (!ok) throw std::runtime_error(std::string("insertOne: ") + error.message);
  }

  void InsertMany(std::int64_t first_id, int count) override {
    Batch batch(first_id, count);
    bson_error_t error;
    bool ok = mongoc_collection_insert_many(coll_, batch.docs().data(), batch.docs().size(),
                                            nullptr, nullptr, &error);
    if (!ok) throw std::runtime_error(std::string("insertMany: ") + error.message);
  }

  void UpdateById(std::int64_t id) override {
    bson_t* selector = BCON_NEW("_id", BCON_INT64(id));
    bson_t* update = BCON_NEW("$inc", "{", "n", BCON_INT64(1), "}", "$set", "{", "status",
                              BCON_UTF8("updated"), "}");
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_update_one(coll_, selector, update, nullptr, &reply, &error);
    bson_iter_t it;
    bool matched =
        ok && bson_iter_init_find(&it, &reply, "matchedCount") && bson_iter_as_int64(&it) == 1;
    bson_destroy(&reply);
    bson_destroy(selector);
    bson_destroy(update);
    if (!ok) throw std::runtime_error(std::string("updateOne: ") + error.message);
    if (!matched) throw std::runtime_error("updateOne matched nothing");
  }

  void ClaimJob(const std::string& owner, std::int64_t lease_until) override {
    bson_t* query = BCON_NEW("status", BCON_UTF8("ready"));
    bson_t* update = BCON_NEW("$set", "{", "status", BCON_UTF8("running"), "owner",
                              BCON_UTF8(owner.c_str()), "leaseUntil", BCON_INT64(lease_until), "}");
    mongoc_find_and_modify_opts_t* opts = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(opts, update);
    mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_find_and_modify_with_opts(coll_, query, opts, &reply, &error);
    bson_iter_t it;
    bool claimed = ok && bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it);
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(opts);
    bson_destroy(query);
    bson_destroy(update);
    if (!ok) throw std::runtime_error(std::string("findAndModify: ") + error.message);
    if (!claimed) throw std::runtime_error("findAndModify claimed no job");
  }

 private:
  void FindOne(const bson_t* filter, std::int64_t id) override {
    bson_t* opts = BCON_NEW("limit", BCON_INT64(1), "singleBatch", BCON_BOOL(true));
    mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(coll_, filter, opts, nullptr);
    const bson_t* doc = nullptr;
    bool found = mongoc_cursor_next(cursor, &doc) && ReadN(doc) >= id;
    bson_error_t error;
    bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    if (failed) throw std::runtime_error(std::string("find: ") + error.message);
    if (!found) throw std::runtime_error("find: no document " + std::to_string(id));
  }

  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
  mongoc_collection_t* coll_;
};

}  // namespace

DocdbSide::DocdbSide(const std::string& dir, bool durable, bool unix_socket) {
  tactus::docdb::EmbeddedServer::Options options;
  options.dbpath = dir;
  options.port = 0;  // the idle-connection test uses TCP either way
  if (unix_socket) options.unix_path = dir + "/docdb.sock";
  options.durable = durable;
  auto started = tactus::docdb::EmbeddedServer::Start(options);
  if (!started.ok()) Die("cannot start the embedded store: " + started.status().ToString());
  server_ = std::move(started).value();
  bson_error_t error;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(server_->uri().c_str(), &error);
  if (uri == nullptr) Die(std::string("bad uri: ") + error.message);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, 64);
  pool_ = mongoc_client_pool_new(uri);
  mongoc_uri_destroy(uri);
  mongoc_client_pool_set_error_api(pool_, MONGOC_ERROR_API_VERSION_2);
}

DocdbSide::~DocdbSide() {
  mongoc_client_pool_destroy(pool_);
  server_.reset();
}

void DocdbSide::Prepare(const std::string& coll, const char* index_field, int preload) {
  mongoc_client_t* client = mongoc_client_pool_pop(pool_);
  mongoc_database_t* db = mongoc_client_get_database(client, "bench");
  bson_error_t error;
  bson_t* cmd = BCON_NEW("createIndexes", BCON_UTF8(coll.c_str()), "indexes", "[", "{", "key", "{",
                         index_field, BCON_INT32(1), "}", "name",
                         BCON_UTF8((std::string(index_field) + "_1").c_str()), "}", "]");
  bool ok = mongoc_database_write_command_with_opts(db, cmd, nullptr, nullptr, &error);
  bson_destroy(cmd);
  mongoc_database_destroy(db);
  mongoc_client_pool_push(pool_, client);
  if (!ok) Die(std::string("createIndexes: ") + error.message);
  if (preload > 0) {
    MongocWorker loader(pool_, coll);
    for (int i = 0; i < preload; i += kBatch) loader.InsertMany(i, std::min(kBatch, preload - i));
  }
}

std::unique_ptr<Worker> DocdbSide::NewWorker(const std::string& coll) {
  return std::make_unique<MongocWorker>(pool_, coll);
}

}  // namespace docdb_bench
