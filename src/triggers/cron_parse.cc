// CronExpression::Parse: the six fields, their lists, ranges, steps, names and the L/W/# forms.
#include <bitset>
#include <cctype>
#include <string>
#include <vector>

#include "triggers/cron_expression.h"

namespace tactus::triggers {

namespace {

using common::Result;
using common::Status;

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kWeekdayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// Longest number a field accepts (the years have four digits); longer is out of range.
constexpr std::size_t kMaxDigits = 4;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names = nullptr;  // names[i] is value min + i
  int name_count = 0;
};

constexpr FieldSpec kMinutes{"minutes", 0, 59};
constexpr FieldSpec kHours{"hours", 0, 23};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, 12};
constexpr FieldSpec kDayOfWeek{"day-of-week", 1, 7, kWeekdayNames, 7};
constexpr FieldSpec kYear{"year", kCronFirstYear, kCronLastYear};

using Bits = std::bitset<kCronLastYear + 1>;  // indexed by value

Status FieldError(const FieldSpec& spec, const std::string& reason) {
  return Status::InvalidArgument("cron: " + std::string(spec.name) + ": " + reason);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string RangeText(const FieldSpec& spec) {
  std::string text = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  if (spec.names) {
    text += " or " + std::string(spec.names[0]) + "-" + spec.names[spec.name_count - 1];
  }
  return text;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A single value: a number in the field's range, or one of its names.
Result<int> ParseValue(const FieldSpec& spec, std::string_view token) {
  if (AllDigits(token)) {
    int value = 0;
    if (token.size() <= kMaxDigits) {
      for (char c : token) value = value * 10 + (c - '0');
    }
    if (token.size() > kMaxDigits || value < spec.min || value > spec.max) {
      return FieldError(spec,
                        "value " + std::string(token) + " is out of range " + RangeText(spec));
    }
    return value;
  }
  const std::string upper = Upper(token);
  for (int i = 0; i < spec.name_count; ++i) {
    if (upper == spec.names[i]) return spec.min + i;
  }
  if (token.empty()) return FieldError(spec, "a value is missing");
  return FieldError(spec, Quote(token) + " is not a value (expected " + RangeText(spec) + ")");
}

// One list element: "*", "v", "a-b", each optionally followed by "/step".
Status ParseItem(const FieldSpec& spec, std::string_view item, Bits* bits) {
  std::string_view base = item;
  int step = 1;
  const std::size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    base = item.substr(0, slash);
    std::string_view step_text = item.substr(slash + 1);
    const int span = spec.max - spec.min + 1;
    if (!AllDigits(step_text) || step_text.size() > kMaxDigits) {
      return FieldError(
          spec, "step " + Quote(step_text) + " is not a number from 1 to " + std::to_string(span));
    }
    step = std::stoi(std::string(step_text));
    if (step < 1 || step > span) {
      return FieldError(
          spec, "step " + std::string(step_text) + " is out of range 1-" + std::to_string(span));
    }
  }
  int first = spec.min;
  int last = spec.max;
  if (base != "*") {
    const std::size_t dash = base.find('-');
    auto lo = ParseValue(spec, base.substr(0, dash));
    if (!lo.ok()) return lo.status();
    first = *lo;
    if (dash != std::string_view::npos) {
      auto hi = ParseValue(spec, base.substr(dash + 1));
      if (!hi.ok()) return hi.status();
      last = *hi;
      if (last < first) {
        return FieldError(
            spec, "range " + Quote(base) + " runs backwards; list it as two ranges instead");
      }
    } else if (slash == std::string_view::npos) {
      last = first;
    }
  }
  for (int v = first; v <= last; v += step) bits->set(static_cast<std::size_t>(v));
  return Status::Ok();
}

// A comma-separated list of items (the form every field accepts).
Status ParseList(const FieldSpec& spec, std::string_view text, Bits* bits) {
  if (text.find('?') != std::string_view::npos) {
    return FieldError(spec, "'?' is allowed only as the whole day-of-month or day-of-week field");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) return FieldError(spec, "empty element in list " + Quote(text));
    Status s = ParseItem(spec, item, bits);
    if (!s.ok()) return s;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

template <std::size_t N>
void CopyBits(const Bits& from, int offset, std::bitset<N>* to) {
  for (std::size_t i = 0; i < N; ++i) {
    if (from.test(i + static_cast<std::size_t>(offset))) to->set(i);
  }
}

}  // namespace

class CronParser {
 public:
  static Result<CronExpression> Parse(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i == text.size()) break;
      const std::size_t start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
      fields.push_back(text.substr(start, i - start));
    }
    if (fields.size() != 6) {
      return Status::InvalidArgument(
          "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got " +
          std::to_string(fields.size()));
    }
    CronExpression cron;
    Bits bits;
    if (Status s = ParseList(kMinutes, fields[0], &bits); !s.ok()) return s;
    CopyBits(bits, 0, &cron.minutes_);
    bits.reset();
    if (Status s = ParseList(kHours, fields[1], &bits); !s.ok()) return s;
    CopyBits(bits, 0, &cron.hours_);
    bits.reset();
    if (Status s = ParseDayOfMonth(fields[2], &cron); !s.ok()) return s;
    if (Status s = ParseList(kMonth, fields[3], &bits); !s.ok()) return s;
    CopyBits(bits, 0, &cron.months_);
    bits.reset();
    if (Status s = ParseDayOfWeek(fields[4], &cron); !s.ok()) return s;
    if (Status s = ParseList(kYear, fields[5], &bits); !s.ok()) return s;
    CopyBits(bits, kCronFirstYear, &cron.years_);

    const bool dom_any = cron.day_rule_ == CronExpression::DayOfMonthRule::kAny;
    const bool dow_any = cron.weekday_rule_ == CronExpression::DayOfWeekRule::kAny;
    if (dom_any == dow_any) {
      return Status::InvalidArgument(
          std::string("cron: day-of-month, day-of-week: exactly one of the two must be '?' (") +
          (dom_any ? "both are" : "neither is") +
          "); for example cron(0 8 1 * ? *) or cron(0 8 ? * MON *)");
    }
    return cron;
  }

 private:
  using DomRule = CronExpression::DayOfMonthRule;
  using DowRule = CronExpression::DayOfWeekRule;

  static Status ParseDayOfMonth(std::string_view text, CronExpression* cron) {
    const std::string upper = Upper(text);
    if (upper == "?") return Status::Ok();
    if (upper == "L") {
      cron->day_rule_ = DomRule::kLast;
      return Status::Ok();
    }
    if (upper == "LW") {
      cron->day_rule_ = DomRule::kLastWeekday;
      return Status::Ok();
    }
    const bool has_w = upper.find('W') != std::string::npos;
    if (has_w && upper.size() >= 2 && upper.back() == 'W' &&
        AllDigits(text.substr(0, text.size() - 1))) {
      auto day = ParseValue(kDayOfMonth, text.substr(0, text.size() - 1));
      if (!day.ok()) return day.status();
      cron->day_rule_ = DomRule::kNearestWeekday;
      cron->rule_day_ = *day;
      return Status::Ok();
    }
    if (has_w || upper.find('L') != std::string::npos) {
      return FieldError(kDayOfMonth,
                        Quote(text) + ": L and W stand alone, as L, LW or nW (n = 1-31)");
    }
    Bits bits;
    if (Status s = ParseList(kDayOfMonth, text, &bits); !s.ok()) return s;
    CopyBits(bits, 0, &cron->days_);
    cron->day_rule_ = DomRule::kSet;
    return Status::Ok();
  }

  static Status ParseDayOfWeek(std::string_view text, CronExpression* cron) {
    const std::string upper = Upper(text);
    if (upper == "?") return Status::Ok();
    if (upper == "L") {  // the last day of the week: Saturday
      cron->weekday_rule_ = DowRule::kSet;
      cron->weekdays_.set(7);
      return Status::Ok();
    }
    if (const std::size_t hash = upper.find('#'); hash != std::string::npos) {
      if (upper.find_first_of(",-*/") != std::string::npos) {
        return FieldError(kDayOfWeek,
                          Quote(text) + ": '#' must be the field's only expression, as in 3#2");
      }
      auto weekday = ParseValue(kDayOfWeek, text.substr(0, hash));
      if (!weekday.ok()) return weekday.status();
      std::string_view nth = text.substr(hash + 1);
      if (nth.size() != 1 || nth[0] < '1' || nth[0] > '5') {
        return FieldError(kDayOfWeek, Quote(text) + ": the week after '#' must be 1-5, as in 3#2");
      }
      cron->weekday_rule_ = DowRule::kNth;
      cron->rule_weekday_ = *weekday;
      cron->rule_nth_ = nth[0] - '0';
      return Status::Ok();
    }
    if (upper.size() >= 2 && upper.back() == 'L' &&
        upper.find_first_of(",-*/") == std::string::npos) {
      auto weekday = ParseValue(kDayOfWeek, text.substr(0, text.size() - 1));
      if (!weekday.ok()) return weekday.status();
      cron->weekday_rule_ = DowRule::kLastInMonth;
      cron->rule_weekday_ = *weekday;
      return Status::Ok();
    }
    if (upper.find('/') != std::string::npos) {
      return FieldError(kDayOfWeek, Quote(text) + ": '/' is not allowed in day-of-week");
    }
    if (upper.find('L') != std::string::npos) {
      return FieldError(kDayOfWeek, Quote(text) + ": L stands alone, as L or nL (n = 1-7)");
    }
    Bits bits;
    if (Status s = ParseList(kDayOfWeek, text, &bits); !s.ok()) return s;
    CopyBits(bits, 0, &cron->weekdays_);
    cron->weekday_rule_ = DowRule::kSet;
    return Status::Ok();
  }
};

Result<CronExpression> CronExpression::Parse(std::string_view fields) {
  return CronParser::Parse(fields);
}

}  // namespace tactus::triggers
