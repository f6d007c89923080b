// Intrinsic functions against results recorded from AWS Step Functions.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "asl/intrinsics.h"
#include "asl/intrinsics_test_util.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

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

}  // namespace
}  // namespace tactus::asl
