// Compile-time validation and the limits on results, with MongoDB's codes and messages.
#include <gtest/gtest.h>

#include <string>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update::test_util {
namespace {

TEST(UpdateCompileTest, ConflictingPaths) {
  EXPECT_EQ(Upd("{}", R"({"$set": {"a": 1}, "$inc": {"a": 1}})"),
            "error 40: Updating the path 'a' would create a conflict at 'a'");
  EXPECT_EQ(Upd("{}", R"({"$set": {"a": 1}, "$unset": {"a.b": 1}})"),
            "error 40: Updating the path 'a.b' would create a conflict at 'a'");
  EXPECT_EQ(Upd("{}", R"({"$set": {"a.b.c": 1, "a.b": 1}})"),
            "error 40: Updating the path 'a.b' would create a conflict at 'a.b'");
  EXPECT_EQ(Code("{}", R"({"$rename": {"a": "b"}, "$set": {"a.x": 1}})"),
            kConflictingUpdateOperators);
  EXPECT_EQ(Code("{}", R"({"$rename": {"a": "b"}, "$set": {"b": 1}})"),
            kConflictingUpdateOperators);
  EXPECT_EQ(Code("{}", R"({"$set": {"a.$[]": 1}, "$inc": {"a.$[].b": 1}})"),
            kConflictingUpdateOperators);
  // Siblings and shared prefixes that are not whole parts do not conflict.
  EXPECT_EQ(Upd("{}", R"({"$set": {"a.b": 1, "a.bc": 2, "ab": 3}})"),
            Canon(R"({"a": {"b": 1, "bc": 2}, "ab": 3})"));
}

TEST(UpdateCompileTest, UnknownAndMalformedOperators) {
  EXPECT_EQ(Upd("{}", R"({"$foo": {"a": 1}})"),
            "error 9: Unknown modifier: $foo. Expected a valid update modifier or pipeline-style "
            "update specified as an array");
  EXPECT_EQ(Code("{}", R"({"$set": {"a": 1}, "b": 1})"), kFailedToParse);
  EXPECT_EQ(Code("{}", R"({"$set": 1})"), kFailedToParse);
  EXPECT_EQ(Upd("{}", R"({"$inc": {"a": "x"}})"),
            "error 14: Cannot increment with non-numeric argument: {a: \"x\"}");
  EXPECT_EQ(Code("{}", R"({"$mul": {"a": null}})"), kTypeMismatch);
}

TEST(UpdateCompileTest, BadPaths) {
  EXPECT_EQ(Code("{}", R"({"$set": {"": 1}})"), kEmptyFieldName);
  EXPECT_EQ(Code("{}", R"({"$set": {"a..b": 1}})"), kEmptyFieldName);
  EXPECT_EQ(Code("{}", R"({"$set": {"a.": 1}})"), kEmptyFieldName);
  EXPECT_EQ(Code("{}", R"({"$set": {"a.$.$": 1}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$set": {"$": 1}})"), kBadValue);
  EXPECT_EQ(Code("{}", R"({"$set": {"a.$b": 1}})"), kDollarPrefixedFieldName);
}

TEST(UpdateCompileTest, Replacements) {
  EXPECT_EQ(Code("{}", R"({"a": 1, "$set": {"b": 1}})"), kDollarPrefixedFieldName);
  EXPECT_EQ(Code("{}", R"({"": 1})"), kEmptyFieldName);
}

TEST(UpdatePipelineTest, AppliesAggregationStages) {
  BsonPtr pipeline =
      Json(R"({"0": {"$set": {"c": {"$add": ["$a", "$b"]}, "t": "$$NOW"}}, "1": {"$unset": "b"}})");
  auto u = Update::CompilePipeline(pipeline.get());
  ASSERT_TRUE(u.ok()) << u.error().message;
  BsonPtr doc = Json(R"({"_id": 1, "a": 1, "b": 2})");
  auto out = u.value().Apply(doc.get(), std::nullopt, false, 1000);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(ToJson(out.value().get()),
            R"({ "_id" : 1, "a" : 1, "c" : 3, "t" : { "$date" : "1970-01-01T00:00:01Z" } })");
  // _id is kept when a stage drops it, and may not change.
  BsonPtr drop = Json(R"({"0": {"$project": {"_id": 0, "a": 1}}})");
  auto kept = Update::CompilePipeline(drop.get()).value().Apply(doc.get(), std::nullopt, false, 0);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(ToJson(kept.value().get()), R"({ "_id" : 1, "a" : 1 })");
  BsonPtr change = Json(R"({"0": {"$set": {"_id": 2}}})");
  auto changed =
      Update::CompilePipeline(change.get()).value().Apply(doc.get(), std::nullopt, false, 0);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, kImmutableField);
  BsonPtr group = Json(R"({"0": {"$group": {"_id": 1}}})");
  auto refused = Update::CompilePipeline(group.get());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kInvalidOptions);
}

TEST(UpdateApplyTest, ArithmeticOnNonNumbers) {
  EXPECT_EQ(Upd(R"({"_id": 1, "a": "x"})", R"({"$inc": {"a": 1}})"),
            "error 14: Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field "
            "'a' of non-numeric type string");
  EXPECT_EQ(Code(R"({"_id": 1, "a": null})", R"({"$mul": {"a": 2}})"), kTypeMismatch);
}

TEST(UpdateApplyTest, PathNotViable) {
  EXPECT_EQ(Upd(R"({"a": 1})", R"({"$set": {"a.b": 1}})"),
            "error 28: Cannot create field 'b' in element {a: 1}");
  EXPECT_EQ(Code(R"({"a": [1]})", R"({"$set": {"a.x": 1}})"), kPathNotViable);
  EXPECT_EQ(Code(R"({"a": {"b": "s"}})", R"({"$inc": {"a.b.c.d": 1}})"), kPathNotViable);
  EXPECT_EQ(Code(R"({"a": [1]})", R"({"$set": {"a.1600000": 1}})"), kBadValue);
  // Operators that only remove do not need the path.
  EXPECT_EQ(Upd(R"({"a": [1]})", R"({"$unset": {"a.x": 1}, "$pull": {"b.c": 1}})"),
            Canon(R"({"a": [1]})"));
}

TEST(UpdateApplyTest, DocumentTooLarge) {
  std::string big(9 * 1024 * 1024, 'x');
  BsonPtr doc = NewBson();
  BSON_APPEND_UTF8(doc.get(), "a", big.c_str());
  BsonPtr update = NewBson();
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
  BSON_APPEND_UTF8(&set, "b", big.c_str());
  bson_append_document_end(update.get(), &set);
  auto compiled = Update::Compile(update.get(), nullptr);
  ASSERT_TRUE(compiled.ok());
  auto r = compiled.value().Apply(doc.get(), std::nullopt, false, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kLocation10334);
}

TEST(UpdateApplyTest, NestingDepth) {
  std::string path = "a";
  for (int i = 0; i < 99; ++i) path += ".a";
  EXPECT_EQ(Code("{}", "{\"$set\": {\"" + path + "\": 1}}"), 0);
  EXPECT_EQ(Code("{}", "{\"$set\": {\"" + path + ".a\": 1}}"), kBadValue);
}

TEST(UpdateApplyTest, Decimal128ArithmeticNotSupported) {
  EXPECT_EQ(Code(R"({"a": {"$numberDecimal": "1.5"}})", R"({"$inc": {"a": 1}})"), kBadValue);
  // Decimal values still compare and set.
  EXPECT_EQ(Upd(R"({"a": {"$numberDecimal": "1.5"}})", R"({"$max": {"a": 2}})"),
            Canon(R"({"a": 2})"));
}

}  // namespace
}  // namespace tactus::docdb::update::test_util
