#include "asl/intrinsics.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/random.h"

namespace tactus::asl {
namespace {

json::value J(std::string_view text) {
  auto parsed = common::ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? parsed.value() : json::value();
}

class IntrinsicsTest : public ::testing::Test {
 protected:
  // Parses and evaluates `expr` against input_, context_ and variables_.
  Eval<json::value> Run(std::string_view expr) {
    auto call = IntrinsicCall::Parse(expr);
    if (!call.ok()) {
      ADD_FAILURE() << "parse failed: " << call.status().message();
      return Failure{"parse", call.status().message()};
    }
    PathScope scope{&input_, &context_, &variables_};
    return call->Evaluate(scope, random_);
  }

  json::value Ok(std::string_view expr) {
    Eval<json::value> r = Run(expr);
    if (!r.ok()) {
      ADD_FAILURE() << expr << " failed: " << r.failure().error << ": " << r.failure().cause;
      return nullptr;
    }
    return r.value();
  }

  // The cause of a States.IntrinsicFailure.
  std::string Fails(std::string_view expr, std::string_view error = kStatesIntrinsicFailure) {
    Eval<json::value> r = Run(expr);
    if (r.ok()) {
      ADD_FAILURE() << expr << " succeeded with " << common::SerializeJson(r.value());
      return "";
    }
    EXPECT_EQ(r.failure().error, error) << expr;
    return r.failure().cause;
  }

  // The message of a Parse error.
  static std::string ParseError(std::string_view expr) {
    auto call = IntrinsicCall::Parse(expr);
    if (call.ok()) {
      ADD_FAILURE() << "parse of '" << expr.substr(0, 200) << "' succeeded";
      return "";
    }
    EXPECT_EQ(call.status().code(), common::StatusCode::kInvalidArgument);
    return call.status().message();
  }

  json::value input_ = json::object();
  json::value context_ = json::object();
  json::object variables_;
  common::SeededRandom random_{42};
};

#define EXPECT_JSON(actual, expected_text) \
  EXPECT_EQ(common::SerializeJson(actual), common::SerializeJson(J(expected_text)))

// --- Recorded against AWS: every intrinsic_functions conformance case whose Pass state computes
// one "FunctionResult.$" (generated from shared/conformance/asl/cases/intrinsic_functions). ---

struct RecordedCase {
  const char* name;
  const char* expr;
  const char* input;
  const char* expected;
};

constexpr RecordedCase kRecorded[] = {
    {"array__test_array_0", R"json(States.Array())json",
     R"json({"FunctionInput": "HelloWorld"})json", R"json([])json"},
    {"array__test_array_2__000",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "", "snd": ""}})json", R"json(["", ""])json"},
    {"array__test_array_2__001",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": " ", "snd": " "}})json", R"json([" ", " "])json"},
    {"array__test_array_2__002",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "HelloWorld", "snd": "HelloWorld"}})json",
     R"json(["HelloWorld", "HelloWorld"])json"},
    {"array__test_array_2__003",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": null, "snd": null}})json", R"json([null, null])json"},
    {"array__test_array_2__004",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1, "snd": 1}})json", R"json([1, 1])json"},
    {"array__test_array_2__005",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1.1, "snd": 1.1}})json", R"json([1.1, 1.1])json"},
    {"array__test_array_2__006",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "{\"Arg1\": 1, \"Arg2\": []}", "snd": "{\"Arg1\": 1, \"Arg2\": []}"}})json",
     R"json(["{\"Arg1\": 1, \"Arg2\": []}", "{\"Arg1\": 1, \"Arg2\": []}"])json"},
    {"array__test_array_2__007",
     R"json(States.Array($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": {"Arg1": 1, "Arg2": []}, "snd": {"Arg1": 1, "Arg2": []}}})json",
     R"json([{"Arg1": 1, "Arg2": []}, {"Arg1": 1, "Arg2": []}])json"},
    {"array__test_array_contains__001",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": []}})json", R"json(false)json"},
    {"array__test_array_contains__002",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": 1}})json", R"json(false)json"},
    {"array__test_array_contains__003",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [[1, 2, 3], 2], "snd": null}})json", R"json(false)json"},
    {"array__test_array_contains__004",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [[1, 2, 3], 2], "snd": [1, 2, 3]}})json", R"json(true)json"},
    {"array__test_array_contains__005",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [{"1": 2, "2": []}], "snd": []}})json", R"json(false)json"},
    {"array__test_array_contains__006",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [{"1": 2, "2": []}], "snd": {"1": 2, "2": []}}})json",
     R"json(true)json"},
    {"array__test_array_contains__007",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [true, false], "snd": true}})json", R"json(true)json"},
    {"array__test_array_contains__008",
     R"json(States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [true, false], "snd": false}})json", R"json(true)json"},
    {"array__test_array_get_item",
     R"json(States.ArrayGetItem($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}})json",
     R"json(6)json"},
    {"array__test_array_length", R"json(States.ArrayLength($.FunctionInput))json",
     R"json({"FunctionInput": [1, 2, 3, 4, 5, 6, 7, 8, 9]})json", R"json(9)json"},
    {"array__test_array_partition__001",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": 2}})json", R"json([])json"},
    {"array__test_array_partition__002",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": 3}})json", R"json([])json"},
    {"array__test_array_partition__003",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": 4}})json", R"json([])json"},
    {"array__test_array_partition__004",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [], "snd": 5}})json", R"json([])json"},
    {"array__test_array_partition__005",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0], "snd": 1}})json", R"json([[0]])json"},
    {"array__test_array_partition__006",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0], "snd": 2}})json", R"json([[0]])json"},
    {"array__test_array_partition__007",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0], "snd": 3}})json", R"json([[0]])json"},
    {"array__test_array_partition__008",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0], "snd": 4}})json", R"json([[0]])json"},
    {"array__test_array_partition__009",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0], "snd": 5}})json", R"json([[0]])json"},
    {"array__test_array_partition__012",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1], "snd": 3}})json", R"json([[0, 1]])json"},
    {"array__test_array_partition__017",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2], "snd": 3}})json", R"json([[0, 1, 2]])json"},
    {"array__test_array_partition__018",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2], "snd": 4}})json", R"json([[0, 1, 2]])json"},
    {"array__test_array_partition__019",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2], "snd": 5}})json", R"json([[0, 1, 2]])json"},
    {"array__test_array_partition__021",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2, 3], "snd": 2}})json",
     R"json([[0, 1], [2, 3]])json"},
    {"array__test_array_partition__022",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2, 3], "snd": 3}})json",
     R"json([[0, 1, 2], [3]])json"},
    {"array__test_array_partition__023",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2, 3], "snd": 4}})json", R"json([[0, 1, 2, 3]])json"},
    {"array__test_array_partition__024",
     R"json(States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": [0, 1, 2, 3], "snd": 5}})json", R"json([[0, 1, 2, 3]])json"},
    {"array__test_array_range__000",
     R"json(States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd))json",
     R"json({"FunctionInput": {"fst": 0, "snd": 9, "trd": 3}})json", R"json([0, 3, 6, 9])json"},
    {"array__test_array_range__001",
     R"json(States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd))json",
     R"json({"FunctionInput": {"fst": 0, "snd": 10, "trd": 3}})json", R"json([0, 3, 6, 9])json"},
    {"array__test_array_range__002",
     R"json(States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd))json",
     R"json({"FunctionInput": {"fst": 1, "snd": 9, "trd": 9}})json", R"json([1])json"},
    {"array__test_array_range__003",
     R"json(States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd))json",
     R"json({"FunctionInput": {"fst": 1, "snd": 9, "trd": 2}})json", R"json([1, 3, 5, 7, 9])json"},
    {"array__test_array_unique", R"json(States.ArrayLength($.FunctionInput))json",
     R"json({"FunctionInput": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}]})json",
     R"json(20)json"},
    {"encode_decode__test_base_64_decode__000", R"json(States.Base64Decode($.FunctionInput))json",
     R"json({"FunctionInput": ""})json", R"json("")json"},
    {"encode_decode__test_base_64_decode__001", R"json(States.Base64Decode($.FunctionInput))json",
     R"json({"FunctionInput": "RGF0YSB0byBlbmNvZGU="})json", R"json("Data to encode")json"},
    {"encode_decode__test_base_64_encode__000", R"json(States.Base64Encode($.FunctionInput))json",
     R"json({"FunctionInput": ""})json", R"json("")json"},
    {"encode_decode__test_base_64_encode__001", R"json(States.Base64Encode($.FunctionInput))json",
     R"json({"FunctionInput": "Data to encode"})json", R"json("RGF0YSB0byBlbmNvZGU=")json"},
    {"generic__test_escape_sequence",
     R"json(States.StringSplit('Hello
World', '
'))json",
     R"json({"FunctionInput": null})json", R"json(["Hello", "World"])json"},
    {"generic__test_format_1__002",
     R"json(States.Format('Formatting argument {}.', $.FunctionInput))json",
     R"json({"FunctionInput": "HelloWorld"})json", R"json("Formatting argument HelloWorld.")json"},
    {"generic__test_format_1__003",
     R"json(States.Format('Formatting argument {}.', $.FunctionInput))json",
     R"json({"FunctionInput": null})json", R"json("Formatting argument null.")json"},
    {"generic__test_format_1__005",
     R"json(States.Format('Formatting argument {}.', $.FunctionInput))json",
     R"json({"FunctionInput": 1.1})json", R"json("Formatting argument 1.1.")json"},
    {"generic__test_format_2__000",
     R"json(States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "", "snd": ""}})json",
     R"json("Formatting arguments fst= and snd=.")json"},
    {"generic__test_format_2__002",
     R"json(States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "HelloWorld", "snd": "HelloWorld"}})json",
     R"json("Formatting arguments fst=HelloWorld and snd=HelloWorld.")json"},
    {"generic__test_format_2__005",
     R"json(States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1.1, "snd": 1.1}})json",
     R"json("Formatting arguments fst=1.1 and snd=1.1.")json"},
    {"generic__test_format_2__006",
     R"json(States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "{\"Arg1\": 1, \"Arg2\": []}", "snd": "{\"Arg1\": 1, \"Arg2\": []}"}})json",
     R"json("Formatting arguments fst={\"Arg1\": 1, \"Arg2\": []} and snd={\"Arg1\": 1, \"Arg2\": []}.")json"},
    {"hash_calculations__test_hash__000",
     R"json(States.Hash($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "input data", "snd": "MD5"}})json",
     R"json("812f45842bc6d66ee14572ce20db8e86")json"},
    {"hash_calculations__test_hash__001",
     R"json(States.Hash($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "input data", "snd": "SHA-1"}})json",
     R"json("aaff4a450a104cd177d28d18d74485e8cae074b7")json"},
    {"hash_calculations__test_hash__002",
     R"json(States.Hash($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "input data", "snd": "SHA-256"}})json",
     R"json("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")json"},
    {"hash_calculations__test_hash__004",
     R"json(States.Hash($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "input data", "snd": "SHA-512"}})json",
     R"json("6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4")json"},
    {"json_manipulation__test_json_to_string__002",
     R"json(States.JsonToString($.FunctionInput))json", R"json({"FunctionInput": 1})json",
     R"json("1")json"},
    {"json_manipulation__test_json_to_string__003",
     R"json(States.JsonToString($.FunctionInput))json", R"json({"FunctionInput": 1.1})json",
     R"json("1.1")json"},
    {"json_manipulation__test_json_to_string__004",
     R"json(States.JsonToString($.FunctionInput))json", R"json({"FunctionInput": true})json",
     R"json("true")json"},
    {"json_manipulation__test_json_to_string__006",
     R"json(States.JsonToString($.FunctionInput))json",
     R"json({"FunctionInput": [1, 2, "HelloWorld"]})json", R"json("[1,2,\"HelloWorld\"]")json"},
    {"json_manipulation__test_json_to_string__007",
     R"json(States.JsonToString($.FunctionInput))json",
     R"json({"FunctionInput": {"Arg1": 1, "Arg2": []}})json",
     R"json("{\"Arg1\":1,\"Arg2\":[]}")json"},
    {"json_manipulation__test_string_to_json__000",
     R"json(States.StringToJson($.FunctionInput))json", R"json({"FunctionInput": ""})json",
     R"json(null)json"},
    {"json_manipulation__test_string_to_json__001",
     R"json(States.StringToJson($.FunctionInput))json", R"json({"FunctionInput": " "})json",
     R"json(null)json"},
    {"json_manipulation__test_string_to_json__002",
     R"json(States.StringToJson($.FunctionInput))json", R"json({"FunctionInput": "null"})json",
     R"json(null)json"},
    {"json_manipulation__test_string_to_json__005",
     R"json(States.StringToJson($.FunctionInput))json", R"json({"FunctionInput": "1.1"})json",
     R"json(1.1)json"},
    {"json_manipulation__test_string_to_json__006",
     R"json(States.StringToJson($.FunctionInput))json", R"json({"FunctionInput": "true"})json",
     R"json(true)json"},
    {"json_manipulation__test_string_to_json__009",
     R"json(States.StringToJson($.FunctionInput))json",
     R"json({"FunctionInput": "{\"Arg1\": 1, \"Arg2\": []}"})json",
     R"json({"Arg1": 1, "Arg2": []})json"},
    {"math_operations__test_math_add__001",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1.49, "snd": 1.5}})json", R"json(3)json"},
    {"math_operations__test_math_add__003",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -1.49, "snd": -1.5}})json", R"json(-2)json"},
    {"math_operations__test_math_add__004",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -1.5, "snd": -1.51}})json", R"json(-3)json"},
    {"math_operations__test_math_add__005",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1.49, "snd": 0}})json", R"json(1)json"},
    {"math_operations__test_math_add__007",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 1.5, "snd": 0}})json", R"json(2)json"},
    {"math_operations__test_math_add__009",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -1.49, "snd": 0}})json", R"json(-1)json"},
    {"math_operations__test_math_add__010",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -1.5, "snd": 0}})json", R"json(-1)json"},
    {"math_operations__test_math_add__012",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 0.5, "snd": 0}})json", R"json(1)json"},
    {"math_operations__test_math_add__014",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 2.5, "snd": 0}})json", R"json(3)json"},
    {"math_operations__test_math_add__015",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": 3.5, "snd": 0}})json", R"json(4)json"},
    {"math_operations__test_math_add__016",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -0.5, "snd": 0.5}})json", R"json(1)json"},
    {"math_operations__test_math_add__019",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -2.5, "snd": 0}})json", R"json(-2)json"},
    {"math_operations__test_math_add__020",
     R"json(States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": -3.5, "snd": 0}})json", R"json(-3)json"},
    {"string_operations__test_string_split__001",
     R"json(States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": " , ", "snd": ","}})json", R"json([" ", " "])json"},
    {"string_operations__test_string_split__002",
     R"json(States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": ", , ,", "snd": ","}})json", R"json([" ", " "])json"},
    {"string_operations__test_string_split__003",
     R"json(States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": ",,,,", "snd": ","}})json", R"json([])json"},
    {"string_operations__test_string_split__004",
     R"json(States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "1,2,3,4,5", "snd": ","}})json",
     R"json(["1", "2", "3", "4", "5"])json"},
    {"string_operations__test_string_split__005",
     R"json(States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd))json",
     R"json({"FunctionInput": {"fst": "This.is+a,test=string", "snd": ".+,="}})json",
     R"json(["This", "is", "a", "test", "string"])json"},
    {"string_operations__test_string_split_context_object",
     R"json(States.StringSplit($$.Execution.Input.FunctionInput, ','))json",
     R"json({"FunctionInput": "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"})json",
     R"json(["Value1", "Value2", "Value3\nValue4", "Value5", "Value6\n", "\ntrue", "1", "'HelloWorld'\nNull", "None", "\n   \n"])json"},
};

TEST_F(IntrinsicsTest, RecordedConformanceCases) {
  for (const RecordedCase& c : kRecorded) {
    SCOPED_TRACE(c.name);
    input_ = J(c.input);
    context_ = json::object{{"Execution", json::object{{"Input", input_}}}};
    json::value got = Ok(c.expr);
    EXPECT_JSON(got, c.expected);
  }
}

TEST_F(IntrinsicsTest, RecordedNestedCallsOnContextObject) {
  // generic__test_nested_calls_2: the last '-'-separated part of the state machine name.
  context_ = J(R"({"StateMachine": {"Name": "snf-test-Machine7"}})");
  EXPECT_JSON(Ok("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
                 "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, "
                 "'-')), -1))"),
              R"("Machine7")");
}

TEST_F(IntrinsicsTest, RecordedJsonMergeEscapedArgument) {
  context_ = J(R"({"Execution": {"Input": {"input_field": {"constant_input_field": "v"}}}})");
  EXPECT_TRUE(common::JsonEquals(
      Ok(R"(States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), )"
         R"($$.Execution.Input.input_field, false))"),
      J(R"({"constant_input_field": "v", "constant_in_literal": "false"})")));
}

TEST_F(IntrinsicsTest, RecordedMathRandomAcceptsFractionalBounds) {
  input_ = J(R"({"FunctionInput": {"fst": 12.5, "snd": 44.51}})");
  for (int i = 0; i < 200; ++i) {
    json::value v = Ok("States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd)");
    ASSERT_TRUE(v.is_int64());
    EXPECT_GE(v.get_int64(), 13);  // bounds round as Java's Math.round does
    EXPECT_LT(v.get_int64(), 45);
  }
}

TEST_F(IntrinsicsTest, RecordedVariableReferences) {
  // assign__..._BASE_REFERENCE_IN_INTRINSIC_FUNCTION: arguments are workflow variables.
  variables_ = J(R"({"rawString": "Hello World", "encodedString": "SGVsbG8gV29ybGQ=",
      "inputString": "Hash this string", "json1": {"a": 1, "b": 2}, "json2": {"c": 3, "d": 4},
      "jsonString": "{\"key\":\"value\"}", "jsonObject": {"test": "object"}, "value1": 5,
      "value2": 3, "csvString": "a,b,c,d,e", "name": "John", "place": "LocalStack"})")
                   .get_object();
  EXPECT_JSON(Ok("States.Base64Encode($rawString)"), R"("SGVsbG8gV29ybGQ=")");
  EXPECT_JSON(Ok("States.Base64Decode($encodedString)"), R"("Hello World")");
  EXPECT_JSON(Ok("States.Hash($inputString, 'SHA-256')"),
              R"("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")");
  EXPECT_JSON(Ok("States.JsonMerge($json1, $json2, false)"), R"({"a":1,"b":2,"c":3,"d":4})");
  EXPECT_JSON(Ok("States.StringToJson($jsonString)"), R"({"key":"value"})");
  EXPECT_JSON(Ok("States.JsonToString($jsonObject)"), R"("{\"test\":\"object\"}")");
  EXPECT_JSON(Ok("States.MathAdd($value1, $value2)"), "8");
  EXPECT_JSON(Ok("States.StringSplit($csvString, ',')"), R"(["a","b","c","d","e"])");
  EXPECT_JSON(Ok("States.Format('Hello {}, welcome to {}!', $name, $place)"),
              R"("Hello John, welcome to LocalStack!")");
}

TEST_F(IntrinsicsTest, RecordedFormatWithTemplateFromVariable) {
  // assign__..._MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION
  variables_["AnswerTemplate"] = "It's {}!";
  context_ = J(R"({"Map": {"Item": {"Value": "Pikachu"}}})");
  EXPECT_JSON(Ok("States.Format($AnswerTemplate, $$.Map.Item.Value)"), R"("It's Pikachu!")");
}

TEST_F(IntrinsicsTest, RecordedMathAddRoundsEachArgumentLikeJava) {
  // test_math_add inputs, including those the conformance set leaves out.
  const std::vector<std::tuple<double, double, int>> cases = {{-9, 3, -6},
                                                              {1.49, 1.5, 3},
                                                              {1.5, 1.51, 4},
                                                              {-1.49, -1.5, -2},
                                                              {-1.5, -1.51, -3},
                                                              {1.49, 0, 1},
                                                              {1.49, -1.49, 0},
                                                              {1.5, 0, 2},
                                                              {1.51, 0, 2},
                                                              {-1.49, 0, -1},
                                                              {-1.5, 0, -1},
                                                              {-1.51, 0, -2},
                                                              {0.5, 0, 1},
                                                              {2.5, 0, 3},
                                                              {-0.5, 0.5, 1},
                                                              {-0.5, 0, 0},
                                                              {-2.5, 0, -2},
                                                              {-3.5, 0, -3},
                                                              {0.49999999999999994, 0, 0}};
  for (auto [a, b, sum] : cases) {
    input_ = json::object{{"a", a}, {"b", b}};
    EXPECT_JSON(Ok("States.MathAdd($.a, $.b)"), std::to_string(sum)) << a << " + " << b;
  }
}

// --- Parsing ---

TEST_F(IntrinsicsTest, LooksLikeCall) {
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("States.Format('x')"));
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("States.Nope()"));
  EXPECT_TRUE(IntrinsicCall::LooksLikeCall("  States.UUID()"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("$.States.Format"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("States."));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("States.(1)"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall("states.Format('x')"));
  EXPECT_FALSE(IntrinsicCall::LooksLikeCall(""));
}

TEST_F(IntrinsicsTest, TextIsTheCallersText) {
  auto call = IntrinsicCall::Parse(" States.Array( 1 ) ");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->text(), " States.Array( 1 ) ");
}

TEST_F(IntrinsicsTest, WhitespaceAroundArguments) {
  EXPECT_JSON(Ok("  States.Array( 1 ,\t'a' ,\n true,null , false )  "),
              R"([1,"a",true,null,false])");
  EXPECT_JSON(Ok("States.Array ()"), "[]");
}

TEST_F(IntrinsicsTest, LiteralNumbers) {
  EXPECT_JSON(Ok("States.Array(0, -1, 42, 1.5, -2.25, 1e3, 9223372036854775807)"),
              "[0,-1,42,1.5,-2.25,1000.0,9223372036854775807]");
  // Beyond int64 the number becomes a double, as JSON parsers do.
  EXPECT_TRUE(Ok("States.Array(9223372036854775808)").get_array()[0].is_double());
}

TEST_F(IntrinsicsTest, StringLiteralEscapes) {
  EXPECT_JSON(Ok(R"(States.Array('it\'s', 'a\\b', '\{\}', 'x\ny'))"),
              R"(["it's", "a\\b", "{}", "x\\ny"])");
  EXPECT_JSON(Ok("States.Array('', ' ', ',', ')', '$.a', 'States.UUID()')"),
              R"json(["", " ", ",", ")", "$.a", "States.UUID()"])json");
}

TEST_F(IntrinsicsTest, UnknownFunction) {
  EXPECT_NE(ParseError("States.Nope(1)").find("unknown function 'States.Nope'"), std::string::npos);
  EXPECT_NE(ParseError("States.array()").find("unknown function"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(States.Foo())").find("'States.Foo'"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArityIsCheckedAtParseTime) {
  const std::vector<std::string> bad = {"States.Format()",
                                        "States.StringToJson()",
                                        "States.StringToJson(1, 2)",
                                        "States.JsonToString()",
                                        "States.ArrayPartition($)",
                                        "States.ArrayContains($)",
                                        "States.ArrayRange(1, 2)",
                                        "States.ArrayGetItem($)",
                                        "States.ArrayLength($, 1)",
                                        "States.ArrayUnique()",
                                        "States.Base64Encode()",
                                        "States.Base64Decode('', '')",
                                        "States.Hash('a')",
                                        "States.JsonMerge($, $)",
                                        "States.MathRandom(1)",
                                        "States.MathRandom(1, 2, 3, 4)",
                                        "States.MathAdd(1)",
                                        "States.StringSplit('a')",
                                        "States.UUID(1)"};
  for (const auto& expr : bad) {
    EXPECT_NE(ParseError(expr).find("takes"), std::string::npos) << expr;
  }
  EXPECT_NE(ParseError("States.MathAdd(1)").find("States.MathAdd takes 2 arguments, got 1"),
            std::string::npos);
  EXPECT_NE(ParseError("States.MathRandom(1)").find("takes 2 or 3 arguments"), std::string::npos);
  EXPECT_NE(ParseError("States.Format()").find("takes at least 1 argument,"), std::string::npos);
}

TEST_F(IntrinsicsTest, SyntaxErrorsNameThePosition) {
  EXPECT_NE(ParseError("States.Array('abc").find("unterminated string literal"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1, 2").find("missing ')'"), std::string::npos);
  EXPECT_NE(
      ParseError("States.Array(1 2)").find("expected ',' or ')' but found '2' at position 15"),
      std::string::npos);
  EXPECT_NE(ParseError("States.Array(1) x").find("unexpected text after"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1,)").find("at position 15"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(,1)").find("unexpected character ','"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(yes)").find("unexpected word 'yes'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(True)").find("unexpected word 'True'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array").find("expected '('"), std::string::npos);
  EXPECT_NE(ParseError("$.a").find("starting with 'States.'"), std::string::npos);
  EXPECT_NE(ParseError("").find("starting with 'States.'"), std::string::npos);
  for (const char* number : {"1.", "-", "1e", "1.2.3", "01x", "1e+", "--1", ".5"}) {
    ParseError(std::string("States.Array(") + number + ")");
  }
  EXPECT_NE(ParseError("States.Array(1e999)").find("number out of range"), std::string::npos);
}

TEST_F(IntrinsicsTest, InvalidPathArgumentIsAParseError) {
  EXPECT_NE(ParseError("States.Array($.a[)").find("invalid JSONPath argument"), std::string::npos);
  EXPECT_NE(ParseError("States.Array($.a['x)").find("unterminated quote"), std::string::npos);
}

TEST_F(IntrinsicsTest, DeepMergeLiteralIsRejectedAtParseTime) {
  EXPECT_NE(ParseError("States.JsonMerge($.a, $.b, true)").find("deep merge"), std::string::npos);
}

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "States.Array(";
  s += "1";
  for (int i = 0; i < depth; ++i) s += ")";
  return s;
}

TEST_F(IntrinsicsTest, NestingUpToTenLevels) {
  json::value v = Ok(Nested(kMaxIntrinsicNesting));
  for (int i = 0; i < kMaxIntrinsicNesting; ++i) {
    ASSERT_TRUE(v.is_array());
    json::value inner = v.get_array()[0];
    v = inner;
  }
  EXPECT_JSON(v, "1");
  EXPECT_NE(ParseError(Nested(kMaxIntrinsicNesting + 1)).find("nest more than 10 levels"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, DocumentedExampleWithNineCalls) {
  input_ = J(R"({"ImageRecipe": {"Arn":
      "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/recipe.name/1.0.1"}})");
  EXPECT_JSON(Ok("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit("
                 "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), "
                 "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit("
                 "$.ImageRecipe.Arn, '/'), 2), '.'), 1))"),
              R"("1.0")");
}

TEST_F(IntrinsicsTest, HugeInputsAreBounded) {
  // Deep parentheses stop at the nesting limit instead of recursing.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "States.Array(";
  EXPECT_NE(ParseError(deep).find("nest more than"), std::string::npos);
  std::string parens = "States.Array(" + std::string(100000, '(') + ")";
  ParseError(parens);
  std::string brackets = "States.Array($" + std::string(100000, '[') + ")";
  ParseError(brackets);
  // A 100k-character literal and 30k arguments parse and evaluate in linear time.
  std::string big(100000, 'x');
  EXPECT_EQ(Ok("States.Format('" + big + "')").get_string().size(), big.size());
  std::string many = "States.Array(";
  for (int i = 0; i < 30000; ++i) many += "1,";
  many += "1)";
  EXPECT_EQ(Ok(many).get_array().size(), 30001u);
  // The error message quotes a bounded prefix of the text.
  EXPECT_LT(ParseError("States.Array(" + big).size(), 400u);
  EXPECT_LT(ParseError("States.Array($." + big + "[)").size(), 800u);
  EXPECT_LT(ParseError("States." + big + "()").size(), 400u);
}

// --- Path arguments ---

TEST_F(IntrinsicsTest, PathsIntoInputContextAndVariables) {
  input_ = J(R"({"a": {"b": [10, 20]}})");
  context_ = J(R"({"Execution": {"Name": "exec"}})");
  variables_["v"] = J(R"({"w": "x"})");
  EXPECT_JSON(Ok("States.Array($.a.b[1], $$.Execution.Name, $v.w, $v, $)"),
              R"([20, "exec", "x", {"w": "x"}, {"a": {"b": [10, 20]}}])");
}

TEST_F(IntrinsicsTest, PathsWithBracketsFiltersAndQuotedNames) {
  input_ =
      J(R"({"a": [{"x": 1}, {"x": 5}, {"x": 9}], "b c": "sp", "p)q": "paren", "n": {"x": 2}})");
  EXPECT_JSON(Ok("States.ArrayLength($.a[?(@.x > 1)])"), "2");
  EXPECT_JSON(Ok("States.Array($['b c'], $['p)q'], $.a[-1].x)"), R"(["sp","paren",9])");
  EXPECT_JSON(Ok("States.Array( $.a[0:2] , $..n.x )"), R"([[{"x":1},{"x":5}],[2]])");
  // An indefinite path that matches nothing yields an empty array, not an error.
  EXPECT_JSON(Ok("States.ArrayLength($.a[?(@.x > 100)])"), "0");
}

TEST_F(IntrinsicsTest, PathThatSelectsNothingIsARuntimeError) {
  input_ = J(R"({"a": 1})");
  EXPECT_EQ(Fails("States.Array($.missing)", kStatesRuntime),
            "The JsonPath argument for the field '$.missing' could not be found in the input "
            "'{\"a\":1}'");
  EXPECT_EQ(Fails("States.Format('{}', $$.Nope)", kStatesRuntime),
            "The JsonPath argument for the field '$$.Nope' could not be found in the input '{}'");
  EXPECT_EQ(Fails("States.Array($undefinedVar)", kStatesRuntime),
            "The JsonPath argument for the field '$undefinedVar' could not be found in the input "
            "'null'");
  // Inside a nested call too, and before the function runs.
  EXPECT_EQ(Fails("States.ArrayLength(States.Array($.a, $.b))", kStatesRuntime).substr(0, 52),
            "The JsonPath argument for the field '$.b' could not ");
}

TEST_F(IntrinsicsTest, NestedFailurePropagates) {
  EXPECT_NE(
      Fails("States.Array(States.ArrayGetItem(States.Array(), 0))").find("States.ArrayGetItem"),
      std::string::npos);
}

// --- States.Format ---

TEST_F(IntrinsicsTest, FormatInsertsStringsRawAndOtherScalarsAsJson) {
  input_ = J(R"({"s": "q\"uote", "i": 7, "d": 2.5, "t": true, "n": null})");
  EXPECT_JSON(Ok("States.Format('{}|{}|{}|{}|{}|{}', $.s, $.i, $.d, $.t, $.n, false)"),
              R"("q\"uote|7|2.5|true|null|false")");
  EXPECT_JSON(Ok("States.Format('no placeholders')"), R"("no placeholders")");
  EXPECT_JSON(Ok("States.Format('{}{}', 'a', 'b')"), R"("ab")");
}

TEST_F(IntrinsicsTest, FormatEscapedBracesAreText) {
  EXPECT_JSON(Ok(R"(States.Format('\{\} {} \{x\}', 1))"), R"("{} 1 {x}")");
  EXPECT_JSON(Ok(R"(States.Format('a\\{}', 1))"), R"("a\\1")");
  EXPECT_JSON(Ok("States.Format('{ } {x} }{')"), R"("{ } {x} }{")");
}

TEST_F(IntrinsicsTest, FormatTemplateFromData) {
  input_ = J(R"({"t": "Hello, my name is {}.", "name": "Arnav"})");
  EXPECT_JSON(Ok("States.Format($.t, $.name)"), R"("Hello, my name is Arnav.")");
  EXPECT_NE(Fails("States.Format($.name, 1)").find("0 placeholder(s)"), std::string::npos);
}

TEST_F(IntrinsicsTest, FormatErrors) {
  input_ = J(R"({"o": {"a": 1}, "a": [1]})");
  EXPECT_EQ(Fails("States.Format('{} {}', 1)"),
            "Invalid arguments in States.Format: the template has 2 placeholder(s) '{}' but 1 "
            "value(s) were given; pass one value per placeholder");
  EXPECT_NE(Fails("States.Format('{}', 1, 2)").find("1 placeholder(s) '{}' but 2 value(s)"),
            std::string::npos);
  EXPECT_NE(Fails("States.Format('{}', $.o)").find("argument 2 is an object"), std::string::npos);
  EXPECT_NE(Fails("States.Format('{}', $.a)").find("argument 2 is an array"), std::string::npos);
  EXPECT_EQ(Fails("States.Format(1)"),
            "Invalid arguments in States.Format: argument 1 (the template) must be a string, "
            "got a number");
}

// --- JSON functions ---

TEST_F(IntrinsicsTest, StringToJson) {
  EXPECT_JSON(Ok(R"(States.StringToJson('{"a": [1, 2.5, "x"], "b": null}'))"),
              R"({"a":[1,2.5,"x"],"b":null})");
  EXPECT_JSON(Ok("States.StringToJson('\t\n ')"), "null");
  EXPECT_JSON(Ok("States.StringToJson('-0')"), "0");
  EXPECT_JSON(Ok(R"(States.StringToJson('"HelloWorld"'))"), R"("HelloWorld")");
  EXPECT_NE(Fails("States.StringToJson('{bad')").find("the string is not valid JSON"),
            std::string::npos);
  EXPECT_EQ(Fails("States.StringToJson(1)"),
            "Invalid arguments in States.StringToJson: argument 1 (the JSON text) must be a "
            "string, got a number");
}

TEST_F(IntrinsicsTest, JsonToStringIsCompact) {
  input_ = J(R"({"x": {"a": [1, 2.0, "s"], "b": {"c": null}}})");
  EXPECT_JSON(Ok("States.JsonToString($.x)"), R"("{\"a\":[1,2.0,\"s\"],\"b\":{\"c\":null}}")");
  EXPECT_JSON(Ok("States.JsonToString('s')"), R"("\"s\"")");
  EXPECT_JSON(Ok("States.JsonToString(null)"), R"("null")");
  EXPECT_JSON(Ok("States.StringToJson(States.JsonToString($.x))"),
              common::SerializeJson(input_.at("x")));
}

TEST_F(IntrinsicsTest, JsonMergeIsShallow) {
  // test_json_merge's input (recorded against AWS).
  input_ = J(R"({"fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
                  "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}})");
  EXPECT_TRUE(common::JsonEquals(Ok("States.JsonMerge($.fst, $.snd, false)"),
                                 J(R"({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})")));
}

TEST_F(IntrinsicsTest, JsonMergeErrors) {
  input_ = J(R"({"o": {}, "t": true})");
  EXPECT_EQ(Fails("States.JsonMerge($.o, $.o, $.t)"),
            "Invalid arguments in States.JsonMerge: deep merge (true) is not supported; pass "
            "false for a shallow merge");
  EXPECT_NE(Fails("States.JsonMerge($.o, $.o, 'false')").find("argument 3 (the deep-merge flag)"),
            std::string::npos);
  EXPECT_NE(Fails("States.JsonMerge(1, $.o, false)").find("argument 1"), std::string::npos);
  EXPECT_NE(Fails("States.JsonMerge($.o, States.Array(), false)").find("got an array"),
            std::string::npos);
}

// --- Arrays ---

TEST_F(IntrinsicsTest, ArrayBuildsFromAnyValues) {
  input_ = J(R"({"o": {"k": [1]}})");
  EXPECT_JSON(Ok("States.Array($.o, States.Array(), 'x', 1.5)"), R"([{"k":[1]},[],"x",1.5])");
}

TEST_F(IntrinsicsTest, ArrayPartition) {
  input_ = J(R"({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]})");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 4)"), "[[1,2,3,4],[5,6,7,8],[9]]");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 4.0)"), "[[1,2,3,4],[5,6,7,8],[9]]");
  EXPECT_JSON(Ok("States.ArrayPartition($.a, 9223372036854775807)"), "[[1,2,3,4,5,6,7,8,9]]");
  EXPECT_EQ(Fails("States.ArrayPartition($.a, 0)"),
            "Invalid arguments in States.ArrayPartition: argument 2 (the chunk size) must be a "
            "positive integer, got 0");
  EXPECT_NE(Fails("States.ArrayPartition($.a, -1)").find("positive integer"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition($.a, 1.5)").find("got 1.5"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition($.a, '2')").find("got \"2\""), std::string::npos);
  EXPECT_NE(Fails("States.ArrayPartition('abc', 2)").find("must be an array, got a string"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayContainsUsesJsonEquality) {
  input_ = J(R"({"a": [1, "x", {"k": [1, 2]}, null]})");
  EXPECT_JSON(Ok("States.ArrayContains($.a, 1.0)"), "true");
  EXPECT_JSON(Ok(R"(States.ArrayContains($.a, States.StringToJson('{"k":[1,2]}')))"), "true");
  EXPECT_JSON(Ok("States.ArrayContains($.a, null)"), "true");
  EXPECT_JSON(Ok("States.ArrayContains($.a, '1')"), "false");
  EXPECT_JSON(Ok("States.ArrayContains($.a, true)"), "false");
  EXPECT_NE(Fails("States.ArrayContains('x', 'x')").find("must be an array"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayRange) {
  EXPECT_JSON(Ok("States.ArrayRange(1, 9, 2)"), "[1,3,5,7,9]");
  EXPECT_JSON(Ok("States.ArrayRange(10, 1, -3)"), "[10,7,4,1]");
  EXPECT_JSON(Ok("States.ArrayRange(5, 5, 1)"), "[5]");
  EXPECT_JSON(Ok("States.ArrayRange(5, 1, 1)"), "[]");
  EXPECT_JSON(Ok("States.ArrayRange(1, 5, -1)"), "[]");
  EXPECT_JSON(Ok("States.ArrayRange(-3, 3.0, 3)"), "[-3,0,3]");
  EXPECT_EQ(Ok("States.ArrayRange(0, 999, 1)").get_array().size(), 1000u);
  EXPECT_EQ(Fails("States.ArrayRange(0, 1000, 1)"),
            "Invalid arguments in States.ArrayRange: the range would hold 1001 items; at most "
            "1000 are allowed");
  EXPECT_NE(
      Fails("States.ArrayRange(-9223372036854775807, 9223372036854775807, 1)").find("at most 1000"),
      std::string::npos);
  EXPECT_EQ(Fails("States.ArrayRange(1, 2, 0)"),
            "Invalid arguments in States.ArrayRange: argument 3 (the step) must not be 0");
  EXPECT_NE(Fails("States.ArrayRange(1.5, 2, 1)").find("argument 1 (the start) must be an integer"),
            std::string::npos);
  EXPECT_NE(Fails("States.ArrayRange(1, 'x', 1)").find("argument 2 (the end)"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayGetItem) {
  input_ = J(R"({"a": [1, 2, 3]})");
  EXPECT_JSON(Ok("States.ArrayGetItem($.a, 0)"), "1");
  EXPECT_JSON(Ok("States.ArrayGetItem($.a, 2.0)"), "3");
  EXPECT_EQ(Fails("States.ArrayGetItem($.a, 3)"),
            "Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array "
            "of 3 item(s)");
  EXPECT_NE(Fails("States.ArrayGetItem($.a, -1)").find("non-negative integer, got -1"),
            std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem($.a, 0.5)").find("got 0.5"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem($.a, null)").find("got null"), std::string::npos);
  EXPECT_NE(Fails("States.ArrayGetItem('abc', 0)").find("must be an array"), std::string::npos);
}

TEST_F(IntrinsicsTest, ArrayLength) {
  EXPECT_JSON(Ok("States.ArrayLength(States.Array())"), "0");
  EXPECT_EQ(Fails("States.ArrayLength('abc')"),
            "Invalid arguments in States.ArrayLength: argument 1 (the array) must be an array, "
            "got a string");
}

TEST_F(IntrinsicsTest, ArrayUnique) {
  // test_array_unique's input (recorded against AWS).
  input_ = J(R"({"a": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld",
      "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2},
      {"a": 1, "b": 1}]})");
  EXPECT_JSON(Ok("States.ArrayUnique($.a)"),
              R"([null,true,false,1,1.1,0,"HelloWorld",[],[null],{"a":1,"b":2},{"a":1,"b":1}])");
  input_ = J(R"({"a": [1, 1.0, {"x": 1, "y": 2}, {"y": 2, "x": 1}, "1", [1, 2], [2, 1]]})");
  EXPECT_JSON(Ok("States.ArrayUnique($.a)"), R"([1,{"x":1,"y":2},"1",[1,2],[2,1]])");
  EXPECT_NE(Fails("States.ArrayUnique(1)").find("must be an array"), std::string::npos);
}

// --- Encoding and hashing ---

TEST_F(IntrinsicsTest, Base64RoundTrip) {
  EXPECT_JSON(Ok("States.Base64Encode('héllo €𝄞')"), R"("aMOpbGxvIOKCrPCdhJ4=")");
  EXPECT_JSON(Ok("States.Base64Decode('aMOpbGxvIOKCrPCdhJ4=')"), R"("héllo €𝄞")");
  for (const char* s : {"", "a", "ab", "abc", "abcd"}) {
    EXPECT_JSON(Ok(std::string("States.Base64Decode(States.Base64Encode('") + s + "'))"),
                std::string("\"") + s + "\"");
  }
  EXPECT_JSON(Ok("States.Base64Decode('QQ')"), R"("A")");  // padding is optional
}

TEST_F(IntrinsicsTest, Base64DecodeErrorsAndInvalidUtf8) {
  for (const char* bad : {"QQ=", "Q", "QQ==QQ==", "Q===", "QQ QQ", "QQ$=", "====="}) {
    EXPECT_EQ(Fails(std::string("States.Base64Decode('") + bad + "')"),
              "Invalid arguments in States.Base64Decode: the input is not valid Base64")
        << bad;
  }
  // Bytes that are not UTF-8 decode to U+FFFD, as Java's String does.
  EXPECT_JSON(Ok("States.Base64Decode('/w==')"), R"("\ufffd")");
  EXPECT_JSON(Ok("States.Base64Decode('QcOA/0I=')"), R"("AÀ\ufffdB")");
  EXPECT_NE(Fails("States.Base64Decode(1)").find("must be a string"), std::string::npos);
}

TEST_F(IntrinsicsTest, Base64InputIsLimitedTo10000Characters) {
  input_ = json::object{{"ok", std::string(10000, 'a')},
                        {"long", std::string(10001, 'a')},
                        {"wide", [] {  // 5000 astral characters are 10000 UTF-16 units
                           std::string s;
                           for (int i = 0; i < 5000; ++i) s += "𝄞";
                           return s;
                         }()}};
  EXPECT_TRUE(Ok("States.Base64Encode($.ok)").is_string());
  EXPECT_TRUE(Ok("States.Base64Encode($.wide)").is_string());
  EXPECT_EQ(Fails("States.Base64Encode($.long)"),
            "Invalid arguments in States.Base64Encode: the input has 10001 characters; at most "
            "10000 are allowed");
  EXPECT_NE(Fails("States.Base64Decode($.long)").find("10001 characters"), std::string::npos);
}

TEST_F(IntrinsicsTest, HashAlgorithms) {
  EXPECT_JSON(
      Ok("States.Hash('input data', 'SHA-384')"),
      R"("d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562")");
  EXPECT_JSON(Ok("States.Hash('', 'MD5')"), R"("d41d8cd98f00b204e9800998ecf8427e")");
  EXPECT_EQ(Fails("States.Hash('x', 'sha-256')"),
            "Invalid arguments in States.Hash: unsupported algorithm \"sha-256\"; use one of MD5, "
            "SHA-1, SHA-256, SHA-384, SHA-512");
  EXPECT_NE(Fails("States.Hash(1, 'MD5')").find("argument 1 (the data) must be a string"),
            std::string::npos);
  EXPECT_NE(Fails("States.Hash('x', null)").find("argument 2 (the algorithm)"), std::string::npos);
}

// --- Math ---

TEST_F(IntrinsicsTest, MathAddRangeAndTypes) {
  EXPECT_JSON(Ok("States.MathAdd(2147483647, -2147483648)"), "-1");
  EXPECT_JSON(Ok("States.MathAdd(2147483647, 2147483647)"), "4294967294");
  EXPECT_EQ(Fails("States.MathAdd(2147483648, 0)"),
            "Invalid arguments in States.MathAdd: argument 1 must be a number from -2147483648 "
            "to 2147483647, got 2147483648");
  EXPECT_NE(Fails("States.MathAdd(1, '1')").find("argument 2"), std::string::npos);
  EXPECT_NE(Fails("States.MathAdd(1, 1e300)").find("argument 2"), std::string::npos);
  EXPECT_NE(Fails("States.MathAdd(null, 1)").find("got null"), std::string::npos);
}

TEST_F(IntrinsicsTest, MathRandomStaysInRange) {
  std::set<std::int64_t> seen;
  for (int i = 0; i < 500; ++i) {
    json::value v = Ok("States.MathRandom(-3, 3)");
    ASSERT_TRUE(v.is_int64());
    EXPECT_GE(v.get_int64(), -3);
    EXPECT_LT(v.get_int64(), 3);
    seen.insert(v.get_int64());
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_JSON(Ok("States.MathRandom(7, 8)"), "7");
  EXPECT_TRUE(Ok("States.MathRandom(-2147483648, 2147483647)").is_int64());
}

TEST_F(IntrinsicsTest, MathRandomWithSeedIsReproducible) {
  json::value first = Ok("States.MathRandom(0, 1000000, 7)");
  common::SeededRandom other(999);
  auto call = IntrinsicCall::Parse("States.MathRandom(0, 1000000, 7)");
  ASSERT_TRUE(call.ok());
  auto again = call->Evaluate(PathScope{}, other);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first, again.value());
}

TEST_F(IntrinsicsTest, MathRandomErrors) {
  EXPECT_EQ(Fails("States.MathRandom(5, 5)"),
            "Invalid arguments in States.MathRandom: the start (5) must be less than the end (5)");
  EXPECT_NE(Fails("States.MathRandom(9, 1)").find("less than"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom('a', 1)").find("argument 1 (the start)"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom(1, 2, 'x')").find("argument 3 (the seed)"), std::string::npos);
  EXPECT_NE(Fails("States.MathRandom(1, 3000000000)").find("argument 2 (the end)"),
            std::string::npos);
}

// --- Strings and UUIDs ---

TEST_F(IntrinsicsTest, StringSplitOnAnyDelimiterCharacter) {
  EXPECT_JSON(Ok("States.StringSplit('a€b∑c€€', '∑€')"), R"(["a","b","c"])");
  EXPECT_JSON(Ok("States.StringSplit('a b', '')"), R"(["a b"])");
  EXPECT_JSON(Ok("States.StringSplit('', ',')"), "[]");
  EXPECT_JSON(Ok("States.StringSplit('é', '\xc3')"), R"(["é"])");  // code points, not bytes
  EXPECT_NE(Fails("States.StringSplit(1, ',')").find("argument 1 (the string)"), std::string::npos);
  EXPECT_NE(Fails("States.StringSplit('a', 1)").find("argument 2 (the delimiters)"),
            std::string::npos);
}

TEST_F(IntrinsicsTest, UuidIsVersion4FromTheInjectedRandom) {
  json::value a = Ok("States.UUID()");
  json::value b = Ok("States.UUID()");
  ASSERT_TRUE(a.is_string());
  EXPECT_TRUE(std::regex_match(std::string(a.get_string()),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << a;
  EXPECT_NE(a, b);
  common::SeededRandom r1(5), r2(5);
  auto call = IntrinsicCall::Parse("States.UUID()");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->Evaluate(PathScope{}, r1).value(), call->Evaluate(PathScope{}, r2).value());
}

TEST_F(IntrinsicsTest, ParsedCallIsReusable) {
  auto call = IntrinsicCall::Parse("States.Format('{}!', $.x)");
  ASSERT_TRUE(call.ok());
  for (int i = 0; i < 3; ++i) {
    json::value in = json::object{{"x", i}};
    auto r = call->Evaluate(PathScope{&in, nullptr, nullptr}, random_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), json::value(std::to_string(i) + "!"));
  }
}

}  // namespace
}  // namespace tactus::asl
