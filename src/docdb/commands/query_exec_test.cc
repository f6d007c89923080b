// The planner (ChoosePlan) and FindMatching/CountMatching, above all `$in` planned as point
// bounds: which plan, which bounds, and that every plan returns what a collection scan does.
#include "docdb/commands/query_exec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "docdb/bson_util.h"
#include "docdb/query/key_encoding.h"

namespace tactus::docdb::commands {
namespace {

BsonPtr J(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << error.message << " in " << json;
  return doc ? BsonPtr(doc) : BsonPtr(bson_new());
}

std::string Key(const std::string& value_json) {
  auto holder = J(R"({"v": )" + value_json + "}");
  bson_iter_t it;
  bson_iter_init_find(&it, holder.get(), "v");
  return query::EncodeKeyValue(*bson_iter_value(&it));
}

class QueryExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docdb-plan-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::Store::Options options;
    options.durable = false;
    auto store = storage::Store::Open(dir_, options);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto txn = store_->Begin(storage::TxnMode::kWrite);
    ASSERT_TRUE(txn.ok());
    auto coll = txn.value()->CreateCollection("app", "c", nullptr, false);
    ASSERT_TRUE(coll.ok());
    coll_ = std::move(coll).value();
    ASSERT_TRUE(txn.value()->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Index(const std::string& spec) {
    auto txn = store_->Begin(storage::TxnMode::kWrite);
    ASSERT_TRUE(txn.ok());
    auto created = txn.value()->CreateIndex(coll_, J(spec).get());
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_TRUE(txn.value()->Commit().ok());
  }
  void Insert(const std::vector<std::string>& docs) {
    auto txn = store_->Begin(storage::TxnMode::kWrite);
    ASSERT_TRUE(txn.ok());
    for (const auto& d : docs) {
      auto inserted = txn.value()->Insert(coll_, J(d).get());
      ASSERT_TRUE(inserted.ok()) << inserted.error().message << " " << d;
    }
    ASSERT_TRUE(txn.value()->Commit().ok());
  }
  Plan PlanFor(const std::string& filter, const std::string& sort = "") {
    auto txn = store_->Begin(storage::TxnMode::kRead);
    EXPECT_TRUE(txn.ok());
    auto f = J(filter);
    auto s = sort.empty() ? nullptr : J(sort);
    return ChoosePlan(*txn.value(), coll_, f.get(), s.get());
  }
  // The `_id`s (as JSON) FindMatching returns, in its order, and the plan it used.
  std::vector<std::string> Find(const std::string& filter, const std::string& sort = "",
                                std::int64_t limit = 0, Plan* plan = nullptr) {
    std::vector<std::string> out;
    auto txn = store_->Begin(storage::TxnMode::kRead);
    EXPECT_TRUE(txn.ok());
    auto f = J(filter);
    auto s = sort.empty() ? nullptr : J(sort);
    auto matcher = query::Matcher::Compile(f.get());
    EXPECT_TRUE(matcher.ok()) << filter;
    if (!matcher.ok()) return out;
    auto found = FindMatching(*txn.value(), coll_, matcher.value(), s.get(), 0, limit, plan);
    EXPECT_TRUE(found.ok()) << found.error().message;
    if (!found.ok()) return out;
    for (const auto& m : found.value()) out.push_back(IdOf(m.doc.get()));
    auto count = CountMatching(*txn.value(), coll_, matcher.value(), 0, limit);
    EXPECT_TRUE(count.ok());
    if (count.ok()) {
      EXPECT_EQ(count.value(), static_cast<std::int64_t>(out.size())) << filter;
    }
    return out;
  }
  // The same by a collection scan and the matcher, in `_id` order.
  std::vector<std::string> Scan(const std::string& filter) {
    std::vector<std::string> out;
    auto txn = store_->Begin(storage::TxnMode::kRead);
    EXPECT_TRUE(txn.ok());
    auto f = J(filter);
    auto matcher = query::Matcher::Compile(f.get());
    EXPECT_TRUE(matcher.ok());
    if (!matcher.ok()) return out;
    auto scanned = txn.value()->ScanCollection(coll_, storage::KeyRange{}, false,
                                               [&](const std::string&, const bson_t* doc) {
                                                 auto m = matcher.value().Matches(doc);
                                                 if (m.ok() && m.value()) out.push_back(IdOf(doc));
                                                 return true;
                                               });
    EXPECT_TRUE(scanned.ok());
    return out;
  }
  static std::string IdOf(const bson_t* doc) {
    bson_iter_t it;
    bson_iter_init_find(&it, doc, "_id");
    BsonPtr wrapper(bson_new());
    bson_append_iter(wrapper.get(), "_id", 3, &it);
    std::string json = ToJson(wrapper.get());
    // {"_id" : X } -> X
    auto colon = json.find(':');
    return json.substr(colon + 2, json.size() - colon - 4);
  }
  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  storage::CollectionInfo coll_;
};

TEST_F(QueryExecTest, IdInIsPlannedAsSortedDistinctPoints) {
  Insert({R"({"_id": 1})", R"({"_id": 2})", R"({"_id": 3})", R"({"_id": 4})"});
  Plan plan = PlanFor(R"({"_id": {"$in": [3, 1, 1.0, {"$numberLong": "2"}, 3, 9]}})");
  EXPECT_EQ(plan.kind, Plan::Kind::kIdScan);
  EXPECT_EQ(plan.Describe(), "IXSCAN");
  EXPECT_EQ(plan.IndexName(), "_id_");
  EXPECT_EQ(plan.in_field, "_id");
  ASSERT_TRUE(plan.in_ranges.has_value());
  ASSERT_EQ(plan.in_ranges->size(), 4u);  // 1, 2, 3, 9
  const std::string keys[] = {Key("1"), Key("2"), Key("3"), Key("9")};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& r = (*plan.in_ranges)[i];
    EXPECT_EQ(*r.lower, keys[i]);
    EXPECT_TRUE(r.lower_inclusive);
    EXPECT_EQ(*r.upper, keys[i] + '\xFF');
    EXPECT_FALSE(r.upper_inclusive);
  }
  EXPECT_FALSE(plan.provides_sort);
  EXPECT_EQ(Find(R"({"_id": {"$in": [3, 1, 1.0, {"$numberLong": "2"}, 3, 9]}})"),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST_F(QueryExecTest, IdInGivesTheIdOrder) {
  Insert({R"({"_id": 1})", R"({"_id": 2})", R"({"_id": 3})", R"({"_id": 4})"});
  Plan asc = PlanFor(R"({"_id": {"$in": [3, 1, 4]}})", R"({"_id": 1})");
  EXPECT_TRUE(asc.provides_sort);
  EXPECT_FALSE(asc.reverse);
  Plan desc = PlanFor(R"({"_id": {"$in": [3, 1, 4]}})", R"({"_id": -1})");
  EXPECT_TRUE(desc.provides_sort);
  EXPECT_TRUE(desc.reverse);
  EXPECT_EQ(Find(R"({"_id": {"$in": [3, 1, 4]}})", R"({"_id": -1})"),
            (std::vector<std::string>{"4", "3", "1"}));
  EXPECT_EQ(Find(R"({"_id": {"$in": [3, 1, 4]}})", R"({"_id": -1})", 2),
            (std::vector<std::string>{"4", "3"}));
  EXPECT_EQ(Find(R"({"_id": {"$in": [3, 1, 4]}})", R"({"_id": 1})", 2),
            (std::vector<std::string>{"1", "3"}));
}

TEST_F(QueryExecTest, IdRangeGivesTheIdOrder) {
  Insert({R"({"_id": "a1"})", R"({"_id": "a2"})", R"({"_id": "a3"})", R"({"_id": "a4"})",
          R"({"_id": "b1"})", R"({"_id": 7})"});
  Plan asc = PlanFor(R"({"_id": {"$gt": "a1", "$lt": "b"}})", R"({"_id": 1})");
  EXPECT_EQ(asc.kind, Plan::Kind::kIdScan);
  EXPECT_TRUE(asc.provides_sort);
  EXPECT_FALSE(asc.reverse);
  Plan desc = PlanFor(R"({"_id": {"$gt": "a1", "$lt": "b"}})", R"({"_id": -1})");
  EXPECT_TRUE(desc.provides_sort);
  EXPECT_TRUE(desc.reverse);
  EXPECT_FALSE(PlanFor(R"({"_id": {"$gt": "a1"}})", R"({"x": 1})").provides_sort);
  EXPECT_EQ(Find(R"({"_id": {"$gt": "a1", "$lt": "b"}})", R"({"_id": 1})", 2),
            (std::vector<std::string>{"\"a2\"", "\"a3\""}));
  EXPECT_EQ(Find(R"({"_id": {"$gt": "a1", "$lt": "b"}})", R"({"_id": -1})", 2),
            (std::vector<std::string>{"\"a4\"", "\"a3\""}));
  EXPECT_EQ(Find(R"({"_id": {"$lte": "a2"}})", R"({"_id": -1})"),
            (std::vector<std::string>{"\"a2\"", "\"a1\""}));
}

TEST_F(QueryExecTest, IdInWithOtherPredicates) {
  Insert({R"({"_id": 1, "x": 1})", R"({"_id": 2, "x": 9})", R"({"_id": 3, "x": 9})",
          R"({"_id": 4, "x": 9})"});
  Plan plan = PlanFor(R"({"x": 9, "_id": {"$in": [1, 2, 3]}})");
  EXPECT_EQ(plan.kind, Plan::Kind::kIdScan);
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_EQ(Find(R"({"x": 9, "_id": {"$in": [1, 2, 3]}})"), (std::vector<std::string>{"2", "3"}));
  // Under $and, and with a range on _id too (the points win; the matcher checks the range).
  plan = PlanFor(R"({"$and": [{"x": 9}, {"_id": {"$in": [1, 2, 3]}}]})");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_EQ(plan.in_ranges->size(), 3u);
  EXPECT_EQ(Find(R"({"$and": [{"x": 9}, {"_id": {"$in": [1, 2, 3]}}]})"),
            (std::vector<std::string>{"2", "3"}));
  plan = PlanFor(R"({"_id": {"$gt": 1, "$in": [1, 2, 3]}})");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_EQ(Find(R"({"_id": {"$gt": 1, "$in": [1, 2, 3]}})"), (std::vector<std::string>{"2", "3"}));
  // An equality wins over $in.
  plan = PlanFor(R"({"_id": {"$in": [1, 2], "$eq": 2}})");
  EXPECT_FALSE(plan.in_ranges);
  EXPECT_EQ(plan.Describe(), "IDHACK");
}

TEST_F(QueryExecTest, IdInEdgeCases) {
  Insert({R"({"_id": null})", R"({"_id": 1})", R"({"_id": "abc"})", R"({"_id": "b"})",
          R"({"_id": {"k": 1}})"});
  // No point for a regex: not planned, still right.
  Plan plan =
      PlanFor(R"({"_id": {"$in": [1, {"$regularExpression": {"pattern": "^a", "options": ""}}]}})");
  EXPECT_FALSE(plan.in_ranges);
  EXPECT_EQ(plan.Describe(), "COLLSCAN");
  EXPECT_EQ(
      Sorted(Find(
          R"({"_id": {"$in": [1, {"$regularExpression": {"pattern": "^a", "options": ""}}]}})")),
      (std::vector<std::string>{"\"abc\"", "1"}));
  // An _id is never missing, so null is the null point.
  plan = PlanFor(R"({"_id": {"$in": [null, 1]}})");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_EQ(Find(R"({"_id": {"$in": [null, 1]}})"), (std::vector<std::string>{"null", "1"}));
  // Documents are points too.
  EXPECT_EQ(Find(R"({"_id": {"$in": [{"k": 1.0}, "b"]}})"),
            (std::vector<std::string>{"\"b\"", "{ \"k\" : 1 }"}));
  // Arrays bail out (never an _id).
  EXPECT_FALSE(PlanFor(R"({"_id": {"$in": [[1], 1]}})").in_ranges);
  // $in: [] matches nothing and scans nothing.
  plan = PlanFor(R"({"_id": {"$in": []}})");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_TRUE(plan.in_ranges->empty());
  EXPECT_TRUE(Find(R"({"_id": {"$in": []}})").empty());
  // $nin, and $in under $not or $or, are not points.
  EXPECT_FALSE(PlanFor(R"({"_id": {"$nin": [1]}})").in_ranges);
  EXPECT_FALSE(PlanFor(R"({"_id": {"$not": {"$in": [1]}}})").in_ranges);
  EXPECT_FALSE(PlanFor(R"({"$or": [{"_id": {"$in": [1]}}, {"x": 1}]})").in_ranges);
}

TEST_F(QueryExecTest, SecondaryIndexInIsPlannedAsPoints) {
  Index(R"({"key": {"a": 1}, "name": "a_1"})");
  Insert({R"({"_id": 1, "a": 1})", R"({"_id": 2, "a": 2.0})", R"({"_id": 3, "a": [1, 2, 3]})",
          R"({"_id": 4, "a": 4})", R"({"_id": 5})", R"({"_id": 6, "a": null})",
          R"({"_id": 7, "a": {"$numberLong": "2"}})", R"({"_id": 8, "a": "2"})"});
  Plan plan = PlanFor(R"({"a": {"$in": [2, 1, {"$numberDecimal": "2.00"}]}})");
  EXPECT_EQ(plan.kind, Plan::Kind::kIndexScan);
  EXPECT_EQ(plan.Describe(), "IXSCAN");
  EXPECT_EQ(plan.IndexName(), "a_1");
  EXPECT_EQ(plan.in_field, "a");
  ASSERT_TRUE(plan.in_ranges);
  ASSERT_EQ(plan.in_ranges->size(), 2u);
  EXPECT_EQ(*(*plan.in_ranges)[0].lower, Key("1"));
  EXPECT_EQ(*(*plan.in_ranges)[1].lower, Key("2"));
  // The multikey document 3 comes once.
  EXPECT_EQ(Sorted(Find(R"({"a": {"$in": [2, 1, {"$numberDecimal": "2.00"}]}})")),
            (std::vector<std::string>{"1", "2", "3", "7"}));
  // null and arrays bail out; results stay right.
  EXPECT_FALSE(PlanFor(R"({"a": {"$in": [null, 4]}})").in_ranges);
  EXPECT_EQ(Sorted(Find(R"({"a": {"$in": [null, 4]}})")),
            (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_FALSE(PlanFor(R"({"a": {"$in": [[1, 2, 3], 4]}})").in_ranges);
  EXPECT_EQ(Sorted(Find(R"({"a": {"$in": [[1, 2, 3], 4]}})")),
            (std::vector<std::string>{"3", "4"}));
  // A sort on the field is done in memory (an array is found at each matching element, not
  // where its sort key is), and right.
  plan = PlanFor(R"({"a": {"$in": [4, 3]}})", R"({"a": 1})");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_FALSE(plan.provides_sort);
  EXPECT_EQ(Find(R"({"a": {"$in": [4, 3]}})", R"({"a": 1})"), (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(Find(R"({"a": {"$in": [4, 3]}})", R"({"a": -1})"),
            (std::vector<std::string>{"4", "3"}));
}

TEST_F(QueryExecTest, InVersusOtherPlans) {
  Index(R"({"key": {"a": 1}, "name": "a_1"})");
  Index(R"({"key": {"b": 1}, "name": "b_1"})");
  Index(R"({"key": {"s": 1}, "name": "s_1", "sparse": true})");
  Insert({R"({"_id": 1, "a": 1, "b": 5, "s": 1})", R"({"_id": 2, "a": 2, "b": 6})"});
  // An equality beats $in; $in beats a range.
  Plan plan = PlanFor(R"({"a": {"$in": [1, 2]}, "b": 5})");
  EXPECT_EQ(plan.IndexName(), "b_1");
  EXPECT_FALSE(plan.in_ranges);
  plan = PlanFor(R"({"b": {"$gt": 1}, "a": {"$in": [1, 2]}})");
  EXPECT_EQ(plan.IndexName(), "a_1");
  EXPECT_TRUE(plan.in_ranges);
  // _id $in beats everything but an _id equality.
  plan = PlanFor(R"({"b": 5, "_id": {"$in": [1, 2]}})");
  EXPECT_EQ(plan.IndexName(), "_id_");
  // A sparse index answers conditions a document without the field cannot meet (non-null
  // points, equalities and ranges), never a null, an $exists or a sort alone.
  EXPECT_TRUE(PlanFor(R"({"s": {"$in": [1]}})").in_ranges);
  EXPECT_EQ(Find(R"({"s": {"$in": [1]}})"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(PlanFor(R"({"s": 1})").IndexName(), "s_1");
  EXPECT_EQ(PlanFor(R"({"s": {"$gte": 0}})").IndexName(), "s_1");
  EXPECT_EQ(Find(R"({"s": {"$gte": 0}})"), (std::vector<std::string>{"1"}));
  EXPECT_NE(PlanFor(R"({"s": null})").IndexName(), "s_1");
  EXPECT_EQ(Find(R"({"s": null})"), (std::vector<std::string>{"2"}));
  EXPECT_NE(PlanFor(R"({"s": {"$exists": false}})").IndexName(), "s_1");
  EXPECT_NE(PlanFor("{}", R"({"s": 1})").IndexName(), "s_1");
  EXPECT_EQ(Find("{}", R"({"s": 1})"), (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(Find(R"({"b": {"$gt": 1}, "a": {"$in": [1, 2]}})"),
            (std::vector<std::string>{"1", "2"}));
}

TEST_F(QueryExecTest, InOnDescendingAndCompoundIndexes) {
  Index(R"({"key": {"d": -1}, "name": "d_-1"})");
  Index(R"({"key": {"c": 1, "e": -1}, "name": "c_1_e_-1"})");
  std::vector<std::string> docs;
  for (int i = 0; i < 30; ++i) {
    docs.push_back(R"({"_id": )" + std::to_string(i) + R"(, "d": )" + std::to_string(i % 7) +
                   R"(, "c": )" + std::to_string(i % 5) + R"(, "e": )" + std::to_string(i % 3) +
                   "}");
  }
  Insert(docs);
  Plan plan = PlanFor(R"({"d": {"$in": [1, 5, 3]}})");
  EXPECT_EQ(plan.IndexName(), "d_-1");
  ASSERT_TRUE(plan.in_ranges);
  ASSERT_EQ(plan.in_ranges->size(), 3u);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_LT(*(*plan.in_ranges)[i - 1].lower, *(*plan.in_ranges)[i].lower);
  }
  EXPECT_EQ(Sorted(Find(R"({"d": {"$in": [1, 5, 3]}})")),
            Sorted(Scan(R"({"d": {"$in": [1, 5, 3]}})")));
  EXPECT_EQ(Find(R"({"d": {"$in": [1, 5, 3]}})").size(), 13u);
  // Compound: points on the first key; the later key is checked by the matcher.
  plan = PlanFor(R"({"c": {"$in": [0, 4]}, "e": 2})");
  EXPECT_EQ(plan.IndexName(), "c_1_e_-1");
  ASSERT_TRUE(plan.in_ranges);
  EXPECT_EQ(Sorted(Find(R"({"c": {"$in": [0, 4]}, "e": 2})")),
            Sorted(Scan(R"({"c": {"$in": [0, 4]}, "e": 2})")));
  EXPECT_EQ(Sorted(Find(R"({"c": {"$in": [0, 4]}, "e": {"$gte": 1}})")),
            Sorted(Scan(R"({"c": {"$in": [0, 4]}, "e": {"$gte": 1}})")));
}

// Random $in lists of mixed types on _id and on an index: the plan returns what a scan does.
TEST_F(QueryExecTest, InPlansAgreeWithScans) {
  Index(R"({"key": {"a": 1}, "name": "a_1"})");
  Index(R"({"key": {"b.c": -1}, "name": "b.c_-1"})");
  const std::vector<std::string> pool = {"1",
                                         "1.0",
                                         R"({"$numberLong": "1"})",
                                         R"({"$numberDecimal": "1.0"})",
                                         "2",
                                         "2.5",
                                         R"({"$numberDouble": "NaN"})",
                                         R"({"$numberDouble": "-Infinity"})",
                                         "-0.0",
                                         "0",
                                         R"("x")",
                                         R"("")",
                                         R"("1")",
                                         R"({"$symbol": "x"})",
                                         "true",
                                         "false",
                                         R"({"k": 1})",
                                         R"({"k": 1.0, "j": "x"})",
                                         R"({"$date": {"$numberLong": "5"}})",
                                         R"({"$oid": "0123456789abcdef01234567"})",
                                         R"({"$minKey": 1})",
                                         R"({"$maxKey": 1})",
                                         R"({"$timestamp": {"t": 1, "i": 2}})"};
  const std::vector<std::string> containers = {"[1, 2]", R"(["x", {"k": 1}])", "[]",
                                               R"([{"c": 1}, {"c": "x"}])", "[[1]]"};
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<std::string> docs;
  std::set<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    std::string id = pick(pool);
    // _id keys must be distinct: skip values equal to one already used.
    std::string key = Key(id);
    std::string id_json = ids.insert(key).second ? id : std::to_string(1000 + i);
    std::string doc = R"({"_id": )" + id_json;
    int shape = static_cast<int>(rng() % 4);
    if (shape != 0) doc += R"(, "a": )" + (shape == 3 ? pick(containers) : pick(pool));
    if (rng() % 3 != 0) {
      doc += R"(, "b": )" +
             (rng() % 4 == 0 ? pick(containers) : std::string(R"({"c": )") + pick(pool) + "}");
    }
    docs.push_back(doc + "}");
  }
  Insert(docs);
  for (int trial = 0; trial < 150; ++trial) {
    std::string list;
    int n = 1 + static_cast<int>(rng() % 24);  // both sides of the matcher's sorted threshold
    for (int i = 0; i < n; ++i) list += (i ? ", " : "") + pick(pool);
    for (const char* field : {"_id", "a", "b.c"}) {
      std::string filter = std::string(R"({")") + field + R"(": {"$in": [)" + list + "]}}";
      Plan plan = PlanFor(filter);
      EXPECT_TRUE(plan.in_ranges) << filter;
      EXPECT_EQ(Sorted(Find(filter)), Sorted(Scan(filter))) << filter;
    }
  }
}

// IDHACK ({_id: v}) reads one document by key: it returns what the matcher finds by a scan,
// for every type of _id, numbers of different types that are equal included.
TEST_F(QueryExecTest, IdHackAnswersAsTheMatcherDoes) {
  const std::vector<std::string> ids = {"1",
                                        "2.5",
                                        R"({"$numberDecimal": "7"})",
                                        R"({"$numberDouble": "NaN"})",
                                        "-0.0",
                                        R"("x")",
                                        R"("")",
                                        "true",
                                        R"({"$date": {"$numberLong": "5"}})",
                                        R"({"$oid": "0123456789abcdef01234567"})",
                                        R"({"$timestamp": {"t": 1, "i": 2}})",
                                        R"({"$binary": {"base64": "AQI=", "subType": "00"}})",
                                        R"({"k": 1})",
                                        "null"};
  std::vector<std::string> docs;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    docs.push_back(R"({"_id": )" + ids[i] + R"(, "i": )" + std::to_string(i) + "}");
  }
  Insert(docs);
  const std::vector<std::string> probes = {"1",
                                           "1.0",
                                           R"({"$numberLong": "1"})",
                                           R"({"$numberDecimal": "1.00"})",
                                           "2.5",
                                           "7",
                                           R"({"$numberDouble": "NaN"})",
                                           "0",
                                           "-0.0",
                                           R"("x")",
                                           R"("X")",
                                           R"("")",
                                           "true",
                                           "false",
                                           R"({"$date": {"$numberLong": "5"}})",
                                           R"({"$oid": "0123456789abcdef01234567"})",
                                           R"({"$timestamp": {"t": 1, "i": 2}})",
                                           R"({"$binary": {"base64": "AQI=", "subType": "00"}})",
                                           "3"};
  auto txn = store_->Begin(storage::TxnMode::kRead);
  ASSERT_TRUE(txn.ok());
  for (const auto& probe : probes) {
    const std::string filter = R"({"_id": )" + probe + "}";
    auto f = J(filter);
    ASSERT_TRUE(IdHackKey(f.get())) << filter;
    auto compiled = Filter::Compile(f.get());
    ASSERT_TRUE(compiled.ok());
    EXPECT_FALSE(compiled.value().matcher) << filter;
    auto found = FindMatching(*txn.value(), coll_, compiled.value(), nullptr, 0, 0);
    ASSERT_TRUE(found.ok()) << found.error().message;
    std::vector<std::string> got;
    for (const auto& m : found.value()) got.push_back(IdOf(m.doc.get()));
    EXPECT_EQ(got, Scan(filter)) << filter;
    auto skipped = FindMatching(*txn.value(), coll_, compiled.value(), nullptr, 1, 0);
    ASSERT_TRUE(skipped.ok());
    EXPECT_TRUE(skipped.value().empty()) << filter;
  }
  // Filters IDHACK leaves to the planner and the matcher.
  for (const char* other :
       {R"({"_id": null})", R"({"_id": {"k": 1}})", R"({"_id": {"$eq": 1}})", R"({"_id": [1]})",
        R"({"_id": {"$regex": "x"}})", R"({"_id": 1, "i": 0})", R"({"i": 0, "_id": 1})",
        R"({"_idx": 1})", R"({})"}) {
    auto f = J(other);
    EXPECT_FALSE(IdHackKey(f.get())) << other;
    auto compiled = Filter::Compile(f.get());
    ASSERT_TRUE(compiled.ok()) << other;
    ASSERT_TRUE(compiled.value().matcher) << other;
    auto found = FindMatching(*txn.value(), coll_, compiled.value(), nullptr, 0, 0);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found.value().size(), Scan(other).size()) << other;
  }
  // An invalid sort is still an error.
  auto f = J(R"({"_id": 1})");
  auto compiled = Filter::Compile(f.get());
  ASSERT_TRUE(compiled.ok());
  auto bad_sort = J(R"({"a": "sideways"})");
  EXPECT_FALSE(FindMatching(*txn.value(), coll_, compiled.value(), bad_sort.get(), 0, 0).ok());
}

}  // namespace
}  // namespace tactus::docdb::commands
