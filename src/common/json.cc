#include "common/json.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace tactus::common {

Result<json::value> ParseJson(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  json::stream_parser parser({}, opts);
  json::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec) return parser.release();
  // Position of the first byte the parser could not accept.
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  std::string reason = ec.message();
  if (ec == json::error::too_deep) {
    reason = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } else if (consumed >= text.size() && ec == json::error::incomplete) {
    reason = "unexpected end of input";
  }
  return Status::InvalidArgument("line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + reason);
}

namespace {

// Writes a double as AWS prints it (shortest round-trip form, ".0" for integral values) into
// buf (at least 64 bytes); returns the length. Non-finite values cannot come from parsing.
std::size_t FormatDouble(double d, char* buf) {
  if (!std::isfinite(d)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  auto [end, ec] = std::to_chars(buf, buf + 60, d);
  std::string_view s(buf, static_cast<std::size_t>(end - buf));
  if (s.find_first_of(".eEn") == std::string_view::npos) {
    *end++ = '.';
    *end++ = '0';
  }
  return static_cast<std::size_t>(end - buf);
}

void AppendDouble(std::string& out, double d) {
  char buf[64];
  out.append(buf, FormatDouble(d, buf));
}

template <typename T>
std::size_t IntegerLength(T v) {
  char buf[24];
  return static_cast<std::size_t>(std::to_chars(buf, buf + sizeof(buf), v).ptr - buf);
}

std::size_t EscapedLength(std::string_view s) {
  std::size_t n = 2;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++n;
    } else if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
               c == '\f') {
      n += 2;
    } else {
      n += 6;
    }
  }
  return n;
}

// The length SerializeJson would produce, without building the string.
std::size_t CompactLength(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return 4;
    case json::kind::bool_:
      return v.get_bool() ? 4 : 5;
    case json::kind::int64:
      return IntegerLength(v.get_int64());
    case json::kind::uint64:
      return IntegerLength(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      return FormatDouble(v.get_double(), buf);
    }
    case json::kind::string:
      return EscapedLength(v.get_string());
    case json::kind::array: {
      const auto& a = v.get_array();
      std::size_t n = 2 + (a.empty() ? 0 : a.size() - 1);
      for (const auto& e : a) n += CompactLength(e);
      return n;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      std::size_t n = 2 + (o.empty() ? 0 : o.size() - 1);
      for (const auto& kv : o) n += EscapedLength(kv.key()) + 1 + CompactLength(kv.value());
      return n;
    }
  }
  return 0;
}

// RFC 8259 escaping: quotes, backslashes and control characters; UTF-8 passes through.
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void Serialize(std::string& out, const json::value& v, int indent, int depth) {
  auto newline = [&](int d) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(d * indent), ' ');
  };
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      AppendDouble(out, v.get_double());
      break;
    case json::kind::string:
      AppendString(out, v.get_string());
      break;
    case json::kind::array: {
      const auto& a = v.get_array();
      out += '[';
      bool first = true;
      for (const auto& e : a) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        Serialize(out, e, indent, depth + 1);
      }
      if (!a.empty()) newline(depth);
      out += ']';
      break;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      out += '{';
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        AppendString(out, kv.key());
        out += indent < 0 ? ":" : ": ";
        Serialize(out, kv.value(), indent, depth + 1);
      }
      if (!o.empty()) newline(depth);
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string SerializeJson(const json::value& v) {
  std::string out;
  Serialize(out, v, -1, 0);
  return out;
}

std::string SerializePrettyJson(const json::value& v) {
  std::string out;
  Serialize(out, v, 2, 0);
  return out;
}

std::size_t JsonSize(const json::value& v) { return CompactLength(v); }

std::string JsonPointerEscape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view JsonKindName(const json::value& v) {
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

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

double ToDouble(const json::value& v) {
  assert(IsNumber(v));
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

bool AsInt64(const json::value& v, std::int64_t* out) {
  if (v.is_int64()) {
    *out = v.get_int64();
    return true;
  }
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return false;
    *out = static_cast<std::int64_t>(v.get_uint64());
    return true;
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || std::floor(d) != d || d < -9.2e18 || d > 9.2e18) return false;
    *out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

bool JsonEquals(const json::value& a, const json::value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    std::int64_t ia, ib;
    if (AsInt64(a, &ia) && AsInt64(b, &ib)) return ia == ib;
    return ToDouble(a) == ToDouble(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!JsonEquals(x[i], y[i])) return false;
      }
      return true;
    }
    case json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end() || !JsonEquals(kv.value(), it->value())) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace tactus::common
