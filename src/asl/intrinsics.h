// The 18 intrinsic functions of the Amazon States Language (JSONPath mode):
//   States.Format States.StringToJson States.JsonToString States.Array States.ArrayPartition
//   States.ArrayContains States.ArrayRange States.ArrayGetItem States.ArrayLength
//   States.ArrayUnique States.Base64Encode States.Base64Decode States.Hash States.JsonMerge
//   States.MathRandom States.MathAdd States.StringSplit States.UUID
//
// Syntax: Name "(" [arg ("," arg)*] ")" where arg is a 'single-quoted string' (escapes: a
// backslash before ' { } or another backslash), a number, true/false/null, a JSONPath ($, $$,
// $var), or a nested call. Calls nest at most kMaxIntrinsicNesting deep.
//
// Thread-safe: a parsed IntrinsicCall is immutable; Evaluate uses only its arguments.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "asl/failure.h"
#include "asl/jsonpath.h"
#include "common/random.h"
#include "common/status.h"

namespace tactus::asl {

inline constexpr int kMaxIntrinsicNesting = 10;

class IntrinsicCall {
 public:
  // True when `text` is meant as an intrinsic call (starts with "States." and a name), so that
  // callers decide between JSONPath and intrinsic syntax for a ".$" field.
  static bool LooksLikeCall(std::string_view text);

  // Parses a call. On failure returns InvalidArgument naming the position and the problem
  // (unknown function, wrong argument count, unterminated string, nesting deeper than 10, ...).
  static common::Result<IntrinsicCall> Parse(std::string_view text);

  const std::string& text() const;

  // Evaluates with AWS's semantics and AWS's error texts. Argument type errors and bad values
  // fail with States.IntrinsicFailure (or States.Runtime where AWS reports that, e.g. a path
  // argument that selects nothing). States.UUID and States.MathRandom draw from `random`.
  Eval<json::value> Evaluate(const PathScope& scope, common::Random& random) const;

  struct Impl;

 private:
  explicit IntrinsicCall(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tactus::asl
