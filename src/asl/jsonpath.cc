// JSONPath with Jayway's semantics (what AWS Step Functions runs).
//
// A path is parsed once into a vector of segments. Selection walks the document breadth-first
// over a frontier of borrowed pointers, so nothing is copied until Evaluate builds its result.
// Recursion is bounded everywhere: the parser caps filter nesting at kMaxFilterNesting, deep scans
// use an explicit stack, and evaluation only recurses as deep as the parsed filters nest.
#include "asl/jsonpath.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <limits>
#include <regex>
#include <utility>

namespace tactus::asl {
namespace {

using common::Result;
using common::Status;

// Nested "(", "[?(" and array literals inside one path. Keeps the parser's recursion (and the
// evaluator's, which mirrors it) far from the stack limit whatever the input.
constexpr int kMaxFilterNesting = 64;
// libstdc++ compiles and runs regexes recursively, about as deep as the expanded pattern is long
// ("(){30000}" overflows an 8 MiB stack), so patterns are bounded in length and in expansion.
constexpr std::size_t kMaxRegexLength = 256;
constexpr std::uint64_t kMaxRegexExpansion = 1000;
// Work units (visited, tested or selected nodes) one Select may spend. Paths such as "$..*..*..*"
// or "$[0,0][0,0]..." grow their result exponentially; a 256 KiB payload (AWS's limit) has well
// under 100k nodes, so only such pathological paths reach this, and they stop instead of hanging.
constexpr std::size_t kMaxSelectWork = std::size_t{1} << 22;
// Slice steps beyond any array length behave alike; clamping keeps index arithmetic in range.
constexpr std::int64_t kMaxSliceStep = std::int64_t{1} << 40;

struct Filter;

enum class SegmentKind : std::uint8_t {
  kName,      // .a ['a']
  kNames,     // ['a','b']
  kIndex,     // [0] [-1]
  kIndices,   // [0,2]
  kSlice,     // [1:3:1]
  kWildcard,  // .* [*]
  kFilter,    // [?(...)]
};

struct Segment {
  SegmentKind kind = SegmentKind::kName;
  bool deep = false;                  // preceded by ".."
  std::vector<std::string> names;     // kName (one), kNames
  std::vector<std::int64_t> indices;  // kIndex (one), kIndices
  std::optional<std::int64_t> start;  // kSlice
  std::optional<std::int64_t> end;
  std::optional<std::int64_t> step;
  std::unique_ptr<const Filter> filter;  // kFilter
};

// Selects at most one node and can be followed without a frontier.
bool IsSimple(const Segment& s) {
  return !s.deep && (s.kind == SegmentKind::kName || s.kind == SegmentKind::kIndex);
}

// A path inside a filter: "@..." (relative to the tested node) or "$..." (the document root).
struct SubPath {
  bool absolute = false;
  bool simple = true;  // every segment IsSimple: selects one node or none
  std::vector<Segment> segments;
};

enum class OperandKind : std::uint8_t { kPath, kLiteral, kRegex };

struct Operand {
  OperandKind kind = OperandKind::kLiteral;
  SubPath path;
  json::value literal;
  std::optional<std::regex> regex;
};

enum class FilterKind : std::uint8_t { kOr, kAnd, kNot, kExists, kCompare, kConstant };

enum class CompareOp : std::uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kMatch,
  kIn,
  kNin,
  kSubsetOf,
  kAnyOf,
  kNoneOf,
  kContains,
  kSize,
  kEmpty,
};

struct Filter {
  FilterKind kind = FilterKind::kConstant;
  std::vector<std::unique_ptr<const Filter>> children;  // kOr, kAnd, kNot
  CompareOp op = CompareOp::kEq;
  Operand lhs;  // kExists, kCompare
  Operand rhs;  // kCompare
  bool constant = false;
};

const char* TypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

}  // namespace

struct JsonPath::Impl {
  std::string text;
  PathRoot root = PathRoot::kInput;
  std::string variable;
  std::vector<Segment> segments;
  bool simple = true;       // every segment IsSimple
  bool merge_last = false;  // ends in ['a','b'], which Jayway evaluates to one merged object
  bool definite = true;
  bool reference = true;
};

namespace {

// ---------------------------------------------------------------------------------------------
// Parsing

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

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

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Dot-notation names stop at the characters the grammar reserves; inside filters also at the
// operator characters, so "@.price<10" reads the name "price".
bool IsNameChar(char c, bool in_filter) {
  if (static_cast<unsigned char>(c) < 0x20) return false;
  switch (c) {
    case '.':
    case '[':
    case ']':
    case '(':
    case ')':
    case ' ':
    case '\'':
    case '"':
    case '$':
    case '@':
    case ',':
      return false;
    case '=':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '~':
      return !in_filter;
    default:
      return true;
  }
}

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status ParsePath(JsonPath::Impl* impl) {
    if (text_.empty()) return Error("empty path", 0);
    if (text_[0] != '$') return Error("a path must start with '$'", 0);
    pos_ = 1;
    if (Peek() == '$') {
      impl->root = PathRoot::kContext;
      ++pos_;
    } else if (IsIdentifierChar(Peek())) {
      impl->root = PathRoot::kVariable;
      const std::size_t start = pos_;
      while (!AtEnd() && IsIdentifierChar(text_[pos_])) ++pos_;
      impl->variable = std::string(text_.substr(start, pos_ - start));
    }
    if (Status s = ParseSegments(/*in_filter=*/false, &impl->segments); !s.ok()) return s;
    if (!AtEnd()) return Unexpected();
    return Status::Ok();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  Status Error(std::string_view what, std::size_t at) const {
    constexpr std::size_t kShown = 100;
    std::string shown(text_.substr(0, kShown));
    if (text_.size() > kShown) shown += "...";
    return Status::InvalidArgument("invalid JSONPath '" + shown + "': " + std::string(what) +
                                   " at position " + std::to_string(at));
  }
  Status Unexpected() const {
    if (AtEnd()) return Error("unexpected end", pos_);
    return Error(std::string("unexpected character '") + text_[pos_] + "'", pos_);
  }

  Status Enter() {
    if (++depth_ > kMaxFilterNesting) {
      return Error("filter nested deeper than " + std::to_string(kMaxFilterNesting), pos_);
    }
    return Status::Ok();
  }
  void Leave() { --depth_; }

  // segment* : stops at the first character that cannot start a segment.
  Status ParseSegments(bool in_filter, std::vector<Segment>* out) {
    while (!AtEnd()) {
      Segment seg;
      if (Peek() == '.') {
        Status s = ParseDot(in_filter, &seg);
        if (!s.ok()) return s;
      } else if (Peek() == '[') {
        Status s = ParseBracket(in_filter, &seg);
        if (!s.ok()) return s;
      } else {
        break;
      }
      out->push_back(std::move(seg));
    }
    return Status::Ok();
  }

  Status ParseDot(bool in_filter, Segment* seg) {
    if (Peek(1) == '.') {
      seg->deep = true;
      pos_ += 2;
      if (Peek() == '[') return ParseBracket(in_filter, seg);
      if (Peek() == '*') {
        seg->kind = SegmentKind::kWildcard;
        ++pos_;
        return Status::Ok();
      }
      if (AtEnd() || !IsNameChar(Peek(), in_filter)) {
        return Error("expected a name, '*' or '[' after '..'", pos_);
      }
    } else {
      ++pos_;
      if (Peek() == '*') {
        seg->kind = SegmentKind::kWildcard;
        ++pos_;
        return Status::Ok();
      }
      if (AtEnd() || !IsNameChar(Peek(), in_filter)) {
        return Error("expected a name or '*' after '.'", pos_);
      }
    }
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(text_[pos_], in_filter)) ++pos_;
    seg->kind = SegmentKind::kName;
    seg->names.emplace_back(text_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status ParseBracket(bool in_filter, Segment* seg) {
    const std::size_t open = pos_;
    ++pos_;
    SkipSpaces();
    if (AtEnd()) return Error("unterminated '['", open);
    const char c = Peek();
    if (c == '\'' || c == '"') {
      for (;;) {
        std::string name;
        if (Status s = ParseQuotedName(&name); !s.ok()) return s;
        seg->names.push_back(std::move(name));
        SkipSpaces();
        if (Peek() != ',') break;
        ++pos_;
        SkipSpaces();
        if (Peek() != '\'' && Peek() != '"') {
          if (AtEnd()) return Error("unterminated '['", open);
          return Error("expected a quoted name after ','", pos_);
        }
      }
      seg->kind = seg->names.size() == 1 ? SegmentKind::kName : SegmentKind::kNames;
    } else if (c == '*') {
      seg->kind = SegmentKind::kWildcard;
      ++pos_;
    } else if (c == '?') {
      if (Peek(1) != '(') return Error("expected '(' after '?'", pos_ + 1);
      const std::size_t paren = pos_ + 1;
      pos_ += 2;
      std::unique_ptr<const Filter> filter;
      if (Status s = ParseOr(&filter); !s.ok()) return s;
      SkipSpaces();
      if (AtEnd()) return Error("unterminated '('", paren);
      if (Peek() != ')') return Error("expected ')' or an operator", pos_);
      ++pos_;
      seg->kind = SegmentKind::kFilter;
      seg->filter = std::move(filter);
    } else if (IsDigit(c) || c == '-' || c == ':') {
      if (Status s = ParseIndexOrSlice(open, seg); !s.ok()) return s;
    } else {
      return Error(std::string("invalid selector starting with '") + c + "'", pos_);
    }
    SkipSpaces();
    if (AtEnd()) return Error("unterminated '['", open);
    if (Peek() != ']') return Error(std::string("expected ']' but found '") + Peek() + "'", pos_);
    ++pos_;
    return Status::Ok();
  }

  Status ParseIndexOrSlice(std::size_t open, Segment* seg) {
    std::optional<std::int64_t> first;
    if (Peek() != ':') {
      std::int64_t v = 0;
      if (Status s = ParseInteger(&v); !s.ok()) return s;
      first = v;
      SkipSpaces();
    }
    if (Peek() == ':') {
      seg->kind = SegmentKind::kSlice;
      seg->start = first;
      ++pos_;
      SkipSpaces();
      if (IsDigit(Peek()) || Peek() == '-') {
        std::int64_t v = 0;
        if (Status s = ParseInteger(&v); !s.ok()) return s;
        seg->end = v;
        SkipSpaces();
      }
      if (Peek() == ':') {
        ++pos_;
        SkipSpaces();
        if (IsDigit(Peek()) || Peek() == '-') {
          const std::size_t at = pos_;
          std::int64_t v = 0;
          if (Status s = ParseInteger(&v); !s.ok()) return s;
          if (v == 0) return Error("slice step cannot be zero", at);
          seg->step = std::clamp(v, -kMaxSliceStep, kMaxSliceStep);
        }
      }
      return Status::Ok();
    }
    seg->indices.push_back(*first);
    while (Peek() == ',') {
      ++pos_;
      SkipSpaces();
      if (AtEnd()) return Error("unterminated '['", open);
      std::int64_t v = 0;
      if (Status s = ParseInteger(&v); !s.ok()) return s;
      seg->indices.push_back(v);
      SkipSpaces();
    }
    seg->kind = seg->indices.size() == 1 ? SegmentKind::kIndex : SegmentKind::kIndices;
    return Status::Ok();
  }

  Status ParseInteger(std::int64_t* out) {
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) return Error("expected an integer", start);
    while (IsDigit(Peek())) ++pos_;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    auto [ptr, ec] = std::from_chars(first, last, *out);
    if (ec != std::errc() || ptr != last) return Error("integer out of range", start);
    return Status::Ok();
  }

  // A bracket name keeps its text verbatim except for "\<its own quote>" and "\\": AWS resolves
  // $['Test\""Name"'] to the key Test\""Name" (recorded), so other escapes stay literal.
  Status ParseQuotedName(std::string* out) {
    const char quote = Peek();
    const std::size_t open = pos_;
    ++pos_;
    for (;;) {
      if (AtEnd()) return Error("unterminated string", open);
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return Status::Ok();
      }
      if (c == '\\' && (Peek(1) == quote || Peek(1) == '\\')) {
        out->push_back(Peek(1));
        pos_ += 2;
        continue;
      }
      out->push_back(c);
      ++pos_;
    }
  }

  // A filter string literal: JSON-like escapes, either quote.
  Status ParseStringLiteral(std::string* out) {
    const char quote = Peek();
    const std::size_t open = pos_;
    ++pos_;
    for (;;) {
      if (AtEnd()) return Error("unterminated string", open);
      const char c = text_[pos_++];
      if (c == quote) return Status::Ok();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return Error("unterminated string", open);
      const char e = text_[pos_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          std::uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = Peek();
            int digit;
            if (IsDigit(h))
              digit = h - '0';
            else if (h >= 'a' && h <= 'f')
              digit = h - 'a' + 10;
            else if (h >= 'A' && h <= 'F')
              digit = h - 'A' + 10;
            else
              return Error("invalid \\u escape", pos_);
            cp = cp * 16 + static_cast<std::uint32_t>(digit);
            ++pos_;
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          out->push_back(e);
          break;
      }
    }
  }

  // ----- filters: or := and ("||" and)* ; and := unary ("&&" unary)* ; unary := "!"* primary

  Status ParseOr(std::unique_ptr<const Filter>* out) {
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

  Status ParseAnd(std::unique_ptr<const Filter>* out) {
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

  Status ParseUnary(std::unique_ptr<const Filter>* out) {
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

  Status ParsePrimary(std::unique_ptr<const Filter>* out) {
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

  bool ParseCompareOp(CompareOp* op) {
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

  Status ParseOperand(Operand* out) {
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

  Status ParseLiteral(json::value* out) {
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

  Status ParseNumber(json::value* out) {
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) return Error("invalid number", start);
    while (IsDigit(Peek())) ++pos_;
    bool integral = true;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      integral = false;
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      std::size_t p = 1;
      if (Peek(p) == '+' || Peek(p) == '-') ++p;
      if (IsDigit(Peek(p))) {
        integral = false;
        pos_ += p;
        while (IsDigit(Peek())) ++pos_;
      }
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t i = 0;
      auto [ptr, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && ptr == last) {
        *out = i;
        return Status::Ok();
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || ptr != last) return Error("number out of range", start);
    *out = d;
    return Status::Ok();
  }

  Status ParseArrayLiteral(json::value* out) {
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

  // /pattern/flags, matched against the whole string (Java's Matcher.matches, as Jayway does).
  Status ParseRegex(Operand* out) {
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

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Selection

using NodeList = std::vector<const json::value*>;

// The result of a filter operand: `value` is null when a path selected nothing.
struct OperandValue {
  const json::value* value = nullptr;
  json::value owned;
};

const json::value* SimpleChild(const Segment& seg, const json::value& node) {
  if (seg.kind == SegmentKind::kName) {
    const json::object* obj = node.if_object();
    return obj ? obj->if_contains(seg.names[0]) : nullptr;
  }
  const json::array* arr = node.if_array();
  if (!arr) return nullptr;
  std::int64_t i = seg.indices[0];
  const auto n = static_cast<std::int64_t>(arr->size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return nullptr;
  return &(*arr)[static_cast<std::size_t>(i)];
}

bool IsNumeric(const json::value& v) { return common::IsNumber(v); }

long double NumberOf(const json::value& v) {
  // long double holds every int64, uint64 and double exactly on the platforms Tactus runs on.
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

// <0, 0, >0 for ordered pairs (two numbers or two strings); nullopt otherwise.
std::optional<int> Order(const json::value& a, const json::value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    const long double x = NumberOf(a);
    const long double y = NumberOf(b);
    if (x != x || y != y) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

bool ArrayHas(const json::array& arr, const json::value& v) {
  for (const json::value& item : arr) {
    if (common::JsonEquals(item, v)) return true;
  }
  return false;
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool Matches(const std::regex& re, const json::value& v) {
  if (v.is_string()) {
    const json::string& s = v.get_string();
    return std::regex_match(s.begin(), s.end(), re);
  }
  if (IsNumeric(v) || v.is_bool()) return std::regex_match(common::SerializeJson(v), re);
  return false;
}

// Both operands present (and neither a regex unless op is kMatch).
bool Compare(CompareOp op, const Operand& lhs_op, const Operand& rhs_op, const json::value& a,
             const json::value& b) {
  switch (op) {
    case CompareOp::kEq:
      return common::JsonEquals(a, b);
    case CompareOp::kNe:
      return !common::JsonEquals(a, b);
    case CompareOp::kLt: {
      auto o = Order(a, b);
      return o && *o < 0;
    }
    case CompareOp::kLe: {
      auto o = Order(a, b);
      return o && *o <= 0;
    }
    case CompareOp::kGt: {
      auto o = Order(a, b);
      return o && *o > 0;
    }
    case CompareOp::kGe: {
      auto o = Order(a, b);
      return o && *o >= 0;
    }
    case CompareOp::kMatch:
      return lhs_op.regex ? Matches(*lhs_op.regex, b) : Matches(*rhs_op.regex, a);
    case CompareOp::kIn:
      return b.is_array() && ArrayHas(b.get_array(), a);
    case CompareOp::kNin:
      return !(b.is_array() && ArrayHas(b.get_array(), a));
    case CompareOp::kSubsetOf:
    case CompareOp::kAnyOf:
    case CompareOp::kNoneOf: {
      if (!a.is_array() || !b.is_array()) return false;
      std::size_t found = 0;
      for (const json::value& item : a.get_array()) found += ArrayHas(b.get_array(), item);
      if (op == CompareOp::kSubsetOf) return found == a.get_array().size();
      if (op == CompareOp::kAnyOf) return found > 0;
      return found == 0;
    }
    case CompareOp::kContains:
      if (a.is_string() && b.is_string()) {
        return std::string_view(a.get_string()).find(std::string_view(b.get_string())) !=
               std::string_view::npos;
      }
      return a.is_array() && ArrayHas(a.get_array(), b);
    case CompareOp::kSize: {
      std::int64_t n = 0;
      if (!common::AsInt64(b, &n)) return false;
      if (a.is_array()) return static_cast<std::int64_t>(a.get_array().size()) == n;
      if (a.is_string()) return static_cast<std::int64_t>(CodePoints(a.get_string())) == n;
      return false;
    }
    case CompareOp::kEmpty:
      if (!b.is_bool()) return false;
      if (a.is_array()) return a.get_array().empty() == b.get_bool();
      if (a.is_string()) return a.get_string().empty() == b.get_bool();
      return false;
  }
  return false;
}

class Selector {
 public:
  explicit Selector(const json::value& doc_root) : doc_root_(doc_root) {}

  // Applies segments [0, count) to `start`, appending every match to *out in document order.
  void Run(const std::vector<Segment>& segments, std::size_t count, const json::value& start,
           NodeList* out) {
    const json::value* node = &start;
    std::size_t i = 0;
    for (; i < count && IsSimple(segments[i]); ++i) {
      node = SimpleChild(segments[i], *node);
      if (!node) return;
    }
    if (i == count) {
      Emit(node, out);
      return;
    }
    NodeList frontier{node};
    NodeList next;
    for (; i < count; ++i) {
      NodeList* target = i + 1 == count ? out : &next;
      for (const json::value* n : frontier) {
        if (segments[i].deep) {
          ApplyDeep(segments[i], *n, target);
        } else {
          Apply(segments[i], *n, target);
        }
        if (exhausted_) break;
      }
      frontier.swap(next);
      next.clear();
      if (frontier.empty() && i + 1 < count) return;
    }
  }

 private:
  bool Spend() {
    if (work_ >= kMaxSelectWork) {
      exhausted_ = true;
      return false;
    }
    ++work_;
    return true;
  }

  void Emit(const json::value* v, NodeList* out) {
    if (Spend()) out->push_back(v);
  }

  void Apply(const Segment& seg, const json::value& node, NodeList* out) {
    switch (seg.kind) {
      case SegmentKind::kName:
      case SegmentKind::kNames:
        if (const json::object* obj = node.if_object()) {
          for (const std::string& name : seg.names) {
            if (const json::value* v = obj->if_contains(name)) Emit(v, out);
          }
        }
        return;
      case SegmentKind::kIndex:
      case SegmentKind::kIndices:
        if (const json::array* arr = node.if_array()) {
          const auto n = static_cast<std::int64_t>(arr->size());
          for (std::int64_t i : seg.indices) {
            if (i < 0) i += n;
            if (i >= 0 && i < n) Emit(&(*arr)[static_cast<std::size_t>(i)], out);
          }
        }
        return;
      case SegmentKind::kSlice:
        if (const json::array* arr = node.if_array()) ApplySlice(seg, *arr, out);
        return;
      case SegmentKind::kWildcard:
        if (const json::object* obj = node.if_object()) {
          for (const auto& kv : *obj) Emit(&kv.value(), out);
        } else if (const json::array* arr = node.if_array()) {
          for (const json::value& v : *arr) Emit(&v, out);
        }
        return;
      case SegmentKind::kFilter:
        // Jayway tests an array's elements, but an object itself.
        if (const json::array* arr = node.if_array()) {
          for (const json::value& v : *arr) {
            if (exhausted_) return;
            if (Test(*seg.filter, v)) Emit(&v, out);
          }
        } else if (node.is_object()) {
          if (Test(*seg.filter, node)) Emit(&node, out);
        }
        return;
    }
  }

  void ApplySlice(const Segment& seg, const json::array& arr, NodeList* out) {
    const auto n = static_cast<std::int64_t>(arr.size());
    const std::int64_t step = seg.step.value_or(1);
    if (step > 0) {
      std::int64_t lo = seg.start.value_or(0);
      std::int64_t hi = seg.end.value_or(n);
      lo = lo < 0 ? std::max<std::int64_t>(0, lo + n) : std::min(lo, n);
      hi = hi < 0 ? std::max<std::int64_t>(0, hi + n) : std::min(hi, n);
      for (std::int64_t i = lo; i < hi && !exhausted_; i += step) {
        Emit(&arr[static_cast<std::size_t>(i)], out);
      }
    } else {
      std::int64_t lo = seg.start.value_or(n - 1);
      std::int64_t hi = seg.end.has_value() ? *seg.end : -1;
      lo = lo < 0 ? std::max<std::int64_t>(-1, lo + n) : std::min(lo, n - 1);
      if (seg.end.has_value()) hi = hi < 0 ? std::max<std::int64_t>(-1, hi + n) : std::min(hi, n);
      for (std::int64_t i = lo; i > hi && !exhausted_; i += step) {
        Emit(&arr[static_cast<std::size_t>(i)], out);
      }
    }
  }

  // Jayway's scan: at every object and array under `node` (itself included, parents before
  // children), apply the segment as if it were not deep. A deep filter tests objects themselves.
  void ApplyDeep(const Segment& seg, const json::value& node, NodeList* out) {
    std::vector<const json::value*> stack{&node};
    while (!stack.empty() && !exhausted_) {
      const json::value* n = stack.back();
      stack.pop_back();
      if (!Spend()) return;
      if (seg.kind == SegmentKind::kFilter) {
        if (n->is_object() && Test(*seg.filter, *n)) Emit(n, out);
      } else {
        Apply(seg, *n, out);
      }
      if (const json::object* obj = n->if_object()) {
        for (auto it = obj->end(); it != obj->begin();) {
          --it;
          if (it->value().is_structured()) stack.push_back(&it->value());
        }
      } else if (const json::array* arr = n->if_array()) {
        for (auto it = arr->end(); it != arr->begin();) {
          --it;
          if (it->is_structured()) stack.push_back(&*it);
        }
      }
    }
  }

  // Resolves an operand against `current` (the "@" node). False when a path selects nothing.
  bool Resolve(const Operand& op, const json::value& current, OperandValue* out) {
    if (op.kind != OperandKind::kPath) {
      out->value = &op.literal;
      return true;
    }
    const json::value& start = op.path.absolute ? doc_root_ : current;
    const std::vector<Segment>& segs = op.path.segments;
    if (op.path.simple) {
      const json::value* node = &start;
      for (const Segment& seg : segs) {
        node = SimpleChild(seg, *node);
        if (!node) return false;
      }
      out->value = node;
      return true;
    }
    NodeList matches;
    Run(segs, segs.size(), start, &matches);
    json::array arr;
    arr.reserve(matches.size());
    for (const json::value* m : matches) arr.push_back(*m);
    out->owned = std::move(arr);
    out->value = &out->owned;
    return true;
  }

  bool Exists(const SubPath& path, const json::value& current) {
    const json::value& start = path.absolute ? doc_root_ : current;
    if (path.simple) {
      const json::value* node = &start;
      for (const Segment& seg : path.segments) {
        node = SimpleChild(seg, *node);
        if (!node) return false;
      }
      return true;
    }
    NodeList matches;
    Run(path.segments, path.segments.size(), start, &matches);
    return !matches.empty();
  }

  bool Test(const Filter& f, const json::value& current) {
    if (!Spend()) return false;
    switch (f.kind) {
      case FilterKind::kOr:
        for (const auto& c : f.children) {
          if (Test(*c, current)) return true;
        }
        return false;
      case FilterKind::kAnd:
        for (const auto& c : f.children) {
          if (!Test(*c, current)) return false;
        }
        return true;
      case FilterKind::kNot:
        return !Test(*f.children[0], current);
      case FilterKind::kConstant:
        return f.constant;
      case FilterKind::kExists:
        return Exists(f.lhs.path, current);
      case FilterKind::kCompare: {
        OperandValue a;
        OperandValue b;
        const bool has_a = Resolve(f.lhs, current, &a);
        const bool has_b = Resolve(f.rhs, current, &b);
        if (!has_a || !has_b) {
          // Jayway: a missing value equals nothing, so only the negated operators hold.
          return f.op == CompareOp::kNe || f.op == CompareOp::kNin;
        }
        return Compare(f.op, f.lhs, f.rhs, *a.value, *b.value);
      }
    }
    return false;
  }

  const json::value& doc_root_;
  std::size_t work_ = 0;
  bool exhausted_ = false;
};

void AppendNormalized(const Segment& seg, std::string* out) {
  if (seg.deep) *out += "..";
  switch (seg.kind) {
    case SegmentKind::kName:
    case SegmentKind::kNames:
      *out += '[';
      for (std::size_t i = 0; i < seg.names.size(); ++i) {
        if (i > 0) *out += ',';
        *out += '\'';
        *out += seg.names[i];
        *out += '\'';
      }
      *out += ']';
      return;
    case SegmentKind::kIndex:
    case SegmentKind::kIndices:
      *out += '[';
      for (std::size_t i = 0; i < seg.indices.size(); ++i) {
        if (i > 0) *out += ',';
        *out += std::to_string(seg.indices[i]);
      }
      *out += ']';
      return;
    case SegmentKind::kSlice:
      *out += '[';
      if (seg.start) *out += std::to_string(*seg.start);
      *out += ':';
      if (seg.end) *out += std::to_string(*seg.end);
      if (seg.step) *out += ':' + std::to_string(*seg.step);
      *out += ']';
      return;
    case SegmentKind::kWildcard:
      *out += "[*]";
      return;
    case SegmentKind::kFilter:
      *out += "[?]";
      return;
  }
}

// Jayway's leaf ['a','b']: one object holding whichever of the members exist.
json::value Merge(const Segment& seg, const json::object& obj) {
  json::object merged;
  for (const std::string& name : seg.names) {
    if (const json::value* v = obj.if_contains(name)) merged[name] = *v;
  }
  return merged;
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  auto impl = std::make_shared<Impl>();
  impl->text = std::string(text);
  Parser parser(text);
  if (Status s = parser.ParsePath(impl.get()); !s.ok()) return s;
  const std::vector<Segment>& segs = impl->segments;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& seg = segs[i];
    impl->simple &= IsSimple(seg);
    const bool last = i + 1 == segs.size();
    if (last && !seg.deep && seg.kind == SegmentKind::kNames) {
      impl->merge_last = true;
    } else if (!IsSimple(seg)) {
      impl->definite = false;
    }
    if (!IsSimple(seg) || (seg.kind == SegmentKind::kIndex && seg.indices[0] < 0)) {
      impl->reference = false;
    }
  }
  return JsonPath(std::move(impl));
}

const std::string& JsonPath::text() const { return impl_->text; }
PathRoot JsonPath::root() const { return impl_->root; }

const std::string& JsonPath::variable() const {
  assert(impl_->root == PathRoot::kVariable);
  return impl_->variable;
}

bool JsonPath::IsDefinite() const { return impl_->definite; }
bool JsonPath::IsReferencePath() const { return impl_->reference; }

void JsonPath::Select(const json::value& root, std::vector<const json::value*>* out) const {
  Selector selector(root);
  selector.Run(impl_->segments, impl_->segments.size(), root, out);
}

std::optional<json::value> JsonPath::Evaluate(const json::value& root) const {
  const std::vector<Segment>& segs = impl_->segments;
  if (impl_->simple) {
    const json::value* node = &root;
    for (const Segment& seg : segs) {
      node = SimpleChild(seg, *node);
      if (!node) return std::nullopt;
    }
    return *node;
  }
  NodeList matches;
  Selector selector(root);
  if (impl_->merge_last) {
    selector.Run(segs, segs.size() - 1, root, &matches);
    if (impl_->definite) {
      if (matches.empty() || !matches[0]->is_object()) return std::nullopt;
      return Merge(segs.back(), matches[0]->get_object());
    }
    json::array result;
    for (const json::value* m : matches) {
      if (m->is_object()) result.push_back(Merge(segs.back(), m->get_object()));
    }
    return json::value(std::move(result));
  }
  selector.Run(segs, segs.size(), root, &matches);
  json::array result;
  result.reserve(matches.size());
  for (const json::value* m : matches) result.push_back(*m);
  return json::value(std::move(result));
}

std::optional<json::value> JsonPath::Evaluate(const PathScope& scope) const {
  const json::value* root = nullptr;
  switch (impl_->root) {
    case PathRoot::kInput:
      root = scope.input;
      break;
    case PathRoot::kContext:
      root = scope.context;
      break;
    case PathRoot::kVariable:
      if (scope.variables) root = scope.variables->if_contains(impl_->variable);
      break;
  }
  if (!root) return std::nullopt;
  return Evaluate(*root);
}

std::string JsonPath::NormalizedText() const {
  std::string out = "$";
  if (impl_->root == PathRoot::kVariable) out += impl_->variable;
  for (const Segment& seg : impl_->segments) AppendNormalized(seg, &out);
  return out;
}

Status JsonPath::Assign(json::value* root, json::value v) const {
  assert(impl_->reference && impl_->root == PathRoot::kInput);
  if (!impl_->reference || impl_->root != PathRoot::kInput) {
    return Status::InvalidArgument("cannot assign to '" + impl_->text +
                                   "': not a reference path on the state input");
  }
  const std::vector<Segment>& segs = impl_->segments;
  // Validate first so that a failed assignment leaves *root untouched.
  std::string prefix = "$";
  const json::value* node = root;
  for (std::size_t i = 0; i < segs.size() && node; ++i) {
    const Segment& seg = segs[i];
    const bool by_name = seg.kind == SegmentKind::kName;
    const bool fits = by_name ? node->is_object()
                              : node->is_array() && static_cast<std::uint64_t>(seg.indices[0]) <
                                                        node->get_array().size();
    if (!fits) {
      std::string why = by_name ? std::string(TypeName(*node)) + ", not an object"
                        : node->is_array()
                            ? "an array without index " + std::to_string(seg.indices[0])
                            : std::string(TypeName(*node)) + ", not an array";
      return Status::InvalidArgument("cannot assign to path '" + impl_->text + "': '" + prefix +
                                     "' is " + why);
    }
    const json::value* child = SimpleChild(seg, *node);
    AppendNormalized(seg, &prefix);
    if (!child) {
      // Missing members are created as objects, which cannot be indexed.
      for (std::size_t j = i + 1; j < segs.size(); ++j) {
        if (segs[j].kind != SegmentKind::kName) {
          return Status::InvalidArgument("cannot assign to path '" + impl_->text + "': '" + prefix +
                                         "' does not exist");
        }
      }
    }
    node = child;
  }
  json::value* target = root;
  for (const Segment& seg : segs) {
    if (seg.kind == SegmentKind::kIndex) {
      target = &target->as_array()[static_cast<std::size_t>(seg.indices[0])];
      continue;
    }
    json::object& obj = target->as_object();
    if (&seg == &segs.back()) {
      target = &obj[seg.names[0]];
    } else if (auto it = obj.find(seg.names[0]); it != obj.end()) {
      target = &it->value();
    } else {
      target = &obj.emplace(seg.names[0], json::object()).first->value();
    }
  }
  *target = std::move(v);
  return Status::Ok();
}

}  // namespace tactus::asl
