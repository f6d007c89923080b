// Type expressions: $type $isNumber $convert (with onError / onNull) and its shorthands
// $toString $toInt $toLong $toDouble $toDecimal $toDate $toObjectId $toBool. Conversion
// failures are ConversionFailure (241) unless onError is given.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "docdb/query/expr_date_util.h"
#include "docdb/query/expr_node.h"
#include "docdb/query/type_alias.h"

namespace tactus::docdb::query::internal {
namespace {

DbResult<Value> Type(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  return StringValue(TypeName(v.value()));
}

DbResult<Value> IsNumber(const ExprNode& node, EvalContext& ctx) {
  auto v = EvalArg(node, 0, ctx);
  if (!v.ok()) return v.error();
  return BoolValue(IsNumeric(v.value()));
}

DbError Unsupported(const Value& v, bson_type_t to) {
  return MakeError(kConversionFailure, "Unsupported conversion from " + TypeName(v) + " to " +
                                           BsonTypeName(to) + " in $convert with no onError value");
}

DbError Failed(const std::string& why) {
  return MakeError(kConversionFailure,
                   "Failed to parse number '" + why + "' in $convert with no onError value");
}

DbResult<std::int64_t> ParseInteger(std::string_view s) {
  std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return Failed(text);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return Failed(text);
  return static_cast<std::int64_t>(v);
}

DbResult<double> ParseDouble(std::string_view s) {
  std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return Failed(text);
  if (text.size() > 1 && (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')))
    return Failed(text);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (*end != '\0') return Failed(text);
  return d;
}

DbResult<Value> ConvertTo(const Value& v, bson_type_t to) {
  bson_type_t from = v.type();
  switch (to) {
    case BSON_TYPE_DOUBLE:
      if (IsNumeric(v)) return DoubleValue(AsDouble(v));
      if (from == BSON_TYPE_BOOL) return DoubleValue(v.v.value.v_bool ? 1 : 0);
      if (from == BSON_TYPE_DATE_TIME)
        return DoubleValue(static_cast<double>(v.v.value.v_datetime));
      if (from == BSON_TYPE_UTF8) {
        auto d = ParseDouble(v.str());
        if (!d.ok()) return d.error();
        return DoubleValue(d.value());
      }
      return Unsupported(v, to);
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64: {
      bool is_int = to == BSON_TYPE_INT32;
      double lo = is_int ? -2147483648.0 : -9223372036854775808.0;
      double hi = is_int ? 2147483647.0 : 9223372036854775807.0;
      std::int64_t out;
      if (from == BSON_TYPE_INT32 || from == BSON_TYPE_INT64) {
        out = AsInt64(v);
      } else if (from == BSON_TYPE_DOUBLE || from == BSON_TYPE_DECIMAL128) {
        double d = AsDouble(v);
        if (!std::isfinite(d)) {
          return MakeError(kConversionFailure,
                           "Attempt to convert " + Render(v) +
                               " value to integer type in $convert with no onError value");
        }
        d = std::trunc(d);
        if (d < lo || d >= hi + 1) {
          return MakeError(
              kConversionFailure,
              "Conversion would overflow target type in $convert with no onError value: " +
                  Render(v));
        }
        out = static_cast<std::int64_t>(d);
      } else if (from == BSON_TYPE_BOOL) {
        out = v.v.value.v_bool ? 1 : 0;
      } else if (from == BSON_TYPE_DATE_TIME && !is_int) {
        out = v.v.value.v_datetime;
      } else if (from == BSON_TYPE_UTF8) {
        auto n = ParseInteger(v.str());
        if (!n.ok()) return n.error();
        out = n.value();
      } else {
        return Unsupported(v, to);
      }
      if (is_int) {
        if (out < INT32_MIN || out > INT32_MAX) {
          return MakeError(
              kConversionFailure,
              "Conversion would overflow target type in $convert with no onError value: " +
                  Render(v));
        }
        return Int32Value(static_cast<std::int32_t>(out));
      }
      return Int64Value(out);
    }
    case BSON_TYPE_BOOL:
      switch (from) {
        case BSON_TYPE_BOOL:
          return v;
        case BSON_TYPE_INT32:
        case BSON_TYPE_INT64:
        case BSON_TYPE_DOUBLE:
        case BSON_TYPE_DECIMAL128:
          return BoolValue(Truthy(v));
        case BSON_TYPE_UTF8:
        case BSON_TYPE_OID:
        case BSON_TYPE_DATE_TIME:
        case BSON_TYPE_DOCUMENT:
        case BSON_TYPE_ARRAY:
        case BSON_TYPE_BINARY:
        case BSON_TYPE_REGEX:
        case BSON_TYPE_TIMESTAMP:
          return BoolValue(true);
        default:
          return Unsupported(v, to);
      }
    case BSON_TYPE_UTF8: {
      if (from == BSON_TYPE_BOOL) return StringValue(v.v.value.v_bool ? "true" : "false");
      if (from == BSON_TYPE_OID) {
        char hex[25];
        bson_oid_to_string(&v.v.value.v_oid, hex);
        return StringValue(hex);
      }
      if (from == BSON_TYPE_DECIMAL128) {
        char buf[BSON_DECIMAL128_STRING];
        bson_decimal128_to_string(&v.v.value.v_decimal128, buf);
        return StringValue(buf);
      }
      if (IsNumeric(v) || from == BSON_TYPE_UTF8 || from == BSON_TYPE_DATE_TIME) {
        auto s = CoerceValueToString(v);
        if (!s.ok()) return s.error();
        return StringValue(std::move(s).value());
      }
      return Unsupported(v, to);
    }
    case BSON_TYPE_DATE_TIME:
      switch (from) {
        case BSON_TYPE_DATE_TIME:
          return v;
        case BSON_TYPE_INT64:
          return DateValue(v.v.value.v_int64);
        case BSON_TYPE_DOUBLE:
        case BSON_TYPE_DECIMAL128: {
          double d = AsDouble(v);
          if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) {
            return MakeError(
                kConversionFailure,
                "Cannot convert " + Render(v) + " to a date in $convert with no onError value");
          }
          return DateValue(static_cast<std::int64_t>(d));
        }
        case BSON_TYPE_TIMESTAMP:
        case BSON_TYPE_OID: {
          auto d = DateOf(v, "$convert");
          if (!d.ok()) return d.error();
          return DateValue(*d.value());
        }
        case BSON_TYPE_UTF8: {
          auto d = ParseDateString(v.str(), std::nullopt, TimeZone());
          if (!d.ok()) return d.error();
          return DateValue(d.value());
        }
        default:
          return Unsupported(v, to);
      }
    case BSON_TYPE_OID:
      if (from == BSON_TYPE_OID) return v;
      if (from == BSON_TYPE_UTF8) {
        std::string s(v.str());
        if (s.size() != 24 || !bson_oid_is_valid(s.c_str(), s.size())) {
          return MakeError(kConversionFailure,
                           "Failed to parse objectId '" + s +
                               "' in $convert with no onError value: Invalid string length for "
                               "parsing to OID, expected 24 but found " +
                               std::to_string(s.size()));
        }
        Value out;
        out.v.value_type = BSON_TYPE_OID;
        bson_oid_init_from_string(&out.v.value.v_oid, s.c_str());
        return out;
      }
      return Unsupported(v, to);
    case BSON_TYPE_DECIMAL128:
      return MakeError(kBadValue, "conversion to decimal is not supported by the embedded store");
    default:
      return Unsupported(v, to);
  }
}

DbResult<bson_type_t> TargetType(const Value& to) {
  if (to.is_string()) {
    static const std::pair<const char*, bson_type_t> kNames[] = {
        {"double", BSON_TYPE_DOUBLE}, {"string", BSON_TYPE_UTF8},       {"objectId", BSON_TYPE_OID},
        {"bool", BSON_TYPE_BOOL},     {"date", BSON_TYPE_DATE_TIME},    {"int", BSON_TYPE_INT32},
        {"long", BSON_TYPE_INT64},    {"decimal", BSON_TYPE_DECIMAL128}};
    for (const auto& [name, type] : kNames) {
      if (to.str() == name) return type;
    }
    return MakeError(kBadValue, "Unknown type name: " + std::string(to.str()));
  }
  if (IsIntegral(to)) {
    std::int64_t n = AsInt64(to);
    for (bson_type_t t :
         {BSON_TYPE_DOUBLE, BSON_TYPE_UTF8, BSON_TYPE_OID, BSON_TYPE_BOOL, BSON_TYPE_DATE_TIME,
          BSON_TYPE_INT32, BSON_TYPE_INT64, BSON_TYPE_DECIMAL128}) {
      if (static_cast<std::int64_t>(t) == n) return t;
    }
    return MakeError(kBadValue, "Invalid numerical type code: " + Render(to));
  }
  return MakeError(kFailedToParse,
                   "$convert's 'to' argument must be a string or number, but is " + TypeName(to));
}

// args: input, to, onError, onNull. The shorthands set option to the target type.
DbResult<Done> ParseConvert(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                            int depth) {
  return ParseNamedArgs(node, operand, {"input", "to", "onError", "onNull"}, {"input", "to"}, scope,
                        depth, kFailedToParse);
}

DbResult<Value> Convert(const ExprNode& node, EvalContext& ctx) {
  auto input = EvalArg(node, 0, ctx);
  if (!input.ok()) return input.error();
  bson_type_t to_type;
  if (node.option != 0) {
    to_type = static_cast<bson_type_t>(node.option);
  } else {
    auto to = EvalArg(node, 1, ctx);
    if (!to.ok()) return to.error();
    if (to.value().nullish()) return NullValue();
    auto t = TargetType(to.value());
    if (!t.ok()) return t.error();
    to_type = t.value();
  }
  if (input.value().nullish()) {
    if (node.option == 0 && node.args[3]) return EvalArg(node, 3, ctx);
    return NullValue();
  }
  auto converted = ConvertTo(input.value(), to_type);
  if (!converted.ok() && node.option == 0 && node.args[2] &&
      converted.error().code == kConversionFailure) {
    return EvalArg(node, 2, ctx);
  }
  return converted;
}

template <bson_type_t kTo>
DbResult<Done> ParseShorthand(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                              int depth) {
  node.option = static_cast<std::int64_t>(kTo);
  const bson_value_t* arg = &operand;
  std::vector<bson_value_t> elements;
  if (operand.value_type == BSON_TYPE_ARRAY) {
    elements = ArrayElements(operand);
    if (elements.size() != 1) {
      return MakeError(kExpressionArgumentCount,
                       "Expression " + node.name() + " takes exactly 1 arguments. " +
                           std::to_string(elements.size()) + " were passed in.");
    }
    arg = &elements[0];
  }
  auto child = ParseExprNode(*arg, scope, depth + 1);
  if (!child.ok()) return child.error();
  node.args.push_back(std::move(child).value());
  return Done{};
}

constexpr OpDef kOps[] = {
    {"$type", 1, 1, Type},
    {"$isNumber", 1, 1, IsNumber},
    {"$convert", 1, 1, Convert, ParseConvert},
    {"$toString", 1, 1, Convert, ParseShorthand<BSON_TYPE_UTF8>},
    {"$toInt", 1, 1, Convert, ParseShorthand<BSON_TYPE_INT32>},
    {"$toLong", 1, 1, Convert, ParseShorthand<BSON_TYPE_INT64>},
    {"$toDouble", 1, 1, Convert, ParseShorthand<BSON_TYPE_DOUBLE>},
    {"$toDecimal", 1, 1, Convert, ParseShorthand<BSON_TYPE_DECIMAL128>},
    {"$toDate", 1, 1, Convert, ParseShorthand<BSON_TYPE_DATE_TIME>},
    {"$toObjectId", 1, 1, Convert, ParseShorthand<BSON_TYPE_OID>},
    {"$toBool", 1, 1, Convert, ParseShorthand<BSON_TYPE_BOOL>},
};

}  // namespace

std::span<const OpDef> TypeOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
