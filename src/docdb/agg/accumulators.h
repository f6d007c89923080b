// $group's accumulators: $sum $avg $min $max $first $last $push $addToSet $count $mergeObjects.
// Each group holds one AccState per output field. States can be written out as a partial value
// and merged back, which is how $group spills to disk (partials of later runs merge after
// earlier ones, so $first/$last/$push keep input order).
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>

#include "docdb/error.h"
#include "docdb/query/expr.h"
#include "docdb/query/value.h"

namespace tactus::docdb::agg::internal {

class AccState {
 public:
  virtual ~AccState() = default;
  virtual DbResult<Done> Add(const query::Value& v) = 0;
  virtual query::Value Result() const = 0;
  // Approximate memory held.
  virtual std::int64_t bytes() const { return 32; }
  // The state as one value, and merging such a value into this state.
  virtual query::Value Partial() const = 0;
  virtual DbResult<Done> Merge(const bson_value_t& partial) = 0;
};

enum class AccKind { kSum, kAvg, kMin, kMax, kFirst, kLast, kPush, kAddToSet, kMergeObjects };

// Parses an accumulator name ("$sum"); 15952 "unknown group operator '$foo'" otherwise.
// $count is $sum of 1 (the caller substitutes the argument).
DbResult<AccKind> ParseAccumulator(std::string_view name);

std::unique_ptr<AccState> NewAccState(AccKind kind);

}  // namespace tactus::docdb::agg::internal
