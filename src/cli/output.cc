#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "common/json.h"

namespace tactus::cli {

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

void PrintFields(std::ostream& out,
                 const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [key, value] : fields) {
    if (!value.empty()) width = std::max(width, key.size());
  }
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    out << key << ":" << std::string(width - key.size() + 2, ' ') << value << "\n";
  }
}

std::string FormatTimestamp(const json::value* value) {
  if (!value || !common::IsNumber(*value)) return "";
  double seconds = common::ToDouble(*value);
  std::time_t whole = static_cast<std::time_t>(std::floor(seconds));
  int millis = static_cast<int>(std::lround((seconds - std::floor(seconds)) * 1000));
  if (millis == 1000) {
    ++whole;
    millis = 0;
  }
  std::tm tm{};
  localtime_r(&whole, &tm);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03d", millis);
  return text;
}

std::string OneLine(std::string_view text, std::size_t max_chars) {
  std::string line;
  for (char c : text) line += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (line.size() <= max_chars) return line;
  std::size_t cut = max_chars > 3 ? max_chars - 3 : 0;
  // Never split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

std::string Str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string PrettyJsonText(std::string_view text) {
  auto parsed = common::ParseJson(text);
  if (!parsed.ok()) return std::string(text);
  std::string pretty = common::SerializePrettyJson(*parsed);
  while (!pretty.empty() && pretty.back() == '\n') pretty.pop_back();
  return pretty;
}

std::string EventDetail(const json::object& event, std::size_t max_chars) {
  const json::object* details = nullptr;
  for (const auto& [key, value] : event) {
    if (key.ends_with("EventDetails") && value.is_object()) details = &value.as_object();
  }
  if (!details || details->empty()) return "";
  const json::object& d = *details;
  std::string text;
  if (auto name = Str(d, "name"); !name.empty()) {
    text = name;
  } else if (d.contains("error") || d.contains("cause")) {
    text = Str(d, "error");
    if (auto cause = Str(d, "cause"); !cause.empty()) text += (text.empty() ? "" : ": ") + cause;
  } else if (auto resource = Str(d, "resource"); !resource.empty()) {
    auto type = Str(d, "resourceType");
    text = type.empty() ? resource : type + ":" + resource;
    if (auto output = Str(d, "output"); !output.empty()) text += " -> " + output;
  } else if (auto output = Str(d, "output"); d.contains("output")) {
    text = "output " + output;
  } else if (auto input = Str(d, "input"); d.contains("input")) {
    text = "input " + input;
  } else if (auto* index = d.if_contains("index")) {
    text = "index " + common::SerializeJson(*index);
  } else {
    text = common::SerializeJson(d);
  }
  return OneLine(text, max_chars);
}

}  // namespace tactus::cli
