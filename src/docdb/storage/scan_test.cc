// Range scans over _id and secondary indexes, in both directions, against a brute-force
// evaluation with query/compare.h.
#include <algorithm>
#include <random>

#include "docdb/query/compare.h"
#include "docdb/storage/test_util.h"

namespace tactus::docdb::storage {
namespace {

using testing::J;
using testing::K;
using testing::MakeCollection;
using testing::Ok;
using testing::OpenStore;
using testing::TempDir;

// Values of every type bracket, some equal across numeric types.
const std::vector<std::string> kValues = {R"({"$minKey": 1})",
                                          "null",
                                          "-5",
                                          "0",
                                          "1",
                                          "1.0",
                                          R"({"$numberLong": "1"})",
                                          "2.5",
                                          "1e300",
                                          "-1e-300",
                                          R"({"$numberDouble": "Infinity"})",
                                          R"({"$numberDouble": "-Infinity"})",
                                          R"("")",
                                          R"("a")",
                                          R"("ab")",
                                          R"("b")",
                                          R"({"x": 1})",
                                          R"({"x": 1, "y": 2})",
                                          R"({"y": 0})",
                                          R"({"$binary": {"base64": "AA==", "subType": "00"}})",
                                          R"({"$oid": "64b7f0c2a1b2c3d4e5f60718"})",
                                          "false",
                                          "true",
                                          R"({"$date": {"$numberLong": "-1"}})",
                                          R"({"$date": {"$numberLong": "5"}})",
                                          R"({"$timestamp": {"t": 1, "i": 2}})",
                                          R"({"$maxKey": 1})"};

// One indexed value or a multikey array per document; the index holds (value, _id) pairs.
struct Entry {
  BsonPtr holder;  // {v: value}
  bson_value_t value;
  int id;
};

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    coll_ = MakeCollection(store_.get(), "db", "coll");
    txn_ = Ok(store_->Begin(TxnMode::kWrite));
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  CollectionInfo coll_;
  std::unique_ptr<Txn> txn_;
};

int IdInt(const bson_t* doc) {
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, doc, "_id"));
  return bson_iter_int32(&it);
}

TEST_F(ScanTest, IndexRangesMatchBruteForceInBothDirections) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1}})").get()));
  std::vector<Entry> entries;
  int id = 0;
  auto add_entry = [&](const std::string& value_json, int doc_id) {
    Entry e;
    e.holder = J(R"({"v": )" + value_json + "}");
    bson_iter_t it;
    bson_iter_init_find(&it, e.holder.get(), "v");
    e.value = *bson_iter_value(&it);
    e.id = doc_id;
    entries.push_back(std::move(e));
  };
  for (const std::string& v : kValues) {
    ++id;
    Ok(txn_->Insert(coll_, J(R"({"_id": )" + std::to_string(id) + R"(, "a": )" + v + "}").get()));
    add_entry(v, id);
  }
  // Multikey documents: one entry per distinct element; a missing field indexes as null.
  ++id;
  Ok(txn_->Insert(coll_, J(R"({"_id": )" + std::to_string(id) + R"(, "a": [3, "a", 3]})").get()));
  add_entry("3", id);
  add_entry(R"("a")", id);
  ++id;
  Ok(txn_->Insert(coll_, J(R"({"_id": )" + std::to_string(id) + "}").get()));
  add_entry("null", id);

  IndexInfo index = std::move(Ok(txn_->ListIndexes(coll_))[1]);
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, kValues.size() - 1);
  for (int round = 0; round < 300; ++round) {
    KeyRange range;
    std::optional<std::size_t> lo, hi;
    if (rng() % 5 != 0) lo = pick(rng);
    if (rng() % 5 != 0) hi = pick(rng);
    range.lower_inclusive = rng() % 2;
    range.upper_inclusive = rng() % 2;
    BsonPtr lo_holder, hi_holder;
    bson_value_t lo_value{}, hi_value{};
    auto value_of = [](const std::string& json, BsonPtr* holder) {
      *holder = J(R"({"v": )" + json + "}");
      bson_iter_t it;
      bson_iter_init_find(&it, holder->get(), "v");
      return *bson_iter_value(&it);
    };
    if (lo) {
      lo_value = value_of(kValues[*lo], &lo_holder);
      range.lower = K(kValues[*lo]);
    }
    if (hi) {
      hi_value = value_of(kValues[*hi], &hi_holder);
      range.upper = K(kValues[*hi]);
    }
    std::vector<const Entry*> expected;
    for (const Entry& e : entries) {
      if (lo) {
        int c = query::CompareValues(e.value, lo_value);
        if (c < 0 || (c == 0 && !range.lower_inclusive)) continue;
      }
      if (hi) {
        int c = query::CompareValues(e.value, hi_value);
        if (c > 0 || (c == 0 && !range.upper_inclusive)) continue;
      }
      expected.push_back(&e);
    }
    // Key order, then _id order (ids are ints, so their order is numeric).
    std::stable_sort(expected.begin(), expected.end(), [](const Entry* a, const Entry* b) {
      int c = query::CompareValues(a->value, b->value);
      return c != 0 ? c < 0 : a->id < b->id;
    });
    std::vector<int> want;
    for (const Entry* e : expected) want.push_back(e->id);
    for (bool reverse : {false, true}) {
      std::vector<int> got;
      Ok(txn_->ScanIndex(coll_, index, range, reverse, [&](const std::string&, const bson_t* doc) {
        got.push_back(IdInt(doc));
        return true;
      }));
      if (reverse) std::reverse(got.begin(), got.end());
      ASSERT_EQ(got, want) << "round " << round << " lo " << (lo ? kValues[*lo] : "-") << " hi "
                           << (hi ? kValues[*hi] : "-") << " reverse " << reverse;
    }
  }
}

TEST_F(ScanTest, IdRangesMatchBruteForceInBothDirections) {
  for (std::size_t i = 0; i < kValues.size(); ++i) {
    // Equal numbers collide on _id; keep the first of each.
    auto inserted = txn_->Insert(
        coll_, J(R"({"_id": )" + kValues[i] + R"(, "i": )" + std::to_string(i) + "}").get());
    if (!inserted.ok()) {
      ASSERT_EQ(inserted.error().code, kDuplicateKey);
    }
  }
  std::vector<std::string> all;
  Ok(txn_->ScanCollection(coll_, {}, false, [&](const std::string& id_key, const bson_t*) {
    all.push_back(id_key);
    return true;
  }));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (std::size_t lo = 0; lo < all.size(); lo += 3) {
    for (std::size_t hi = lo; hi < all.size(); hi += 4) {
      KeyRange range{all[lo], all[hi], false, true};
      std::vector<std::string> want(all.begin() + lo + 1, all.begin() + hi + 1);
      std::vector<std::string> got;
      Ok(txn_->ScanCollection(coll_, range, true, [&](const std::string& id_key, const bson_t*) {
        got.push_back(id_key);
        return true;
      }));
      std::reverse(got.begin(), got.end());
      EXPECT_EQ(got, want);
    }
  }
  // The _id index scans the documents table.
  IndexInfo id_index = std::move(Ok(txn_->ListIndexes(coll_))[0]);
  int visited = 0;
  Ok(txn_->ScanIndex(coll_, id_index, PrefixRange(std::string(1, query::kKeyClassString)), false,
                     [&](const std::string&, const bson_t*) {
                       ++visited;
                       return true;
                     }));
  EXPECT_EQ(visited, 4);  // "", "a", "ab", "b"
}

TEST_F(ScanTest, CompoundPrefixRangesAndEarlyStop) {
  Ok(txn_->CreateIndex(coll_, J(R"({"key": {"a": 1, "b": -1}})").get()));
  int id = 0;
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      Ok(txn_->Insert(coll_, J(R"({"_id": )" + std::to_string(++id) + R"(, "a": )" +
                               std::to_string(a) + R"(, "b": )" + std::to_string(b) + "}")
                                 .get()));
    }
  }
  IndexInfo index = std::move(Ok(txn_->ListIndexes(coll_))[1]);
  auto scan = [&](const KeyRange& range, bool reverse, int limit = 100) {
    std::vector<std::string> out;
    Ok(txn_->ScanIndex(coll_, index, range, reverse, [&](const std::string&, const bson_t* doc) {
      bson_iter_t a, b;
      bson_iter_init_find(&a, doc, "a");
      bson_iter_init_find(&b, doc, "b");
      out.push_back(std::to_string(bson_iter_int32(&a)) + std::to_string(bson_iter_int32(&b)));
      return static_cast<int>(out.size()) < limit;
    }));
    return out;
  };
  // a == 2: b descending.
  EXPECT_EQ(scan(PrefixRange(K("2")), false), (std::vector<std::string>{"23", "22", "21", "20"}));
  EXPECT_EQ(scan(PrefixRange(K("2")), true), (std::vector<std::string>{"20", "21", "22", "23"}));
  // a == 1 and b == 2.
  EXPECT_EQ(scan(PrefixRange(K("1") + K("2", true)), false), std::vector<std::string>{"12"});
  // 1 < a <= 2, i.e. past every key starting with 1, up to the end of the keys starting with 2.
  KeyRange range{PrefixRange(K("1")).upper, PrefixRange(K("2")).upper, true, false};
  EXPECT_EQ(scan(range, false), (std::vector<std::string>{"23", "22", "21", "20"}));
  // a == 3 and b >= 2: on a descending field the bound becomes an upper one.
  KeyRange b_ge{K("3"), PrefixRange(K("3") + K("2", true)).upper, true, false};
  EXPECT_EQ(scan(b_ge, false), (std::vector<std::string>{"33", "32"}));
  // The visitor stops the scan.
  EXPECT_EQ(scan({}, true, 3), (std::vector<std::string>{"30", "31", "32"}));
}

TEST(PrefixRangeTest, SuccessorSkipsTrailingFfBytes) {
  KeyRange r = PrefixRange(std::string("\x0A\x12\xFF\xFF", 4));
  EXPECT_EQ(*r.lower, std::string("\x0A\x12\xFF\xFF", 4));
  EXPECT_TRUE(r.lower_inclusive);
  EXPECT_EQ(*r.upper, std::string("\x0A\x13", 2));
  EXPECT_FALSE(r.upper_inclusive);
  EXPECT_FALSE(PrefixRange(std::string("\xFF\xFF", 2)).upper.has_value());
  EXPECT_FALSE(PrefixRange("").upper.has_value());
}

}  // namespace
}  // namespace tactus::docdb::storage
