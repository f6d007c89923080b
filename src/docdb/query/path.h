// Dotted field paths ("a.b.0.c") resolved with MongoDB's array semantics:
//   - a path component looks up a field of an object;
//   - on an array, a component continues into every element that is an object ("a.b" over
//     {a: [{b: 1}, {b: 2}]} reaches 1 and 2), and a numeric component also selects the element
//     at that index ("a.1" reaches 2 in {a: [1, 2]}); arrays nested directly in arrays are not
//     entered in the middle of a path;
//   - a path that reaches nothing (a missing field, a scalar where an object was needed, an
//     array with no object elements) reaches one "missing" value (BSON_TYPE_EOD), which
//     matches null as MongoDB's queries do.
// Thread safety: pure functions. Values are views into the document; valid while it is.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tactus::docdb::query {

// One value a path reaches.
struct PathHit {
  bson_value_t value{};  // value_type == BSON_TYPE_EOD: missing
  // Index within the first array the path went through (or, for an element of a terminal
  // array, within that array); -1 when no array was involved. The positional "$" operator
  // uses it.
  std::int32_t array_position = -1;
  // True for an element produced by expanding a terminal array (see TerminalArrays).
  bool expanded = false;

  bool missing() const { return value.value_type == BSON_TYPE_EOD; }
};

// What to do with an array found at the end of the path.
enum class TerminalArrays {
  kKeep,               // the array itself only ($size, $elemMatch, $all of arrays)
  kElementsThenArray,  // each element, then the array itself (query predicates)
  kElementsOnly,       // each element; an empty array itself (index keys, sort keys)
};

// Splits "a.b.c" into components. An empty path yields no components (the root itself).
std::vector<std::string> SplitPath(std::string_view path);

// Appends every value `path` reaches from `root` (a document, or any value for $elemMatch) to
// *out in document order. With no components the root itself is the one hit (never expanded).
void FindPath(const bson_value_t& root, const std::vector<std::string>& path, TerminalArrays mode,
              std::vector<PathHit>* out);

// The same starting from a document.
void FindPath(const bson_t* doc, const std::vector<std::string>& path, TerminalArrays mode,
              std::vector<PathHit>* out);

// A bson_value_t view of a whole document.
bson_value_t DocumentValue(const bson_t* doc);

// Parses a path component as an array index ("0", "17"; not "01", "-1", "+1"); -1 when not.
std::int64_t ArrayIndexOf(std::string_view component);

}  // namespace tactus::docdb::query
