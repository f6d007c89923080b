// JSON helpers on boost::json: parsing with positions and limits, and the one serializer that
// every output of Tactus goes through.
//
// Thread-safe: all functions are pure.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tactus::common {

namespace json = boost::json;

// Deepest nesting of arrays/objects accepted by ParseJson. Deeper documents are rejected with a
// clear error instead of exhausting the stack of a recursive consumer.
inline constexpr std::size_t kMaxJsonDepth = 512;

// Parses strict JSON (RFC 8259: no comments, no trailing commas, no NaN/Infinity, valid UTF-8).
// Duplicate object keys: the last one wins (as Jackson, which AWS uses, does).
// On failure returns InvalidArgument with "line L, column C: <reason>" (1-based).
Result<json::value> ParseJson(std::string_view text);

// Serializes compactly. Doubles print in their shortest round-trip form, with ".0" for integral
// values (as AWS prints them); integers print as integers.
std::string SerializeJson(const json::value& v);

// Pretty-prints with two-space indentation (for humans at a terminal).
std::string SerializePrettyJson(const json::value& v);

// Serialized size in bytes, as AWS counts payloads (UTF-8 of the compact form).
std::size_t JsonSize(const json::value& v);

// A JSON Pointer (RFC 6901) token: '~' -> "~0", '/' -> "~1".
std::string JsonPointerEscape(std::string_view token);

// How messages name a value's kind: "null", "a boolean", "a number", "a string", "an array",
// "an object".
std::string_view JsonKindName(const json::value& v);

// Numeric helpers. IsNumber is true for int64, uint64 and double.
bool IsNumber(const json::value& v);
// REQUIRES: IsNumber(v)
double ToDouble(const json::value& v);
// True when v is a number with no fractional part that fits in int64; stores it in *out.
bool AsInt64(const json::value& v, std::int64_t* out);

// Structural equality where numbers compare by value (1 == 1.0) and booleans never equal numbers.
bool JsonEquals(const json::value& a, const json::value& b);

}  // namespace tactus::common
