#include "common/arn.h"

#include <gtest/gtest.h>

#include <string>

namespace tactus::common {
namespace {

const ArnContext kDefault;

TEST(ArnTest, FormatsEachResourceWithTheDefaultContext) {
  EXPECT_EQ(FormatStateMachineArn(kDefault, "Orders"),
            "arn:aws:states:us-east-1:123456789012:stateMachine:Orders");
  EXPECT_EQ(FormatExecutionArn(kDefault, "Orders", "run-1"),
            "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1");
  EXPECT_EQ(FormatExpressExecutionArn(kDefault, "Orders", "run-1", "5f0c7f3e"),
            "arn:aws:states:us-east-1:123456789012:express:Orders:run-1:5f0c7f3e");
  EXPECT_EQ(FormatActivityArn(kDefault, "approve"),
            "arn:aws:states:us-east-1:123456789012:activity:approve");
}

TEST(ArnTest, FormatsWithAConfiguredContext) {
  const ArnContext china{"aws-cn", "cn-north-1", "000011112222"};
  EXPECT_EQ(FormatStateMachineArn(china, "M"),
            "arn:aws-cn:states:cn-north-1:000011112222:stateMachine:M");
}

TEST(ArnTest, ParsesEveryFormAndRoundTrips) {
  const std::string texts[] = {
      "arn:aws:states:us-east-1:123456789012:stateMachine:Orders",
      "arn:aws:states:us-east-1:123456789012:stateMachine:Orders:7",
      "arn:aws:states:us-east-1:123456789012:stateMachine:Orders:PROD",
      "arn:aws:states:eu-west-1:210987654321:execution:Orders:run-1",
      "arn:aws:states:us-east-1:123456789012:express:Orders:run-1:9b1deb4d-3b7d-4bad",
      "arn:aws-us-gov:states:us-gov-west-1:123456789012:activity:approve",
  };
  for (const std::string& text : texts) {
    auto arn = ParseStatesArn(text);
    ASSERT_TRUE(arn.ok()) << text << ": " << arn.status().ToString();
    EXPECT_EQ(FormatArn(*arn), text);
  }
}

TEST(ArnTest, ParsedFieldsAreSplitOut) {
  auto sm = ParseStatesArn("arn:aws:states:us-east-1:123456789012:stateMachine:Orders:PROD");
  ASSERT_TRUE(sm.ok());
  EXPECT_EQ(sm->type, ArnResourceType::kStateMachine);
  EXPECT_EQ(sm->name, "Orders");
  EXPECT_EQ(sm->qualifier, "PROD");

  auto ex = ParseStatesArn("arn:aws:states:eu-west-1:210987654321:express:M:e:uuid");
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->type, ArnResourceType::kExpressExecution);
  EXPECT_EQ(ex->partition, "aws");
  EXPECT_EQ(ex->region, "eu-west-1");
  EXPECT_EQ(ex->account, "210987654321");
  EXPECT_EQ(ex->name, "M");
  EXPECT_EQ(ex->execution_name, "e");
  EXPECT_EQ(ex->express_id, "uuid");
}

void ExpectInvalid(std::string_view text, std::string_view detail) {
  auto arn = ParseStatesArn(text);
  ASSERT_FALSE(arn.ok()) << text;
  EXPECT_EQ(arn.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(arn.status().message().rfind("Invalid Arn: '", 0), 0u) << arn.status().message();
  EXPECT_NE(arn.status().message().find(detail), std::string::npos)
      << text << " -> " << arn.status().message();
}

TEST(ArnTest, MalformedArnsSayWhatIsWrong) {
  ExpectInvalid("", "empty");
  ExpectInvalid("Orders", "Invalid ARN prefix: Orders");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012", "Unable to parse ARN");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:stateMachine", "Unable to parse ARN");
  ExpectInvalid("arn::states:us-east-1:123456789012:stateMachine:M", "Missing partition");
  ExpectInvalid("arn:aws:lambda:us-east-1:123456789012:function:f", "Unsupported service");
  ExpectInvalid("arn:aws:states::123456789012:stateMachine:M", "Missing region");
  ExpectInvalid("arn:aws:states:us-east-1:1234:stateMachine:M", "12-digit account");
  ExpectInvalid("arn:aws:states:us-east-1:12345678901x:stateMachine:M", "12-digit account");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:mapRun:M/x:y", "Unknown resource type");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:execution:M", "Wrong number of fields");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:execution:M:e:x", "Wrong number");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:express:M:e", "Wrong number of fields");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:activity:a:b", "Wrong number of fields");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:stateMachine:M:1:2", "Wrong number");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:execution:M:", "Empty name");
  ExpectInvalid("arn:aws:states:us-east-1:123456789012:stateMachine:" + std::string(300, 'a'),
                "longer than 256");
}

TEST(ArnTest, ExpectedTypeIsEnforcedWithAwsWording) {
  const std::string execution = "arn:aws:states:us-east-1:123456789012:execution:M:e";
  EXPECT_TRUE(ParseStatesArn(execution, ArnResourceType::kExecution).ok());
  auto wrong = ParseStatesArn(execution, ArnResourceType::kStateMachine);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "Invalid Arn: 'Resource type not valid in this context: execution'");
}

TEST(ArnTest, ContextMismatchNamesTheField) {
  auto arn = ParseStatesArn("arn:aws:states:eu-west-1:123456789012:stateMachine:M");
  ASSERT_TRUE(arn.ok());
  Status status = CheckArnContext(*arn, kDefault);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Region"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("eu-west-1"), std::string::npos);

  arn->region = "us-east-1";
  arn->account = "000000000000";
  status = CheckArnContext(*arn, kDefault);
  EXPECT_NE(status.message().find("Account"), std::string::npos) << status.message();
  arn->account = kDefault.account;
  arn->partition = "aws-cn";
  status = CheckArnContext(*arn, kDefault);
  EXPECT_NE(status.message().find("Partition"), std::string::npos) << status.message();
  arn->partition = "aws";
  EXPECT_TRUE(CheckArnContext(*arn, kDefault).ok());
}

TEST(ArnTest, ValidNamesPass) {
  for (std::string_view name : {"a", "Orders-2024_v1", "with.dots", "with'quote", "with(paren)",
                                "with@at+plus=eq!", "naïve-ünïcode", "注文"}) {
    EXPECT_TRUE(ValidateResourceName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateResourceName(std::string(kMaxResourceNameChars, 'x')).ok());
  // 80 two-byte characters: the limit counts characters, not bytes.
  std::string wide;
  for (std::size_t i = 0; i < kMaxResourceNameChars; ++i) wide += "é";
  EXPECT_TRUE(ValidateResourceName(wide).ok());
}

void ExpectBadName(std::string_view name, std::string_view why) {
  Status status = ValidateResourceName(name);
  ASSERT_FALSE(status.ok()) << name;
  EXPECT_EQ(status.message().rfind("Invalid Name: '", 0), 0u) << status.message();
  EXPECT_NE(status.message().find(why), std::string::npos) << status.message();
}

TEST(ArnTest, InvalidNamesSayWhy) {
  ExpectBadName("", "at least 1 character");
  ExpectBadName(std::string(kMaxResourceNameChars + 1, 'x'), "longer than 80");
  ExpectBadName("has space", "whitespace");
  ExpectBadName("tab\there", "whitespace");
  ExpectBadName("nbsp\xC2\xA0here", "whitespace");
  ExpectBadName("ideographic\xE3\x80\x80space", "whitespace");
  ExpectBadName(std::string("nul\0x", 5), "control character");
  ExpectBadName("del\x7F", "control character");
  ExpectBadName("c1\xC2\x85", "whitespace");  // U+0085 NEXT LINE is both; whitespace is named
  ExpectBadName("c1\xC2\x90", "control character");
  for (char c : std::string_view("<>{}[]?*\"#%\\^|~`$&,;:/")) {
    ExpectBadName(std::string("a") + c + "b", std::string("'") + c + "'");
  }
  ExpectBadName("bad\xFFutf8", "not valid UTF-8 at byte 3");
  ExpectBadName("overlong\xC0\xAF", "not valid UTF-8");
  ExpectBadName("surrogate\xED\xA0\x80", "not valid UTF-8");
  ExpectBadName("truncated\xE6\xB3", "not valid UTF-8");
}

}  // namespace
}  // namespace tactus::common
