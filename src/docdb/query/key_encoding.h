// Order-preserving byte encoding of BSON values (docs/docdb.md "Key encoding"): for any values
// a and b, memcmp order of EncodeKeyValue(a) and EncodeKeyValue(b) (shorter-is-less on a common
// prefix, as SQLite compares BLOBs) equals CompareValues(a, b). Equal values encode to identical
// bytes: 1, 1L, 1.0 and NumberDecimal("1.00") are one key. Every encoding is prefix-free, so a
// compound key is the concatenation of its fields' encodings.
//
// Layout: one type-class byte, then a body.
//   kMinKey 0x01, kNull 0x05 (null, undefined, missing; no body), kNumber 0x0A, kString 0x0F
//   (string and symbol), kObject 0x14, kArray 0x19, kBinData 0x1E, kObjectId 0x23, kBool 0x28,
//   kDate 0x2D, kTimestamp 0x32, kRegex 0x37, kDbPointer 0x3C, kCode 0x41, kCodeWithScope 0x46,
//   kMaxKey 0xF0.
//   numbers: a sub-class byte (NaN 1, -Infinity 2, negative 3, zero 4, positive 5, +Infinity 6);
//            finite non-zero values then carry the decimal exponent E of 0.d1d2...*10^E as a
//            big-endian uint16 (E + 0x8000) and the digits packed two per byte (10*a+b+1; an odd
//            last digit pairs with 0), then 0x00. Negative values complement those bytes.
//   strings: the bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x00.
//   objects: per element, the value's class byte, the field name as a string, the value's body;
//            then 0x00. Arrays: per element, the class byte and body; then 0x00.
//   binData: uint32 length (big-endian), subtype, bytes. ObjectId: 12 bytes. bool: 0 or 1.
//   date: int64 big-endian with the sign bit flipped. timestamp: uint32 t, uint32 i big-endian.
//   regex: pattern and options as strings. dbPointer: uint32 length, namespace, ObjectId.
//   code: the code as a string. code with scope: the code as a string, then the scope as an
//   object.
// A descending field complements every byte of its encoding.
//
// Format version 1 (the store's on-disk format_version). Thread safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>

namespace tactus::docdb::query {

// Class bytes, also usable as range bounds ("every string" is [kString, kString + 1)).
inline constexpr std::uint8_t kKeyClassMinKey = 0x01;
// Produced only by sort keys (sort.h): an empty array sorts before null, as in MongoDB.
inline constexpr std::uint8_t kKeyClassEmptyArraySort = 0x03;
inline constexpr std::uint8_t kKeyClassNull = 0x05;
inline constexpr std::uint8_t kKeyClassNumber = 0x0A;
inline constexpr std::uint8_t kKeyClassString = 0x0F;
inline constexpr std::uint8_t kKeyClassObject = 0x14;
inline constexpr std::uint8_t kKeyClassArray = 0x19;
inline constexpr std::uint8_t kKeyClassBinData = 0x1E;
inline constexpr std::uint8_t kKeyClassObjectId = 0x23;
inline constexpr std::uint8_t kKeyClassBool = 0x28;
inline constexpr std::uint8_t kKeyClassDate = 0x2D;
inline constexpr std::uint8_t kKeyClassTimestamp = 0x32;
inline constexpr std::uint8_t kKeyClassRegex = 0x37;
inline constexpr std::uint8_t kKeyClassDbPointer = 0x3C;
inline constexpr std::uint8_t kKeyClassCode = 0x41;
inline constexpr std::uint8_t kKeyClassCodeWithScope = 0x46;
inline constexpr std::uint8_t kKeyClassMaxKey = 0xF0;

// The encoding of one value; BSON_TYPE_EOD (missing) encodes as null.
std::string EncodeKeyValue(const bson_value_t& value, bool descending = false);

// Appends the encoding of one value to *out (for compound keys).
void AppendKeyValue(const bson_value_t& value, bool descending, std::string* out);

// The type-class byte of a value's encoding.
std::uint8_t KeyClassOf(bson_type_t type);

}  // namespace tactus::docdb::query
