// JSONPath parsing: accepted forms, rejected paths with positions, limits and definiteness.
#include "asl/jsonpath.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "asl/jsonpath_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

std::string ParseError(std::string_view path) {
  auto r = JsonPath::Parse(path);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.status().code(), common::StatusCode::kInvalidArgument);
  return r.status().message();
}

// ----- Parse: accepted forms and roots

TEST(JsonPathParseTest, Roots) {
  JsonPath input = Path("$.a");
  EXPECT_EQ(input.root(), PathRoot::kInput);
  EXPECT_EQ(input.text(), "$.a");
  EXPECT_EQ(Path("$").root(), PathRoot::kInput);
  EXPECT_EQ(Path("$[0]").root(), PathRoot::kInput);

  JsonPath context = Path("$$.Execution.Id");
  EXPECT_EQ(context.root(), PathRoot::kContext);
  EXPECT_EQ(Path("$$").root(), PathRoot::kContext);
  EXPECT_EQ(Path("$$['Map']").root(), PathRoot::kContext);

  JsonPath var = Path("$myVar.field");
  EXPECT_EQ(var.root(), PathRoot::kVariable);
  EXPECT_EQ(var.variable(), "myVar");
  EXPECT_EQ(Path("$x").variable(), "x");
  EXPECT_EQ(Path("$no.such.var.path").variable(), "no");
  EXPECT_EQ(Path("$var_1[0]").variable(), "var_1");
}

TEST(JsonPathParseTest, AcceptsEveryGrammarForm) {
  for (const char* text : {
           "$",
           "$.a",
           "$.a.b",
           "$['a']",
           "$[\"a\"]",
           "$.a[0]",
           "$.a[-1]",
           "$.a[*]",
           "$.*",
           "$..name",
           "$..*",
           "$..[0]",
           "$..['a','b']",
           "$.a[1:3]",
           "$.a[:2]",
           "$.a[-2:]",
           "$.a[::2]",
           "$.a[1:5:2]",
           "$.a[::-1]",
           "$.a[:]",
           "$.a[0,2]",
           "$['a','b']",
           "$[ 'a' , \"b\" ]",
           "$[ 0 , 1 ]",
           "$[ * ]",
           "$.a[?(@.price < 10)]",
           "$.a[?(@.isbn)]",
           "$.a[?(!@.isbn)]",
           "$.a[?(@.status == 0)]",
           "$.a[?(@.a == 'x' && @.b > 1)]",
           "$.a[?(@.a == 'x' || (@.b > 1 && !(@.c)))]",
           "$.a[?(@.name =~ /ab.*/i)]",
           "$.a[?(@.k in ['a','b'])]",
           "$.a[?(@.k nin [1, 2])]",
           "$.a[?(@.price<$.expensive)]",
           "$.a[?(@['x y'] == \"q\")]",
           "$.a[?(@ == 1)]",
           "$.a[?(@.tags[?(@ == 'x')])]",
           "$.a[?(@.x == null || @.y != true)]",
           "$.a[?(@.x >= -1.5e3)]",
           "$.delivery-partner",
           "$.sub-values",
           "$.ünïcødé",
           "$['with space']",
           "$['it\\'s']",
           "$.a[?(@.t contains 'x')]",
           "$.a[?(@.t size 2)]",
           "$.a[?(@.t empty false)]",
           "$.a[?(@.t subsetof ['x'])]",
           "$.a[?(@.t anyof ['x'])]",
           "$.a[?(@.t noneof ['x'])]",
           "$.a[?(true)]",
       }) {
    EXPECT_TRUE(JsonPath::Parse(text).ok())
        << text << ": " << JsonPath::Parse(text).status().ToString();
  }
}

TEST(JsonPathParseTest, RejectsMalformedPathsWithPositions) {
  EXPECT_EQ(ParseError(""), "invalid JSONPath '': empty path at position 0");
  EXPECT_EQ(ParseError("a.b"), "invalid JSONPath 'a.b': a path must start with '$' at position 0");
  EXPECT_EQ(ParseError("$.a["), "invalid JSONPath '$.a[': unterminated '[' at position 3");
  EXPECT_EQ(ParseError("$."),
            "invalid JSONPath '$.': expected a name or '*' after '.' at position 2");
  EXPECT_EQ(ParseError("$.."),
            "invalid JSONPath '$..': expected a name, '*' or '[' after '..' at position 3");
  EXPECT_EQ(ParseError("$['a"), "invalid JSONPath '$['a': unterminated string at position 2");
  EXPECT_EQ(ParseError("$.a b"),
            "invalid JSONPath '$.a b': unexpected character ' ' at position 3");
  EXPECT_EQ(ParseError("$[abc]"),
            "invalid JSONPath '$[abc]': invalid selector starting with 'a' at position 2");
  EXPECT_EQ(ParseError("$[0"), "invalid JSONPath '$[0': unterminated '[' at position 1");
  EXPECT_EQ(ParseError("$[0 1]"),
            "invalid JSONPath '$[0 1]': expected ']' but found '1' at position 4");
  EXPECT_EQ(ParseError("$$x"), "invalid JSONPath '$$x': unexpected character 'x' at position 2");
  EXPECT_EQ(ParseError("$a-b"), "invalid JSONPath '$a-b': unexpected character '-' at position 2");
  EXPECT_EQ(ParseError("$[::0]"),
            "invalid JSONPath '$[::0]': slice step cannot be zero at position 4");
  EXPECT_EQ(ParseError("$[?(@.a == 1]"),
            "invalid JSONPath '$[?(@.a == 1]': expected ')' or an operator at position 12");
  EXPECT_EQ(ParseError("$[?(@.a == 1"),
            "invalid JSONPath '$[?(@.a == 1': unterminated '(' at position 3");
  EXPECT_EQ(ParseError("$[99999999999999999999]"),
            "invalid JSONPath '$[99999999999999999999]': integer out of range at position 2");
}

TEST(JsonPathParseTest, RejectsMoreMalformedPaths) {
  for (const char* text : {
           " $",
           "$ ",
           "$.a ",
           "$.a]",
           "$.a)",
           "$.a.",
           "$.a..",
           "$...a",
           "$.[0]",
           "$[]",
           "$[",
           "$['a'",
           "$['a',]",
           "$['a' 'b']",
           "$[1,]",
           "$[1:2:3:4]",
           "$[*",
           "$[?]",
           "$[?(@.a)",
           "$[?(@.a))]",
           "$[?()]",
           "$[?(@.a ==)]",
           "$[?(@.a = 1)]",
           "$[?(1)]",
           "$[?(@.a =~ 'x')]",
           "$[?(@.a == /x/)]",
           "$[?(@.a =~ /x)]",
           "$[?(@.a =~ /x/q)]",
           "$[?(@.a =~ /(/)]",
           "$[?(@.a =~ /(a)\\1/)]",
           "$[?(@.a in [1,)]",
           "$[?($$.a)]",
           "$[?($x.a)]",
           "$[?(@.a == 'x)]",
           "$[-]",
           "$.a.length()",
           "$[0]x",
           "$$$",
           "$.a$b",
           "$[?(@.a == 1) && (@.b == 2)]",
       }) {
    EXPECT_FALSE(JsonPath::Parse(text).ok()) << text;
  }
}

TEST(JsonPathParseTest, DeepFilterNestingIsRejectedNotOverflowed) {
  std::string deep = "$[?(" + std::string(10000, '(') + "@.a" + std::string(10000, ')') + ")]";
  std::string message = ParseError(deep);
  EXPECT_NE(message.find("nested deeper than 64"), std::string::npos) << message;
  EXPECT_LT(message.size(), 300u);  // the path is shortened in the message

  std::string nested = "$";
  for (int i = 0; i < 5000; ++i) nested += "[?(@";
  EXPECT_FALSE(JsonPath::Parse(nested).ok());

  std::string literals = "$[?(@.a in " + std::string(5000, '[') + "]";
  EXPECT_FALSE(JsonPath::Parse(literals).ok());

  // Modest nesting is fine.
  EXPECT_TRUE(
      JsonPath::Parse("$[?(" + std::string(30, '(') + "@.a" + std::string(30, ')') + ")]").ok());
  // Negations chain without nesting.
  EXPECT_TRUE(JsonPath::Parse("$[?(" + std::string(10000, '!') + "@.a)]").ok());
}

TEST(JsonPathParseTest, RegexesAreBoundedSoMatchingCannotOverflowTheStack) {
  for (const char* ok :
       {"$[?(@ =~ /[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}/)]",
        "$[?(@ =~ /.{1,255}/)]", "$[?(@ =~ /(?:ab){10}x{3,}/)]", "$[?(@ =~ /[{]{2}/)]"}) {
    EXPECT_TRUE(JsonPath::Parse(ok).ok()) << ok << ": " << ParseError(ok);
  }
  EXPECT_NE(ParseError("$[?(@ =~ /(){30000}/)]").find("repeats too much"), std::string::npos);
  EXPECT_NE(ParseError("$[?(@ =~ /((a){100}){100}/)]").find("repeats too much"), std::string::npos);
  EXPECT_NE(ParseError("$[?(@ =~ /a{0,1001}/)]").find("repeats too much"), std::string::npos);
  EXPECT_NE(ParseError("$[?(@ =~ /" + std::string(300, 'a') + "/)]").find("longer than 256"),
            std::string::npos);
}

TEST(JsonPathParseTest, LongPathsParse) {
  std::string long_path = "$";
  for (int i = 0; i < 20000; ++i) long_path += ".a";
  JsonPath path = Path(long_path);
  EXPECT_TRUE(path.IsDefinite());
  EXPECT_EQ(path.Evaluate(Json("{\"a\":1}")), std::nullopt);

  std::string long_name = "$." + std::string(100000, 'x');
  EXPECT_TRUE(JsonPath::Parse(long_name).ok());
}

// ----- Definiteness

TEST(JsonPathParseTest, DefiniteAndReferencePaths) {
  for (const char* text : {"$", "$.a", "$.a.b", "$['a']", "$.a[0]", "$[3].x", "$$.Map.Item"}) {
    EXPECT_TRUE(Path(text).IsDefinite()) << text;
    EXPECT_TRUE(Path(text).IsReferencePath()) << text;
  }
  EXPECT_TRUE(Path("$.a[-1]").IsDefinite());
  EXPECT_FALSE(Path("$.a[-1]").IsReferencePath());
  for (const char* text :
       {"$.a[*]", "$.*", "$..a", "$.a[0,1]", "$.a[1:2]", "$.a[?(@.b)]", "$['a','b'].c", "$..[0]"}) {
    EXPECT_FALSE(Path(text).IsDefinite()) << text;
    EXPECT_FALSE(Path(text).IsReferencePath()) << text;
  }
  // Jayway merges a final ['a','b'] into one object, so the path is definite (not a reference).
  EXPECT_TRUE(Path("$['a','b']").IsDefinite());
  EXPECT_FALSE(Path("$['a','b']").IsReferencePath());
  EXPECT_FALSE(Path("$[*]['a','b']").IsDefinite());
}

}  // namespace
}  // namespace tactus::asl
