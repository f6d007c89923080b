#include "common/json.h"

#include <gtest/gtest.h>

namespace tactus::common {
namespace {

TEST(ParseJson, ReportsLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"b\": ]\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 3, column 8"), std::string::npos)
      << r.status().message();
}

TEST(ParseJson, RejectsNanInfinityAndInvalidUtf8) {
  EXPECT_FALSE(ParseJson("NaN").ok());
  EXPECT_FALSE(ParseJson("[Infinity]").ok());
  EXPECT_FALSE(ParseJson("\"\xC3\x28\"").ok());
  EXPECT_FALSE(ParseJson("{\"a\":1,}").ok());
}

TEST(ParseJson, RejectsDeepNestingWithoutCrashing) {
  std::string deep(100000, '[');
  auto r = ParseJson(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting deeper than"), std::string::npos);
  std::string ok_depth = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(ok_depth).ok());
}

TEST(ParseJson, DuplicateKeysLastWins) {
  auto r = ParseJson(R"({"a":1,"a":2})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->as_object().size(), 1u);
  EXPECT_EQ(r->at("a").as_int64(), 2);
}

TEST(SerializeJson, PrintsDoublesAsAwsDoes) {
  EXPECT_EQ(SerializeJson(json::value(1.5)), "1.5");
  EXPECT_EQ(SerializeJson(json::value(2.0)), "2.0");
  EXPECT_EQ(SerializeJson(json::value(3)), "3");
  EXPECT_EQ(SerializeJson(json::parse(R"({"a":[1,"x\n",null,true]})")),
            R"({"a":[1,"x\n",null,true]})");
}

TEST(SerializeJson, EscapesQuotesBackslashesAndControlCharacters) {
  json::value v = json::string("a\"b\\c\n\t\x01\x1f \xC3\xA9");
  EXPECT_EQ(SerializeJson(v), std::string(R"("a\"b\\c\n\t\u0001\u001f )") + "\xC3\xA9\"");
  auto back = ParseJson(SerializeJson(v));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
}

TEST(JsonSize, EqualsTheSerializedLength) {
  for (const char* text : {R"({"a":[1,-2,3.5,1e300,true,false,null],"b\n":"x\u0001\"\\y"})",
                           R"([])", R"({})", R"("\u00e9\t")", "18446744073709551615", "-0.0"}) {
    auto v = ParseJson(text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(JsonSize(*v), SerializeJson(*v).size()) << text;
  }
}

TEST(JsonEquals, NumbersByValueBooleansApart) {
  EXPECT_TRUE(JsonEquals(json::value(1), json::value(1.0)));
  EXPECT_FALSE(JsonEquals(json::value(true), json::value(1)));
  EXPECT_TRUE(JsonEquals(json::parse(R"({"a":1,"b":2})"), json::parse(R"({"b":2,"a":1.0})")));
  EXPECT_FALSE(JsonEquals(json::parse("[1,2]"), json::parse("[2,1]")));
}

}  // namespace
}  // namespace tactus::common
