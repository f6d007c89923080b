// The embedded store through libmongoc: errors, the Unix socket, and durability across kill -9.
#include "docdb_mongoc_fixture.h"

namespace tactus::docdb {
namespace {

// Errors

class DocdbMongocErrorTest : public StoreTest {};

TEST_F(DocdbMongocErrorTest, UnknownCommandIsCode59) {
  Reply reply;
  bson_error_t error;
  EXPECT_FALSE(RunCommand(R"({"noSuchCommand": 1})", &reply, &error));
  EXPECT_EQ(error.code, 59u) << error.message;
  EXPECT_EQ(GetString(reply.get(), "codeName"), "CommandNotFound") << ToJson(reply.get());
}

TEST_F(DocdbMongocErrorTest, BadFilterOperatorIsCode2) {
  auto c = Collection("c");
  InsertNumbered(c.get(), 3);
  auto cursor = Find(c.get(), R"({"a": {"$bogus": 1}})");
  const bson_t* doc = nullptr;
  EXPECT_FALSE(mongoc_cursor_next(cursor.get(), &doc));
  bson_error_t error;
  ASSERT_TRUE(mongoc_cursor_error(cursor.get(), &error));
  EXPECT_EQ(error.code, 2u) << error.message;
}

TEST_F(DocdbMongocErrorTest, DocumentOver16MiBIsRejectedAndNothingIsStored) {
  auto c = Collection("c");
  BsonPtr big(bson_new());
  BSON_APPEND_INT32(big.get(), "_id", 1);
  const std::string payload(16 * 1024 * 1024, 'x');
  ASSERT_TRUE(
      bson_append_utf8(big.get(), "payload", -1, payload.data(), static_cast<int>(payload.size())));
  Reply reply;
  bson_error_t error;
  EXPECT_FALSE(mongoc_collection_insert_one(c.get(), big.get(), nullptr, reply.out(), &error));
  // Either the server's BSONObjectTooLarge (10334) or the driver's own size check.
  EXPECT_NE(error.code, 0u);
  EXPECT_NE(std::string(error.message), "");
  EXPECT_EQ(Count("c"), 0);

  // The driver checks insert_one against the server's maxBsonObjectSize; sent as a raw insert
  // command the same document reaches the server, which refuses it with BSONObjectTooLarge.
  BsonPtr command(bson_new());
  BSON_APPEND_UTF8(command.get(), "insert", "c");
  bson_t documents;
  BSON_APPEND_ARRAY_BEGIN(command.get(), "documents", &documents);
  BSON_APPEND_DOCUMENT(&documents, "0", big.get());
  bson_append_array_end(command.get(), &documents);
  auto db = Database();
  const bool sent = mongoc_database_write_command_with_opts(db.get(), command.get(), nullptr,
                                                            reply.out(), &error);
  const int64_t code = sent ? GetInt(reply.get(), "writeErrors.0.code").value_or(0) : error.code;
  EXPECT_EQ(code, 10334) << error.message << " " << ToJson(reply.get()).substr(0, 300);
  EXPECT_EQ(Count("c"), 0);

  // The connection is still good for ordinary documents.
  ASSERT_TRUE(mongoc_collection_insert_one(c.get(), Json(R"({"_id": 2})").get(), nullptr,
                                           reply.out(), &error))
      << error.message;
  EXPECT_EQ(Count("c"), 1);
}

// ---------------------------------------------------------------------------------------------
// Unix socket

TEST(DocdbMongocUnixSocketTest, PingAndCrudOverTheSocket) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  EmbeddedServer::Options options;
  options.dbpath = dir;
  options.port = -1;
  options.unix_path = dir + "/docdb.sock";
  options.durable = false;
  auto server = EmbeddedServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string uri = server.value()->uri();
  EXPECT_EQ(uri.rfind("mongodb://%2Ftmp%2F", 0), 0u) << uri;

  {
    ClientPtr client = Connect(uri);
    ASSERT_NE(client, nullptr);
    Reply reply;
    bson_error_t error;
    ASSERT_TRUE(mongoc_client_command_simple(client.get(), "admin", Json(R"({"ping": 1})").get(),
                                             nullptr, reply.out(), &error))
        << error.message;
    EXPECT_EQ(GetInt(reply.get(), "ok"), 1);

    CollectionPtr coll(mongoc_client_get_collection(client.get(), "sock", "c"));
    ASSERT_TRUE(mongoc_collection_insert_one(coll.get(), Json(R"({"_id": 7, "via": "unix"})").get(),
                                             nullptr, reply.out(), &error))
        << error.message;
    CursorPtr cursor(
        mongoc_collection_find_with_opts(coll.get(), Json("{}").get(), nullptr, nullptr));
    EXPECT_EQ(DrainJson(cursor.get()),
              (std::vector<std::string>{R"({ "_id" : 7, "via" : "unix" })"}));
  }
  server.value().reset();
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Durability

// `tactus store --dbpath DIR --port 0` as a child process; its port is read from its stdout.
class StoreProcess {
 public:
  explicit StoreProcess(std::string dbpath) : dbpath_(std::move(dbpath)) {}
  ~StoreProcess() { Kill9(); }
  StoreProcess(const StoreProcess&) = delete;
  StoreProcess& operator=(const StoreProcess&) = delete;

  // Starts the store and waits (up to 30 s) for its "listening on" line. Returns "" on success,
  // else what went wrong and what the child printed.
  std::string Start() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    std::vector<std::string> args = {TACTUS_BIN, "store", "--dbpath", dbpath_, "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, TACTUS_BIN, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_fd_ = fds[0];
    if (spawned != 0) {
      pid_ = -1;
      return std::string("cannot run ") + TACTUS_BIN + ": " + strerror(spawned);
    }
    // The child keeps writing to the pipe after this line; it stays open until Kill9().
    const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch match;
      if (std::regex_search(output, match, listening) &&
          output.find('\n', match.position()) != std::string::npos) {
        port_ = std::stoi(match[1]);
        return "";
      }
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      char buf[512];
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) return "tactus store exited before listening: " + output;
      output.append(buf, static_cast<std::size_t>(n));
    }
    return "tactus store did not report its port: " + output;
  }

  void Kill9() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (out_fd_ >= 0) {
      close(out_fd_);
      out_fd_ = -1;
    }
  }

  std::string Uri() const {
    return "mongodb://127.0.0.1:" + std::to_string(port_) +
           "/?directConnection=true&serverSelectionTimeoutMS=10000";
  }

 private:
  std::string dbpath_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
};

TEST(DocdbMongocDurabilityTest, AcknowledgedWritesSurviveKill9) {
  constexpr int kDocs = 500;
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  {
    StoreProcess store(dir);
    ASSERT_EQ(store.Start(), "");
    ClientPtr client = Connect(store.Uri());
    ASSERT_NE(client, nullptr);
    CollectionPtr coll(mongoc_client_get_collection(client.get(), "durable", "c"));
    for (int i = 0; i < kDocs; ++i) {
      Reply reply;
      bson_error_t error;
      ASSERT_TRUE(mongoc_collection_insert_one(
          coll.get(),
          Json(R"({"_id": )" + std::to_string(i) + R"(, "n": "doc )" + std::to_string(i) + R"("})")
              .get(),
          nullptr, reply.out(), &error))
          << i << ": " << error.message;
    }
    // The client goes first so that it does not try to end its session on a dead server.
    coll.reset();
    client.reset();
    store.Kill9();  // no shutdown: whatever was acknowledged must already be on disk

    ASSERT_EQ(store.Start(), "");
    ClientPtr again = Connect(store.Uri());
    ASSERT_NE(again, nullptr);
    CollectionPtr reopened(mongoc_client_get_collection(again.get(), "durable", "c"));
    bson_error_t error;
    EXPECT_EQ(mongoc_collection_estimated_document_count(reopened.get(), nullptr, nullptr, nullptr,
                                                         &error),
              kDocs)
        << error.message;
    CursorPtr cursor(mongoc_collection_find_with_opts(
        reopened.get(), Json("{}").get(), Json(R"({"sort": {"_id": 1}})").get(), nullptr));
    EXPECT_EQ(DrainIds(cursor.get()), Range(0, kDocs));
    cursor.reset(mongoc_collection_find_with_opts(reopened.get(), Json(R"({"_id": 499})").get(),
                                                  nullptr, nullptr));
    EXPECT_EQ(DrainJson(cursor.get()),
              (std::vector<std::string>{R"({ "_id" : 499, "n" : "doc 499" })"}));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tactus::docdb
