// What the IAM store (iam_store.h) and the session store (sessions.h) share: random credential
// strings, and reading back the sealed secret both keep in a document's "secret" field.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/master_key.h"
#include "mongo/mongo.h"

namespace tactus::auth {

// Base32 (32 characters) and base64 (64): both divide 256.
inline constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// `n` characters drawn uniformly from `alphabet` (whose size divides 256: no modulo bias).
// Aborts when OpenSSL has no randomness: no credentials.
std::string RandomString(std::size_t n, std::string_view alphabet);

// The kid, iv and ct of `doc`'s "secret" subdocument; empty strings for what is missing.
SealedSecret SealedSecretOf(const bson_t* doc);

}  // namespace tactus::auth
