// Date expressions: the part extractors ($year ... $isoWeekYear), $dateToParts,
// $dateFromParts, $dateToString and $dateFromString, all with the `timezone` option (tz.h).
#include <string>
#include <vector>

#include "docdb/query/civil_time.h"
#include "docdb/query/expr_date_util.h"
#include "docdb/query/expr_node.h"

namespace tactus::docdb::query::internal {
namespace {

enum Part : std::int64_t {
  kYear,
  kMonth,
  kDayOfMonth,
  kHour,
  kMinute,
  kSecond,
  kMillisecond,
  kDayOfWeek,
  kDayOfYear,
  kWeek,
  kIsoWeek,
  kIsoWeekYear,
  kIsoDayOfWeek,
};

// {$year: <date>}, {$year: [<date>]} or {$year: {date, timezone}}: args date, timezone.
DbResult<Done> ParsePartOp(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                           int depth) {
  static const char* kNames[] = {"$year",        "$month",  "$dayOfMonth",  "$hour",
                                 "$minute",      "$second", "$millisecond", "$dayOfWeek",
                                 "$dayOfYear",   "$week",   "$isoWeek",     "$isoWeekYear",
                                 "$isoDayOfWeek"};
  for (std::int64_t i = 0; i < 13; ++i) {
    if (node.name() == kNames[i]) node.option = i;
  }
  bool named = false;
  if (operand.value_type == BSON_TYPE_DOCUMENT) {
    bson_t doc;
    bson_iter_t it;
    ViewDocument(operand, &doc);
    named = bson_iter_init(&it, &doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] != '$';
  }
  if (named) {
    auto r = ParseNamedArgs(node, operand, {"date", "timezone"}, {"date"}, scope, depth, 40535);
    if (!r.ok()) return r;
    return Done{};
  }
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
  node.args.emplace_back();
  return Done{};
}

// Evaluates args[date_index] and args[zone_index] into a breakdown; nullopt for null results.
DbResult<std::optional<LocalParts>> DateAndZone(const ExprNode& node, EvalContext& ctx,
                                                std::size_t date_index, std::size_t zone_index) {
  auto d = EvalArg(node, date_index, ctx);
  if (!d.ok()) return d.error();
  auto z = EvalArg(node, zone_index, ctx);
  if (!z.ok()) return z.error();
  auto zone = ZoneOf(z.value());
  if (!zone.ok()) return zone.error();
  auto date = DateOf(d.value(), node.name());
  if (!date.ok()) return date.error();
  if (!date.value() || !zone.value()) return std::optional<LocalParts>();
  return std::optional<LocalParts>(Breakdown(*date.value(), *zone.value()));
}

DbResult<Value> PartOp(const ExprNode& node, EvalContext& ctx) {
  auto parts = DateAndZone(node, ctx, 0, 1);
  if (!parts.ok()) return parts.error();
  if (!parts.value()) return NullValue();
  const LocalParts& p = *parts.value();
  switch (node.option) {
    case kYear:
      return IntValue(p.year);
    case kMonth:
      return Int32Value(p.month);
    case kDayOfMonth:
      return Int32Value(p.day);
    case kHour:
      return Int32Value(p.hour);
    case kMinute:
      return Int32Value(p.minute);
    case kSecond:
      return Int32Value(p.second);
    case kMillisecond:
      return Int32Value(p.millisecond);
    case kDayOfWeek:
      return Int32Value(p.day_of_week);
    case kDayOfYear:
      return Int32Value(p.day_of_year);
    case kWeek:
      return Int32Value(p.week);
    case kIsoWeek:
      return Int32Value(p.iso_week);
    case kIsoWeekYear:
      return IntValue(p.iso_week_year);
    default:
      return Int32Value(p.iso_day_of_week);
  }
}

// args: date, timezone, iso8601
DbResult<Done> ParseToParts(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                            int depth) {
  return ParseNamedArgs(node, operand, {"date", "timezone", "iso8601"}, {"date"}, scope, depth,
                        40522);
}

DbResult<Value> DateToParts(const ExprNode& node, EvalContext& ctx) {
  auto iso = EvalArg(node, 2, ctx);
  if (!iso.ok()) return iso.error();
  if (!iso.value().missing() && iso.value().type() != BSON_TYPE_BOOL && !iso.value().nullish()) {
    return MakeError(40521, "iso8601 must evaluate to a bool, found " + TypeName(iso.value()));
  }
  auto parts = DateAndZone(node, ctx, 0, 1);
  if (!parts.ok()) return parts.error();
  if (!parts.value() || (iso.value().nullish() && !iso.value().missing())) return NullValue();
  const LocalParts& p = *parts.value();
  BsonPtr out = NewBson();
  if (Truthy(iso.value())) {
    BSON_APPEND_INT32(out.get(), "isoWeekYear", static_cast<std::int32_t>(p.iso_week_year));
    BSON_APPEND_INT32(out.get(), "isoWeek", p.iso_week);
    BSON_APPEND_INT32(out.get(), "isoDayOfWeek", p.iso_day_of_week);
  } else {
    BSON_APPEND_INT32(out.get(), "year", static_cast<std::int32_t>(p.year));
    BSON_APPEND_INT32(out.get(), "month", p.month);
    BSON_APPEND_INT32(out.get(), "day", p.day);
  }
  BSON_APPEND_INT32(out.get(), "hour", p.hour);
  BSON_APPEND_INT32(out.get(), "minute", p.minute);
  BSON_APPEND_INT32(out.get(), "second", p.second);
  BSON_APPEND_INT32(out.get(), "millisecond", p.millisecond);
  return DocumentValueOf(std::move(out));
}

// args: year month day isoWeekYear isoWeek isoDayOfWeek hour minute second millisecond timezone
constexpr std::initializer_list<const char*> kFromPartsNames = {
    "year", "month",  "day",    "isoWeekYear", "isoWeek", "isoDayOfWeek",
    "hour", "minute", "second", "millisecond", "timezone"};

DbResult<Done> ParseFromParts(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                              int depth) {
  auto r = ParseNamedArgs(node, operand, kFromPartsNames, {}, scope, depth, 40518);
  if (!r.ok()) return r;
  bool calendar = node.args[0] || node.args[1] || node.args[2];
  bool iso = node.args[3] || node.args[4] || node.args[5];
  if (calendar && iso) {
    return MakeError(40489, "$dateFromParts does not allow mixing natural dates with ISO dates");
  }
  if (!node.args[0] && !node.args[3]) {
    return MakeError(40516, "$dateFromParts requires either 'year' or 'isoWeekYear' to be present");
  }
  node.option = iso ? 1 : 0;
  return Done{};
}

DbResult<Value> DateFromParts(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  static const std::int64_t kDefaults[] = {1970, 1, 1, 1970, 1, 1, 0, 0, 0, 0};
  std::int64_t n[10];
  std::size_t i = 0;
  for (const char* name : kFromPartsNames) {
    if (i == 10) break;
    const Value& v = values[i];
    if (v.missing()) {
      n[i] = kDefaults[i];
    } else if (v.nullish()) {
      return NullValue();
    } else if (!IsIntegral(v)) {
      return MakeError(40515, std::string("'") + name + "' must evaluate to an integer, found " +
                                  TypeName(v) + " with value " + Render(v));
    } else {
      n[i] = AsInt64(v);
    }
    bool is_year = i == 0 || i == 3;
    if (is_year && !v.missing() && (n[i] < 1 || n[i] > 9999)) {
      return MakeError(40523, std::string("'") + name +
                                  "' must evaluate to an integer in the range 1 to 9999, found " +
                                  Render(v));
    }
    if (!is_year && (n[i] < -32768 || n[i] > 32767)) {
      return MakeError(
          31034, std::string("'") + name +
                     "' must evaluate to a value in the range [-32768, 32767]; value " + Render(v) +
                     " is not in range");
    }
    ++i;
  }
  auto zone = ZoneOf(values[10]);
  if (!zone.ok()) return zone.error();
  if (!zone.value()) return NullValue();
  std::int64_t days;
  if (node.option == 1) {
    // ISO week date: week 1 contains January 4th.
    std::int64_t jan4 = DaysFromCivil(n[3], 1, 4);
    int jan4_iso = WeekdayFromDays(jan4) == 0 ? 7 : WeekdayFromDays(jan4);
    days = jan4 - (jan4_iso - 1) + (n[4] - 1) * 7 + (n[5] - 1);
  } else {
    std::int64_t months = n[0] * 12 + (n[1] - 1);
    days = DaysFromCivil(FloorDiv(months, 12), static_cast<int>(FloorMod(months, 12) + 1), 1) +
           (n[2] - 1);
  }
  std::int64_t local = days * 86400000 + n[6] * 3600000 + n[7] * 60000 + n[8] * 1000 + n[9];
  return DateValue(LocalToUtc(local, *zone.value()));
}

// args: date, format, timezone, onNull
DbResult<Done> ParseToString(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                             int depth) {
  return ParseNamedArgs(node, operand, {"date", "format", "timezone", "onNull"}, {"date"}, scope,
                        depth, 18534);
}

DbResult<Value> DateToString(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  std::string format = kDefaultDateFormat;
  if (!values[1].missing()) {
    if (values[1].nullish()) return NullValue();
    if (!values[1].is_string()) {
      return MakeError(18533, "$dateToString requires that 'format' be a string, found: " +
                                  TypeName(values[1]) + " with value " + Render(values[1]));
    }
    format = std::string(values[1].str());
  }
  auto zone = ZoneOf(values[2]);
  if (!zone.ok()) return zone.error();
  auto date = DateOf(values[0], "$dateToString");
  if (!date.ok()) return date.error();
  if (!date.value()) return node.args[3] ? values[3] : NullValue();
  if (!zone.value()) return NullValue();
  auto s = FormatDate(*date.value(), format, *zone.value());
  if (!s.ok()) return s.error();
  return StringValue(std::move(s).value());
}

// args: dateString, format, timezone, onError, onNull
DbResult<Done> ParseFromString(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                               int depth) {
  return ParseNamedArgs(node, operand, {"dateString", "format", "timezone", "onError", "onNull"},
                        {"dateString"}, scope, depth, 40541);
}

DbResult<Value> DateFromString(const ExprNode& node, EvalContext& ctx) {
  auto text = EvalArg(node, 0, ctx);
  if (!text.ok()) return text.error();
  if (text.value().nullish()) {
    if (node.args[4]) return EvalArg(node, 4, ctx);
    return NullValue();
  }
  auto format = EvalArg(node, 1, ctx);
  if (!format.ok()) return format.error();
  std::optional<std::string> fmt;
  if (!format.value().missing()) {
    if (format.value().nullish()) return NullValue();
    if (!format.value().is_string()) {
      return MakeError(40684, "$dateFromString requires that 'format' be a string, found: " +
                                  TypeName(format.value()));
    }
    fmt = std::string(format.value().str());
  }
  auto z = EvalArg(node, 2, ctx);
  if (!z.ok()) return z.error();
  auto zone = ZoneOf(z.value());
  if (!zone.ok()) return zone.error();
  if (!zone.value()) return NullValue();
  DbResult<std::int64_t> parsed =
      text.value().is_string() ? ParseDateString(text.value().str(), fmt, *zone.value())
                               : DbResult<std::int64_t>(MakeError(
                                     kConversionFailure,
                                     "$dateFromString requires that 'dateString' be a string, "
                                     "found: " +
                                         TypeName(text.value())));
  if (!parsed.ok()) {
    if (node.args[3]) return EvalArg(node, 3, ctx);
    return parsed.error();
  }
  return DateValue(parsed.value());
}

constexpr OpDef kOps[] = {
    {"$year", 1, 1, PartOp, ParsePartOp},
    {"$month", 1, 1, PartOp, ParsePartOp},
    {"$dayOfMonth", 1, 1, PartOp, ParsePartOp},
    {"$hour", 1, 1, PartOp, ParsePartOp},
    {"$minute", 1, 1, PartOp, ParsePartOp},
    {"$second", 1, 1, PartOp, ParsePartOp},
    {"$millisecond", 1, 1, PartOp, ParsePartOp},
    {"$dayOfWeek", 1, 1, PartOp, ParsePartOp},
    {"$dayOfYear", 1, 1, PartOp, ParsePartOp},
    {"$week", 1, 1, PartOp, ParsePartOp},
    {"$isoWeek", 1, 1, PartOp, ParsePartOp},
    {"$isoWeekYear", 1, 1, PartOp, ParsePartOp},
    {"$isoDayOfWeek", 1, 1, PartOp, ParsePartOp},
    {"$dateToParts", 1, 1, DateToParts, ParseToParts},
    {"$dateFromParts", 1, 1, DateFromParts, ParseFromParts},
    {"$dateToString", 1, 1, DateToString, ParseToString},
    {"$dateFromString", 1, 1, DateFromString, ParseFromString},
};

}  // namespace

std::span<const OpDef> DateOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
