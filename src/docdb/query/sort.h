// Sort specifications ({a: 1, "b.c": -1}) with MongoDB's order: values compare as in
// compare.h; a missing field sorts as null; an array field sorts by its smallest element
// ascending and by its largest descending; an empty array sorts before null.
// Thread safety: immutable after Compile.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::query {

class SortSpec {
 public:
  // Parses {path: 1 | -1, ...}. BadValue (2) "$sort key ordering must be 1 (for ascending) or
  // -1 (for descending)" for other values, including {$meta: ...} (not supported); an empty or
  // '$'-prefixed path component is refused. {} is a valid spec that orders nothing.
  static DbResult<SortSpec> Compile(const bson_t* spec);

  // A byte string whose memcmp order is this spec's order of documents (key_encoding.h per
  // field, complemented for descending fields). Precompute it once per document to sort.
  std::string KeyFor(const bson_t* doc) const;

  // <0, 0, >0 as a sorts before, with, or after b.
  int Compare(const bson_t* a, const bson_t* b) const;

  bool empty() const { return fields_.empty(); }

 private:
  struct Field {
    std::vector<std::string> path;
    bool descending = false;
  };
  std::vector<Field> fields_;
};

}  // namespace tactus::docdb::query
