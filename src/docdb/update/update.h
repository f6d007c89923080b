// MongoDB update semantics on libbson documents: the update operators ($set, $inc, $push, ...),
// replacement documents, positional paths ($, $[], $[<id>] with arrayFilters) and upsert seeds.
//
// Behaviour follows MongoDB 6:
// - Operators apply in the order of their paths, not of the update document: fields compare
//   component by component, numeric names numerically, others as strings. Existing fields are
//   updated in place; new fields are appended, so {$set: {c: 1, a: 1}} on {} gives {a: 1, c: 1}.
// - Missing intermediate fields are created as documents (also for numeric names: {$set:
//   {"a.0": 1}} on {} gives {a: {"0": 1}}); a numeric name past the end of an existing array pads
//   it with nulls.
// - _id is immutable; a replacement keeps the original _id (first when the replacement has none).
// - Results are checked against 16 MiB (BSONObjectTooLarge) and 100 levels of nesting (BadValue).
//
// Conditions ($pull with a query, arrayFilters) are evaluated by query::Matcher (query/matcher.h)
// with all its operators.
// Arithmetic on Decimal128 values is not supported yet (BadValue).
//
// Thread safety: a compiled Update is immutable; Apply may run concurrently from many threads.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "docdb/bson_util.h"
#include "docdb/error.h"

namespace tactus::docdb::update {

struct CompiledUpdate;  // The parsed form; private to update/.

class Update {
 public:
  // Compiles `update`: a document of operators ({$set: {...}, ...}) or, when its first field
  // does not start with '$' (or it is empty), a replacement document. `array_filters` is the
  // arrayFilters array of the command, or nullptr when absent.
  // Fails with MongoDB's code and message:
  //   FailedToParse (9)   unknown operator ("Unknown modifier: $foo. ..."), an operand that is
  //                       not a document, $pop other than 1/-1, malformed or unused arrayFilters;
  //   ConflictingUpdateOperators (40)  "Updating the path 'a.b' would create a conflict at 'a'";
  //   TypeMismatch (14)   non-numeric $inc/$mul operand, $addToSet $each not an array;
  //   BadValue (2)        bad $push modifiers, $rename targets, $currentDate specs, $pullAll
  //                       operand not an array, positional misuse, unknown arrayFilters
  //                       identifier, malformed $pull conditions (query::Matcher's messages);
  //   EmptyFieldName (56) empty paths or path components, empty names in a replacement;
  //   DollarPrefixedFieldName (52)  '$'-prefixed top-level names in a replacement, or '$'-prefixed
  //                       path parts other than $, $[] and $[id].
  // arrayFilters with a replacement document are FailedToParse (9). An update given as an array
  // (aggregation pipeline) goes to CompilePipeline instead.
  static DbResult<Update> Compile(const bson_t* update, const bson_t* array_filters);

  // An update given as an array (aggregation pipeline) of $addFields/$set, $unset, $project and
  // $replaceRoot/$replaceWith stages (agg/pipeline.h), applied to each matched document (or the
  // upsert seed) with $$NOW = now_ms. InvalidOptions (72) for other stages; the pipeline's and
  // the expressions' own parse errors.
  static DbResult<Update> CompilePipeline(const bson_t* pipeline);

  Update(Update&&) noexcept;
  Update& operator=(Update&&) noexcept;
  ~Update();

  // True for a replacement document (multi-document updates must refuse these).
  bool is_replacement() const;
  // True when some path uses the positional `$`, so the query must supply the matched index.
  bool uses_positional() const;

  // Applies the update to `doc` and returns the new document; `doc` is not modified. The result
  // is byte-identical to `doc` when the update changes nothing (so callers can count nModified
  // by comparing bytes).
  // `positional`: the array index the query matched, for `$` (nullopt when none).
  // `is_insert`: `doc` is an upsert seed (see UpsertSeed); only then does $setOnInsert apply.
  // `now_ms`: milliseconds since the Unix epoch, for $currentDate (timestamps get
  //           {t: now_ms / 1000, i: 1}).
  // Fails with: ImmutableField (66) when _id would change; PathNotViable (28) when a path runs
  // through a scalar or names a non-numeric field of an array; TypeMismatch (14) for $push /
  // $addToSet / $pop onto a non-array or arithmetic on a non-number; BadValue (2) for $pull onto
  // a non-array, a missing positional match, $[] / $[id] on a missing or non-array field,
  // int64 overflow, padding an array past index 1,500,000, nesting deeper than 100, and a
  // regular expression in a condition exceeding its match limits; ConflictingUpdateOperators
  // (40) when positional paths resolve to overlapping fields ("Update created a conflict at
  // 'a.0'"); BSONObjectTooLarge (10334) past 16 MiB.
  // REQUIRES: `doc` is a valid BSON document.
  DbResult<BsonPtr> Apply(const bson_t* doc, std::optional<std::size_t> positional, bool is_insert,
                          std::int64_t now_ms) const;

  // Apply, always through the whole document as a tree: Apply edits the document's bytes field
  // by field when every operator targets a top-level field, and must give the same results
  // (update_fieldwise_test.cc compares the two).
  DbResult<BsonPtr> ApplyToTree(const bson_t* doc, std::optional<std::size_t> positional,
                                bool is_insert, std::int64_t now_ms) const;

 private:
  explicit Update(std::unique_ptr<const CompiledUpdate> compiled);
  DbResult<BsonPtr> ApplyPipeline(const bson_t* doc, std::int64_t now_ms) const;
  std::unique_ptr<const CompiledUpdate> compiled_;
};

// The document an upsert starts from: the query's equality conditions ({a: 1}, {"b.c": 2},
// {a: {$eq: 3}}, and those inside $and and single-clause $or), with dotted paths expanded into
// nested documents and _id first when present. Other operators and regular expressions
// contribute nothing. Fails with NotSingleValueField (54) when one path is constrained twice
// ("cannot infer query fields to set, path 'a' is matched twice") or a path and its prefix are
// both constrained, and with EmptyFieldName (56) for empty paths. The caller applies the update
// with is_insert = true, then adds an ObjectId _id when none resulted and moves _id first.
DbResult<BsonPtr> UpsertSeed(const bson_t* query);

}  // namespace tactus::docdb::update
