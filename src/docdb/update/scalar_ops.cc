// The operators that replace or remove one value: $set $unset $inc $mul $min $max
// $setOnInsert $currentDate.
#include <limits>
#include <string>

#include "docdb/update/leaf.h"

namespace tactus::docdb::update {
namespace {

std::string LastPart(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

double AsDouble(const Node& n) {
  const bson_value_t& v = n.scalar.value();
  switch (n.type) {
    case BSON_TYPE_INT32:
      return v.value.v_int32;
    case BSON_TYPE_INT64:
      return static_cast<double>(v.value.v_int64);
    default:
      return v.value.v_double;
  }
}

std::int64_t AsInt64(const Node& n) {
  const bson_value_t& v = n.scalar.value();
  return n.type == BSON_TYPE_INT32 ? v.value.v_int32 : v.value.v_int64;
}

// MongoDB's SafeNum arithmetic: int32 widens to int64 on overflow, int64 overflow fails, any
// double makes a double.
DbResult<Node> Arithmetic(const LeafContext& ctx, const Node& current, const Node& operand,
                          const std::string& name) {
  bool mul = ctx.op.kind == OpKind::kMul;
  if (current.type == BSON_TYPE_DECIMAL128 || operand.type == BSON_TYPE_DECIMAL128) {
    return MakeError(kBadValue, std::string(ctx.op.op_name) +
                                    " on Decimal128 values is not supported yet by the embedded "
                                    "store; use a MongoDB server for decimal arithmetic");
  }
  if (current.type == BSON_TYPE_DOUBLE || operand.type == BSON_TYPE_DOUBLE) {
    double a = AsDouble(current), b = AsDouble(operand);
    return MakeDouble(name, mul ? a * b : a + b);
  }
  std::int64_t a = AsInt64(current), b = AsInt64(operand), r;
  bool overflow = mul ? __builtin_mul_overflow(a, b, &r) : __builtin_add_overflow(a, b, &r);
  if (overflow) {
    return MakeError(kBadValue, std::string("Failed to apply ") + ctx.op.op_name +
                                    " operations to current value (" + Describe(current) +
                                    ") for document " + ctx.DocId());
  }
  if (current.type == BSON_TYPE_INT32 && operand.type == BSON_TYPE_INT32 &&
      r >= std::numeric_limits<std::int32_t>::min() &&
      r <= std::numeric_limits<std::int32_t>::max()) {
    return MakeInt32(name, static_cast<std::int32_t>(r));
  }
  return MakeInt64(name, r);
}

Node Zero(const Node& like, const std::string& name) {
  switch (like.type) {
    case BSON_TYPE_INT32:
      return MakeInt32(name, 0);
    case BSON_TYPE_INT64:
      return MakeInt64(name, 0);
    case BSON_TYPE_DECIMAL128: {
      bson_value_t v{};
      v.value_type = BSON_TYPE_DECIMAL128;
      bson_decimal128_from_string("0", &v.value.v_decimal128);
      return MakeScalar(name, v);
    }
    default:
      return MakeDouble(name, 0.0);
  }
}

Node CurrentDate(const LeafContext& ctx, const std::string& name) {
  bson_value_t v{};
  if (ctx.op.timestamp) {
    v.value_type = BSON_TYPE_TIMESTAMP;
    v.value.v_timestamp.timestamp = static_cast<std::uint32_t>(ctx.now_ms / 1000);
    v.value.v_timestamp.increment = 1;
  } else {
    v.value_type = BSON_TYPE_DATE_TIME;
    v.value.v_datetime = ctx.now_ms;
  }
  return MakeScalar(name, v);
}

}  // namespace

DbResult<Action> ApplyScalarOp(const LeafContext& ctx, const Node* current) {
  const Op& op = ctx.op;
  std::string name = LastPart(ctx.path);
  Node operand = op.operand;
  operand.name = name;
  switch (op.kind) {
    case OpKind::kSet:
      return Action::Set(std::move(operand));
    case OpKind::kSetOnInsert:
      return ctx.is_insert ? Action::Set(std::move(operand)) : Action::Keep();
    case OpKind::kUnset:
      return current ? Action::Remove() : Action::Keep();
    case OpKind::kCurrentDate:
      return Action::Set(CurrentDate(ctx, name));
    case OpKind::kMin:
    case OpKind::kMax: {
      if (!current) return Action::Set(std::move(operand));
      int c = Compare(operand, *current);
      bool replace = op.kind == OpKind::kMin ? c < 0 : c > 0;
      return replace ? Action::Set(std::move(operand)) : Action::Keep();
    }
    case OpKind::kInc:
    case OpKind::kMul: {
      if (!current) {
        return Action::Set(op.kind == OpKind::kInc ? std::move(operand) : Zero(operand, name));
      }
      if (!current->is_number()) {
        return MakeError(kTypeMismatch, std::string("Cannot apply ") + op.op_name +
                                            " to a value of non-numeric type. " + ctx.DocId() +
                                            " has the field '" + name + "' of non-numeric type " +
                                            BsonTypeName(current->type));
      }
      auto result = Arithmetic(ctx, *current, operand, name);
      if (!result.ok()) return result.error();
      return Action::Set(std::move(result).value());
    }
    default:
      return MakeError(kInternalError, "not a scalar update operator");
  }
}

}  // namespace tactus::docdb::update
