// Parsing a JSONPath: its root, its segments (names, indices, slices, wildcards, and the
// brackets that hold filters, which jsonpath_parse_filter.cc parses), and the tokens paths and
// filters share: integers, numbers, quoted names and string literals.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "asl/jsonpath_parser.h"

namespace tactus::asl::jsonpath_internal {
namespace {

// Nested "(", "[?(" and array literals inside one path. Keeps the parser's recursion (and the
// evaluator's, which mirrors it) far from the stack limit whatever the input.
constexpr int kMaxFilterNesting = 64;
// Slice steps beyond any array length behave alike; clamping keeps index arithmetic in range.
constexpr std::int64_t kMaxSliceStep = std::int64_t{1} << 40;

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

}  // namespace

using common::Status;

Status Parser::ParsePath(JsonPath::Impl* impl) {
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

Status Parser::Error(std::string_view what, std::size_t at) const {
  constexpr std::size_t kShown = 100;
  std::string shown(text_.substr(0, kShown));
  if (text_.size() > kShown) shown += "...";
  return Status::InvalidArgument("invalid JSONPath '" + shown + "': " + std::string(what) +
                                 " at position " + std::to_string(at));
}

Status Parser::Unexpected() const {
  if (AtEnd()) return Error("unexpected end", pos_);
  return Error(std::string("unexpected character '") + text_[pos_] + "'", pos_);
}

Status Parser::Enter() {
  if (++depth_ > kMaxFilterNesting) {
    return Error("filter nested deeper than " + std::to_string(kMaxFilterNesting), pos_);
  }
  return Status::Ok();
}

Status Parser::ParseSegments(bool in_filter, std::vector<Segment>* out) {
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

Status Parser::ParseDot(bool in_filter, Segment* seg) {
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

Status Parser::ParseBracket(bool in_filter, Segment* seg) {
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

Status Parser::ParseIndexOrSlice(std::size_t open, Segment* seg) {
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

Status Parser::ParseInteger(std::int64_t* out) {
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

Status Parser::ParseNumber(json::value* out) {
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

Status Parser::ParseQuotedName(std::string* out) {
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

Status Parser::ParseStringLiteral(std::string* out) {
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

}  // namespace tactus::asl::jsonpath_internal
