#include "auth/sigv4_canonical.h"

#include <gtest/gtest.h>

#include "auth/sigv4_parse.h"

namespace tactus::auth::sigv4 {
namespace {

TEST(SigV4Canonical, UriEncode) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b/c+d=e&f%", false), "a%20b%2Fc%2Bd%3De%26f%25");
  EXPECT_EQ(UriEncode("/a b/", true), "/a%20b/");
  EXPECT_EQ(UriEncode("\xC3\xA9", false), "%C3%A9");
}

TEST(SigV4Canonical, PathIsNormalizedThenEncodedAgain) {
  EXPECT_EQ(CanonicalPath(""), "/");
  EXPECT_EQ(CanonicalPath("/"), "/");
  EXPECT_EQ(CanonicalPath("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(CanonicalPath("/../.."), "/");
  EXPECT_EQ(CanonicalPath("/my%20schedule/a%2Fb"), "/my%2520schedule/a%252Fb");
  EXPECT_EQ(CanonicalPath("/x:y@z"), "/x%3Ay%40z");
}

TEST(SigV4Canonical, QueryIsDecodedEncodedAndSorted) {
  EXPECT_EQ(*CanonicalQuery(""), "");
  EXPECT_EQ(*CanonicalQuery("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(*CanonicalQuery("q=hello+world&r=%7e"), "q=hello%20world&r=~");
  EXPECT_EQ(*CanonicalQuery("flag&&a="), "a=&flag=");
  EXPECT_EQ(*CanonicalQuery("X-Amz-Signature=abc&a=1", "X-Amz-Signature"), "a=1");
  EXPECT_FALSE(CanonicalQuery("a=%2").ok());
  EXPECT_FALSE(CanonicalQuery("a=%g0").ok());
}

TEST(SigV4Canonical, HeaderValuesTrimmedAndCollapsed) {
  EXPECT_EQ(CanonicalHeaderValue("  a   b \t c  "), "a b c");
  EXPECT_EQ(CanonicalHeaderValue(""), "");
  EXPECT_EQ(CanonicalHeaderValue(" \t "), "");
  const std::vector<Header> headers = {{"X-A", " 1 "}, {"Host", "h"}, {"x-a", "2"}};
  const std::vector<std::string> names = {"host", "x-a"};
  EXPECT_EQ(CanonicalHeaders(headers, names), "host:h\nx-a:1,2\n");
}

// AWS's published test suite, "get-vanilla".
TEST(SigV4Canonical, AwsTestSuiteGetVanilla) {
  const std::vector<Header> headers = {{"Host", "example.amazonaws.com"},
                                       {"X-Amz-Date", "20150830T123600Z"}};
  const std::vector<std::string> names = {"host", "x-amz-date"};
  const std::string canonical =
      CanonicalRequest("GET", CanonicalPath("/"), "", CanonicalHeaders(headers, names), names,
                       Sha256Hex(""));
  const std::string sts =
      StringToSign("20150830T123600Z", Scope("20150830", "us-east-1", "service"), canonical);
  EXPECT_EQ(Signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1",
                      "service", sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Canonical, Dates) {
  EXPECT_EQ(ParseAmzDate("20240501T100000Z"), 1714557600000);
  EXPECT_FALSE(ParseAmzDate("20240230T100000Z"));
  EXPECT_FALSE(ParseAmzDate("20240501T100000"));
  EXPECT_FALSE(ParseAmzDate("2024050lT100000Z"));
  EXPECT_EQ(ParseHttpDate("Wed, 01 May 2024 10:00:00 GMT"), 1714557600000);
  EXPECT_EQ(ParseHttpDate("Wed, 01 May 2024 10:00:00 -0000"), 1714557600000);
  EXPECT_FALSE(ParseHttpDate("Wed, 01 May 2024 10:00:00 +0200"));
  EXPECT_FALSE(ParseHttpDate("Xyz, 01 May 2024 10:00:00 GMT"));
  EXPECT_FALSE(ParseHttpDate("Wed, 01 Mai 2024 10:00:00 GMT"));
  EXPECT_EQ(FormatAmzDate(1714557600123), "20240501T100000Z");
}

TEST(SigV4Canonical, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace tactus::auth::sigv4
