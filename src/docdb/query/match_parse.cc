#include "docdb/query/match_parse.h"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "docdb/query/number.h"

namespace tactus::docdb::query::internal {
namespace {

constexpr int kMaxDepth = 100;

DbError Bad(std::string message) { return MakeError(kBadValue, std::move(message)); }

// Iterates the elements of a document or array value.
bool InitIter(const bson_value_t& v, bson_t* storage, bson_iter_t* it) {
  return bson_init_static(storage, v.value.v_doc.data, v.value.v_doc.data_len) &&
         bson_iter_init(it, storage);
}

std::string_view FirstKey(const bson_value_t& doc) {
  bson_t storage;
  bson_iter_t it;
  if (!InitIter(doc, &storage, &it) || !bson_iter_next(&it)) return {};
  return bson_iter_key(&it);
}

bool IsOperatorDocument(const bson_value_t& v) {
  if (v.value_type != BSON_TYPE_DOCUMENT) return false;
  std::string_view first = FirstKey(v);
  if (first.empty() || first[0] != '$') return false;
  return first != "$ref" && first != "$id" && first != "$db";  // a DBRef is a literal
}

bool IsNumber(const bson_value_t& v) { return IsNumberType(v.value_type); }

// An integral operand ($mod, $size) as int64. False when not a number, NaN, infinite or out of
// int64 range; doubles truncate toward zero.
bool ToInt64(const bson_value_t& v, std::int64_t* out) {
  if (v.value_type == BSON_TYPE_INT32) {
    *out = v.value.v_int32;
    return true;
  }
  if (v.value_type == BSON_TYPE_INT64) {
    *out = v.value.v_int64;
    return true;
  }
  double d = NumberAsDouble(v);
  if (!std::isfinite(d) || d >= 9223372036854775807.0 || d < -9223372036854775808.0) return false;
  *out = static_cast<std::int64_t>(d);
  return true;
}

class Parser {
 public:
  DbResult<NodePtr> ParseDocument(const bson_value_t& filter, int depth, bool top_level) {
    if (depth > kMaxDepth) return Bad("exceeded depth limit of 100 when parsing");
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(filter, &storage, &it)) return Bad("malformed filter document");
    std::vector<NodePtr> children;
    while (bson_iter_next(&it)) {
      std::string key(bson_iter_key(&it), bson_iter_key_len(&it));
      bson_value_t value = *bson_iter_value(&it);
      DbResult<NodePtr> node = !key.empty() && key[0] == '$'
                                   ? ParseTopLevelOperator(key, value, depth, top_level)
                                   : ParseField(key, value, depth);
      if (!node.ok()) return node.error();
      if (node.value()) children.push_back(std::move(node).value());
    }
    if (children.empty()) return MakeConstantNode(true);
    return MakeAndNode(std::move(children));
  }

 private:
  // nullptr for operators that do not filter ($comment).
  DbResult<NodePtr> ParseTopLevelOperator(const std::string& name, const bson_value_t& value,
                                          int depth, bool top_level) {
    if (name == "$and" || name == "$or" || name == "$nor") {
      bson_t storage;
      bson_iter_t it;
      if (value.value_type != BSON_TYPE_ARRAY || !InitIter(value, &storage, &it) ||
          bson_count_keys(&storage) == 0) {
        return Bad("$and/$or/$nor must be a nonempty array");
      }
      std::vector<NodePtr> children;
      while (bson_iter_next(&it)) {
        bson_value_t entry = *bson_iter_value(&it);
        if (entry.value_type != BSON_TYPE_DOCUMENT) {
          return Bad("$or/$and/$nor entries need to be full objects");
        }
        auto child = ParseDocument(entry, depth + 1, top_level);
        if (!child.ok()) return child.error();
        children.push_back(std::move(child).value());
      }
      if (name == "$and") return MakeAndNode(std::move(children));
      if (name == "$or") return MakeOrNode(std::move(children));
      return MakeNotNode(MakeOrNode(std::move(children)));
    }
    if (name == "$expr") {
      if (!top_level) return Bad("$expr can only be applied to the top-level document");
      auto expression = Expression::Parse(value, depth + 1);
      if (!expression.ok()) return expression.error();
      return MakeExprNode(std::move(expression).value());
    }
    if (name == "$comment") return NodePtr();
    if (name == "$alwaysTrue" || name == "$alwaysFalse") {
      if (!IsNumber(value) || NumberAsDouble(value) != 1) {
        return Bad(name + " must be an integer value of 1");
      }
      return MakeConstantNode(name == "$alwaysTrue");
    }
    if (name == "$where" || name == "$text" || name == "$jsonSchema" || name == "$sampleRate") {
      return Bad(name + " is not supported by the embedded store; use a MongoDB deployment");
    }
    return Bad("unknown top level operator: " + name);
  }

  DbResult<NodePtr> ParseField(const std::string& path, const bson_value_t& value, int depth) {
    std::vector<std::string> parts = SplitPath(path);
    if (value.value_type == BSON_TYPE_REGEX) {
      auto regex = CompileRegex(value);
      if (!regex.ok()) return regex.error();
      return MakePathNode(parts, TerminalArrays::kElementsThenArray,
                          MakeRegexTest(std::move(regex).value()));
    }
    if (IsOperatorDocument(value)) return ParseOperators(parts, value, depth + 1);
    return MakePathNode(parts, TerminalArrays::kElementsThenArray,
                        MakeCompareTest(CompareOp::kEq, value));
  }

  static DbResult<Regex> CompileRegex(const bson_value_t& v) {
    return Regex::Compile(v.value.v_regex.regex,
                          v.value.v_regex.options ? v.value.v_regex.options : "");
  }

  // {$gt: 1, $lt: 5, ...} on one path: the conjunction of its operators.
  DbResult<NodePtr> ParseOperators(const std::vector<std::string>& path, const bson_value_t& ops,
                                   int depth) {
    if (depth > kMaxDepth) return Bad("exceeded depth limit of 100 when parsing");
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(ops, &storage, &it)) return Bad("malformed operator document");
    std::vector<NodePtr> children;
    bool regex_done = false;
    while (bson_iter_next(&it)) {
      std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
      bson_value_t operand = *bson_iter_value(&it);
      if (name == "$regex" || name == "$options") {
        if (regex_done) continue;
        regex_done = true;
        auto node = ParseRegexOperator(path, storage);
        if (!node.ok()) return node.error();
        children.push_back(std::move(node).value());
        continue;
      }
      auto node = ParseOperator(path, name, operand, depth);
      if (!node.ok()) return node.error();
      children.push_back(std::move(node).value());
    }
    return MakeAndNode(std::move(children));
  }

  DbResult<NodePtr> ParseRegexOperator(const std::vector<std::string>& path, const bson_t& ops) {
    bson_iter_t regex_it, options_it;
    bool has_regex = bson_iter_init_find(&regex_it, &ops, "$regex");
    bool has_options = bson_iter_init_find(&options_it, &ops, "$options");
    if (!has_regex) return Bad("$options needs a $regex");
    std::string pattern, options;
    if (BSON_ITER_HOLDS_UTF8(&regex_it)) {
      std::uint32_t len = 0;
      const char* s = bson_iter_utf8(&regex_it, &len);
      pattern.assign(s, len);
    } else if (BSON_ITER_HOLDS_REGEX(&regex_it)) {
      const char* flags = nullptr;
      pattern = bson_iter_regex(&regex_it, &flags);
      options = flags ? flags : "";
      if (has_options && !options.empty()) {
        return Bad("options set in both $regex and $options");
      }
    } else {
      return Bad("$regex has to be a string");
    }
    if (has_options) {
      if (!BSON_ITER_HOLDS_UTF8(&options_it)) return Bad("$options has to be a string");
      options = bson_iter_utf8(&options_it, nullptr);
    }
    auto regex = Regex::Compile(pattern, options);
    if (!regex.ok()) return regex.error();
    return MakePathNode(path, TerminalArrays::kElementsThenArray,
                        MakeRegexTest(std::move(regex).value()));
  }

  DbResult<NodePtr> ParseOperator(const std::vector<std::string>& path, const std::string& name,
                                  const bson_value_t& operand, int depth) {
    auto leaf = [&](TestPtr test) {
      return MakePathNode(path, TerminalArrays::kElementsThenArray, std::move(test));
    };
    auto whole = [&](TestPtr test) {
      return MakePathNode(path, TerminalArrays::kKeep, std::move(test));
    };
    static constexpr std::pair<const char*, CompareOp> kComparisons[] = {{"$eq", CompareOp::kEq},
                                                                         {"$lt", CompareOp::kLt},
                                                                         {"$lte", CompareOp::kLte},
                                                                         {"$gt", CompareOp::kGt},
                                                                         {"$gte", CompareOp::kGte}};
    for (const auto& [op_name, op] : kComparisons) {
      if (name != op_name) continue;
      if (op != CompareOp::kEq && operand.value_type == BSON_TYPE_REGEX) {
        return Bad("Can't have RegEx as arg to predicate over field '" + JoinPath(path) + "'.");
      }
      return leaf(MakeCompareTest(op, operand));
    }
    if (name == "$ne") {
      if (operand.value_type == BSON_TYPE_REGEX) return Bad("Can't have regex as arg to $ne.");
      return MakeNotNode(leaf(MakeCompareTest(CompareOp::kEq, operand)));
    }
    if (name == "$in" || name == "$nin") {
      auto test = ParseIn(operand);
      if (!test.ok()) return test.error();
      NodePtr node = leaf(std::move(test).value());
      return name == "$in" ? std::move(node) : MakeNotNode(std::move(node));
    }
    if (name == "$exists") {
      bool exists = !(operand.value_type == BSON_TYPE_BOOL && !operand.value.v_bool) &&
                    !(IsNumber(operand) && NumberAsDouble(operand) == 0) &&
                    operand.value_type != BSON_TYPE_NULL &&
                    operand.value_type != BSON_TYPE_UNDEFINED;
      NodePtr node = leaf(MakeExistsTest());
      return exists ? std::move(node) : MakeNotNode(std::move(node));
    }
    if (name == "$type") {
      auto types = ParseTypeSet(operand);
      if (!types.ok()) return types.error();
      return leaf(MakeTypeTest(types.value()));
    }
    if (name == "$mod") return ParseMod(path, operand);
    if (name == "$size") {
      if (!IsNumber(operand)) return Bad("$size needs a number");
      double d = NumberAsDouble(operand);
      if (std::isnan(d) || d != std::trunc(d)) return Bad("$size must be a whole number");
      if (d < 0) return Bad("$size may not be negative");
      if (d > 2147483647.0) return MakeConstantNode(false);
      return whole(MakeSizeTest(static_cast<std::int64_t>(d)));
    }
    if (name == "$elemMatch") {
      auto test = ParseElemMatch(operand, depth);
      if (!test.ok()) return test.error();
      return whole(std::move(test).value());
    }
    if (name == "$all") return ParseAll(path, operand, depth);
    if (name == "$not") {
      if (operand.value_type == BSON_TYPE_REGEX) {
        auto regex = CompileRegex(operand);
        if (!regex.ok()) return regex.error();
        return MakeNotNode(leaf(MakeRegexTest(std::move(regex).value())));
      }
      if (operand.value_type != BSON_TYPE_DOCUMENT) return Bad("$not needs a regex or a document");
      if (FirstKey(operand).empty()) return Bad("$not cannot be empty");
      if (!IsOperatorDocument(operand)) {
        return Bad("unknown operator: " + std::string(FirstKey(operand)));
      }
      auto inner = ParseOperators(path, operand, depth + 1);
      if (!inner.ok()) return inner.error();
      return MakeNotNode(std::move(inner).value());
    }
    static constexpr const char* kUnsupported[] = {
        "$where",      "$text",       "$geoWithin",    "$geoIntersects", "$near",
        "$nearSphere", "$bitsAllSet", "$bitsAllClear", "$bitsAnySet",    "$bitsAnyClear",
        "$jsonSchema", "$within",     "$geometry"};
    for (const char* unsupported : kUnsupported) {
      if (name == unsupported) {
        return Bad(name + " is not supported by the embedded store; use a MongoDB deployment");
      }
    }
    return Bad("unknown operator: " + name);
  }

  static std::string JoinPath(const std::vector<std::string>& path) {
    std::string out;
    for (const std::string& part : path) out += (out.empty() ? "" : ".") + part;
    return out;
  }

  DbResult<TestPtr> ParseIn(const bson_value_t& operand) {
    bson_t storage;
    bson_iter_t it;
    if (operand.value_type != BSON_TYPE_ARRAY || !InitIter(operand, &storage, &it)) {
      return Bad("$in needs an array");
    }
    std::vector<bson_value_t> values;
    std::vector<Regex> regexes;
    while (bson_iter_next(&it)) {
      bson_value_t v = *bson_iter_value(&it);
      if (v.value_type == BSON_TYPE_REGEX) {
        auto regex = CompileRegex(v);
        if (!regex.ok()) return regex.error();
        regexes.push_back(std::move(regex).value());
      } else if (IsOperatorDocument(v)) {
        return Bad("cannot nest $ under $in");
      } else {
        values.push_back(v);
      }
    }
    return MakeInTest(std::move(values), std::move(regexes));
  }

  DbResult<NodePtr> ParseMod(const std::vector<std::string>& path, const bson_value_t& operand) {
    bson_t storage;
    bson_iter_t it;
    if (operand.value_type != BSON_TYPE_ARRAY || !InitIter(operand, &storage, &it)) {
      return Bad("malformed mod, needs to be an array");
    }
    std::vector<bson_value_t> args;
    while (bson_iter_next(&it)) args.push_back(*bson_iter_value(&it));
    if (args.size() < 2) return Bad("malformed mod, not enough elements");
    if (args.size() > 2) return Bad("malformed mod, too many elements");
    std::int64_t divisor, remainder;
    if (!IsNumber(args[0])) return Bad("malformed mod, divisor not a number");
    if (!IsNumber(args[1])) return Bad("malformed mod, remainder not a number");
    if (!ToInt64(args[0], &divisor)) return Bad("malformed mod, divisor value is invalid");
    if (!ToInt64(args[1], &remainder)) return Bad("malformed mod, remainder value is invalid");
    if (divisor == 0) return Bad("divisor cannot be 0");
    return MakePathNode(path, TerminalArrays::kElementsThenArray, MakeModTest(divisor, remainder));
  }

  DbResult<TestPtr> ParseElemMatch(const bson_value_t& operand, int depth) {
    if (operand.value_type != BSON_TYPE_DOCUMENT) return Bad("$elemMatch needs an Object");
    std::string_view first = FirstKey(operand);
    bool value_form = IsOperatorDocument(operand) && first != "$and" && first != "$or" &&
                      first != "$nor" && first != "$expr" && first != "$comment";
    if (value_form) {
      auto sub = ParseOperators({}, operand, depth + 1);
      if (!sub.ok()) return sub.error();
      return MakeElemMatchTest(std::move(sub).value(), false);
    }
    auto sub = ParseDocument(operand, depth + 1, /*top_level=*/false);
    if (!sub.ok()) return sub.error();
    return MakeElemMatchTest(std::move(sub).value(), true);
  }

  DbResult<NodePtr> ParseAll(const std::vector<std::string>& path, const bson_value_t& operand,
                             int depth) {
    bson_t storage;
    bson_iter_t it;
    if (operand.value_type != BSON_TYPE_ARRAY || !InitIter(operand, &storage, &it)) {
      return Bad("$all needs an array");
    }
    std::vector<NodePtr> children;
    int elem_matches = 0;
    while (bson_iter_next(&it)) {
      bson_value_t v = *bson_iter_value(&it);
      if (v.value_type == BSON_TYPE_DOCUMENT && FirstKey(v) == "$elemMatch") {
        ++elem_matches;
        bson_t inner_storage;
        bson_iter_t inner;
        if (!InitIter(v, &inner_storage, &inner) || !bson_iter_next(&inner)) {
          return Bad("malformed $all");
        }
        auto test = ParseElemMatch(*bson_iter_value(&inner), depth + 1);
        if (!test.ok()) return test.error();
        children.push_back(MakePathNode(path, TerminalArrays::kKeep, std::move(test).value()));
        continue;
      }
      if (IsOperatorDocument(v)) return Bad("no $ expressions in $all");
      if (v.value_type == BSON_TYPE_REGEX) {
        auto regex = CompileRegex(v);
        if (!regex.ok()) return regex.error();
        children.push_back(MakePathNode(path, TerminalArrays::kElementsThenArray,
                                        MakeRegexTest(std::move(regex).value())));
        continue;
      }
      children.push_back(MakePathNode(path, TerminalArrays::kElementsThenArray,
                                      MakeCompareTest(CompareOp::kEq, v)));
    }
    if (elem_matches != 0 && elem_matches != static_cast<int>(children.size())) {
      return Bad("$all/$elemMatch has to be consistent");
    }
    if (children.empty()) return MakeConstantNode(false);
    return MakeAndNode(std::move(children));
  }
};

}  // namespace

DbResult<NodePtr> ParseFilter(const bson_t* filter) {
  bson_value_t root{};
  root.value_type = BSON_TYPE_DOCUMENT;
  root.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(filter));
  root.value.v_doc.data_len = filter->len;
  return Parser().ParseDocument(root, 0, /*top_level=*/true);
}

}  // namespace tactus::docdb::query::internal
