#include "docdb/server/server.h"

#include <bson/bson.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "docdb/server/fake_handler.h"
#include "docdb/server/server_fixture.h"
#include "docdb/server/test_client.h"
#include "docdb/wire/byte_order.h"

namespace tactus::docdb::server {
namespace {

using testing::FakeHandler;
using testing::Field;
using testing::MakeOpMsg;
using testing::MakeOpQuery;
using testing::ParseReply;
using testing::RawClient;

class Doc {
 public:
  explicit Doc(bson_t* b) : b_(b) {}
  ~Doc() { bson_destroy(b_); }
  const bson_t* get() const { return b_; }

 private:
  bson_t* b_;
};

template <typename Pred>
bool Eventually(Pred pred, int timeout_ms = 5000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class ServerTest : public testing::ServerFixture {
 protected:
  ServerTest() : ServerFixture(/*worker_threads=*/2) {}

  // Sends {<name>: 1, $db: "test"} and returns the parsed reply.
  testing::ParsedReply Roundtrip(RawClient& client, const char* name, std::int32_t id,
                                 std::uint32_t flags = 0) {
    Doc body(BCON_NEW(name, BCON_INT32(1), "$db", BCON_UTF8("test")));
    EXPECT_TRUE(client.Send(MakeOpMsg(id, body.get(), flags)));
    auto bytes = client.ReadMessage();
    EXPECT_TRUE(bytes.has_value());
    return bytes ? ParseReply(*bytes) : testing::ParsedReply{};
  }
};

TEST_F(ServerTest, AnswersOpMsgOverTcp) {
  RawClient client = RawClient::Tcp(server_->port());
  ASSERT_GE(client.fd(), 0);
  auto reply = Roundtrip(client, "ping", 1234);
  EXPECT_EQ(reply.op_code, 2013);
  EXPECT_EQ(reply.response_to, 1234);
  EXPECT_EQ(reply.flags, 0u);
  ASSERT_NE(reply.doc, nullptr);
  EXPECT_EQ(Field(reply.doc.get(), "ok"), "1.0");
  EXPECT_EQ(Field(reply.doc.get(), "echo"), "\"ping\"");
  EXPECT_EQ(Field(reply.doc.get(), "db"), "\"test\"");
  EXPECT_EQ(handler_.last_peer().rfind("127.0.0.1:", 0), 0u);
  // The connection stays open and keeps its per-connection state.
  auto second = Roundtrip(client, "find", 1235);
  EXPECT_EQ(second.response_to, 1235);
  EXPECT_EQ(Field(second.doc.get(), "seq"), "2");
  EXPECT_NE(second.request_id, reply.request_id);
}

TEST_F(ServerTest, AnswersOverUnixSocket) {
  struct stat st {};
  ASSERT_EQ(stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  RawClient client = RawClient::Unix(socket_path_);
  ASSERT_GE(client.fd(), 0);
  auto reply = Roundtrip(client, "ping", 7);
  EXPECT_EQ(reply.response_to, 7);
  EXPECT_EQ(Field(reply.doc.get(), "echo"), "\"ping\"");
  EXPECT_EQ(handler_.last_peer(), "unix:" + socket_path_);
}

TEST_F(ServerTest, MoreToComeGetsNoReply) {
  RawClient client = RawClient::Tcp(server_->port());
  Doc body(BCON_NEW("insert", BCON_UTF8("c"), "$db", BCON_UTF8("test")));
  ASSERT_TRUE(client.Send(MakeOpMsg(1, body.get(), /*moreToCome*/ 2)));
  EXPECT_TRUE(client.Silent(200));
  EXPECT_TRUE(Eventually([&] { return handler_.calls() == 1; }));
  auto reply = Roundtrip(client, "ping", 2);
  EXPECT_EQ(reply.response_to, 2);
  EXPECT_EQ(Field(reply.doc.get(), "seq"), "2");
}

TEST_F(ServerTest, ChecksumIsVerifiedAndEchoed) {
  RawClient client = RawClient::Tcp(server_->port());
  auto reply = Roundtrip(client, "ping", 3, /*checksumPresent*/ 1);
  EXPECT_EQ(reply.flags, 1u);
  EXPECT_TRUE(reply.checksum_ok);
  EXPECT_EQ(Field(reply.doc.get(), "ok"), "1.0");

  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("test")));
  std::string bad = MakeOpMsg(4, body.get(), 1);
  bad.back() ^= 0x5A;
  ASSERT_TRUE(client.Send(bad));
  auto bytes = client.ReadMessage();
  ASSERT_TRUE(bytes.has_value());
  auto error = ParseReply(*bytes);
  EXPECT_EQ(error.response_to, 4);
  EXPECT_EQ(Field(error.doc.get(), "ok"), "0.0");
  EXPECT_EQ(Field(error.doc.get(), "code"), "2");
  EXPECT_NE(Field(error.doc.get(), "errmsg").find("checksum"), std::string::npos);
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(handler_.calls(), 1);
}

TEST_F(ServerTest, MalformedMessageClosesOnlyThatConnection) {
  RawClient good = RawClient::Tcp(server_->port());
  RawClient bad = RawClient::Tcp(server_->port());
  EXPECT_EQ(Roundtrip(good, "ping", 1).response_to, 1);
  // An OP_MSG whose only section has an unknown kind.
  std::string message(16, '\0');
  message += std::string("\0\0\0\0\x07junk", 9);
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(message.data()),
                  static_cast<std::uint32_t>(message.size()));
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(message.data()) + 4, 99);
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(message.data()) + 12, 2013);
  ASSERT_TRUE(bad.Send(message));
  auto bytes = bad.ReadMessage();
  ASSERT_TRUE(bytes.has_value());
  auto error = ParseReply(*bytes);
  EXPECT_EQ(error.response_to, 99);
  EXPECT_EQ(Field(error.doc.get(), "code"), "2");
  EXPECT_NE(Field(error.doc.get(), "errmsg").find("section kind"), std::string::npos);
  EXPECT_TRUE(bad.WaitClosed());
  EXPECT_EQ(Roundtrip(good, "ping", 2).response_to, 2);
  RawClient fresh = RawClient::Tcp(server_->port());
  EXPECT_EQ(Roundtrip(fresh, "ping", 3).response_to, 3);
}

TEST_F(ServerTest, BadLengthClosesWithoutReply) {
  for (std::uint32_t length : {0u, 15u, 48'000'001u, 0x80000000u}) {
    RawClient client = RawClient::Tcp(server_->port());
    std::string header(16, '\0');
    wire::StoreLe32(reinterpret_cast<std::uint8_t*>(header.data()), length);
    wire::StoreLe32(reinterpret_cast<std::uint8_t*>(header.data()) + 12, 2013);
    ASSERT_TRUE(client.Send(header));
    EXPECT_TRUE(client.WaitClosed()) << length;
  }
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(ServerTest, HandshakeOpQueryGetsOpReply) {
  RawClient client = RawClient::Tcp(server_->port());
  Doc query(BCON_NEW("isMaster", BCON_INT32(1), "helloOk", BCON_BOOL(true)));
  ASSERT_TRUE(client.Send(MakeOpQuery(21, "admin.$cmd", query.get())));
  auto bytes = client.ReadMessage();
  ASSERT_TRUE(bytes.has_value());
  auto reply = ParseReply(*bytes);
  EXPECT_EQ(reply.op_code, 1);
  EXPECT_EQ(reply.response_to, 21);
  EXPECT_EQ(reply.flags, 8u);
  EXPECT_EQ(reply.number_returned, 1);
  EXPECT_EQ(Field(reply.doc.get(), "ismaster"), "true");
  EXPECT_EQ(Field(reply.doc.get(), "maxWireVersion"), "17");
  // The driver continues with OP_MSG on the same connection.
  EXPECT_EQ(Roundtrip(client, "ping", 22).response_to, 22);
}

TEST_F(ServerTest, OtherOpQueryIsRefused) {
  RawClient client = RawClient::Tcp(server_->port());
  Doc query(BCON_NEW("find", BCON_UTF8("c")));
  ASSERT_TRUE(client.Send(MakeOpQuery(31, "test.$cmd", query.get())));
  auto bytes = client.ReadMessage();
  ASSERT_TRUE(bytes.has_value());
  auto reply = ParseReply(*bytes);
  EXPECT_EQ(reply.op_code, 1);
  EXPECT_EQ(reply.response_to, 31);
  EXPECT_EQ(Field(reply.doc.get(), "code"), "5739101");
  EXPECT_EQ(Field(reply.doc.get(), "ok"), "0.0");
  EXPECT_NE(Field(reply.doc.get(), "$err").find("OP_QUERY is no longer supported"),
            std::string::npos);
  EXPECT_EQ(handler_.calls(), 0);
  EXPECT_EQ(Roundtrip(client, "ping", 32).response_to, 32);
}

TEST_F(ServerTest, HandlerFailuresBecomeInternalErrors) {
  RawClient client = RawClient::Tcp(server_->port());
  auto thrown = Roundtrip(client, "throw", 1);
  EXPECT_EQ(Field(thrown.doc.get(), "code"), "1");
  EXPECT_NE(Field(thrown.doc.get(), "errmsg").find("boom"), std::string::npos);
  auto null = Roundtrip(client, "null", 2);
  EXPECT_EQ(Field(null.doc.get(), "code"), "1");
  EXPECT_EQ(Roundtrip(client, "ping", 3).response_to, 3);
}

TEST_F(ServerTest, DisconnectIsReported) {
  {
    RawClient client = RawClient::Tcp(server_->port());
    Roundtrip(client, "ping", 1);
    EXPECT_EQ(server_->connection_count(), 1u);
  }
  EXPECT_TRUE(Eventually([&] { return handler_.disconnects() == 1; }));
  EXPECT_TRUE(Eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(ServerTest, HoldsManyIdleConnections) {
  constexpr int kIdle = 2000;
  std::vector<RawClient> idle;
  idle.reserve(kIdle);
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(i % 2 ? RawClient::Tcp(server_->port()) : RawClient::Unix(socket_path_));
    ASSERT_GE(idle.back().fd(), 0) << i;
  }
  ASSERT_TRUE(Eventually([&] { return server_->connection_count() == kIdle; }))
      << server_->connection_count();
  RawClient active = RawClient::Tcp(server_->port());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Roundtrip(active, "ping", i).response_to, i);
  EXPECT_EQ(Roundtrip(idle[kIdle / 2], "ping", 5).response_to, 5);
}

// A worker that has answered reads the same client's next request itself (Work). These cover
// what it must get right: several requests in one write, one that arrives in pieces, a reply
// the socket cannot take at once, a stop while it waits.
TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  for (bool unix_socket : {false, true}) {
    RawClient client =
        unix_socket ? RawClient::Unix(socket_path_) : RawClient::Tcp(server_->port());
    Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("test")));
    for (int round = 0; round < 20; ++round) {
      std::string batch;
      for (int i = 1; i <= 3; ++i) batch += MakeOpMsg(round * 3 + i, body.get());
      ASSERT_TRUE(client.Send(batch));
      for (int i = 1; i <= 3; ++i) {
        auto bytes = client.ReadMessage();
        ASSERT_TRUE(bytes.has_value());
        auto reply = ParseReply(*bytes);
        EXPECT_EQ(reply.response_to, round * 3 + i);
        EXPECT_EQ(Field(reply.doc.get(), "seq"), std::to_string(round * 3 + i));
      }
    }
  }
}

TEST_F(ServerTest, ARequestArrivingInPiecesIsReadWhole) {
  RawClient client = RawClient::Tcp(server_->port());
  Doc body(BCON_NEW("find", BCON_UTF8("c"), "$db", BCON_UTF8("test")));
  const std::string message = MakeOpMsg(2, body.get());
  for (int pause_us : {0, 100, 300, 2000}) {
    EXPECT_EQ(Roundtrip(client, "ping", 1).response_to, 1);
    // Right after the reply (the worker may be waiting for more): the header and a part.
    ASSERT_TRUE(client.Send(message.substr(0, 20)));
    std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    ASSERT_TRUE(client.Send(message.substr(20)));
    auto bytes = client.ReadMessage();
    ASSERT_TRUE(bytes.has_value()) << "pause " << pause_us;
    auto reply = ParseReply(*bytes);
    EXPECT_EQ(reply.response_to, 2);
    EXPECT_EQ(Field(reply.doc.get(), "echo"), "\"find\"");
  }
}

TEST_F(ServerTest, AReplyLargerThanTheSocketBufferArrivesWhole) {
  RawClient client = RawClient::Tcp(server_->port());
  constexpr int kBig = 8 << 20;
  Doc big(BCON_NEW("big", BCON_INT32(kBig), "$db", BCON_UTF8("test")));
  ASSERT_TRUE(client.Send(MakeOpMsg(1, big.get())));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the socket buffer fills up
  auto bytes = client.ReadMessage();
  ASSERT_TRUE(bytes.has_value());
  auto reply = ParseReply(*bytes);
  EXPECT_EQ(reply.response_to, 1);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, reply.doc.get(), "big"));
  std::uint32_t length = 0;
  bson_iter_utf8(&it, &length);
  EXPECT_EQ(length, static_cast<std::uint32_t>(kBig));
  EXPECT_EQ(Roundtrip(client, "ping", 2).response_to, 2);
}

TEST_F(ServerTest, StopEndsAConnectionWhoseWorkerWaitsForMore) {
  RawClient client = RawClient::Tcp(server_->port());
  EXPECT_EQ(Roundtrip(client, "ping", 1).response_to, 1);
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(handler_.disconnects(), 1);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, StopClosesConnectionsAndWaitsForHandlers) {
  RawClient busy = RawClient::Tcp(server_->port());
  RawClient idle = RawClient::Unix(socket_path_);
  Doc body(BCON_NEW("sleep", BCON_INT32(200), "$db", BCON_UTF8("test")));
  ASSERT_TRUE(busy.Send(MakeOpMsg(1, body.get())));
  ASSERT_TRUE(Eventually([&] { return handler_.calls() == 1; }));
  server_->Stop();
  EXPECT_EQ(handler_.disconnects(), 2);
  EXPECT_TRUE(busy.WaitClosed());
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
  EXPECT_EQ(server_->port(), -1);
  server_->Stop();  // idempotent
}

TEST(ServerStartTest, ReportsBindErrors) {
  FakeHandler handler;
  Server::Options first;
  first.port = 0;
  Server a(first, handler);
  ASSERT_TRUE(a.Start().ok());
  EXPECT_FALSE(a.Start().ok());  // twice

  Server::Options taken;
  taken.port = a.port();
  Server b(taken, handler);
  auto status = b.Start();
  EXPECT_EQ(status.code(), common::StatusCode::kIoError);
  EXPECT_NE(status.message().find("cannot listen on 127.0.0.1:"), std::string::npos);

  Server::Options none;
  none.port = -1;
  EXPECT_EQ(Server(none, handler).Start().code(), common::StatusCode::kInvalidArgument);

  Server::Options bad_ip;
  bad_ip.port = 0;
  bad_ip.bind_ip = "not-an-ip";
  EXPECT_EQ(Server(bad_ip, handler).Start().code(), common::StatusCode::kInvalidArgument);

  Server::Options not_socket;
  not_socket.port = -1;
  not_socket.unix_path = "/tmp";
  EXPECT_EQ(Server(not_socket, handler).Start().code(), common::StatusCode::kIoError);
}

TEST(ServerStartTest, ReplacesStaleSocketAndLimitsConnections) {
  char dir_template[] = "/tmp/docdb-stale-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/s.sock";
  {
    // A socket file left behind by a process that died.
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    close(fd);
  }
  FakeHandler handler;
  Server::Options options;
  options.port = -1;
  options.unix_path = path;
  options.max_connections = 2;
  Server server(options, handler);
  auto status = server.Start();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(server.port(), -1);
  RawClient one = RawClient::Unix(path);
  RawClient two = RawClient::Unix(path);
  ASSERT_TRUE(Eventually([&] { return server.connection_count() == 2; }));
  RawClient three = RawClient::Unix(path);
  EXPECT_TRUE(three.WaitClosed());
  server.Stop();
  std::filesystem::remove_all(dir_template);
}

}  // namespace
}  // namespace tactus::docdb::server
