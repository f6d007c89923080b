// A mutable, in-memory BSON tree: the working form of a document while an update applies to it.
// libbson documents are immutable byte strings; editing a tree and serialising it once is simpler
// and faster than rebuilding bytes for every operator.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"

namespace tactus::docdb::update {

// An owned copy of one non-container BSON value.
class Scalar {
 public:
  Scalar() { value_.value_type = BSON_TYPE_NULL; }
  explicit Scalar(const bson_value_t& v) { bson_value_copy(&v, &value_); }
  Scalar(const Scalar& o) { bson_value_copy(&o.value_, &value_); }
  Scalar& operator=(const Scalar& o) {
    if (this != &o) {
      bson_value_destroy(&value_);
      bson_value_copy(&o.value_, &value_);
    }
    return *this;
  }
  Scalar(Scalar&& o) noexcept : value_(o.value_) { o.value_.value_type = BSON_TYPE_NULL; }
  Scalar& operator=(Scalar&& o) noexcept {
    if (this != &o) {
      bson_value_destroy(&value_);
      value_ = o.value_;
      o.value_.value_type = BSON_TYPE_NULL;
    }
    return *this;
  }
  ~Scalar() { bson_value_destroy(&value_); }
  const bson_value_t& value() const { return value_; }

 private:
  bson_value_t value_{};
};

// One element: a name (ignored inside arrays) and a value, which is a document, an array, or a
// scalar.
struct Node {
  std::string name;
  bson_type_t type = BSON_TYPE_NULL;
  Scalar scalar;           // When type is neither DOCUMENT nor ARRAY.
  std::vector<Node> kids;  // When type is DOCUMENT or ARRAY, in order.

  bool is_container() const { return type == BSON_TYPE_DOCUMENT || type == BSON_TYPE_ARRAY; }
  bool is_array() const { return type == BSON_TYPE_ARRAY; }
  bool is_document() const { return type == BSON_TYPE_DOCUMENT; }
  bool is_number() const;

  // The child named `name` of a document, or nullptr.
  Node* Find(std::string_view field);
  const Node* Find(std::string_view field) const;
};

Node MakeDocument(std::string name = {});
Node MakeArray(std::string name = {});
Node MakeNull(std::string name = {});
Node MakeScalar(std::string name, const bson_value_t& v);
Node MakeInt32(std::string name, std::int32_t v);
Node MakeInt64(std::string name, std::int64_t v);
Node MakeDouble(std::string name, double v);

// The largest document an update may produce (BSONObjectTooLarge beyond).
inline constexpr std::uint32_t kMaxDocumentBytes = 16 * 1024 * 1024;

// The tree of a document (type DOCUMENT, empty name).
Node FromBson(const bson_t* doc);
// The tree of the value `iter` points at, named `name`.
Node FromIter(const bson_iter_t* iter, std::string name);

// Serialises a DOCUMENT node. Fails with BSONObjectTooLarge (10334) past 16 MiB and BadValue
// when nesting is deeper than 100 levels.
DbResult<BsonPtr> ToBson(const Node& doc);
// Serialises without limits (for messages and tests).
BsonPtr ToBsonUnchecked(const Node& doc);
// Appends `node` to `out` under `key`.
void AppendNode(bson_t* out, std::string_view key, const Node& node);
// Appends `node` to `out` under `key`, `out` being at nesting level `depth` (a document's own
// fields are at level 1). False, with `out` holding a partial value, when a container would nest
// deeper than 100 levels.
bool AppendNodeAt(bson_t* out, std::string_view key, const Node& node, int depth);

// MongoDB's BSON comparison order, as query::CompareValues (query/compare.h) defines it, over
// trees. Names of `a` and `b` themselves are ignored. Negative, zero or positive.
int Compare(const Node& a, const Node& b);
// Exact equality: same type and same bytes (1 and 1.0 differ), names of the roots ignored.
bool IdenticalValues(const Node& a, const Node& b);

// The relaxed Extended JSON of a value for error messages: `{name: value}` style "a: 1".
std::string Describe(const Node& node);

}  // namespace tactus::docdb::update
