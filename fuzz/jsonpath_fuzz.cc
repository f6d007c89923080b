// Parses arbitrary bytes as a JSONPath and, when they parse, runs every operation on a fixed
// document. Catches crashes, sanitizer reports, stack exhaustion and hangs in jsonpath.cc.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "asl/jsonpath.h"
#include "common/json.h"

namespace {

namespace json = boost::json;

// Every JSON type, nesting, duplicates of names at several depths, odd keys.
constexpr std::string_view kSample = R"({
  "a": {"b": {"c": [1, 2.5, "x", true, null, {"c": "deep"}]}, "n": -3},
  "store": {"book": [
    {"title": "A", "price": 8.95, "isbn": "0-1", "tags": ["x", "y"]},
    {"title": "B", "price": 12, "tags": []},
    {"title": "C", "price": 22.99, "isbn": "0-2", "nested": {"price": 1}}
  ], "bicycle": {"color": "red", "price": 19.95}},
  "arr": [[0, [1, [2, [3]]]], {"k": "v"}, "", 0, -1, 1e300, 18446744073709551615],
  "weird keys": {"it's": 1, "a.b": 2, "": 3, "ü": 4, "$": 5, "@": 6},
  "empty": {}, "list": []
})";

struct Sample {
  json::value doc;
  json::value context;
  json::object variables;
};

const Sample& GetSample() {
  static const Sample* sample = [] {
    auto* s = new Sample;
    s->doc = tactus::common::ParseJson(kSample).value();
    s->context = s->doc;
    s->variables["v"] = s->doc;
    s->variables["x"] = 1;
    return s;
  }();
  return *sample;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tactus::asl::JsonPath::Parse(text);
  if (!parsed.ok()) return 0;
  const tactus::asl::JsonPath& path = parsed.value();
  const Sample& sample = GetSample();

  (void)path.NormalizedText();
  (void)path.IsDefinite();
  std::optional<json::value> v = path.Evaluate(sample.doc);
  if (path.IsDefinite() == false && !v) __builtin_trap();  // indefinite never yields nullopt

  tactus::asl::PathScope scope{&sample.doc, &sample.context, &sample.variables};
  (void)path.Evaluate(scope);

  std::vector<const json::value*> out;
  path.Select(sample.doc, &out);

  if (path.IsReferencePath() && path.root() == tactus::asl::PathRoot::kInput) {
    json::value copy = sample.doc;
    (void)path.Assign(&copy, json::value("assigned"));
    if (path.Assign(&copy, json::value(7)).ok()) {
      std::optional<json::value> back = path.Evaluate(copy);
      if (!back || *back != json::value(7)) __builtin_trap();  // what Assign stores is found
    }
  }
  return 0;
}
