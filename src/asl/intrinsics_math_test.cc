// Intrinsic functions on bytes and numbers: Base64, Hash, MathAdd and MathRandom.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "asl/intrinsics.h"
#include "asl/intrinsics_test_util.h"
#include "common/json.h"
#include "common/random.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// --- Encoding and hashing ---

TEST_F(IntrinsicsTest, Base64RoundTrip) {
  EXPECT_JSON(Ok("States.Base64Encode('héllo €𝄞')"), R"("aMOpbGxvIOKCrPCdhJ4=")");
  EXPECT_JSON(Ok("States.Base64Decode('aMOpbGxvIOKCrPCdhJ4=')"), R"("héllo €𝄞")");
  for (const char* s : {"", "a", "ab", "abc", "abcd"}) {
    EXPECT_JSON(Ok(std::string("States.Base64Decode(States.Base64Encode('") + s + "'))"),
                std::string("\"") + s + "\"");
  }
  EXPECT_JSON(Ok("States.Base64Decode('QQ')"), R"("A")");  // padding is optional
}

TEST_F(IntrinsicsTest, Base64DecodeErrorsAndInvalidUtf8) {
  for (const char* bad : {"QQ=", "Q", "QQ==QQ==", "Q===", "QQ QQ", "QQ$=", "====="}) {
    EXPECT_EQ(Fails(std::string("States.Base64Decode('") + bad + "')"),
              "Invalid arguments in States.Base64Decode: the input is not valid Base64")
        << bad;
  }
  // Bytes that are not UTF-8 decode to U+FFFD, as Java's String does.
  EXPECT_JSON(Ok("States.Base64Decode('/w==')"), R"("\ufffd")");
  EXPECT_JSON(Ok("States.Base64Decode('QcOA/0I=')"), R"("AÀ\ufffdB")");
  EXPECT_NE(Fails("States.Base64Decode(1)").find("must be a string"), std::string::npos);
}

TEST_F(IntrinsicsTest, Base64InputIsLimitedTo10000Characters) {
  input_ = json::object{{"ok", std::string(10000, 'a')},
                        {"long", std::string(10001, 'a')},
                        {"wide", [] {  // 5000 astral characters are 10000 UTF-16 units
                           std::string s;
                           for (int i = 0; i < 5000; ++i) s += "𝄞";
                           return s;
                         }()}};
  EXPECT_TRUE(Ok("States.Base64Encode($.ok)").is_string());
  EXPECT_TRUE(Ok("States.Base64Encode($.wide)").is_string());
  EXPECT_EQ(Fails("States.Base64Encode($.long)"),
            "Invalid arguments in States.Base64Encode: the input has 10001 characters; at most "
            "10000 are allowed");
  EXPECT_NE(Fails("States.Base64Decode($.long)").find("10001 characters"), std::string::npos);
}

TEST_F(IntrinsicsTest, HashAlgorithms) {
  EXPECT_JSON(
      Ok("States.Hash('input data', 'SHA-384')"),
      R"("d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562")");
  EXPECT_JSON(Ok("States.Hash('', 'MD5')"), R"("d41d8cd98f00b204e9800998ecf8427e")");
  EXPECT_EQ(Fails("States.Hash('x', 'sha-256')"),
            "Invalid arguments in States.Hash: unsupported algorithm \"sha-256\"; use one of MD5, "
            "SHA-1, SHA-256, SHA-384, SHA-512");
  EXPECT_NE(Fails("States.Hash(1, 'MD5')").find("argument 1 (the data) must be a string"),
            std::string::npos);
  EXPECT_NE(Fails("States.Hash('x', null)").find("argument 2 (the algorithm)"), std::string::npos);
}

// --- Math ---

TEST_F(IntrinsicsTest, MathAddRangeAndTypes) {
  EXPECT_JSON(Ok("States.MathAdd(2147483647, -2147483648)"), "-1");
  EXPECT_JSON(Ok("States.MathAdd(2147483647, 2147483647)"), "4294967294");
  EXPECT_EQ(Fails("States.MathAdd(2147483648, 0)"),
            "Invalid arguments in States.MathAdd: argument 1 must be a number from -2147483648 "
            "to 2147483647, got 2147483648");
  EXPECT_NE(Fails("States.MathAdd(1, '1')").find("argument 2"), std::string::npos);
  EXPECT_NE(Fails("States.MathAdd(1, 1e300)").find("argument 2"), std::string::npos);
  EXPECT_NE(Fails("States.MathAdd(null, 1)").find("got null"), std::string::npos);
}

TEST_F(IntrinsicsTest, MathRandomStaysInRange) {
  std::set<std::int64_t> seen;
  for (int i = 0; i < 500; ++i) {
    json::value v = Ok("States.MathRandom(-3, 3)");
    ASSERT_TRUE(v.is_int64());
    EXPECT_GE(v.get_int64(), -3);
    EXPECT_LT(v.get_int64(), 3);
    seen.insert(v.get_int64());
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_JSON(Ok("States.MathRandom(7, 8)"), "7");
  EXPECT_TRUE(Ok("States.MathRandom(-2147483648, 2147483647)").is_int64());
}

TEST_F(IntrinsicsTest, MathRandomWithSeedIsReproducible) {
  json::value first = Ok("States.MathRandom(0, 1000000, 7)");
  common::SeededRandom other(999);
  auto call = IntrinsicCall::Parse("States.MathRandom(0, 1000000, 7)");
  ASSERT_TRUE(call.ok());
  auto again = call->Evaluate(PathScope{}, other);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first, again.value());
}

TEST_F(IntrinsicsTest, MathRandomErrors) {
  EXPECT_EQ(Fails("States.MathRandom(5, 5)"),
            "Invalid arguments in States.MathRandom: the start (5) must be less than the end (5)");
  EXPECT_NE(Fails("States.MathRandom(9, 1)").find("less than"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom('a', 1)").find("argument 1 (the start)"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom(1, 2, 'x')").find("argument 3 (the seed)"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom(1, 3000000000)").find("argument 2 (the end)"),
            std::string::npos);
}

}  // namespace
}  // namespace tactus::asl
