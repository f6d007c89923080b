// Reshaping documents for $project, $addFields / $set and $unset: a tree of field names whose
// leaves include, exclude or compute a field (aggregation semantics: dotted paths and nested
// specs reach into sub-documents and into every document of an array).
//   inclusion   _id (unless excluded) and the named fields in the document's order, then the
//               computed fields in the spec's order; non-document array elements are dropped.
//   exclusion   everything but the named fields.
//   addFields   every field, computed ones replaced in place or appended; "$$REMOVE" removes.
// Thread safety: immutable after Parse; Apply uses the caller's EvalContext.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"
#include "docdb/query/expr.h"

namespace tactus::docdb::agg {

class Shape {
 public:
  enum class Mode { kInclusion, kExclusion, kAddFields };

  // $project's spec. 31254 / 31253 when inclusion and exclusion mix, 31252 for an expression in
  // an exclusion projection, 51272 for an empty spec, 40352 for an empty field path, 31250 for
  // path collisions, 16410 for '$'-prefixed names.
  static DbResult<Shape> ParseProject(const bson_t* spec, query::ExprScope& scope);
  // $addFields / $set's spec.
  static DbResult<Shape> ParseAddFields(const bson_t* spec, query::ExprScope& scope);
  // $unset's paths (a string or an array of strings): an exclusion.
  static DbResult<Shape> ParseUnset(const bson_value_t& spec);

  // The reshaped document. REQUIRES: ctx's root is `doc`.
  DbResult<BsonPtr> Apply(const bson_t* doc, query::EvalContext& ctx) const;

  struct Node;

 private:
  Mode mode_ = Mode::kInclusion;
  std::shared_ptr<const Node> root_;
};

}  // namespace tactus::docdb::agg
