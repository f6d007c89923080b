// Regular-expression expressions: $regexMatch $regexFind $regexFindAll, on PCRE2 (regex.h). A
// constant pattern is compiled once at parse time.
#include <optional>
#include <string>
#include <vector>

#include "docdb/query/expr_node.h"
#include "docdb/query/regex.h"

namespace tactus::docdb::query::internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::int64_t CodePointCount(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s) n += IsContinuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

// ---- regular expressions: args input, regex, options; option: 0 match, 1 find, 2 findAll.

DbResult<Regex> RegexFrom(const ExprNode& node, const Value& regex, const Value& options) {
  std::string pattern, flags;
  if (regex.type() == BSON_TYPE_REGEX) {
    pattern = regex.v.value.v_regex.regex;
    flags = regex.v.value.v_regex.options ? regex.v.value.v_regex.options : "";
    if (!flags.empty() && !options.nullish()) {
      return MakeError(51075, node.name() +
                                  ": regex option(s) specified in both 'regex' and "
                                  "'option' fields");
    }
  } else if (regex.is_string()) {
    pattern = std::string(regex.str());
  } else {
    return MakeError(51105, node.name() + " needs 'regex' to be of type string or regex");
  }
  if (!options.nullish()) {
    if (!options.is_string()) {
      return MakeError(51106, node.name() + " needs 'options' to be of type string");
    }
    flags = std::string(options.str());
  }
  return Regex::Compile(pattern, flags);
}

DbResult<Done> ParseRegex(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                          int depth) {
  auto r = ParseNamedArgs(node, operand, {"input", "regex", "options"}, {"input", "regex"}, scope,
                          depth, 31024);
  if (!r.ok()) return r;
  std::string_view name = node.op->name;
  node.option = name == "$regexMatch" ? 0 : (name == "$regexFind" ? 1 : 2);
  bool constant = node.args[1]->kind == ExprNode::Kind::kLiteral &&
                  (!node.args[2] || node.args[2]->kind == ExprNode::Kind::kLiteral);
  if (constant) {
    Value options = node.args[2] ? node.args[2]->literal : MissingValue();
    if (!node.args[1]->literal.nullish()) {
      auto compiled = RegexFrom(node, node.args[1]->literal, options);
      if (!compiled.ok()) return compiled.error();
      node.extra = std::make_shared<Regex>(std::move(compiled).value());
    }
  }
  return Done{};
}

Value MatchDocument(std::string_view s, const Regex::Found& f) {
  BsonPtr doc = NewBson();
  BSON_APPEND_UTF8(doc.get(), "match", std::string(s.substr(f.offset, f.length)).c_str());
  BSON_APPEND_INT32(doc.get(), "idx",
                    static_cast<std::int32_t>(CodePointCount(s.substr(0, f.offset))));
  bson_t captures;
  BSON_APPEND_ARRAY_BEGIN(doc.get(), "captures", &captures);
  for (std::size_t i = 0; i < f.captures.size(); ++i) {
    std::string key = std::to_string(i);
    if (f.captures[i]) {
      std::string_view c = s.substr(f.captures[i]->first, f.captures[i]->second);
      bson_append_utf8(&captures, key.c_str(), -1, c.data(), static_cast<int>(c.size()));
    } else {
      bson_append_null(&captures, key.c_str(), -1);
    }
  }
  bson_append_array_end(doc.get(), &captures);
  return DocumentValueOf(std::move(doc));
}

DbResult<Value> RegexOp(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  auto nothing = [&]() -> Value {
    if (node.option == 0) return BoolValue(false);
    if (node.option == 1) return NullValue();
    return ArrayBuilder().Finish();
  };
  if (values[0].nullish()) return nothing();
  if (!values[0].is_string()) {
    return MakeError(51104, node.name() + " needs 'input' to be of type string");
  }
  std::optional<Regex> owned;
  const Regex* regex = static_cast<const Regex*>(node.extra.get());
  if (!regex) {
    if (values[1].nullish()) return nothing();
    auto compiled = RegexFrom(node, values[1], values[2]);
    if (!compiled.ok()) return compiled.error();
    owned = std::move(compiled).value();
    regex = &*owned;
  }
  std::string_view s = values[0].str();
  if (node.option == 0) {
    auto m = regex->Match(s);
    if (!m.ok()) return m.error();
    return BoolValue(m.value());
  }
  if (node.option == 1) {
    auto f = regex->Find(s, 0);
    if (!f.ok()) return f.error();
    if (!f.value()) return NullValue();
    return MatchDocument(s, *f.value());
  }
  ArrayBuilder all;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto f = regex->Find(s, pos);
    if (!f.ok()) return f.error();
    if (!f.value()) break;
    all.Append(MatchDocument(s, *f.value()));
    std::size_t next = f.value()->offset + f.value()->length;
    if (f.value()->length == 0) {
      // Step past one code point after an empty match.
      next = f.value()->offset + 1;
      while (next < s.size() && IsContinuation(static_cast<unsigned char>(s[next]))) ++next;
    }
    pos = next;
  }
  return all.Finish();
}

constexpr OpDef kOps[] = {
    {"$regexMatch", 1, 1, RegexOp, ParseRegex},
    {"$regexFind", 1, 1, RegexOp, ParseRegex},
    {"$regexFindAll", 1, 1, RegexOp, ParseRegex},
};

}  // namespace

std::span<const OpDef> RegexOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
