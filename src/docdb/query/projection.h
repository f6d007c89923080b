// find() projections, with MongoDB 4.4+ semantics:
//   - Inclusion ({a: 1, "b.c": 1}) returns _id (unless {_id: 0}) and the named paths, in the
//     document's field order; exclusion ({a: 0}) returns everything else. Mixing the two is an
//     error except for _id. {} returns documents unchanged.
//   - Dotted paths and nested specs ({b: {c: 1}} == {"b.c": 1}) reach into objects and into
//     every object of an array; in inclusion mode non-object array elements are dropped.
//   - {a: {$slice: n}} / {a: {$slice: [skip, limit]}} trims arrays and is neutral: alone it
//     keeps every other field. {a: {$elemMatch: filter}} keeps the first matching object element
//     of array a (top-level fields only). "a.$": 1 keeps, of the first array on the path a, the
//     element at MatchDetails::array_position. $elemMatch and positional are inclusions.
// Not supported (BadValue): computed fields (literal values, aggregation expressions) and
// $meta.
// Thread safety: immutable after Compile; Apply may run concurrently.
#pragma once

#include <bson/bson.h>

#include <memory>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/query/matcher.h"

namespace tactus::docdb::query {

class Projection {
 public:
  // Compiles a projection document. Errors: 31254 "Cannot do exclusion on field b in inclusion
  // projection" when inclusions and exclusions mix, 31250 "Path collision at a.b", 28724 for a
  // bad $slice, 31275 for $elemMatch on a nested field, BadValue (2) for a bad $elemMatch
  // filter, more than one positional, "$" components elsewhere, empty field names and
  // unsupported expressions.
  static DbResult<Projection> Compile(const bson_t* spec);

  // The projected copy of `doc`. `details` comes from the Matcher that selected `doc`; a
  // positional projection without a recorded array position fails with BadValue (51246)
  // "positional operator '.$' couldn't find a matching element in the array" (or "requires
  // corresponding field in query specifier" when details is null). A regex limit error in a
  // $elemMatch filter is returned as is.
  DbResult<BsonPtr> Apply(const bson_t* doc, const MatchDetails* details) const;

  // True for inclusion projections.
  bool is_inclusion() const;

 private:
  struct State;
  explicit Projection(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

}  // namespace tactus::docdb::query
