#include "auth/stored_credentials.h"

#include <openssl/rand.h>

#include <cstdlib>

namespace tactus::auth {

std::string RandomString(std::size_t n, std::string_view alphabet) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no randomness: no credentials
  }
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = alphabet[static_cast<unsigned char>(bytes[i]) % alphabet.size()];
  }
  return out;
}

SealedSecret SealedSecretOf(const bson_t* doc) {
  SealedSecret sealed;
  bson_iter_t it, child;
  if (bson_iter_init_find(&it, doc, "secret") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
      bson_iter_recurse(&it, &child)) {
    while (bson_iter_next(&child)) {
      std::string_view key = bson_iter_key(&child);
      if (!BSON_ITER_HOLDS_UTF8(&child)) continue;
      std::string value = bson_iter_utf8(&child, nullptr);
      if (key == "kid") sealed.kid = value;
      if (key == "iv") sealed.iv = value;
      if (key == "ct") sealed.ct = value;
    }
  }
  return sealed;
}

}  // namespace tactus::auth
