// Values produced by aggregation expressions: a bson_value_t that either views into a document
// the caller keeps alive, or owns its bytes through `storage` (built strings, arrays, objects).
// Copies share the storage. Thread safety: immutable once built; copies may cross threads.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/bson_util.h"

namespace tactus::docdb::query {

struct Value {
  bson_value_t v{};  // value_type == BSON_TYPE_EOD: missing
  std::shared_ptr<const void> storage;

  bool missing() const { return v.value_type == BSON_TYPE_EOD; }
  bool nullish() const {
    return missing() || v.value_type == BSON_TYPE_NULL || v.value_type == BSON_TYPE_UNDEFINED;
  }
  bson_type_t type() const { return v.value_type; }
  bool is_string() const { return v.value_type == BSON_TYPE_UTF8; }
  bool is_array() const { return v.value_type == BSON_TYPE_ARRAY; }
  bool is_document() const { return v.value_type == BSON_TYPE_DOCUMENT; }
  std::string_view str() const { return {v.value.v_utf8.str, v.value.v_utf8.len}; }
};

Value MissingValue();
Value NullValue();
Value BoolValue(bool b);
Value Int32Value(std::int32_t i);
Value Int64Value(std::int64_t i);
// int32 when it fits, otherwise int64.
Value IntValue(std::int64_t i);
Value DoubleValue(double d);
Value DateValue(std::int64_t ms);
Value StringValue(std::string s);
// A view of `v` (no ownership: the caller keeps its bytes alive).
Value ViewValue(const bson_value_t& v);
// A deep copy that owns its bytes.
Value OwnedCopy(const bson_value_t& v);
// A document or array value owning `doc`.
Value DocumentValueOf(BsonPtr doc);
Value ArrayValueOf(BsonPtr array);

// Builds an array value element by element.
class ArrayBuilder {
 public:
  ArrayBuilder();
  void Append(const bson_value_t& v);
  void Append(const Value& v) { Append(v.v); }
  std::uint32_t size() const { return n_; }
  Value Finish();

 private:
  BsonPtr doc_;
  std::uint32_t n_ = 0;
};

// Visits the elements of an array (or document) value in order; the visitor returns false to
// stop. Views are valid while the value is.
void ForEachElement(const bson_value_t& container,
                    const std::function<bool(std::string_view key, const bson_value_t&)>& visit);
// The elements of an array value, as views.
std::vector<bson_value_t> ArrayElements(const bson_value_t& array);
// A bson_t view of a document or array value. REQUIRES: v is a document or an array.
bool ViewDocument(const bson_value_t& v, bson_t* out);
// Appends `v` under `key`; a missing value is skipped.
void AppendValue(bson_t* doc, std::string_view key, const bson_value_t& v);

}  // namespace tactus::docdb::query
