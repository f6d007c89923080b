// Table tests of the expression language: testdata/expr_cases.txt holds one case per line,
//   <expression> ;; <document> ;; <expected value>      or      ... ;; !<error code>
// in relaxed Extended JSON; the result must have the expected type and value (canonical
// Extended JSON equality). $$NOW is 2023-11-14T22:13:20Z (1700000000000 ms).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "docdb/query/expr.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

constexpr std::int64_t kNow = 1700000000000;

std::string Canonical(const bson_t* doc) {
  char* s = bson_as_canonical_extended_json(doc, nullptr);
  std::string out = s ? s : "";
  bson_free(s);
  return out;
}

std::string Trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

TEST(ExprCasesTest, Table) {
  std::ifstream in(TACTUS_EXPR_CASES);
  ASSERT_TRUE(in) << "cannot open " << TACTUS_EXPR_CASES;
  std::string line;
  int line_no = 0, cases = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    auto a = line.find(";;");
    auto b = line.find(";;", a + 2);
    ASSERT_NE(b, std::string::npos) << "line " << line_no << ": needs three fields";
    std::string expr_text = Trim(line.substr(0, a));
    std::string doc_text = Trim(line.substr(a + 2, b - a - 2));
    std::string expected = Trim(line.substr(b + 2));
    ++cases;
    SCOPED_TRACE("line " + std::to_string(line_no) + ": " + expr_text);
    auto holder = testing::J("{\"e\": " + expr_text + "}");
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, holder.get(), "e"));
    ExprScope scope(kNow);
    auto parsed = Expression::Parse(*bson_iter_value(&it), scope);
    DbResult<Value> result = MakeError(0, "");
    auto doc = testing::J(doc_text);
    EvalContext ctx(scope.slot_count(), kNow);
    ctx.SetRoot(doc.get());
    if (parsed.ok())
      result = parsed.value().Evaluate(ctx);
    else
      result = parsed.error();
    if (expected[0] == '!') {
      ASSERT_FALSE(result.ok()) << "expected error " << expected;
      EXPECT_EQ(std::to_string(result.error().code), expected.substr(1)) << result.error().message;
      continue;
    }
    ASSERT_TRUE(result.ok()) << result.error().code << " " << result.error().message;
    auto want = testing::J("{\"r\": " + expected + "}");
    BsonPtr got = NewBson();
    if (expected == "\"<missing>\"") {
      EXPECT_TRUE(result.value().missing()) << "got a value, expected missing";
      continue;
    }
    AppendValue(got.get(), "r", result.value().v);
    EXPECT_EQ(Canonical(got.get()), Canonical(want.get()));
  }
  EXPECT_GT(cases, 100);
}

}  // namespace
}  // namespace tactus::docdb::query
