#include "asl/intrinsics.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "asl/intrinsics_functions.h"

namespace tactus::asl {

using intrinsics_internal::FormatPieces;
using intrinsics_internal::FunctionSpec;

struct IntrinsicCall::Impl {
  enum class ArgKind { kLiteral, kPath, kCall };
  struct Arg {
    ArgKind kind = ArgKind::kLiteral;
    json::value literal;
    std::optional<JsonPath> path;
    std::shared_ptr<const Impl> call;
    // For a string literal: its text cut at unescaped "{}", for use as a States.Format template.
    std::optional<FormatPieces> format_pieces;
  };

  std::string text;
  const FunctionSpec* spec = nullptr;
  std::vector<Arg> args;
};

namespace {

using Impl = IntrinsicCall::Impl;
using Arg = IntrinsicCall::Impl::Arg;
using ArgKind = IntrinsicCall::Impl::ArgKind;

constexpr std::string_view kPrefix = "States.";
// Error messages quote the call; a 100k-character call would drown the problem.
constexpr std::size_t kMaxQuotedText = 120;

// At most kMaxQuotedText characters of `text`, marked when cut.
std::string Abbreviate(std::string_view text) {
  if (text.size() <= kMaxQuotedText) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedText)) + "...";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// A recursive-descent parser whose recursion is bounded by kMaxIntrinsicNesting; every loop
// advances pos_, so parsing is linear in the text.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  common::Result<std::shared_ptr<const Impl>> Run() {
    SkipSpace();
    auto call = ParseCall(1);
    if (call == nullptr) return *error_;
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail(pos_, "unexpected text after the closing ')'");
      return *error_;
    }
    call->text = std::string(text_);  // the caller's text, surrounding whitespace included
    return std::shared_ptr<const Impl>(std::move(call));
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  // Records the first error only: later ones are consequences.
  std::nullptr_t Fail(std::size_t pos, const std::string& problem) {
    if (!error_) {
      error_ =
          common::Status::InvalidArgument("invalid intrinsic function call '" + Abbreviate(text_) +
                                          "': " + problem + " at position " + std::to_string(pos));
    }
    return nullptr;
  }

  std::shared_ptr<Impl> ParseCall(int depth) {
    std::size_t start = pos_;
    if (depth > kMaxIntrinsicNesting) {
      return Fail(start, "intrinsic functions nest more than " +
                             std::to_string(kMaxIntrinsicNesting) + " levels deep");
    }
    if (text_.substr(pos_, kPrefix.size()) != kPrefix) {
      return Fail(start, "expected a function name starting with 'States.'");
    }
    pos_ += kPrefix.size();
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    std::string_view name = text_.substr(start, pos_ - start);
    auto impl = std::make_shared<Impl>();
    impl->spec = intrinsics_internal::FindFunction(name);
    if (impl->spec == nullptr) {
      return Fail(start, "unknown function '" + Abbreviate(name) + "'");
    }
    SkipSpace();
    if (Peek() != '(') return Fail(pos_, "expected '(' after " + std::string(name));
    ++pos_;
    SkipSpace();
    if (Peek() == ')') {
      ++pos_;
    } else {
      while (true) {
        Arg arg;
        if (!ParseArg(depth, &arg)) return nullptr;
        impl->args.push_back(std::move(arg));
        SkipSpace();
        if (Peek() == ',') {
          ++pos_;
          SkipSpace();
        } else if (Peek() == ')') {
          ++pos_;
          break;
        } else if (AtEnd()) {
          return Fail(pos_, "missing ')' to close " + std::string(name));
        } else {
          return Fail(pos_, "expected ',' or ')' but found '" + std::string(1, Peek()) + "'");
        }
      }
    }
    const FunctionSpec& spec = *impl->spec;
    int count = static_cast<int>(impl->args.size());
    if (count < spec.min_args ||
        (spec.max_args != intrinsics_internal::kVariadic && count > spec.max_args)) {
      return Fail(start, std::string(name) + " " + intrinsics_internal::DescribeArity(spec) +
                             ", got " + std::to_string(count));
    }
    if (spec.function == intrinsics_internal::Function::kJsonMerge &&
        impl->args[2].kind == ArgKind::kLiteral && impl->args[2].literal.is_bool() &&
        impl->args[2].literal.get_bool()) {
      return Fail(start, "States.JsonMerge does not support deep merge (true); pass false");
    }
    impl->text = std::string(text_.substr(start, pos_ - start));
    return impl;
  }

  bool ParseArg(int depth, Arg* out) {
    std::size_t start = pos_;
    char c = Peek();
    if (c == '\'') return ParseString(out);
    if (c == '$') return ParsePath(out);
    if (c == '-' || IsDigit(c)) return ParseNumber(out);
    if (text_.substr(pos_, kPrefix.size()) == kPrefix) {
      auto call = ParseCall(depth + 1);
      if (call == nullptr) return false;
      out->kind = ArgKind::kCall;
      out->call = std::move(call);
      return true;
    }
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true" || word == "false") {
      out->literal = word == "true";
      return true;
    }
    if (word == "null") {
      out->literal = nullptr;
      return true;
    }
    if (AtEnd() && word.empty()) {
      Fail(start, "expected an argument but the text ended");
    } else if (word.empty()) {
      Fail(start, "unexpected character '" + std::string(1, c) + "' where an argument belongs");
    } else {
      Fail(start, "unexpected word '" + Abbreviate(word) +
                      "' (arguments are 'strings', numbers, true, false, null, paths or calls)");
    }
    return false;
  }

  bool ParseString(Arg* out) {
    std::size_t start = pos_++;
    std::string value;
    FormatPieces pieces(1);
    while (!AtEnd()) {
      char c = text_[pos_];
      if (c == '\'') {
        ++pos_;
        out->literal = json::string(value);
        out->format_pieces = std::move(pieces);
        return true;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next == '\'' || next == '{' || next == '}' || next == '\\') {
          value += next;
          pieces.back() += next;  // an escaped brace is text, never a placeholder
          pos_ += 2;
          continue;
        }
      }
      if (c == '{' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '}') {
        value += "{}";
        pieces.emplace_back();
        pos_ += 2;
        continue;
      }
      value += c;
      pieces.back() += c;
      ++pos_;
    }
    Fail(start, "unterminated string literal (missing closing ')");
    return false;
  }

  bool ParseNumber(Arg* out) {
    std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    auto digits = [&] {
      std::size_t from = pos_;
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
      return pos_ > from;
    };
    bool integral = true;
    bool ok = digits();
    if (ok && Peek() == '.') {
      ++pos_;
      integral = false;
      ok = digits();
    }
    if (ok && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      integral = false;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      ok = digits();
    }
    if (!ok || IsNameChar(Peek()) || Peek() == '.') {
      Fail(start, "malformed number");
      return false;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t i;
      auto [end, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && end == last) {
        out->literal = i;
        return true;
      }
    }
    // Non-integral, or an integer beyond int64: a double, as JSON parsers do.
    double d;
    auto [end, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || end != last || !std::isfinite(d)) {
      Fail(start, "number out of range");
      return false;
    }
    out->literal = d;
    return true;
  }

  bool ParsePath(Arg* out) {
    std::size_t start = pos_;
    int depth = 0;  // brackets, and parentheses inside them (filters)
    while (!AtEnd()) {
      char c = text_[pos_];
      if ((c == '\'' || c == '"') && depth > 0) {
        std::size_t quote = pos_++;
        while (!AtEnd() && text_[pos_] != c) pos_ += text_[pos_] == '\\' ? 2 : 1;
        if (AtEnd()) {
          Fail(quote, "unterminated quote in JSONPath argument");
          return false;
        }
      } else if (c == '[' || (c == '(' && depth > 0)) {
        ++depth;
      } else if (c == ']' || c == ')') {
        if (depth == 0) break;
        --depth;
      } else if (depth == 0 && (c == ',' || IsSpace(c))) {
        break;
      }
      ++pos_;
    }
    pos_ = std::min(pos_, text_.size());
    auto path = JsonPath::Parse(text_.substr(start, pos_ - start));
    if (!path.ok()) {
      Fail(start, "invalid JSONPath argument: " + Abbreviate(path.status().message()));
      return false;
    }
    out->kind = ArgKind::kPath;
    out->path = std::move(path).value();
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<common::Status> error_;
};

Failure PathNotFound(const JsonPath& path, const PathScope& scope) {
  const json::value* root = path.ResolveRoot(scope);
  return Failure{kStatesRuntime, "The JsonPath argument for the field '" + path.text() +
                                     "' could not be found in the input '" +
                                     (root != nullptr ? common::SerializeJson(*root) : "null") +
                                     "'"};
}

Eval<json::value> EvaluateCall(const Impl& impl, const PathScope& scope, common::Random& random) {
  std::vector<json::value> values;
  values.reserve(impl.args.size());
  for (const Arg& arg : impl.args) {
    switch (arg.kind) {
      case ArgKind::kLiteral:
        values.push_back(arg.literal);
        break;
      case ArgKind::kPath: {
        std::optional<json::value> v = arg.path->Evaluate(scope);
        if (!v) return PathNotFound(*arg.path, scope);
        values.push_back(std::move(*v));
        break;
      }
      case ArgKind::kCall: {
        Eval<json::value> v = EvaluateCall(*arg.call, scope, random);
        if (!v.ok()) return v.failure();
        values.push_back(std::move(v).value());
        break;
      }
    }
  }
  const FormatPieces* literal_template = nullptr;
  if (impl.spec->function == intrinsics_internal::Function::kFormat && impl.args[0].format_pieces) {
    literal_template = &*impl.args[0].format_pieces;
  }
  return intrinsics_internal::Apply(*impl.spec, std::move(values), literal_template, random);
}

}  // namespace

bool IntrinsicCall::LooksLikeCall(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  text.remove_prefix(i);
  return text.size() > kPrefix.size() && text.substr(0, kPrefix.size()) == kPrefix &&
         IsNameChar(text[kPrefix.size()]);
}

common::Result<IntrinsicCall> IntrinsicCall::Parse(std::string_view text) {
  auto parsed = Parser(text).Run();
  if (!parsed.ok()) return parsed.status();
  return IntrinsicCall(std::move(parsed).value());
}

const std::string& IntrinsicCall::text() const { return impl_->text; }

Eval<json::value> IntrinsicCall::Evaluate(const PathScope& scope, common::Random& random) const {
  return EvaluateCall(*impl_, scope, random);
}

}  // namespace tactus::asl
