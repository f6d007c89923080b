#include "docdb/wire/bson_check.h"

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "docdb/wire/byte_order.h"

namespace tactus::docdb::wire {
namespace {

std::string Check(const std::vector<std::uint8_t>& bytes, int depth = 200) {
  return CheckWireBson(bytes.data(), bytes.size(), depth);
}

std::vector<std::uint8_t> ToBytes(const bson_t* b) {
  const std::uint8_t* data = bson_get_data(b);
  return {data, data + b->len};
}

// {a: {a: {... {} ...}}} with `depth` documents in all, built in linear time.
std::vector<std::uint8_t> Nested(int depth) {
  std::vector<std::uint8_t> doc;
  doc.reserve(static_cast<std::size_t>(depth) * 8);
  for (int i = 0; i < depth - 1; ++i) {
    const std::uint32_t len = 5 + 8 * static_cast<std::uint32_t>(depth - 1 - i);
    doc.insert(doc.end(), {0, 0, 0, 0, BSON_TYPE_DOCUMENT, 'a', 0});
    StoreLe32(doc.data() + doc.size() - 7, len);
  }
  doc.insert(doc.end(), {5, 0, 0, 0, 0});
  doc.insert(doc.end(), static_cast<std::size_t>(depth - 1), 0);
  return doc;
}

TEST(BsonCheckTest, AcceptsEveryType) {
  bson_t* b = BCON_NEW("d", BCON_DOUBLE(1.5), "s", BCON_UTF8("x"), "o", "{", "k", BCON_INT32(1),
                       "}", "a", "[", BCON_INT64(2), BCON_BOOL(true), BCON_NULL, "]", "bin",
                       BCON_BIN(BSON_SUBTYPE_BINARY, (const std::uint8_t*)"ab", 2), "u",
                       BCON_UNDEFINED, "dt", BCON_DATE_TIME(1), "re", BCON_REGEX("a.*", "i"), "ts",
                       BCON_TIMESTAMP(1, 2), "min", BCON_MINKEY, "max", BCON_MAXKEY, "c",
                       BCON_CODE("f()"), "sym", BCON_SYMBOL("y"));
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  BSON_APPEND_OID(b, "id", &oid);
  bson_decimal128_t dec;
  bson_decimal128_from_string("1.5", &dec);
  BSON_APPEND_DECIMAL128(b, "dec", &dec);
  bson_t* scope = BCON_NEW("x", "{", "y", BCON_INT32(1), "}");
  BSON_APPEND_CODE_WITH_SCOPE(b, "cws", "f(x)", scope);
  BSON_APPEND_DBPOINTER(b, "ptr", "db.c", &oid);
  EXPECT_EQ(Check(ToBytes(b)), "");
  bson_destroy(scope);
  bson_destroy(b);
}

TEST(BsonCheckTest, DepthLimit) {
  EXPECT_EQ(Check(Nested(200)), "");
  EXPECT_NE(Check(Nested(201)), "");
  EXPECT_NE(Check(Nested(3), 2), "");
}

TEST(BsonCheckTest, NestingAloneChecksDepthAndStructureButNotUtf8) {
  const std::vector<std::uint8_t> deep = Nested(101);
  EXPECT_EQ(CheckBsonNesting(deep.data(), deep.size(), 101), "");
  EXPECT_EQ(CheckBsonNesting(deep.data(), deep.size(), 100), "nesting deeper than allowed");
  std::vector<std::uint8_t> truncated = Nested(3);
  truncated.pop_back();
  EXPECT_NE(CheckBsonNesting(truncated.data(), truncated.size(), 100), "");
  // What only CheckWireBson checks (a field name that is not UTF-8) is left to it.
  bson_t* b = BCON_NEW("ok", BCON_INT32(1));
  std::vector<std::uint8_t> bytes = ToBytes(b);
  bson_destroy(b);
  bytes[6] = 0xFF;  // the field name "o\xFF"
  EXPECT_EQ(CheckBsonNesting(bytes.data(), bytes.size(), 100), "");
  EXPECT_NE(Check(bytes), "");
}

// Bytes of a document whose elements are `elements` (type, name, value already encoded).
std::vector<std::uint8_t> Doc(const std::vector<std::uint8_t>& elements) {
  std::vector<std::uint8_t> doc(4);
  doc.insert(doc.end(), elements.begin(), elements.end());
  doc.push_back(0);
  StoreLe32(doc.data(), static_cast<std::uint32_t>(doc.size()));
  return doc;
}

TEST(BsonCheckTest, ValuesAsLibbsonChecksThem) {
  // A boolean is 0 or 1.
  EXPECT_EQ(Check(Doc({BSON_TYPE_BOOL, 'b', 0, 1})), "");
  EXPECT_EQ(Check(Doc({BSON_TYPE_BOOL, 'b', 0, 2})),
            "boolean is neither 0 nor 1 (the element at byte 4)");
  // Old binary (subtype 2) repeats its length: 7 bytes = an int32 3, then 3 bytes.
  EXPECT_EQ(Check(Doc({BSON_TYPE_BINARY, 'b', 0, 7, 0, 0, 0, 2, 3, 0, 0, 0, 'a', 'b', 'c'})), "");
  EXPECT_NE(Check(Doc({BSON_TYPE_BINARY, 'b', 0, 7, 0, 0, 0, 2, 9, 0, 0, 0, 'a', 'b', 'c'})), "");
  EXPECT_NE(Check(Doc({BSON_TYPE_BINARY, 'b', 0, 2, 0, 0, 0, 2, 'a', 'b'})), "");
  // Field names are UTF-8, at any depth; multi-byte names pass.
  EXPECT_EQ(Check(Doc({BSON_TYPE_NULL, 0xC3, 0xA9, 0})), "");
  EXPECT_EQ(Check(Doc({BSON_TYPE_NULL, 0xC3, 0})), "field name at byte 5 is not valid UTF-8");
  EXPECT_NE(Check(Doc({BSON_TYPE_DOCUMENT, 'o', 0, 8, 0, 0, 0, BSON_TYPE_NULL, 0xFF, 0, 0})), "");
}

TEST(BsonCheckTest, StringValuesNeedNotBeUtf8) {
  // As in MongoDB and in libbson's bson_validate without BSON_VALIDATE_UTF8.
  EXPECT_EQ(Check(Doc({BSON_TYPE_UTF8, 's', 0, 3, 0, 0, 0, 0xFF, 0xFE, 0})), "");
  EXPECT_EQ(Check(Doc({BSON_TYPE_UTF8, 's', 0, 3, 0, 0, 0, 'a', 0, 0})), "");  // a NUL inside
  // libbson 1.23's bson_validate stops at such a string and accepts the rest unchecked; the
  // field names after it are still checked here.
  EXPECT_NE(Check(Doc({BSON_TYPE_UTF8, 's', 0, 2, 0, 0, 0, 0xFE, 0, BSON_TYPE_NULL, 0xFF, 0})), "");
}

TEST(BsonCheckTest, VeryDeepNestingDoesNotRecurse) {
  EXPECT_EQ(Check(Nested(1000000)), "nesting deeper than allowed");
}

TEST(BsonCheckTest, RejectsBadStructure) {
  EXPECT_NE(Check({}), "");
  EXPECT_NE(Check({5, 0, 0, 0}), "");
  EXPECT_NE(Check({5, 0, 0, 0, 1}), "");                // no terminator
  EXPECT_NE(Check({6, 0, 0, 0, 0, 0}), "");             // trailing byte inside
  EXPECT_NE(Check({4, 0, 0, 0, 0}), "");                // length mismatch
  EXPECT_NE(Check({8, 0, 0, 0, 0x42, 'a', 0, 0}), "");  // unknown type
  // int32 field cut short.
  EXPECT_NE(Check({10, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0}), "");
  // String whose length runs past the document.
  EXPECT_NE(Check({14, 0, 0, 0, 0x02, 'a', 0, 100, 0, 0, 0, 'x', 0, 0}), "");
  // Nested document longer than its parent.
  EXPECT_NE(Check({13, 0, 0, 0, 0x03, 'a', 0, 50, 0, 0, 0, 0, 0}), "");
  // Unterminated key.
  EXPECT_NE(Check({7, 0, 0, 0, 0x0A, 'a', 'b'}), "");
}

TEST(BsonCheckTest, EveryTruncationIsRejected) {
  bson_t* b = BCON_NEW("s", BCON_UTF8("hello"), "o", "{", "k", "[", BCON_INT32(1), "]", "}");
  std::vector<std::uint8_t> bytes = ToBytes(b);
  bson_destroy(b);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + n);
    if (cut.size() >= 4) StoreLe32(cut.data(), static_cast<std::uint32_t>(n));
    EXPECT_NE(Check(cut), "") << n;
  }
}

}  // namespace
}  // namespace tactus::docdb::wire
