// Parsing of each update operator's operand ({$inc: {a: 1}}) into Ops, with MongoDB's
// validation and messages.
#include <cmath>
#include <string>
#include <string_view>

#include "docdb/update/compiled_update.h"

namespace tactus::docdb::update {
namespace {

struct OperatorInfo {
  std::string_view name;
  OpKind kind;
};

constexpr OperatorInfo kOperators[] = {
    {"$set", OpKind::kSet},
    {"$unset", OpKind::kUnset},
    {"$inc", OpKind::kInc},
    {"$mul", OpKind::kMul},
    {"$min", OpKind::kMin},
    {"$max", OpKind::kMax},
    {"$rename", OpKind::kRename},
    {"$setOnInsert", OpKind::kSetOnInsert},
    {"$currentDate", OpKind::kCurrentDate},
    {"$push", OpKind::kPush},
    {"$addToSet", OpKind::kAddToSet},
    {"$pop", OpKind::kPop},
    {"$pull", OpKind::kPull},
    {"$pullAll", OpKind::kPullAll},
};

// An integral number as int64 (int32, int64, or a double without a fraction).
bool AsInteger(const Node& n, std::int64_t* out) {
  const bson_value_t& v = n.scalar.value();
  switch (n.type) {
    case BSON_TYPE_INT32:
      *out = v.value.v_int32;
      return true;
    case BSON_TYPE_INT64:
      *out = v.value.v_int64;
      return true;
    case BSON_TYPE_DOUBLE:
      if (std::trunc(v.value.v_double) != v.value.v_double || std::fabs(v.value.v_double) > 9e18) {
        return false;
      }
      *out = static_cast<std::int64_t>(v.value.v_double);
      return true;
    default:
      return false;
  }
}

std::string Braced(const Node& n) { return "{" + Describe(n) + "}"; }

DbResult<Done> ParseSort(const Node& sort, PushSpec* spec) {
  static const char* kInvalid =
      "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort "
      "embedded fields";
  std::int64_t dir;
  if (AsInteger(sort, &dir)) {
    if (dir != 1 && dir != -1) return MakeError(kBadValue, kInvalid);
    spec->sort = PushSpec::Sort::kWhole;
    spec->whole_direction = static_cast<int>(dir);
    return Done{};
  }
  if (!sort.is_document()) return MakeError(kBadValue, kInvalid);
  if (sort.kids.empty()) {
    return MakeError(kBadValue, "The $sort pattern is empty when it should be a set of fields.");
  }
  for (const Node& field : sort.kids) {
    if (field.name.empty() || field.name.starts_with("$")) {
      return MakeError(kBadValue,
                       "The $sort field is a special identifier, which is not "
                       "allowed: " +
                           field.name);
    }
    if (!AsInteger(field, &dir) || (dir != 1 && dir != -1)) {
      return MakeError(kBadValue, "The $sort element value must be either 1 or -1");
    }
    spec->sort_fields.emplace_back(SplitDotted(field.name), static_cast<int>(dir));
  }
  spec->sort = PushSpec::Sort::kFields;
  return Done{};
}

DbResult<Done> ParsePush(const Node& value, PushSpec* spec) {
  if (!value.is_document() || !value.Find("$each")) {
    spec->each.push_back(value);
    return Done{};
  }
  for (const Node& clause : value.kids) {
    if (clause.name == "$each") {
      if (!clause.is_array()) {
        return MakeError(kBadValue, std::string("The argument to $each in $push must be an array "
                                                "but it was of type: ") +
                                        BsonTypeName(clause.type));
      }
      spec->each = clause.kids;
    } else if (clause.name == "$slice") {
      std::int64_t n;
      if (!AsInteger(clause, &n)) {
        return MakeError(kBadValue, std::string("The value for $slice must be an integer value "
                                                "but was given type: ") +
                                        BsonTypeName(clause.type));
      }
      spec->slice = n;
    } else if (clause.name == "$position") {
      std::int64_t n;
      if (!AsInteger(clause, &n)) {
        return MakeError(kBadValue, std::string("The value for $position must be an integer "
                                                "value, not of type: ") +
                                        BsonTypeName(clause.type));
      }
      spec->position = n;
    } else if (clause.name == "$sort") {
      auto r = ParseSort(clause, spec);
      if (!r.ok()) return r;
    } else {
      return MakeError(kBadValue, "Unrecognized clause in $push: " + clause.name);
    }
  }
  return Done{};
}

DbResult<Done> ParseAddToSet(const Node& value, PushSpec* spec) {
  if (!value.is_document() || value.kids.empty() || value.kids.front().name != "$each") {
    spec->each.push_back(value);
    return Done{};
  }
  const Node& each = value.kids.front();
  if (!each.is_array()) {
    return MakeError(kTypeMismatch, std::string("The argument to $each in $addToSet must be an "
                                                "array but it was of type ") +
                                        BsonTypeName(each.type));
  }
  if (value.kids.size() > 1) {
    return MakeError(kBadValue, "Found unexpected fields after $each in $addToSet: " +
                                    ToJson(ToBsonUnchecked(value).get()));
  }
  spec->each = each.kids;
  return Done{};
}

DbResult<Done> ParseCurrentDate(const Node& value, bool* timestamp) {
  if (value.type == BSON_TYPE_BOOL) {
    *timestamp = false;
    return Done{};
  }
  if (value.is_document() && value.kids.size() == 1 && value.kids[0].name == "$type") {
    const Node& t = value.kids[0];
    if (t.type == BSON_TYPE_UTF8) {
      std::string_view s(t.scalar.value().value.v_utf8.str, t.scalar.value().value.v_utf8.len);
      if (s == "date" || s == "timestamp") {
        *timestamp = s == "timestamp";
        return Done{};
      }
    }
    return MakeError(kBadValue,
                     "The '$type' string field is required to be 'date' or "
                     "'timestamp': " +
                         Braced(value));
  }
  return MakeError(kBadValue, Braced(value) +
                                  " is not valid type for $currentDate. Please use a "
                                  "boolean ('true') or a $type expression ({$type: "
                                  "'timestamp/date'}).");
}

DbResult<Done> ParseRename(const Node& value, Op* op) {
  if (value.type != BSON_TYPE_UTF8) {
    return MakeError(kBadValue, "The 'to' field for $rename must be a string: " + Describe(value));
  }
  // The key is the source and the value the destination; Op.path is the destination.
  op->from = op->path;
  auto to = ParseUpdatePath(std::string_view(value.scalar.value().value.v_utf8.str,
                                             value.scalar.value().value.v_utf8.len));
  if (!to.ok()) return to.error();
  op->path = std::move(to).value();
  if (op->from.HasPositional()) {
    return MakeError(kBadValue,
                     "The source field for $rename may not be dynamic: " + op->from.dotted);
  }
  if (op->path.HasPositional()) {
    return MakeError(kBadValue,
                     "The destination field for $rename may not be dynamic: " + op->path.dotted);
  }
  if (op->from.dotted == op->path.dotted) {
    return MakeError(kBadValue,
                     "The source and target field for $rename must differ: " + Describe(value));
  }
  if (ConflictAt(op->from, op->path)) {
    return MakeError(kBadValue,
                     "The source and target field for $rename must not be on the "
                     "same path: " +
                         Describe(value));
  }
  return Done{};
}

DbResult<Done> ParseOperand(const Node& value, Op* op) {
  switch (op->kind) {
    case OpKind::kInc:
    case OpKind::kMul:
      if (!value.is_number()) {
        return MakeError(kTypeMismatch, std::string("Cannot ") +
                                            (op->kind == OpKind::kInc ? "increment" : "multiply") +
                                            " with non-numeric argument: " + Braced(value));
      }
      return Done{};
    case OpKind::kRename:
      return ParseRename(value, op);
    case OpKind::kCurrentDate:
      return ParseCurrentDate(value, &op->timestamp);
    case OpKind::kPush:
      return ParsePush(value, &op->push);
    case OpKind::kAddToSet:
      return ParseAddToSet(value, &op->push);
    case OpKind::kPop: {
      std::int64_t n;
      if (!AsInteger(value, &n) || (n != 1 && n != -1)) {
        return MakeError(kFailedToParse,
                         "$pop expects 1 or -1, found: " + ToJson(ToBsonUnchecked([&] {
                                                                    Node d = MakeDocument();
                                                                    d.kids.push_back(value);
                                                                    return d;
                                                                  }())
                                                                      .get()));
      }
      return Done{};
    }
    case OpKind::kPullAll:
      if (!value.is_array()) {
        return MakeError(kBadValue, std::string("$pullAll requires an array argument but was "
                                                "given a ") +
                                        BsonTypeName(value.type));
      }
      return Done{};
    case OpKind::kPull: {
      // Other values pull equal elements; a regular expression pulls the strings it matches.
      if (!value.is_document() && value.type != BSON_TYPE_REGEX) return Done{};
      op->pull_wraps_element = value.type == BSON_TYPE_REGEX ||
                               (!value.kids.empty() && value.kids.front().name.starts_with("$"));
      BsonPtr filter;
      if (op->pull_wraps_element) {
        filter = NewBson();
        AppendNode(filter.get(), kWrapField, value);
      } else {
        filter = ToBsonUnchecked(value);
      }
      auto matcher = query::Matcher::Compile(filter.get());
      if (!matcher.ok()) return matcher.error();
      op->pull_matcher = std::move(matcher).value();
      return Done{};
    }
    default:
      return Done{};
  }
}

}  // namespace

DbResult<Done> CompileOperator(Node&& operator_doc, std::vector<Op>* out) {
  const OperatorInfo* info = nullptr;
  for (const OperatorInfo& candidate : kOperators) {
    if (candidate.name == operator_doc.name) info = &candidate;
  }
  if (!info) {
    return MakeError(kFailedToParse, "Unknown modifier: " + operator_doc.name +
                                         ". Expected a valid update modifier or pipeline-style "
                                         "update specified as an array");
  }
  if (!operator_doc.is_document()) {
    return MakeError(kFailedToParse, std::string("Modifiers operate on fields but we found type ") +
                                         BsonTypeName(operator_doc.type) +
                                         " instead. For example: {$mod: {<field>: ...}} not {" +
                                         Describe(operator_doc) + "}");
  }
  out->reserve(out->size() + operator_doc.kids.size());
  for (Node& field : operator_doc.kids) {
    auto path = ParseUpdatePath(field.name);
    if (!path.ok()) return path.error();
    Op& op = out->emplace_back();
    op.kind = info->kind;
    op.op_name = info->name.data();
    op.path = std::move(path).value();
    auto r = ParseOperand(field, &op);
    if (!r.ok()) return r;
    if (op.kind == OpKind::kPop) {
      std::int64_t n = 0;
      AsInteger(field, &n);
      op.operand = MakeInt64(field.name, n);
    } else {
      op.operand = std::move(field);
    }
  }
  return Done{};
}

}  // namespace tactus::docdb::update
