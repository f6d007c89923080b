#include <algorithm>
#include <cctype>

#include "tasks/http_task_internal.h"

namespace tactus::tasks::http_internal {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string_view> SplitColons(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(':', start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

std::chrono::milliseconds CallTimeout(const TaskRequest& request) {
  std::int64_t seconds = request.timeout_seconds && *request.timeout_seconds > 0
                             ? *request.timeout_seconds
                             : kDefaultHttpTimeoutSeconds;
  return std::chrono::seconds(seconds);
}

Request BoundedRequest(std::string method, std::string url, std::chrono::milliseconds timeout) {
  Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.timeout = timeout;
  r.connect_timeout = std::chrono::seconds(kHttpConnectTimeoutSeconds);
  r.max_body_bytes = kMaxHttpResponseBytes;
  return r;
}

json::object HeaderLists(const Headers& headers, bool lower) {
  json::object out;
  for (const auto& [name, value] : headers) {
    std::string key = lower ? Lower(name) : name;
    json::value& slot = out[key];
    if (!slot.is_array()) slot = json::array();
    slot.as_array().emplace_back(value);
  }
  return out;
}

std::string_view HeaderValue(const Headers& headers, std::string_view name) {
  std::string wanted = Lower(name);
  for (const auto& [n, value] : headers) {
    if (Lower(n) == wanted) return value;
  }
  return {};
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string type = Lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  while (!type.empty() && type.front() == ' ') type.erase(0, 1);
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

std::string UrlForMessages(std::string_view url) {
  return std::string(url.substr(0, std::min(url.find('?'), url.find('#'))));
}

TaskOutcome ParameterFailure(std::string_view field, std::string_view problem) {
  return TaskOutcome::Failure("States.Runtime",
                              "Parameters." + std::string(field) + " " + std::string(problem));
}

}  // namespace tactus::tasks::http_internal
