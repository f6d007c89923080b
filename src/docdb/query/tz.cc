#include "docdb/query/tz.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "docdb/query/civil_time.h"

namespace tactus::docdb::query {

// A POSIX TZ rule: standard offset, and optionally DST with its start and end rules.
struct PosixRule {
  std::int64_t std_offset = 0;  // east positive
  bool has_dst = false;
  std::int64_t dst_offset = 0;
  struct When {
    int month = 0, week = 0, weekday = 0;  // Mm.w.d
    std::int64_t time = 7200;              // seconds after local midnight
  } start, end;
};

struct TimeZone::Rules {
  std::vector<std::int64_t> transitions;  // UTC seconds, ascending
  std::vector<std::int64_t> offsets;      // offset after each transition
  std::int64_t initial_offset = 0;        // before the first transition
  std::optional<PosixRule> footer;
};

namespace {

std::int64_t ReadBigEndian(const std::string& data, std::size_t pos, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

// Parses [+-]hh[:mm[:ss]] at s[*i]; returns seconds.
std::optional<std::int64_t> ParsePosixTime(std::string_view s, std::size_t* i) {
  int sign = 1;
  if (*i < s.size() && (s[*i] == '+' || s[*i] == '-')) sign = s[(*i)++] == '-' ? -1 : 1;
  std::int64_t parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (*i >= s.size() || s[*i] != ':') break;
      ++*i;
    }
    if (*i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[*i]))) return std::nullopt;
    std::int64_t n = 0;
    while (*i < s.size() && std::isdigit(static_cast<unsigned char>(s[*i])))
      n = n * 10 + (s[(*i)++] - '0');
    parts[k] = n;
  }
  return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
}

bool SkipName(std::string_view s, std::size_t* i) {
  if (*i < s.size() && s[*i] == '<') {
    std::size_t close = s.find('>', *i);
    if (close == std::string_view::npos) return false;
    *i = close + 1;
    return true;
  }
  std::size_t start = *i;
  while (*i < s.size() && std::isalpha(static_cast<unsigned char>(s[*i]))) ++*i;
  return *i - start >= 3;
}

std::optional<PosixRule::When> ParseWhen(std::string_view s, std::size_t* i) {
  PosixRule::When w;
  if (*i >= s.size() || s[*i] != 'M') return std::nullopt;  // Jn and n forms are not used by tzdata
  ++*i;
  int nums[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (*i >= s.size() || s[*i] != '.') return std::nullopt;
      ++*i;
    }
    int n = 0;
    bool any = false;
    while (*i < s.size() && std::isdigit(static_cast<unsigned char>(s[*i]))) {
      n = n * 10 + (s[(*i)++] - '0');
      any = true;
    }
    if (!any) return std::nullopt;
    nums[k] = n;
  }
  w.month = nums[0];
  w.week = nums[1];
  w.weekday = nums[2];
  if (w.month < 1 || w.month > 12 || w.week < 1 || w.week > 5 || w.weekday > 6) return std::nullopt;
  if (*i < s.size() && s[*i] == '/') {
    ++*i;
    auto t = ParsePosixTime(s, i);
    if (!t) return std::nullopt;
    w.time = *t;
  }
  return w;
}

std::optional<PosixRule> ParsePosix(std::string_view s) {
  PosixRule rule;
  std::size_t i = 0;
  if (!SkipName(s, &i)) return std::nullopt;
  auto std_off = ParsePosixTime(s, &i);
  if (!std_off) return std::nullopt;
  rule.std_offset = -*std_off;
  if (i == s.size()) return rule;
  if (!SkipName(s, &i)) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (i < s.size() && s[i] != ',') {
    auto dst_off = ParsePosixTime(s, &i);
    if (!dst_off) return std::nullopt;
    rule.dst_offset = -*dst_off;
  }
  if (i >= s.size() || s[i] != ',') return std::nullopt;
  ++i;
  auto start = ParseWhen(s, &i);
  if (!start || i >= s.size() || s[i] != ',') return std::nullopt;
  ++i;
  auto end = ParseWhen(s, &i);
  if (!end) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  return rule;
}

// Local midnight day of rule `w` in `year`.
std::int64_t RuleDay(std::int64_t year, const PosixRule::When& w) {
  std::int64_t first = DaysFromCivil(year, w.month, 1);
  int first_wd = WeekdayFromDays(first);
  std::int64_t day = first + (w.weekday - first_wd + 7) % 7 + 7 * (w.week - 1);
  std::int64_t last = first + DaysInMonth(year, w.month) - 1;
  while (day > last) day -= 7;
  return day;
}

std::int64_t PosixOffsetAt(const PosixRule& rule, std::int64_t utc) {
  if (!rule.has_dst) return rule.std_offset;
  std::int64_t year = CivilFromDays(FloorDiv(utc + rule.std_offset, 86400)).year;
  // Transition instants in UTC: start is given in standard time, end in daylight time.
  std::int64_t start = RuleDay(year, rule.start) * 86400 + rule.start.time - rule.std_offset;
  std::int64_t end = RuleDay(year, rule.end) * 86400 + rule.end.time - rule.dst_offset;
  bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
  return dst ? rule.dst_offset : rule.std_offset;
}

std::optional<TimeZone::Rules> ParseTzif(const std::string& data) {
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return std::nullopt;
  auto counts = [&](std::size_t base, std::int64_t* c) {
    for (int k = 0; k < 6; ++k) c[k] = ReadBigEndian(data, base + 20 + 4 * k, 4);
  };
  std::int64_t c[6];
  counts(0, c);
  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  std::size_t v1_size = c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
  int time_bytes = 4;
  std::size_t base = 0;
  if (data[4] >= '2' && data.size() >= 44 + v1_size + 44) {
    base = 44 + v1_size;
    counts(base, c);
    time_bytes = 8;
  }
  std::size_t pos = base + 44;
  std::size_t need =
      c[3] * (time_bytes + 1) + c[4] * 6 + c[5] + c[2] * (time_bytes + 4) + c[1] + c[0];
  if (c[4] <= 0 || data.size() < pos + need) return std::nullopt;
  TimeZone::Rules rules;
  std::vector<std::int64_t> type_offsets;
  std::size_t idx_pos = pos + c[3] * time_bytes;
  std::size_t type_pos = idx_pos + c[3];
  for (std::int64_t t = 0; t < c[4]; ++t)
    type_offsets.push_back(ReadBigEndian(data, type_pos + 6 * t, 4));
  for (std::int64_t t = 0; t < c[3]; ++t) {
    rules.transitions.push_back(ReadBigEndian(data, pos + t * time_bytes, time_bytes));
    unsigned idx = static_cast<unsigned char>(data[idx_pos + t]);
    if (idx >= type_offsets.size()) return std::nullopt;
    rules.offsets.push_back(type_offsets[idx]);
  }
  rules.initial_offset = type_offsets[0];
  if (time_bytes == 8) {
    std::size_t footer = pos + need;
    if (footer < data.size() && data[footer] == '\n') {
      std::size_t close = data.find('\n', footer + 1);
      if (close != std::string::npos)
        rules.footer = ParsePosix(std::string_view(data).substr(footer + 1, close - footer - 1));
    }
  }
  return rules;
}

bool SafeZoneName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
    return false;
  for (char ch : name) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '_' || ch == '-' ||
          ch == '+')) {
      return false;
    }
  }
  return true;
}

// "+05:30", "-0800", "+05": east-positive seconds.
std::optional<std::int64_t> ParseFixedOffset(std::string_view s) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    digits.push_back(s[i]);
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  if (s.size() == 6 && s[3] != ':') return std::nullopt;
  std::int64_t hours = std::stoi(digits.substr(0, 2));
  std::int64_t minutes = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
  if (minutes >= 60) return std::nullopt;
  std::int64_t total = hours * 3600 + minutes * 60;
  return s[0] == '-' ? -total : total;
}

}  // namespace

DbResult<TimeZone> TimeZone::Find(std::string_view name) {
  TimeZone zone;
  if (name == "UTC" || name == "GMT" || name == "Z" || name == "Etc/UTC") return zone;
  if (auto fixed = ParseFixedOffset(name)) {
    zone.fixed_offset_ = *fixed;
    return zone;
  }
  auto unknown = MakeError(kUnrecognizedTimeZone,
                           "unrecognized time zone identifier: \"" + std::string(name) + "\"");
  if (!SafeZoneName(name)) return unknown;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Rules>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto found = cache.find(name);
  if (found == cache.end()) {
    // Only regular files are zones ("Europe" is a directory, which a stream cannot read); only
    // zones are cached, so unknown names cannot grow the cache.
    std::string path = std::string(kZoneInfoDir) + "/" + std::string(name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return unknown;
    std::ifstream in(path, std::ios::binary);
    if (!in) return unknown;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto rules = ParseTzif(data);
    if (!rules) return unknown;
    found = cache.emplace(std::string(name), std::make_shared<const Rules>(std::move(*rules))).first;
  }
  zone.rules_ = found->second;
  return zone;
}

std::int64_t TimeZone::OffsetAt(std::int64_t utc) const {
  if (!rules_) return fixed_offset_;
  const auto& t = rules_->transitions;
  if (t.empty() || utc < t.front()) {
    if (t.empty() && rules_->footer) return PosixOffsetAt(*rules_->footer, utc);
    return rules_->initial_offset;
  }
  if (utc >= t.back() && rules_->footer) return PosixOffsetAt(*rules_->footer, utc);
  auto it = std::upper_bound(t.begin(), t.end(), utc);
  return rules_->offsets[static_cast<std::size_t>(it - t.begin() - 1)];
}

std::int64_t TimeZone::OffsetForLocal(std::int64_t local) const {
  std::int64_t first = OffsetAt(local);
  return OffsetAt(local - first);
}

}  // namespace tactus::docdb::query
