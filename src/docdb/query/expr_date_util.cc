#include "docdb/query/expr_date_util.h"

#include <cstdio>

#include "docdb/bson_util.h"
#include "docdb/query/civil_time.h"

namespace tactus::docdb::query::internal {

LocalParts Breakdown(std::int64_t utc_ms, const TimeZone& zone) {
  LocalParts p;
  p.offset_seconds = zone.OffsetAt(FloorDiv(utc_ms, 1000));
  std::int64_t local = utc_ms + p.offset_seconds * 1000;
  std::int64_t days = FloorDiv(local, 86400000);
  std::int64_t ms_of_day = local - days * 86400000;
  CivilDate c = CivilFromDays(days);
  p.local_days = days;
  p.year = c.year;
  p.month = c.month;
  p.day = c.day;
  p.hour = static_cast<int>(ms_of_day / 3600000);
  p.minute = static_cast<int>(ms_of_day / 60000 % 60);
  p.second = static_cast<int>(ms_of_day / 1000 % 60);
  p.millisecond = static_cast<int>(ms_of_day % 1000);
  int wd = WeekdayFromDays(days);  // 0 = Sunday
  p.day_of_week = wd + 1;
  p.day_of_year = static_cast<int>(days - DaysFromCivil(c.year, 1, 1)) + 1;
  p.iso_day_of_week = wd == 0 ? 7 : wd;
  std::int64_t thursday = days - p.iso_day_of_week + 4;
  p.iso_week_year = CivilFromDays(thursday).year;
  p.iso_week = static_cast<int>((thursday - DaysFromCivil(p.iso_week_year, 1, 1)) / 7 + 1);
  p.week = (p.day_of_year - 1 + 7 - wd) / 7;
  return p;
}

std::int64_t LocalToUtc(std::int64_t local_ms, const TimeZone& zone) {
  return local_ms - zone.OffsetForLocal(FloorDiv(local_ms, 1000)) * 1000;
}

DbResult<std::optional<std::int64_t>> DateOf(const Value& v, std::string_view op) {
  switch (v.type()) {
    case BSON_TYPE_EOD:
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return std::optional<std::int64_t>();
    case BSON_TYPE_DATE_TIME:
      return std::optional<std::int64_t>(v.v.value.v_datetime);
    case BSON_TYPE_TIMESTAMP:
      return std::optional<std::int64_t>(
          static_cast<std::int64_t>(v.v.value.v_timestamp.timestamp) * 1000);
    case BSON_TYPE_OID:
      return std::optional<std::int64_t>(
          static_cast<std::int64_t>(bson_oid_get_time_t(&v.v.value.v_oid)) * 1000);
    default:
      return MakeError(16006, std::string(op) + ": can't convert from BSON type " +
                                  BsonTypeName(v.type()) + " to Date");
  }
}

DbResult<std::optional<TimeZone>> ZoneOf(const Value& v) {
  if (v.missing()) return std::optional<TimeZone>(TimeZone());
  if (v.nullish()) return std::optional<TimeZone>();
  if (!v.is_string()) {
    return MakeError(
        40517, std::string("timezone must evaluate to a string, found ") + BsonTypeName(v.type()));
  }
  auto zone = TimeZone::Find(v.str());
  if (!zone.ok()) return zone.error();
  return std::optional<TimeZone>(zone.value());
}

namespace {

std::string Pad(std::int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

}  // namespace

DbResult<std::string> FormatDate(std::int64_t utc_ms, std::string_view format,
                                 const TimeZone& zone) {
  LocalParts p = Breakdown(utc_ms, zone);
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (i + 1 >= format.size()) {
      return MakeError(18535, "Unmatched '%' at end of format string");
    }
    char c = format[++i];
    switch (c) {
      case 'Y':
        out += Pad(p.year, 4);
        break;
      case 'm':
        out += Pad(p.month, 2);
        break;
      case 'd':
        out += Pad(p.day, 2);
        break;
      case 'H':
        out += Pad(p.hour, 2);
        break;
      case 'M':
        out += Pad(p.minute, 2);
        break;
      case 'S':
        out += Pad(p.second, 2);
        break;
      case 'L':
        out += Pad(p.millisecond, 3);
        break;
      case 'j':
        out += Pad(p.day_of_year, 3);
        break;
      case 'w':
        out += Pad(p.day_of_week, 1);
        break;
      case 'u':
        out += Pad(p.iso_day_of_week, 1);
        break;
      case 'U':
        out += Pad(p.week, 2);
        break;
      case 'V':
        out += Pad(p.iso_week, 2);
        break;
      case 'G':
        out += Pad(p.iso_week_year, 4);
        break;
      case 'Z':
        out += std::to_string(p.offset_seconds / 60);
        break;
      case 'z': {
        std::int64_t m = p.offset_seconds / 60;
        out += m < 0 ? '-' : '+';
        if (m < 0) m = -m;
        out += Pad(m / 60, 2) + Pad(m % 60, 2);
        break;
      }
      case '%':
        out.push_back('%');
        break;
      default:
        return MakeError(18536,
                         std::string("Invalid format character '%") + c + "' in format string");
    }
  }
  return out;
}

namespace {

struct Scanner {
  std::string_view s;
  std::size_t i = 0;
  bool Digits(int min, int max, std::int64_t* out) {
    std::int64_t v = 0;
    int n = 0;
    while (i < s.size() && n < max && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i++] - '0');
      ++n;
    }
    *out = v;
    return n >= min;
  }
  bool Lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Z, +hh, +hhmm, +hh:mm
  bool Offset(std::optional<std::int64_t>* out) {
    if (Lit('Z')) {
      *out = 0;
      return true;
    }
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    int sign = s[i++] == '-' ? -1 : 1;
    std::int64_t h = 0, m = 0;
    if (!Digits(2, 2, &h)) return false;
    Lit(':');
    Digits(0, 2, &m);
    *out = sign * (h * 3600 + m * 60);
    return true;
  }
};

}  // namespace

DbResult<std::int64_t> ParseDateString(std::string_view text,
                                       const std::optional<std::string>& format,
                                       const TimeZone& zone) {
  auto fail = [&]() {
    return MakeError(kConversionFailure, "Error parsing date string '" + std::string(text) + "'");
  };
  std::int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  std::optional<std::int64_t> offset;
  Scanner sc{text};
  if (format) {
    std::string_view f = *format;
    for (std::size_t k = 0; k < f.size(); ++k) {
      if (f[k] != '%') {
        if (!sc.Lit(f[k])) return fail();
        continue;
      }
      if (++k >= f.size()) return fail();
      bool ok = true;
      switch (f[k]) {
        case 'Y':
          ok = sc.Digits(4, 4, &year);
          break;
        case 'm':
          ok = sc.Digits(1, 2, &month);
          break;
        case 'd':
          ok = sc.Digits(1, 2, &day);
          break;
        case 'H':
          ok = sc.Digits(1, 2, &hour);
          break;
        case 'M':
          ok = sc.Digits(1, 2, &minute);
          break;
        case 'S':
          ok = sc.Digits(1, 2, &second);
          break;
        case 'L':
          ok = sc.Digits(1, 3, &ms);
          break;
        case 'z':
          ok = sc.Offset(&offset);
          break;
        case 'Z': {
          std::int64_t minutes = 0;
          int sign = sc.Lit('-') ? -1 : (sc.Lit('+'), 1);
          ok = sc.Digits(1, 4, &minutes);
          offset = sign * minutes * 60;
          break;
        }
        case '%':
          ok = sc.Lit('%');
          break;
        default:
          return MakeError(
              18536, std::string("Invalid format character '%") + f[k] + "' in format string");
      }
      if (!ok) return fail();
    }
  } else {
    if (!sc.Digits(4, 4, &year) || !sc.Lit('-') || !sc.Digits(2, 2, &month) || !sc.Lit('-') ||
        !sc.Digits(2, 2, &day)) {
      return fail();
    }
    if (sc.Lit('T') || sc.Lit(' ')) {
      if (!sc.Digits(2, 2, &hour) || !sc.Lit(':') || !sc.Digits(2, 2, &minute)) return fail();
      if (sc.Lit(':')) {
        if (!sc.Digits(2, 2, &second)) return fail();
        if (sc.Lit('.')) {
          std::int64_t frac = 0;
          std::size_t start = sc.i;
          if (!sc.Digits(1, 9, &frac)) return fail();
          int n = static_cast<int>(sc.i - start);
          while (n > 3) {
            frac /= 10;
            --n;
          }
          while (n < 3) {
            frac *= 10;
            ++n;
          }
          ms = frac;
        }
      }
      if (sc.i < text.size() && !sc.Offset(&offset)) return fail();
    }
  }
  if (sc.i != text.size()) return fail();
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, static_cast<int>(month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return fail();
  }
  std::int64_t local =
      (DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) * 86400 + hour * 3600 +
       minute * 60 + second) *
          1000 +
      ms;
  if (offset) return local - *offset * 1000;
  return LocalToUtc(local, zone);
}

}  // namespace tactus::docdb::query::internal
