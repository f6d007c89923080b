// JSONPath as AWS Step Functions evaluates it (AWS uses Jayway JsonPath).
//
// Grammar accepted by Parse (whitespace allowed inside brackets only):
//   path      := root segment*
//   root      := "$"              -- the state input (or any document passed to Select)
//              | "$$"             -- the context object
//              | "$" identifier   -- a workflow variable ($myVar), see PathRoot::kVariable
//   segment   := "." name | ".*" | ".." name | "..*" | "..[" selector "]" | "[" selector "]"
//   selector  := "'" quoted-name "'" ("," "'" quoted-name "'")*     -- child(ren) by name
//              | integer ("," integer)*                          -- index / union (negative ok)
//              | [start] ":" [end] [":" step]                    -- slice
//              | "*"
//              | "?(" filter ")"                                 -- @-relative filter expression
//   filter    := or-expr with "||", "&&", "!", parentheses, comparisons (== != < <= > >= =~ in
//                nin), operands: @-paths, $-paths, numbers, 'strings', "strings", true, false,
//                null, /regex/flags; a bare @-path tests existence.
//   name      := one or more characters other than . [ ] ( ) space, quote, $, @, ','
//
// A path is *definite* when it can select at most one node: only names and non-negative single
// indices (negative single indices too). Otherwise it is indefinite. As in Jayway, a path ending
// in a name union ("$.a['b','c']", nothing indefinite before it) is also definite: Evaluate
// returns one object holding those members that exist.
//
// Thread-safe: a parsed JsonPath is immutable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace tactus::asl {

namespace json = boost::json;

enum class PathRoot { kInput, kContext, kVariable };

// Where "$", "$$" and "$name" point during one evaluation. Pointers are borrowed; any may be
// null, in which case paths rooted there select nothing.
struct PathScope {
  const json::value* input = nullptr;
  const json::value* context = nullptr;
  const json::object* variables = nullptr;
};

class JsonPath {
 public:
  // Parses `text`. On failure returns InvalidArgument with a message naming the offending
  // character position, e.g. "invalid JSONPath '$.a[': unterminated '[' at position 3".
  static common::Result<JsonPath> Parse(std::string_view text);

  const std::string& text() const;
  PathRoot root() const;
  // The variable name without '$' (REQUIRES: root() == PathRoot::kVariable).
  const std::string& variable() const;
  bool IsDefinite() const;
  // True when the path is a Reference Path (ASL spec): definite, and made only of names and
  // non-negative indices. ResultPath requires one.
  bool IsReferencePath() const;

  // Appends pointers to every node the path selects under `root` (the root is the node that
  // "$"/"$$"/"$name" stands for), in document order. Pointers borrow from `root`. A name union
  // selects the member nodes (no merging). Pathological paths whose matches explode
  // ("$..*..*..*...") stop after a fixed amount of work (millions of nodes) with what they have.
  void Select(const json::value& root, std::vector<const json::value*>* out) const;

  // AWS semantics. Definite path: the selected value, or nullopt when nothing matched.
  // Indefinite path: an array of all matches (possibly empty); never nullopt.
  std::optional<json::value> Evaluate(const json::value& root) const;

  // The node "$", "$$" or "$name" stands for in `scope`; nullptr when it is missing (an
  // undefined variable, a null pointer in the scope).
  const json::value* ResolveRoot(const PathScope& scope) const;

  // Resolves the root through `scope` (input, context or the named variable) and evaluates.
  // nullopt when the root is missing (e.g. an undefined variable) or nothing matched.
  std::optional<json::value> Evaluate(const PathScope& scope) const;

  // Jayway's normalized form, used in AWS error causes: "$['a']['b'][0]".
  std::string NormalizedText() const;

  // REQUIRES: IsReferencePath() and root() == PathRoot::kInput.
  // Stores `v` at the path inside *root, creating missing intermediate objects ("$" replaces
  // *root). Fails with InvalidArgument when an intermediate node exists but is not an object (or,
  // for an index, not an array long enough), naming the path.
  common::Status Assign(json::value* root, json::value v) const;

  struct Impl;

 private:
  explicit JsonPath(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tactus::asl
