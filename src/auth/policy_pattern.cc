#include "auth/policy_pattern.h"

#include <utility>

namespace tactus::auth {

using common::Result;
using common::Status;

namespace {

char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the UTF-8 code point that starts at i (a stray continuation byte counts alone).
std::size_t NextCodePoint(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

Result<Pattern> Pattern::Parse(std::string_view text, bool variables) {
  Pattern p;
  p.text_ = std::string(text);
  auto literal = [&p](std::string_view chars) {
    if (p.pieces_.empty() || p.pieces_.back().kind != Piece::Kind::kLiteral) {
      p.pieces_.push_back(Piece{});
    }
    p.pieces_.back().text.append(chars);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '*' || c == '?') {
      Piece piece;
      piece.kind = c == '*' ? Piece::Kind::kStar : Piece::Kind::kQuestion;
      p.pieces_.push_back(std::move(piece));
      ++i;
      continue;
    }
    if (!variables || c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal(text.substr(i, 1));
      ++i;
      continue;
    }
    // "${" key [ "," "'" default "'" ] "}", spaces allowed around the parts.
    const std::size_t start = i;
    std::size_t j = i + 2;
    while (j < text.size() && IsSpace(text[j])) ++j;
    const std::size_t key_begin = j;
    while (j < text.size() && !IsSpace(text[j]) && text[j] != ',' && text[j] != '}' &&
           text[j] != '\'') {
      ++j;
    }
    const std::string_view key = text.substr(key_begin, j - key_begin);
    while (j < text.size() && IsSpace(text[j])) ++j;
    std::optional<std::string> default_value;
    if (j < text.size() && text[j] == ',') {
      ++j;
      while (j < text.size() && IsSpace(text[j])) ++j;
      if (j >= text.size() || text[j] != '\'') {
        return Status::InvalidArgument("policy variable '" + std::string(text.substr(start)) +
                                       "': a default value must be in single quotes");
      }
      const std::size_t close = text.find('\'', j + 1);
      if (close == std::string_view::npos) {
        return Status::InvalidArgument("policy variable '" + std::string(text.substr(start)) +
                                       "': the default value's closing quote is missing");
      }
      default_value = std::string(text.substr(j + 1, close - j - 1));
      j = close + 1;
      while (j < text.size() && IsSpace(text[j])) ++j;
    }
    if (j >= text.size() || text[j] != '}') {
      return Status::InvalidArgument("policy variable '" + std::string(text.substr(start)) +
                                     "' is not closed by '}'");
    }
    if (key.empty()) {
      return Status::InvalidArgument("policy variable '" +
                                     std::string(text.substr(start, j + 1 - start)) +
                                     "' names no context key");
    }
    if (key == "*" || key == "?" || key == "$") {
      literal(key);
    } else {
      Piece piece;
      piece.kind = Piece::Kind::kVariable;
      piece.text = AsciiLower(key);
      piece.default_value = std::move(default_value);
      p.pieces_.push_back(std::move(piece));
      p.has_variables_ = true;
    }
    i = j + 1;
  }
  return p;
}

std::optional<std::string> Pattern::Lookup(const Piece& piece, const ContextValues& context) {
  auto it = context.find(piece.text);
  if (it != context.end() && it->second.size() == 1) return it->second.front();
  return piece.default_value;
}

std::optional<std::string> Pattern::ResolveLiteral(const ContextValues& context) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Piece::Kind::kLiteral:
        out += piece.text;
        break;
      case Piece::Kind::kStar:
        out += '*';
        break;
      case Piece::Kind::kQuestion:
        out += '?';
        break;
      case Piece::Kind::kVariable: {
        std::optional<std::string> value = Lookup(piece, context);
        if (!value) return std::nullopt;
        out += *value;
        break;
      }
    }
  }
  return out;
}

std::optional<std::string> Pattern::ResolveGlob(const ContextValues& context) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Piece::Kind::kLiteral:
        out += GlobEscape(piece.text);
        break;
      case Piece::Kind::kStar:
        out += '*';
        break;
      case Piece::Kind::kQuestion:
        out += '?';
        break;
      case Piece::Kind::kVariable: {
        std::optional<std::string> value = Lookup(piece, context);
        if (!value) return std::nullopt;
        out += GlobEscape(*value);
        break;
      }
    }
  }
  return out;
}

std::string GlobEscape(std::string_view literal) {
  std::string out;
  out.reserve(literal.size());
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool GlobMatch(std::string_view glob, std::string_view text, bool ignore_case) {
  // Greedy matching with one backtrack point (the last '*'): linear in practice, quadratic at
  // worst, no recursion.
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t g = 0, t = 0, star = kNone, mark = 0;
  while (t < text.size()) {
    if (g < glob.size()) {
      const char c = glob[g];
      if (c == '*') {
        star = ++g;
        mark = t;
        continue;
      }
      if (c == '?') {
        t = NextCodePoint(text, t);
        ++g;
        continue;
      }
      char want = c;
      std::size_t width = 1;
      if (c == '\\' && g + 1 < glob.size()) {
        want = glob[g + 1];
        width = 2;
      }
      const bool same = ignore_case ? LowerChar(want) == LowerChar(text[t]) : want == text[t];
      if (same) {
        g += width;
        ++t;
        continue;
      }
    }
    if (star == kNone) return false;
    mark = NextCodePoint(text, mark);
    t = mark;
    g = star;
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

}  // namespace tactus::auth
