// What one update operator does to one concrete field (private to update/). The path walker
// (apply_ops.cc) finds each target field, asks the operator for an Action, and performs it,
// creating missing intermediate documents only when the Action sets a value.
#pragma once

#include <cstdint>
#include <string>

#include "docdb/error.h"
#include "docdb/update/compiled_update.h"
#include "docdb/update/node.h"

namespace tactus::docdb::update {

struct Action {
  enum class Kind { kKeep, kSet, kRemove };
  Kind kind = Kind::kKeep;
  Node value;  // When kSet.

  static Action Keep() { return Action{}; }
  static Action Remove() { return Action{Kind::kRemove, {}}; }
  static Action Set(Node v) { return Action{Kind::kSet, std::move(v)}; }
};

struct LeafContext {
  const Op& op;
  const std::string& path;    // The concrete dotted path of the target ("a.2.b").
  const Node& doc;  // the whole document being updated (its _id names it in messages)
  bool is_insert;
  std::int64_t now_ms;

  // "{_id: 1}" ("{}" without an _id): built only for an error message. Looked up when needed,
  // since earlier operations may have moved the document's fields (never its _id's value).
  std::string DocId() const {
    const Node* id = doc.Find("_id");
    return id ? "{" + Describe(*id) + "}" : "{}";
  }
};

// $set $unset $inc $mul $min $max $setOnInsert $currentDate. `current` is nullptr when the
// field is missing. Defined in scalar_ops.cc.
DbResult<Action> ApplyScalarOp(const LeafContext& ctx, const Node* current);

// $push $addToSet $pop $pull $pullAll. Defined in array_ops.cc.
DbResult<Action> ApplyArrayOp(const LeafContext& ctx, const Node* current);

}  // namespace tactus::docdb::update
