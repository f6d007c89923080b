// $in with a long list: the sorted, binary-searched path against the linear one, on random
// values of mixed types (numbers of every type that compare equal, strings, symbols, null,
// undefined, NaN, arrays, nested documents, MinKey/MaxKey, ...).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "docdb/query/match_nodes.h"
#include "docdb/query/matcher_test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::J;
using testing::M;

void AppendDecimal(bson_t* doc, const char* key, const char* text) {
  bson_decimal128_t dec;
  ASSERT_TRUE(bson_decimal128_from_string(text, &dec));
  BSON_APPEND_DECIMAL128(doc, key, &dec);
}

// Appends one random value under `key`; small domains so that equal values are frequent.
void AppendRandom(bson_t* doc, const char* key, std::mt19937& rng, int depth = 0) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  static const char* const kStrings[] = {"", "a", "b", "ab", "a\xC3\xA9", "1"};
  static const char* const kDecimals[] = {"1", "1.00", "2", "-0", "0.5", "NaN", "Infinity"};
  static const double kDoubles[] = {1.0, 2.0, 0.5, -0.0, 0.0, 3.0};
  int kind = pick(depth >= 2 ? 15 : 18);
  switch (kind) {
    case 0:
      BSON_APPEND_INT32(doc, key, pick(4));
      break;
    case 1:
      BSON_APPEND_INT64(doc, key, pick(4));
      break;
    case 2:
      BSON_APPEND_DOUBLE(doc, key, kDoubles[pick(6)]);
      break;
    case 3:
      AppendDecimal(doc, key, kDecimals[pick(7)]);
      break;
    case 4:
      BSON_APPEND_DOUBLE(doc, key,
                         pick(2) ? std::numeric_limits<double>::quiet_NaN()
                                 : -std::numeric_limits<double>::infinity());
      break;
    case 5: {
      const char* s = kStrings[pick(6)];  // not in the macro: it evaluates its argument twice
      BSON_APPEND_UTF8(doc, key, s);
      break;
    }
    case 6: {
      const char* s = kStrings[pick(6)];
      BSON_APPEND_SYMBOL(doc, key, s);
      break;
    }
    case 7:
      BSON_APPEND_NULL(doc, key);
      break;
    case 8:
      BSON_APPEND_UNDEFINED(doc, key);
      break;
    case 9:
      BSON_APPEND_BOOL(doc, key, pick(2));
      break;
    case 10:
      BSON_APPEND_DATE_TIME(doc, key, pick(3));
      break;
    case 11: {
      bson_oid_t oid;
      std::uint8_t bytes[12] = {};
      bytes[11] = static_cast<std::uint8_t>(pick(3));
      bson_oid_init_from_data(&oid, bytes);
      BSON_APPEND_OID(doc, key, &oid);
      break;
    }
    case 12:
      pick(2) ? BSON_APPEND_MINKEY(doc, key) : BSON_APPEND_MAXKEY(doc, key);
      break;
    case 13:
      BSON_APPEND_TIMESTAMP(doc, key, 1, static_cast<std::uint32_t>(pick(2)));
      break;
    case 14:
      BSON_APPEND_INT32(doc, key, -pick(3));
      break;
    case 15:
    case 16: {  // array of 0..3 values
      bson_t sub;
      BSON_APPEND_ARRAY_BEGIN(doc, key, &sub);
      int n = pick(4);
      for (int i = 0; i < n; ++i) AppendRandom(&sub, std::to_string(i).c_str(), rng, depth + 1);
      bson_append_array_end(doc, &sub);
      break;
    }
    default: {  // document of 0..2 fields
      static const char* const kNames[] = {"x", "y"};
      bson_t sub;
      BSON_APPEND_DOCUMENT_BEGIN(doc, key, &sub);
      int n = pick(3);
      for (int i = 0; i < n; ++i) AppendRandom(&sub, kNames[pick(2)], rng, depth + 1);
      bson_append_document_end(doc, &sub);
      break;
    }
  }
}

std::vector<bson_value_t> ValuesOf(const bson_t* array) {
  std::vector<bson_value_t> out;
  bson_iter_t it;
  bson_iter_init(&it, array);
  while (bson_iter_next(&it)) out.push_back(*bson_iter_value(&it));
  return out;
}

TEST(MatcherInTest, SortedPathAgreesWithLinearPath) {
  std::mt19937 rng(20261127);
  for (int trial = 0; trial < 300; ++trial) {
    BsonPtr list = NewBson(), probes = NewBson();
    int n = 17 + static_cast<int>(rng() % 48);
    for (int i = 0; i < n; ++i) AppendRandom(list.get(), std::to_string(i).c_str(), rng);
    for (int i = 0; i < 200; ++i) AppendRandom(probes.get(), std::to_string(i).c_str(), rng);
    std::vector<bson_value_t> values = ValuesOf(list.get());
    std::vector<bson_value_t> probe_values = ValuesOf(probes.get());
    probe_values.insert(probe_values.end(), values.begin(), values.end());  // certain hits
    bson_value_t missing{};
    missing.value_type = BSON_TYPE_EOD;
    probe_values.push_back(missing);

    auto linear = internal::MakeInTest(values, {}, std::numeric_limits<std::size_t>::max());
    auto sorted = internal::MakeInTest(values, {}, 0);
    for (const bson_value_t& probe : probe_values) {
      internal::MatchContext ctx;
      std::int32_t position = -1;
      bool expected = linear->Test(probe, &ctx, &position);
      bool got = sorted->Test(probe, &ctx, &position);
      if (expected != got) {
        BsonPtr shown = NewBson();
        if (probe.value_type != BSON_TYPE_EOD) bson_append_value(shown.get(), "probe", -1, &probe);
        ADD_FAILURE() << "trial " << trial << ": list " << ToJson(list.get()) << " probe "
                      << ToJson(shown.get()) << " linear " << expected << " sorted " << got;
        return;
      }
    }
  }
}

// Through the whole matcher (arrays searched element by element, then whole; missing fields):
// {a: {$in: long list}} against the $or of one-value $ins (each on the linear path).
TEST(MatcherInTest, LongListMatchesLikeOrOfSingleValues) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 100; ++trial) {
    BsonPtr filter = NewBson(), oracle = NewBson();
    bson_t a, in, ors;
    BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "a", &a);
    BSON_APPEND_ARRAY_BEGIN(&a, "$in", &in);
    int n = 17 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) AppendRandom(&in, std::to_string(i).c_str(), rng);
    bson_append_array_end(&a, &in);
    bson_append_document_end(filter.get(), &a);
    std::vector<bson_value_t> values = ValuesOf(&in);

    BSON_APPEND_ARRAY_BEGIN(oracle.get(), "$or", &ors);
    for (std::size_t i = 0; i < values.size(); ++i) {
      bson_t clause, field, one;
      BSON_APPEND_DOCUMENT_BEGIN(&ors, std::to_string(i).c_str(), &clause);
      BSON_APPEND_DOCUMENT_BEGIN(&clause, "a", &field);
      BSON_APPEND_ARRAY_BEGIN(&field, "$in", &one);
      bson_append_value(&one, "0", 1, &values[i]);
      bson_append_array_end(&field, &one);
      bson_append_document_end(&clause, &field);
      bson_append_document_end(&ors, &clause);
    }
    bson_append_array_end(oracle.get(), &ors);

    auto long_list = Matcher::Compile(filter.get());
    auto single_values = Matcher::Compile(oracle.get());
    ASSERT_TRUE(long_list.ok() && single_values.ok());
    for (int d = 0; d < 100; ++d) {
      BsonPtr doc = NewBson();
      BSON_APPEND_INT32(doc.get(), "_id", d);
      if (d % 10 != 0) AppendRandom(doc.get(), "a", rng);  // every tenth lacks `a`
      auto expected = single_values.value().Matches(doc.get());
      auto got = long_list.value().Matches(doc.get());
      ASSERT_TRUE(expected.ok() && got.ok());
      ASSERT_EQ(expected.value(), got.value())
          << "filter " << ToJson(filter.get()) << " doc " << ToJson(doc.get());
    }
  }
}

TEST(MatcherInTest, LongListSemantics) {
  std::string many;
  for (int i = 100; i < 140; ++i) many += std::to_string(i) + ", ";
  auto in = [&](const std::string& extra) { return R"({"a": {"$in": [)" + many + extra + "]}}"; };
  // Numbers of different types that compare equal.
  EXPECT_TRUE(M(in("1").c_str(), R"({"a": 1.0})"));
  EXPECT_TRUE(M(in("1").c_str(), R"({"a": {"$numberLong": "1"}})"));
  EXPECT_TRUE(M(in("1").c_str(), R"({"a": {"$numberDecimal": "1.000"}})"));
  EXPECT_TRUE(M(in("1.0").c_str(), R"({"a": 1})"));
  EXPECT_FALSE(M(in("1").c_str(), R"({"a": "1"})"));
  EXPECT_TRUE(M(in("\"x\"").c_str(), R"({"a": "x"})"));
  EXPECT_TRUE(M(in("\"x\"").c_str(), R"({"a": {"$symbol": "x"}})"));
  // null matches null, undefined and a missing field; not an empty array.
  EXPECT_TRUE(M(in("null").c_str(), R"({"a": null})"));
  EXPECT_TRUE(M(in("null").c_str(), R"({"a": {"$undefined": true}})"));
  EXPECT_TRUE(M(in("null").c_str(), R"({"b": 1})"));
  EXPECT_FALSE(M(in("2").c_str(), R"({"b": 1})"));
  EXPECT_FALSE(M(in("null").c_str(), R"({"a": []})"));
  EXPECT_TRUE(M(in("null").c_str(), R"({"a": [1, null]})"));
  // An array field matches when an element, or the array itself, is in the list.
  EXPECT_TRUE(M(in("2").c_str(), R"({"a": [7, 2]})"));
  EXPECT_FALSE(M(in("2").c_str(), R"({"a": [7, 3]})"));
  EXPECT_TRUE(M(in("[7, 3]").c_str(), R"({"a": [7, 3]})"));
  EXPECT_TRUE(M(in("[7, 3]").c_str(), R"({"a": [[7, 3], 9]})"));
  EXPECT_FALSE(M(in("[7, 3]").c_str(), R"({"a": [3, 7]})"));
  EXPECT_TRUE(M(in("[]").c_str(), R"({"a": []})"));
  // Documents compare field by field, in order.
  EXPECT_TRUE(M(in(R"({"x": 1, "y": 2})").c_str(), R"({"a": {"x": 1.0, "y": 2}})"));
  EXPECT_FALSE(M(in(R"({"x": 1, "y": 2})").c_str(), R"({"a": {"y": 2, "x": 1}})"));
  // Dotted paths through arrays of documents.
  std::string dotted = R"({"a.b": {"$in": [)" + many + R"(5]}})";
  EXPECT_TRUE(M(dotted.c_str(), R"({"a": [{"b": 1}, {"b": 5}]})"));
  // NaN equals only NaN.
  EXPECT_TRUE(M(in(R"({"$numberDouble": "NaN"})").c_str(), R"({"a": {"$numberDouble": "NaN"}})"));
  EXPECT_FALSE(M(in("5").c_str(), R"({"a": {"$numberDouble": "NaN"}})"));
  // Regexes alongside a long list.
  EXPECT_TRUE(M(in(R"({"$regularExpression": {"pattern": "^q", "options": ""}})").c_str(),
                R"({"a": "quux"})"));
  EXPECT_FALSE(M(in(R"({"$regularExpression": {"pattern": "^q", "options": ""}})").c_str(),
                 R"({"a": "z"})"));
  // Duplicates in the list.
  EXPECT_TRUE(M(in("105, 105, 105.0").c_str(), R"({"a": 105})"));
}

}  // namespace
}  // namespace tactus::docdb::query
