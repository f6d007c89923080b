#include "api/api_error.h"

#include <gtest/gtest.h>

#include "common/arn.h"

namespace tactus::api {
namespace {

TEST(ApiErrorTest, StatusesFollowAws) {
  EXPECT_EQ(HttpStatusForCode("InternalFailure"), 500);
  EXPECT_EQ(HttpStatusForCode("ServiceUnavailable"), 503);
  EXPECT_EQ(HttpStatusForCode("MissingAuthenticationToken"), 403);
  EXPECT_EQ(HttpStatusForCode("InvalidClientTokenId"), 403);
  for (std::string_view code : {error_code::kValidationException,
                                error_code::kInvalidArn,
                                error_code::kStateMachineDoesNotExist,
                                error_code::kExecutionDoesNotExist,
                                error_code::kExecutionAlreadyExists,
                                error_code::kExecutionLimitExceeded,
                                error_code::kInvalidDefinition,
                                error_code::kInvalidName,
                                error_code::kInvalidToken,
                                error_code::kTaskDoesNotExist,
                                error_code::kTaskTimedOut,
                                error_code::kActivityDoesNotExist,
                                error_code::kStateMachineAlreadyExists,
                                error_code::kStateMachineDeleting,
                                error_code::kInvalidExecutionInput,
                                error_code::kInvalidOutput,
                                error_code::kResourceNotFound,
                                error_code::kConflictException,
                                error_code::kUnknownOperation,
                                error_code::kSerializationException,
                                error_code::kAccessDenied,
                                error_code::kThrottlingException}) {
    EXPECT_EQ(HttpStatusForCode(code), 400) << code;
  }
  EXPECT_EQ(HttpStatusForCode("SomethingNew"), 400);
}

TEST(ApiErrorTest, QualifiedTypesEndWithTheCode) {
  EXPECT_EQ(QualifiedErrorType("StateMachineDoesNotExist"),
            "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist");
  EXPECT_EQ(QualifiedErrorType("ValidationException"),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(QualifiedErrorType("UnknownOperationException"),
            "com.amazon.coral.service#UnknownOperationException");
  EXPECT_EQ(QualifiedErrorType("ThrottlingException"),
            "com.amazon.coral.availability#ThrottlingException");
}

TEST(ApiErrorTest, Shorthands) {
  EXPECT_EQ(ValidationError("m"), (ApiError{"ValidationException", "m", 400}));
  EXPECT_EQ(SerializationError("m"), (ApiError{"SerializationException", "m", 400}));
  EXPECT_EQ(InternalFailure("m"), (ApiError{"InternalFailure", "m", 500}));
  EXPECT_EQ(MakeApiError("ServiceUnavailable", "later").http_status, 503);
  const ApiError unknown = UnknownOperation("FlyToTheMoon");
  EXPECT_EQ(unknown.code, "UnknownOperationException");
  EXPECT_NE(unknown.message.find("'FlyToTheMoon'"), std::string::npos);
}

TEST(ApiErrorTest, ArnAndNameStatusesMapToTheirCodes) {
  auto arn = common::ParseStatesArn("foo");
  ASSERT_FALSE(arn.ok());
  const ApiError arn_error = ArnOrNameError(arn.status());
  EXPECT_EQ(arn_error.code, "InvalidArn");
  EXPECT_EQ(arn_error.message, arn.status().message());

  const common::Status name = common::ValidateResourceName("a b");
  ASSERT_FALSE(name.ok());
  const ApiError name_error = ArnOrNameError(name);
  EXPECT_EQ(name_error.code, "InvalidName");
  EXPECT_EQ(name_error.message, name.message());
}

TEST(ApiResultTest, HoldsValueOrError) {
  ApiResult<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  ApiResult<int> bad(InternalFailure("x"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InternalFailure");
}

}  // namespace
}  // namespace tactus::api
