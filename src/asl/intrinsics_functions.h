// The 18 intrinsic functions applied to already-evaluated arguments. Private to
// tactus_asl_intrinsics: intrinsics.cc parses calls and evaluates arguments, this part knows what
// each function does and which argument values it rejects.
//
// Thread-safe: the table is immutable and Apply uses only its arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "asl/failure.h"
#include "common/json.h"
#include "common/random.h"

namespace tactus::asl::intrinsics_internal {

namespace json = boost::json;

enum class Function {
  kFormat,
  kStringToJson,
  kJsonToString,
  kArray,
  kArrayPartition,
  kArrayContains,
  kArrayRange,
  kArrayGetItem,
  kArrayLength,
  kArrayUnique,
  kBase64Encode,
  kBase64Decode,
  kHash,
  kJsonMerge,
  kMathRandom,
  kMathAdd,
  kStringSplit,
  kUuid,
};

inline constexpr int kVariadic = -1;

struct FunctionSpec {
  std::string_view name;  // "States.Format"
  Function function;
  int min_args;
  int max_args;  // kVariadic: no upper bound
};

// The spec for a full name such as "States.Format", or nullptr when there is no such function.
const FunctionSpec* FindFunction(std::string_view name);

// "takes 2 arguments", "takes 2 or 3 arguments", "takes at least 1 argument".
std::string DescribeArity(const FunctionSpec& spec);

// A States.Format template cut at its "{}" placeholders: pieces.size() == placeholders + 1.
using FormatPieces = std::vector<std::string>;

// Cuts a template that came from data (a path or a nested call): every "{}" is a placeholder.
// Templates written as literals are cut by the parser, which alone sees their \{ \} escapes.
FormatPieces SplitTemplate(std::string_view text);

// Applies `spec` to `args`. REQUIRES: args.size() is within the spec's arity.
// `literal_template` is the parsed template when States.Format's first argument is a string
// literal, else nullptr. Bad argument values fail with States.IntrinsicFailure.
Eval<json::value> Apply(const FunctionSpec& spec, std::vector<json::value> args,
                        const FormatPieces* literal_template, common::Random& random);

}  // namespace tactus::asl::intrinsics_internal
