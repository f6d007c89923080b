// Treats arbitrary bytes as an aggregation pipeline (a BSON document whose values are stages):
// parses it and, when it parses, runs it over fixed documents covering every BSON type, with an
// in-memory environment for $lookup/$unionWith/$out/$merge and a small memory limit (so both
// the 292 error and the spill paths run). Catches crashes, sanitizer reports and unbounded
// recursion in agg/ and the expression language of query/.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/bson_util.h"
#include "docdb/query/matcher.h"
#include "docdb/wire/bson_check.h"
#include "docdb/wire/limits.h"

namespace {

namespace agg = tactus::docdb::agg;
namespace dq = tactus::docdb::query;
using tactus::docdb::BsonPtr;
using tactus::docdb::DbResult;
using tactus::docdb::Done;

constexpr const char* kDocuments[] = {
    R"({"_id": 1, "a": 1, "b": "x", "c": null, "d": {"e": [1, 2, {"f": 3}]}, "s": "héllo"})",
    R"({"_id": {"$oid": "0123456789abcdef01234567"}, "a": [1, [2, 3], {"b": 4}, []],
        "n": {"$numberDouble": "NaN"}, "dt": {"$date": "2021-03-04T05:06:07Z"}})",
    R"({"_id": 3, "a": {"$numberDecimal": "1.5"}, "l": {"$numberLong": "-9223372036854775808"},
        "t": {"$timestamp": {"t": 1, "i": 2}}, "r": {"$regularExpression": {"pattern": "a",
        "options": "i"}}, "bin": {"$binary": {"base64": "AAE=", "subType": "00"}},
        "mn": {"$minKey": 1}, "mx": {"$maxKey": 1}, "inf": {"$numberDouble": "-Infinity"}})",
    R"({"_id": 4, "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]})",
    R"({"_id": 5})",
};

const std::vector<BsonPtr>& Documents() {
  static const std::vector<BsonPtr>* docs = [] {
    auto* out = new std::vector<BsonPtr>;
    for (const char* json : kDocuments) {
      bson_error_t error;
      bson_t* b = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json), -1, &error);
      if (b == nullptr) __builtin_trap();  // the fixed documents must parse
      out->emplace_back(b);
    }
    return out;
  }();
  return *docs;
}

// Every collection holds the fixed documents until written.
class Env : public agg::Environment {
 public:
  DbResult<std::vector<BsonPtr>> Read(const std::string& db, const std::string& coll,
                                      const bson_t* filter) override {
    auto m = dq::Matcher::Compile(filter);
    if (!m.ok()) return m.error();
    std::vector<BsonPtr> out;
    auto found = written_.find(db + "." + coll);
    const auto& docs = found != written_.end() ? found->second : Documents();
    for (const auto& d : docs) {
      auto hit = m.value().Matches(d.get());
      if (hit.ok() && hit.value()) out.push_back(tactus::docdb::CopyBson(d.get()));
    }
    return out;
  }
  DbResult<Done> ReplaceCollection(const std::string& db, const std::string& coll,
                                   const std::vector<BsonPtr>& docs) override {
    auto& c = written_[db + "." + coll];
    c.clear();
    for (const auto& d : docs) c.push_back(tactus::docdb::CopyBson(d.get()));
    return Done{};
  }
  DbResult<Done> Insert(const std::string& db, const std::string& coll,
                        const bson_t* doc) override {
    written_[db + "." + coll].push_back(tactus::docdb::CopyBson(doc));
    return Done{};
  }
  DbResult<Done> Replace(const std::string&, const std::string&, const bson_t*,
                         const bson_t*) override {
    return Done{};
  }
  bool in_transaction() const override { return false; }

 private:
  std::map<std::string, std::vector<BsonPtr>> written_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // As the server does for every command document (wire/bson_check.h).
  namespace wire = tactus::docdb::wire;
  if (!wire::CheckWireBson(data, size, wire::kMaxWireNestingDepth).empty()) return 0;
  BsonPtr input = tactus::docdb::BsonFromBytes(data, size);
  if (!input) return 0;
  dq::ExprScope scope(1'600'000'000'000);
  auto pipeline = agg::Pipeline::Parse(input.get(), scope);
  if (!pipeline.ok()) return 0;
  std::vector<const bson_t*> raw;
  for (const auto& d : Documents()) raw.push_back(d.get());
  for (bool disk : {false, true}) {
    Env env;
    agg::Options options;
    options.db = "fuzz";
    options.allow_disk_use = disk;
    options.stage_memory_limit = 4096;
    dq::EvalContext ctx(scope.slot_count(), scope.now_ms());
    auto out = pipeline.value().RunOver(raw, options, ctx, &env);
    if (out.ok()) {
      for (const auto& doc : out.value()) {
        // Structurally sound (strings are not UTF-8-checked, as the store does not check them).
        if (!wire::CheckWireBson(bson_get_data(doc.get()), doc->len, 1000).empty()) {
          __builtin_trap();
        }
      }
    }
  }
  return 0;
}
