#include "tasks/http_encoding.h"

#include <gtest/gtest.h>

namespace tactus::tasks::http_internal {
namespace {

json::object Object(std::string_view text) { return json::parse(text).as_object(); }

TEST(PercentEncodeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(FormEncodeTest, ScalarsAsText) {
  EXPECT_EQ(FormEncode(Object(R"({"s":"x y","i":3,"d":1.5,"t":true,"f":false,"n":null})"),
                       ArrayFormat::kIndices),
            "s=x%20y&i=3&d=1.5&t=true&f=false&n=");
}

TEST(FormEncodeTest, ArrayFormats) {
  auto o = Object(R"({"a":["x","y,z"]})");
  EXPECT_EQ(FormEncode(o, ArrayFormat::kIndices), "a%5B0%5D=x&a%5B1%5D=y%2Cz");
  EXPECT_EQ(FormEncode(o, ArrayFormat::kRepeat), "a=x&a=y%2Cz");
  EXPECT_EQ(FormEncode(o, ArrayFormat::kCommas), "a=x,y%2Cz");
  EXPECT_EQ(FormEncode(o, ArrayFormat::kBrackets), "a%5B%5D=x&a%5B%5D=y%2Cz");
}

TEST(FormEncodeTest, NestedObjectsUseBracketsAndArraysOfContainersUseIndices) {
  EXPECT_EQ(FormEncode(Object(R"({"o":{"k":"v","p":{"q":1}}})"), ArrayFormat::kRepeat),
            "o%5Bk%5D=v&o%5Bp%5D%5Bq%5D=1");
  EXPECT_EQ(FormEncode(Object(R"({"a":[{"k":1},[2]]})"), ArrayFormat::kCommas),
            "a%5B0%5D%5Bk%5D=1&a%5B1%5D=2");
}

TEST(FormEncodeTest, EmptyContainersAddNothing) {
  EXPECT_EQ(FormEncode(Object(R"({"a":[],"o":{},"b":"1"})"), ArrayFormat::kCommas), "b=1");
  EXPECT_EQ(FormEncode(json::object(), ArrayFormat::kIndices), "");
}

}  // namespace
}  // namespace tactus::tasks::http_internal
