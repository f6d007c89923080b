// Query planning and execution shared by find, count, distinct, update, delete and
// findAndModify.
//
// The planner picks, in order: an `_id` equality, `$in` or range; an equality on the first field
// of a non-sparse, non-partial secondary index; a `$in` on such a field; a range on such a
// field; an index whose first field is the (single-field) sort; otherwise a collection scan.
// A `$in` is planned as one point range per distinct value (its index key, so 1, 1.0 and
// NumberLong(1) are one point), in index order; not when the list holds a regex, nor (on a
// secondary index) null or an array, which index keys do not map to points. Index bounds only
// narrow the candidates: every candidate is still checked by the Matcher, so a plan can never
// change a result, only its cost.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docdb/commands/command.h"
#include "docdb/query/matcher.h"
#include "docdb/query/sort.h"
#include "docdb/storage/storage.h"

namespace tactus::docdb::commands {

struct Plan {
  enum class Kind { kCollectionScan, kIdScan, kIndexScan } kind = Kind::kCollectionScan;
  std::shared_ptr<const storage::IndexInfo> index;  // kIndexScan
  storage::KeyRange range;                          // kIdScan, kIndexScan
  // A `$in` on `in_field` (the index's first field, or _id): one range per distinct value,
  // sorted in index order and scanned instead of `range` (in reverse order when `reverse`).
  // Empty for `$in: []`, which matches nothing.
  std::optional<std::vector<storage::KeyRange>> in_ranges;
  std::string in_field;
  bool reverse = false;
  bool provides_sort = false;  // candidates come out in the requested sort order
  // For explain: "COLLSCAN", "IDHACK" or "IXSCAN" (also an `_id` `$in`).
  std::string Describe() const;
  // For explain: the index scanned ("_id_" for an `_id` `$in`), empty for other plans.
  std::string IndexName() const;
};

Plan ChoosePlan(storage::Txn& txn, const storage::CollectionInfo& coll, const bson_t* filter,
                const bson_t* sort);

struct MatchedDoc {
  std::string id_key;
  BsonPtr doc;
  query::MatchDetails details;
};

// Matching documents in sort order (or natural order), after `skip`, at most `limit` (0 = all).
DbResult<std::vector<MatchedDoc>> FindMatching(storage::Txn& txn,
                                               const storage::CollectionInfo& coll,
                                               const query::Matcher& matcher, const bson_t* sort,
                                               std::int64_t skip, std::int64_t limit,
                                               Plan* plan_out = nullptr);

// MongoDB's IDHACK: when `filter` is exactly {_id: v} for a value v whose equality is the
// equality of its key encoding (a number, string, ObjectId, bool, date, timestamp, binary or
// decimal; query/key_encoding.h), the key of the one document it can match. nullopt for any
// other filter (null, regex, array and document values included).
std::optional<std::string> IdHackKey(const bson_t* filter);

// A query's filter, ready to run: the IDHACK key when it has one (then no Matcher is compiled
// and no plan chosen: one point read answers it), else its compiled Matcher.
struct Filter {
  std::optional<std::string> id_key;
  std::optional<query::Matcher> matcher;  // when !id_key
  // Errors as Matcher::Compile's.
  static DbResult<Filter> Compile(const bson_t* filter);
};

// Whether ChoosePlan may plan `filter` as several ranges, each one statement (a `$in` on a
// top-level field or inside a top-level `$and`); false: one scan answers it. Conservative.
bool MayScanSeveralRanges(const bson_t* filter);

// FindMatching for a Filter: an IDHACK filter reads its one document by key (`sort` is still
// validated; there is nothing to sort), any other runs as above.
DbResult<std::vector<MatchedDoc>> FindMatching(storage::Txn& txn,
                                               const storage::CollectionInfo& coll,
                                               const Filter& filter, const bson_t* sort,
                                               std::int64_t skip, std::int64_t limit);

// How many documents match, after `skip`, at most `limit` (0 = all), without copying any.
DbResult<std::int64_t> CountMatching(storage::Txn& txn, const storage::CollectionInfo& coll,
                                     const query::Matcher& matcher, std::int64_t skip,
                                     std::int64_t limit);

// The key encoding of a document's _id. REQUIRES: doc has an _id.
std::string IdKey(const bson_t* doc);

}  // namespace tactus::docdb::commands
