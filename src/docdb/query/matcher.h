// Query filters ({a: {$gt: 5}, $or: [...]}) compiled once and matched against many documents,
// with MongoDB's semantics:
//   - Paths are dotted and traverse arrays (path.h); a predicate holds when it holds for any
//     value the path reaches, including each element of an array at the end of the path and the
//     array itself ({a: 2} and {a: [1, 2]} both match {a: [1, 2]}). A missing field equals null.
//   - Comparisons are type-bracketed: {a: {$gt: 5}} matches numbers only, except that MinKey
//     and MaxKey operands compare against every type. NaN equals NaN and is neither less nor
//     greater than any number.
//   - Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $type $regex/$options (and BSON
//     regex values) $mod $all $elemMatch (value and object forms) $size $not; top level $and
//     $or $nor $expr $comment; $alwaysTrue/$alwaysFalse. $expr: see expr.h.
// Not supported (BadValue): $where, $text, $jsonSchema, geospatial and bitwise operators.
//
// Thread safety: a compiled Matcher is immutable; Matches may run concurrently. Copies share
// the compiled form.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "docdb/error.h"

namespace tactus::docdb::query {

namespace internal {
class MatchNode;
}

// Filled in by Matches for the positional operator ("a.$" in projections and updates).
struct MatchDetails {
  // The index, in the first array a matching path went through, of the element that matched;
  // empty when the match did not involve an array.
  std::optional<std::int32_t> array_position;
};

class Matcher {
 public:
  // Compiles a filter document. BadValue (2) with MongoDB's messages for a malformed filter:
  // "unknown top level operator: $foo", "unknown operator: $foo", "$in needs an array",
  // "$and/$or/$nor must be a nonempty array", "$not needs a regex or a document", "$size needs a
  // number", "exceeded depth limit of 100 when parsing", ...; 51091 / 51108 for invalid regular
  // expressions; 168 / 16020 for invalid $expr expressions.
  static DbResult<Matcher> Compile(const bson_t* filter);

  // Whether `doc` matches. Errors only at run time of bounded work: a regular expression that
  // exceeds its match limits (BadValue 2) and $expr failures (TypeMismatch-like codes, "can't
  // $divide by zero"). `details` (optional) receives the positional match.
  DbResult<bool> Matches(const bson_t* doc, MatchDetails* details = nullptr) const;

  // The compiled filter's source document.
  const bson_t* filter() const;

 private:
  struct State;
  explicit Matcher(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

}  // namespace tactus::docdb::query
