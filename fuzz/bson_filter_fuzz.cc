// Treats arbitrary bytes as a BSON query filter: compiles it and, when it compiles, matches it
// against fixed documents covering every BSON type and array shape. The same bytes also go
// through projection and sort compilation, and the key-encoding invariant (memcmp order of key
// encodings == CompareValues order) is checked between the input and the fixed documents.
// Catches crashes, sanitizer reports, unbounded recursion and hangs (PCRE2 limits) in query/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/query/compare.h"
#include "docdb/query/key_encoding.h"
#include "docdb/query/matcher.h"
#include "docdb/query/path.h"
#include "docdb/query/projection.h"
#include "docdb/query/sort.h"

namespace {

namespace dq = tactus::docdb::query;
using tactus::docdb::BsonPtr;

constexpr const char* kDocuments[] = {
    R"({"_id": 1, "a": 1, "b": "x", "c": null, "d": {"e": [1, 2, {"f": 3}]}})",
    R"({"_id": {"$oid": "0123456789abcdef01234567"}, "a": [1, [2, 3], {"b": 4}, []],
        "s": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "n": {"$numberDouble": "NaN"}})",
    R"({"a": {"$numberDecimal": "1.5"}, "l": {"$numberLong": "-9223372036854775808"},
        "t": {"$timestamp": {"t": 1, "i": 2}}, "r": {"$regularExpression": {"pattern": "a",
        "options": "i"}}, "bin": {"$binary": {"base64": "AAE=", "subType": "00"}},
        "dt": {"$date": {"$numberLong": "0"}}, "mn": {"$minKey": 1}, "mx": {"$maxKey": 1},
        "inf": {"$numberDouble": "-Infinity"}, "u": {"$undefined": true}})",
    R"({"instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}],
        "0": {"1": [[{"a": 1}]]}, "": {"": ""}})",     R"({})",
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

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  BsonPtr input = tactus::docdb::BsonFromBytes(data, size);
  if (!input) return 0;
  const auto& docs = Documents();

  auto matcher = dq::Matcher::Compile(input.get());
  if (matcher.ok()) {
    for (const BsonPtr& doc : docs) {
      dq::MatchDetails details;
      auto matched = matcher.value().Matches(doc.get(), &details);
      if (matched.ok() && matched.value()) {
        auto as_projection = dq::Projection::Compile(input.get());
        if (as_projection.ok()) (void)as_projection.value().Apply(doc.get(), &details);
      }
    }
    (void)matcher.value().Matches(input.get());  // the filter as a document
  }

  auto projection = dq::Projection::Compile(input.get());
  if (projection.ok()) {
    for (const BsonPtr& doc : docs) (void)projection.value().Apply(doc.get(), nullptr);
  }
  auto sort = dq::SortSpec::Compile(input.get());
  if (sort.ok()) {
    for (const BsonPtr& doc : docs) (void)sort.value().KeyFor(doc.get());
  }

  // Key encoding agrees with the comparison, for the input against each fixed document.
  bson_value_t in = dq::DocumentValue(input.get());
  std::string in_key = dq::EncodeKeyValue(in);
  if (dq::CompareValues(in, in) != 0) __builtin_trap();
  for (const BsonPtr& doc : docs) {
    bson_value_t other = dq::DocumentValue(doc.get());
    int expected = Sign(dq::CompareValues(in, other));
    if (Sign(in_key.compare(dq::EncodeKeyValue(other))) != expected) __builtin_trap();
    if (Sign(dq::CompareValues(other, in)) != -expected) __builtin_trap();
  }
  return 0;
}
