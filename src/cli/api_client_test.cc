#include "cli/api_client.h"

#include <gtest/gtest.h>

namespace tactus::cli {
namespace {

TEST(ErrorFromResponse, CodeIsTheTypeAfterTheHash) {
  auto e = ErrorFromResponse(
      400, R"({"__type":"com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist",)"
           R"("message":"State Machine Does Not Exist: 'x'"})");
  EXPECT_EQ(e.code, "StateMachineDoesNotExist");
  EXPECT_EQ(e.message, "State Machine Does Not Exist: 'x'");
  EXPECT_EQ(e.http_status, 400);
}

TEST(ErrorFromResponse, StripsWhatFollowsAColonAndReadsCapitalMessage) {
  auto e = ErrorFromResponse(400, R"({"__type":"ValidationException:http://x","Message":"m"})");
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message, "m");
}

TEST(ErrorFromResponse, BodyThatIsNotAnErrorGivesHttpError) {
  auto e = ErrorFromResponse(502, "Bad Gateway");
  EXPECT_EQ(e.code, "HttpError");
  EXPECT_EQ(e.message, "HTTP 502: Bad Gateway");
  EXPECT_EQ(ErrorFromResponse(500, "").message, "HTTP 500");
}

TEST(ApiClient, UnreachableServerIsAnEndpointConnectionError) {
  // Port 1 (tcpmux) is not served on test machines: the connection is refused.
  ApiClient client("http://127.0.0.1:1");
  auto r = client.Call("ListStateMachines", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kEndpointConnectionError);
  EXPECT_EQ(r.error().http_status, 0);
  EXPECT_NE(r.error().message.find("http://127.0.0.1:1"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace tactus::cli
