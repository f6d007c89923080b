// Date arithmetic: $dateAdd $dateSubtract $dateDiff $dateTrunc. Units year, quarter, month,
// week and day count in local time of the `timezone` (so a day is 23 or 25 hours across a DST
// change, and adding a month to January 31 gives the last day of February); hour and smaller
// units are fixed lengths.
#include <string>
#include <vector>

#include "docdb/query/civil_time.h"
#include "docdb/query/expr_date_util.h"
#include "docdb/query/expr_node.h"

namespace tactus::docdb::query::internal {
namespace {

enum class Unit { kYear, kQuarter, kMonth, kWeek, kDay, kHour, kMinute, kSecond, kMillisecond };

DbResult<Unit> UnitOf(const Value& v, const std::string& op) {
  if (!v.is_string()) {
    return MakeError(5439013, op + " requires 'unit' to be a string, but got " + TypeName(v));
  }
  static const std::pair<const char*, Unit> kUnits[] = {
      {"year", Unit::kYear},     {"quarter", Unit::kQuarter}, {"month", Unit::kMonth},
      {"week", Unit::kWeek},     {"day", Unit::kDay},         {"hour", Unit::kHour},
      {"minute", Unit::kMinute}, {"second", Unit::kSecond},   {"millisecond", Unit::kMillisecond}};
  for (const auto& [name, unit] : kUnits) {
    if (v.str() == name) return unit;
  }
  return MakeError(kFailedToParse, op + ": unknown time unit value: " + std::string(v.str()));
}

std::int64_t FixedUnitMs(Unit u) {
  switch (u) {
    case Unit::kHour:
      return 3600000;
    case Unit::kMinute:
      return 60000;
    case Unit::kSecond:
      return 1000;
    case Unit::kMillisecond:
      return 1;
    case Unit::kDay:
      return 86400000;
    case Unit::kWeek:
      return 7 * 86400000LL;
    default:
      return 0;
  }
}

int UnitMonths(Unit u) { return u == Unit::kYear ? 12 : (u == Unit::kQuarter ? 3 : 1); }

// Adds `amount` units to `utc_ms`; false on overflow.
bool AddUnits(std::int64_t utc_ms, Unit unit, std::int64_t amount, const TimeZone& zone,
              std::int64_t* out) {
  if (unit == Unit::kYear || unit == Unit::kQuarter || unit == Unit::kMonth || unit == Unit::kDay ||
      unit == Unit::kWeek) {
    LocalParts p = Breakdown(utc_ms, zone);
    std::int64_t ms_of_day = ((p.hour * 60LL + p.minute) * 60 + p.second) * 1000 + p.millisecond;
    std::int64_t days;
    if (unit == Unit::kDay || unit == Unit::kWeek) {
      std::int64_t delta;
      if (__builtin_mul_overflow(amount, unit == Unit::kWeek ? 7 : 1, &delta)) return false;
      if (std::llabs(delta) > 200'000'000) return false;
      days = p.local_days + delta;
    } else {
      std::int64_t months;
      if (__builtin_mul_overflow(amount, UnitMonths(unit), &months) ||
          std::llabs(months) > 3'000'000'000LL) {
        return false;
      }
      std::int64_t total = p.year * 12 + (p.month - 1) + months;
      std::int64_t y = FloorDiv(total, 12);
      int m = static_cast<int>(FloorMod(total, 12)) + 1;
      int d = std::min(p.day, DaysInMonth(y, m));
      days = DaysFromCivil(y, m, d);
    }
    std::int64_t local;
    if (__builtin_mul_overflow(days, 86400000LL, &local) ||
        __builtin_add_overflow(local, ms_of_day, &local)) {
      return false;
    }
    *out = LocalToUtc(local, zone);
    return true;
  }
  std::int64_t delta;
  if (__builtin_mul_overflow(amount, FixedUnitMs(unit), &delta)) return false;
  return !__builtin_add_overflow(utc_ms, delta, out);
}

// args: startDate, unit, amount, timezone
DbResult<Done> ParseDateAdd(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                            int depth) {
  node.option = std::string_view(node.op->name) == "$dateSubtract" ? -1 : 1;
  return ParseNamedArgs(node, operand, {"startDate", "unit", "amount", "timezone"},
                        {"startDate", "unit", "amount"}, scope, depth, 5166401);
}

DbResult<Value> DateAdd(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  for (const Value& v : values) {
    if (v.nullish() && !(&v == &values[3] && v.missing())) return NullValue();
  }
  auto start = DateOf(values[0], node.name());
  if (!start.ok()) {
    return MakeError(5166403, node.name() + " requires startDate to be convertible to a date");
  }
  auto unit = UnitOf(values[1], node.name());
  if (!unit.ok()) return unit.error();
  if (!IsIntegral(values[2])) {
    return MakeError(5166405, node.name() + " expects integer amount of time units");
  }
  auto zone = ZoneOf(values[3]);
  if (!zone.ok()) return zone.error();
  std::int64_t amount = AsInt64(values[2]) * node.option;
  std::int64_t out;
  if (!AddUnits(*start.value(), unit.value(), amount, *zone.value(), &out)) {
    return MakeError(5166406, node.name() + " overflowed");
  }
  return DateValue(out);
}

int StartOfWeekOf(const Value& v, const std::string& op, DbError* error) {
  if (v.missing()) return 0;
  static const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday"};
  static const char* kShort[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  if (v.is_string()) {
    std::string s(v.str());
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < 7; ++i) {
      if (s == kDays[i] || s == kShort[i]) return i;
    }
  }
  *error = MakeError(
      5439015, op + " parameter 'startOfWeek' must be a day of the week, found: " + Render(v));
  return -1;
}

// Local "unit number" of an instant: boundaries between consecutive numbers are the unit's.
std::int64_t UnitNumber(const LocalParts& p, std::int64_t local_ms, Unit unit, int start_of_week) {
  switch (unit) {
    case Unit::kYear:
      return p.year;
    case Unit::kQuarter:
      return p.year * 4 + (p.month - 1) / 3;
    case Unit::kMonth:
      return p.year * 12 + (p.month - 1);
    case Unit::kWeek: {
      // Days since a reference day that starts a week (1970-01-04 was a Sunday).
      return FloorDiv(p.local_days - 3 - start_of_week, 7);
    }
    case Unit::kDay:
      return p.local_days;
    default:
      return FloorDiv(local_ms, FixedUnitMs(unit));
  }
}

// args: startDate, endDate, unit, timezone, startOfWeek
DbResult<Done> ParseDateDiff(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                             int depth) {
  return ParseNamedArgs(node, operand, {"startDate", "endDate", "unit", "timezone", "startOfWeek"},
                        {"startDate", "endDate", "unit"}, scope, depth, 5166301);
}

DbResult<Value> DateDiff(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  for (std::size_t i = 0; i < 3; ++i) {
    if (values[i].nullish()) return NullValue();
  }
  if (values[3].nullish() && !values[3].missing()) return NullValue();
  auto start = DateOf(values[0], node.name());
  if (!start.ok())
    return MakeError(5166307,
                     "$dateDiff requires 'startDate' to be a date, but got " + TypeName(values[0]));
  auto end = DateOf(values[1], node.name());
  if (!end.ok())
    return MakeError(5166307,
                     "$dateDiff requires 'endDate' to be a date, but got " + TypeName(values[1]));
  auto unit = UnitOf(values[2], node.name());
  if (!unit.ok()) return unit.error();
  auto zone = ZoneOf(values[3]);
  if (!zone.ok()) return zone.error();
  DbError error;
  int sow = StartOfWeekOf(values[4], node.name(), &error);
  if (sow < 0) return error;
  if (unit.value() == Unit::kMillisecond) return Int64Value(*end.value() - *start.value());
  LocalParts a = Breakdown(*start.value(), *zone.value());
  LocalParts b = Breakdown(*end.value(), *zone.value());
  std::int64_t la = *start.value() + a.offset_seconds * 1000;
  std::int64_t lb = *end.value() + b.offset_seconds * 1000;
  return Int64Value(UnitNumber(b, lb, unit.value(), sow) - UnitNumber(a, la, unit.value(), sow));
}

// args: date, unit, binSize, timezone, startOfWeek
DbResult<Done> ParseDateTrunc(ExprNode& node, const bson_value_t& operand, ExprScope& scope,
                              int depth) {
  return ParseNamedArgs(node, operand, {"date", "unit", "binSize", "timezone", "startOfWeek"},
                        {"date", "unit"}, scope, depth, 5439007);
}

DbResult<Value> DateTrunc(const ExprNode& node, EvalContext& ctx) {
  std::vector<Value> values;
  if (auto r = EvalArgs(node, ctx, &values); !r.ok()) return r.error();
  for (const Value& v : values) {
    if (v.nullish() && !v.missing()) return NullValue();
  }
  if (values[0].missing() || values[1].missing()) return NullValue();
  auto date = DateOf(values[0], node.name());
  if (!date.ok())
    return MakeError(5439012,
                     "$dateTrunc requires 'date' to be a date, but got " + TypeName(values[0]));
  auto unit = UnitOf(values[1], node.name());
  if (!unit.ok()) return unit.error();
  std::int64_t bin = 1;
  if (!values[2].missing()) {
    if (!IsIntegral(values[2]) || AsInt64(values[2]) <= 0) {
      return MakeError(5439017,
                       "$dateTrunc requires 'binSize' to be a positive 64-bit integer, but got " +
                           Render(values[2]));
    }
    bin = AsInt64(values[2]);
  }
  auto zone = ZoneOf(values[3]);
  if (!zone.ok()) return zone.error();
  DbError error;
  int sow = StartOfWeekOf(values[4], node.name(), &error);
  if (sow < 0) return error;
  LocalParts p = Breakdown(*date.value(), *zone.value());
  std::int64_t local = *date.value() + p.offset_seconds * 1000;
  // Bins are aligned to 2000-01-01T00:00:00 local time, as MongoDB does.
  const std::int64_t ref_days = DaysFromCivil(2000, 1, 1);
  std::int64_t out_local;
  switch (unit.value()) {
    case Unit::kYear:
    case Unit::kQuarter:
    case Unit::kMonth: {
      std::int64_t months = (p.year - 2000) * 12 + (p.month - 1);
      std::int64_t size = bin * UnitMonths(unit.value());
      std::int64_t start = FloorDiv(months, size) * size + 2000 * 12;
      out_local = DaysFromCivil(FloorDiv(start, 12), static_cast<int>(FloorMod(start, 12)) + 1, 1) *
                  86400000;
      break;
    }
    case Unit::kWeek: {
      // The first week start on or after the reference day.
      std::int64_t ref = ref_days + (sow - WeekdayFromDays(ref_days) + 7) % 7;
      out_local = (ref + FloorDiv(p.local_days - ref, 7 * bin) * 7 * bin) * 86400000;
      break;
    }
    case Unit::kDay:
      out_local = (ref_days + FloorDiv(p.local_days - ref_days, bin) * bin) * 86400000;
      break;
    default: {
      std::int64_t size = FixedUnitMs(unit.value()) * bin;
      std::int64_t ref = ref_days * 86400000;
      out_local = ref + FloorDiv(local - ref, size) * size;
      // Sub-day units in UTC keep fixed lengths even across offset changes.
      return DateValue(out_local - p.offset_seconds * 1000);
    }
  }
  return DateValue(LocalToUtc(out_local, *zone.value()));
}

constexpr OpDef kOps[] = {
    {"$dateAdd", 1, 1, DateAdd, ParseDateAdd},
    {"$dateSubtract", 1, 1, DateAdd, ParseDateAdd},
    {"$dateDiff", 1, 1, DateDiff, ParseDateDiff},
    {"$dateTrunc", 1, 1, DateTrunc, ParseDateTrunc},
};

}  // namespace

std::span<const OpDef> DateArithmeticOps() { return kOps; }

}  // namespace tactus::docdb::query::internal
