// $set $unset $inc $mul $min $max $rename $setOnInsert $currentDate, field order, replacements
// and _id; examples from the MongoDB manual.
#include <gtest/gtest.h>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

constexpr const char* kProduct = R"({"_id": 100, "quantity": 250, "instock": true,
  "reorder": false, "details": {"model": "14QQ", "make": "Clothes Corp"},
  "tags": ["apparel", "clothing"], "ratings": [{"by": "Customer007", "rating": 4}]})";

TEST(UpdateSetTest, TopLevelFieldsUpdateInPlace) {
  EXPECT_EQ(Upd(kProduct, R"({"$set": {"quantity": 500, "details": {"model": "2600",
      "make": "Fashionaires"}, "tags": ["coats", "outerwear", "clothing"]}})"),
            Canon(R"({"_id": 100, "quantity": 500, "instock": true, "reorder": false,
      "details": {"model": "2600", "make": "Fashionaires"},
      "tags": ["coats", "outerwear", "clothing"], "ratings": [{"by": "Customer007", "rating": 4}]})"));
}

TEST(UpdateSetTest, EmbeddedFieldsAndArrayElements) {
  EXPECT_EQ(Upd(kProduct, R"({"$set": {"details.make": "Kustom Kidz", "tags.1": "rain gear",
      "ratings.0.rating": 2}})"),
            Canon(R"({"_id": 100, "quantity": 250, "instock": true, "reorder": false,
      "details": {"model": "14QQ", "make": "Kustom Kidz"}, "tags": ["apparel", "rain gear"],
      "ratings": [{"by": "Customer007", "rating": 2}]})"));
}

TEST(UpdateSetTest, NewFieldsAppendInLexicographicOrder) {
  EXPECT_EQ(Upd(R"({"_id": 1, "m": 1})", R"({"$set": {"z": 1, "b": 2}, "$inc": {"a": 1}})"),
            Canon(R"({"_id": 1, "m": 1, "a": 1, "b": 2, "z": 1})"));
  // Numeric names in numeric order.
  EXPECT_EQ(Upd(R"({"_id": 1})", R"({"$set": {"x.10": 1, "x.9": 2}})"),
            Canon(R"({"_id": 1, "x": {"9": 2, "10": 1}})"));
}

TEST(UpdateSetTest, CreatesIntermediateDocuments) {
  EXPECT_EQ(Upd(R"({"_id": 1})", R"({"$set": {"a.b.c": 1, "a.0": 2}})"),
            Canon(R"({"_id": 1, "a": {"0": 2, "b": {"c": 1}}})"));
}

TEST(UpdateSetTest, PadsArraysWithNulls) {
  EXPECT_EQ(Upd(R"({"_id": 1, "a": [1, 2]})", R"({"$set": {"a.5": 6}})"),
            Canon(R"({"_id": 1, "a": [1, 2, null, null, null, 6]})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "a": [1, {"b": 1}]})", R"({"$set": {"a.1.c": 2, "a.3.d": 3}})"),
            Canon(R"({"_id": 1, "a": [1, {"b": 1, "c": 2}, null, {"d": 3}]})"));
}

TEST(UpdateSetTest, NoChangeKeepsBytes) {
  const char* doc = R"({"_id": 1, "a": {"b": [1, 2.5, "x"]}, "c": {"$numberLong": "7"}})";
  EXPECT_EQ(Upd(doc, R"({"$set": {"c": {"$numberLong": "7"}}})"), Canon(doc));
  EXPECT_EQ(Upd(doc, R"({"$unset": {"zz": 1}})"), Canon(doc));
  EXPECT_EQ(Upd(doc, R"({"$set": {}})"), Canon(doc));
}

TEST(UpdateUnsetTest, RemovesFieldsAndNullsArrayElements) {
  EXPECT_EQ(Upd(kProduct, R"({"$unset": {"quantity": "", "instock": "", "details.make": 1,
      "tags.0": 1, "missing.path": 1}})"),
            Canon(R"({"_id": 100, "reorder": false, "details": {"model": "14QQ"},
      "tags": [null, "clothing"], "ratings": [{"by": "Customer007", "rating": 4}]})"));
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$unset": {"a.b": 1}})"), Canon(R"({"a": 1})"));
}

TEST(UpdateIncTest, ManualExample) {
  EXPECT_EQ(Upd(R"({"_id": 1, "sku": "abc123", "quantity": 10, "metrics": {"orders": 2,
      "ratings": 3.5}})",
                R"({"$inc": {"quantity": -2, "metrics.orders": 1}})"),
            Canon(R"({"_id": 1, "sku": "abc123", "quantity": 8, "metrics": {"orders": 3,
      "ratings": 3.5}})"));
}

TEST(UpdateIncTest, NumericTypes) {
  EXPECT_EQ(Upd(R"({"a": 2147483647})", R"({"$inc": {"a": 1}})"),
            Canon(R"({"a": {"$numberLong": "2147483648"}})"));
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$inc": {"a": 0.5}})"), Canon(R"({"a": 1.5})"));
  EXPECT_EQ(Upd(R"({"a": {"$numberLong": "5"}})", R"({"$inc": {"a": 1}})"),
            Canon(R"({"a": {"$numberLong": "6"}})"));
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$inc": {"b": {"$numberLong": "3"}}})"),
            Canon(R"({"a": 1, "b": {"$numberLong": "3"}})"));
  EXPECT_EQ(Code(R"({"a": {"$numberLong": "9223372036854775807"}})", R"({"$inc": {"a": 1}})"),
            kBadValue);
}

TEST(UpdateMulTest, ManualExamples) {
  EXPECT_EQ(Upd(R"({"_id": 1, "item": "Hats", "price": 10.5, "quantity": 25})",
                R"({"$mul": {"price": 2.0, "quantity": 2}})"),
            Canon(R"({"_id": 1, "item": "Hats", "price": 21.0, "quantity": 50})"));
  // A missing field becomes 0 of the multiplier's type.
  EXPECT_EQ(
      Upd(R"({"_id": 2, "item": "Unknown"})", R"({"$mul": {"price": {"$numberLong": "100"}}})"),
      Canon(R"({"_id": 2, "item": "Unknown", "price": {"$numberLong": "0"}})"));
  EXPECT_EQ(Upd(R"({"_id": 3, "price": {"$numberLong": "10"}})", R"({"$mul": {"price": 5}})"),
            Canon(R"({"_id": 3, "price": {"$numberLong": "50"}})"));
}

TEST(UpdateMinMaxTest, ManualExamples) {
  const char* scores = R"({"_id": 1, "highScore": 800, "lowScore": 200})";
  EXPECT_EQ(Upd(scores, R"({"$min": {"lowScore": 150}})"),
            Canon(R"({"_id": 1, "highScore": 800, "lowScore": 150})"));
  EXPECT_EQ(Upd(scores, R"({"$min": {"lowScore": 250}})"), Canon(scores));
  EXPECT_EQ(Upd(scores, R"({"$max": {"highScore": 950}})"),
            Canon(R"({"_id": 1, "highScore": 950, "lowScore": 200})"));
  EXPECT_EQ(Upd(scores, R"({"$max": {"highScore": 700}})"), Canon(scores));
  const char* dates = R"({"_id": 1, "d": {"$date": {"$numberLong": "1000"}}})";
  EXPECT_EQ(Upd(dates, R"({"$min": {"d": {"$date": {"$numberLong": "500"}}}})"),
            Canon(R"({"_id": 1, "d": {"$date": {"$numberLong": "500"}}})"));
  // BSON order across types: numbers sort below strings.
  EXPECT_EQ(Upd(R"({"a": "x"})", R"({"$min": {"a": 5}})"), Canon(R"({"a": 5})"));
  EXPECT_EQ(Upd(R"({"a": 5})", R"({"$max": {"a": null, "b": 1}})"), Canon(R"({"a": 5, "b": 1})"));
}

TEST(UpdateRenameTest, ManualExamples) {
  const char* doc = R"({"_id": 1, "alias": ["The American Cincinnatus"],
      "mobile": "555-555-5555", "nmae": {"first": "george", "last": "washington"}})";
  EXPECT_EQ(Upd(doc, R"({"$rename": {"nmae": "name"}})"),
            Canon(R"({"_id": 1, "alias": ["The American Cincinnatus"], "mobile": "555-555-5555",
      "name": {"first": "george", "last": "washington"}})"));
  EXPECT_EQ(Upd(doc, R"({"$rename": {"nmae.first": "nmae.fname", "mobile": "contact.mobile"}})"),
            Canon(R"({"_id": 1, "alias": ["The American Cincinnatus"],
      "nmae": {"last": "washington", "fname": "george"}, "contact": {"mobile": "555-555-5555"}})"));
  EXPECT_EQ(Upd(doc, R"({"$rename": {"wife": "spouse"}})"), Canon(doc));
  // Renaming onto an existing field replaces it.
  EXPECT_EQ(Upd(R"({"a": 1, "b": 2, "c": 3})", R"({"$rename": {"a": "c"}})"),
            Canon(R"({"b": 2, "c": 1})"));
}

TEST(UpdateRenameTest, Errors) {
  EXPECT_EQ(Code(R"({"a": 1})", R"({"$rename": {"a": 1}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": 1})", R"({"$rename": {"a": "a"}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": 1})", R"({"$rename": {"a": "a.b"}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": [1]})", R"({"$rename": {"a.$": "b"}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": [{"b": 1}]})", R"({"$rename": {"a.0.b": "c"}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": 1, "b": [1]})", R"({"$rename": {"a": "b.0"}})"), kBadValue);
  EXPECT_EQ(Code(R"({"a": 1, "b": 2})", R"({"$rename": {"a": "b.c"}})"), kPathNotViable);
}

TEST(UpdateSetOnInsertTest, OnlyOnInsert) {
  const char* update = R"({"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}})";
  EXPECT_EQ(Upd(R"({"_id": 1})", update, Insert()),
            Canon(R"({"_id": 1, "defaultQty": 100, "item": "apple"})"));
  EXPECT_EQ(Upd(R"({"_id": 1})", update), Canon(R"({"_id": 1, "item": "apple"})"));
}

TEST(UpdateCurrentDateTest, ManualExample) {
  EXPECT_EQ(Upd(R"({"_id": 1, "status": "a", "lastModified": {"$date": {"$numberLong": "5"}}})",
                R"({"$currentDate": {"lastModified": true,
                    "cancellation.date": {"$type": "timestamp"}},
                    "$set": {"cancellation.reason": "user request", "status": "D"}})",
                Now(1700000000123)),
            Canon(R"({"_id": 1, "status": "D",
      "lastModified": {"$date": {"$numberLong": "1700000000123"}},
      "cancellation": {"date": {"$timestamp": {"t": 1700000000, "i": 1}},
                       "reason": "user request"}})"));
  EXPECT_EQ(Code(R"({})", R"({"$currentDate": {"d": 1}})"), kBadValue);
}

// libbson's JSON reader takes {"$type": ...} for legacy binary, so these are built with BCON.
TEST(UpdateCurrentDateTest, TypeSpecs) {
  auto apply = [](bson_t* update) {
    BsonPtr owned(update);
    auto compiled = Update::Compile(owned.get(), nullptr);
    if (!compiled.ok()) return ErrorText(compiled.error());
    BsonPtr empty = NewBson();
    auto r = compiled.value().Apply(empty.get(), std::nullopt, false, 42);
    return r.ok() ? Canonical(r.value().get()) : ErrorText(r.error());
  };
  EXPECT_EQ(apply(BCON_NEW("$currentDate", "{", "d", "{", "$type", BCON_UTF8("date"), "}", "}")),
            Canon(R"({"d": {"$date": {"$numberLong": "42"}}})"));
  EXPECT_EQ(
      apply(BCON_NEW("$currentDate", "{", "t", "{", "$type", BCON_UTF8("timestamp"), "}", "}")),
      Canon(R"({"t": {"$timestamp": {"t": 0, "i": 1}}})"));
  EXPECT_EQ(apply(BCON_NEW("$currentDate", "{", "d", "{", "$type", BCON_UTF8("string"), "}", "}"))
                .substr(0, 8),
            "error 2:");
  EXPECT_EQ(apply(BCON_NEW("$currentDate", "{", "d", "{", "$type", BCON_UTF8("date"), "x",
                           BCON_INT32(1), "}", "}"))
                .substr(0, 8),
            "error 2:");
}

TEST(UpdateReplacementTest, KeepsOriginalId) {
  EXPECT_EQ(Upd(R"({"_id": 1, "a": 1, "b": 2})", R"({"c": 3})"), Canon(R"({"_id": 1, "c": 3})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "a": 1})", R"({"c": 3, "_id": 1})"), Canon(R"({"c": 3, "_id": 1})"));
  EXPECT_EQ(Upd(R"({"_id": 1, "a": 1})", R"({})"), Canon(R"({"_id": 1})"));
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"b": 1})"), Canon(R"({"b": 1})"));
  std::string r = Upd(R"({"_id": 1})", R"({"_id": 2, "c": 3})");
  EXPECT_EQ(r,
            "error 66: After applying the update, the (immutable) field '_id' was found to "
            "have been altered to _id: 2");
  BsonPtr update = Json(R"({"a": 1})");
  auto compiled = Update::Compile(update.get(), nullptr);
  ASSERT_TRUE(compiled.ok());
  EXPECT_TRUE(compiled.value().is_replacement());
}

TEST(UpdateIdTest, Immutable) {
  EXPECT_EQ(Code(R"({"_id": 1})", R"({"$set": {"_id": 2}})"), kImmutableField);
  EXPECT_EQ(Code(R"({"_id": 1})", R"({"$unset": {"_id": 1}})"), kImmutableField);
  EXPECT_EQ(Code(R"({"_id": {"a": 1}})", R"({"$set": {"_id.a": 2}})"), kImmutableField);
  EXPECT_EQ(Code(R"({"_id": 1})", R"({"$set": {"_id": 1.0}})"), kImmutableField);
  EXPECT_EQ(Upd(R"({"_id": 1})", R"({"$set": {"_id": 1, "a": 1}})"),
            Canon(R"({"_id": 1, "a": 1})"));
  // An upsert seed without _id may get one.
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$set": {"_id": 5}})", Insert()),
            Canon(R"({"a": 1, "_id": 5})"));
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
