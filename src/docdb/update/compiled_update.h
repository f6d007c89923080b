// The parsed form of an update document (private to update/): what Update::Compile produces and
// Update::Apply executes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/query/matcher.h"
#include "docdb/update/field_path.h"
#include "docdb/update/node.h"

namespace tactus::docdb::update {

enum class OpKind {
  kSet,
  kUnset,
  kInc,
  kMul,
  kMin,
  kMax,
  kRename,
  kSetOnInsert,
  kCurrentDate,
  kPush,
  kAddToSet,
  kPop,
  kPull,
  kPullAll,
};

// $push's modifiers; $addToSet uses only `each`.
struct PushSpec {
  std::vector<Node> each;
  std::optional<std::int64_t> slice;
  std::optional<std::int64_t> position;
  enum class Sort { kNone, kWhole, kFields } sort = Sort::kNone;
  int whole_direction = 1;
  std::vector<std::pair<std::vector<std::string>, int>> sort_fields;  // path parts, 1 or -1
};

struct Op {
  OpKind kind = OpKind::kSet;
  const char* op_name = "";  // "$set", for messages.
  FieldPath path;            // The target (for $rename, the destination).
  Node operand;              // The value, named after the last path part.
  FieldPath from;            // $rename: the source.
  bool timestamp = false;    // $currentDate: a Timestamp rather than a Date.
  PushSpec push;             // $push, $addToSet.
  // $pull with a condition: an operator document ({$gte: 6}) or a regular expression is
  // compiled as {x: cond} and matched against {x: element}; a query document ({score: 8})
  // matches document elements.
  std::optional<query::Matcher> pull_matcher;
  bool pull_wraps_element = false;
};

// The field name under which conditions on a value are matched ({x: cond} against {x: value}).
inline constexpr const char* kWrapField = "x";

struct CompiledUpdate {
  bool replacement = false;
  Node replacement_doc;                                 // When replacement.
  std::vector<Op> ops;                                  // In application order (ComparePaths).
  std::map<std::string, query::Matcher> array_filters;  // identifier -> {id...: condition}
  bool positional = false;
  // Every op but $rename on a distinct top-level field other than _id, with no positional part:
  // Update::Apply then edits only those fields of the document's bytes (update.cc).
  bool top_level_fields = false;
  // An update given as an aggregation pipeline ($set, $unset, $project, $replaceWith, ...),
  // run over the one document; `pipeline_slots` sizes its EvalContext.
  std::shared_ptr<const agg::Pipeline> pipeline;
  int pipeline_slots = 0;
};

// Parses one operator's operand document into ops (appended to `out`), taking its values.
// Defined in compile_ops.cc.
DbResult<Done> CompileOperator(Node&& operator_doc, std::vector<Op>* out);

// Applies the ops to `doc` in place. Defined in apply_ops.cc.
DbResult<Done> ApplyOps(const CompiledUpdate& update, Node* doc,
                        std::optional<std::size_t> positional, bool is_insert, std::int64_t now_ms);

}  // namespace tactus::docdb::update
