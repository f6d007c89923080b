// Byte-level helpers behind the intrinsic functions: Base64, message digests and UTF-8 handling.
// Private to tactus_asl_intrinsics.
//
// Thread-safe: all functions are pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tactus::asl::intrinsics_internal {

// Standard Base64 (RFC 4648 section 4) with '=' padding.
std::string Base64Encode(std::string_view bytes);

// Decodes standard Base64. Padding is optional, as in Java's basic decoder (which AWS uses); any
// character outside the alphabet, misplaced padding or a dangling 6-bit group yields nullopt.
std::optional<std::string> Base64Decode(std::string_view text);

// The lowercase hex digest of `data` for "MD5", "SHA-1", "SHA-256", "SHA-384" or "SHA-512";
// nullopt for any other algorithm name.
std::optional<std::string> HexDigest(std::string_view algorithm, std::string_view data);

// Length in UTF-16 code units, as Java's String.length() counts the characters AWS limits.
// REQUIRES: `utf8` is valid UTF-8.
std::size_t Utf16Length(std::string_view utf8);

// Replaces every malformed UTF-8 sequence by U+FFFD, as Java does when it decodes bytes into a
// String; valid input is returned unchanged.
std::string SanitizeUtf8(std::string_view bytes);

// Splits valid UTF-8 into its code points, each as the bytes that encode it.
std::vector<std::string_view> CodePoints(std::string_view utf8);

}  // namespace tactus::asl::intrinsics_internal
