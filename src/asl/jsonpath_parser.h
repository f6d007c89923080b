// The JSONPath parser, shared by its two translation units: jsonpath_parse.cc (paths, their
// segments and the tokens filters share too) and jsonpath_parse_filter.cc (filter expressions,
// array literals and regexes). Not a public contract: use JsonPath::Parse.
//
// A recursive-descent parser over one path's text. Its recursion is bounded: filter nesting is
// capped at kMaxFilterNesting (see Enter), so any input stays far from the stack limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asl/jsonpath_internal.h"
#include "common/json.h"
#include "common/status.h"

namespace tactus::asl::jsonpath_internal {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // Fills impl's root, variable and segments from the whole text.
  common::Status ParsePath(JsonPath::Impl* impl);

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  common::Status Error(std::string_view what, std::size_t at) const;
  common::Status Unexpected() const;

  // Enter/Leave bracket one level of filter nesting; Enter fails past kMaxFilterNesting.
  common::Status Enter();
  void Leave() { --depth_; }

  // ----- paths and tokens (jsonpath_parse.cc)

  // segment* : stops at the first character that cannot start a segment.
  common::Status ParseSegments(bool in_filter, std::vector<Segment>* out);
  common::Status ParseDot(bool in_filter, Segment* seg);
  common::Status ParseBracket(bool in_filter, Segment* seg);
  common::Status ParseIndexOrSlice(std::size_t open, Segment* seg);
  common::Status ParseInteger(std::int64_t* out);
  common::Status ParseNumber(json::value* out);
  // A bracket name keeps its text verbatim except for "\<its own quote>" and "\\": AWS resolves
  // $['Test\""Name"'] to the key Test\""Name" (recorded), so other escapes stay literal.
  common::Status ParseQuotedName(std::string* out);
  // A filter string literal: JSON-like escapes, either quote.
  common::Status ParseStringLiteral(std::string* out);

  // ----- filters (jsonpath_parse_filter.cc):
  //   or := and ("||" and)* ; and := unary ("&&" unary)* ; unary := "!"* primary

  common::Status ParseOr(std::unique_ptr<const Filter>* out);
  common::Status ParseAnd(std::unique_ptr<const Filter>* out);
  common::Status ParseUnary(std::unique_ptr<const Filter>* out);
  common::Status ParsePrimary(std::unique_ptr<const Filter>* out);
  bool ParseCompareOp(CompareOp* op);
  common::Status ParseOperand(Operand* out);
  common::Status ParseLiteral(json::value* out);
  common::Status ParseArrayLiteral(json::value* out);
  // /pattern/flags, matched against the whole string (Java's Matcher.matches, as Jayway does).
  common::Status ParseRegex(Operand* out);

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace tactus::asl::jsonpath_internal
