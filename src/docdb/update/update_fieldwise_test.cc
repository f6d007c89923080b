// Update::Apply edits a document field by field when every operator targets a top-level field;
// these tests hold it to the whole-tree path (Update::ApplyToTree) on random documents and
// updates: the same bytes, or the same error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "docdb/update/update_test_util.h"

namespace tactus::docdb::update {
namespace {

using test_util::Canonical;
using test_util::Json;

// Relaxed-JSON values of many types, arrays and documents included.
const std::vector<std::string>& Values() {
  static const std::vector<std::string> values = {"1",
                                                  "-7",
                                                  "{\"$numberLong\": \"9223372036854775807\"}",
                                                  "{\"$numberLong\": \"5\"}",
                                                  "2.5",
                                                  "{\"$numberDouble\": \"NaN\"}",
                                                  "\"text\"",
                                                  "\"\"",
                                                  "null",
                                                  "true",
                                                  "false",
                                                  "[1, 2, 2, \"x\", null]",
                                                  "[]",
                                                  "[{\"a\": 1}, {\"a\": 2}]",
                                                  "{\"a\": 1, \"b\": [1]}",
                                                  "{}",
                                                  "{\"$date\": 1700000000000}",
                                                  "{\"$oid\": \"0123456789abcdef01234567\"}",
                                                  "{\"$numberDecimal\": \"1.5\"}",
                                                  "2147483647",
                                                  "{\"$minKey\": 1}",
                                                  "{\"$maxKey\": 1}"};
  return values;
}

const std::vector<std::string> kFields = {"a", "b", "c", "n", "z", "10", "9", ""};

std::string RandomDocument(std::mt19937& rng) {
  std::string json = "{\"_id\": " + std::to_string(rng() % 100);
  const std::size_t fields = rng() % 6;
  for (std::size_t i = 0; i < fields; ++i) {
    // Sometimes the same name twice, which Node::Find and Remove treat in their own way.
    json +=
        ", \"" + kFields[rng() % (kFields.size() - 1)] + "\": " + Values()[rng() % Values().size()];
  }
  return json + "}";
}

std::string RandomOperator(std::mt19937& rng, std::vector<std::string>* used) {
  static const std::vector<std::string> kOps = {
      "$set",         "$unset", "$inc",      "$mul", "$min",  "$max",    "$setOnInsert",
      "$currentDate", "$push",  "$addToSet", "$pop", "$pull", "$pullAll"};
  const std::string op = kOps[rng() % kOps.size()];
  std::string field;
  do {
    field = kFields[rng() % kFields.size()];
  } while (std::find(used->begin(), used->end(), field) != used->end() && used->size() < 8);
  used->push_back(field);
  std::string operand = Values()[rng() % Values().size()];
  if (op == "$pop") operand = rng() % 2 ? "1" : "-1";
  if (op == "$currentDate") operand = rng() % 2 ? "true" : "{\"$type\": \"timestamp\"}";
  if (op == "$pullAll") operand = "[1, \"x\", null]";
  if (op == "$push" && rng() % 3 == 0) operand = "{\"$each\": [3, 1, 2], \"$sort\": 1}";
  if (op == "$pull" && rng() % 3 == 0) operand = "{\"$gte\": 2}";
  return "\"" + op + "\": {\"" + field + "\": " + operand + "}";
}

TEST(UpdateFieldwise, SameResultsAsTheTree) {
  std::mt19937 rng(20261127);
  int compared = 0, changed = 0, failed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::string> used;
    std::string spec = "{";
    const int ops = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < ops; ++i) spec += (i ? ", " : "") + RandomOperator(rng, &used);
    spec += "}";
    BsonPtr update_doc = Json(spec);
    auto update = Update::Compile(update_doc.get(), nullptr);
    if (!update.ok()) continue;  // two operators on one field, a bad operand, ...
    const std::string doc_json = RandomDocument(rng);
    BsonPtr doc = Json(doc_json);
    const bool is_insert = rng() % 4 == 0;
    auto fieldwise = update.value().Apply(doc.get(), std::nullopt, is_insert, 1700000000123);
    auto tree = update.value().ApplyToTree(doc.get(), std::nullopt, is_insert, 1700000000123);
    ASSERT_EQ(fieldwise.ok(), tree.ok()) << spec << " on " << doc_json;
    ++compared;
    if (!tree.ok()) {
      ++failed;
      EXPECT_EQ(fieldwise.error().code, tree.error().code) << spec << " on " << doc_json;
      EXPECT_EQ(fieldwise.error().message, tree.error().message) << spec << " on " << doc_json;
      continue;
    }
    const bson_t* a = fieldwise.value().get();
    const bson_t* b = tree.value().get();
    ASSERT_EQ(a->len, b->len) << spec << " on " << doc_json << ": " << Canonical(a) << " vs "
                              << Canonical(b);
    ASSERT_EQ(std::memcmp(bson_get_data(a), bson_get_data(b), a->len), 0)
        << spec << " on " << doc_json << ": " << Canonical(a) << " vs " << Canonical(b);
    if (!bson_equal(a, doc.get())) ++changed;
  }
  // The random cases reach every outcome.
  EXPECT_GT(compared, 10000);
  EXPECT_GT(changed, 3000);
  EXPECT_GT(failed, 300);
}

TEST(UpdateFieldwise, ResultsBeyondTheLimitsFailAsOnTheTree) {
  // 16 MiB: the string pushes the document past the limit.
  const std::string big(16 * 1024 * 1024, 'x');
  BsonPtr update_doc = NewBson();
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(update_doc.get(), "$set", &set);
  BSON_APPEND_UTF8(&set, "big", big.c_str());
  bson_append_document_end(update_doc.get(), &set);
  auto update = Update::Compile(update_doc.get(), nullptr);
  ASSERT_TRUE(update.ok());
  BsonPtr doc = Json("{\"_id\": 1}");
  auto result = update.value().Apply(doc.get(), std::nullopt, false, 0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, 10334);

  // 100 levels of nesting: a 100-level value set as a top-level field makes 101 (libbson's JSON
  // parser stops short of that depth, so the value is built from the inside out).
  BsonPtr deep = NewBson();
  for (int i = 0; i < 99; ++i) {
    BsonPtr outer = NewBson();
    BSON_APPEND_DOCUMENT(outer.get(), "d", deep.get());
    deep = std::move(outer);
  }
  BsonPtr deep_spec = NewBson();
  bson_t deep_set;
  BSON_APPEND_DOCUMENT_BEGIN(deep_spec.get(), "$set", &deep_set);
  BSON_APPEND_DOCUMENT(&deep_set, "x", deep.get());
  bson_append_document_end(deep_spec.get(), &deep_set);
  auto deep_update = Update::Compile(deep_spec.get(), nullptr);
  ASSERT_TRUE(deep_update.ok());
  auto deep_result = deep_update.value().Apply(doc.get(), std::nullopt, false, 0);
  auto deep_tree = deep_update.value().ApplyToTree(doc.get(), std::nullopt, false, 0);
  ASSERT_FALSE(deep_tree.ok());
  ASSERT_FALSE(deep_result.ok());
  EXPECT_EQ(deep_result.error().message, deep_tree.error().message);
}

}  // namespace
}  // namespace tactus::docdb::update
