// libFuzzer target: parses arbitrary bytes as an intrinsic call and evaluates it against a fixed
// scope. Parse and Evaluate must return an error or a value for every input: no crash, no
// sanitizer report, no unbounded time or memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "asl/intrinsics.h"
#include "common/json.h"
#include "common/random.h"

namespace {

namespace json = boost::json;
using tactus::asl::IntrinsicCall;
using tactus::asl::PathScope;

// A scope with a value of every kind, so that paths reach strings, numbers, arrays and objects.
struct Fixture {
  json::value input = tactus::common::ParseJson(R"({
      "s": "a,b;c", "t": "Hello {} and {}", "n": 3, "d": 2.5, "neg": -7, "b": true, "z": null,
      "arr": [1, 2, 2, "x", [1], {"k": 1}], "nums": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      "obj": {"k": "v", "o": {"a": 1}}, "json": "{\"q\": [1, 2]}", "b64": "SGVsbG8="})")
                          .value();
  json::value context = tactus::common::ParseJson(
                            R"({"Execution": {"Id": "arn:x", "Input": {"a": 1}},
                                "StateMachine": {"Name": "m-a-b"}, "Map": {"Item": {"Index": 0}}})")
                            .value();
  json::object variables =
      tactus::common::ParseJson(R"({"v": {"w": [1, "two"]}, "x": "s"})").value().as_object();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  // Longer inputs add no new parser states; they only slow the fuzzer down.
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)IntrinsicCall::LooksLikeCall(text);
  auto call = IntrinsicCall::Parse(text);
  if (!call.ok()) return 0;
  PathScope scope{&fixture.input, &fixture.context, &fixture.variables};
  tactus::common::SeededRandom random(size);
  auto result = call->Evaluate(scope, random);
  if (result.ok()) {
    (void)tactus::common::SerializeJson(result.value());
  } else {
    (void)result.failure().cause.size();
  }
  return 0;
}
