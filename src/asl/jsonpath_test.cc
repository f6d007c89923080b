#include "asl/jsonpath.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tactus::asl {
namespace {

json::value Json(std::string_view text) {
  auto r = common::ParseJson(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : json::value();
}

JsonPath Path(std::string_view text) {
  auto r = JsonPath::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  if (!r.ok()) return std::move(JsonPath::Parse("$")).value();
  return std::move(r).value();
}

// Evaluates `path` on `doc` and returns the compact JSON, or "<none>".
std::string Eval(std::string_view path, const json::value& doc) {
  std::optional<json::value> v = Path(path).Evaluate(doc);
  return v ? common::SerializeJson(*v) : "<none>";
}

std::string ParseError(std::string_view path) {
  auto r = JsonPath::Parse(path);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.status().code(), common::StatusCode::kInvalidArgument);
  return r.status().message();
}

const char* kStore = R"({
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick",
       "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord",
       "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
})";

class JsonPathTest : public ::testing::Test {
 protected:
  json::value store_ = Json(kStore);
};

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

// ----- Evaluate: definite paths

TEST_F(JsonPathTest, DefinitePathsReturnTheNodeOrNothing) {
  EXPECT_EQ(Eval("$", store_), common::SerializeJson(store_));
  EXPECT_EQ(Eval("$.expensive", store_), "10");
  EXPECT_EQ(Eval("$.store.bicycle.color", store_), "\"red\"");
  EXPECT_EQ(Eval("$['store']['bicycle']['color']", store_), "\"red\"");
  EXPECT_EQ(Eval("$[\"store\"].bicycle[\"price\"]", store_), "19.95");
  EXPECT_EQ(Eval("$.store.book[0].author", store_), "\"Nigel Rees\"");
  EXPECT_EQ(Eval("$.store.book[-1].author", store_), "\"J. R. R. Tolkien\"");
  EXPECT_EQ(Eval("$.store.book[-4].author", store_), "\"Nigel Rees\"");
  EXPECT_EQ(Eval("$.store.book[-5]", store_), "<none>");
  EXPECT_EQ(Eval("$.store.book[4]", store_), "<none>");
  EXPECT_EQ(Eval("$.NoSuchInputPath", store_), "<none>");
  EXPECT_EQ(Eval("$.store.bicycle.color.x", store_), "<none>");  // name on a string
  EXPECT_EQ(Eval("$.store[0]", store_), "<none>");               // index on an object
  EXPECT_EQ(Eval("$.store.book.author", store_), "<none>");      // name on an array
  EXPECT_EQ(Eval("$.a", Json("[1]")), "<none>");
  EXPECT_EQ(Eval("$[0]", Json("[7,8]")), "7");
}

TEST(JsonPathEvalTest, NamesWithSpecialCharacters) {
  json::value doc = Json(R"({"delivery-partner": 1, "a b": 2, "it's": 3, "ü": 4, "a$b": 5,
                             "x\\y": 6, "*": 7, "0": 8, "Test\\\"\"Name\"": "Value\"\\"})");
  EXPECT_EQ(Eval("$.delivery-partner", doc), "1");
  EXPECT_EQ(Eval("$['a b']", doc), "2");
  EXPECT_EQ(Eval("$['it\\'s']", doc), "3");
  EXPECT_EQ(Eval("$[\"it's\"]", doc), "3");
  EXPECT_EQ(Eval("$.ü", doc), "4");
  EXPECT_EQ(Eval("$['a$b']", doc), "5");
  EXPECT_EQ(Eval("$['x\\\\y']", doc), "6");
  EXPECT_EQ(Eval("$['*']", doc), "7");
  EXPECT_EQ(Eval("$.0", doc), "8");
  // Recorded from AWS: a backslash before a foreign quote stays literal.
  EXPECT_EQ(Eval(R"($['Test\""Name"'])", doc), R"("Value\"\\")");
}

// ----- Evaluate: indefinite paths

TEST_F(JsonPathTest, WildcardsAndUnions) {
  EXPECT_EQ(Eval("$.store.book[*].author", store_),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$.store.bicycle.*", store_), R"(["red",19.95])");
  EXPECT_EQ(Eval("$.store.bicycle[*]", store_), R"(["red",19.95])");
  EXPECT_EQ(Eval("$.expensive[*]", store_), "[]");
  EXPECT_EQ(Eval("$.missing[*]", store_), "[]");
  EXPECT_EQ(Eval("$.store.book[0,2].price", store_), "[8.95,8.99]");
  EXPECT_EQ(Eval("$.store.book[2,0].price", store_), "[8.99,8.95]");
  EXPECT_EQ(Eval("$.store.book[0,9,-1].price", store_), "[8.95,22.99]");
  EXPECT_EQ(Eval("$.store.book[0,0].price", store_), "[8.95,8.95]");
  EXPECT_EQ(Eval("$.store.bicycle['color','nope'].x", store_), "[]");
  EXPECT_EQ(Eval("$[*]", Json("[1,[2],{}]")), "[1,[2],{}]");
  EXPECT_EQ(Eval("$[*]", Json("3")), "[]");
}

TEST(JsonPathEvalTest, LeafNameUnionMergesLikeJayway) {
  json::value doc = Json(R"({"a": 1, "b": {"c": 2}, "d": 3, "arr": [{"a": 1}, 5, {"b": 2}]})");
  EXPECT_EQ(Eval("$['a','b']", doc), R"({"a":1,"b":{"c":2}})");
  EXPECT_EQ(Eval("$['a','zz']", doc), R"({"a":1})");
  EXPECT_EQ(Eval("$.d['a','b']", doc), "<none>");
  EXPECT_EQ(Eval("$.arr[*]['a','b']", doc), R"([{"a":1},{"b":2}])");
  // Not a leaf: the names are iterated.
  EXPECT_EQ(Eval("$['b','d'].c", doc), "[2]");
  // Select returns the member nodes themselves.
  std::vector<const json::value*> out;
  Path("$['a','d']").Select(doc, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], json::value(1));
  EXPECT_EQ(*out[1], json::value(3));
}

TEST(JsonPathEvalTest, Slices) {
  json::value doc = Json("{\"a\": [0, 1, 2, 3, 4, 5]}");
  EXPECT_EQ(Eval("$.a[1:3]", doc), "[1,2]");
  EXPECT_EQ(Eval("$.a[:2]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[-2:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$.a[4:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$.a[:-4]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[-100:2]", doc), "[0,1]");
  EXPECT_EQ(Eval("$.a[3:100]", doc), "[3,4,5]");
  EXPECT_EQ(Eval("$.a[3:1]", doc), "[]");
  EXPECT_EQ(Eval("$.a[:]", doc), "[0,1,2,3,4,5]");
  EXPECT_EQ(Eval("$.a[::2]", doc), "[0,2,4]");
  EXPECT_EQ(Eval("$.a[1::2]", doc), "[1,3,5]");
  EXPECT_EQ(Eval("$.a[1:5:3]", doc), "[1,4]");
  EXPECT_EQ(Eval("$.a[::-1]", doc), "[5,4,3,2,1,0]");
  EXPECT_EQ(Eval("$.a[4:1:-2]", doc), "[4,2]");
  EXPECT_EQ(Eval("$.a[::9223372036854775807]", doc), "[0]");
  EXPECT_EQ(Eval("$.a[-9223372036854775808:]", doc), "[0,1,2,3,4,5]");
  EXPECT_EQ(Eval("$.a[::-9223372036854775807]", doc), "[5]");
  EXPECT_EQ(Eval("$.missing[1:]", doc), "[]");
  EXPECT_EQ(Eval("$[1:]", Json("{\"x\":1}")), "[]");
  EXPECT_EQ(Eval("$.a[1:].x", doc), "[]");
}

TEST_F(JsonPathTest, DeepScanVisitsNodesBeforeChildren) {
  EXPECT_EQ(Eval("$..author", store_),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$.store..price", store_), "[8.95,12.99,8.99,22.99,19.95]");
  EXPECT_EQ(Eval("$..book[2].title", store_), R"(["Moby Dick"])");
  EXPECT_EQ(Eval("$..book[-1:].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$..nothing", store_), "[]");

  json::value doc = Json(R"({"a": {"x": 1, "b": {"x": 2}}, "x": 3, "c": [{"x": 4}, [{"x": 5}]]})");
  EXPECT_EQ(Eval("$..x", doc), "[3,1,2,4,5]");
  EXPECT_EQ(Eval("$..*", Json(R"({"a": {"b": 1}, "c": [2, {"d": 3}]})")),
            R"([{"b":1},[2,{"d":3}],1,2,{"d":3},3])");
  EXPECT_EQ(Eval("$..[0]", doc), R"([{"x":4},{"x":5}])");
  EXPECT_EQ(Eval("$..['x','zz']", doc), "[3,1,2,4,5]");
  // The scan starts at the node itself, so the root object qualifies too.
  EXPECT_EQ(Eval("$.a..[?(@.x > 0)]", doc), R"([{"x":1,"b":{"x":2}},{"x":2}])");
  EXPECT_EQ(Eval("$.c..[?(@.x > 4)]", doc), R"([{"x":5}])");
  EXPECT_EQ(Eval("$.a..x", doc), "[1,2]");
}

TEST(JsonPathEvalTest, DeepScanOnVeryDeepDocuments) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "{\"n\":";
  text += "1";
  for (int i = 0; i < 500; ++i) text += "}";
  json::value doc = Json(text);
  std::optional<json::value> v = Path("$..n").Evaluate(doc);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->as_array().size(), 500u);

  // Built by hand, beyond ParseJson's depth limit.
  json::value deep = 1;
  for (int i = 0; i < 20000; ++i) {
    json::value wrapper = json::array();
    wrapper.as_array().push_back(std::move(deep));
    deep = std::move(wrapper);
  }
  std::vector<const json::value*> out;
  Path("$..[0]").Select(deep, &out);
  EXPECT_EQ(out.size(), 20000u);
  // Destroy iteratively: boost::json's destructor recurses.
  while (deep.is_array() && !deep.as_array().empty()) {
    json::value inner = std::move(deep.as_array()[0]);
    deep = std::move(inner);
  }
  v.reset();
}

TEST(JsonPathEvalTest, ExplosivePathsStopInsteadOfHanging) {
  json::value doc = Json(R"({"a": [[1, 2, [3, {"b": [4, 5]}]], {"c": {"d": [6, 7]}}]})");
  std::string path = "$";
  for (int i = 0; i < 12; ++i) path += "..*";
  std::vector<const json::value*> out;
  Path(path).Select(doc, &out);
  EXPECT_LE(out.size(), std::size_t{1} << 24);

  // 4^30 matches if nothing stopped it.
  std::string unions = "$";
  for (int i = 0; i < 30; ++i) unions += "[0,-1,0,-1]";
  json::value nested = Json(std::string(30, '[') + "1" + std::string(30, ']'));
  out.clear();
  Path(unions).Select(nested, &out);
  EXPECT_LT(out.size(), std::size_t{1} << 24);
}

// ----- Filters

TEST_F(JsonPathTest, FilterComparisons) {
  EXPECT_EQ(Eval("$.store.book[?(@.price < 10)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price <= 8.99)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price > 20)].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price >= 22.99)].title", store_), R"(["The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == 'reference')].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == \"reference\")].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category != 'fiction')].title", store_), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price < $.expensive)].title", store_),
            R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price<10)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?( @.price<10 )].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(10 > @.price)].title", store_), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.title > 'R')].title", store_),
            R"(["Sayings","Sword","The Lord"])");
}

TEST_F(JsonPathTest, FilterExistenceAndLogic) {
  EXPECT_EQ(Eval("$.store.book[?(@.isbn)].title", store_), R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(!@.isbn)].title", store_), R"(["Sayings","Sword"])");
  EXPECT_EQ(Eval("$.store.book[?(!!@.isbn)].title", store_), R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.isbn && @.price < 10)].title", store_), R"(["Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price < 9 || @.price > 20)].title", store_),
            R"(["Sayings","Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == 'fiction' && (@.price < 9 || @.price > 20))]"
                 ".title",
                 store_),
            R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(!(@.price < 10))].title", store_), R"(["Sword","The Lord"])");
  // && binds tighter than ||.
  EXPECT_EQ(Eval("$.store.book[?(@.price > 20 || @.isbn && @.price < 10)].title", store_),
            R"(["Moby Dick","The Lord"])");
  EXPECT_EQ(Eval("$.store.book[?(true)].price", store_), "[8.95,12.99,8.99,22.99]");
  EXPECT_EQ(Eval("$.store.book[?(false)].price", store_), "[]");
}

TEST(JsonPathEvalTest, FilterTypeRules) {
  json::value doc = Json(R"({"u": [
    {"id": 1, "v": 1}, {"id": 2, "v": 1.0}, {"id": 3, "v": "1"}, {"id": 4, "v": true},
    {"id": 5, "v": null}, {"id": 6}, {"id": 7, "v": [1]}, {"id": 8, "v": {"k": 1}}]})");
  EXPECT_EQ(Eval("$.u[?(@.v == 1)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v == 1.0)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v == '1')].id", doc), "[3]");
  EXPECT_EQ(Eval("$.u[?(@.v == true)].id", doc), "[4]");
  EXPECT_EQ(Eval("$.u[?(@.v == null)].id", doc), "[5]");
  EXPECT_EQ(Eval("$.u[?(@.v != 1)].id", doc), "[3,4,5,6,7,8]");
  EXPECT_EQ(Eval("$.u[?(@.v < 2)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.v >= '1')].id", doc), "[3]");
  EXPECT_EQ(Eval("$.u[?(@.v)].id", doc), "[1,2,3,4,5,7,8]");  // null exists
  EXPECT_EQ(Eval("$.u[?(@.v == [1])].id", doc), "[7]");
  EXPECT_EQ(Eval("$.u[?(@.v == @.v)].id", doc), "[1,2,3,4,5,7,8]");
  EXPECT_EQ(Eval("$.u[?(@.v.k == 1)].id", doc), "[8]");
  EXPECT_EQ(Eval("$.u[?(@.v[0] == 1)].id", doc), "[7]");
  EXPECT_EQ(Eval("$.u[?(@['v'] == 1)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.u[?(@.id == -1)].id", doc), "[]");
  EXPECT_EQ(Eval("$.u[?(@.id > 1e0 && @.id < 2.5E0)].id", doc), "[2]");
  // Recorded from AWS.
  json::value users = Json(R"({"users": [{"year": 1997, "status": 0},
                                         {"year": 1998, "status": 1}]})");
  EXPECT_EQ(Eval("$.users[?(@.status == 0)]", users), R"([{"year":1997,"status":0}])");
}

TEST(JsonPathEvalTest, FilterOnObjectTestsTheObjectItself) {
  json::value doc = Json(R"({"o": {"a": 1, "b": {"a": 2}}, "s": "str"})");
  EXPECT_EQ(Eval("$.o[?(@.a == 1)]", doc), R"([{"a":1,"b":{"a":2}}])");
  EXPECT_EQ(Eval("$.o[?(@.a == 2)]", doc), "[]");
  EXPECT_EQ(Eval("$.s[?(@)]", doc), "[]");
  EXPECT_EQ(Eval("$.missing[?(@)]", doc), "[]");
  EXPECT_EQ(Eval("$[?(@.s)].s", doc), R"(["str"])");
}

TEST(JsonPathEvalTest, FilterRegex) {
  json::value doc = Json(R"({"p": [{"n": "Alice"}, {"n": "bob"}, {"n": "ALICE B"},
                                   {"n": 42}, {"n": true}, {"n": "a\nb"}]})");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /A.*/)].n", doc), R"(["Alice","ALICE B"])");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /alice/i)].n", doc), R"(["Alice"])");  // whole-string match
  EXPECT_EQ(Eval("$.p[?(@.n =~ /ali.*/i)].n", doc), R"(["Alice","ALICE B"])");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /\\d+/)].n", doc), "[42]");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /tr.e/)].n", doc), "[true]");
  EXPECT_EQ(Eval("$.p[?(@.n =~ /a\\/b|bob/)].n", doc), R"(["bob"])");
  EXPECT_EQ(Eval("$.p[?(@.x =~ /.*/)].n", doc), "[]");
  EXPECT_EQ(Eval("$.p[?(/b.*/ =~ @.n)].n", doc), R"(["bob"])");
}

TEST(JsonPathEvalTest, FilterCollectionOperators) {
  json::value doc = Json(R"({"i": [
    {"k": "a", "t": ["x", "y"], "s": "hello"}, {"k": "b", "t": [], "s": ""},
    {"k": "c", "t": ["z"], "s": "héllo"}, {"k": 1, "t": "xy"}]})");
  EXPECT_EQ(Eval("$.i[?(@.k in ['a','c'])].k", doc), R"(["a","c"])");
  EXPECT_EQ(Eval("$.i[?(@.k in [1, 'b'])].k", doc), R"(["b",1])");
  EXPECT_EQ(Eval("$.i[?(@.k nin ['a','c'])].k", doc), R"(["b",1])");
  EXPECT_EQ(Eval("$.i[?(@.missing nin ['a'])].k", doc), R"(["a","b","c",1])");
  EXPECT_EQ(Eval("$.i[?(@.missing in ['a'])].k", doc), "[]");
  EXPECT_EQ(Eval("$.i[?(@.k in [])].k", doc), "[]");
  EXPECT_EQ(Eval("$.i[?(@.k in $.i[*].k)].k", doc), R"(["a","b","c",1])");
  EXPECT_EQ(Eval("$.i[?(@.t contains 'x')].k", doc), R"(["a",1])");
  EXPECT_EQ(Eval("$.i[?(@.t size 1)].k", doc), R"(["c"])");
  EXPECT_EQ(Eval("$.i[?(@.s size 5)].k", doc), R"(["a","c"])");
  EXPECT_EQ(Eval("$.i[?(@.t empty true)].k", doc), R"(["b"])");
  EXPECT_EQ(Eval("$.i[?(@.t subsetof ['x','y','z'])].k", doc), R"(["a","b","c"])");
  EXPECT_EQ(Eval("$.i[?(@.t anyof ['y','q'])].k", doc), R"(["a"])");
  EXPECT_EQ(Eval("$.i[?(@.t noneof ['y','q'])].k", doc), R"(["b","c"])");
}

TEST(JsonPathEvalTest, NestedFiltersAndIndefiniteOperands) {
  json::value doc = Json(R"({"o": [{"id": 1, "l": [{"q": 1}, {"q": 5}]},
                                   {"id": 2, "l": [{"q": 2}]}]})");
  EXPECT_EQ(Eval("$.o[?(@.l[?(@.q > 4)])].id", doc), "[1]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q)].id", doc), "[1,2]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].z)].id", doc), "[]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q == [2])].id", doc), "[2]");
  EXPECT_EQ(Eval("$.o[?(@.l[*].q contains 5)].id", doc), "[1]");
  EXPECT_EQ(Eval("$.o[?($.o[0].id == @.id)].id", doc), "[1]");
}

TEST(JsonPathEvalTest, FilterStringEscapes) {
  json::value doc = Json(R"({"a": [{"s": "it's"}, {"s": "tab\there"}, {"s": "é"},
                     {"s": "x)]"}]})");
  EXPECT_EQ(Eval("$.a[?(@.s == 'it\\'s')].s", doc), R"(["it's"])");
  EXPECT_EQ(Eval("$.a[?(@.s == \"it's\")].s", doc), R"(["it's"])");
  EXPECT_EQ(Eval("$.a[?(@.s == 'tab\\there')].s", doc), R"(["tab\there"])");
  EXPECT_EQ(Eval("$.a[?(@.s == '\\u00e9')].s", doc), R"(["é"])");
  EXPECT_EQ(Eval("$.a[?(@.s == 'x)]')].s", doc), R"(["x)]"])");
}

// ----- Recorded AWS cases

TEST(JsonPathEvalTest, RecordedAwsCases) {
  json::value items;
  items.emplace_object()["items"] = json::array();
  for (int i = 0; i <= 10; ++i) {
    json::object item;
    item["item_key"] = i;
    items.as_object()["items"].as_array().push_back(std::move(item));
  }
  EXPECT_EQ(Eval("$.items[10]", items), R"({"item_key":10})");
  json::value empty = Json("{}");
  for (const char* path : {"$.items[1:].itemValue", "$.item.items[1:5]", "$.items[:1]",
                           "$.item.items[*]", "$.items[*].itemValue", "$.item.items[1:]"}) {
    EXPECT_EQ(Eval(path, empty), "[]") << path;
  }
  EXPECT_EQ(Eval("$.no.such.path", empty), "<none>");
}

// ----- Select

TEST_F(JsonPathTest, SelectBorrowsNodes) {
  std::vector<const json::value*> out;
  Path("$.store.book[*].price").Select(store_, &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], &store_.at("store").at("book").at(0).at("price"));
  out.clear();
  Path("$").Select(store_, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], &store_);
  out.clear();
  Path("$.nope").Select(store_, &out);
  EXPECT_TRUE(out.empty());
  // Select appends.
  Path("$.expensive").Select(store_, &out);
  Path("$.expensive").Select(store_, &out);
  EXPECT_EQ(out.size(), 2u);
}

// ----- Evaluate(PathScope)

TEST(JsonPathScopeTest, PicksTheRoot) {
  json::value input = Json(R"({"a": "in"})");
  json::value context = Json(R"({"Execution": {"Id": "arn:x"}, "a": "ctx"})");
  json::object vars = Json(R"({"myVar": {"field": [10, 20]}, "n": null})").as_object();
  PathScope scope{&input, &context, &vars};

  auto eval = [&](std::string_view path) {
    std::optional<json::value> v = Path(path).Evaluate(scope);
    return v ? common::SerializeJson(*v) : "<none>";
  };
  EXPECT_EQ(eval("$.a"), "\"in\"");
  EXPECT_EQ(eval("$"), R"({"a":"in"})");
  EXPECT_EQ(eval("$$.a"), "\"ctx\"");
  EXPECT_EQ(eval("$$.Execution.Id"), "\"arn:x\"");
  EXPECT_EQ(eval("$$.Execution.Input.no_such_jsonpath"), "<none>");
  EXPECT_EQ(eval("$myVar.field[1]"), "20");
  EXPECT_EQ(eval("$myVar"), R"({"field":[10,20]})");
  EXPECT_EQ(eval("$myVar.field[*]"), "[10,20]");
  EXPECT_EQ(eval("$n"), "null");
  EXPECT_EQ(eval("$noSuchVar"), "<none>");
  EXPECT_EQ(eval("$noSuchVar.noSuchMember"), "<none>");
  EXPECT_EQ(eval("$noSuchVar[*]"), "<none>");  // missing root, even for indefinite paths

  PathScope empty;
  EXPECT_EQ(Path("$.a").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$$.a").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$v").Evaluate(empty), std::nullopt);
  EXPECT_EQ(Path("$[*]").Evaluate(empty), std::nullopt);
}

// ----- NormalizedText

TEST(JsonPathNormalizedTest, JaywayForm) {
  EXPECT_EQ(Path("$").NormalizedText(), "$");
  EXPECT_EQ(Path("$.a.b[0]").NormalizedText(), "$['a']['b'][0]");
  EXPECT_EQ(Path("$.NoSuchInputPath").NormalizedText(), "$['NoSuchInputPath']");
  EXPECT_EQ(Path("$[\"a\"][-1]").NormalizedText(), "$['a'][-1]");
  EXPECT_EQ(Path("$.a[*].b").NormalizedText(), "$['a'][*]['b']");
  EXPECT_EQ(Path("$.*").NormalizedText(), "$[*]");
  EXPECT_EQ(Path("$..name").NormalizedText(), "$..['name']");
  EXPECT_EQ(Path("$..*").NormalizedText(), "$..[*]");
  EXPECT_EQ(Path("$..[0]").NormalizedText(), "$..[0]");
  EXPECT_EQ(Path("$.a[0,2]").NormalizedText(), "$['a'][0,2]");
  EXPECT_EQ(Path("$[ 'a' , 'b' ]").NormalizedText(), "$['a','b']");
  EXPECT_EQ(Path("$.a[1:3]").NormalizedText(), "$['a'][1:3]");
  EXPECT_EQ(Path("$.a[:2]").NormalizedText(), "$['a'][:2]");
  EXPECT_EQ(Path("$.a[-2:]").NormalizedText(), "$['a'][-2:]");
  EXPECT_EQ(Path("$.a[::2]").NormalizedText(), "$['a'][::2]");
  EXPECT_EQ(Path("$.a[?(@.b < 1)].c").NormalizedText(), "$['a'][?]['c']");
  EXPECT_EQ(Path("$$.Execution.Input.x").NormalizedText(), "$['Execution']['Input']['x']");
  EXPECT_EQ(Path("$myVar.x[0]").NormalizedText(), "$myVar['x'][0]");
}

// ----- Assign

using common::Status;

std::string AssignResult(std::string_view doc_text, std::string_view path, std::string_view v) {
  json::value doc = Json(doc_text);
  Status s = Path(path).Assign(&doc, Json(v));
  if (!s.ok()) return "error: " + s.message() + " | doc: " + common::SerializeJson(doc);
  return common::SerializeJson(doc);
}

TEST(JsonPathAssignTest, StoresValues) {
  EXPECT_EQ(AssignResult(R"({"a":1})", "$", R"({"r":2})"), R"({"r":2})");
  EXPECT_EQ(AssignResult(R"("scalar")", "$", "[1]"), "[1]");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$.b", "2"), R"({"a":1,"b":2})");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$.a", "[3]"), R"({"a":[3]})");
  EXPECT_EQ(AssignResult(R"({"a":1})", "$['a b']", "3"), R"({"a":1,"a b":3})");
  EXPECT_EQ(AssignResult(R"({"a":{"x":1}})", "$.a.y", "2"), R"({"a":{"x":1,"y":2}})");
  EXPECT_EQ(AssignResult(R"({"a":[1,{"b":2}]})", "$.a[1].c", "3"), R"({"a":[1,{"b":2,"c":3}]})");
  EXPECT_EQ(AssignResult(R"({"a":[1,2]})", "$.a[1]", "\"x\""), R"({"a":[1,"x"]})");
  EXPECT_EQ(AssignResult("[1,2]", "$[0]", "9"), "[9,2]");
}

TEST(JsonPathAssignTest, CreatesMissingIntermediateObjects) {
  EXPECT_EQ(AssignResult("{}", "$.a.b.c", "1"), R"({"a":{"b":{"c":1}}})");
  EXPECT_EQ(AssignResult(R"({"a":{}})", "$.a.b.c", "1"), R"({"a":{"b":{"c":1}}})");
  EXPECT_EQ(AssignResult(R"({"r":{"x":1}})", "$.r.merged", R"({"y":2})"),
            R"({"r":{"x":1,"merged":{"y":2}}})");
}

TEST(JsonPathAssignTest, FailsWithoutTouchingTheDocument) {
  EXPECT_EQ(AssignResult(R"({"a":"str"})", "$.a.b", "1"),
            "error: cannot assign to path '$.a.b': '$['a']' is a string, not an object | doc: "
            R"({"a":"str"})");
  EXPECT_EQ(AssignResult(R"({"a":null})", "$.a.b", "1"),
            "error: cannot assign to path '$.a.b': '$['a']' is null, not an object | doc: "
            R"({"a":null})");
  EXPECT_EQ(AssignResult("[1]", "$.x", "1"),
            "error: cannot assign to path '$.x': '$' is an array, not an object | doc: [1]");
  EXPECT_EQ(AssignResult("\"s\"", "$.x", "1"),
            "error: cannot assign to path '$.x': '$' is a string, not an object | doc: \"s\"");
  EXPECT_EQ(AssignResult(R"({"a":[1]})", "$.a[1]", "1"),
            "error: cannot assign to path '$.a[1]': '$['a']' is an array without index 1 | doc: "
            R"({"a":[1]})");
  EXPECT_EQ(AssignResult(R"({"a":{}})", "$.a[0]", "1"),
            "error: cannot assign to path '$.a[0]': '$['a']' is an object, not an array | doc: "
            R"({"a":{}})");
  EXPECT_EQ(AssignResult(R"({})", "$.a.b[0]", "1"),
            "error: cannot assign to path '$.a.b[0]': '$['a']' does not exist | doc: {}");
  EXPECT_EQ(AssignResult(R"({"x":{"y":1}})", "$.x.y.z", "1"),
            "error: cannot assign to path '$.x.y.z': '$['x']['y']' is a number, not an object | "
            R"(doc: {"x":{"y":1}})");
}

}  // namespace
}  // namespace tactus::asl
