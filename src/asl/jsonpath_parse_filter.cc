// Parsing filter expressions ("[?(...)]"): boolean operators, comparisons and their operands
// (sub-paths, literals and /regex/es). Regexes are checked for size here, before std::regex
// compiles them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include "asl/jsonpath_parser.h"

namespace tactus::asl::jsonpath_internal {
namespace {

// libstdc++ compiles and runs regexes recursively, about as deep as the expanded pattern is long
// ("(){30000}" overflows an 8 MiB stack), so patterns are bounded in length and in expansion.
constexpr std::size_t kMaxRegexLength = 256;
constexpr std::uint64_t kMaxRegexExpansion = 1000;

// Roughly how many NFA states `pattern` expands to: atoms count 1, "{n,m}" multiplies the atom
// or group before it by its largest bound. Saturates just above kMaxRegexExpansion.
std::uint64_t RegexExpansion(std::string_view pattern) {
  constexpr std::uint64_t kCap = kMaxRegexExpansion + 1;
  std::vector<std::uint64_t> groups{0};  // running size of each open group
  std::uint64_t last_atom = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '(') {
      groups.push_back(0);
      continue;
    }
    if (c == ')' && groups.size() > 1) {
      last_atom = std::min(kCap, groups.back() + 2);
      groups.pop_back();
      groups.back() = std::min(kCap, groups.back() + last_atom);
      continue;
    }
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] >= '0' && pattern[i + 1] <= '9') {
      std::uint64_t bound = 0;
      std::uint64_t n = 0;
      std::size_t j = i + 1;
      for (; j < pattern.size() && pattern[j] != '}'; ++j) {
        if (pattern[j] >= '0' && pattern[j] <= '9') {
          n = std::min(kCap, n * 10 + static_cast<std::uint64_t>(pattern[j] - '0'));
        } else {
          n = 0;
        }
        bound = std::max(bound, n);
      }
      if (bound > 1) {
        groups.back() = std::min(kCap, groups.back() + last_atom * std::min(kCap, bound - 1));
      }
      i = j;
      continue;
    }
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      // A class is one atom; "]" right after "[" or "[^" is a literal member.
      std::size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']') j += pattern[j] == '\\' ? 2 : 1;
      i = j;
    }
    last_atom = 1;
    groups.back() = std::min(kCap, groups.back() + 1);
  }
  std::uint64_t total = 0;
  for (std::uint64_t g : groups) total = std::min(kCap, total + g);
  return total;
}

}  // namespace

using common::Status;

Status Parser::ParseOr(std::unique_ptr<const Filter>* out) {
  if (Status s = Enter(); !s.ok()) return s;
  auto node = std::make_unique<Filter>();
  node->kind = FilterKind::kOr;
  for (;;) {
    std::unique_ptr<const Filter> child;
    if (Status s = ParseAnd(&child); !s.ok()) return s;
    node->children.push_back(std::move(child));
    SkipSpaces();
    if (Peek() != '|' || Peek(1) != '|') break;
    pos_ += 2;
  }
  Leave();
  *out = node->children.size() == 1 ? std::move(node->children[0]) : std::move(node);
  return Status::Ok();
}

Status Parser::ParseAnd(std::unique_ptr<const Filter>* out) {
  auto node = std::make_unique<Filter>();
  node->kind = FilterKind::kAnd;
  for (;;) {
    std::unique_ptr<const Filter> child;
    if (Status s = ParseUnary(&child); !s.ok()) return s;
    node->children.push_back(std::move(child));
    SkipSpaces();
    if (Peek() != '&' || Peek(1) != '&') break;
    pos_ += 2;
  }
  *out = node->children.size() == 1 ? std::move(node->children[0]) : std::move(node);
  return Status::Ok();
}

Status Parser::ParseUnary(std::unique_ptr<const Filter>* out) {
  bool negate = false;
  SkipSpaces();
  while (Peek() == '!') {
    negate = !negate;
    ++pos_;
    SkipSpaces();
  }
  std::unique_ptr<const Filter> primary;
  if (Status s = ParsePrimary(&primary); !s.ok()) return s;
  if (!negate) {
    *out = std::move(primary);
  } else {
    auto node = std::make_unique<Filter>();
    node->kind = FilterKind::kNot;
    node->children.push_back(std::move(primary));
    *out = std::move(node);
  }
  return Status::Ok();
}

Status Parser::ParsePrimary(std::unique_ptr<const Filter>* out) {
  SkipSpaces();
  if (Peek() == '(') {
    const std::size_t open = pos_;
    ++pos_;
    if (Status s = ParseOr(out); !s.ok()) return s;
    SkipSpaces();
    if (AtEnd()) return Error("unterminated '('", open);
    if (Peek() != ')') return Error("expected ')' or an operator", pos_);
    ++pos_;
    return Status::Ok();
  }
  auto node = std::make_unique<Filter>();
  const std::size_t lhs_at = pos_;
  if (Status s = ParseOperand(&node->lhs); !s.ok()) return s;
  SkipSpaces();
  const std::size_t op_at = pos_;
  if (!ParseCompareOp(&node->op)) {
    if (node->lhs.kind == OperandKind::kPath) {
      node->kind = FilterKind::kExists;
    } else if (node->lhs.kind == OperandKind::kLiteral && node->lhs.literal.is_bool()) {
      node->kind = FilterKind::kConstant;
      node->constant = node->lhs.literal.as_bool();
    } else {
      return Error("expected a comparison operator", pos_);
    }
    *out = std::move(node);
    return Status::Ok();
  }
  node->kind = FilterKind::kCompare;
  SkipSpaces();
  const std::size_t rhs_at = pos_;
  if (Status s = ParseOperand(&node->rhs); !s.ok()) return s;
  const bool lhs_regex = node->lhs.kind == OperandKind::kRegex;
  const bool rhs_regex = node->rhs.kind == OperandKind::kRegex;
  if (node->op == CompareOp::kMatch) {
    if (lhs_regex == rhs_regex) return Error("'=~' needs one /regex/ operand", op_at);
  } else if (lhs_regex || rhs_regex) {
    return Error("a /regex/ can only be used with '=~'", lhs_regex ? lhs_at : rhs_at);
  }
  *out = std::move(node);
  return Status::Ok();
}

bool Parser::ParseCompareOp(CompareOp* op) {
  static constexpr std::pair<std::string_view, CompareOp> kSymbols[] = {
      {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},    {"<=", CompareOp::kLe},
      {">=", CompareOp::kGe}, {"=~", CompareOp::kMatch}, {"<", CompareOp::kLt},
      {">", CompareOp::kGt},
  };
  static constexpr std::pair<std::string_view, CompareOp> kWords[] = {
      {"in", CompareOp::kIn},
      {"nin", CompareOp::kNin},
      {"subsetof", CompareOp::kSubsetOf},
      {"anyof", CompareOp::kAnyOf},
      {"noneof", CompareOp::kNoneOf},
      {"contains", CompareOp::kContains},
      {"size", CompareOp::kSize},
      {"empty", CompareOp::kEmpty},
  };
  const std::string_view rest = text_.substr(pos_);
  for (const auto& [symbol, value] : kSymbols) {
    if (rest.substr(0, symbol.size()) == symbol) {
      pos_ += symbol.size();
      *op = value;
      return true;
    }
  }
  for (const auto& [word, value] : kWords) {
    if (rest.substr(0, word.size()) == word &&
        (rest.size() == word.size() || !IsIdentifierChar(rest[word.size()]))) {
      pos_ += word.size();
      *op = value;
      return true;
    }
  }
  return false;
}

Status Parser::ParseOperand(Operand* out) {
  SkipSpaces();
  const char c = Peek();
  if (c == '@' || c == '$') {
    const std::size_t at = pos_;
    ++pos_;
    if (c == '$' && (Peek() == '$' || IsIdentifierChar(Peek()))) {
      return Error("only '@' and '$' paths may appear in a filter", at);
    }
    out->kind = OperandKind::kPath;
    out->path.absolute = c == '$';
    if (Status s = ParseSegments(/*in_filter=*/true, &out->path.segments); !s.ok()) return s;
    for (const Segment& seg : out->path.segments) out->path.simple &= IsSimple(seg);
    return Status::Ok();
  }
  if (c == '/') return ParseRegex(out);
  out->kind = OperandKind::kLiteral;
  return ParseLiteral(&out->literal);
}

Status Parser::ParseLiteral(json::value* out) {
  SkipSpaces();
  const char c = Peek();
  if (c == '\'' || c == '"') {
    std::string s;
    if (Status st = ParseStringLiteral(&s); !st.ok()) return st;
    *out = json::string(s);
    return Status::Ok();
  }
  if (c == '-' || IsDigit(c)) return ParseNumber(out);
  if (c == '[') return ParseArrayLiteral(out);
  for (std::string_view word : {"true", "false", "null"}) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.substr(0, word.size()) == word &&
        (rest.size() == word.size() || !IsIdentifierChar(rest[word.size()]))) {
      pos_ += word.size();
      if (word == "null")
        *out = nullptr;
      else
        *out = word == "true";
      return Status::Ok();
    }
  }
  if (AtEnd()) return Error("expected an operand", pos_);
  return Error(std::string("expected an operand but found '") + c + "'", pos_);
}

Status Parser::ParseArrayLiteral(json::value* out) {
  const std::size_t open = pos_;
  if (Status s = Enter(); !s.ok()) return s;
  ++pos_;
  json::array items;
  SkipSpaces();
  if (Peek() == ']') {
    ++pos_;
  } else {
    for (;;) {
      json::value item;
      if (Status s = ParseLiteral(&item); !s.ok()) return s;
      items.push_back(std::move(item));
      SkipSpaces();
      if (AtEnd()) return Error("unterminated '['", open);
      if (Peek() == ']') {
        ++pos_;
        break;
      }
      if (Peek() != ',') return Error("expected ',' or ']'", pos_);
      ++pos_;
    }
  }
  Leave();
  *out = std::move(items);
  return Status::Ok();
}

Status Parser::ParseRegex(Operand* out) {
  const std::size_t open = pos_;
  ++pos_;
  const std::size_t start = pos_;
  for (;;) {
    if (AtEnd()) return Error("unterminated regular expression", open);
    const char c = text_[pos_];
    if (c == '/') break;
    if (c == '\\') {
      if (IsDigit(Peek(1)) && Peek(1) != '0') {
        return Error("back-references are not supported", pos_);
      }
      ++pos_;
      if (AtEnd()) return Error("unterminated regular expression", open);
    }
    ++pos_;
  }
  const std::string pattern(text_.substr(start, pos_ - start));
  ++pos_;
  if (pattern.size() > kMaxRegexLength) {
    return Error("regular expression longer than " + std::to_string(kMaxRegexLength), start);
  }
  if (RegexExpansion(pattern) > kMaxRegexExpansion) {
    return Error("regular expression repeats too much (at most " +
                     std::to_string(kMaxRegexExpansion) + " expanded atoms)",
                 start);
  }
  auto flags = std::regex::ECMAScript;
#ifdef __GLIBCXX__
  // Thompson-style matching: linear in the input and no recursion per character.
  flags |= std::regex_constants::__polynomial;
#endif
  while (IsIdentifierChar(Peek())) {
    if (Peek() == 'i') {
      flags |= std::regex::icase;
    } else if (Peek() == 'm') {
      flags |= std::regex::multiline;
    } else {
      return Error(std::string("unsupported regular expression flag '") + Peek() + "'", pos_);
    }
    ++pos_;
  }
  try {
    out->regex.emplace(pattern, flags);
  } catch (const std::regex_error& e) {
    return Error(std::string("invalid regular expression (") + e.what() + ")", start);
  }
  out->kind = OperandKind::kRegex;
  return Status::Ok();
}

}  // namespace tactus::asl::jsonpath_internal
