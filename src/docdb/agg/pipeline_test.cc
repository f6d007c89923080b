#include "docdb/agg/pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "docdb/query/matcher.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::agg {
namespace {

using query::testing::J;

// Collections in memory, for $lookup / $out / $merge.
class FakeEnvironment : public Environment {
 public:
  std::map<std::string, std::vector<BsonPtr>> colls;
  bool txn = false;

  DbResult<std::vector<BsonPtr>> Read(const std::string& db, const std::string& coll,
                                      const bson_t* filter) override {
    auto m = query::Matcher::Compile(filter);
    if (!m.ok()) return m.error();
    std::vector<BsonPtr> out;
    for (const auto& d : colls[db + "." + coll]) {
      if (m.value().Matches(d.get()).value()) out.push_back(CopyBson(d.get()));
    }
    return out;
  }
  DbResult<Done> ReplaceCollection(const std::string& db, const std::string& coll,
                                   const std::vector<BsonPtr>& docs) override {
    auto& c = colls[db + "." + coll];
    c.clear();
    for (const auto& d : docs) c.push_back(CopyBson(d.get()));
    return Done{};
  }
  DbResult<Done> Insert(const std::string& db, const std::string& coll,
                        const bson_t* doc) override {
    colls[db + "." + coll].push_back(CopyBson(doc));
    return Done{};
  }
  DbResult<Done> Replace(const std::string& db, const std::string& coll, const bson_t* old_doc,
                         const bson_t* new_doc) override {
    for (auto& d : colls[db + "." + coll]) {
      if (bson_equal(d.get(), old_doc)) d = CopyBson(new_doc);
    }
    return Done{};
  }
  bool in_transaction() const override { return txn; }
};

struct Result {
  std::vector<std::string> docs;
  int code = 0;
};

Result RunPipeline(const std::string& pipeline, const std::vector<std::string>& input,
                   Options options = {}, Environment* env = nullptr) {
  auto spec = J("{\"p\": " + pipeline + "}");
  bson_iter_t it;
  bson_iter_init_find(&it, spec.get(), "p");
  query::ExprScope scope(1000);
  auto parsed = Pipeline::ParseValue(*bson_iter_value(&it), scope);
  if (!parsed.ok()) return {{}, parsed.error().code};
  std::vector<BsonPtr> docs;
  std::vector<const bson_t*> raw;
  for (const auto& s : input) {
    docs.push_back(J(s));
    raw.push_back(docs.back().get());
  }
  if (options.db.empty()) options.db = "db";
  query::EvalContext ctx(scope.slot_count(), 1000);
  auto out = parsed.value().RunOver(raw, options, ctx, env);
  if (!out.ok()) return {{}, out.error().code};
  Result r;
  for (const auto& d : out.value()) r.docs.push_back(ToJson(d.get()));
  return r;
}

using V = std::vector<std::string>;

TEST(PipelineTest, ProjectionModes) {
  V in = {R"({"_id": 1, "a": {"b": 1, "c": 2}, "arr": [{"x": 1, "y": 2}, 5], "z": 3})"};
  EXPECT_EQ(RunPipeline(R"([{"$project": {"a.b": 1, "arr.x": 1}}])", in).docs,
            (V{R"({ "_id" : 1, "a" : { "b" : 1 }, "arr" : [ { "x" : 1 } ] })"}));
  EXPECT_EQ(RunPipeline(R"([{"$project": {"a": {"c": 0}, "arr": 0, "_id": 0}}])", in).docs,
            (V{R"({ "a" : { "b" : 1 }, "z" : 3 })"}));
  EXPECT_EQ(
      RunPipeline(R"([{"$project": {"_id": 0, "s": {"$add": ["$z", 1]}, "n.m": "$a.c"}}])", in)
          .docs,
      (V{R"({ "s" : 4, "n" : { "m" : 2 } })"}));
  EXPECT_EQ(
      RunPipeline(R"([{"$addFields": {"a.d": 9, "z": "$$REMOVE"}}])", in).docs,
      (V{R"({ "_id" : 1, "a" : { "b" : 1, "c" : 2, "d" : 9 }, "arr" : [ { "x" : 1, "y" : 2 }, 5 ] })"}));
  // Through an array: every element gets the field (scalars become documents).
  EXPECT_EQ(RunPipeline(R"([{"$set": {"arr.d": 9}}, {"$project": {"arr": 1, "_id": 0}}])", in).docs,
            (V{R"({ "arr" : [ { "x" : 1, "y" : 2, "d" : 9 }, { "d" : 9 } ] })"}));
  EXPECT_EQ(RunPipeline(R"([{"$project": {"a": 1, "z": 0}}])", in).code, 31254);
  EXPECT_EQ(RunPipeline(R"([{"$project": {"a": 0, "z": {"$add": [1]}}}])", in).code, 31252);
  EXPECT_EQ(RunPipeline(R"([{"$project": {}}])", in).code, 51272);
  EXPECT_EQ(RunPipeline(R"([{"$project": {"a": 1, "a.b": 1}}])", in).code, 31250);
}

TEST(PipelineTest, ParseErrors) {
  EXPECT_EQ(RunPipeline(R"([{"$match": {}, "$limit": 1}])", {}).code, 40323);
  EXPECT_EQ(RunPipeline(R"([{"$frobnicate": {}}])", {}).code, 40324);
  EXPECT_EQ(RunPipeline(R"([{"$limit": 0}])", {}).code, 15958);
  EXPECT_EQ(RunPipeline(R"([{"$skip": -1}])", {}).code, 15956);
  EXPECT_EQ(RunPipeline(R"([{"$group": {"n": {"$sum": 1}}}])", {}).code, 15955);
  EXPECT_EQ(RunPipeline(R"([{"$group": {"_id": 1, "n": {"$median": 1}}}])", {}).code, 15952);
  EXPECT_EQ(RunPipeline(R"([{"$unwind": "a"}])", {}).code, 28818);
  EXPECT_EQ(RunPipeline(R"([{"$out": "x"}, {"$limit": 1}])", {}).code, 40601);
  EXPECT_EQ(RunPipeline(R"([{"$facet": {"a": [{"$out": "x"}]}}])", {}).code, 40600);
  EXPECT_EQ(RunPipeline(R"([{"$bucket": {"groupBy": "$a", "boundaries": [3, 1]}}])", {}).code,
            40194);
  EXPECT_EQ(RunPipeline(R"([{"$count": "a.b"}])", {}).code, 40160);
}

TEST(PipelineTest, GroupAccumulators) {
  V in = {R"({"k": 1, "v": 1, "o": {"a": 1}})", R"({"k": 1.0, "v": 2.5, "o": {"b": 2}})",
          R"({"k": 2, "v": "x"})", R"({"v": null})"};
  EXPECT_EQ(
      RunPipeline(
          R"([{"$group": {"_id": "$k", "s": {"$sum": "$v"}, "mn": {"$min": "$v"}, "mx": {"$max": "$v"},
                                        "l": {"$last": "$v"}, "m": {"$mergeObjects": "$o"}}}])",
          in)
          .docs,
      (V{R"({ "_id" : 1, "s" : 3.5, "mn" : 1, "mx" : 2.5, "l" : 2.5, "m" : { "a" : 1, "b" : 2 } })",
         R"({ "_id" : 2, "s" : 0, "mn" : "x", "mx" : "x", "l" : "x", "m" : {  } })",
         R"({ "_id" : null, "s" : 0, "mn" : null, "mx" : null, "l" : null, "m" : {  } })"}));
  EXPECT_EQ(RunPipeline(R"([{"$group": {"_id": null, "s": {"$sum": "$v"}}}])", {}).docs, V{});
}

TEST(PipelineTest, SpillingGivesTheInMemoryAnswer) {
  std::mt19937 rng(7);
  V in;
  for (int i = 0; i < 3000; ++i) {
    in.push_back(R"({"_id": )" + std::to_string(i) + R"(, "g": )" + std::to_string(rng() % 300) +
                 R"(, "v": )" + std::to_string(rng() % 1000) + "}");
  }
  const char* group =
      R"([{"$group": {"_id": "$g", "n": {"$sum": 1}, "s": {"$sum": "$v"}, "a": {"$avg": "$v"},
                          "f": {"$first": "$_id"}, "l": {"$last": "$_id"}, "p": {"$push": "$_id"},
                          "u": {"$addToSet": {"$mod": ["$v", 3]}}, "mx": {"$max": "$v"}}},
                          {"$set": {"u": {"$size": "$u"}}}, {"$sort": {"_id": 1}}])";
  const char* sort = R"([{"$sort": {"v": -1, "g": 1}}, {"$project": {"_id": 1}}])";
  Result group_mem = RunPipeline(group, in);
  Result sort_mem = RunPipeline(sort, in);
  ASSERT_EQ(group_mem.code, 0);
  ASSERT_EQ(group_mem.docs.size(), 300u);
  Options small;
  small.stage_memory_limit = 8 * 1024;
  EXPECT_EQ(RunPipeline(group, in, small).code, kQueryExceededMemoryLimitNoDiskUseAllowed);
  EXPECT_EQ(RunPipeline(sort, in, small).code, kQueryExceededMemoryLimitNoDiskUseAllowed);
  small.allow_disk_use = true;
  Result group_disk = RunPipeline(group, in, small);
  Result sort_disk = RunPipeline(sort, in, small);
  EXPECT_EQ(group_disk.code, 0);
  EXPECT_EQ(group_disk.docs, group_mem.docs);
  EXPECT_EQ(sort_disk.docs, sort_mem.docs);
}

TEST(PipelineTest, SortLimitIsTopK) {
  V in;
  for (int i = 0; i < 1000; ++i)
    in.push_back(R"({"_id": )" + std::to_string(i) + R"(, "pad": "................"})");
  Options small;
  small.stage_memory_limit = 4 * 1024;
  EXPECT_EQ(
      RunPipeline(R"([{"$sort": {"_id": -1}}, {"$limit": 3}, {"$project": {"_id": 1}}])", in, small)
          .docs,
      (V{R"({ "_id" : 999 })", R"({ "_id" : 998 })", R"({ "_id" : 997 })"}));
}

TEST(PipelineTest, LookupMergeAndOutThroughTheEnvironment) {
  FakeEnvironment env;
  env.colls["db.people"].push_back(J(R"({"_id": 1, "tags": ["a", "b"]})"));
  env.colls["db.people"].push_back(J(R"({"_id": 2, "tags": "c"})"));
  env.colls["db.people"].push_back(J(R"({"_id": 3})"));
  V in = {R"({"_id": 10, "t": "b"})", R"({"_id": 11, "t": ["c", "a"]})", R"({"_id": 12})"};
  EXPECT_EQ(
      RunPipeline(
          R"([{"$lookup": {"from": "people", "localField": "t", "foreignField": "tags", "as": "p"}},
                            {"$project": {"p": "$p._id"}}])",
          in, {}, &env)
          .docs,
      (V{R"({ "_id" : 10, "p" : [ 1 ] })", R"({ "_id" : 11, "p" : [ 1, 2 ] })",
         R"({ "_id" : 12, "p" : [ 3 ] })"}));
  EXPECT_EQ(
      RunPipeline(R"([{"$merge": {"into": {"db": "cold", "coll": "x"}}}])", in, {}, &env).docs,
      V{});
  EXPECT_EQ(env.colls["cold.x"].size(), 3u);
  env.txn = true;
  EXPECT_EQ(RunPipeline(R"([{"$out": "y"}])", in, {}, &env).code, 263);
}

}  // namespace
}  // namespace tactus::docdb::agg
