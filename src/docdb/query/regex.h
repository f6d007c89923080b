// A compiled MongoDB regular expression ($regex, /pattern/flags) on PCRE2, the engine MongoDB
// itself uses. Matching is bounded: a pattern that backtracks catastrophically hits PCRE2's match
// and depth limits and reports an error instead of hanging the server.
// Thread safety: a compiled Regex is immutable; Match may run concurrently (each call uses its
// own match data).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docdb/error.h"

namespace tactus::docdb::query {

// MongoDB's codes for invalid regex options.
inline constexpr std::int32_t kInvalidRegexOptions = 51108;

class Regex {
 public:
  // Compiles `pattern` with MongoDB's options: i (caseless), m (multiline), s (dot matches
  // newline), x (extended), u (accepted; patterns are always UTF-8). Failure:
  // kRegexMatchLimit (51091) "Regular expression is invalid: <PCRE2 message>" for a bad or
  // too long (> 32764 bytes) pattern or an embedded NUL; kInvalidRegexOptions (51108) "invalid
  // flag in regex options: z".
  static DbResult<Regex> Compile(std::string_view pattern, std::string_view options);

  // Whether the pattern matches somewhere in `subject`. BadValue (2) "Regular expression match
  // exceeded its limits ..." when PCRE2's match or depth limit is hit. Invalid UTF-8 in the
  // subject never matches where it is invalid (PCRE2_MATCH_INVALID_UTF).
  DbResult<bool> Match(std::string_view subject) const;

  // One match: byte offsets into the subject; captures that did not participate are nullopt.
  struct Found {
    std::size_t offset = 0, length = 0;
    std::vector<std::optional<std::pair<std::size_t, std::size_t>>> captures;  // offset, length
  };
  // The first match at or after byte `start`; nullopt when none. Errors as Match.
  DbResult<std::optional<Found>> Find(std::string_view subject, std::size_t start) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& options() const { return options_; }

 private:
  struct Compiled;
  Regex(std::shared_ptr<const Compiled> compiled, std::string pattern, std::string options);

  std::shared_ptr<const Compiled> compiled_;
  std::string pattern_;
  std::string options_;  // as given, for equality with BSON regex values
};

}  // namespace tactus::docdb::query
