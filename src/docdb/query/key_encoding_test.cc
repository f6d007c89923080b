#include "docdb/query/key_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "docdb/query/compare.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::query {
namespace {

using testing::V;

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

int ByteOrder(const std::string& a, const std::string& b) { return Sign(a.compare(b)); }

TEST(KeyEncodingTest, EqualNumbersEncodeIdentically) {
  std::string one = EncodeKeyValue(V("1").value);
  EXPECT_EQ(EncodeKeyValue(V(R"({"$numberLong": "1"})").value), one);
  EXPECT_EQ(EncodeKeyValue(V("1.0").value), one);
  EXPECT_EQ(EncodeKeyValue(V(R"({"$numberDecimal": "1.00"})").value), one);
  EXPECT_EQ(EncodeKeyValue(V("-0.0").value), EncodeKeyValue(V("0").value));
  EXPECT_EQ(EncodeKeyValue(V(R"({"$numberDecimal": "-0E+5"})").value),
            EncodeKeyValue(V("0").value));
  EXPECT_EQ(static_cast<std::uint8_t>(one[0]), kKeyClassNumber);
}

// Integers take their digits straight from the binary value; decimals go through their text:
// the two agree on every integer (trailing zeros, both extremes, random values).
TEST(KeyEncodingTest, IntegersEncodeAsTheirDecimalText) {
  std::vector<std::int64_t> values = {0,
                                      1,
                                      -1,
                                      9,
                                      10,
                                      -10,
                                      100,
                                      120,
                                      1000000,
                                      -100200,
                                      7003,
                                      1LL << 40,
                                      std::numeric_limits<std::int64_t>::max(),
                                      std::numeric_limits<std::int64_t>::min()};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t v = static_cast<std::int64_t>(rng());
    values.push_back(v >> (rng() % 64));
  }
  for (std::int64_t v : values) {
    bson_value_t as_int64{}, as_int32{}, as_decimal{};
    as_int64.value_type = BSON_TYPE_INT64;
    as_int64.value.v_int64 = v;
    as_decimal.value_type = BSON_TYPE_DECIMAL128;
    ASSERT_TRUE(
        bson_decimal128_from_string(std::to_string(v).c_str(), &as_decimal.value.v_decimal128));
    EXPECT_EQ(EncodeKeyValue(as_int64), EncodeKeyValue(as_decimal)) << v;
    if (v >= std::numeric_limits<std::int32_t>::min() &&
        v <= std::numeric_limits<std::int32_t>::max()) {
      as_int32.value_type = BSON_TYPE_INT32;
      as_int32.value.v_int32 = static_cast<std::int32_t>(v);
      EXPECT_EQ(EncodeKeyValue(as_int32), EncodeKeyValue(as_int64)) << v;
    }
  }
}

TEST(KeyEncodingTest, ClassBytesMatchTheSpec) {
  EXPECT_EQ(EncodeKeyValue(V(R"({"$minKey": 1})").value), std::string("\x01", 1));
  EXPECT_EQ(EncodeKeyValue(V("null").value), std::string("\x05", 1));
  EXPECT_EQ(EncodeKeyValue(V(R"({"$maxKey": 1})").value), std::string("\xF0", 1));
  EXPECT_EQ(EncodeKeyValue(V(R"("ab")").value), std::string("\x0F"
                                                            "ab\0\0",
                                                            5));
  bson_value_t missing{};
  missing.value_type = BSON_TYPE_EOD;
  EXPECT_EQ(EncodeKeyValue(missing), std::string("\x05", 1));
}

TEST(KeyEncodingTest, StringsWithNulBytesStayOrdered) {
  auto a = testing::J(R"({"v": "a"})");
  auto b = NewBson();
  bson_append_utf8(b.get(), "v", 1, "a\0", 2);
  auto c = NewBson();
  bson_append_utf8(c.get(), "v", 1, "a\x01", 2);
  bson_iter_t ia, ib, ic;
  bson_iter_init_find(&ia, a.get(), "v");
  bson_iter_init_find(&ib, b.get(), "v");
  bson_iter_init_find(&ic, c.get(), "v");
  std::string ka = EncodeKeyValue(IterValue(ia)), kb = EncodeKeyValue(IterValue(ib)),
              kc = EncodeKeyValue(IterValue(ic));
  EXPECT_LT(ka, kb);
  EXPECT_LT(kb, kc);
}

TEST(KeyEncodingTest, NanSortsBelowAllNumbers) {
  std::string nan = EncodeKeyValue(V(R"({"$numberDouble": "NaN"})").value);
  EXPECT_EQ(nan, EncodeKeyValue(V(R"({"$numberDecimal": "NaN"})").value));
  EXPECT_LT(nan, EncodeKeyValue(V(R"({"$numberDouble": "-Infinity"})").value));
  EXPECT_GT(nan, EncodeKeyValue(V("null").value));
}

TEST(KeyEncodingTest, DescendingComplementsEveryByte) {
  std::string asc = EncodeKeyValue(V(R"("x")").value, false);
  std::string desc = EncodeKeyValue(V(R"("x")").value, true);
  ASSERT_EQ(asc.size(), desc.size());
  for (std::size_t i = 0; i < asc.size(); ++i) EXPECT_EQ(static_cast<char>(~asc[i]), desc[i]);
  EXPECT_GT(EncodeKeyValue(V("1").value, true), EncodeKeyValue(V("2").value, true));
}

TEST(KeyEncodingTest, CompoundKeysConcatenate) {
  // ("a", 2) < ("ab", 1): prefix-free string encoding keeps the first field decisive.
  std::string k1, k2;
  AppendKeyValue(V(R"("a")").value, false, &k1);
  AppendKeyValue(V("2").value, false, &k1);
  AppendKeyValue(V(R"("ab")").value, false, &k2);
  AppendKeyValue(V("1").value, false, &k2);
  EXPECT_LT(k1, k2);
}

// Random BSON values with many edge cases, for the property test.
class ValueGenerator {
 public:
  explicit ValueGenerator(unsigned seed) : rng_(seed) {}

  void Append(bson_t* out, const char* key, int depth) {
    switch (Pick(depth < 3 ? 16 : 14)) {
      case 0:
        bson_append_int32(out, key, -1, static_cast<std::int32_t>(SmallInt()));
        break;
      case 1:
        bson_append_int64(out, key, -1, Int64());
        break;
      case 2:
      case 3:
        bson_append_double(out, key, -1, Double());
        break;
      case 4: {
        bson_decimal128_t dec;
        bson_decimal128_from_string(DecimalText().c_str(), &dec);
        bson_append_decimal128(out, key, -1, &dec);
        break;
      }
      case 5: {
        std::string s = String();
        bson_append_utf8(out, key, -1, s.data(), static_cast<int>(s.size()));
        break;
      }
      case 6:
        Pick(2) ? bson_append_null(out, key, -1) : bson_append_undefined(out, key, -1);
        break;
      case 7:
        bson_append_bool(out, key, -1, Pick(2) == 1);
        break;
      case 8:
        bson_append_date_time(out, key, -1, Int64());
        break;
      case 9: {
        std::uint8_t bytes[3] = {static_cast<std::uint8_t>(Pick(3)),
                                 static_cast<std::uint8_t>(Pick(3)),
                                 static_cast<std::uint8_t>(Pick(3))};
        bson_append_binary(out, key, -1, static_cast<bson_subtype_t>(Pick(2) * 4), bytes,
                           static_cast<std::uint32_t>(Pick(4)));
        break;
      }
      case 10: {
        bson_oid_t oid;
        std::memset(oid.bytes, 0, 12);
        oid.bytes[11] = static_cast<std::uint8_t>(Pick(4));
        oid.bytes[0] = static_cast<std::uint8_t>(Pick(2) * 200);
        bson_append_oid(out, key, -1, &oid);
        break;
      }
      case 11:
        bson_append_timestamp(out, key, -1, static_cast<std::uint32_t>(Pick(3)) * 0x80000000u,
                              static_cast<std::uint32_t>(Pick(3)));
        break;
      case 12: {
        const char* patterns[] = {"a", "ab", "b", ""};
        const char* options[] = {"", "i", "im"};
        bson_append_regex(out, key, -1, patterns[Pick(4)], options[Pick(3)]);
        break;
      }
      case 13:
        Pick(2) ? bson_append_minkey(out, key, -1) : bson_append_maxkey(out, key, -1);
        break;
      case 14: {
        bson_t sub;
        bson_append_document_begin(out, key, -1, &sub);
        const char* names[] = {"a", "b", "", "ab"};
        int n = Pick(3);
        for (int i = 0; i < n; ++i) Append(&sub, names[Pick(4)], depth + 1);
        bson_append_document_end(out, &sub);
        break;
      }
      default: {
        bson_t sub;
        bson_append_array_begin(out, key, -1, &sub);
        int n = Pick(3);
        for (int i = 0; i < n; ++i) Append(&sub, std::to_string(i).c_str(), depth + 1);
        bson_append_array_end(out, &sub);
        break;
      }
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::int64_t SmallInt() { return Pick(7) - 3; }
  std::int64_t Int64() {
    const std::int64_t edges[] = {0,
                                  1,
                                  -1,
                                  (std::int64_t{1} << 53) + 1,
                                  (std::int64_t{1} << 53),
                                  std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min(),
                                  1000000007};
    return Pick(2) ? SmallInt() : edges[Pick(8)];
  }
  double Double() {
    const double edges[] = {0.0,
                            -0.0,
                            0.5,
                            -0.5,
                            1.0,
                            0.1,
                            1e-300,
                            5e-324,
                            1e300,
                            9007199254740992.0,
                            9223372036854775808.0,
                            -9223372036854775808.0,
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::nan(""),
                            2.5,
                            -2.5,
                            123.456};
    return Pick(3) ? edges[Pick(18)] : static_cast<double>(SmallInt()) / (Pick(4) + 1);
  }
  std::string DecimalText() {
    const char* texts[] = {"0",
                           "-0",
                           "1",
                           "1.0",
                           "0.1",
                           "-1",
                           "2.5",
                           "NaN",
                           "-Inf",
                           "Infinity",
                           "1E+10",
                           "1E-5",
                           "9223372036854775807",
                           "1.00000000000000000000000000000001"};
    return texts[Pick(14)];
  }
  std::string String() {
    const char* strings[] = {"", "a", "ab", "b", "A", "\xC3\xA9"};
    std::string s = strings[Pick(6)];
    if (Pick(6) == 0) s.push_back('\0');
    if (Pick(6) == 0) s.push_back('\x01');
    return s;
  }

  std::mt19937 rng_;
};

TEST(KeyEncodingTest, PropertyMemcmpOrderEqualsCompareValues) {
  ValueGenerator gen(20240611);
  auto doc = NewBson();
  for (int i = 0; i < 600; ++i) gen.Append(doc.get(), std::to_string(i).c_str(), 0);
  std::vector<bson_value_t> values;
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, doc.get()));
  while (bson_iter_next(&it)) values.push_back(*bson_iter_value(&it));
  std::vector<std::string> asc, desc;
  for (const auto& v : values) {
    asc.push_back(EncodeKeyValue(v, false));
    desc.push_back(EncodeKeyValue(v, true));
  }
  int failures = 0;
  for (std::size_t i = 0; i < values.size() && failures < 10; ++i) {
    for (std::size_t j = 0; j < values.size() && failures < 10; ++j) {
      int expected = Sign(CompareValues(values[i], values[j]));
      if (ByteOrder(asc[i], asc[j]) != expected || ByteOrder(desc[i], desc[j]) != -expected) {
        ++failures;
        ADD_FAILURE() << "order mismatch: CompareValues=" << expected << " for #" << i << " vs #"
                      << j;
      }
      // Antisymmetry of the comparison itself.
      EXPECT_EQ(Sign(CompareValues(values[j], values[i])), -expected);
    }
  }
}

TEST(KeyEncodingTest, PropertyHoldsInsideCompoundKeys) {
  ValueGenerator gen(7);
  auto doc = NewBson();
  for (int i = 0; i < 200; ++i) gen.Append(doc.get(), std::to_string(i).c_str(), 1);
  std::vector<bson_value_t> values;
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, doc.get()));
  while (bson_iter_next(&it)) values.push_back(*bson_iter_value(&it));
  for (std::size_t i = 0; i + 3 < values.size(); i += 2) {
    std::string k1, k2;
    AppendKeyValue(values[i], false, &k1);
    AppendKeyValue(values[i + 1], true, &k1);
    AppendKeyValue(values[i + 2], false, &k2);
    AppendKeyValue(values[i + 3], true, &k2);
    int first = Sign(CompareValues(values[i], values[i + 2]));
    int expected = first != 0 ? first : -Sign(CompareValues(values[i + 1], values[i + 3]));
    EXPECT_EQ(ByteOrder(k1, k2), expected) << "pair " << i;
  }
}

}  // namespace
}  // namespace tactus::docdb::query
