// Helpers shared by the intrinsic-function tests: a JSON literal parser and a fixture that parses
// and evaluates calls against an input, a Context object and variables.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "asl/intrinsics.h"
#include "common/json.h"
#include "common/random.h"

namespace tactus::asl::testing {

inline json::value J(std::string_view text) {
  auto parsed = common::ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? parsed.value() : json::value();
}

class IntrinsicsTest : public ::testing::Test {
 protected:
  // Parses and evaluates `expr` against input_, context_ and variables_.
  Eval<json::value> Run(std::string_view expr) {
    auto call = IntrinsicCall::Parse(expr);
    if (!call.ok()) {
      ADD_FAILURE() << "parse failed: " << call.status().message();
      return Failure{"parse", call.status().message()};
    }
    PathScope scope{&input_, &context_, &variables_};
    return call->Evaluate(scope, random_);
  }

  json::value Ok(std::string_view expr) {
    Eval<json::value> r = Run(expr);
    if (!r.ok()) {
      ADD_FAILURE() << expr << " failed: " << r.failure().error << ": " << r.failure().cause;
      return nullptr;
    }
    return r.value();
  }

  // The cause of a States.IntrinsicFailure.
  std::string Fails(std::string_view expr, std::string_view error = kStatesIntrinsicFailure) {
    Eval<json::value> r = Run(expr);
    if (r.ok()) {
      ADD_FAILURE() << expr << " succeeded with " << common::SerializeJson(r.value());
      return "";
    }
    EXPECT_EQ(r.failure().error, error) << expr;
    return r.failure().cause;
  }

  // The message of a Parse error.
  static std::string ParseError(std::string_view expr) {
    auto call = IntrinsicCall::Parse(expr);
    if (call.ok()) {
      ADD_FAILURE() << "parse of '" << expr.substr(0, 200) << "' succeeded";
      return "";
    }
    EXPECT_EQ(call.status().code(), common::StatusCode::kInvalidArgument);
    return call.status().message();
  }

  json::value input_ = json::object();
  json::value context_ = json::object();
  json::object variables_;
  common::SeededRandom random_{42};
};

#define EXPECT_JSON(actual, expected_text) \
  EXPECT_EQ(common::SerializeJson(actual), common::SerializeJson(J(expected_text)))

}  // namespace tactus::asl::testing
