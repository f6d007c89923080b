// Dotted update paths ("a.b.0", "grades.$", "a.$[].b", "a.$[elem].c"): parsing, validation and
// the order and conflict rules MongoDB applies between the paths of one update.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::update {

enum class ComponentKind {
  kField,          // A field name or array index.
  kPositional,     // `$`: the array index the query matched.
  kAllPositional,  // `$[]`: every element of the array.
  kFiltered,       // `$[id]`: the elements that match arrayFilter `id`.
};

struct Component {
  ComponentKind kind = ComponentKind::kField;
  std::string name;  // The field name, or the identifier of kFiltered.
};

struct FieldPath {
  std::string dotted;
  std::vector<Component> parts;
  // True when a part is $, $[] or $[id].
  bool HasPositional() const;
  bool HasArrayPositional() const;  // $[] or $[id].
};

// Splits and validates an update path. Fails with EmptyFieldName (56) for "" or an empty part,
// BadValue (2) for more than one `$`, or a positional part first, and DollarPrefixedFieldName
// (52) for another '$'-prefixed part.
DbResult<FieldPath> ParseUpdatePath(std::string_view dotted);

// Splits on '.', without validation (for query paths and $push $sort fields).
std::vector<std::string> SplitDotted(std::string_view dotted);

// True when `name` is a canonical array index ("0", "12"; not "01", "-1", "1a"); sets `*index`.
bool ParseIndex(std::string_view name, std::size_t* index);

// The order in which MongoDB applies updates: part by part; two numeric names compare as
// numbers, anything else compares as strings. Negative, zero, positive like strcmp.
int ComparePaths(const FieldPath& a, const FieldPath& b);

// When one of `a`, `b` is a prefix of the other (part by part, including equal paths), the
// shorter one's dotted form: where the two updates would conflict.
std::optional<std::string> ConflictAt(const FieldPath& a, const FieldPath& b);

}  // namespace tactus::docdb::update
