#include "api/params.h"

#include <gtest/gtest.h>

#include "common/json.h"

namespace tactus::api {
namespace {

boost::json::object Params(std::string_view text) {
  auto parsed = common::ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed->as_object();
}

TEST(ParamsTest, RequireStringMissingOrNullIsAwsNullMessage) {
  for (const char* body : {R"({})", R"({"stateMachineArn":null})"}) {
    auto value = RequireString(Params(body), "stateMachineArn", 256);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.error().code, "ValidationException");
    EXPECT_EQ(value.error().http_status, 400);
    EXPECT_EQ(value.error().message,
              "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy "
              "constraint: Member must not be null");
  }
}

TEST(ParamsTest, RequireStringLengths) {
  auto ok = RequireString(Params(R"({"name":"abc"})"), "name", 3);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "abc");

  auto too_long = RequireString(Params(R"({"name":"abcd"})"), "name", 3);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().message,
            "1 validation error detected: Value 'abcd' at 'name' failed to satisfy constraint: "
            "Member must have length less than or equal to 3");

  auto empty = RequireString(Params(R"({"name":""})"), "name", 80);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message,
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");

  // Lengths count code points: four 3-byte characters are 4 long.
  EXPECT_TRUE(RequireString(Params(R"({"name":"\u65e5\u65e5\u65e5\u65e5"})"), "name", 4).ok());
  EXPECT_FALSE(RequireString(Params(R"({"name":"\u65e5\u65e5\u65e5\u65e5"})"), "name", 3).ok());
}

TEST(ParamsTest, LongValuesAreNotEchoed) {
  boost::json::object params;
  params["input"] = std::string(kMaxEchoedValueBytes + 1, 'x');
  auto value = RequireString(params, "input", 10);
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().message,
            "1 validation error detected: Value at 'input' failed to satisfy constraint: "
            "Member must have length less than or equal to 10");
}

TEST(ParamsTest, WrongTypesAreSerializationExceptionsNamingTheMember) {
  auto number = RequireString(Params(R"({"name":5})"), "name", 80);
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.error().code, "SerializationException");
  EXPECT_EQ(number.error().message, "Member 'name' must be a string, got a number.");

  auto object = OptionalInt(Params(R"({"maxResults":{}})"), "maxResults", 0, 1000);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().code, "SerializationException");
  EXPECT_NE(object.error().message.find("'maxResults'"), std::string::npos);

  auto fraction = OptionalInt(Params(R"({"maxResults":1.5})"), "maxResults", 0, 1000);
  ASSERT_FALSE(fraction.ok());
  EXPECT_EQ(fraction.error().code, "SerializationException");

  auto text = OptionalBool(Params(R"({"includeExecutionData":"yes"})"), "includeExecutionData");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "Member 'includeExecutionData' must be a boolean, got a string.");
}

TEST(ParamsTest, OptionalString) {
  auto absent = OptionalString(Params(R"({})"), "nextToken", 1024, 1);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null = OptionalString(Params(R"({"nextToken":null})"), "nextToken", 1024, 1);
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
  auto present = OptionalString(Params(R"({"nextToken":"t"})"), "nextToken", 1024, 1);
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(**present, "t");
  EXPECT_FALSE(OptionalString(Params(R"({"nextToken":""})"), "nextToken", 1024, 1).ok());
}

TEST(ParamsTest, OptionalIntRange) {
  auto absent = OptionalInt(Params(R"({})"), "maxResults", 0, 1000);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto whole_double = OptionalInt(Params(R"({"maxResults":10.0})"), "maxResults", 0, 1000);
  ASSERT_TRUE(whole_double.ok());
  EXPECT_EQ(**whole_double, 10);

  auto high = OptionalInt(Params(R"({"maxResults":1001})"), "maxResults", 0, 1000);
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().message,
            "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000");
  auto low = OptionalInt(Params(R"({"maxResults":-1})"), "maxResults", 0, 1000);
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.error().message.find("greater than or equal to 0"), std::string::npos);
  auto huge = OptionalInt(Params(R"({"maxResults":1e30})"), "maxResults", 0, 1000);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, "ValidationException");
}

TEST(ParamsTest, OptionalBool) {
  auto value = OptionalBool(Params(R"({"b":false})"), "b");
  ASSERT_TRUE(value.ok());
  ASSERT_TRUE(value->has_value());
  EXPECT_FALSE(**value);
}

TEST(ParamsTest, RequireArn) {
  const auto sm = common::ArnResourceType::kStateMachine;
  auto good = RequireArn(
      Params(R"({"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"})"),
      "stateMachineArn", sm);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->name, "m");

  auto execution = RequireArn(
      Params(R"({"stateMachineArn":"arn:aws:states:us-east-1:123456789012:execution:m:e"})"),
      "stateMachineArn", sm);
  ASSERT_FALSE(execution.ok());
  EXPECT_EQ(execution.error().code, "InvalidArn");
  EXPECT_EQ(execution.error().message,
            "Invalid Arn: 'Resource type not valid in this context: execution'");

  auto missing = RequireArn(Params(R"({})"), "stateMachineArn", sm);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ValidationException");

  boost::json::object long_arn;
  long_arn["stateMachineArn"] = std::string(common::kMaxArnLength + 1, 'a');
  auto too_long = RequireArn(long_arn, "stateMachineArn", sm);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, "ValidationException");
}

}  // namespace
}  // namespace tactus::api
