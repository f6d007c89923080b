// Strings of IAM policies that may hold wildcards and policy variables: Action, Resource and the
// values of string and ARN condition operators.
//
//   *         any sequence of characters, including none (wildcards are matched only where the
//   ?         any single character                        operator or element is a "Like" one)
//   ${key}    the value of the request's context key `key` (keys are case-insensitive)
//   ${key, 'default'}  the same, or `default` when the key has no usable value
//   ${*} ${?} ${$}     a literal '*', '?' or '$'
//
// Variables exist only in policies of Version 2012-10-17; in older policies "${" is plain text.
// A variable resolves when its key holds exactly one value; a key that is missing, has no values
// or has several (a multivalued key cannot be a variable) does not resolve, and a pattern with a
// variable that does not resolve (and has no default) matches nothing. The value substituted for a
// variable is literal text: a '*' inside a user name is not a wildcard.
//
// Thread-safe: Pattern is immutable after Parse; all functions are pure.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tactus::auth {

// The request's context keys with their values, keys in ASCII lower case.
using ContextValues = std::map<std::string, std::vector<std::string>, std::less<>>;

// ASCII lower case of s (condition keys and actions compare case-insensitively; values of
// ...IgnoreCase operators fold ASCII letters only).
std::string AsciiLower(std::string_view s);

class Pattern {
 public:
  // Parses `text`. With variables == false (Version 2008-10-17) "${" is plain text. Fails with
  // InvalidArgument naming the problem (an unterminated "${", an empty key, a malformed default);
  // the caller prefixes the JSON path.
  static common::Result<Pattern> Parse(std::string_view text, bool variables);

  // The text as written in the policy.
  const std::string& text() const { return text_; }
  bool has_variables() const { return has_variables_; }

  // The pattern with variables substituted, everything else literal (for the ...Equals
  // operators, where '*' is an ordinary character). nullopt when a variable does not resolve.
  std::optional<std::string> ResolveLiteral(const ContextValues& context) const;

  // The pattern as a glob for GlobMatch: wildcards stay wildcards, literal '*', '?' and '\'
  // (from the text via ${*} / ${?}, or from substituted values) are escaped with '\'. nullopt
  // when a variable does not resolve.
  std::optional<std::string> ResolveGlob(const ContextValues& context) const;

 private:
  struct Piece {
    enum class Kind { kLiteral, kStar, kQuestion, kVariable };
    Kind kind = Kind::kLiteral;
    std::string text;  // kLiteral: the characters; kVariable: the key in lower case
    std::optional<std::string> default_value;  // kVariable only
  };
  // The value of a variable piece, or nullopt.
  static std::optional<std::string> Lookup(const Piece& piece, const ContextValues& context);

  std::string text_;
  std::vector<Piece> pieces_;
  bool has_variables_ = false;
};

// True when `text` matches `glob` entirely. In `glob`, '*' matches any sequence, '?' one character
// (a UTF-8 code point), and '\' makes the next byte literal. With ignore_case, ASCII letters
// compare case-insensitively. Runs in O(|glob| * |text|) time at worst and constant extra space.
bool GlobMatch(std::string_view glob, std::string_view text, bool ignore_case);

// `literal` with '*', '?' and '\' escaped, so that GlobMatch matches it only literally.
std::string GlobEscape(std::string_view literal);

}  // namespace tactus::auth
