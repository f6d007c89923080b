// SCRAM (RFC 5802) as MongoDB speaks it: SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-1, the server
// side of the conversation and the credentials a user record keeps (docs/docdb.md, "Users and
// authentication").
//
// The store never keeps a password: createUser derives the salted keys here (StoredKey,
// ServerKey, salt, iteration count) and the conversation proves the client knows the password
// from them alone. OpenSSL does the cryptography (PBKDF2, HMAC, SHA, RAND_bytes) and ICU does
// SASLprep. Thread safety: free functions are thread-safe; a ScramServer is one conversation,
// used by one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "docdb/error.h"

namespace tactus::docdb::auth {

enum class Mechanism { kScramSha1, kScramSha256 };

// "SCRAM-SHA-1" / "SCRAM-SHA-256".
const char* MechanismName(Mechanism mechanism);
std::optional<Mechanism> ParseMechanism(std::string_view name);

// MongoDB's defaults (scramSHA256IterationCount, scramIterationCount) and salt lengths.
inline constexpr int kScramSha256Iterations = 15000;
inline constexpr int kScramSha1Iterations = 10000;
inline constexpr std::size_t kScramSha256SaltBytes = 28;
inline constexpr std::size_t kScramSha1SaltBytes = 16;
// Stored iteration counts outside [kMinIterations, kMaxIterations] are refused (RFC 7677 asks
// for at least 4096; the upper bound keeps a bad record from pinning a CPU).
inline constexpr int kMinIterations = 4096;
inline constexpr int kMaxIterations = 10'000'000;
// Passwords and user names longer than this are refused before any hashing.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct ScramCredentials {
  Mechanism mechanism = Mechanism::kScramSha256;
  std::string salt;  // raw bytes
  int iterations = 0;
  std::string stored_key,
      server_key;  // raw bytes: H(ClientKey), HMAC(SaltedPassword, "Server Key")
};

// SASLprep (RFC 4013) of a password for storage: ICU's RFC 4013 profile (mapping, NFKC,
// prohibited characters, bidi rules; unassigned code points refused). BadValue naming `field`
// for text that is not UTF-8 or that SASLprep prohibits (control characters, ...); ASCII
// printable text comes back unchanged.
DbResult<std::string> SaslPrep(std::string_view text, std::string_view field = "pwd");

// What the mechanism's key derivation hashes: SCRAM-SHA-256 the SASLprepped password; SCRAM-SHA-1
// MongoDB's digest, hex(MD5(user + ":mongo:" + password)), without SASLprep (as MongoDB).
DbResult<std::string> MechanismPassword(Mechanism mechanism, std::string_view user,
                                        std::string_view password);

// SaltedPassword = PBKDF2(HMAC-H, password, salt, iterations); StoredKey and ServerKey from it.
// `password` is MechanismPassword's output. REQUIRES: iterations >= 1.
ScramCredentials DeriveCredentials(Mechanism mechanism, std::string_view password, std::string salt,
                                   int iterations);

// Credentials with a fresh random salt and the mechanism's default iteration count.
DbResult<ScramCredentials> NewCredentials(Mechanism mechanism, std::string_view user,
                                          std::string_view password);

// Standard base64 with padding. Decode returns nullopt for malformed input.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

// `n` cryptographically random bytes (RAND_bytes); InternalError when OpenSSL cannot supply them.
DbResult<std::string> RandomBytes(std::size_t n);

// The server side of one SCRAM conversation:
//   client-first  --Start-->  server-first
//   client-final  --Finish--> server-final ("v=<ServerSignature>")
// Every failure (malformed message, unknown user, wrong proof, a step out of order) is a
// DbError: ProtocolError (17) for a malformed message or a step out of order,
// AuthenticationFailed (18) otherwise. Channel binding is not supported ("p=" is refused).
class ScramServer {
 public:
  // Looks up the stored credentials of `user` for this mechanism; nullopt when the user does
  // not exist or has no credentials for it.
  using Lookup = std::function<DbResult<std::optional<ScramCredentials>>(const std::string& user)>;

  // `server_nonce` is appended to the client's nonce: printable ASCII without ','.
  ScramServer(Mechanism mechanism, std::string server_nonce);

  DbResult<std::string> Start(std::string_view client_first, const Lookup& lookup);
  DbResult<std::string> Finish(std::string_view client_final);

  Mechanism mechanism() const { return mechanism_; }
  // The user named by client-first (after Start).
  const std::string& user() const { return user_; }
  // True once Finish verified the client's proof.
  bool authenticated() const { return authenticated_; }

 private:
  enum class Step { kStart, kFinish, kDone };
  Mechanism mechanism_;
  std::string server_nonce_;
  Step step_ = Step::kStart;
  std::string user_, gs2_header_, client_first_bare_, server_first_, nonce_;
  ScramCredentials credentials_;
  bool authenticated_ = false;
};

// A server nonce: base64 of 24 random bytes, as MongoDB makes them.
DbResult<std::string> NewServerNonce();

}  // namespace tactus::docdb::auth
