// Payload templates: Parameters, ResultSelector, ItemSelector and Assign values.
//
// A template is any JSON value. Inside objects, a key ending in ".$" has a string value that is
// either a JSONPath ("$.a", "$$.Execution.Id", "$var.x") or an intrinsic call
// ("States.Format(...)"); applying the template replaces that entry by a key without ".$" whose
// value is the path's or call's result. Everything else is copied as is.
//
// Thread-safe: a compiled template is immutable.
#pragma once

#include <memory>
#include <string>

#include "asl/failure.h"
#include "asl/jsonpath.h"
#include "common/json.h"
#include "common/random.h"
#include "common/status.h"

namespace tactus::asl {

class PayloadTemplate {
 public:
  // Compiles every ".$" entry up front. Fails with InvalidArgument naming the field
  // ("field 'a.$': invalid JSONPath ...") when a path or call does not parse.
  static common::Result<PayloadTemplate> Compile(const json::value& tmpl);

  // Builds the payload. A definite path that selects nothing fails with States.Runtime and AWS's
  // cause ("The JSONPath '$.x' specified for the field 'a.$' could not be found in the input
  // '<input>'"); intrinsic failures pass through.
  Eval<json::value> Apply(const PathScope& scope, common::Random& random) const;

  struct Node;

 private:
  explicit PayloadTemplate(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

// A ".$" value: a JSONPath or an intrinsic call, decided by its text. Used by payload templates
// and by fields such as Fail's ErrorPath/CausePath.
class DynamicValue {
 public:
  static common::Result<DynamicValue> Compile(std::string_view text);
  const std::string& text() const;
  bool IsPath() const;
  // A path yields its value, or nullopt when it selects nothing (the caller words that error,
  // since AWS's cause depends on the field). A call yields its result or its Failure.
  Eval<std::optional<json::value>> Evaluate(const PathScope& scope, common::Random& random) const;

  struct Impl;

 private:
  explicit DynamicValue(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tactus::asl
