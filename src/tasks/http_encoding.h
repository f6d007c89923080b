// URL encoding for the HTTP task (internal to tasks/; docs/tasks.md, "HTTP tasks"): query
// strings and application/x-www-form-urlencoded bodies built from JSON objects.
//
// Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"

namespace tactus::tasks::http_internal {

namespace json = boost::json;

// How an array value is spelled, as AWS's RequestEncodingOptions.ArrayFormat names them, for
// {"a": ["x", "y"]}:
enum class ArrayFormat {
  kIndices,   // a[0]=x&a[1]=y (the default)
  kRepeat,    // a=x&a=y
  kCommas,    // a=x,y
  kBrackets,  // a[]=x&a[]=y
};

// Percent-encodes every byte except RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view s);

// "key=value" pairs joined by '&', keys and values percent-encoded. Scalars are written as
// text: strings as they are, numbers as JSON prints them, true/false, null as an empty value.
// Nested objects use brackets (o[k]=v, recursively). Arrays follow `format`, except an array
// holding an object or an array, which always uses indices. Empty arrays and objects add
// nothing.
std::string FormEncode(const json::object& object, ArrayFormat format);

}  // namespace tactus::tasks::http_internal
