// The parsed form of a JSONPath and the selection walk over it, shared by the JSONPath
// translation units (jsonpath*.cc). Not a public contract: include jsonpath.h instead.
//
// A path is parsed once into a vector of segments; a filter segment owns a tree of Filter nodes
// whose operands are literals, /regex/es or sub-paths made of segments again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "asl/jsonpath.h"
#include "common/json.h"

namespace tactus::asl::jsonpath_internal {

struct Filter;

enum class SegmentKind : std::uint8_t {
  kName,      // .a ['a']
  kNames,     // ['a','b']
  kIndex,     // [0] [-1]
  kIndices,   // [0,2]
  kSlice,     // [1:3:1]
  kWildcard,  // .* [*]
  kFilter,    // [?(...)]
};

struct Segment {
  SegmentKind kind = SegmentKind::kName;
  bool deep = false;                  // preceded by ".."
  std::vector<std::string> names;     // kName (one), kNames
  std::vector<std::int64_t> indices;  // kIndex (one), kIndices
  std::optional<std::int64_t> start;  // kSlice
  std::optional<std::int64_t> end;
  std::optional<std::int64_t> step;
  std::unique_ptr<const Filter> filter;  // kFilter
};

// Selects at most one node and can be followed without a frontier.
inline bool IsSimple(const Segment& s) {
  return !s.deep && (s.kind == SegmentKind::kName || s.kind == SegmentKind::kIndex);
}

// A path inside a filter: "@..." (relative to the tested node) or "$..." (the document root).
struct SubPath {
  bool absolute = false;
  bool simple = true;  // every segment IsSimple: selects one node or none
  std::vector<Segment> segments;
};

enum class OperandKind : std::uint8_t { kPath, kLiteral, kRegex };

struct Operand {
  OperandKind kind = OperandKind::kLiteral;
  SubPath path;
  json::value literal;
  std::optional<std::regex> regex;
};

enum class FilterKind : std::uint8_t { kOr, kAnd, kNot, kExists, kCompare, kConstant };

enum class CompareOp : std::uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kMatch,
  kIn,
  kNin,
  kSubsetOf,
  kAnyOf,
  kNoneOf,
  kContains,
  kSize,
  kEmpty,
};

struct Filter {
  FilterKind kind = FilterKind::kConstant;
  std::vector<std::unique_ptr<const Filter>> children;  // kOr, kAnd, kNot
  CompareOp op = CompareOp::kEq;
  Operand lhs;  // kExists, kCompare
  Operand rhs;  // kCompare
  bool constant = false;
};

using NodeList = std::vector<const json::value*>;

// The result of a filter operand: `value` is null when a path selected nothing.
struct OperandValue {
  const json::value* value = nullptr;
  json::value owned;
};

// The child a simple segment (IsSimple) selects under `node`, or null.
const json::value* SimpleChild(const Segment& seg, const json::value& node);

// One selection over the document `doc_root` (what "$" means inside filters). Borrowed pointers
// only; bounded to a fixed amount of work, after which it stops with what it has.
class Selector {
 public:
  explicit Selector(const json::value& doc_root) : doc_root_(doc_root) {}

  // Applies segments [0, count) to `start`, appending every match to *out in document order.
  void Run(const std::vector<Segment>& segments, std::size_t count, const json::value& start,
           NodeList* out);

 private:
  // The walk (jsonpath_select.cc).
  bool Spend();
  void Emit(const json::value* v, NodeList* out);
  void Apply(const Segment& seg, const json::value& node, NodeList* out);
  void ApplySlice(const Segment& seg, const json::array& arr, NodeList* out);
  // Jayway's scan: at every object and array under `node` (itself included, parents before
  // children), apply the segment as if it were not deep. A deep filter tests objects themselves.
  void ApplyDeep(const Segment& seg, const json::value& node, NodeList* out);

  // Filter evaluation (jsonpath_filter.cc).
  // Resolves an operand against `current` (the "@" node). False when a path selects nothing.
  bool Resolve(const Operand& op, const json::value& current, OperandValue* out);
  bool Exists(const SubPath& path, const json::value& current);
  bool Test(const Filter& f, const json::value& current);

  const json::value& doc_root_;
  std::size_t work_ = 0;
  bool exhausted_ = false;
};

}  // namespace tactus::asl::jsonpath_internal

namespace tactus::asl {

struct JsonPath::Impl {
  std::string text;
  PathRoot root = PathRoot::kInput;
  std::string variable;
  std::vector<jsonpath_internal::Segment> segments;
  bool simple = true;       // every segment IsSimple
  bool merge_last = false;  // ends in ['a','b'], which Jayway evaluates to one merged object
  bool definite = true;
  bool reference = true;
};

}  // namespace tactus::asl
