// base64url (RFC 4648 section 5) without padding, as JWS compact serialization uses it.
//
// Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tactus::auth {

// Decodes strictly: only A-Z a-z 0-9 '-' '_', no padding ('='), no whitespace, a length that is
// not 1 mod 4, and zero bits after the last byte (so each byte string has exactly one encoding).
// InvalidArgument naming the offset of the first bad character otherwise.
common::Result<std::string> Base64UrlDecode(std::string_view text);

// Encodes without padding.
std::string Base64UrlEncode(std::string_view bytes);

}  // namespace tactus::auth
