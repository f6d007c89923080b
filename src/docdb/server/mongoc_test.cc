// The server against the real libmongoc driver: handshake (OP_QUERY isMaster, then OP_MSG
// hello), server selection and a command, over TCP and over the Unix socket.
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "docdb/server/server.h"
#include "docdb/server/server_fixture.h"

namespace tactus::docdb::server {
namespace {

class MongocEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { mongoc_init(); }
  void TearDown() override { mongoc_cleanup(); }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new MongocEnvironment);

// "/tmp/x/y.sock" -> "%2Ftmp%2Fx%2Fy.sock"
std::string EscapeSlashes(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

class MongocTest : public testing::ServerFixture {
 protected:
  void TearDown() override {
    bson_free(last_reply_);
    ServerFixture::TearDown();
  }

  // Runs {ping: 1} on admin through a fresh client for `uri`; returns the error message, or ""
  // on success.
  std::string Ping(const std::string& uri) {
    bson_error_t error;
    mongoc_uri_t* parsed = mongoc_uri_new_with_error(uri.c_str(), &error);
    if (parsed == nullptr) return std::string("bad uri: ") + error.message;
    mongoc_client_t* client = mongoc_client_new_from_uri(parsed);
    mongoc_uri_destroy(parsed);
    if (client == nullptr) return "no client";
    bson_t* ping = BCON_NEW("ping", BCON_INT32(1));
    bson_t reply;
    const bool ok = mongoc_client_command_simple(client, "admin", ping, nullptr, &reply, &error);
    bson_free(last_reply_);
    last_reply_ = bson_as_relaxed_extended_json(&reply, nullptr);
    bson_destroy(&reply);
    bson_destroy(ping);
    mongoc_client_destroy(client);
    return ok ? "" : error.message;
  }

  std::string LastReply() {
    std::string out = last_reply_ ? last_reply_ : "";
    bson_free(last_reply_);
    last_reply_ = nullptr;
    return out;
  }

  char* last_reply_ = nullptr;
};

TEST_F(MongocTest, PingOverTcp) {
  const std::string uri = "mongodb://127.0.0.1:" + std::to_string(server_->port()) +
                          "/?directConnection=true&serverSelectionTimeoutMS=3000";
  EXPECT_EQ(Ping(uri), "");
  const std::string reply = LastReply();
  EXPECT_NE(reply.find("\"echo\" : \"ping\""), std::string::npos) << reply;
  EXPECT_EQ(handler_.query_handshakes(), 1);  // isMaster as OP_QUERY, then OP_MSG
  // The driver ends its implicit session when the client is destroyed.
  EXPECT_EQ(handler_.last_command(), "endSessions");
}

TEST_F(MongocTest, PingOverUnixSocket) {
  const std::string uri =
      "mongodb://" + EscapeSlashes(socket_path_) + "/?serverSelectionTimeoutMS=3000";
  EXPECT_EQ(Ping(uri), "");
  const std::string reply = LastReply();
  EXPECT_NE(reply.find("\"echo\" : \"ping\""), std::string::npos) << reply;
  EXPECT_EQ(handler_.last_peer(), "unix:" + socket_path_);
}

TEST_F(MongocTest, ManyClientsInTurn) {
  const std::string uri = "mongodb://127.0.0.1:" + std::to_string(server_->port()) +
                          "/?directConnection=true&serverSelectionTimeoutMS=3000";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Ping(uri), "") << i;
  LastReply();
}

}  // namespace
}  // namespace tactus::docdb::server
